"""DP-VPC-005: a VPC's default security group allows traffic."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import blocks
from driftpatch.rules.interface import UNKNOWN, Rule, RuleMeta, Subject, Violation, World


class DefaultSecurityGroupOpen(Rule):
    meta = RuleMeta(
        id="DP-VPC-005",
        title="Default security group allows traffic",
        severity=Severity.MEDIUM,
        category=Category.NETWORK,
        resource_types=("aws_default_security_group", "aws_security_group"),
        description=(
            "The VPC's default security group (aws_default_security_group, or a live or "
            'imported group named "default") has ingress or egress rules. AWS creates it '
            "allowing all traffic between its members and all outbound traffic."
        ),
        risk=(
            "Anything launched without an explicit security group lands in the default group "
            "and silently gets its access: lateral movement between unrelated resources and "
            "unrestricted egress for exfiltration."
        ),
        remediation=(
            "Manage the group with an aws_default_security_group for the VPC that declares no "
            "ingress and no egress blocks: Terraform then removes every rule. Give each "
            "workload its own aws_security_group. No patch is offered because removing "
            "rules others may rely on needs a review of what uses the group."
        ),
        references=(
            "CIS AWS 5.4",
            "https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html",
        ),
        checkov=("CKV2_AWS_12",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.type == "aws_security_group" and subject.get("name") != "default":
            return
        for direction in ("ingress", "egress"):
            value = subject.get(direction)
            if value is UNKNOWN:
                continue
            count = len(blocks(value))
            if count:
                noun = "rule" if count == 1 else "rules"
                yield Violation(direction, count, 0, f"{count} {direction} {noun}")


RULE = DefaultSecurityGroupOpen()
