"""Rule fixtures as data: each `Case` is one world (HCL text, or resources of one origin), the
subject to check, the exact violations expected, and optionally the exact fix of the first.

Test modules list their cases in `CASES`; tests/rules/test_registry.py reads every `CASES` to
check that each rule has a passing and a failing case for CODE and for STATE or LIVE, and a
fix case when it can fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from driftpatch.rules import all_source_rules, rule_by_id
from driftpatch.rules.interface import (
    Origin,
    SourceViolation,
    Subject,
    Violation,
    World,
)
from driftpatch.rules.subjects import from_code
from tests.rules.sources import SourceIndex, index_texts

Resource = tuple[str, str, Mapping[str, Any]]  # (type, name, attributes)
NO_FIX_CHECK: Any = object()


@dataclass(frozen=True)
class Case:
    rule: str
    origin: Origin
    target: str  # address of the subject under test
    violations: tuple[Violation, ...] = ()
    hcl: str = ""  # CODE: main.tf
    resources: tuple[Resource, ...] = ()  # other origins: the world
    fix: Any = NO_FIX_CHECK  # the exact Fix (or None) expected for the first violation
    name: str = ""

    @property
    def id(self) -> str:
        outcome = "fail" if self.violations else "pass"
        return "-".join(p for p in (self.rule, self.origin.value, outcome, self.name) if p)


def index(hcl: str, extra: Mapping[str, str] | None = None) -> SourceIndex:
    return index_texts({"main.tf": hcl, **(extra or {})})


def subjects(case: Case) -> tuple[Subject, ...]:
    if case.origin is Origin.CODE:
        return from_code(index(case.hcl))
    return tuple(
        Subject(
            type=type_,
            attributes=dict(attrs),
            origin=case.origin,
            address=f"{type_}.{name}",
            id=attrs.get("id") if isinstance(attrs.get("id"), str) else None,
        )
        for type_, name, attrs in case.resources
    )


def run(case: Case) -> None:
    rule = rule_by_id(case.rule)
    assert rule is not None, case.rule
    world_subjects = subjects(case)
    target = next(s for s in world_subjects if s.address == case.target)
    assert target.type in rule.meta.resource_types
    found = tuple(rule.evaluate(target, World(world_subjects)))
    assert found == case.violations
    if case.fix is not NO_FIX_CHECK:
        assert found, "a fix case needs a violation"
        assert rule.fix(target, found[0]) == case.fix


@dataclass(frozen=True)
class SourceCase:
    rule: str
    files: Mapping[str, str]
    violations: tuple[SourceViolation, ...] = ()
    name: str = ""
    origin: Origin = field(default=Origin.CODE)

    @property
    def id(self) -> str:
        outcome = "fail" if self.violations else "pass"
        return "-".join(p for p in (self.rule, outcome, self.name) if p)


def run_source(case: SourceCase) -> None:
    rule = next(r for r in all_source_rules() if r.meta.id == case.rule)
    found = tuple(rule.evaluate_source(index_texts(case.files)))
    assert found == case.violations


def ids(cases: Sequence[Case | SourceCase]) -> list[str]:
    return [c.id for c in cases]
