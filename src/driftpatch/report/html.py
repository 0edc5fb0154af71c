"""A single self-contained HTML page: readable without JavaScript, filterable with it.

No external assets (CI artefacts are often opened offline): the stylesheet and script from
`templates/` are inlined, and a Content-Security-Policy allows exactly those two (by hash) and
nothing else, so even a value that slipped past escaping could neither run script nor fetch
anything. Every value from the report is escaped; none is ever placed inside the script.

Readability rules the page keeps (tested in a real Chromium):
- Rule ids and finding/resource ids are one unbreakable unit (`white-space: nowrap`
  rather than U+2011 hyphens, so copying or searching `DP-S3-004` still finds it); addresses
  and attributes break only before a `.` or `[` step, file:line only after a `/` (a short one
  never), never inside a step.
- JSON values are pretty-printed (indented, sorted keys); short ones stay inline, long ones are
  folded in a <details> whose summary says what is inside.
- Every finding links to the patches that serve it, and each patch links back to its findings.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from html import escape
from importlib import resources
from urllib.parse import quote

from driftpatch.model import (
    JSON,
    Finding,
    Kind,
    Location,
    Patch,
    Report,
    ResourceEntry,
    ResourceStatus,
    ScanError,
    Severity,
)
from driftpatch.report.base import Reporter, list_delta

# A value whose one-line JSON is at most this long stays inline; longer ones are folded.
INLINE_MAX = 60
# A file:line up to this long is never wrapped; a longer one may wrap after a `/`.
LOC_WHOLE_MAX = 32
# Diffs longer than this many lines start folded.
DIFF_OPEN_MAX = 40
# Address steps: a name, or a `[...]` index (quoted keys may hold `.` and `]`).
_STEP = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]|\.?[^.\[]+|.', re.DOTALL)


@cache
def _asset(name: str) -> str:
    return (resources.files("driftpatch.report") / "templates" / name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _nw(text: str, cls: str = "") -> str:
    """One unbreakable unit (an id, a rule id, a file:line)."""
    return f'<code class="nw{" " + cls if cls else ""}">{escape(text)}</code>'


def _addr(text: str) -> str:
    """An address or attribute path that may wrap before `.` or `[`, never inside a step."""
    steps = _STEP.findall(text)
    if len(steps) <= 1:
        return _nw(text)
    return (
        '<code class="addr">'
        + "<wbr>".join(f"<span>{escape(s)}</span>" for s in steps)
        + ("</code>")
    )


def _loc(loc: Location, code_url: str) -> str:
    """file:line, linked to the reviewed commit's blob when `code_url` is an http(s) URL."""
    # A long path may wrap after a `/` (a directory name and `main.tf:12` stay whole); a short
    # one never wraps at all, whatever the table does to its column.
    parts = str(loc).split("/") if len(str(loc)) > LOC_WHOLE_MAX else [str(loc)]
    steps = [p + "/" for p in parts[:-1]] + [parts[-1]]
    text = (
        '<code class="loc">' + "<wbr>".join(f"<span>{escape(s)}</span>" for s in steps) + "</code>"
    )
    if not code_url.startswith(("https://", "http://")):
        return text
    lines = f"L{loc.start_line}" + (f"-L{loc.end_line}" if loc.end_line > loc.start_line else "")
    href = f"{code_url}{quote(loc.file)}#{lines}"
    return f'<a href="{escape(href)}" rel="noopener noreferrer">{text}</a>'


def _one_line(value: JSON) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def _embedded_json(value: str) -> JSON | None:
    """A string that is itself a JSON document (an IAM or bucket policy), parsed; else None."""
    stripped = value.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        doc = json.loads(stripped)
    except ValueError:
        return None
    return doc if isinstance(doc, dict | list) else None


def _gist(value: JSON) -> str:
    """The one-line summary of a folded value: its shape, size, and a start of its content."""
    if isinstance(value, dict):
        keys = sorted(value)
        head = ", ".join(keys[:4]) + (", …" if len(keys) > 4 else "")
        return f"{{…}} {len(keys)} key{'s' if len(keys) != 1 else ''}: {head}"
    if isinstance(value, list):
        return f"[…] {len(value)} item{'s' if len(value) != 1 else ''}"
    text = value if isinstance(value, str) else _one_line(value)
    first = text.splitlines()[0] if text else ""
    return f"{first[:INLINE_MAX]}… ({len(text)} characters)"


def _inline(text: str) -> str:
    """A short value that wraps only at its spaces (a token wider than the cell still wraps)."""
    return (
        '<code class="inline">'
        + " ".join(f'<span class="tok">{escape(t)}</span>' for t in text.split(" "))
        + "</code>"
    )


