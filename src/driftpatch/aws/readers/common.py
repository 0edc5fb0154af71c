"""Helpers every reader shares: provider-compatible value shaping (Go-normalised JSON, tags,
timestamps, name prefixes), failures as values, pagination and a bounded pool.

They live here, not in one service's reader, because each new reader needs them and the shapes
are the provider's, not a service's: the SDK's NormalizeJsonString and `tags` without `aws:`
keys are the same for IAM, KMS, SNS or Lambda.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from driftpatch.aws.session import AWS_ERRORS as AWS_ERRORS  # re-exported for the readers
from driftpatch.aws.session import describe_error, error_code
from driftpatch.model import LiveResource, ReadResult, ScanError

if TYPE_CHECKING:
    from driftpatch.aws.readers.interface import ReadContext

POOL_SIZE = 8  # per-object calls in flight per reader; adaptive retries absorb throttling
NOT_FOUND_CODES = frozenset({"NoSuchEntity", "NoSuchEntityException", "NotFoundException"})
_UNIQUE_SUFFIX = re.compile(r"[0-9a-fA-F]{26}$")  # terraform's PrefixedUniqueId suffix
T = TypeVar("T")
R = TypeVar("R")


# -- provider-compatible value shaping ----------------------------------------------------------


def normalize_json(document: str) -> str:
    """The Terraform SDK's NormalizeJsonString: Go's json.Unmarshal + json.Marshal.

    Numbers become float64 and print as Go prints them; strings are escaped as Go escapes them
    (HTML-safe). Invalid JSON is returned unchanged (the provider would fail the read)."""
    if not document.strip():
        return ""
    try:
        value = json.loads(document, parse_int=float, parse_constant=_reject)
    except ValueError:
        return document
    return _go_marshal(value)


def _reject(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


def _go_marshal(value: Any) -> str:
    """Go's json.Marshal of an unmarshalled interface{}: compact, map keys sorted."""
    if isinstance(value, dict):
        items = (f"{_go_string(k)}:{_go_marshal(value[k])}" for k in sorted(value))
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_go_marshal(v) for v in value) + "]"
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):  # Go unmarshals every JSON number into a float64
        return go_float(float(value))
    return "null"


def _go_string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    # encoding/json escapes these even in UTF-8 output (HTML safety, JavaScript line breaks).
    for raw, escaped in _GO_ESCAPES:
        out = out.replace(raw, escaped)
    return out


_GO_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def go_float(f: float) -> str:
    """A float64 as Go's encoding/json prints it ('f' format, 'e' outside [1e-6, 1e21))."""
    a = abs(f)
    r = repr(f)
    if a == 0 or 1e-6 <= a < 1e21:
        if "e" in r:
            r = format(Decimal(r), "f")
        return r[:-2] if r.endswith(".0") else r
    mantissa, exp = r.split("e")
    mantissa = mantissa[:-2] if mantissa.endswith(".0") else mantissa
    sign, digits = exp[0], exp[1:]
    if sign == "-" and len(digits) == 2 and digits[0] == "0":
        digits = digits[1:]  # Go cleans e-07 up to e-7
    return f"{mantissa}e{sign}{digits}"


# RE2's \s is [\t\n\f\r ]; the provider's pattern, applied to Go-normalised JSON.
_LEGACY_VERSION = re.compile(
    r'^(\{\n?)(.*?)(,[\t\n\f\r ]*)?(  )?("Version":[\t\n\f\r ]*"2012-10-17")(,)?(\n)?(.*?)(\})',
    re.DOTALL,
)


def legacy_policy_normalize(document: str) -> str:
    """The provider's LegacyPolicyNormalize: normalise, then move "Version" first (IAM's legacy
    parser wants it there)."""
    return version_first(normalize_json(document))


def version_first(normal: str) -> str:
    """LegacyPolicyNormalize's second step, on an already normalised document."""
    if normal == "":
        return ""
    moved = _LEGACY_VERSION.sub(
        lambda m: "".join(m.group(i) or "" for i in (1, 4, 5, 3, 2, 6, 7, 8, 9)), normal, count=1
    )
    try:
        json.loads(moved)
    except ValueError:
        return normal
    return moved


def iam_document(document: Any) -> str:
    """An IAM policy document as the provider stores it, from what boto3 hands over.

    botocore URL-decodes IAM documents and parses them into dicts (its json_decode_policies
    handler); the parsed value re-marshals exactly as the provider's decode-unmarshal-marshal
    does. A document botocore could not parse is still the URL-encoded string."""
    if isinstance(document, str):
        return normalize_json(url_decode(document))
    if document is None:
        return ""
    return _go_marshal(document)


def url_decode(document: str | None) -> str:
    """IAM documents are URL-encoded; the provider decodes with Go's url.QueryUnescape."""
    return urllib.parse.unquote_plus(document or "")


