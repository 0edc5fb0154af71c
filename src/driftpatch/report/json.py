"""The schema_version 1 JSON report (a contract: see DESIGN.md section 2)."""

from __future__ import annotations

import json

from driftpatch.model import Report
from driftpatch.report.base import Reporter


def render(report: Report, color: bool = False) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


REPORTER = Reporter("json", render, ".json", "machine-readable report, schema_version 1")
