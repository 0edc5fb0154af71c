"""Compare IAM-style policy documents by meaning, not by text.

The same policy comes back from AWS with other key order, whitespace, URL-encoding (IAM), a
single statement instead of a one-element list, "s3:GetObject" instead of ["s3:GetObject"],
an account id instead of its root ARN, and actions in another order. None of that is drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from driftpatch.model import JSON

# Keys whose values are order-free lists of strings in IAM grammar.
_STRING_SET_KEYS = frozenset({"Action", "NotAction", "Resource", "NotResource"})
_ACCOUNT_ID = re.compile(r"^\d{12}$")
# Attribute names (any resource type) that carry policy JSON.
POLICY_ATTRIBUTES = frozenset(
    {
        "policy",
        "assume_role_policy",
        "key_policy",
        "access_policy",
        "access_policies",
        "resource_policy",
    }
)


def parse_policy(value: JSON) -> Any | None:
    """A policy document as Python data, or None when `value` is not a JSON policy."""
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith(("%7B", "%7b")):  # IAM returns documents URL-encoded
        text = unquote(text)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) else None


def _principal(value: Any) -> Any:
    if value == "*":
        return {"AWS": ["*"]}  # "*" and {"AWS": "*"} grant the same thing
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, ids in value.items():
            items = ids if isinstance(ids, list) else [ids]
            norm = [
                f"arn:aws:iam::{i}:root" if isinstance(i, str) and _ACCOUNT_ID.match(i) else i
                for i in items
            ]
            out[key] = sorted(set(map(str, norm)))
        return out
    return value


def _condition(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    return {
        op: {
            key: sorted(map(str, v)) if isinstance(v, list) else [str(v)]
            for key, v in (clauses.items() if isinstance(clauses, Mapping) else ())
        }
        for op, clauses in value.items()
    }


def _statement(stmt: Any) -> Any:
    if not isinstance(stmt, Mapping):
        return stmt
    out: dict[str, Any] = {}
    for key, value in stmt.items():
        if key == "Sid" and value in ("", None):
            continue
        if key in _STRING_SET_KEYS:
            items = value if isinstance(value, list) else [value]
            out[key] = sorted({str(i) for i in items})
        elif key in ("Principal", "NotPrincipal"):
            out[key] = _principal(value)
        elif key == "Condition":
            out[key] = _condition(value)
        else:
            out[key] = value
    return out


def canonical_policy(doc: Any) -> Any:
    """A canonical form: equal for documents IAM treats as the same policy."""
    if not isinstance(doc, Mapping):
        return doc
    out = {k: v for k, v in doc.items() if k != "Statement"}
    out.setdefault("Version", "2008-10-17")
    statements = doc.get("Statement", [])
    if not isinstance(statements, list):
        statements = [statements]
    out["Statement"] = sorted(
        (_statement(s) for s in statements), key=lambda s: json.dumps(s, sort_keys=True)
    )
    return out


def policies_equal(a: JSON, b: JSON) -> bool:
    """True when both are policy documents with the same meaning (or both empty)."""
    if a in (None, "") and b in (None, ""):
        return True
    pa, pb = parse_policy(a), parse_policy(b)
    if pa is None or pb is None:
        return bool(a == b)
    return bool(canonical_policy(pa) == canonical_policy(pb))
