"""The engine: findings from violations, fixes by finding id, per-origin worlds, rule crashes as
internal-error findings, suppressions, and source rules."""

from __future__ import annotations

import json
from collections.abc import Iterable

from driftpatch.model import Category, Finding, Kind, Location, Severity
from driftpatch.rules.engine import (
    INTERNAL_RULE_ID,
    KNOWN_AFTER_APPLY,
    EvaluationResult,
    evaluate,
    evaluate_source,
)
from driftpatch.rules.interface import (
    UNKNOWN,
    Fix,
    Origin,
    Rule,
    RuleMeta,
    SetValue,
    SourceIndexLike,
    SourceRule,
    SourceViolation,
    Subject,
    Violation,
    World,
)
from driftpatch.rules.subjects import from_code
from tests.rules.harness import index

SECRET = "hunter2-do-not-leak"


def meta(rule_id: str, *types: str, live: bool = True) -> RuleMeta:
    return RuleMeta(
        id=rule_id,
        title=f"Test rule {rule_id}",
        severity=Severity.HIGH,
        category=Category.NETWORK,
        resource_types=types,
        description="d",
        risk="r",
        remediation="m",
        references=("https://example.com/doc",),
        live=live,
    )


class Flag(Rule):
    """Reports every subject it sees, with its `flag` attribute; records what it saw."""

    meta = meta("DP-TEST-001", "aws_thing")

    def __init__(self) -> None:
        self.seen: list[tuple[str | None, Origin]] = []

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        self.seen.append((subject.address, subject.origin))
        yield Violation("flag", subject.get("flag"), True, "flag is off")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix((SetValue("flag", True),), "Turn the flag on")


class CodeOnly(Flag):
    meta = meta("DP-TEST-002", "aws_thing", live=False)


class Crash(Rule):
    meta = meta("DP-TEST-003", "aws_thing")

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        yield Violation("ok", 1)
        raise KeyError(SECRET)


class CrashInFix(Flag):
    meta = meta("DP-TEST-004", "aws_thing")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        raise ValueError(SECRET)


class Unknowns(Rule):
    meta = meta("DP-TEST-005", "aws_thing")

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        yield Violation("list", ["a", UNKNOWN], {"k": UNKNOWN})


class PartnerCount(Rule):
    """Reports how many aws_other subjects its world holds."""

    meta = meta("DP-TEST-006", "aws_thing")

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        yield Violation("partners", len(world.of_type("aws_other")))


def thing(address: str, origin: Origin, flag: object = False, id_: str = "t-1") -> Subject:
    return Subject(
        "aws_thing",
        {"flag": flag},
        origin,
        address=address,
        id=id_,
        location=Location("main.tf", 1, 3),
    )


def test_violation_becomes_finding_with_rule_metadata_and_fix() -> None:
    rule = Flag()
    subject = thing("aws_thing.a", Origin.STATE)
    result = evaluate([subject], [rule])
    assert result.findings == (
        Finding(
            kind=Kind.MISCONFIG,
            rule_id="DP-TEST-001",
            title="Test rule DP-TEST-001: flag is off",
            severity=Severity.HIGH,
            category=Category.NETWORK,
            resource_type="aws_thing",
            address="aws_thing.a",
            resource_id="t-1",
            attribute="flag",
            expected=True,
            actual=False,
            location=Location("main.tf", 1, 3),
            description="d",
            risk="r",
            remediation="m",
            references=("https://example.com/doc",),
        ),
    )
    assert result.fixes == {
        result.findings[0].id: (subject, Fix((SetValue("flag", True),), "Turn the flag on"))
    }


def test_only_rules_for_the_subject_type_run_and_code_only_rules_skip_live() -> None:
    flag, code_only = Flag(), CodeOnly()
    subjects = [
        thing("aws_thing.a", Origin.LIVE),
        thing("aws_thing.a", Origin.CODE),
        Subject("aws_other", {}, Origin.CODE, address="aws_other.x"),
    ]
    evaluate(subjects, [flag, code_only])
    assert flag.seen == [("aws_thing.a", Origin.LIVE), ("aws_thing.a", Origin.CODE)]
    assert code_only.seen == [("aws_thing.a", Origin.CODE)]


