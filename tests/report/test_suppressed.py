"""Suppressed findings and finding selection, below the CLI: the model's JSON, SARIF's
`suppressions` (schema and GitHub's rules), redaction, a saved report read back, the ignore
file's justification, and `Selection` (issue 12)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from driftpatch.config import Only, Selection
from driftpatch.drift.ignore import IgnoreList
from driftpatch.model import Severity, Suppressed, SuppressionKind
from driftpatch.redact import SENSITIVE, Redactor
from driftpatch.report import REPORTERS
from driftpatch.report import sarif as sarif_module
from driftpatch.reportio import load_full_report
from tests.report.sample import IMDS, REPORT, TAG, UNMANAGED
from tests.report.test_sarif_github import github_problems

SCHEMA = Path(__file__).parent.parent / "data" / "schemas" / "sarif-schema-2.1.0.json"

ACCEPTED_TAG = Suppressed(TAG, SuppressionKind.EXTERNAL, "tags are the app team's", ".dpi:3")
ACCEPTED_IMDS = Suppressed(IMDS, SuppressionKind.IN_SOURCE, "", "modules/app/main.tf:10")
WITH_SUPPRESSED = dataclasses.replace(
    REPORT, findings=(UNMANAGED,), suppressed=(ACCEPTED_IMDS, ACCEPTED_TAG)
)


def _sarif(report: object) -> dict[str, object]:
    return json.loads(REPORTERS["sarif"].render(report, False))  # type: ignore[arg-type]


def test_json_lists_them_additively_and_never_counts_them() -> None:
    doc = WITH_SUPPRESSED.to_json()
    assert doc["summary"]["by_severity"]["high"] == 0  # type: ignore[index]
    assert [f["id"] for f in doc["findings"]] == [UNMANAGED.id]  # type: ignore[union-attr]
    assert doc["suppressed"] == [
        {
            **IMDS.to_json(),
            "suppression": {"kind": "inSource", "justification": "", "where": ACCEPTED_IMDS.where},
        },
        {
            **TAG.to_json(),
            "suppression": {
                "kind": "external",
                "justification": "tags are the app team's",
                "where": ".dpi:3",
            },
        },
    ]
    assert "suppressed" not in REPORT.to_json()


def test_sarif_results_carry_suppressions_after_the_findings() -> None:
    doc = _sarif(WITH_SUPPRESSED)
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(doc)
    assert github_problems(doc) == []
    results = doc["runs"][0]["results"]  # type: ignore[index]
    assert [(r["ruleId"], r.get("suppressions")) for r in results] == [
        ("DRIFT-UNMANAGED", None),
        (
            "DP-EC2-001",
            [
                {
                    "kind": "inSource",
                    "status": "accepted",
                    "properties": {"where": "modules/app/main.tf:10"},
                }
            ],
        ),
        (
            "DRIFT",
            [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": "tags are the app team's",
                    "properties": {"where": ".dpi:3"},
                }
            ],
        ),
    ]
    assert results[1]["partialFingerprints"] == {"driftpatch/v1": IMDS.id}


def test_suppressed_results_only_take_the_slots_findings_leave(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sarif_module, "MAX_RESULTS", 2)
    doc = _sarif(dataclasses.replace(WITH_SUPPRESSED, findings=(UNMANAGED,)))
    run = doc["runs"][0]  # type: ignore[index]
    assert [r["ruleId"] for r in run["results"]] == ["DRIFT-UNMANAGED", "DP-EC2-001"]
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert "1 suppressed findings left out: code scanning takes 2 results per run" in notes


def test_redaction_covers_suppressed_findings_and_their_justification() -> None:
    secret = "hunter2-secret"
    leaky = dataclasses.replace(TAG, actual=f"prod {secret}", title=f"tag is {secret}")
    report = dataclasses.replace(
        REPORT,
        suppressed=(Suppressed(leaky, SuppressionKind.EXTERNAL, f"known: {secret}", ".dpi:1"),),
    )
    out = Redactor(frozenset({secret})).report(report)
    text = json.dumps(out.to_json()) + REPORTERS["sarif"].render(out, False)
    assert secret not in text
    assert out.suppressed[0].justification == f"known: {SENSITIVE}"


def test_a_saved_report_reads_back_with_its_suppressed_findings(tmp_path: Path) -> None:
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(WITH_SUPPRESSED.to_json()))
    loaded = load_full_report(saved)
    assert loaded.suppressed == WITH_SUPPRESSED.suppressed


def test_the_ignore_files_comment_is_the_justification() -> None:
    ignore = IgnoreList.parse(
        "DP-EC2-*   # legacy fleet, replaced in Q3\n"
        "aws_s3_bucket.logs\n"
        "!DP-EC2-001:module.app.*  # but not the app\n"
        "DP-EC2-001  # the app too, after all\n",
        "/repo/.driftpatchignore",
    )
    pattern = ignore.ignored_by(IMDS)
    assert pattern is not None
    assert (pattern.line, pattern.reason) == (4, "the app too, after all")
    assert ignore.where(pattern, Path("/repo")) == ".driftpatchignore:4"
    assert ignore.where(pattern) == "/repo/.driftpatchignore:4"
    tag = ignore.ignored_by(TAG)
    assert tag is not None and (tag.line, tag.reason) == (2, "")
    assert ignore.ignored_by(UNMANAGED) is None
    negated = IgnoreList.parse("DP-EC2-*\n!DP-EC2-001  # keep it\n")
    assert negated.ignored_by(IMDS) is None and not negated.ignores(IMDS)


@pytest.mark.parametrize(
    ("selection", "kept"),
    [
        (Selection(), {"IMDS", "TAG", "UNMANAGED"}),
        (Selection(only=Only.DRIFT), {"TAG", "UNMANAGED"}),
        (Selection(only=Only.MISCONFIG), {"IMDS"}),
        (Selection(min_severity=Severity.MEDIUM), {"IMDS", "UNMANAGED"}),
        (Selection(rules=("drift*",)), {"TAG", "UNMANAGED"}),
        (Selection(rules=("DRIFT",)), {"TAG"}),
        (Selection(rules=("CKV_AWS_79",)), {"IMDS"}),  # IMDS.also
        (Selection(skip_rules=("CKV_AWS_7?",)), {"TAG", "UNMANAGED"}),
        (Selection(rules=("DRIFT*",), skip_rules=("*-UNMANAGED",)), {"TAG"}),
        (Selection(only=Only.DRIFT, min_severity=Severity.HIGH), set()),
    ],
)
def test_selection(selection: Selection, kept: set[str]) -> None:
    named = {"IMDS": IMDS, "TAG": TAG, "UNMANAGED": UNMANAGED}
    assert {n for n, f in named.items() if selection.selects(f)} == kept


def test_selection_matches_aliases_such_as_a_rules_checkov_ids() -> None:
    assert Selection(rules=("CKV_AWS_20",)).selects(TAG, aliases=("CKV_AWS_20",))
    assert not Selection(rules=("CKV_AWS_20",)).selects(TAG)
