"""DP-VPC-002: RDP (3389) open to the internet."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import SG_TYPES, port_violations
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World


class RdpOpenToWorld(Rule):
    meta = RuleMeta(
        id="DP-VPC-002",
        title="Security group allows RDP from the internet",
        severity=Severity.HIGH,
        category=Category.NETWORK,
        resource_types=SG_TYPES,
        description=(
            "An ingress permission admits 0.0.0.0/0 or ::/0 on TCP or UDP port 3389 (a port "
            "range including 3389 counts; rules opening all traffic are reported by DP-VPC-004)."
        ),
        risk=(
            "Exposed RDP is a leading ransomware entry point: credential stuffing and RDP "
            "vulnerabilities give an interactive Windows session inside the VPC."
        ),
        remediation=(
            "Replace 0.0.0.0/0 and ::/0 with the CIDR blocks that need RDP or a source security "
            "group, or use Systems Manager Fleet Manager / a bastion. Which ranges are right is "
            "yours to decide, so no patch is offered."
        ),
        references=(
            "CIS AWS 5.2",
            "CIS AWS 5.3",
            "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
        ),
        checkov=("CKV_AWS_25",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        for attribute, cidrs, detail in port_violations(subject, world, {3389: ""}, ""):
            yield Violation(attribute, list(cidrs), None, detail)


RULE = RdpOpenToWorld()
