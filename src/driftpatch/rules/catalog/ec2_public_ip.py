"""DP-EC2-002: an instance with a public IP address associated."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import Fix, Rule, RuleMeta, SetValue, Subject, Violation, World


class InstancePublicIp(Rule):
    meta = RuleMeta(
        id="DP-EC2-002",
        title="EC2 instance has a public IP address",
        severity=Severity.MEDIUM,
        category=Category.COMPUTE,
        resource_types=("aws_instance",),
        description=(
            "associate_public_ip_address is true: the instance gets an address reachable from "
            "the internet, limited only by its security groups. Instances that get a public IP "
            "from the subnet's default (attribute not written) are not reported from code."
        ),
        risk=(
            "The instance is one security-group mistake away from direct exposure, and is "
            "visible to internet-wide scanning regardless."
        ),
        remediation=(
            "Set associate_public_ip_address = false and place the instance in a private "
            "subnet; reach it through a load balancer, NAT gateway for egress, and Systems "
            "Manager Session Manager for administration. Changing this attribute replaces the "
            "instance: plan the migration of anything stored on it."
        ),
        references=(
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html",
        ),
        checkov=("CKV_AWS_88",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.get("associate_public_ip_address") is True:
            yield Violation("associate_public_ip_address", True, False, "public IP associated")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix(
            (SetValue("associate_public_ip_address", False),),
            "Do not associate a public IP (replaces the instance)",
        )


RULE = InstancePublicIp()
