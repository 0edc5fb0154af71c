"""The fix as one unified diff: review it, then `git apply` it (one section per file, paths
relative to the repository root with a/ and b/ prefixes)."""

from __future__ import annotations

from driftpatch.model import Report
from driftpatch.report.base import Reporter


def render(report: Report, color: bool = False) -> str:
    return report.combined_patch


REPORTER = Reporter("patch", render, ".patch", "git-apply-able unified diff of every fix")
