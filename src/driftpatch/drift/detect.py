"""State vs live: changed, missing and unmanaged resources.

Every state instance of a covered type is matched with its live counterpart and compared
attribute by attribute (after reconciliation of inline vs separate resources). Absence is only
"missing" where the listing of that type in that region (every scanned region, for a type
whose state names none) and account was complete; elsewhere the instance is `unread`. Live
objects that no state owns are "unmanaged", except account defaults, objects that only exist
inside a parent (derived types), whose changes show on the parent instead, and parts whose
possible owners could not be read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from driftpatch.drift.compare import Change, compare
from driftpatch.drift.reconcile import Owners, reconcile
from driftpatch.errors import InputError
from driftpatch.model import (
    JSON,
    SENSITIVE,
    Address,
    Category,
    Finding,
    Inventory,
    Kind,
    LiveMatcher,
    LiveResource,
    ResourceStatus,
    Severity,
)
from driftpatch.terraform.schema import aws_schema
from driftpatch.typed import AttributeTypeError

DRIFT_RULE = "DRIFT"
MISSING_RULE = "DRIFT-MISSING"
UNMANAGED_RULE = "DRIFT-UNMANAGED"


class StateLike(Protocol):
    @property
    def address(self) -> Address: ...
    @property
    def attributes(self) -> Mapping[str, JSON]: ...
    @property
    def id(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def sensitive_paths(self) -> tuple[tuple[str | int, ...], ...]: ...
    @property
    def origin(self) -> str: ...


@dataclass(frozen=True)
class DriftResult:
    findings: tuple[Finding, ...]
    statuses: Mapping[str, ResourceStatus]  # by address, for every state instance
    matched: Mapping[str, LiveResource] = field(default_factory=dict)  # address -> live
    unmanaged: tuple[LiveResource, ...] = ()
    # (state file, address) -> status, where two states hold one address (the same stack in two
    # accounts); `statuses` keeps one of them per address.
    by_origin: Mapping[tuple[str, str], ResourceStatus] = field(default_factory=dict)


def _reader_for(readers: Sequence[LiveMatcher], type_: str) -> LiveMatcher | None:
    return next((r for r in readers if type_ in r.types), None)


def _sensitive(
    type_: str, path: tuple[str | int, ...], marked: Sequence[tuple[str | int, ...]]
) -> bool:
    names = tuple(p for p in path if isinstance(p, str))
    schema = aws_schema().resource(type_)
    if schema is not None and any(names[: len(s)] == s for s in schema.sensitive_paths()):
        return True
    return any(tuple(path[: len(m)]) == tuple(m) for m in marked)


def drift_finding(inst: StateLike, change: Change) -> Finding:
    addr = inst.address
    hidden = _sensitive(addr.type, change.path, inst.sensitive_paths)
    is_tag = change.attribute.startswith("tags.")
    return Finding(
        kind=Kind.DRIFT,
        rule_id=DRIFT_RULE,
        title=f"{change.attribute} changed outside Terraform",
        severity=Severity.LOW if is_tag else Severity.MEDIUM,
        category=Category.DRIFT,
        resource_type=addr.type,
        address=str(addr),
        resource_id=inst.id,
        attribute=change.attribute,
        expected=SENSITIVE if hidden else change.expected,
        actual=SENSITIVE if hidden else change.actual,
        description=(
            f"Terraform state records {change.attribute} of {addr} as one value; "
            "AWS now has another. The next apply would silently put the state's value back, "
            "or the change made by hand is lost from the code."
        ),
        risk="Configuration no longer matches reviewed code; the next apply reverts it.",
        remediation=(
            "Keep the live value by writing it into the code (driftpatch's codify patch), or "
            f"restore the code's value with: terraform apply -target='{addr}'"
        ),
    )


def missing_finding(inst: StateLike) -> Finding:
    addr = inst.address
    return Finding(
        kind=Kind.MISSING,
        rule_id=MISSING_RULE,
        title=f"{addr.type} {inst.id} no longer exists in AWS",
        severity=Severity.HIGH,
        category=Category.DRIFT,
        resource_type=addr.type,
        address=str(addr),
        resource_id=inst.id,
        expected=inst.id,
        actual=None,
        description=f"{addr} is in Terraform state, but AWS no longer has {inst.id}.",
        risk="Whatever depends on it is broken until it is re-created or removed from code.",
        remediation=(
            f"Re-create it with: terraform apply -target='{addr}'; or, if it was deleted on "
            "purpose, remove the block from the code and forget it with a `removed {}` block."
        ),
    )


def unmanaged_finding(live: LiveResource) -> Finding:
    name = live.attributes.get("name") or live.attributes.get("bucket")
    tags = live.attributes.get("tags")
    summary: dict[str, JSON] = {"id": live.id, "region": live.region}
    if name:
        summary["name"] = name
    if isinstance(tags, Mapping) and tags:
        summary["tags"] = dict(tags)
    return Finding(
        kind=Kind.UNMANAGED,
        rule_id=UNMANAGED_RULE,
        title=f"{live.type} {live.id} is not managed by Terraform",
        severity=Severity.MEDIUM,
        category=Category.DRIFT,
        resource_type=live.type,
        address=None,
        resource_id=live.id,
        expected=None,
        actual=summary,
        description=f"{live.type} {live.id} exists in AWS, but no scanned state owns it.",
        risk="Unreviewed infrastructure: nobody's code describes it, so nobody reviews it.",
        remediation=(
            "Bring it under Terraform with the import block and resource driftpatch writes, "
            "delete it if it is not needed, or list it in .driftpatchignore."
        ),
    )


def account_of(attributes: Mapping[str, JSON]) -> str | None:
    """The account in a state instance's ARN (`arn:aws:ec2:us-east-1:123456789012:...`);
    None when it has no ARN or the ARN names none (S3)."""
    arn = attributes.get("arn")
    if not isinstance(arn, str):
        return None
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        return None
    account = parts[4]
    return account if len(account) == 12 and account.isdigit() else None


def _owners_read(
    resource: LiveResource, inventory: Inventory, readers: Sequence[LiveMatcher]
) -> bool:
    """False when `resource` may be part of an object whose listing failed (a root volume
    while DescribeInstances was denied): it cannot be called unmanaged then."""
    reader = _reader_for(readers, resource.type)
    if reader is None:
        return True
    owners = reader.part_owners.get(resource.type, ())
    region = None if reader.is_global else resource.region
    return all(inventory.complete_for(t, region) for t in owners)


def located(exc: AttributeTypeError, inst: StateLike, inventory: Inventory) -> InputError:
    """The one line for an odd-typed attribute met while matching `inst`: the state file and
    address when the state's value is bad, the snapshot file and live object when the
    snapshot's is. Why this stops the scan (exit 2) instead of skipping the resource:
    typed.py."""
    if exc.subject is None:
        return InputError(f"{inst.origin}: {inst.address}: {exc.detail}")
    where = inventory.origin or "live AWS"
    return InputError(f"{where}: {exc.subject} (matched by {inst.address}): {exc.detail}")


def detect(
    instances: Sequence[StateLike],
    inventory: Inventory,
    *,
    readers: Sequence[LiveMatcher],
    owners: Owners | None = None,
) -> DriftResult:
    """Compare every state instance of a covered type (one of `readers`) with live AWS."""
    owners = owners or Owners.from_state((i.address.type, i.attributes) for i in instances)
    live = inventory.index()
    scanned = set(inventory.regions)
    findings: list[Finding] = []
    statuses: dict[str, ResourceStatus] = {}
    matched: dict[str, LiveResource] = {}
    owned: set[tuple[str, str]] = set()
    for inst in instances:
        addr = inst.address
        key = str(addr)
        if inst.id:
            owned.add((addr.type, inst.id))
        reader = _reader_for(readers, addr.type)
        region = inst.region
        if (
            reader is None
            or not inst.id
            or (region is not None and not reader.is_global and region not in scanned)
            or (inventory.types is not None and addr.type not in inventory.types)
        ):
            statuses[key] = ResourceStatus.UNSUPPORTED  # not covered, or not in scope
            continue
        account = account_of(inst.attributes)
        if account is not None and inventory.account_id not in (None, account):
            statuses[key] = ResourceStatus.UNSUPPORTED  # another account: not scanned
            continue
        if not inventory.complete_for(addr.type, None if reader.is_global else region, account):
            # Its read failed: absence proves nothing, and a comparison with what was read
            # would report the gap as drift.
            statuses[key] = ResourceStatus.UNREAD
            continue
        if reader.unread_instance(addr.type, inst.id, inst.attributes, live):
            statuses[key] = ResourceStatus.UNREAD  # its own read failed (one bucket's call)
            continue
        try:
            found = reader.match(addr.type, inst.id, inst.attributes, live)
        except AttributeTypeError as exc:
            raise located(exc, inst, inventory) from None
        if found is None:
            findings.append(missing_finding(inst))
            statuses[key] = ResourceStatus.MISSING
            continue
        matched[key] = found
        # What a state instance matched is owned, also where the provider's id is not the live
        # object's (a Route 53 record's id spells its name as the configuration does), and an
        # alias type (aws_alb) owns the object its reader lists under the canonical type.
        owned.add((found.type, found.id))
        want, have, skip = reconcile(addr.type, inst.attributes, found.attributes, owners)
        skip |= reader.unreadable.get(addr.type, frozenset())
        changes = compare(addr.type, want, have, skip=skip)
        findings.extend(drift_finding(inst, c) for c in changes)
        statuses[key] = ResourceStatus.DRIFTED if changes else ResourceStatus.IN_SYNC
    derived = frozenset(t for r in readers for t in r.derived_types)
    parts = frozenset().union(*(reader.parts(inventory.resources) for reader in readers))
    unmanaged = tuple(
        r
        for r in inventory.resources
        if not r.account_default
        and r.type not in derived
        and (r.type, r.id) not in owned
        and (r.type, r.id) not in parts
        and (r.region is None or r.region in scanned)
        and _owners_read(r, inventory, readers)
    )
    findings.extend(unmanaged_finding(r) for r in unmanaged)
    return DriftResult(tuple(findings), statuses, matched, unmanaged)
