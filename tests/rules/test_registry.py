"""The registry's contract: every discovered rule is well-formed and has fixtures.

Fixtures are the `CASES` lists of the test modules in this package (tests/rules/harness.py).
A rule with harness cases must have a passing and a failing case on CODE and on STATE or LIVE,
and a case asserting its exact fix (or None); a source rule, a passing and a failing case. A
rule without harness cases must at least be named by a test in tests/rules, as its
parametrisation.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.rules
from driftpatch.aws.readers.account import PSEUDO_TYPES
from driftpatch.model import Category, Severity
from driftpatch.rules import (
    all_checks,
    all_rules,
    all_source_rules,
    by_checkov_id,
    meta_by_id,
    rule_by_id,
)
from driftpatch.rules.catalogue import fixable
from driftpatch.rules.interface import REFERENCE, RULE_ID, Origin, Rule, SourceRule
from driftpatch.terraform.schema import aws_schema
from tests.rules.harness import NO_FIX_CHECK, Case, SourceCase

CHECKOV_ID = re.compile(r"^CKV2?_AWS_\d+$")
TESTS = Path(tests.rules.__file__).parent


def harness_cases() -> Iterator[Case | SourceCase]:
    """Cases written with tests/rules/harness.py (other modules may keep their own kinds)."""
    for info in pkgutil.iter_modules([str(TESTS)]):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"tests.rules.{info.name}")
        yield from (c for c in getattr(module, "CASES", ()) if isinstance(c, Case | SourceCase))


CASES = list(harness_cases())
RULE_IDS = [r.meta.id for r in all_checks()]


def test_registry_finds_rules_of_both_kinds() -> None:
    assert len(all_checks()) >= 28
    assert all(isinstance(r, Rule) for r in all_rules())
    assert all(isinstance(r, SourceRule) for r in all_source_rules())
    assert len(all_rules()) + len(all_source_rules()) == len(all_checks())
    assert rule_by_id("DP-S3-001") is not None
    assert rule_by_id("DP-TF-001") is None  # a source rule, not a resource rule
    meta = meta_by_id("DP-TF-001")
    assert meta is not None and meta.id == "DP-TF-001"


def test_ids_are_unique_and_well_formed() -> None:
    assert len(RULE_IDS) == len(set(RULE_IDS))
    assert [i for i in RULE_IDS if not RULE_ID.match(i)] == []


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_metadata_is_well_formed(rule_id: str) -> None:
    meta = meta_by_id(rule_id)
    assert meta is not None
    assert isinstance(meta.severity, Severity) and isinstance(meta.category, Category)
    assert meta.category is not Category.DRIFT
    assert meta.title and meta.description and meta.risk and meta.remediation
    assert meta.references, "every rule cites CIS or AWS documentation"
    assert [r for r in meta.references if not REFERENCE.match(r)] == []
    for type_, extra in meta.type_references.items():
        assert type_ in meta.resource_types
        assert extra and [r for r in extra if not REFERENCE.match(r)] == []
    assert [c for c in meta.checkov if not CHECKOV_ID.match(c)] == []
    assert set(meta.checkov_attributes) <= set(meta.checkov)
    schema = aws_schema()
    assert [t for t in meta.resource_types if t not in schema and t not in PSEUDO_TYPES] == []


@pytest.mark.parametrize("rule", all_checks(), ids=RULE_IDS)
def test_rule_kinds_are_consistent(rule: Rule | SourceRule) -> None:
    if isinstance(rule, SourceRule):
        assert rule.meta.resource_types == () and rule.meta.live is False
    else:
        assert rule.meta.resource_types


@pytest.mark.parametrize("rule", all_checks(), ids=RULE_IDS)
def test_every_rule_has_fixtures(rule: Rule | SourceRule) -> None:
    rule_id = rule.meta.id
    cases = [c for c in CASES if c.rule == rule_id]
    if not cases:  # fixtures of another shape: the rule's id or module must be parametrised
        module = type(rule).__module__.rsplit(".", 1)[-1]
        texts = [p.read_text() for p in TESTS.glob("test_*.py") if p.name != "test_registry.py"]
        mentioned = any(rule_id in t or f'"{module}"' in t for t in texts)
        assert mentioned, f"{rule_id} has no fixtures in tests/rules"
        return
    if isinstance(rule, SourceRule):
        assert {bool(c.violations) for c in cases} == {True, False}
        return
    outcomes = {(c.origin, bool(c.violations)) for c in cases if isinstance(c, Case)}
    assert {(Origin.CODE, True), (Origin.CODE, False)} <= outcomes, "CODE pass and fail"
    for failing in (True, False):
        assert (Origin.STATE, failing) in outcomes or (Origin.LIVE, failing) in outcomes, (
            f"STATE or LIVE {'fail' if failing else 'pass'}"
        )
    fix_cases = [c for c in cases if isinstance(c, Case) and c.fix is not NO_FIX_CHECK]
    assert fix_cases, "a case asserting the exact fix (or None)"
    if fixable(rule):
        assert any(c.fix is not None for c in fix_cases), "a case asserting a real fix"


def test_cases_name_existing_rules() -> None:
    assert sorted({c.rule for c in CASES} - set(RULE_IDS)) == []


def test_checkov_ids_map_back_to_our_rules() -> None:
    index = by_checkov_id()
    assert index["CKV_AWS_40"] == ("DP-IAM-003", "DP-IAM-004")
    assert index["CKV2_AWS_6"] == ("DP-S3-003",)
    for ckv, rule_ids in index.items():
        for rule_id in rule_ids:
            meta = meta_by_id(rule_id)
            assert meta is not None and ckv in meta.checkov
