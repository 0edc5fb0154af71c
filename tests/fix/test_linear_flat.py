"""Per-patch work proportional to the edit, not the file (issue 13, benchmarks/patch_scale.py)
changes no patch: a `check` whose patches are made and verified with every incremental path
on (blocks moved as runs and joined often, common ends and line counts taken from the edit,
the World kept across edits) gives byte-identical patches to one that parses, compares and
groups everything afresh for every patch. The text helpers are checked against brute force
on random edits of a large text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from driftpatch import api, seqs
from driftpatch.config import Config, VerifyMode
from driftpatch.fix import diff, hcl_edit
from driftpatch.fix.operations import Edit
from driftpatch.fix.verify import SplicedTexts
from driftpatch.model import Report
from driftpatch.rules import subjects
from driftpatch.terraform import source

ROLES = 3  # unflagged blocks between two flagged ones

KEY = """
resource "aws_kms_key" "k{i}" {{
  description         = "key {i}"
  enable_key_rotation = false
  tags = {{
    Name = "k{i}"
  }}
}}
"""

LOGS = """
resource "aws_cloudwatch_log_group" "lg{i}" {{
  name       = "/app/{i}"
  kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/{i}"
}}
"""

ROLE = """
resource "aws_iam_role" "r{i}_{j}" {{
  name = "role-{i}-{j}"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole" }}]
  }})
}}
"""


def _stack(root: Path, flagged: int) -> Path:
    parts = ['provider "aws" {\n  region = "us-east-1"\n}\n']
    for i in range(flagged):
        parts.append((KEY if i % 2 == 0 else LOGS).format(i=i))
        parts.extend(ROLE.format(i=i, j=j) for j in range(ROLES))
    (root / "main.tf").write_text("".join(parts), encoding="utf-8")
    return root


def _check(root: Path) -> Report:
    source.clear_parse_cache()
    return api.check(Config(source=root, checkov=False, offline=True, verify=VerifyMode.STATIC))


def _patches(report: Report) -> list[tuple[object, ...]]:
    return [
        (p.file, p.diff, p.finding_ids, p.action, p.verified, p.verified_by, p.base_sha256)
        for p in report.patches
    ]


def test_incremental_patches_equal_a_fresh_index_per_patch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _stack(tmp_path, flagged=24)
    # Every incremental path taken often on a small file: runs joined every few edits, line
    # marks every 512 characters.
    with monkeypatch.context() as m:
        m.setattr(source, "_MIN_RUNS", 2)
        m.setattr(diff, "_STRIDE", 512)
        quick = _check(root)
    assert len(quick.patches) == 24
    assert all(p.verified for p in quick.patches)
    # The reference: each version parsed whole, no common ends kept, the code subjects and
    # their World built from scratch after each edit.
    with monkeypatch.context() as m:
        m.setattr(source, "_splice", lambda old, text: None)
        m.setattr(seqs, "_LARGE", 1 << 60)
        m.setattr(subjects.EditedCode, "edited", lambda self, index, files: type(self)(index))
        fresh = _check(root)
    assert _patches(quick) == _patches(fresh)
    assert [f.id for f in quick.findings] == [f.id for f in fresh.findings]


def _random_edit(rng: random.Random, text: str) -> tuple[str, int, int, int]:
    start = rng.randrange(len(text))
    stop = min(len(text), start + rng.randrange(0, 40))
    new = rng.choice(["", "x", "\n", "a\nb\n", text[start:stop], "  = 1\n" * rng.randrange(3)])
    out = text[:start] + new + text[stop:]
    return out, start, stop, start + len(new)


def test_common_ends_and_line_counts_follow_the_edits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diff, "_STRIDE", 256)
    rng = random.Random(13)
    text = "".join(f"line {i % 7}\n" if i % 5 else "\n" for i in range(3000))
    for step in range(300):
        new, start, stop, new_stop = _random_edit(rng, text)
        if step % 3:
            seqs.note_edit(text, new, start, stop, new_stop)
        shortest = min(len(text), len(new))
        limit = rng.randrange(shortest + 1)
        assert seqs.common_prefix(text, new, limit) == seqs._searched_prefix(text, new, limit)
        assert seqs.common_suffix(new, text, limit) == seqs._searched_suffix(new, text, limit)
        lines = diff._Newlines.of(new, text)
        for pos in (0, start, new_stop, len(new), rng.randrange(len(new) + 1)):
            assert lines.before(pos) == new.count("\n", 0, pos)
        assert diff._line_count(new) == len(new.splitlines())
        assert lines.plain
        text = new


def test_standalone_texts_from_the_edits_equal_those_from_the_full_texts() -> None:
    rng = random.Random(5)
    original = "".join(f"  key_{i % 9} = {i % 4}\n" if i % 6 else "}\n" for i in range(800))
    originals = {"main.tf": original}
    for _ in range(200):
        edits: list[hcl_edit.TextEdit] = []
        at = rng.randrange(len(original) - 200)
        for _ in range(rng.randrange(1, 4)):
            stop = at + rng.randrange(0, 30)
            cut = original[at:stop]
            text = rng.choice(["", "x", "\n", cut, cut + "\n", original[stop : stop + 5]])
            edits.append(hcl_edit.TextEdit(at, stop, text))
            at = stop + rng.randrange(0, 50)
        edit = Edit("main.tf", tuple(edits))
        full = {"main.tf": hcl_edit.apply_edits(original, edits)}
        made = SplicedTexts.edited(originals, [edit])
        assert made._parts == SplicedTexts(originals, full)._parts
        assert made["main.tf"] == full["main.tf"]


def test_reparsed_blocks_equal_a_full_parse_after_edits_anywhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Runs cut, moved and joined (every other edit here) in any order of edits: each
    version's blocks, names and positions are the full parse's."""
    monkeypatch.setattr(source, "_MIN_RUNS", 2)
    rng = random.Random(11)
    text = "".join(
        f'resource "aws_kms_key" "k{i}" {{\n  description = "{i}"\n}}\n\n' for i in range(30)
    )
    parsed = source.parse_text(text, "m.tf")
    for _ in range(60):
        i = rng.randrange(30)
        old = f'"k{i}" {{\n  description = "'
        at = text.index(old) + len(old)
        text = text[:at] + "x" * rng.randrange(0, 4) + "\n" * rng.randrange(0, 2) + text[at:]
        text = text.replace('"\n"', '"', 1) if rng.random() < 0.3 else text
        parsed = source.reparse(parsed, text)
        whole = source._Reader("m.tf", text).parse()
        assert list(parsed.blocks) == list(whole.blocks)
        assert [parsed.blocks[k] for k in range(len(whole.blocks))] == list(whole.blocks)
        assert parsed.names == whole.names
        assert parsed.positions == whole.positions
