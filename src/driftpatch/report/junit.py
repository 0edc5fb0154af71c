"""JUnit XML, for CI systems that show test results: one suite per rule, one case per
resource (and attribute); drifted or misconfigured resources fail, in-sync resources pass."""

from __future__ import annotations

import json
from collections import defaultdict
from xml.etree import ElementTree as ET

from driftpatch.model import Finding, Report, ResourceStatus
from driftpatch.report.base import Reporter


def _case_name(f: Finding) -> str:
    subject = f.address or f"{f.resource_type}.{f.resource_id}"
    return f"{subject} {f.attribute}" if f.attribute else subject


def _body(f: Finding) -> str:
    lines = [f.title]
    if f.kind.value == "drift":
        lines.append(f"code: {json.dumps(f.expected, sort_keys=True)}")
        lines.append(f"live: {json.dumps(f.actual, sort_keys=True)}")
    if f.location:
        lines.append(f"at {f.location}")
    if f.remediation:
        lines.append(f"fix: {f.remediation}")
    return "\n".join(lines)


def render(report: Report, color: bool = False) -> str:
    suites: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        suites[f.rule_id].append(f)
    root = ET.Element("testsuites", name="driftpatch")
    total = failures = 0
    for rule_id in sorted(suites):
        items = suites[rule_id]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=rule_id,
            tests=str(len(items)),
            failures=str(len(items)),
            errors="0",
            skipped="0",
        )
        for f in items:
            case = ET.SubElement(
                suite,
                "testcase",
                name=_case_name(f),
                classname=f.resource_type,
                file=f.location.file if f.location else "",
            )
            failure = ET.SubElement(case, "failure", message=f.title, type=f.severity.value)
            failure.text = _body(f)
        total += len(items)
        failures += len(items)
    in_sync = [r for r in report.resources if r.status is ResourceStatus.IN_SYNC]
    if in_sync:
        suite = ET.SubElement(
            root,
            "testsuite",
            name="in-sync",
            tests=str(len(in_sync)),
            failures="0",
            errors="0",
            skipped="0",
        )
        for r in in_sync:
            ET.SubElement(suite, "testcase", name=r.address or str(r.id), classname=r.type)
        total += len(in_sync)
    problems = (*report.input_problems, *report.errors)
    if problems:
        suite = ET.SubElement(
            root,
            "testsuite",
            name="not-scanned",
            tests=str(len(problems)),
            failures="0",
            errors=str(len(problems)),
            skipped="0",
        )
        for e in problems:
            case = ET.SubElement(suite, "testcase", name=e.scope, classname="driftpatch")
            ET.SubElement(case, "error", message=e.message, type="incomplete")
        total += len(problems)
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", str(len(problems)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


REPORTER = Reporter("junit", render, ".xml", "JUnit XML for CI test views")
