"""Markdown for a pull-request comment or a job summary ($GITHUB_STEP_SUMMARY).

A table first (what a reviewer scans), details folded, then each patch: as a GitHub
```suggestion``` block when it replaces one contiguous run of lines (so it can be pasted into a
review comment on those lines), else as a ```diff``` block. GitHub caps comments at 65,536
characters: the whole text is budgeted (table rows, most severe first, then details, then
patches), and what does not fit is counted, never cut mid-block. With `Report.code_url` (set in
GitHub Actions) each file:line links to the reviewed commit. `Report.compact` (`--compact`)
keeps the table only, one row per finding, and gives it the whole budget.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from html import escape

from driftpatch.fix.diff import LineMap
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


def _changes(diff: str) -> list[tuple[int, int, int]]:
    """(first line in the new file, lines removed, lines added) of each run of changed lines.
    Context lines are not changes: a later suggestion may sit on them. New-file line numbers
    count the earlier runs of the same diff, so walking the runs last to first maps a line of
    the patched file back to the file the diff was made against."""
    out: list[tuple[int, int, int]] = []
    new_line = 0
    run: list[int] | None = None  # [start, removed, added]
    for line in diff.splitlines():
        m = _HUNK.match(line)
        if m:
            new_line = int(m.group(3)) if m.group(4) != "0" else int(m.group(3)) + 1
            run = None
            continue
        tag = line[:1]
        if tag in ("-", "+") and not line.startswith(("--- ", "+++ ")):
            if run is None:
                run = [new_line, 0, 0]
                out.append((0, 0, 0))
            if tag == "-":
                run[1] += 1
            else:
                run[2] += 1
                new_line += 1
            out[-1] = (run[0], run[1], run[2])
        elif tag == " ":
            run = None
            new_line += 1
    return out


def standalone(patches: tuple[Patch, ...]) -> list[Suggestion | None]:
    """Each patch's suggestion in the ORIGINAL file's lines, or None.

    A report's patches to one file are made one after another, each diff on top of the
    previous ones (so `git apply` / `patch --apply` take them in order). A review suggestion
    stands alone on the file under review, so its lines are mapped back through the earlier
    patches' changes; a suggestion on lines an earlier patch wrote, or across lines it removed,
    has no standalone form. Each file keeps a map of its current lines to the original ones
    (fix.diff.LineMap) that every patch updates by its own changed lines, so the mapping
    costs time in the size of each patch, not in the number of earlier patches (1,600
    patches to one file walked 1.3 million earlier changes)."""
    parsed = [(patch, suggestion(patch), _changes(patch.diff)) for patch in patches]
    # Enough original lines for every line any diff names: the furthest line a diff
    # touches, plus every line the file's patches removed above it.
    furthest: dict[str, int] = {}
    removals: dict[str, int] = {}
    for patch, _, changes in parsed:
        removed = sum(r for _, r, _ in changes)
        last = max((at for at, _, _ in changes), default=0) + removed + sum(a for *_, a in changes)
        furthest[patch.file] = max(furthest.get(patch.file, 0), last + 1)
        removals[patch.file] = removals.get(patch.file, 0) + removed
    reach = {file: furthest[file] + removals[file] for file in furthest}
    files: dict[str, LineMap] = {}
    out: list[Suggestion | None] = []
    for patch, sug, changes in parsed:
        lines = files.get(patch.file)
        if lines is None:
            lines = files[patch.file] = LineMap(reach[patch.file])
        if sug is not None:
            start, end = lines.original(sug.start), lines.original(sug.end)
            if start and end and lines.untouched(start, end) and end - start == sug.end - sug.start:
                out.append(dataclasses.replace(sug, start=start, end=end))
            else:
                out.append(None)
        else:
            out.append(None)
        for at, removed, added in changes:  # top to bottom: `at` counts the runs above
            lines.replace(at, removed, added)
    return out


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


def _where(f: Finding, code_url: str) -> str:
    if f.location is None:
        return "—"
    if not code_url:
        return f"`{f.location}`"
    loc = f.location
    lines = f"L{loc.start_line}" + (f"-L{loc.end_line}" if loc.end_line > loc.start_line else "")
    return f"[`{loc}`]({code_url}{loc.file}#{lines})"


def _row(f: Finding, code_url: str = "") -> str:
    subject = f.address or f"{f.resource_type} {f.resource_id}"
    where = _where(f, code_url)
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


def _patch(p: Patch, sug: Suggestion | None) -> list[str]:
    state = "verified" if p.verified else "**not verified**"
    head = f"#### `{p.file}` — {p.action.value} ({state})"
    out = [head, ""]
    if p.note:
        out += [p.note, ""]
    if sug is not None:
        lines = f"line {sug.start}" if sug.start == sug.end else f"lines {sug.start}-{sug.end}"
        out += [f"Suggested change for {lines}:", "", "```suggestion", *sug.lines, "```", ""]
    else:
        out += ["```diff", p.diff.rstrip("\n"), "```", ""]
    return out


def _table(report: Report, budget: int) -> list[str]:
    """Rows, most severe first, while they fit; the rest counted by severity."""
    out = [
        "| severity | rule | resource | attribute | finding | code → live | where |",
        "|---|---|---|---|---|---|---|",
    ]
    size = sum(len(x) + 1 for x in out)
    ranked = sorted(report.findings, key=lambda f: -f.severity.rank)
    for i, f in enumerate(ranked):
        row = _row(f, report.code_url)
        if size + len(row) + 1 > budget:
            rest = ranked[i:]
            by = ", ".join(
                f"{n} {s.value}" for s in Severity if (n := sum(1 for r in rest if r.severity is s))
            )
            out += ["", f"_…and {len(rest)} more finding(s) ({by}); see the JSON report._"]
            break
        out.append(row)
        size += len(row) + 1
    return [*out, ""]


def render(report: Report, color: bool = False) -> str:
    lines = _summary(report)
    if report.findings:
        lines += _table(report, BUDGET if report.compact else BUDGET // 2)
    else:
        lines += ["No findings. ✅", ""]
    if report.suppressed:
        lines += [
            f"_{len(report.suppressed)} suppressed finding(s) accepted by the ignore file or "
            "inline comments (not counted; listed in the JSON and SARIF reports)._",
            "",
        ]
    sections: list[list[str]] = []
    if report.findings and not report.compact:
        sections.append(["### Details", ""])
        sections += [_details(f) for f in report.findings]
    if report.patches and not report.compact:
        sections.append(
            ["### Patches", "", "Apply them all with `git apply` on the `-o patch` output.", ""]
        )
        sugs = standalone(report.patches)
        sections += [_patch(p, s) for p, s in zip(report.patches, sugs, strict=True)]
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
