"""Fuzz of the whole `scan` pipeline offline (issue 10): a real state and a `--live` snapshot
of the same world (tests/fuzz/scan_world.py), one value in one resource's attributes (state
side or snapshot side) replaced by an odd shape or any JSON value; half the examples aim at
shallow paths of the types whose matcher reads attributes.

Property: a Report, or an `InputError` whose message is one line; never another exception.
Odd-typed values (`cidr_blocks = 5`, `from_port = [1]`) used to reach the CLI's catch-all
"internal error" from the readers' matchers (vpc.py, ec2.py, iam.py); before the fix this test
failed within its 200 examples. Bounded (max_examples, no deadline): each example is one
in-process scan of ~30 resources, ~15 s of CPU in all.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftpatch.errors import InputError
from tests.fuzz.scan_world import SNAPSHOT_DOC, STATE_DOC, scan
from tests.fuzz.test_inputs_fuzz import JSON_VALUES, _one_line, _paths, _replaced


def _groups(doc: Any, marker: str) -> list[list[tuple[Any, ...]]]:
    """Paths into each resource's attributes, one group per resource: drawing a resource
    first reaches every type's attributes, not mostly the largest resources'."""
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for path in _paths(doc):
        if marker in path and path.index(marker) < len(path) - 1:
            groups.setdefault(path[: path.index(marker) + 1], []).append(path)
    return list(groups.values())


def _type_of(doc: Any, path: tuple[Any, ...]) -> str:
    """The resource type of the entry `path` goes into (the nearest `type` above its
    `attributes`: inside them, `type` is an attribute such as a rule's direction)."""
    node, found = doc, ""
    for step in (*path[: path.index("attributes")], None):
        if isinstance(node, dict) and isinstance(node.get("type"), str):
            found = str(node["type"])
        node = node[step] if step is not None else node
    return found


# Types whose reader's `match` reads attributes (beyond the id) on either side: half the
# examples go there, and to shallow paths (an attribute, an element, an element's key), where
# the matchers look; the other half go anywhere.
MATCHED_TYPES = frozenset(
    {
        "aws_ebs_volume",
        "aws_iam_role",
        "aws_iam_role_policy_attachment",
        "aws_instance",
        "aws_s3_bucket",
        "aws_s3_bucket_policy",
        "aws_security_group",
        "aws_security_group_rule",
    }
)
# Shapes the matchers met unchecked: a number or string for a list, a list or object for a
# port, a list of lists, an element with a list for its port, null elements.
ODD = st.sampled_from(
    [5, 1.5, -1, True, "x", "22", [1], ["x"], [[1]], [None], {"a": 1}, [{"from_port": [1]}]]
)


def _paths_of(doc: Any) -> tuple[list[list[tuple[Any, ...]]], list[list[tuple[Any, ...]]]]:
    groups = _groups(doc, "attributes")
    matched = []
    for group in groups:
        prefix = len(min(group, key=len)) - 1
        if _type_of(doc, group[0]) in MATCHED_TYPES:
            matched.append([p for p in group if len(p) - prefix <= 3])
    return groups, matched


STATE_PATHS = _paths_of(STATE_DOC)
SNAPSHOT_PATHS = _paths_of(SNAPSHOT_DOC)


def test_the_unmutated_world_scans_clean() -> None:
    report = scan(STATE_DOC, SNAPSHOT_DOC)
    assert [f for f in report.findings if f.kind.value != "misconfig"] == []
    assert report.errors == ()


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.booleans(), st.data(), ODD | JSON_VALUES)
def test_scan_with_one_odd_value_reports_or_refuses(
    in_state: bool, data: st.DataObject, value: Any
) -> None:
    doc, (anywhere, matched) = (
        (STATE_DOC, STATE_PATHS) if in_state else (SNAPSHOT_DOC, SNAPSHOT_PATHS)
    )
    groups = data.draw(st.sampled_from([anywhere, matched]))
    path = data.draw(st.sampled_from(data.draw(st.sampled_from(groups))))
    mutated = _replaced(doc, path, value)
    try:
        scan(mutated, SNAPSHOT_DOC) if in_state else scan(STATE_DOC, mutated)
    except InputError as exc:
        _one_line(exc)
