"""SARIF that GitHub code scanning accepts: its ingestion rules, encoded.

GitHub refuses a whole upload when one result breaks them ("locationFromSarifResult: expected at
least one location"), so a schema-valid file is not enough. The limits are GitHub's documented
ones for SARIF uploads (runs per file, results and rules per run, tags per rule).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from driftpatch import api
from driftpatch.config import Config
from driftpatch.model import Category, Finding, Kind, Location, Severity
from driftpatch.report import REPORTERS
from driftpatch.report.sarif import MAX_RESULTS
from tests.report.sample import REPORT

ROOT = Path(__file__).resolve().parents[2]


def github_problems(doc: dict[str, object]) -> list[str]:
    """What GitHub's SARIF ingestion would refuse in `doc` (empty: accepted)."""
    problems: list[str] = []
    if doc.get("version") != "2.1.0":
        problems.append("version must be 2.1.0")
    runs = doc.get("runs")
    if not isinstance(runs, list) or not runs or len(runs) > 20:
        return [*problems, "1 to 20 runs per file"]
    for run in runs:
        driver = run["tool"]["driver"]
        rules = {r["id"]: r for r in driver.get("rules", [])}
        if len(rules) > 25_000:
            problems.append("more than 25,000 rules in a run")
        for rule in rules.values():
            props = rule.get("properties", {})
            if len(props.get("tags", [])) > 20:
                problems.append(f"{rule['id']}: more than 20 tags")
            sev = props.get("security-severity")
            if sev is None or not 0 <= float(sev) <= 10:
                problems.append(f"{rule['id']}: security-severity missing or out of 0-10")
        category = run.get("automationDetails", {}).get("id", "")
        if not category.endswith("/"):
            problems.append("automationDetails.id is a run id, not a category (no trailing /)")
        results = run.get("results", [])
        if len(results) > MAX_RESULTS:
            problems.append(f"{len(results)} results in a run (GitHub takes 25,000)")
        for i, result in enumerate(results):
            where = f"result {i} ({result.get('ruleId')})"
            if result.get("ruleId") not in rules:
                problems.append(f"{where}: ruleId not among the driver's rules")
            if not result.get("message", {}).get("text"):
                problems.append(f"{where}: no message text")
            if not result.get("partialFingerprints"):
                problems.append(f"{where}: no partialFingerprints")
            locations = result.get("locations") or []
            if not locations:
                problems.append(f"{where}: expected at least one location")
            for loc in locations:
                phys = loc.get("physicalLocation", {})
                uri = phys.get("artifactLocation", {}).get("uri")
                line = phys.get("region", {}).get("startLine")
                if not uri or uri.startswith("/") or "://" in uri:
                    problems.append(f"{where}: location uri must be repo-relative: {uri!r}")
                if not isinstance(line, int) or line < 1:
                    problems.append(f"{where}: region.startLine must be >= 1")
    return problems


def _render(report: object) -> dict[str, object]:
    return json.loads(REPORTERS["sarif"].render(report, False))  # type: ignore[arg-type]


def _account(n: int, severity: Severity = Severity.MEDIUM) -> Finding:
    return Finding(
        kind=Kind.MISCONFIG,
        rule_id="DP-ACCT-001",
        title="Root account has no MFA",
        severity=severity,
        category=Category.IAM,
        resource_type="aws_account",
        resource_id=f"12345678901{n % 10}:{n}",
        remediation="Enable MFA on the root user.",
        references=("CIS AWS 1.5",),
    )


def test_the_rules_catch_what_github_refuses() -> None:
    unplaced = dataclasses.replace(REPORT, anchor=None, sarif_category="driftpatch")
    doc = _render(unplaced)
    # encoded rule sanity: strip the locations and trailing slash by hand, the rules object
    run = doc["runs"][0]  # type: ignore[index]
    run["automationDetails"]["id"] = "driftpatch"
    run["results"][0].pop("locations")
    assert github_problems(doc) == [
        "automationDetails.id is a run id, not a category (no trailing /)",
        "result 0 (DP-EC2-001): expected at least one location",
    ]


def test_account_and_unmanaged_findings_sit_at_the_provider_block() -> None:
    report = dataclasses.replace(REPORT, findings=(*REPORT.findings, _account(1)))
    doc = _render(report)
    assert github_problems(doc) == []
    results = doc["runs"][0]["results"]  # type: ignore[index]
    acct = next(r for r in results if r["ruleId"] == "DP-ACCT-001")
    phys = acct["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "terraform/providers.tf"
    assert phys["region"] == {"startLine": 1, "endLine": 4}


def test_without_any_place_unlocated_findings_are_left_out_and_counted() -> None:
    report = dataclasses.replace(
        REPORT, anchor=None, findings=(*REPORT.findings, _account(1), _account(2))
    )
    doc = _render(report)
    assert github_problems(doc) == []
    run = doc["runs"][0]  # type: ignore[index]
    assert [r["ruleId"] for r in run["results"]] == ["DP-EC2-001", "DRIFT"]
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert notes[-1].startswith("3 findings left out: no HCL declares them")


def test_a_run_holds_at_most_25000_results_the_most_severe_first() -> None:
    located = Location("terraform/main.tf", 3, 3)
    many = [dataclasses.replace(_account(i), location=located) for i in range(MAX_RESULTS)]
    critical = dataclasses.replace(
        _account(-1, Severity.CRITICAL), rule_id="DP-ACCT-002", location=located
    )
    report = dataclasses.replace(REPORT, findings=(*many, critical))
    doc = _render(report)
    assert github_problems(doc) == []
    run = doc["runs"][0]  # type: ignore[index]
    assert len(run["results"]) == MAX_RESULTS
    assert any(r["ruleId"] == "DP-ACCT-002" for r in run["results"])
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert notes[-1].startswith("1 less severe findings left out")


def test_a_real_check_of_the_demo_stack_is_accepted() -> None:
    report = api.check(Config(source=ROOT / "terraform", checkov=False, offline=True))
    assert report.anchor == Location("terraform/providers.tf", 1, report.anchor.end_line)  # type: ignore[union-attr]
    doc = _render(dataclasses.replace(report, sarif_category="driftpatch/check/terraform"))
    assert github_problems(doc) == []
    assert len(doc["runs"][0]["results"]) == len(report.findings)  # type: ignore[index]


def test_plan_warnings_are_notes_and_the_run_still_succeeded() -> None:
    from driftpatch.model import ScanError

    warning = ScanError("plan:plan.json", "2 addresses rebuilt (Terraform 0.12)", level="warning")
    report = dataclasses.replace(REPORT, errors=(), warnings=(warning,))
    invocation = _render(report)["runs"][0]["invocations"][0]  # type: ignore[index]
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "note",
            "message": {"text": "plan:plan.json: 2 addresses rebuilt (Terraform 0.12)"},
        }
    ]
