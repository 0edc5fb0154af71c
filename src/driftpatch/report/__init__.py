"""Output formats, registered by name. `-o FORMAT[:PATH]` picks from `REPORTERS`."""

from __future__ import annotations

from driftpatch.report import console, html, junit, markdown, patch, sarif
from driftpatch.report import json as json_report
from driftpatch.report.base import Reporter

REPORTERS: dict[str, Reporter] = {
    r.name: r
    for r in (
        console.REPORTER,
        json_report.REPORTER,
        sarif.REPORTER,
        markdown.REPORTER,
        html.REPORTER,
        junit.REPORTER,
        patch.REPORTER,
    )
}

__all__ = ["REPORTERS", "Reporter"]
