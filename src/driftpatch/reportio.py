"""Read back a saved JSON report (schema_version 1) for `driftpatch patch`."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from driftpatch import limits
from driftpatch.errors import ReportError
from driftpatch.model import (
    JSON,
    SCHEMA_VERSION,
    Category,
    Check,
    Effect,
    Finding,
    FindingHistory,
    Inputs,
    Kind,
    Location,
    Patch,
    PatchAction,
    Report,
    ResourceEntry,
    ResourceStatus,
    ScanError,
    Severity,
    Suppressed,
    SuppressionKind,
)


def load_report(path: Path) -> dict[str, JSON]:
    """The report document, checked to be a driftpatch report of schema_version 1."""
    doc = limits.load_json(path, "report", error=ReportError)
    if not isinstance(doc, dict):
        raise ReportError(f"{path}: not a driftpatch JSON report")
    tool = doc.get("tool")
    if not isinstance(tool, dict) or tool.get("name") != "driftpatch":
        raise ReportError(f"{path}: not a driftpatch JSON report")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise ReportError(
            f"{path}: report schema_version {doc.get('schema_version')!r} is not supported "
            f"(expected {SCHEMA_VERSION})"
        )
    return doc


def load_findings(path: Path) -> list[Finding]:
    doc = load_report(path)
    try:
        return [_finding(raw) for raw in doc.get("findings") or []]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # odd-typed JSON
        raise ReportError(f"{path}: malformed finding ({exc})") from exc


def _finding(raw: Any) -> Finding:
    loc = raw.get("location")
    return Finding(
        kind=Kind(raw["kind"]),
        rule_id=str(raw["rule_id"]),
        title=str(raw.get("title") or ""),
        severity=Severity(raw["severity"]),
        category=Category(raw["category"]),
        resource_type=str(raw["resource_type"]),
        address=raw.get("address"),
        resource_id=raw.get("resource_id"),
        attribute=raw.get("attribute"),
        expected=raw.get("expected"),
        actual=raw.get("actual"),
        location=Location(loc["file"], int(loc["start_line"]), int(loc["end_line"]))
        if loc
        else None,
        description=str(raw.get("description") or ""),
        risk=str(raw.get("risk") or ""),
        remediation=str(raw.get("remediation") or ""),
        references=tuple(map(str, raw.get("references") or ())),
        also=tuple(map(str, raw.get("also") or ())),
        account=raw.get("account") if isinstance(raw.get("account"), str) else None,
    )


def _suppressed(raw: Any) -> Suppressed:
    """One entry of the report's additive `suppressed` list (a finding and its suppression)."""
    how = raw["suppression"]
    return Suppressed(
        finding=_finding(raw),
        kind=SuppressionKind(how["kind"]),
        justification=str(how.get("justification") or ""),
        where=str(how.get("where") or ""),
    )


_SHA256 = re.compile(r"[0-9a-f]{64}")


def load_patches(path: Path) -> list[Patch]:
    """The report's patches, checked for shape only: whether their files may be written is
    decided against the repository by `driftpatch.fix.apply.target_path`."""
    doc = load_report(path)
    out = []
    try:
        for raw in doc.get("patches") or []:
            file, base = raw["file"], raw.get("base_sha256")
            if not isinstance(file, str) or not isinstance(raw["diff"], str):
                raise TypeError("file and diff must be strings")
            if base is not None and not (isinstance(base, str) and _SHA256.fullmatch(base)):
                raise ValueError(f"base_sha256 of {file!r} is not a sha256 hex digest")
            out.append(
                Patch(
                    file=file,
                    diff=raw["diff"],
                    finding_ids=tuple(map(str, raw.get("finding_ids") or ())),
                    action=PatchAction(raw["action"]),
                    verified=bool(raw.get("verified")),
                    note=str(raw.get("note") or ""),
                    base_sha256=base,
                    # Reports written before these fields existed load with their defaults.
                    verified_by=tuple(Check(c) for c in raw.get("verified_by") or ()),
                    plan_effect={
                        str(a): Effect(e) for a, e in (raw.get("plan_effect") or {}).items()
                    },
                    in_default_patch=bool(raw.get("in_default_patch", raw.get("verified"))),
                    reason=str(raw.get("reason") or ""),
                )
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # odd-typed JSON
        raise ReportError(f"{path}: malformed patch entry ({exc})") from exc
    return out


def _location(raw: object) -> Location | None:
    if not isinstance(raw, dict):
        return None
    return Location(str(raw["file"]), int(raw["start_line"]), int(raw["end_line"]))


def load_full_report(path: Path) -> Report:
    """A saved report as a Report again, for `report render`/`merge` and `github pr-comment`.

    What the JSON does not hold stays empty: `combined_patch` (rebuilt from the patches and the
    source by whoever needs it) and the split between input problems and read errors (both are
    `errors` in the JSON; they load as errors)."""
    doc = load_report(path)
    findings = load_findings(path)
    patches = load_patches(path)
    try:
        inputs_raw = doc.get("inputs") or {}
        assert isinstance(inputs_raw, dict)
        inputs = Inputs(
            states=tuple(map(str, inputs_raw.get("states") or ())),
            plan=inputs_raw.get("plan") if isinstance(inputs_raw.get("plan"), str) else None,
            source=inputs_raw.get("source") if isinstance(inputs_raw.get("source"), str) else None,
            regions=tuple(map(str, inputs_raw.get("regions") or ())),
        )
        resources = tuple(
            ResourceEntry(
                address=r.get("address"),
                type=str(r["type"]),
                id=r.get("id"),
                status=ResourceStatus(r["status"]),
                location=_location(r.get("location")),
                reader=r.get("reader") if isinstance(r.get("reader"), str) else None,
            )
            for r in doc.get("resources") or []
        )
        errors: list[ScanError] = []
        warnings: list[ScanError] = []
        for e in doc.get("errors") or []:
            entry = ScanError(str(e["scope"]), str(e["message"]))
            if e.get("level") == "warning":
                warnings.append(dataclasses.replace(entry, level="warning"))
            else:
                errors.append(entry)
        history = {
            str(f["id"]): FindingHistory(
                str(f["first_seen"]), str(f["last_seen"]), str(f["history"])
            )
            for f in doc.get("findings") or []
            if isinstance(f, dict) and "first_seen" in f
        }
        stats = doc.get("stats")
        notices = doc.get("notices")
        tool = doc["tool"]
        assert isinstance(tool, dict)
        return Report(
            tool_version=str(tool.get("version") or ""),
            scanned_at=str(doc.get("scanned_at") or ""),
            inputs=inputs,
            findings=tuple(findings),
            resources=resources,
            patches=tuple(patches),
            errors=tuple(errors),
            warnings=tuple(warnings),
            stats=stats if isinstance(stats, dict) else {},
            notices=tuple(map(str, notices)) if isinstance(notices, list) else (),
            anchor=_location(doc.get("anchor")),
            history=history,
            suppressed=tuple(_suppressed(raw) for raw in doc.get("suppressed") or []),
        )
    except (AssertionError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReportError(f"{path}: malformed report ({exc})") from exc
