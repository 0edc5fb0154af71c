"""Render every requested format first, then write: a failing renderer never leaves a file
half-written, and each file is replaced atomically."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from driftpatch.config import OutputSpec
from driftpatch.errors import ReportError
from driftpatch.model import Report
from driftpatch.report import REPORTERS


def render_all(
    report: Report, specs: Sequence[OutputSpec], *, tty: bool
) -> list[tuple[OutputSpec, str]]:
    return [
        (spec, REPORTERS[spec.format].render(report, tty and spec.path is None)) for spec in specs
    ]


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory and rename over the target."""
    path = path.expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from exc


def write_outputs(report: Report, specs: Sequence[OutputSpec]) -> None:
    rendered = render_all(report, specs, tty=sys.stdout.isatty())
    for spec, text in rendered:
        if spec.path is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            write_atomic(spec.path, text)