def json_value(value: JSON) -> str:
    """A value as HTML: inline when short, else pretty-printed and folded.

    Plain strings show as they are (no quotes) unless empty; a string holding a JSON document
    (policies are stored that way) is shown pretty, marked as a JSON string."""
    if isinstance(value, str):
        doc = _embedded_json(value)
        if doc is not None:
            pretty = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
            return (
                f'<details class="json"><summary>JSON string: {escape(_gist(doc))}</summary>'
                f"<pre>{escape(pretty)}</pre></details>"
            )
        if value and len(value) <= INLINE_MAX and "\n" not in value:
            return _inline(value)
        if not value:
            return '<code class="inline">""</code>'
        return (
            f'<details class="json"><summary>{escape(_gist(value))}</summary>'
            f"<pre>{escape(value)}</pre></details>"
        )
    short = _one_line(value)
    if len(short) <= INLINE_MAX:
        return _inline(short)
    pretty = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return (
        f'<details class="json"><summary>{escape(_gist(value))}</summary>'
        f"<pre>{escape(pretty)}</pre></details>"
    )


def _values(f: Finding) -> str:
    labels = ("code", "live") if f.kind in (Kind.DRIFT, Kind.MISSING) else ("expected", "actual")
    out = []
    delta = list_delta(f.expected, f.actual) if f.kind is Kind.DRIFT else None
    if delta is not None:
        removed, added = delta
        for sign, cls, items in (("-", "del", removed), ("+", "add", added)):
            for item in items:
                out.append(
                    f'<div class="val delta"><span class="lbl {cls}">{sign} '
                    f"{'removed' if cls == 'del' else 'added'}</span>"
                    f'<span class="v">{json_value(item)}</span></div>'
                )
    for label, value in zip(labels, (f.expected, f.actual), strict=True):
        if value is None and not (f.kind is Kind.DRIFT and label == "live"):
            continue
        out.append(
            f'<div class="val"><span class="lbl">{label}</span>'
            f'<span class="v">{json_value(value)}</span></div>'
        )
    return "".join(out)


def _empty(content: object) -> str:
    """Marks a cell with nothing in it (the narrow layout hides it rather than label nothing)."""
    return "" if content else ' class="empty"'


def _subject_html(f: Finding) -> str:
    """The address, or for an unmanaged resource its type and id (two units, not one)."""
    if f.address:
        return _addr(f.address)
    return _nw(f.resource_type) + (f" {_nw(f.resource_id, 'rid')}" if f.resource_id else "")


def _finding_row(
    f: Finding, patches: Iterable[tuple[int, Patch]], report: Report, code_url: str
) -> str:
    refs = ", ".join(
        f'<a href="{escape(r)}" rel="noopener noreferrer">{escape(r)}</a>'
        if r.startswith("https://")
        else escape(r)
        for r in f.references
    )
    details = (
        f'<details class="desc"><summary>{escape(f.title)}</summary>'
        + (f"<p>{escape(f.description)}</p>" if f.description else "")
        + (f"<p><b>Risk:</b> {escape(f.risk)}</p>" if f.risk else "")
        + (f"<p><b>Fix:</b> {escape(f.remediation)}</p>" if f.remediation else "")
        + (f"<p><b>References:</b> {refs}</p>" if refs else "")
        + (
            "<p><b>Also:</b> " + ", ".join(_nw(a, "rule") for a in f.also) + "</p>"
            if f.also
            else ""
        )
        + f"<p><b>Finding id:</b> {_nw(f.id, 'fid')}</p></details>"
    )
    if f.address:
        subject = _addr(f.address)
        if f.resource_id:
            subject += f'<div class="sub">{_nw(f.resource_id, "rid")}</div>'
    else:
        subject = f'{_nw(f.resource_type)}<div class="sub">{_nw(f.resource_id or "", "rid")}</div>'
    if f.attribute:
        subject += f'<div class="sub">{_addr(f.attribute)}</div>'
    hist = report.history.get(f.id)
    badge = (
        f' <span class="badge{" badge-new" if hist.status == "new" else ""}" '
        f'title="first seen {escape(hist.first_seen)}">{escape(hist.status)}</span>'
        if hist
        else ""
    )
    where = _loc(f.location, code_url) if f.location else ""
    links = "".join(
        f'<div><a class="plink nw" href="#patch-{n}">patch {n}</a> '
        f'<span class="muted">{escape(p.action.value)}</span></div>'
        for n, p in patches
    )
    return (
        f'<tr class="finding" data-severity="{escape(f.severity.value)}" '
        f'data-kind="{escape(f.kind.value)}" id="f-{escape(f.id)}">'
        f'<td data-label="severity"><div class="cell"><span class="sev sev-{f.severity.value}">'
        f'{escape(f.severity.value)}</span><br><span class="kind">{escape(f.kind.value)}</span>'
        f"{badge}</div></td>"
        f'<td data-label="rule"><div class="cell">{_nw(f.rule_id, "rule")}</div></td>'
        f'<td data-label="resource"><div class="cell">{subject}</div></td>'
        f'<td data-label="finding"><div class="cell">{details}{_values(f)}</div></td>'
        f'<td data-label="where"{_empty(where)}>'
        f'<div class="cell">{where or "—"}</div></td>'
        f'<td data-label="patch"{_empty(links)}>'
        f'<div class="cell">{links or "—"}</div></td></tr>'
    )


