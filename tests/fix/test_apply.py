"""Saved patches: exact round trip, strict conflicts, refusal on changed files, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftpatch.fix.apply import PatchConflict, apply_diff, plan_application, write_all
from driftpatch.fix.diff import sha256, unified
from driftpatch.model import Patch, PatchAction

LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "x = 1\n", "}\n", "\n"]), max_size=15)


@given(old=LINES, new=LINES, strip_old=st.booleans(), strip_new=st.booleans())
def test_diff_then_apply_round_trips(
    old: list[str], new: list[str], strip_old: bool, strip_new: bool
) -> None:
    a, b = "".join(old), "".join(new)
    a = a.rstrip("\n") if strip_old else a
    b = b.rstrip("\n") if strip_new else b
    diff = unified("f.tf", a, b)
    assert (apply_diff(a, diff, "f.tf") if diff else a) == b


def test_new_file_and_conflicts() -> None:
    diff = unified("new.tf", None, "x = 1\n")
    assert apply_diff(None, diff, "new.tf") == "x = 1\n"
    with pytest.raises(PatchConflict, match="already exists"):
        apply_diff("y\n", diff, "new.tf")
    change = unified("f.tf", "a\nb\nc\n", "a\nB\nc\n")
    with pytest.raises(PatchConflict, match="lines around line 1 differ"):
        apply_diff("a\nb2\nc\n", change, "f.tf")
    # found a few lines off, as git apply finds it; never with a line that differs
    assert apply_diff("x\ny\na\nb\nc\n", change, "f.tf") == "x\ny\na\nB\nc\n"


def test_any_subset_of_a_files_sequential_patches_applies() -> None:
    base = "".join(f"l{i}\n" for i in range(1, 21))
    one = base.replace("l3\n", "l3\nadded-a\nadded-b\n")
    two = one.replace("l15\n", "L15\n")
    second = unified("f.tf", one, two)  # made on top of the first
    assert apply_diff(base, second, "f.tf") == base.replace("l15\n", "L15\n")


def _patch(file: str, old: str | None, new: str) -> Patch:
    return Patch(
        file,
        unified(file, old, new),
        ("id",),
        PatchAction.CODIFY,
        True,
        base_sha256=sha256(old) if old is not None else None,
    )


def test_chained_patches_apply_in_order_and_refuse_changed_files(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("a = 1\nb = 2\n")
    first = _patch("main.tf", "a = 1\nb = 2\n", "a = 10\nb = 2\n")
    second = Patch(
        "main.tf",
        unified("main.tf", "a = 10\nb = 2\n", "a = 10\nb = 20\n"),
        ("id2",),
        PatchAction.FIX,
        True,
        base_sha256=sha256("a = 10\nb = 2\n"),
    )
    added = _patch("imported.tf", None, "import {}\n")
    result = plan_application([first, second, added], tmp_path)
    assert result.files == {"main.tf": "a = 10\nb = 20\n", "imported.tf": "import {}\n"}
    assert write_all(result, tmp_path) == ["imported.tf", "main.tf"]
    assert (tmp_path / "main.tf").read_text() == "a = 10\nb = 20\n"
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(PatchConflict, match=r"main\.tf changed since the scan"):
        plan_application([first], tmp_path)


def test_nothing_is_written_when_one_patch_fails(tmp_path: Path) -> None:
    (tmp_path / "a.tf").write_text("a = 1\n")
    (tmp_path / "b.tf").write_text("b = 2\n")
    good = _patch("a.tf", "a = 1\n", "a = 9\n")
    bad = Patch("b.tf", unified("b.tf", "b = 3\n", "b = 4\n"), ("x",), PatchAction.FIX, True)
    with pytest.raises(PatchConflict):
        plan_application([good, bad], tmp_path)
    assert (tmp_path / "a.tf").read_text() == "a = 1\n"
