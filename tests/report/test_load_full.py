"""A saved report loads back whole: its JSON rendered again is the same JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from driftpatch.errors import ReportError
from driftpatch.model import FindingHistory, ScanError
from driftpatch.reportio import load_full_report
from tests.report.sample import IMDS, REPORT


def test_round_trip_is_exact(tmp_path: Path) -> None:
    report = dataclasses.replace(
        REPORT,
        warnings=(ScanError("plan:p.json", "short addresses", level="warning"),),
        history={IMDS.id: FindingHistory("2026-11-20T00:00:00+00:00", "2026-11-22", "recurring")},
        notices=("checkov not found",),
    )
    saved = tmp_path / "r.json"
    saved.write_text(json.dumps(report.to_json()), encoding="utf-8")
    loaded = load_full_report(saved)
    assert loaded.to_json() == report.to_json()
    assert loaded.findings == report.findings
    assert loaded.patches == report.patches


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: d["resources"].append({"type": "x", "status": "nonsense"}),
        lambda d: d.__setitem__("errors", [{"scope": 1}]),
        lambda d: d.__setitem__("inputs", "not an object"),
    ],
)
def test_malformed_reports_are_one_clear_error(tmp_path: Path, mangle: object) -> None:
    doc = REPORT.to_json()
    mangle(doc)  # type: ignore[operator]
    saved = tmp_path / "r.json"
    saved.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ReportError, match=r"r\.json: malformed report"):
        load_full_report(saved)
