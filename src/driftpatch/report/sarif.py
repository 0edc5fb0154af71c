"""SARIF 2.1.0 for GitHub code scanning.

Each finding is a result with a stable `partialFingerprints` entry (our content-hash id), so
code scanning tracks it across runs; `security-severity` makes GitHub rank it. Findings that no
code declares (unmanaged resources, account checks) carry no location: code scanning lists
only located results, the JSON report has them all.
"""

from __future__ import annotations

import json

from driftpatch.model import Finding, Report, Severity
from driftpatch.report.base import Reporter

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/driftpatch/driftpatch"
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


def render(report: Report, color: bool = False) -> str:
    rules: dict[str, dict[str, object]] = {}
    results = []
    for f in report.findings:
        if f.rule_id not in rules:
            rules[f.rule_id] = _rule(f)
        result: dict[str, object] = {
            "ruleId": f.rule_id,
            "ruleIndex": list(rules).index(f.rule_id),
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
        if f.location:
            result["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.location.file, "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": f.location.start_line,
                            "endLine": max(f.location.end_line, f.location.start_line),
                        },
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.address, "kind": "resource"}]
                    if f.address
                    else [],
                }
            ]
        results.append(result)
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
                "automationDetails": {"id": "driftpatch/"},
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": not report.errors and not report.input_problems,
                        "toolExecutionNotifications": [
                            {"level": "warning", "message": {"text": f"{e.scope}: {e.message}"}}
                            for e in (*report.input_problems, *report.errors)
                        ],
                    }
                ],
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


REPORTER = Reporter("sarif", render, ".sarif", "SARIF 2.1.0 for GitHub code scanning")
