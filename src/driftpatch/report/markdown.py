"""Markdown for a pull-request comment or a job summary ($GITHUB_STEP_SUMMARY).

A table first (what a reviewer scans), details folded, then each patch: as a GitHub
```suggestion``` block when it replaces one contiguous run of lines (so it can be pasted into a
review comment on those lines), else as a ```diff``` block. GitHub caps comments at 65,536
characters: past a budget the rest is summarised, never cut mid-block.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape

from driftpatch.model import Finding, Patch, Report, ResourceStatus, Severity
from driftpatch.report.base import Reporter

BUDGET = 60_000
_ICON = {
    Severity.CRITICAL: "🟥",
    Severity.HIGH: "🟧",
    Severity.MEDIUM: "🟨",
    Severity.LOW: "🟦",
    Severity.INFO: "⬜",
}
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def cell(value: object, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`" if text else ""


@dataclass(frozen=True)
class Suggestion:
    """Replace lines start..end (1-based, inclusive, in the old file) with `lines`."""

    file: str
    start: int
    end: int
    lines: tuple[str, ...]


def suggestion(patch: Patch) -> Suggestion | None:
    """The patch as one suggestion, if it is a single hunk changing one contiguous run."""
    hunks: list[list[str]] = []
    starts: list[int] = []
    new_file = False
    for line in patch.diff.splitlines():
        if line.startswith("--- /dev/null"):
            new_file = True
        m = _HUNK.match(line)
        if m:
            starts.append(int(m.group(1)))
            hunks.append([])
        elif hunks and line[:1] in (" ", "-", "+"):
            hunks[-1].append(line)
    if new_file or len(hunks) != 1:
        return None
    body, old_line = hunks[0], starts[0]
    changed = [i for i, ln in enumerate(body) if ln[:1] in "+-"]
    if not changed:
        return None
    first, last = changed[0], changed[-1]
    if any(body[i][:1] == " " for i in range(first, last + 1)):
        return None  # two separate runs of change
    # Old line numbers covered by the change; a pure insertion anchors on the line before it.
    before = sum(1 for ln in body[:first] if ln[:1] in (" ", "-"))
    removed = [ln[1:] for ln in body[first : last + 1] if ln[:1] == "-"]
    added = [ln[1:] for ln in body[first : last + 1] if ln[:1] == "+"]
    if removed:
        start = old_line + before
        return Suggestion(patch.file, start, start + len(removed) - 1, tuple(added))
    if before == 0:
        return None
    anchor = body[first - 1][1:]
    start = old_line + before - 1
    return Suggestion(patch.file, start, start, (anchor, *added))


def _summary(report: Report) -> list[str]:
    s = report.summary()
    in_sync = sum(1 for r in report.resources if r.status is ResourceStatus.IN_SYNC)
    by = s["by_severity"]
    counts = ", ".join(f"{by[v.value]} {v.value}" for v in Severity if by[v.value])
    head = (
        f"## driftpatch: {len(report.findings)} finding{'s' if len(report.findings) != 1 else ''}"
    )
    lines = [head + (f" ({counts})" if counts else ""), ""]
    lines += [
        "| managed | in sync | drifted | missing | unmanaged |",
        "|---:|---:|---:|---:|---:|",
        f"| {s['managed']} | {in_sync} | {s['drifted']} | {s['missing']} | {s['unmanaged']} |",
        "",
    ]
    unread = [r for r in report.resources if r.status is ResourceStatus.UNREAD]
    if unread:
        shown = ", ".join(f"`{r.address or r.id}`" for r in unread[:10])
        more = f" and {len(unread) - 10} more" if len(unread) > 10 else ""
        lines += [
            f"**{len(unread)} unread** (their AWS reads failed; not compared): {shown}{more}",
            "",
        ]
    return lines


def _row(f: Finding) -> str:
    subject = f.address or f"{f.resource_type} {f.resource_id}"
    where = f"`{f.location}`" if f.location else "—"
    values = ""
    if f.kind.value == "drift":
        values = f"{cell(f.expected, 30)} → {cell(f.actual, 30)}"
    return (
        f"| {_ICON[f.severity]} {f.severity.value} | `{f.rule_id}` | {cell(subject, 70)} | "
        f"{cell(f.attribute or '', 40)} | {escape(f.title).replace('|', '/')} | "
        f"{values} | {where} |"
    )


def _details(f: Finding) -> list[str]:
    subject = f.address or f"{f.resource_type} {f.resource_id}"
    out = [
        "<details>",
        f"<summary>{f.severity.value.upper()} {f.rule_id} — {escape(subject)}</summary>",
        "",
    ]
    if f.description:
        out += [escape(f.description, quote=False), ""]
    if f.risk:
        out += [f"**Risk:** {escape(f.risk, quote=False)}", ""]
    if f.remediation:
        out += [f"**Fix:** {escape(f.remediation, quote=False)}", ""]
    if f.references:
        out += ["**References:** " + ", ".join(f.references), ""]
    if f.also:
        out += ["**Also reported as:** " + ", ".join(f.also), ""]
    out += ["</details>", ""]
    return out


def _patch(p: Patch) -> list[str]:
    state = "verified" if p.verified else "**not verified**"
    head = f"#### `{p.file}` — {p.action.value} ({state})"
    out = [head, ""]
    if p.note:
        out += [p.note, ""]
    sug = suggestion(p)
    if sug is not None:
        lines = f"line {sug.start}" if sug.start == sug.end else f"lines {sug.start}-{sug.end}"
        out += [f"Suggested change for {lines}:", "", "```suggestion", *sug.lines, "```", ""]
    else:
        out += ["```diff", p.diff.rstrip("\n"), "```", ""]
    return out


def render(report: Report, color: bool = False) -> str:
    lines = _summary(report)
    if report.findings:
        lines += [
            "| severity | rule | resource | attribute | finding | code → live | where |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [_row(f) for f in report.findings]
        lines.append("")
    else:
        lines += ["No findings. ✅", ""]
    sections: list[list[str]] = []
    if report.findings:
        sections.append(["### Details", ""])
        sections += [_details(f) for f in report.findings]
    if report.patches:
        sections.append(
            ["### Patches", "", "Apply them all with `git apply` on the `-o patch` output.", ""]
        )
        sections += [_patch(p) for p in report.patches]
    problems = (*report.input_problems, *report.errors)
    if problems:
        sections.append(
            ["### Not scanned", "", *(f"- `{e.scope}`: {e.message}" for e in problems), ""]
        )
    size = sum(len(x) + 1 for x in lines)
    for i, section in enumerate(sections):
        block = "\n".join(section) + "\n"
        if size + len(block) > BUDGET:
            rest = len(sections) - i
            lines += [
                f"_…{rest} more section(s) left out to fit a GitHub comment; see the JSON report._",
                "",
            ]
            break
        lines += section
        size += len(block)
    return "\n".join(lines).rstrip("\n") + "\n"


REPORTER = Reporter("markdown", render, ".md", "pull-request comment / job summary")
