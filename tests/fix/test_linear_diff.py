"""Per-patch work in the size of the patch: diffs (fix/diff.py) and PR suggestions
(report/markdown.py `standalone`) against from-scratch recomputations on randomised edits."""

from __future__ import annotations

import dataclasses
import difflib
import random
from pathlib import Path

import pytest

from driftpatch import api
from driftpatch.config import Config, VerifyMode
from driftpatch.fix.diff import LineMap, unified
from driftpatch.model import Patch, PatchAction
from driftpatch.report.markdown import Suggestion, _changes, standalone, suggestion


def _block(i: int) -> list[str]:
    return [
        f'resource "aws_kms_key" "k{i}" {{\n',
        f'  description         = "key {i}"\n',
        "  enable_key_rotation = false\n",
        "  tags = {\n",
        f'    Name = "k{i}"\n',
        "  }\n",
        "}\n",
        "\n",
    ]


def _difflib(path: str, a: list[str], b: list[str]) -> str:
    """What unified() wrote before it cut the unchanged head and tail: difflib over the
    whole files (the files here end with a newline)."""
    body = "".join(difflib.unified_diff(a, b, f"a/{path}", f"b/{path}", n=3))
    return f"diff --git a/{path} b/{path}\n{body}" if body else ""


def _edit(
    rng: random.Random, lines: list[str], blocks: int, serial: int, kinds: int = 3
) -> list[str]:
    """One patch-like edit of a random original block: its rotation turned on, an argument
    inserted, or a new block added after it."""
    out = list(lines)
    i = rng.randrange(blocks)
    base = out.index(f'resource "aws_kms_key" "k{i}" {{\n')
    end = out.index("}\n", base)
    kind = rng.randrange(kinds)
    if kind == 0:
        out[base + 1 : end] = [
            "  enable_key_rotation = true\n" if line == "  enable_key_rotation = false\n" else line
            for line in out[base + 1 : end]
        ]
    elif kind == 1:
        out.insert(base + 1, f"  deletion_window_in_days = {serial % 23 + 7}\n")
    else:
        out[end + 2 : end + 2] = _block(100_000 + serial)
    return out


@pytest.mark.parametrize("blocks", [5, 40, 400, 1500])
def test_diffs_equal_difflib_over_the_whole_file(blocks: int) -> None:
    """Large files take the fast path (head and tail cut, popular lines as difflib counts
    them in the whole file); small ones the whole-file path. Both give difflib's text, for
    one edit (a patch) and for many at once (the combined patch)."""
    rng = random.Random(blocks)
    original = [line for i in range(blocks) for line in _block(i)]
    current = original
    for serial in range(12):
        edited = _edit(rng, current, blocks, serial)
        assert unified("main.tf", "".join(current), "".join(edited)) == _difflib(
            "main.tf", current, edited
        )
        current = edited
    assert unified("main.tf", "".join(original), "".join(current)) == _difflib(
        "main.tf", original, current
    )


def test_a_diff_of_a_file_without_a_final_newline_marks_it() -> None:
    lines = [line for i in range(400) for line in _block(i)]
    old = "".join(lines).rstrip("\n")
    new = old + "\n# end"
    diff = unified("main.tf", old, new)
    assert diff.endswith(
        "@@ -3196,4 +3196,5 @@\n"
        "   tags = {\n"
        '     Name = "k399"\n'
        "   }\n"
        "-}\n"
        "\\ No newline at end of file\n"
        "+}\n"
        "+# end\n"
        "\\ No newline at end of file\n"
    )


def _patch(old: list[str], new: list[str], k: int) -> Patch:
    diff = unified("main.tf", "".join(old), "".join(new))
    return Patch(
        file="main.tf", diff=diff, finding_ids=(str(k),), action=PatchAction.FIX, verified=True
    )