def _diff(p: Patch) -> str:
    lines = []
    for line in p.diff.splitlines():
        if line.startswith(("+++", "---")):
            cls = ""
        elif line.startswith("+"):
            cls = "add"
        elif line.startswith("-"):
            cls = "del"
        elif line.startswith("@@"):
            cls = "hunk"
        else:
            cls = ""
        lines.append(f'<span class="{cls}">{escape(line)}</span>' if cls else escape(line))
    pre = f'<pre class="diff">{chr(10).join(lines)}</pre>'
    n = len(lines)
    fold = " open" if n <= DIFF_OPEN_MAX else ""
    return f"<details{fold}><summary>diff, {n} lines</summary>{pre}</details>"


def _patch(n: int, p: Patch, findings: Mapping[str, Finding]) -> str:
    checks = ", ".join(c.value for c in p.verified_by)
    verified = ("yes" if p.verified else "no") + (f" — {escape(checks)}" if checks else "")
    effects = (
        "<ul>"
        + "".join(
            f"<li>{_addr(addr)}: <b>{escape(effect.value)}</b></li>"
            for addr, effect in sorted(p.plan_effect.items())
        )
        + "</ul>"
        if p.plan_effect
        else '<span class="muted">no plan ran</span>'
    )
    default = (
        '<span class="badge badge-in">in the default patch file</span>'
        if p.in_default_patch
        else '<span class="badge badge-out">not in the default patch file</span>'
    )
    served = "".join(
        f'<li><a href="#f-{escape(fid)}">{_nw(findings[fid].rule_id, "rule")}</a> '
        f"{_subject_html(findings[fid])}</li>"
        if fid in findings
        else f'<li>{_nw(fid, "fid")} <span class="muted">(not in this report)</span></li>'
        for fid in p.finding_ids
    )
    facts = [
        ("action", f"<b>{escape(p.action.value)}</b>"),
        ("verified", verified),
        ("plan effect", effects),
        ("default patch", default),
    ]
    if p.reason:
        facts.append(("reason", escape(p.reason)))
    if p.note:
        facts.append(("note", escape(p.note)))
    facts.append(("serves", f"<ul>{served}</ul>"))
    dl = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts)
    return (
        f'<section class="patch" id="patch-{n}" data-default="{str(p.in_default_patch).lower()}">'
        f"<h3>patch {n} · {_nw(p.file, 'file')}</h3>"
        f'<dl class="facts">{dl}</dl>{_diff(p)}</section>'
    )


def _resource_row(r: ResourceEntry, code_url: str) -> str:
    where = _loc(r.location, code_url) if r.location else ""
    return (
        f'<tr class="resource" data-status="{escape(r.status.value)}">'
        f'<td data-label="address"{_empty(r.address)}>'
        f'<div class="cell">{_addr(r.address) if r.address else ""}</div></td>'
        f'<td data-label="type"><div class="cell">{_nw(r.type)}</div></td>'
        f'<td data-label="id"{_empty(r.id)}>'
        f'<div class="cell">{_nw(r.id, "rid") if r.id else ""}</div></td>'
        f'<td data-label="status"><div class="cell">{escape(r.status.value)}</div></td>'
        f'<td data-label="where"{_empty(where)}>'
        f'<div class="cell">{where}</div></td></tr>'
    )


def _problems(items: Iterable[ScanError]) -> str:
    return "".join(f"<li>{_nw(e.scope)}: {escape(e.message)}</li>" for e in items)


