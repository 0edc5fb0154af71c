"""DP-VPC-001: SSH (22) open to the internet."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import SG_TYPES, port_violations
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World


class SshOpenToWorld(Rule):
    meta = RuleMeta(
        id="DP-VPC-001",
        title="Security group allows SSH from the internet",
        severity=Severity.HIGH,
        category=Category.NETWORK,
        resource_types=SG_TYPES,
        description=(
            "An ingress permission admits 0.0.0.0/0 or ::/0 on TCP or UDP port 22 (a port "
            "range including 22 counts; rules opening all traffic are reported by DP-VPC-004)."
        ),
        risk=(
            "SSH is brute-forced and scanned for within minutes of exposure; one weak key, "
            "password or unpatched sshd gives a shell inside the VPC."
        ),
        remediation=(
            "Replace 0.0.0.0/0 and ::/0 with the CIDR blocks that need SSH (your VPN or office "
            "ranges) or a source security group, or drop the rule and use AWS Systems Manager "
            "Session Manager. Which ranges are right is yours to decide, so no patch is offered."
        ),
        references=(
            "CIS AWS 5.2",
            "CIS AWS 5.3",
            "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
        ),
        checkov=("CKV_AWS_24",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        for attribute, cidrs, detail in port_violations(subject, world, {22: ""}, ""):
            yield Violation(attribute, list(cidrs), None, detail)


RULE = SshOpenToWorld()
