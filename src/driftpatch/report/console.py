"""Human-readable terminal output: worst findings first, each with where to fix it."""

from __future__ import annotations

import io
import json
import shutil

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from driftpatch.model import JSON, Finding, Kind, Report, ResourceStatus, Severity
from driftpatch.report.base import Reporter, list_delta

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
_MAX_VALUE = 160


def _value(value: JSON) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _subject(f: Finding) -> str:
    if f.address:
        return f.address
    return f"{f.resource_type} {f.resource_id}" if f.resource_id else f.resource_type


def _finding(console: Console, f: Finding) -> None:
    head = Text()
    head.append(f" {f.severity.value.upper():<8} ", style=_STYLE[f.severity])
    head.append(f" {f.rule_id}", style="bold")
    head.append(f"  {_subject(f)}")
    if f.attribute:
        head.append(f"  {f.attribute}", style="magenta")
    console.print(head)
    console.print(f"           {escape(f.title)}", highlight=False)
    delta = list_delta(f.expected, f.actual) if f.kind is Kind.DRIFT else None
    if delta is not None:
        removed, added = delta
        for item in removed:
            console.print(f"           - {escape(_value(item))}", highlight=False)
        for item in added:
            console.print(f"           + {escape(_value(item))}", highlight=False)
    elif f.kind is Kind.DRIFT:
        console.print(f"           code: {escape(_value(f.expected))}", highlight=False)
        console.print(f"           live: {escape(_value(f.actual))}", highlight=False)
    where = f"at {f.location}" if f.location else "not declared in the scanned code"
    console.print(f"           {escape(where)}", style="dim", highlight=False)
    if f.also:
        console.print(f"           also reported as {', '.join(f.also)}", style="dim")


def _line(console: Console, f: Finding) -> None:
    """`--compact`: the finding on one line (severity, rule, resource, attribute, title, where)."""
    line = Text()
    line.append(f" {f.severity.value.upper():<8} ", style=_STYLE[f.severity])
    line.append(f" {f.rule_id}", style="bold")
    line.append(f"  {_subject(f)}")
    if f.attribute:
        line.append(f"  {f.attribute}", style="magenta")
    line.append(f"  {f.title}")
    if f.location:
        line.append(f"  {f.location}", style="dim")
    console.print(line, soft_wrap=True)  # never wrapped: grep and a CI log keep it whole


def render(report: Report, color: bool = False) -> str:
    buf = io.StringIO()
    width = max(80, min(shutil.get_terminal_size((120, 24)).columns, 160)) if color else 120
    console = Console(
        file=buf,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
    )
    summary = report.summary()
    statuses = {s: sum(1 for r in report.resources if r.status is s) for s in ResourceStatus}
    console.print(
        f"[bold]driftpatch {escape(report.tool_version)}[/bold]  "
        f"{len(report.resources)} resources, {len(report.findings)} findings"
    )
    for f in report.findings:
        if report.compact:
            _line(console, f)
        else:
            _finding(console, f)
    if not report.findings:
        console.print("No findings.", style="green")
    console.print()
    by_sev = summary["by_severity"]
    sev = ", ".join(f"{by_sev[s.value]} {s.value}" for s in Severity if by_sev[s.value])
    console.print(
        f"Resources: {summary['managed']} managed, {statuses[ResourceStatus.IN_SYNC]} in sync, "
        f"{summary['drifted']} drifted, {summary['missing']} missing, "
        f"{summary['unmanaged']} unmanaged, {statuses[ResourceStatus.UNSUPPORTED]} unsupported, "
        f"{statuses[ResourceStatus.PLANNED]} planned"
        + (f", {statuses[ResourceStatus.UNREAD]} unread" if statuses[ResourceStatus.UNREAD] else "")
    )
    console.print(f"Findings: {sev or 'none'}")
    if report.suppressed:
        console.print(
            f"Suppressed: {len(report.suppressed)} accepted (ignore file or inline comments; "
            "not counted)",
            style="dim",
        )
    if report.patches and not report.compact:
        verified = sum(1 for p in report.patches if p.verified)
        console.print(
            f"Patches: {len(report.patches)} ({verified} verified); "
            "write them with -o patch:fix.patch, apply with git apply fix.patch"
        )
    for notice in report.notices:
        console.print(f"[dim]note[/dim] {escape(notice)}")
    for err in (*report.input_problems, *report.errors):
        console.print(f"[red]skipped[/red] {escape(err.scope)}: {escape(err.message)}")
    for warning in report.warnings:
        console.print(
            f"[yellow]warning[/yellow] {escape(warning.scope)}: {escape(warning.message)}"
        )
    return buf.getvalue()


REPORTER = Reporter("console", render, ".txt", "terminal summary (the default)")