def _quadratic(patches: tuple[Patch, ...]) -> list[Suggestion | None]:
    """The mapping as it was: every earlier change of the file walked for every patch."""
    earlier: dict[str, list[list[tuple[int, int, int]]]] = {}
    out: list[Suggestion | None] = []
    for patch in patches:
        sug = suggestion(patch)
        start = sug.start if sug is not None else 0
        end = sug.end if sug is not None else 0
        for h_start, old_len, new_len in [
            c for d in reversed(earlier.get(patch.file, [])) for c in reversed(d)
        ]:
            if sug is None:
                break
            if end < h_start:
                continue
            if start >= h_start + new_len:
                start, end = start - new_len + old_len, end - new_len + old_len
                continue
            sug = None
        out.append(dataclasses.replace(sug, start=start, end=end) if sug is not None else None)
        earlier.setdefault(patch.file, []).append(_changes(patch.diff))
    return out


def test_suggestions_of_many_patches_are_each_patch_alone_on_the_original() -> None:
    """Patches made one on top of another (as a report holds them), at separate places:
    each one's suggestion is exactly the one of the same edit made alone on the original."""
    rng = random.Random(7)
    blocks = 300
    original = [line for i in range(blocks) for line in _block(i)]
    chosen = rng.sample(range(blocks), 120)
    current, patches, alone = original, [], []
    done: list[tuple[int, int, list[str]]] = []
    for serial, b in enumerate(chosen):
        kind = serial % 3
        edits = {
            0: (b * 8 + 2, 1, ["  enable_key_rotation = true\n"]),
            1: (b * 8 + 2, 0, [f"  deletion_window_in_days = {serial % 23 + 7}\n"]),
            2: (b * 8 + 4, 1, [f'    Name = "key-{serial}"\n', '    Team = "platform"\n']),
        }
        at, removed, added = edits[kind]
        # Where the edit is in the current text: its original place, moved by earlier edits.
        shift = sum(len(a) - r for (o, r, a) in done if o < at)
        edited = list(current)
        edited[at + shift : at + shift + removed] = added
        patches.append(_patch(current, edited, serial))
        by_itself = list(original)
        by_itself[at : at + removed] = added
        alone.append(suggestion(_patch(original, by_itself, serial)))
        done.append((at, removed, added))
        current = edited
    got = standalone(tuple(patches))
    assert got == alone
    assert got == _quadratic(tuple(patches))
    assert None not in got
    first = chosen[0]
    assert got[0] == Suggestion(
        "main.tf", first * 8 + 3, first * 8 + 3, ("  enable_key_rotation = true",)
    )
    assert got[1] == Suggestion(
        "main.tf",
        chosen[1] * 8 + 2,
        chosen[1] * 8 + 2,
        (f'  description         = "key {chosen[1]}"', "  deletion_window_in_days = 8"),
    )
    assert got[2] == Suggestion(
        "main.tf",
        chosen[2] * 8 + 5,
        chosen[2] * 8 + 5,
        ('    Name = "key-2"', '    Team = "platform"'),
    )


@pytest.mark.parametrize("seed", range(6))
def test_suggestion_mapping_equals_the_walk_over_every_earlier_change(seed: int) -> None:
    """Random edits anywhere, overlapping earlier ones too (those have no standalone form)."""
    rng = random.Random(seed)
    text = [f"line {i}\n" for i in range(rng.randint(20, 400))]
    patches = []
    for k in range(60):
        new = list(text)
        p = rng.randrange(len(new))
        r = rng.random()
        if r < 0.3:
            new[p:p] = [f"ins {k}.{j}\n" for j in range(rng.randint(1, 3))]
        elif r < 0.6 and len(new) > 10:
            new[p : p + rng.randint(1, 3)] = [f"rep {k}.{j}\n" for j in range(rng.randint(0, 3))]
        else:
            new[p] = f"chg {k}\n"
        patches.append(_patch(text, new, k))
        text = new
    got = standalone(tuple(patches))
    assert got == _quadratic(tuple(patches))
    assert any(s is None for s in got) and any(s is not None for s in got)


