"""What a remedy is: an operation on the source tree that yields text edits and a note.

Shared by fix/remedies.py (which chooses remedies) and fix/ownership.py (remedies that respect
which resource owns a setting), and run by fix/verify.py on a working copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from driftpatch.fix.hcl_edit import TextEdit
from driftpatch.model import PatchAction
from driftpatch.terraform.source import SourceIndex


class NoPatch(Exception):
    """Why a finding gets no patch (a value, not a failure: it ends up in the patch note)."""


@dataclass(frozen=True)
class Edit:
    """Text edits on one file; `new_file` when the file does not exist yet."""

    file: str
    edits: tuple[TextEdit, ...]
    new_file: bool = False


# An operation reads the current index (files as already edited) and returns edits + a note.
OperationFn = Callable[[SourceIndex], tuple[list[Edit], str]]


@dataclass(frozen=True)
class Operation:
    finding_ids: tuple[str, ...]
    action: PatchAction
    run: OperationFn
    # What verification re-checks after the edit (see fix/verify.py).
    expect: Mapping[str, Any] = field(default_factory=dict)


def apply_command(address: str) -> str:
    return f"terraform apply -target='{address}'"