def render(report: Report, color: bool = False) -> str:
    s = report.summary()
    code_url = report.code_url
    in_sync = sum(1 for r in report.resources if r.status is ResourceStatus.IN_SYNC)
    cards = "".join(
        f'<div class="card"><b>{value}</b>{escape(label)}</div>'
        for label, value in (
            ("findings", len(report.findings)),
            ("managed", s["managed"]),
            ("in sync", in_sync),
            ("drifted", s["drifted"]),
            ("missing", s["missing"]),
            ("unmanaged", s["unmanaged"]),
            *((("unread", s["unread"]),) if s.get("unread") else ()),
            ("patches", len(report.patches)),
        )
    )
    sev_buttons = "".join(
        f'<button type="button" data-filter="severity" data-value="{v.value}" '
        f'aria-pressed="false">{v.value} ({s["by_severity"][v.value]})</button>'
        for v in Severity
    )
    kinds = sorted({f.kind.value for f in report.findings})
    kind_buttons = "".join(
        f'<button type="button" data-filter="kind" data-value="{k}" aria-pressed="false">'
        f"{k}</button>"
        for k in kinds
    )
    numbered = list(enumerate(report.patches, start=1))
    by_finding: dict[str, list[tuple[int, Patch]]] = {}
    for n, p in numbered:
        for fid in p.finding_ids:
            by_finding.setdefault(fid, []).append((n, p))
    findings = "".join(
        _finding_row(f, by_finding.get(f.id, ()), report, code_url) for f in report.findings
    )
    by_id = {f.id: f for f in report.findings}
    patches = "".join(_patch(n, p, by_id) for n, p in numbered)
    in_default = sum(1 for p in report.patches if p.in_default_patch)
    resources_html = "".join(_resource_row(r, code_url) for r in report.resources)
    unread = [r for r in report.resources if r.status is ResourceStatus.UNREAD]
    unread_html = "".join(
        f"<li>{_addr(r.address) if r.address else _nw(r.type)}"
        + (f" {_nw(r.id, 'rid')}" if r.id else "")
        + "</li>"
        for r in unread
    )
    problems = _problems((*report.input_problems, *report.errors))
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notices) + "".join(
        f'<li><span class="badge">warning</span> {_nw(w.scope)}: {escape(w.message)}</li>'
        for w in report.warnings
    )
    inputs = report.inputs
    scanned = "; ".join(
        part
        for part in (
            ("state " + ", ".join(_nw(st, "file") for st in inputs.states))
            if inputs.states
            else "",
            f"plan {_nw(inputs.plan, 'file')}" if inputs.plan else "",
            f"source {_nw(inputs.source, 'file')}" if inputs.source else "",
            ("regions " + ", ".join(_nw(r) for r in inputs.regions)) if inputs.regions else "",
        )
        if part
    )
    css, js = _asset("report.css"), _asset("report.js")
    csp = (
        f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; "
        "img-src data:; form-action 'none'; base-uri 'none'"
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>driftpatch report — {len(report.findings)} findings</title>"
        f"<style>{css}</style></head><body>"
        f'<h1>driftpatch report</h1><p class="muted">driftpatch {escape(report.tool_version)}, '
        f"scanned {_nw(report.scanned_at)}" + (f"<br>{scanned}" if scanned else "") + "</p>"
        f'<div class="cards">{cards}</div>'
        + (
            f'<h2 id="not-scanned">Not scanned</h2><ul class="notes">{problems}</ul>'
            if problems
            else ""
        )
        + (
            f'<h2 id="unread">Unread: not compared</h2><p class="muted">The AWS reads of these '
            "resources' types failed (see Not scanned): they were neither compared nor reported "
            f'as drift.</p><ul class="notes">{unread_html}</ul>'
            if unread
            else ""
        )
        + (f'<h2 id="notices">Notices</h2><ul class="notes">{notes}</ul>' if notes else "")
        + '<h2 id="findings">Findings</h2><div class="filters">'
        f"{sev_buttons}{kind_buttons}"
        '<input id="search" type="search" placeholder="filter…" aria-label="filter findings">'
        f'<span><span id="shown">{len(report.findings)}</span> shown</span></div>'
        '<div class="scroll"><table class="stack findings"><thead><tr><th>severity</th>'
        "<th>rule</th><th>resource</th><th>finding</th><th>where</th><th>patch</th></tr></thead>"
        f"<tbody>{findings}</tbody></table></div>"
        + (
            f'<h2 id="patches">Patches</h2><p class="muted">{len(report.patches)} patches, '
            f"{in_default} in the default patch file (<code>-o patch</code>).</p>{patches}"
            if patches
            else ""
        )
        + '<h2 id="resources">Resources</h2><div class="scroll">'
        '<table class="stack resources"><thead><tr><th>address</th>'
        "<th>type</th><th>id</th><th>status</th><th>where</th></tr></thead>"
        f"<tbody>{resources_html}</tbody></table></div>"
        f"<script>{js}</script></body></html>\n"
    )


REPORTER = Reporter("html", render, ".html", "self-contained HTML page")
