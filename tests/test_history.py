"""--history: first/last seen, new/recurring, resolved episodes, MTTR/MTTD, scopes, incomplete
runs, two writers at once, schema versioning; real SQLite files, the real CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from driftpatch.history import HistoryError, record, render, summarize
from driftpatch.model import Category, Finding, Inputs, Kind, Report, ScanError, Severity
from tests.clirun import run_cli

REPO = Path(__file__).resolve().parents[1]
DAY = 86400


def _finding(name: str, severity: Severity = Severity.MEDIUM) -> Finding:
    return Finding(
        kind=Kind.DRIFT,
        rule_id="DRIFT",
        title=f"tags.{name} changed",
        severity=severity,
        category=Category.DRIFT,
        resource_type="aws_s3_bucket",
        address=f"aws_s3_bucket.{name}",
        resource_id=name,
        attribute="tags.Env",
    )


A, B, C = _finding("a", Severity.HIGH), _finding("b"), _finding("c", Severity.LOW)
INPUTS = Inputs(states=("prod.tfstate",), source="terraform", regions=("us-east-1",))


def _report(day: int, *findings: Finding, errors: bool = False, inputs: Inputs = INPUTS) -> Report:
    return Report(
        tool_version="0",
        scanned_at=f"2026-12-{day:02d}T03:00:00+00:00",
        inputs=inputs,
        findings=findings,
        errors=(ScanError("s3/us-east-1", "GetBucketTagging: Throttling"),) if errors else (),
    )


def test_five_scans_with_changes_between_them(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    h1 = record(db, _report(1, A, B), "scan")
    assert {f: h.status for f, h in h1.items()} == {A.id: "new", B.id: "new"}
    h2 = record(db, _report(2, A, B, C), "scan")
    assert {f: h.status for f, h in h2.items()} == {
        A.id: "recurring",
        B.id: "recurring",
        C.id: "new",
    }
    assert h2[A.id].first_seen == "2026-12-01T03:00:00+00:00"
    assert h2[A.id].last_seen == "2026-12-02T03:00:00+00:00"
    record(db, _report(3, A, C), "scan")  # B fixed
    record(db, _report(4, A, errors=True), "scan")  # C unread, not fixed: nothing resolved
    h5 = record(db, _report(5, A, B), "scan")  # B is back, C fixed
    assert h5[B.id].status == "new" and h5[B.id].first_seen == "2026-12-05T03:00:00+00:00"
    assert h5[A.id].status == "recurring"

    s = summarize(db)
    assert s["runs"] == 5
    assert [(e["id"], e["age_seconds"], e["first_seen"]) for e in s["open"]] == [  # type: ignore[index, union-attr]
        (A.id, 4 * DAY, "2026-12-01T03:00:00+00:00"),
        (B.id, 0, "2026-12-05T03:00:00+00:00"),
    ]
    assert [(e["id"], e["first_seen"], e["resolved_at"]) for e in s["resolved"]] == [  # type: ignore[index, union-attr]
        (B.id, "2026-12-01T03:00:00+00:00", "2026-12-03T03:00:00+00:00"),
        (C.id, "2026-12-02T03:00:00+00:00", "2026-12-05T03:00:00+00:00"),
    ]
    assert s["new_in_latest_run"] == [B.id]
    assert s["resolved_in_latest_run"] == [C.id]
    assert s["mttr_seconds"] == (2 * DAY + 3 * DAY) // 2
    # detection, upper bound: C first seen one run (1 d) after a run without it; B again 1 d
    # after the run before its return
    assert s["mttd_seconds"] == DAY


def test_another_scope_never_resolves_findings(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    other = Inputs(states=("staging.tfstate",), source="terraform")
    record(db, _report(1, A), "scan")
    record(db, _report(2, inputs=other), "scan")  # staging is clean: prod's A stays open
    record(db, _report(3, A), "check")  # a PR check of the same inputs is its own scope
    s = summarize(db)
    assert [e["id"] for e in s["open"]] == [A.id, A.id]  # type: ignore[index, union-attr]
    assert s["resolved"] == []


def test_the_report_json_carries_first_and_last_seen(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    record(db, _report(1, A), "scan")
    report = _report(2, A, B)
    report = dataclasses.replace(report, history=record(db, report, "scan"))
    by_id = {f["id"]: f for f in report.to_json()["findings"]}  # type: ignore[index, union-attr]
    assert by_id[A.id]["first_seen"] == "2026-12-01T03:00:00+00:00"  # type: ignore[index]
    assert by_id[A.id]["history"] == "recurring"  # type: ignore[index]
    assert by_id[B.id]["history"] == "new"  # type: ignore[index]
    assert "first_seen" not in _report(2, A).to_json()["findings"][0]  # type: ignore[index]


def test_renderings(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    record(db, _report(1, A, C), "scan")
    record(db, _report(3, A), "scan")
    s = summarize(db)
    assert json.loads(render(s, "json")) == s
    console = render(s, "console")
    assert console.splitlines()[0] == (
        "driftpatch history: 1 open, 1 resolved over 2 runs; new in the latest run: 0, "
        "resolved: 1; MTTR 2.0 d, MTTD (upper bound) n/a"
    )
    assert "aws_s3_bucket.a" in console
    md = render(s, "markdown")
    assert md.startswith("## driftpatch history\n")
    assert "| 2.0 d | high | DRIFT | aws_s3_bucket.a | tags.Env |" in md


def test_a_newer_schema_and_a_non_database_are_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 7")
    con.close()
    with pytest.raises(HistoryError, match="schema version 7 is newer"):
        record(newer, _report(1, A), "scan")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all, just text" * 64)
    with pytest.raises(HistoryError, match=r"junk\.db"):
        record(junk, _report(1, A), "scan")
    with pytest.raises(HistoryError, match="no such file"):
        summarize(tmp_path / "missing.db")


_WRITER = """
import sys
from pathlib import Path
from driftpatch.history import record
from driftpatch.model import Category, Finding, Inputs, Kind, Report, Severity

db, who = Path(sys.argv[1]), sys.argv[2]
for i in range(40):
    f = Finding(Kind.DRIFT, "DRIFT", "t", Severity.LOW, Category.DRIFT, "aws_vpc",
                address=f"aws_vpc.{who}{i % 7}")
    report = Report("0", f"2026-12-01T03:{i // 60:02d}:{i % 60:02d}+00:00",
                    Inputs(states=(who,)), findings=(f,))
    record(db, report, "scan")
"""


def test_two_concurrent_writers_never_corrupt_it(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(db), who], env=env)
        for who in ("x", "y")
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (80,)
    per_scope = con.execute("SELECT count(*) FROM findings GROUP BY scope").fetchall()
    assert per_scope == [(7,), (7,)]
    con.close()


_cli = run_cli


def test_check_with_history_through_the_cli(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "fixtures" / "inputs" / "stack", repo)
    (repo / ".git").mkdir()
    args = ("check", "--source", "repo", "--no-checkov", "--history", "h.db", "-o", "json")
    first = _cli(*args, cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    statuses = {f["history"] for f in json.loads(first.stdout)["findings"]}
    assert statuses == {"new"}
    second = _cli(*args, cwd=tmp_path)
    assert {f["history"] for f in json.loads(second.stdout)["findings"]} == {"recurring"}
    shown = _cli("history", "h.db", "-o", "json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc["runs"] == 2
    assert len(doc["open"]) == len(json.loads(first.stdout)["findings"])
    refused = _cli(*args[:-2], "-o", "json:h.db", cwd=tmp_path)
    assert refused.returncode == 2
    assert "it is the --history database h.db this run reads" in refused.stderr
