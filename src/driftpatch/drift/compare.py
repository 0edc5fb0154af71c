"""Attribute-level comparison of what state says with what AWS says.

Both sides are normalised by the provider schema first (drift/normalize.py), then deepdiff finds
what differs. Changes are reported at the granularity a reviewer acts on: one per top-level
attribute, except tags (one per key: `tags.Env`) and single nested blocks, which are followed
down to the leaf that changed (`versioning_configuration[0].status`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from driftpatch.drift.normalize import normalize_attribute
from driftpatch.model import JSON
from driftpatch.terraform.schema import BlockSchema, BlockTypeSchema, aws_schema

# Never compared directly: identity, provider-local settings, and tags (compared per key below).
ALWAYS_SKIPPED = frozenset({"id", "timeouts", "tags", "tags_all"})
Step = str | int


@dataclass(frozen=True)
class Change:
    attribute: str  # reporting path: "instance_type", "tags.Env", "metadata_options[0].http_tokens"
    path: tuple[Step, ...]  # the same as steps into the attribute dicts
    expected: JSON  # the state's value at `path` (raw, not normalised)
    actual: JSON  # the live value at `path`


def value_at(attrs: Mapping[str, JSON], path: Sequence[Step]) -> JSON:
    value: Any = attrs
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and step < len(value) else None
        else:
            value = value.get(step) if isinstance(value, Mapping) else None
        if value is None:
            return None
    return value


def format_path(path: Sequence[Step]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _single(spec: BlockTypeSchema) -> bool:
    return spec.nesting_mode == "single" or (spec.max_items == 1 and not spec.is_set)


def reporting_path(path: Sequence[Step], block: BlockSchema) -> tuple[Step, ...]:
    """Cut a deepdiff path down to where a reviewer acts (see module docstring)."""
    head = path[0]
    spec = block.block_types.get(str(head))
    if spec is not None and _single(spec) and len(path) >= 3 and path[1] == 0:
        return (head, 0, *reporting_path(path[2:], spec.block))
    return (head,)


def _tag_changes(expected: Mapping[str, JSON], actual: Mapping[str, JSON]) -> list[Change]:
    want = expected.get("tags_all") or expected.get("tags") or {}
    have = actual.get("tags_all") or actual.get("tags") or {}
    if not isinstance(want, Mapping) or not isinstance(have, Mapping):
        return []
    return [
        Change(f"tags.{key}", ("tags", key), want.get(key), have.get(key))
        for key in sorted(set(want) | set(have))
        if want.get(key) != have.get(key)
    ]


def _all_traffic(protocol: JSON) -> bool:
    return str(protocol or "").lower() in ("-1", "all")


def _suppressed(
    type_: str, expected: Mapping[str, JSON], actual: Mapping[str, JSON]
) -> frozenset[str]:
    """Differences the provider itself suppresses, so Terraform never reports them.

    aws_security_group_rule with protocol -1 (all traffic): the provider sends no ports to AWS
    and reads none back (0), while configurations say 0/65535 or -1/-1; its DiffSuppressFunc on
    from_port and to_port hides that. Ports mean nothing for all traffic."""
    all_traffic = _all_traffic(expected.get("protocol")) and _all_traffic(actual.get("protocol"))
    if type_ == "aws_security_group_rule" and all_traffic:
        return frozenset({"from_port", "to_port"})
    return frozenset()


# networkACLProtocolNumber's names; AWS (and the provider's read) speak numbers only.
_NACL_PROTOCOLS = {"all": "-1", "icmp": "1", "tcp": "6", "udp": "17", "icmpv6": "58"}
_NACL_TYPES = frozenset({"aws_network_acl", "aws_default_network_acl"})


def _nacl_entry(entry: JSON) -> JSON:
    """One network ACL entry as the provider's set hash sees it: the protocol as a number
    ("tcp" written in code, "6" read from AWS), unset ICMP type/code as 0 (AWS returns none for
    entries that are not ICMP, the provider reads 0, code leaves them null)."""
    if not isinstance(entry, Mapping):
        return entry
    out = dict(entry)
    protocol = str(out.get("protocol") or "").strip().lower()
    out["protocol"] = _NACL_PROTOCOLS.get(protocol, protocol)
    for key in ("icmp_code", "icmp_type"):
        if out.get(key) is None:
            out[key] = 0
    return out


def provider_equivalent(type_: str, attrs: Mapping[str, JSON]) -> Mapping[str, JSON]:
    """Attributes with values the provider treats as one written one way (see `_nacl_entry`)."""
    if type_ not in _NACL_TYPES:
        return attrs
    out = dict(attrs)
    for direction in ("ingress", "egress"):
        entries = out.get(direction)
        if isinstance(entries, list):
            out[direction] = [_nacl_entry(e) for e in entries]
    return out


def compare(
    type_: str,
    expected: Mapping[str, JSON],
    actual: Mapping[str, JSON],
    *,
    skip: frozenset[str] = frozenset(),
) -> tuple[Change, ...]:
    """Changes between a state instance's attributes and its live counterpart.

    Only arguments (what code can set) are compared; computed-only attributes never drift from
    code. Keys missing on either side are not compared: a reader that cannot see an attribute
    declares it `unreadable`, and an old state may predate an attribute.
    """
    skip = skip | _suppressed(type_, expected, actual)
    schema = aws_schema().resource(type_)
    block = schema.block if schema else BlockSchema({}, {})
    names = sorted(
        name
        for name in set(expected) & set(actual)
        if name not in ALWAYS_SKIPPED and name not in skip and _is_argument(block, name, schema)
    )
    equal_want, equal_have = (
        provider_equivalent(type_, expected),
        provider_equivalent(type_, actual),
    )
    want = {n: normalize_attribute(n, equal_want[n], block.child(n)) for n in names}
    have = {n: normalize_attribute(n, equal_have[n], block.child(n)) for n in names}
    if _same(want, have):  # most resources have not drifted: skip DeepDiff's tree walk
        diff: dict[str, Any] = {}
    else:
        diff = _deep_diff(want, have)
    paths: dict[tuple[Step, ...], None] = {}
    for changes in diff.values():
        for change in changes:
            steps = tuple(change.path(output_format="list"))
            if steps:
                paths.setdefault(reporting_path(steps, block), None)
    found = [Change(format_path(p), p, value_at(expected, p), value_at(actual, p)) for p in paths]
    if "tags" not in skip and type_has_tags(block):
        found.extend(_tag_changes(expected, actual))
    return tuple(sorted(found, key=lambda c: c.attribute))


def _deep_diff(want: Mapping[str, JSON], have: Mapping[str, JSON]) -> dict[str, Any]:
    # Imported here: deepdiff (and the pydantic it loads) costs a quarter of a second of start-up,
    # and a scan of a world without drift never reaches this line (`_same` answers first).
    from deepdiff import DeepDiff

    # threshold_to_diff_deeper=0: always descend, even when no key is shared (a block that
    # appears must report its leaves, not "the block changed").
    return dict(
        DeepDiff(
            want,
            have,
            ignore_numeric_type_changes=True,
            view="tree",
            verbose_level=2,
            threshold_to_diff_deeper=0,
        )
    )


def _same(a: object, b: object) -> bool:
    """Whether DeepDiff (as `compare` calls it) would certainly find no difference: equal
    values of the same types, where an int and a float of the same value count as the same
    (ignore_numeric_type_changes). Anything less certain (a bool against an int, NaN, other
    types) says False and goes to DeepDiff, so the fast path never hides a change."""
    if type(a) is not type(b):
        numeric = (int, float)
        if type(a) in numeric and type(b) in numeric:
            return a == b
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str | int | float | bool) or a is None:
        return a == b
    return False


def type_has_tags(block: BlockSchema) -> bool:
    return "tags" in block.attributes


def _is_argument(block: BlockSchema, name: str, schema: object) -> bool:
    if schema is None:
        return True  # unknown type: compare everything both sides have
    spec = block.child(name)
    if spec is None:
        return False
    if isinstance(spec, BlockTypeSchema):
        return True
    return spec.is_argument
