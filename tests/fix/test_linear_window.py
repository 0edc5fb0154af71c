"""Diffs from the lines around an edit (fix/diff.py `_windowed`) equal the whole-file path:
the same opcodes and the same unified diff, on chains of random edits of a large file (the
line counts kept for the last version are moved along with each edit, as verification does)."""

from __future__ import annotations

import random

import pytest

from driftpatch.fix import diff
from driftpatch.fix.diff import opcodes, text_opcodes, unified


def _file(blocks: int) -> list[str]:
    lines: list[str] = []
    for i in range(blocks):
        lines += [
            f'resource "aws_kms_key" "k{i}" {{\n',
            f'  description         = "key {i}"\n',
            "  enable_key_rotation = false\n",
            "  tags = {\n",
            f'    Name = "k{i % 7}"\n',
            "  }\n",
            "}\n",
            "\n",
        ]
    return lines


def _edit(rng: random.Random, lines: list[str]) -> list[str]:
    out = list(lines)
    at = rng.randrange(len(out))
    kind = rng.choice(["set", "insert", "insert-same", "delete", "block", "append", "first", "cut"])
    if kind == "set":
        out[at] = out[at].replace("false", "true") if "false" in out[at] else "  x = 1\n"
    elif kind == "insert":
        out[at:at] = [f"  retention_in_days = {rng.randrange(1000)}\n"]
    elif kind == "insert-same":  # next to a line like it: head and tail overlap
        out[at:at] = [out[at]]
    elif kind == "delete":
        del out[at : at + rng.randrange(1, 4)]
    elif kind == "block":
        out[at:at] = ['resource "aws_vpc" "x" {\n', "}\n", "\n"]
    elif kind == "append":
        out += ['resource "aws_vpc" "end" {\n', "}\n"]
    elif kind == "first":
        out[0] = "# a comment\n"
    else:  # the last line loses its newline, or gets it back
        out[-1] = out[-1].rstrip("\n") if out[-1].endswith("\n") else out[-1] + "\n"
    return out


def _whole(path: str, old: str, new: str) -> tuple[str, list[diff.Opcode]]:
    """The diff and opcodes from the whole files' lines (the kept line counts set aside)."""
    kept = list(diff._counted)
    diff._counted.clear()
    try:
        a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
        return unified(path, old, new), opcodes(a, b)
    finally:
        diff._counted[:] = kept


@pytest.mark.parametrize("seed", range(3))
def test_windowed_diffs_equal_the_whole_file_ones(seed: int) -> None:
    rng = random.Random(seed)
    lines = _file(400)  # 3,200 lines: over the size matched whole
    text = "".join(lines)
    diff._counted.clear()
    windowed = 0
    for _ in range(60):
        new_lines = _edit(rng, lines)
        new = "".join(new_lines)
        if new == text:
            continue
        want_diff, want_codes = _whole("main.tf", text, new)
        if diff._windowed(text, new, 3) is not None:
            windowed += 1
        assert text_opcodes(text, new) == want_codes
        assert unified("main.tf", text, new) == want_diff
        lines, text = new_lines, new
    assert windowed >= 30  # most edits are diffed around the edit, not over the file


def test_other_line_breaks_and_small_files_are_diffed_whole() -> None:
    lines = _file(400)
    text = "".join(lines)
    crlf = text.replace("\n", "\r\n")
    edited = crlf.replace('key 7"', 'key 8"', 1)
    diff._counted.clear()
    diff._seed(crlf, crlf.splitlines(keepends=True))
    assert diff._windowed(crlf, edited, 3) is None
    small = "".join(_file(10))
    assert diff._windowed(small, small.replace("false", "true", 1), 3) is None
    assert unified("x.tf", crlf, edited) == _whole("x.tf", crlf, edited)[0]
