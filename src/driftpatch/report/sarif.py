"""SARIF 2.1.0 for GitHub code scanning.

Each finding is a result with a stable `partialFingerprints` entry (our content-hash id), so
code scanning tracks it across runs; `security-severity` makes GitHub rank it.

GitHub refuses a whole file if one result has no physical location, so findings that no HCL
declares (account checks, unmanaged resources) are placed at the report's anchor: the provider
block that configures the account (their logical location still names the resource); with no
anchor at all they are left out and counted in a notification, never sent unplaced. A run
holds at most GitHub's 25,000 results (the most severe first; the rest are counted in a
notification), and its `automationDetails.id` is the report's category, so a PR's upload and a
nightly's do not replace each other.

Findings the team accepted (the ignore file, inline `driftpatch:ignore` / `checkov:skip`
comments) are results too, with `suppressions` (SARIF 2.1.0 §3.35: kind `external` or
`inSource`, the reason as justification): code scanning shows them dismissed instead of losing
track of them. They come after the findings and only take the slots the findings leave.
"""

from __future__ import annotations

import json

from driftpatch.model import Finding, Report, Severity, Suppressed
from driftpatch.report.base import Reporter

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/driftpatch/driftpatch"
MAX_RESULTS = 25_000  # GitHub code scanning's limit per run
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub buckets: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _rule(f: Finding) -> dict[str, object]:
    tags = ["security" if f.kind.value == "misconfig" else "drift", f.category.value]
    tags.extend(r for r in f.references if not r.startswith("https://"))
    tags = list(dict.fromkeys(tags))  # SARIF requires unique tags
    help_uri = next((r for r in f.references if r.startswith("https://")), INFO_URI)
    return {
        "id": f.rule_id,
        "name": f.rule_id.replace("-", ""),
        "shortDescription": {"text": f.title.split(": ")[0]},
        "fullDescription": {"text": f.description or f.title},
        "help": {"text": f.remediation or f.title, "markdown": f.remediation or f.title},
        "helpUri": help_uri,
        "defaultConfiguration": {"level": _LEVEL[f.severity]},
        "properties": {
            "tags": tags,
            "security-severity": _SECURITY_SEVERITY[f.severity],
            "precision": "high",
        },
    }


def _message(f: Finding) -> str:
    text = f.title
    if f.kind.value == "drift":
        text += (
            f" (code: {json.dumps(f.expected, sort_keys=True)}, "
            f"live: {json.dumps(f.actual, sort_keys=True)})"
        )
    subject = f.address or f"{f.resource_type} {f.resource_id}"
    return f"{subject}: {text}"


def _location(f: Finding, report: Report) -> dict[str, object] | None:
    where = f.location or report.anchor
    if where is None:
        return None
    logical = f.address or (f"{f.resource_type}.{f.resource_id}" if f.resource_id else None)
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": where.file, "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": max(where.start_line, 1),
                "endLine": max(where.end_line, where.start_line, 1),
            },
        },
        "logicalLocations": [{"fullyQualifiedName": logical, "kind": "resource"}]
        if logical
        else [],
    }


def render(report: Report, color: bool = False) -> str:
    rules: dict[str, dict[str, object]] = {}
    index: dict[str, int] = {}
    results = []
    ranked = sorted(report.findings, key=lambda f: -f.severity.rank)
    kept, dropped = ranked[:MAX_RESULTS], ranked[MAX_RESULTS:]
    notifications = [
        {"level": "warning", "message": {"text": f"{e.scope}: {e.message}"}}
        for e in (*report.input_problems, *report.errors)
    ] + [{"level": "note", "message": {"text": f"{w.scope}: {w.message}"}} for w in report.warnings]
    if dropped:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{len(dropped)} less severe findings left out: code scanning takes "
                    f"{MAX_RESULTS} results per run (the JSON report has them all)"
                },
            }
        )
    keep = {id(f) for f in kept}
    room = MAX_RESULTS - len(kept)
    accepted = sorted(report.suppressed, key=lambda s: -s.finding.severity.rank)[: max(room, 0)]
    if len(accepted) < len(report.suppressed):
        notifications.append(
            {
                "level": "note",
                "message": {
                    "text": f"{len(report.suppressed) - len(accepted)} suppressed findings left "
                    f"out: code scanning takes {MAX_RESULTS} results per run"
                },
            }
        )
    entries: list[tuple[Finding, Suppressed | None]] = [
        (f, None) for f in report.findings if id(f) in keep
    ]
    entries.extend((s.finding, s) for s in accepted)
    unplaced = 0
    for f, accepted_as in entries:
        location = _location(f, report)
        if location is None:  # no source and no local input file: nowhere to put it
            unplaced += 1
            continue
        if f.rule_id not in rules:
            index[f.rule_id] = len(rules)  # a dict lookup: listing the rules was O(rules)
            rules[f.rule_id] = _rule(f)
        result: dict[str, object] = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": _LEVEL[f.severity],
            "message": {"text": _message(f)},
            "partialFingerprints": {"driftpatch/v1": f.id},
            "properties": {
                "kind": f.kind.value,
                "severity": f.severity.value,
                "address": f.address,
                "resource_type": f.resource_type,
                "resource_id": f.resource_id,
                "attribute": f.attribute,
            },
        }
        result["locations"] = [location]
        if accepted_as is not None:
            result["suppressions"] = [_suppression(accepted_as)]
        results.append(result)
    if unplaced:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{unplaced} findings left out: no HCL declares them and no source "
                    "or local input file to place them at (give --source; the JSON report has "
                    "them all)"
                },
            }
        )
    doc = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "driftpatch",
                        "version": report.tool_version,
                        "semanticVersion": report.tool_version,
                        "informationUri": INFO_URI,
                        "rules": list(rules.values()),
                    }
                },
                "automationDetails": {"id": _category(report.sarif_category)},
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": not report.errors and not report.input_problems,
                        "toolExecutionNotifications": notifications,
                    }
                ],
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _suppression(s: Suppressed) -> dict[str, object]:
    out: dict[str, object] = {"kind": s.kind.value, "status": "accepted"}
    if s.justification:
        out["justification"] = s.justification
    if s.where:
        out["properties"] = {"where": s.where}
    return out


def _category(category: str) -> str:
    """GitHub reads `category/` (trailing slash) as a category, not a run id."""
    category = category.strip() or "driftpatch"
    return category if category.endswith("/") else category + "/"


REPORTER = Reporter("sarif", render, ".sarif", "SARIF 2.1.0 for GitHub code scanning")
