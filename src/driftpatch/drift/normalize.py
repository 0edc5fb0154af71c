"""Schema-driven normalisation: make values that mean the same thing compare equal.

Driven by the provider schema, not by lists kept by hand: sets (attribute type `set(...)` or
block nesting `set`) become order-free; empty collections, "" and false are "unset" like null
where the provider treats them alike; policy JSON compares as IAM documents; numbers compare
by value (1 == 1.0), and primitives as Terraform's state decoder converts them ("22" == 22).
Computed-only attributes inside nested blocks are dropped: code can never disagree with them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from driftpatch.drift.policy import POLICY_ATTRIBUTES, canonical_policy, parse_policy
from driftpatch.model import JSON
from driftpatch.terraform.schema import AttributeSchema, BlockSchema, BlockTypeSchema
from driftpatch.typed import TypeMismatch, coerce

UNSET: None = None


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def is_unset(value: JSON) -> bool:
    return value is None or value == "" or value == [] or value == {} or value is False


def _number(value: JSON) -> JSON:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def normalize_typed(value: JSON, type_: Any, name: str = "") -> JSON:
    """Normalise a value of cty type `type_` (from an attribute's schema)."""
    if value is None:
        return UNSET
    if name in POLICY_ATTRIBUTES:
        doc = parse_policy(value)
        if doc is not None:
            return canonical_policy(doc)
    if type_ in ("string", "number", "bool"):
        # What Terraform's state decoder converts ("22" for a number) compares as converted;
        # what it refuses is compared as it is (the matchers refuse what they read).
        try:
            value = coerce(value, type_)
        except TypeMismatch:
            return normalize_untyped(value)
    if type_ == "string":
        return UNSET if value == "" else value
    if type_ == "bool":
        return UNSET if value is False else value
    if type_ == "number":
        return _number(value)
    if isinstance(type_, list) and len(type_) == 2:
        kind, inner = type_
        if kind in ("list", "set") and isinstance(value, list):
            items = [normalize_typed(v, inner) for v in value]
            if not items:
                return UNSET
            return sorted(items, key=_canon) if kind == "set" else items
        if kind == "map" and isinstance(value, Mapping):
            return {k: normalize_typed(v, inner) for k, v in sorted(value.items())} or UNSET
        if kind == "object" and isinstance(value, Mapping) and isinstance(inner, Mapping):
            out = {k: normalize_typed(value.get(k), t, k) for k, t in sorted(inner.items())}
            return {k: v for k, v in out.items() if v is not None} or UNSET
    return normalize_untyped(value)


def normalize_untyped(value: JSON) -> JSON:
    if isinstance(value, Mapping):
        return {k: normalize_untyped(v) for k, v in sorted(value.items())} or UNSET
    if isinstance(value, list):
        return [normalize_untyped(v) for v in value] or UNSET
    if value == "" or value is False:
        return UNSET
    return _number(value)


def normalize_block(value: Mapping[str, JSON], block: BlockSchema) -> JSON:
    """One element of a nested block: its arguments only, normalised, unset keys dropped.

    Blocks with `tags_all` (an instance's root_block_device) fold provider default tags the
    way resources do: the tags a block effectively has are `tags_all`, whoever set them."""
    if "tags_all" in block.attributes and "tags" in block.attributes:
        value = {k: v for k, v in value.items() if k != "tags_all"} | {
            "tags": value.get("tags_all") or value.get("tags")
        }
    out: dict[str, JSON] = {}
    for key, item in value.items():
        spec = block.child(key)
        if spec is None:
            norm = normalize_untyped(item)
        elif isinstance(spec, AttributeSchema):
            if spec.computed_only:
                continue
            norm = normalize_typed(item, spec.type, key)
        else:
            norm = normalize_blocks(item, spec)
        if norm is not None:
            out[key] = norm
    return out or UNSET


def normalize_blocks(value: JSON, spec: BlockTypeSchema) -> JSON:
    if value is None:
        if spec.nesting_mode != "single" and spec.max_items == 1 and not spec.is_set:
            # A null one-element block (what a create writes for a nested block the API left
            # out; the next refresh writes []) is an absent block: a block of defaults.
            return [{}]
        return UNSET
    if spec.nesting_mode == "single" or isinstance(value, Mapping):
        return normalize_block(value, spec.block) if isinstance(value, Mapping) else UNSET
    if not isinstance(value, list):
        return normalize_untyped(value)
    items = [normalize_block(v, spec.block) for v in value if isinstance(v, Mapping)]
    if spec.max_items == 1 and not spec.is_set:
        # Always one element, possibly empty: an absent block and a block of defaults are the
        # same, and a change inside it is reported at its leaf (`versioning[0].enabled`).
        return [items[0] or {}] if items else [{}]
    if not items:
        return UNSET
    return sorted(items, key=_canon) if spec.is_set else items


def normalize_attribute(
    name: str, value: JSON, spec: AttributeSchema | BlockTypeSchema | None
) -> JSON:
    """Normalise one top-level attribute or block of a resource."""
    if spec is None:
        return normalize_untyped(value)
    if isinstance(spec, AttributeSchema):
        return normalize_typed(value, spec.type, name)
    return normalize_blocks(value, spec)
