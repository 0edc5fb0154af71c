"""A single self-contained HTML page: readable without JavaScript, filterable with it.

No external assets (CI artefacts are often opened offline); everything is escaped.
"""

from __future__ import annotations

import json
from html import escape

from driftpatch.model import Finding, Patch, Report, ResourceStatus, Severity
from driftpatch.report.base import Reporter

_CSS = """
:root{--c:#b00020;--h:#d9480f;--m:#b08900;--l:#1c7ed6;--i:#868e96;font-family:system-ui,sans-serif}
body{margin:2rem auto;max-width:1200px;padding:0 1rem;color:#212529}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
.cards{display:flex;gap:.75rem;flex-wrap:wrap}.card{border:1px solid #dee2e6;border-radius:6px;
padding:.5rem 1rem;min-width:7rem}.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #e9ecef;
padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f8f9fa}
code{font-size:.85em;word-break:break-all}.sev{font-weight:600;text-transform:uppercase}
.sev-critical{color:var(--c)}.sev-high{color:var(--h)}.sev-medium{color:var(--m)}
.sev-low{color:var(--l)}.sev-info{color:var(--i)}details{margin:.25rem 0}
.filters{margin:1rem 0;display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
.filters button{border:1px solid #ced4da;background:#fff;border-radius:4px;padding:.2rem .6rem}
.filters button[aria-pressed=true]{background:#212529;color:#fff}
pre.diff{background:#f8f9fa;padding:.5rem;overflow:auto}.add{color:#2b8a3e}.del{color:#c92a2a}
.hidden{display:none}.rid{color:#868e96;font-size:.8em}
"""

_JS = """
(function(){
  const rows=[...document.querySelectorAll('tr.finding')];
  const state={severity:null,kind:null,text:''};
  function apply(){
    let shown=0;
    for(const r of rows){
      const ok=(!state.severity||r.dataset.severity===state.severity)&&
        (!state.kind||r.dataset.kind===state.kind)&&
        (!state.text||r.textContent.toLowerCase().includes(state.text));
      r.classList.toggle('hidden',!ok); if(ok) shown++;
    }
    document.getElementById('shown').textContent=shown;
  }
  for(const b of document.querySelectorAll('.filters button')){
    b.addEventListener('click',()=>{
      const k=b.dataset.filter,v=b.dataset.value;
      state[k]=state[k]===v?null:v;
      for(const o of document.querySelectorAll(`.filters button[data-filter=${k}]`))
        o.setAttribute('aria-pressed',String(state[k]===o.dataset.value));
      apply();
    });
  }
  document.getElementById('search').addEventListener('input',e=>{
    state.text=e.target.value.toLowerCase(); apply();
  });
  apply();
})();
"""


def _e(value: object) -> str:
    return escape(value if isinstance(value, str) else json.dumps(value, sort_keys=True))


def _finding_row(f: Finding) -> str:
    subject = f.address or f"{f.resource_type} {f.resource_id}"
    values = ""
    if f.kind.value == "drift":
        values = (
            f"<div>code: <code>{_e(f.expected)}</code></div>"
            f"<div>live: <code>{_e(f.actual)}</code></div>"
        )
    refs = ", ".join(
        f'<a href="{escape(r)}">{escape(r)}</a>' if r.startswith("https://") else escape(r)
        for r in f.references
    )
    details = (
        f"<details><summary>{escape(f.title)}</summary>"
        f"<p>{escape(f.description)}</p>"
        + (f"<p><b>Risk:</b> {escape(f.risk)}</p>" if f.risk else "")
        + (f"<p><b>Fix:</b> {escape(f.remediation)}</p>" if f.remediation else "")
        + (f"<p><b>References:</b> {refs}</p>" if refs else "")
        + (f"<p><b>Also:</b> {escape(', '.join(f.also))}</p>" if f.also else "")
        + "</details>"
    )
    where = f"<code>{escape(str(f.location))}</code>" if f.location else "—"
    rid = f'<div class="rid">{escape(f.resource_id)}</div>' if f.address and f.resource_id else ""
    return (
        f'<tr class="finding" data-severity="{f.severity.value}" data-kind="{f.kind.value}" '
        f'id="f-{f.id}">'
        f'<td class="sev sev-{f.severity.value}">{f.severity.value}</td>'
        f"<td><code>{escape(f.rule_id)}</code></td><td>{escape(f.kind.value)}</td>"
        f"<td><code>{escape(subject)}</code>{rid}</td>"
        f"<td><code>{escape(f.attribute or '')}</code></td>"
        f"<td>{details}{values}</td><td>{where}</td></tr>"
    )


def _diff(p: Patch) -> str:
    lines = []
    for line in p.diff.splitlines():
        cls = (
            "add"
            if line.startswith("+") and not line.startswith("+++")
            else ("del" if line.startswith("-") and not line.startswith("---") else "")
        )
        lines.append(f'<span class="{cls}">{escape(line)}</span>' if cls else escape(line))
    state = "verified" if p.verified else "not verified"
    note = f"<p>{escape(p.note)}</p>" if p.note else ""
    return (
        f"<h3><code>{escape(p.file)}</code> — {escape(p.action.value)} ({state})</h3>{note}"
        f'<pre class="diff">{chr(10).join(lines)}</pre>'
    )


def render(report: Report, color: bool = False) -> str:
    s = report.summary()
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
        )
    )
    sev_buttons = "".join(
        f'<button data-filter="severity" data-value="{v.value}" aria-pressed="false">'
        f"{v.value} ({s['by_severity'][v.value]})</button>"
        for v in Severity
    )
    kinds = sorted({f.kind.value for f in report.findings})
    kind_buttons = "".join(
        f'<button data-filter="kind" data-value="{k}" aria-pressed="false">{k}</button>'
        for k in kinds
    )
    findings = "".join(_finding_row(f) for f in report.findings)
    resources = "".join(
        f"<tr><td><code>{escape(r.address or '')}</code></td><td>{escape(r.type)}</td>"
        f"<td><code>{escape(r.id or '')}</code></td><td>{escape(r.status.value)}</td>"
        f"<td>{escape(str(r.location)) if r.location else ''}</td></tr>"
        for r in report.resources
    )
    patches = "".join(_diff(p) for p in report.patches)
    problems = "".join(
        f"<li><code>{escape(e.scope)}</code>: {escape(e.message)}</li>"
        for e in (*report.input_problems, *report.errors)
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>driftpatch report — {len(report.findings)} findings</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>driftpatch report</h1><p>driftpatch {escape(report.tool_version)}, "
        f"scanned {escape(report.scanned_at)}</p>"
        f'<div class="cards">{cards}</div>'
        + (f"<h2>Not scanned</h2><ul>{problems}</ul>" if problems else "")
        + '<h2>Findings</h2><div class="filters">'
        f"{sev_buttons}{kind_buttons}"
        '<input id="search" type="search" placeholder="filter…" aria-label="filter findings">'
        f'<span><span id="shown">{len(report.findings)}</span> shown</span></div>'
        "<table><thead><tr><th>severity</th><th>rule</th><th>kind</th><th>resource</th>"
        f"<th>attribute</th><th>finding</th><th>where</th></tr></thead><tbody>{findings}</tbody>"
        "</table>"
        + (f"<h2>Patches</h2>{patches}" if patches else "")
        + "<h2>Resources</h2><table><thead><tr><th>address</th><th>type</th><th>id</th>"
        f"<th>status</th><th>where</th></tr></thead><tbody>{resources}</tbody></table>"
        f"<script>{_JS}</script></body></html>\n"
    )


REPORTER = Reporter("html", render, ".html", "self-contained HTML page")
