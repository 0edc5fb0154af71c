"""`report merge`: one report from the reports of a CI matrix (states, accounts, regions).

A finding id is a content hash of what identifies the problem, so the same finding from two
shards is one finding. Patches from different reports were each made against the same
checkout: two reports patching one file cannot both be applied blindly, so only the first
report's patches to a file are kept and the others are named in a notice (scan that file's
stacks together to combine them). Errors and warnings are all kept: a merged report is
incomplete if any shard was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from driftpatch.model import (
    JSON,
    Finding,
    FindingHistory,
    Inputs,
    Patch,
    Report,
    ResourceEntry,
    Suppressed,
    finding_sort_key,
)


def _sum_stats(stats: Sequence[Mapping[str, JSON]]) -> dict[str, JSON]:
    """Numbers added up (API calls, counts), nested objects merged the same way; other values
    from the first report that has them."""
    out: dict[str, JSON] = {}
    for s in stats:
        for key, value in s.items():
            have = out.get(key)
            if isinstance(value, bool) or key not in out:
                out.setdefault(key, value)
            elif isinstance(value, int | float) and isinstance(have, int | float):
                out[key] = have + value
            elif isinstance(value, dict) and isinstance(have, dict):
                out[key] = _sum_stats([have, value])
    return out


def combined_patch(patches: Sequence[Patch]) -> str:
    """The default patch (`in_default_patch`: verified, destroys and replaces nothing) as one
    diff in report order: `git apply` takes several sections for one file in sequence, which is
    how a report's patches to one file were made, and finds a section a few lines off where a
    patch before it was left out."""
    return "".join(p.diff for p in patches if p.in_default_patch)


def merge(reports: Sequence[tuple[str, Report]]) -> Report:
    """(name, report) pairs in the order given; the name appears in notices."""
    if not reports:
        raise ValueError("nothing to merge")
    findings: dict[str, Finding] = {}
    resources: dict[tuple[str | None, str, str | None], ResourceEntry] = {}
    patches: list[Patch] = []
    owner: dict[str, str] = {}  # file -> report whose patches it keeps
    notices: list[str] = []
    history: dict[str, FindingHistory] = {}
    suppressed: dict[str, Suppressed] = {}
    for name, r in reports:
        for f in r.findings:
            findings.setdefault(f.id, f)
        for entry in r.resources:
            resources.setdefault((entry.address, entry.type, entry.id), entry)
        seen_here = {p.file for p in r.patches}
        for p in r.patches:
            if owner.setdefault(p.file, name) == name:
                patches.append(p)
        for file in sorted(seen_here):
            if owner[file] != name:
                notices.append(
                    f"{name}: its patches to {file} were left out: {owner[file]} patches that "
                    "file too and both were made against the same checkout"
                )
        for fid, h in r.history.items():
            history.setdefault(fid, h)
        for s in r.suppressed:
            suppressed.setdefault(s.finding.id, s)
        notices.extend(r.notices)
    first = reports[0][1]

    def union(values: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for vs in values for v in vs))

    inputs = Inputs(
        states=union([r.inputs.states for _, r in reports]),
        plan=next((r.inputs.plan for _, r in reports if r.inputs.plan), None),
        source=next((r.inputs.source for _, r in reports if r.inputs.source), None),
        regions=union([r.inputs.regions for _, r in reports]),
    )
    return dataclasses.replace(
        first,
        scanned_at=max(r.scanned_at for _, r in reports),
        inputs=inputs,
        findings=tuple(sorted(findings.values(), key=finding_sort_key)),
        resources=tuple(
            sorted(resources.values(), key=lambda e: (e.address or "~", e.type, e.id or ""))
        ),
        patches=tuple(patches),
        errors=tuple(dict.fromkeys(e for _, r in reports for e in r.errors)),
        input_problems=tuple(dict.fromkeys(e for _, r in reports for e in r.input_problems)),
        warnings=tuple(dict.fromkeys(w for _, r in reports for w in r.warnings)),
        stats=_sum_stats([r.stats for _, r in reports]),
        notices=tuple(dict.fromkeys(notices)),
        combined_patch=combined_patch(patches),
        anchor=next((r.anchor for _, r in reports if r.anchor is not None), None),
        history=history,
        # a finding one shard reports is not suppressed by another shard's acceptance
        suppressed=tuple(s for fid, s in suppressed.items() if fid not in findings),
    )
