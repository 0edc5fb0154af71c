"""DP-VPC-006: a subnet that gives every instance launched in it a public IP address."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import Fix, Rule, RuleMeta, SetValue, Subject, Violation, World


class SubnetPublicIp(Rule):
    meta = RuleMeta(
        id="DP-VPC-006",
        title="Subnet assigns a public IP address to every instance by default",
        severity=Severity.MEDIUM,
        category=Category.NETWORK,
        resource_types=("aws_subnet",),
        description=(
            "map_public_ip_on_launch is true: every network interface created in the subnet "
            "gets a public IPv4 address unless its launch explicitly says otherwise, so "
            "exposure is the default instead of a decision. The default VPC's subnets, which "
            "AWS creates this way in every region, are left out of live scans."
        ),
        risk=(
            "Instances (and anything else that creates interfaces: containers, build agents, "
            "load-test fleets) become reachable from the internet through any permissive "
            "security group, without anyone having asked for a public address."
        ),
        remediation=(
            "Set map_public_ip_on_launch = false. Instances that must be public can ask for "
            "an address with associate_public_ip_address or an Elastic IP; everything else "
            "belongs in private subnets behind a NAT gateway or a load balancer. The change "
            "applies in place and affects only interfaces created afterwards."
        ),
        references=(
            "https://docs.aws.amazon.com/vpc/latest/userguide/modify-subnets.html",
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html",
        ),
        checkov=("CKV_AWS_130",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.get("map_public_ip_on_launch") is True and not subject.account_default:
            yield Violation(
                "map_public_ip_on_launch", True, False, "public IPv4 address assigned on launch"
            )

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix(
            (SetValue("map_public_ip_on_launch", False),),
            "Do not assign public IP addresses on launch",
        )


RULE = SubnetPublicIp()
