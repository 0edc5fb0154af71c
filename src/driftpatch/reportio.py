"""Read back a saved JSON report (schema_version 1) for `driftpatch patch`."""

from __future__ import annotations

from pathlib import Path

from driftpatch import limits
from driftpatch.errors import ReportError
from driftpatch.model import (
    JSON,
    SCHEMA_VERSION,
    Category,
    Finding,
    Kind,
    Location,
    Patch,
    PatchAction,
    Severity,
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
    out = []
    try:
        for raw in doc.get("findings") or []:
            loc = raw.get("location")
            out.append(
                Finding(
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
                )
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # odd-typed JSON
        raise ReportError(f"{path}: malformed finding ({exc})") from exc
    return out


def load_patches(path: Path) -> list[Patch]:
    doc = load_report(path)
    out = []
    try:
        for raw in doc.get("patches") or []:
            out.append(
                Patch(
                    file=str(raw["file"]),
                    diff=str(raw["diff"]),
                    finding_ids=tuple(map(str, raw.get("finding_ids") or ())),
                    action=PatchAction(raw["action"]),
                    verified=bool(raw.get("verified")),
                    note=str(raw.get("note") or ""),
                    base_sha256=raw.get("base_sha256"),
                )
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # odd-typed JSON
        raise ReportError(f"{path}: malformed patch entry ({exc})") from exc
    for p in out:
        if p.file.startswith("/") or ".." in Path(p.file).parts:
            raise ReportError(f"{path}: patch path {p.file!r} leaves the repository")
    return out