def name_prefix_from_name(name: str) -> str:
    """The provider's NamePrefixFromName: the part before a 26-hex-digit unique suffix, else ""."""
    if len(name) > 26 and _UNIQUE_SUFFIX.search(name):
        return name[:-26]
    return ""


def provider_tags(pairs: Iterable[Mapping[str, Any]] | None, key: str = "Key") -> dict[str, str]:
    """Tags as the provider writes them: `aws:` keys (AWS's own) dropped."""
    value = "Value" if key == "Key" else "TagValue"
    out = {str(t[key]): str(t.get(value) or "") for t in pairs or ()}
    return {k: v for k, v in sorted(out.items()) if not k.startswith("aws:")}


def rfc3339(value: Any) -> str:
    """Go's time.Format(time.RFC3339) of an SDK timestamp (UTC, whole seconds)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "" if value is None else str(value)


def pstr(value: Any) -> str:
    """A string attribute as the provider writes a nil *string: ""."""
    return "" if value is None else str(value)


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) in NOT_FOUND_CODES


# -- failures as values -------------------------------------------------------------------------


@dataclass
class Failures:
    """ScanErrors for one scope, one per (operation, error code): a denied per-object call is
    reported once with a count, not once per role."""

    scope: str
    noun: str  # what the per-object calls are about ("roles", "keys")
    incomplete: set[str] = field(default_factory=set)
    _seen: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)

    def add(self, exc: BaseException, *types: str) -> None:
        self.incomplete.update(types)
        op = str(getattr(exc, "operation_name", "") or type(exc).__name__)
        key = (op, error_code(exc) or type(exc).__name__)
        first, count = self._seen.get(key, (describe_error(exc), 0))
        self._seen[key] = (first, count + 1)

    def errors(self) -> tuple[ScanError, ...]:
        return tuple(
            ScanError(self.scope, msg if n == 1 else f"{msg} (and {n - 1} more {self.noun})")
            for msg, n in self._seen.values()
        )

    def result(self, resources: Iterable[LiveResource]) -> ReadResult:
        """What a reader returns: `resources`, with these failures and the types they cover."""
        return ReadResult(tuple(resources), self.errors(), frozenset(self.incomplete))


def pool_map(fn: Callable[[T], R], items: list[T], size: int = POOL_SIZE) -> list[R]:
    """`fn` over `items` in a bounded pool, results in order (clients are thread-safe)."""
    if len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(size, len(items))) as pool:
        return list(pool.map(fn, items))


def listing(fails: Failures, read: Callable[[], T], *types: str) -> T | None:
    """A reader's bulk listing, `read()`; None (and `types` incomplete) when AWS refused it.

    The first step of most readers: nothing can be said about objects never listed, so the
    reader returns `fails.result(())` on None."""
    try:
        return read()
    except AWS_ERRORS as exc:
        fails.add(exc, *types)
        return None


def read_each(
    fails: Failures,
    items: Iterable[T],
    read_one: Callable[[T], R | None],
    *types: str,
    size: int = POOL_SIZE,
) -> list[R]:
    """`read_one` per listed item (what the listing leaves out: tags, attributes), in a bounded
    pool, results in listing order. An AWS error is a value: recorded in `fails` (once per
    operation and code, with a count) and `types` marked incomplete, the other items still
    read. None means the object went since the listing: left out, as the provider would say."""

    def guarded(item: T) -> R | BaseException | None:
        try:
            return read_one(item)
        except AWS_ERRORS as exc:
            return exc

    out: list[R] = []
    for found in pool_map(guarded, list(items), size):
        if isinstance(found, BaseException):
            fails.add(found, *types)
        elif found is not None:
            out.append(found)
    return out


def read_listed(
    fails: Failures,
    list_all: Callable[[], Iterable[T]],
    read_one: Callable[[T], LiveResource | None],
    *types: str,
) -> ReadResult:
    """The whole of a simple reader: the listing (`list_all`), then `read_one` per listed item
    (see `read_each`); a refused listing leaves `types` incomplete and nothing read."""
    listed = listing(fails, lambda: list(list_all()), *types)
    if listed is None:
        return fails.result(())
    return fails.result(read_each(fails, listed, read_one, *types))


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    return [
        item
        for page in client.get_paginator(operation).paginate(**kwargs)
        for item in page.get(key) or []
    ]


def shared_listing(ctx: ReadContext, service: str, operation: str, key: str) -> list[Any]:
    """Every item of an unfiltered listing in `ctx`'s region, read once per inventory however
    many readers ask (DescribeVolumes feeds the volumes and their attachments; DescribeRouteTables
    and DescribeNetworkAcls feed the network reader and the VPCs' main table / default ACL):
    one page set, not one per reader. A failure is raised to every asker alike."""
    client = ctx.client(service)

    def read() -> list[Any]:
        if client.can_paginate(operation):
            return paginate(client, operation, key)
        return list(getattr(client, operation)().get(key) or ())

    return ctx.once(f"{service}/{ctx.region}/{operation}", read)
