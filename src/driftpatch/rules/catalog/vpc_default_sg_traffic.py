"""DP-VPC-005: a VPC's default security group allows traffic."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import SEPARATE_RULES, blocks
from driftpatch.rules.interface import UNKNOWN, Origin, Rule, RuleMeta, Subject, Violation, World


class DefaultSecurityGroupOpen(Rule):
    meta = RuleMeta(
        id="DP-VPC-005",
        title="Default security group allows traffic",
        severity=Severity.MEDIUM,
        category=Category.NETWORK,
        resource_types=("aws_default_security_group", "aws_security_group"),
        description=(
            "The VPC's default security group (aws_default_security_group, or a live or "
            'imported group named "default") has ingress or egress rules, written inline or '
            "attached as separate rule resources (aws_security_group_rule, "
            "aws_vpc_security_group_ingress_rule / egress_rule). AWS creates it allowing all "
            "traffic between its members and all outbound traffic."
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
        separate = _separate_rules(subject, world)
        for direction in ("ingress", "egress"):
            value = subject.get(direction)
            if value is UNKNOWN:
                continue
            inline = len(blocks(value))
            attached = separate[direction]
            # Live and state groups echo the rules managed separately in their inline
            # lists; code lists only what its own block writes.
            count = inline + attached if subject.origin is Origin.CODE else max(inline, attached)
            if count:
                noun = "rule" if count == 1 else "rules"
                detail = f"{count} {direction} {noun}"
                if attached:
                    detail += f" ({attached} as separate resources)"
                yield Violation(direction, count, 0, detail)


def _separate_rules(group: Subject, world: World) -> dict[str, int]:
    """Rules attached to the group as their own resources (issue 11: they were ignored),
    linked by the group's id or by a reference to the group."""
    counts = {"ingress": 0, "egress": 0}
    for type_, direction in SEPARATE_RULES.items():
        for rule in world.linked(type_, group, "security_group_id"):
            which = direction or rule.get("type")
            if which in counts:
                counts[str(which)] += 1
    return counts


RULE = DefaultSecurityGroupOpen()
