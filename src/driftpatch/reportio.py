"""Read back a saved JSON report (schema_version 1) for `driftpatch patch`."""

from __future__ import annotations

import json
from pathlib import Path

from driftpatch.errors import ReportError
from driftpatch.model import SCHEMA_VERSION, Patch, PatchAction


def load_patches(path: Path) -> list[Patch]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ReportError(f"{path}: cannot read report: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("tool", {}).get("name") != "driftpatch":
        raise ReportError(f"{path}: not a driftpatch JSON report")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise ReportError(
            f"{path}: report schema_version {doc.get('schema_version')!r} is not supported "
            f"(expected {SCHEMA_VERSION})"
        )
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
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportError(f"{path}: malformed patch entry ({exc})") from exc
    for p in out:
        if p.file.startswith("/") or ".." in Path(p.file).parts:
            raise ReportError(f"{path}: patch path {p.file!r} leaves the repository")
    return out
