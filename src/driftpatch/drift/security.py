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
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from driftpatch.model import JSON, SENSITIVE, Finding, Kind


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
            f"This change weakens security ({rule.rule_id}): do not keep it. "
            f"{restore_sentence(drift.address or '')} {rule.remediation}"
        ).strip(),
        references=tuple(dict.fromkeys((*drift.references, *rule.references))),
        also=tuple(dict.fromkeys((*drift.also, rule.rule_id, *rule.also))),
    )


def restore_sentence(address: str) -> str:
    """The generic restore advice; fix/remedies.py replaces it with what is true for the code
    at hand (apply alone does not restore what the code is silent on)."""
    return f"Put the code's value back with: terraform apply -target='{address}'."


# Resources that exist only to switch a security control on: one deleted out of band is a
# control turned off, and removing its block from the code would make that permanent (the
# resource-level twin of security drift: never codified, reverted).
SECURITY_CONTROLS: Mapping[str, str] = {
    "aws_s3_bucket_public_access_block": "the bucket's public access block",
    "aws_s3_account_public_access_block": "the account's public access block",
    "aws_s3_bucket_server_side_encryption_configuration": "the bucket's default encryption",
    "aws_s3_bucket_versioning": "the bucket's versioning",
    "aws_s3_bucket_logging": "the bucket's access logging",
    "aws_ebs_encryption_by_default": "EBS encryption by default",
    "aws_cloudtrail": "the audit trail",
    "aws_flow_log": "the VPC flow log",
    "aws_guardduty_detector": "threat detection",
    "aws_config_configuration_recorder": "the configuration recorder",
    "aws_iam_account_password_policy": "the account's password policy",
}


def deleted_control(f: Finding) -> str | None:
    """What security control a missing resource was (None when it is not one)."""
    if f.kind is not Kind.MISSING or not f.address:
        return None
    return SECURITY_CONTROLS.get(f.resource_type or "")


def is_security_drift(f: Finding) -> bool:
    """A drift finding that a security rule flagged (see `weakened`), or whose live value a
    rule flags where the state's value passes (`weakening_rules`): one policy, from the rules,
    for every type, whether or not the scan's merge could fold the rule's finding in."""
    if f.kind is not Kind.DRIFT:
        return False
    return any(a.startswith("DP-") for a in f.also) or bool(weakening_rules(f))


def flagged_by(f: Finding) -> tuple[str, ...]:
    """The rule ids that make `f` a security regression (empty when it is not one)."""
    own = tuple(a for a in f.also if a.startswith("DP-"))
    return own or weakening_rules(f)


_STEP = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)(?:\[(\d+)\])?$")


def _nest(path: str, value: JSON) -> dict[str, Any] | None:
    """{"metadata_options": [{"http_tokens": v}]} for "metadata_options[0].http_tokens"."""
    steps = []
    for part in path.split("."):
        m = _STEP.match(part)
        if m is None:
            return None
        steps.append((m.group(1), m.group(2) is not None))
    out: Any = value
    for name, indexed in reversed(steps):
        out = {name: [out] if indexed else out}
    return dict(out)


def weakening_rules(f: Finding) -> tuple[str, ...]:
    """Rules that fire on the drifted attribute's live value and not on the state's value.

    Each side is judged alone (a resource holding only that attribute), so what the rules say
    about other attributes cancels out; a rule that needs more context than the attribute is
    left to the scan's merge (`merge`), which sees whole resources."""
    if f.kind is not Kind.DRIFT or not f.attribute or not f.resource_type:
        return ()
    if SENSITIVE in (f.expected, f.actual) or f.attribute.startswith("tags."):
        return ()
    from driftpatch.rules import all_rules
    from driftpatch.rules.interface import Origin, Subject, World

    sides = []
    for value in (f.actual, f.expected):
        attrs = _nest(f.attribute, value)
        if attrs is None:
            return ()
        if f.resource_id:
            attrs.setdefault("id", f.resource_id)
        sides.append(Subject(f.resource_type, attrs, Origin.LIVE, f.address, f.resource_id))
    live, state = sides
    found: list[str] = []
    for rule in all_rules():
        if f.resource_type not in rule.meta.resource_types:
            continue
        try:
            hits = [
                v for v in rule.evaluate(live, World([live])) if _overlaps(v.attribute, f.attribute)
            ]
            if not hits or any(
                _overlaps(v.attribute, f.attribute) for v in rule.evaluate(state, World([state]))
            ):
                continue
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # a rule that cannot judge a partial resource says nothing here
        found.append(rule.meta.id)
    return tuple(found)


def violated_in_state(
    findings: Sequence[Finding], subjects: Sequence[Any]
) -> set[tuple[str, str, str]]:
    """Violation keys the state already has, each also at the group a separate rule resource
    adds to: a group's own `ingress` in state can predate its rule resources (Terraform
    records it at create time), so an SSH rule declared as an `aws_security_group_rule` is a
    violation of the group already, never a regression of a drift of that group."""
    from driftpatch.rules.catalog._helpers import SEPARATE_RULES  # loaded with the rules

    keys = {violation_key(f) for f in findings}
    groups = {
        str(s.attributes.get("id")): s.address
        for s in subjects
        if s.type == "aws_security_group" and s.address and s.attributes.get("id")
    }
    rules = {s.address: s for s in subjects if s.type in SEPARATE_RULES and s.address}
    for f in findings:
        rule = rules.get(f.address or "")
        if rule is None:
            continue
        side = SEPARATE_RULES[rule.type] or str(rule.attributes.get("type") or "")
        group = groups.get(str(rule.attributes.get("security_group_id")))
        if group and side in ("ingress", "egress"):
            keys.add((f.rule_id, group, side))
    return keys


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
