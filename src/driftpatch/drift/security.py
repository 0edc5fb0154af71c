"""Drift that weakens security: one finding, not two.

When someone opens a security group to the world from the console, the drift engine sees
`ingress` changed and the rules see SSH open to 0.0.0.0/0 on the live value. It is one change:
it is reported once, as drift (so the remedy is to put the code's value back, not to write the
insecure value into code), carrying the rule's severity, references and id in `also`.

Only when the rule holds on the state's value does this apply: if the code was already insecure,
the misconfiguration stands on its own (its fix goes into the code), and so does the drift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

from driftpatch.model import Finding, Kind


def _overlaps(drift_attr: str | None, rule_attr: str | None) -> bool:
    if drift_attr is None or rule_attr is None:
        return drift_attr == rule_attr
    for a, b in ((drift_attr, rule_attr), (rule_attr, drift_attr)):
        if a == b or b.startswith((a + ".", a + "[")):
            return True
    return False


def violation_key(f: Finding) -> tuple[str, str, str]:
    return (f.rule_id, f.address or "", f.attribute or "")


def weakened(drift: Finding, rule: Finding) -> Finding:
    """`drift` reported as the security regression `rule` found on its live value."""
    severity = max(drift.severity, rule.severity, key=lambda s: s.rank)
    return dataclasses.replace(
        drift,
        title=f"{drift.attribute} changed outside Terraform: {rule.title}",
        severity=severity,
        category=rule.category,
        description=f"{drift.description} {rule.description}".strip(),
        risk=rule.risk or drift.risk,
        remediation=(
            f"This change weakens security ({rule.rule_id}): do not keep it. Put the code's "
            f"value back with: terraform apply -target='{drift.address}'. {rule.remediation}"
        ).strip(),
        references=tuple(dict.fromkeys((*drift.references, *rule.references))),
        also=tuple(dict.fromkeys((*drift.also, rule.rule_id, *rule.also))),
    )


def is_security_drift(f: Finding) -> bool:
    """A drift finding that a security rule flagged (see `weakened`)."""
    return f.kind is Kind.DRIFT and any(a.startswith("DP-") for a in f.also)


def merge(
    drift: Sequence[Finding],
    misconfig: Sequence[Finding],
    violated_in_state: Collection[tuple[str, str, str]],
) -> list[Finding]:
    """Drift and misconfiguration findings, with security regressions folded into drift."""
    out = list(drift)
    index: dict[str, list[int]] = {}
    for i, f in enumerate(out):
        if f.kind is Kind.DRIFT and f.address:
            index.setdefault(f.address, []).append(i)
    for rule in misconfig:
        if rule.kind is not Kind.MISCONFIG or violation_key(rule) in violated_in_state:
            out.append(rule)
            continue
        candidates = index.get(rule.address or "", ())
        hits = [i for i in candidates if _overlaps(out[i].attribute, rule.attribute)]
        if not hits:
            out.append(rule)
            continue
        for i in hits:
            out[i] = weakened(out[i], rule)
    return out
