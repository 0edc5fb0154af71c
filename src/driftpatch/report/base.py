"""The reporter interface: one module per output format, each exporting `REPORTER`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from driftpatch.model import Report

Render = Callable[[Report, bool], str]


@dataclass(frozen=True)
class Reporter:
    name: str
    # render(report, color) -> text; `color` is only honoured by terminal formats.
    render: Render
    extension: str
    description: str