def test_same_finding_from_two_origins_is_reported_once_with_live_values() -> None:
    result = evaluate(
        [thing("aws_thing.a", Origin.STATE), thing("aws_thing.a", Origin.LIVE, flag="live")],
        [Flag()],
    )
    (finding,) = result.findings
    assert finding.actual == "live"
    assert result.fixes[finding.id][0].origin is Origin.LIVE


def test_code_finding_stands_for_its_instances_and_gives_the_fix() -> None:
    code = Subject(
        "aws_thing", {"flag": False}, Origin.CODE, "aws_thing.a", location=Location("m.tf", 4, 9)
    )
    state = [
        Subject("aws_thing", {"flag": False}, Origin.STATE, "aws_thing.a[0]", id="t-0"),
        Subject("aws_thing", {"flag": False}, Origin.STATE, "aws_thing.a[1]", id="t-1"),
    ]
    result = evaluate([code, *state], [Flag()])
    assert [(f.address, f.resource_id, f.location) for f in result.findings] == [
        ("aws_thing.a[0]", "t-0", Location("m.tf", 4, 9)),
        ("aws_thing.a[1]", "t-1", Location("m.tf", 4, 9)),
    ]
    assert [result.fixes[f.id][0] for f in result.findings] == [code, code]


def test_finding_only_the_code_shows_is_kept() -> None:
    code = thing("aws_thing.new", Origin.CODE)
    state = thing("aws_thing.a", Origin.STATE, flag=True)
    result = evaluate([state, code], [Flag()])
    assert [f.address for f in result.findings] == ["aws_thing.a", "aws_thing.new"]


def test_world_is_per_origin() -> None:
    subjects = [
        thing("aws_thing.a", Origin.STATE),
        Subject("aws_other", {}, Origin.CODE, address="aws_other.x"),
        Subject("aws_other", {}, Origin.CODE, address="aws_other.y"),
        Subject("aws_other", {}, Origin.STATE, address="aws_other.z"),
    ]
    (finding,) = evaluate(subjects, [PartnerCount()]).findings
    assert finding.actual == 1


def test_crashing_rule_is_one_internal_finding_and_others_go_on() -> None:
    subject = thing("aws_thing.a", Origin.STATE)
    result = evaluate([subject], [Crash(), Flag()])
    assert [f.rule_id for f in result.findings] == ["DP-TEST-001", INTERNAL_RULE_ID]
    internal = result.findings[1]
    assert internal == Finding(
        kind=Kind.MISCONFIG,
        rule_id=INTERNAL_RULE_ID,
        title="Rule DP-TEST-003 failed (evaluation): KeyError",
        severity=Severity.INFO,
        category=Category.NETWORK,
        resource_type="aws_thing",
        address="aws_thing.a",
        resource_id="t-1",
        location=Location("main.tf", 1, 3),
        description=internal.description,
        risk=internal.risk,
        remediation=internal.remediation,
        also=("DP-TEST-003",),
    )
    assert "DP-TEST-003" in internal.description
    # The partial output of the crashed rule is dropped with it.
    assert not any(f.rule_id == "DP-TEST-003" for f in result.findings)
    assert SECRET not in json.dumps([f.to_json() for f in result.findings])


def test_two_crashing_rules_on_one_resource_stay_two_findings() -> None:
    class Crash2(Crash):
        meta = meta("DP-TEST-007", "aws_thing")

    result = evaluate([thing("aws_thing.a", Origin.STATE)], [Crash(), Crash2()])
    assert sorted(f.also for f in result.findings) == [("DP-TEST-003",), ("DP-TEST-007",)]