@pytest.mark.parametrize("blocks", [40, 400, 1500])
def test_combined_diff_through_the_line_map_equals_difflib(blocks: int) -> None:
    """The working copy records each edit in a LineMap; the combined diff then matches only
    the stretches between the lines no edit touched: difflib's text over the whole files
    (values changed, arguments inserted)."""
    rng = random.Random(blocks + 1)
    original = [line for i in range(blocks) for line in _block(i)]
    lines = LineMap(len(original))
    current = original
    for serial in range(blocks // 4):
        edited = _edit(rng, current, blocks, serial, kinds=2)
        lines.apply(current, edited)
        current = edited
    assert unified("main.tf", "".join(original), "".join(current), lines_of=lines) == _difflib(
        "main.tf", original, current
    )


def test_combined_diff_places_each_inserted_block_where_its_own_diff_did() -> None:
    """A block inserted after a block like it can be shown at two places; difflib over the
    whole file picks one by the longest run of rare lines anywhere in it, the combined diff of
    a large file keeps the place the block's own patch showed. It applies to the original."""
    rng = random.Random(3)
    blocks = 400
    original = [line for i in range(blocks) for line in _block(i)]
    lines = LineMap(len(original))
    current = original
    for serial in range(60):
        edited = _edit(rng, current, blocks, serial)
        lines.apply(current, edited)
        current = edited
    combined = unified("main.tf", "".join(original), "".join(current), lines_of=lines)
    assert _applied(original, combined) == current
    assert combined != _difflib("main.tf", original, current)  # the case this test is about


def _applied(original: list[str], diff: str) -> list[str]:
    """`diff` (one file, every line ending in a newline) applied to `original`."""
    out: list[str] = []
    at = 0
    for line in diff.splitlines(keepends=True):
        if line.startswith("@@"):
            start = int(line.split()[1].split(",")[0][1:])
            out.extend(original[at : start - 1])
            at = start - 1
        elif line.startswith((" ", "-")) and not line.startswith("--- "):
            assert original[at] == line[1:]
            if line[0] == " ":
                out.append(line[1:])
            at += 1
        elif line.startswith("+") and not line.startswith("+++ "):
            out.append(line[1:])
    return out + original[at:]


def test_pr_suggestions_of_a_checked_stack_are_each_fix_alone(tmp_path: Path) -> None:
    """`check` on one file with a misconfiguration in every other block: the report's
    patches are made one on top of another; each PR suggestion is the fix made alone on the
    file under review, on its lines."""
    text = "".join(
        f'resource "aws_kms_key" "k{i}" {{\n'
        f'  description         = "key {i}"\n'
        f"  enable_key_rotation = {'false' if i % 2 == 0 else 'true'}\n"
        "}\n\n"
        f'resource "aws_cloudwatch_log_group" "lg{i}" {{\n'
        f'  name       = "/app/{i}"\n'
        f'  kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/{i}"\n'
        + ("  retention_in_days = 365\n" if i % 2 == 0 else "")
        + "}\n\n"
        for i in range(30)
    )
    (tmp_path / "main.tf").write_text(text)
    report = api.check(
        Config(source=tmp_path, checkov=False, offline=True, verify=VerifyMode.STATIC)
    )
    patches = [p for p in report.patches if p.file == "main.tf"]
    assert len(patches) == 30
    got = standalone(tuple(patches))
    for patch, sug in zip(patches, got, strict=True):
        assert sug is not None
        alone = suggestion(
            dataclasses.replace(patch, diff=unified("main.tf", text, _alone(text, sug)))
        )
        assert sug == alone
    lines = text.splitlines()
    by_line = {sug.start: sug for sug in got if sug is not None}
    key0 = lines.index('resource "aws_kms_key" "k0" {') + 3  # its rotation line, 1-based
    assert by_line[key0] == Suggestion("main.tf", key0, key0, ("  enable_key_rotation = true",))
    lg29 = lines.index('resource "aws_cloudwatch_log_group" "lg29" {') + 1  # 1-based
    (retention,) = [sug for k, sug in by_line.items() if lg29 < k <= lg29 + 4]
    assert "  retention_in_days = 365" in retention.lines
    assert lines[retention.end - 1] == ""  # the blank line after the block: it ends there


def _alone(text: str, sug: Suggestion) -> str:
    lines = text.splitlines(keepends=True)
    lines[sug.start - 1 : sug.end] = [line + "\n" for line in sug.lines]
    return "".join(lines)
