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


def list_delta(expected: object, actual: object) -> tuple[list[object], list[object]] | None:
    """(removed, added) elements when both sides are lists (security group rules, ARNs...),
    which reads better than two whole lists; None otherwise."""
    if not isinstance(expected, list) or not isinstance(actual, list):
        return None
    removed = [e for e in expected if e not in actual]
    added = [a for a in actual if a not in expected]
    return removed, added
