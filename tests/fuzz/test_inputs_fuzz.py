"""Fuzz of every reader of user input (issue 10): the state and plan readers, the `--live`
snapshot and report loaders, and the HCL indexer, on random bytes, JSON shaped around the valid
documents, nesting around the depth limit, and mutated real fixtures.

Property: a result, or a driftpatch `InputError` whose message is one line; never another
exception (RecursionError, TypeError, AttributeError used to reach the CLI's "internal error").
The HCL indexer must also give exactly what one whole-file parse gives, however the file is cut
into units. Bounded (max_examples, no deadline) so the file costs well under a minute of CPU.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from driftpatch import api
from driftpatch.config import Config
from driftpatch.errors import InputError
from driftpatch.limits import MAX_DEPTH
from driftpatch.model import Inventory
from driftpatch.reportio import load_findings, load_patches
from driftpatch.terraform import source
from driftpatch.terraform.plan import parse_plan
from driftpatch.terraform.source import ParsedFile
from driftpatch.terraform.state import parse_state

REPO = Path(__file__).resolve().parents[2]
INPUTS = REPO / "fixtures" / "inputs"
STATES = sorted((INPUTS / "states").glob("*.tfstate"))
PLANS = sorted((INPUTS / "plans").glob("*.json"))
TF_FILES = sorted(p for p in (REPO / "fixtures").rglob("*.tf") if p.stat().st_size < 20_000)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def _one_line(exc: InputError) -> None:
    assert "\n" not in str(exc) and str(exc).strip()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_paths(item, (*prefix, index)))
    return out


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(doc)
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


def _nested(depth: int, leaf: Any, as_objects: bool) -> Any:
    for _ in range(depth):
        leaf = {"k": leaf} if as_objects else [leaf]
    return leaf


@st.composite
def _mutated_bytes(draw: st.DrawFn, originals: list[bytes]) -> bytes:
    """A real file with a few bytes deleted, replaced or inserted."""
    data = bytearray(draw(st.sampled_from(originals)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["delete", "replace", "insert"]))
        chunk = draw(st.binary(min_size=1, max_size=4) | st.sampled_from([b"{", b"[", b'"', b"\\"]))
        if op == "delete":
            del data[at : at + len(chunk)]
        elif op == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            data[at:at] = chunk
    return bytes(data)


@st.composite
def _reshaped(draw: st.DrawFn, docs: list[Any]) -> bytes:
    """A real document with one subtree replaced: by any JSON value, or by nesting just under,
    at, or past the depth limit."""
    doc = draw(st.sampled_from(docs))
    path = draw(st.sampled_from([p for p in _paths(doc) if p]))
    value = draw(
        JSON_VALUES
        | st.builds(
            _nested,
            st.integers(MAX_DEPTH - 12, MAX_DEPTH + 4),
            JSON_LEAVES,
            st.booleans(),
        )
    )
    return json.dumps(_replaced(doc, path, value)).encode()


STATE_BYTES = [p.read_bytes() for p in STATES]
PLAN_BYTES = [p.read_bytes() for p in PLANS]
STATE_DOCS = [json.loads(b) for b in STATE_BYTES]
PLAN_DOCS = [json.loads(b) for b in PLAN_BYTES]


# -- state and plan readers --------------------------------------------------------------------


@SETTINGS
@given(st.binary(max_size=512) | _mutated_bytes(STATE_BYTES) | _reshaped(STATE_DOCS))
def test_state_reader_returns_a_state_or_one_line(data: bytes) -> None:
    try:
        parse_state(data, "fuzz.tfstate")
    except InputError as exc:
        _one_line(exc)


@SETTINGS
@given(st.binary(max_size=512) | _mutated_bytes(PLAN_BYTES) | _reshaped(PLAN_DOCS))
def test_plan_reader_returns_a_plan_or_one_line(data: bytes) -> None:
    try:
        parse_plan(data, "fuzz.json")
    except InputError as exc:
        _one_line(exc)


# -- snapshot and report loaders ---------------------------------------------------------------

SNAPSHOT = {
    "kind": "driftpatch-inventory",
    "version": 1,
    "regions": ["us-east-1"],
    "account_id": "123456789012",
    "resources": [
        {
            "type": "aws_s3_bucket",
            "id": "b",
            "region": "us-east-1",
            "attributes": {"bucket": "b", "tags": {"Env": "prod"}},
            "account_default": False,
        }
    ],
    "errors": [{"scope": "ec2/us-east-1", "message": "denied"}],
    "incomplete": [["aws_instance", "us-east-1"]],
    "stats": {"api_calls": {"s3:ListBuckets": 1}, "duration_s": 0.5},
    "taken_at": "2026-01-01T00:00:00+00:00",
}
REPORT = {
    "schema_version": 1,
    "tool": {"name": "driftpatch", "version": "0"},
    "findings": [
        {
            "kind": "misconfig",
            "rule_id": "DP-S3-001",
            "title": "t",
            "severity": "high",
            "category": "data",
            "resource_type": "aws_s3_bucket",
            "address": "aws_s3_bucket.b",
            "location": {"file": "main.tf", "start_line": 1, "end_line": 3},
            "references": ["CIS AWS 2.1.1"],
        }
    ],
    "patches": [
        {
            "file": "main.tf",
            "diff": "--- a/main.tf\n+++ b/main.tf\n",
            "finding_ids": ["x"],
            "action": "fix",
            "verified": True,
        }
    ],
}


@contextmanager
def _file(data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.json"
        path.write_bytes(data)
        yield path


@SETTINGS
@given(st.binary(max_size=256) | _reshaped([SNAPSHOT]))
def test_snapshot_loader_returns_an_inventory_or_one_line(data: bytes) -> None:
    with _file(data) as path:
        try:
            Inventory.load(path)
        except InputError as exc:
            _one_line(exc)


@SETTINGS
@given(st.binary(max_size=256) | _reshaped([REPORT]))
def test_report_loaders_return_findings_and_patches_or_one_line(data: bytes) -> None:
    with _file(data) as path:
        for load in (load_findings, load_patches):
            try:
                load(path)
            except InputError as exc:
                _one_line(exc)


# -- the HCL indexer ---------------------------------------------------------------------------

TF_TEXTS = [p.read_text(encoding="utf-8") for p in TF_FILES]
HCL_PIECES = [
    "\n",
    "\r\n",
    " ",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    '"',
    "=",
    ",",
    "#c\n",
    "// c\n",
    "/* c */",
    "/*",
    "*/",
    "<<EOT\n",
    "<<-EOT\n",
    "EOT\n",
    "${",
    "%{",
    "$${",
    "\\",
    "?",
    ":",
    "+",
    "resource",
    '"aws_s3_bucket"',
    '"b"',
    "locals",
    "a",
    "1",
    "var.x",
    "for x in y :",
    "\ufeff",
]


@st.composite
def _hcl_mutated(draw: st.DrawFn) -> str:
    """A real .tf file with a few lines dropped, swapped, cut short or interleaved with
    HCL fragments that open or close strings, comments, heredocs and brackets."""
    lines = draw(st.sampled_from(TF_TEXTS)).splitlines(keepends=True) or [""]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "swap", "cut", "insert"]))
        if op == "drop" and len(lines) > 1:
            del lines[at]
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif op == "cut":
            line = lines[at]
            lines[at] = line[: draw(st.integers(0, len(line)))] + "\n"
        else:
            lines.insert(at, "".join(draw(st.lists(st.sampled_from(HCL_PIECES), max_size=5))))
    return "".join(lines)


def _deep_hcl(depth: int, opener: str) -> str:
    closer = {"[": "]", "(": ")", "{": "}"}[opener]
    return f"locals {{\n  a = {opener * depth}1{closer * depth}\n}}\n"


HCL_TEXTS = (
    st.lists(st.sampled_from(HCL_PIECES), max_size=40).map("".join)
    | _hcl_mutated()
    | st.builds(_deep_hcl, st.integers(MAX_DEPTH - 4, MAX_DEPTH + 2), st.sampled_from("[({"))
    | st.text(max_size=200)
)


def _whole(text: str) -> ParsedFile:
    """The file through python-hcl2 in one piece (no cuts), as before issue 10."""
    cuts = source._cuts
    with mock.patch.object(source, "_cuts", lambda t: ([], cuts(t)[1])):
        return source._Reader("f.tf", text).parse()


def _in_small_units(text: str) -> ParsedFile:
    """Every cut the scanner finds becomes a unit boundary."""
    with mock.patch.object(source, "_UNIT", 1):
        return source._Reader("f.tf", text).parse()


@SETTINGS
@given(HCL_TEXTS)
# Found by CI: a stray `$` reached the lexer in one parse and the parser in the other, and the
# two messages were worded differently ("unexpected character '$'" / "unexpected '$'").
@example('output "a" {\n  value = 1\n}\n$${]\noutput "b" {\n  value = 2\n}\n')
def test_hcl_indexer_gives_the_whole_file_parse_or_one_line(text: str) -> None:
    try:
        cut = _in_small_units(text)
    except InputError as exc:
        _one_line(exc)
        return
    assert cut == _whole(text)
    assert all("\n" not in p.message for p in cut.problems)
    tfvars = source.parse_tfvars(text, "f.tfvars")
    assert all("\n" not in p.message for p in tfvars[1])


# -- the whole `check` pipeline on a reshaped plan ---------------------------------------------

DRIFT_PLANS = [
    json.loads((REPO / "fixtures" / "worlds" / name / "plan-drift.json").read_text())
    for name in ("demo", "insecure")
]


def _by_resource(doc: Any) -> list[list[tuple[Any, ...]]]:
    """The paths into each resource entry, one group per resource: drawing a resource first
    reaches every type's attributes, not mostly the largest resources'."""
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for path in _paths(doc):
        if not path or path[0] not in ("resource_drift", "prior_state", "planned_values"):
            continue
        steps = [i for i, step in enumerate(path) if step in ("resources", "resource_drift")]
        key = path[: steps[-1] + 2] if steps else path[:1]
        groups.setdefault(key, []).append(path)
    return list(groups.values())


DRIFT_PATHS = [_by_resource(doc) for doc in DRIFT_PLANS]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, len(DRIFT_PLANS) - 1), st.data(), JSON_VALUES)
def test_check_on_a_reshaped_plan_reports_or_refuses(
    which: int, data: st.DataObject, value: Any
) -> None:
    """Past the reader, drift and rules see whatever values the plan holds; odd types there
    (a number for a rule's cidr_blocks) used to reach the CLI as "internal error"."""
    path = data.draw(st.sampled_from(data.draw(st.sampled_from(DRIFT_PATHS[which]))))
    doc = _replaced(DRIFT_PLANS[which], path, value)
    with _file(json.dumps(doc).encode()) as plan:
        try:
            api.check(Config(plan=plan, source=None, offline=True, checkov=False))
        except InputError as exc:
            _one_line(exc)