def test_crash_in_fix_keeps_the_finding_without_a_fix() -> None:
    result = evaluate([thing("aws_thing.a", Origin.CODE)], [CrashInFix()])
    assert [f.rule_id for f in result.findings] == ["DP-TEST-004", INTERNAL_RULE_ID]
    assert result.findings[1].title == "Rule DP-TEST-004 failed (fix): ValueError"
    assert result.fixes == {}
    assert SECRET not in json.dumps([f.to_json() for f in result.findings])


def test_unknown_values_are_reported_as_known_after_apply() -> None:
    (finding,) = evaluate([thing("aws_thing.a", Origin.PLAN)], [Unknowns()]).findings
    assert finding.actual == ["a", KNOWN_AFTER_APPLY]
    assert finding.expected == {"k": KNOWN_AFTER_APPLY}
    json.dumps(finding.to_json())


def test_registry_rules_on_code_end_to_end() -> None:
    source = index(
        """
resource "aws_ebs_volume" "data" {
  size = 10
}
"""
    )
    result = evaluate(from_code(source), source=source)
    (finding,) = result.findings
    assert (finding.rule_id, finding.address, finding.attribute) == (
        "DP-EC2-003",
        "aws_ebs_volume.data",
        "encrypted",
    )
    assert finding.location == Location("main.tf", 2, 4)
    subject, fix = result.fixes[finding.id]
    assert subject.address == "aws_ebs_volume.data"
    assert fix.edits == (SetValue("encrypted", True),)


def test_suppressed_findings_move_aside_with_their_fixes() -> None:
    source = index(
        """
resource "aws_ebs_volume" "data" {
  # driftpatch:ignore=DP-EC2-003 scratch volume, no data at rest
  size = 10
}
resource "aws_ebs_volume" "other" {
  size = 10 # driftpatch:ignore=DP-EC2-003
}
"""
    )
    result = evaluate(from_code(source), source=source)
    assert result.findings == ()
    assert result.fixes == {}
    assert [(s.finding.address, s.suppression.reason) for s in result.suppressed] == [
        ("aws_ebs_volume.data", "scratch volume, no data at rest"),
        ("aws_ebs_volume.other", ""),
    ]
    assert [(n.location.start_line, n.message) for n in result.notes] == [
        (7, "suppression without a reason")
    ]


class SourceCrash(SourceRule):
    meta = meta("DP-TEST-008")

    def evaluate_source(self, index: SourceIndexLike) -> Iterable[SourceViolation]:
        raise RuntimeError(SECRET)


class SourceFlag(SourceRule):
    meta = meta("DP-TEST-009")

    def evaluate_source(self, index: SourceIndexLike) -> Iterable[SourceViolation]:
        yield SourceViolation(
            Location("main.tf", 2, 2), "terraform", "backend", None, None, "x", resource_id="r"
        )


def test_source_rules_run_once_and_crashes_are_findings() -> None:
    result = evaluate_source(index("terraform {\n}\n"), [SourceCrash(), SourceFlag()])
    assert [(f.rule_id, f.title) for f in result.findings] == [
        ("DP-TEST-009", "Test rule DP-TEST-009: x"),
        (INTERNAL_RULE_ID, "Rule DP-TEST-008 failed (evaluation): RuntimeError"),
    ]
    assert result.findings[0].location == Location("main.tf", 2, 2)
    assert SECRET not in json.dumps([f.to_json() for f in result.findings])


def test_merge_keeps_one_of_each_finding() -> None:
    a = evaluate([thing("aws_thing.a", Origin.STATE)], [Flag()])
    b = evaluate(
        [thing("aws_thing.a", Origin.LIVE), thing("aws_thing.b", Origin.LIVE, id_="t-2")], [Flag()]
    )
    merged = a.merge(b)
    assert [f.address for f in merged.findings] == ["aws_thing.a", "aws_thing.b"]
    assert merged.fixes[merged.findings[0].id][0].origin is Origin.STATE  # self wins
    assert EvaluationResult().merge(a) == a
