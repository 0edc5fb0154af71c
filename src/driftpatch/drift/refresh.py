"""Drift from Terraform's own refresh: a plan's `resource_drift` (`check --plan`), and the long
tail of a live scan (types driftpatch has no reader for, refreshed by `terraform plan
-refresh-only`), through the same normalisation, comparison and findings as a native read.

Why through Terraform for the long tail: the provider already knows how to read every type; a
refresh-only plan makes only reads. Its `prior_state` holds the refreshed values (what AWS has,
in state shape), `resource_drift` the instances whose values changed; an instance targeted but
absent from `resource_drift` is in sync.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from driftpatch.drift.compare import compare
from driftpatch.drift.detect import drift_finding, missing_finding
from driftpatch.drift.reconcile import Owners, reconcile
from driftpatch.model import JSON, Finding, LiveResource, ResourceStatus
from driftpatch.terraform.plan import Plan, ResourceChange
from driftpatch.terraform.state import StateInstance


def paths_from_mask(mask: JSON, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Terraform's sensitive_values masks: `true` marks a sensitive value at that path."""
    if mask is True:
        return [prefix]
    out: list[tuple[str | int, ...]] = []
    if isinstance(mask, Mapping):
        for k, v in mask.items():
            out.extend(paths_from_mask(v, (*prefix, str(k))))
    elif isinstance(mask, list):
        for i, v in enumerate(mask):
            out.extend(paths_from_mask(v, (*prefix, i)))
    return out


def plan_drift(plan: Plan) -> tuple[list[Finding], dict[str, ResourceStatus]]:
    """The plan's own resource_drift, through the same normalisation as a live scan."""
    owners = Owners.from_state((vr.address.type, vr.values) for vr in plan.prior_state)
    findings: list[Finding] = []
    statuses: dict[str, ResourceStatus] = {}
    for rc in plan.resource_drift:
        if rc.address.mode != "managed":
            continue
        key = str(rc.address)
        before = rc.before if isinstance(rc.before, Mapping) else {}
        inst = change_instance(rc, before, plan.origin)
        if "delete" in rc.actions and rc.after is None:
            findings.append(missing_finding(inst))
            statuses[key] = ResourceStatus.MISSING
            continue
        after = rc.after if isinstance(rc.after, Mapping) else {}
        want, have, skip = reconcile(rc.address.type, before, after, owners)
        changes = compare(rc.address.type, want, have, skip=skip)
        findings.extend(drift_finding(inst, c) for c in changes)
        statuses[key] = ResourceStatus.DRIFTED if changes else ResourceStatus.IN_SYNC
    return findings, statuses


def change_instance(rc: ResourceChange, before: Mapping[str, JSON], origin: str) -> StateInstance:
    return StateInstance(
        address=rc.address,
        provider=rc.provider,
        schema_version=0,
        attributes=before,
        sensitive_paths=tuple(paths_from_mask(rc.before_sensitive)),
        dependencies=(),
        origin=origin,
    )


@dataclass(frozen=True)
class Refreshed:
    """What a targeted refresh-only plan says about the instances it targeted."""

    findings: tuple[Finding, ...] = ()
    statuses: Mapping[str, ResourceStatus] = field(default_factory=dict)
    # address -> the refreshed object, as a native reader would have read it (rules run on it).
    live: Mapping[str, LiveResource] = field(default_factory=dict)


def from_refresh(plan: Plan, targets: Sequence[StateInstance]) -> Refreshed:
    """Findings and statuses for `targets` from a `plan -refresh-only` targeted at them."""
    findings, statuses = plan_drift(plan)
    wanted = {str(i.address): i for i in targets}
    findings = [f for f in findings if f.address in wanted]
    refreshed = {str(vr.address): vr for vr in plan.prior_state if vr.address.mode == "managed"}
    out_status: dict[str, ResourceStatus] = {}
    live: dict[str, LiveResource] = {}
    for key, inst in wanted.items():
        status = statuses.get(key)
        values = refreshed.get(key)
        if status is None:
            # Not in resource_drift: the refresh found it as recorded, or (gone from the
            # refreshed state without a drift entry) could not find it.
            status = ResourceStatus.IN_SYNC if values is not None else ResourceStatus.MISSING
            if values is None:
                findings.append(missing_finding(inst))
        out_status[key] = status
        if values is not None and status is not ResourceStatus.MISSING:
            rid = values.values.get("id")
            live[key] = LiveResource(
                type=inst.address.type,
                id=rid if isinstance(rid, str) else inst.id or "",
                region=inst.region,
                attributes=dict(values.values),
            )
    return Refreshed(tuple(findings), out_status, live)
