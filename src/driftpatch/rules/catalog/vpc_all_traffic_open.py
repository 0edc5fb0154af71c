"""DP-VPC-004: all protocols, or every port, open to the internet."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import SG_TYPES, openings
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World


class AllTrafficOpenToWorld(Rule):
    meta = RuleMeta(
        id="DP-VPC-004",
        title="Security group allows all traffic from the internet",
        severity=Severity.CRITICAL,
        category=Category.NETWORK,
        resource_types=SG_TYPES,
        description=(
            'An ingress permission admits 0.0.0.0/0 or ::/0 with protocol "-1" (all '
            "protocols) or on every port (0-65535) of a protocol."
        ),
        risk=(
            "Every service on every attached instance, load balancer or database, including "
            "administration ports and services never meant to be public, is reachable from "
            "the internet."
        ),
        remediation=(
            "Replace the rule with rules for the specific ports the workload serves (e.g. 443 "
            "from 0.0.0.0/0 for a public load balancer) and specific sources for everything "
            "else. No patch is offered because the right ports and sources are yours to decide."
        ),
        references=(
            "CIS AWS 5.2",
            "CIS AWS 5.3",
            "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
        ),
        checkov=("CKV_AWS_277",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        by_attr: dict[str, tuple[set[str], set[str]]] = {}
        for o in openings(subject, world):
            if o.all_traffic:
                what, cidrs = by_attr.setdefault(o.attribute, (set(), set()))
                what.add(
                    "all traffic" if o.protocol == "-1" else f"all ports ({_name(o.protocol)})"
                )
                cidrs.update(o.cidrs)
        for attribute, (what, cidrs) in by_attr.items():
            found = sorted(cidrs)
            yield Violation(
                attribute, found, None, f"{', '.join(sorted(what))} open to {', '.join(found)}"
            )


def _name(protocol: str) -> str:
    return {"6": "tcp", "17": "udp"}.get(protocol, f"protocol {protocol}")


RULE = AllTrafficOpenToWorld()
