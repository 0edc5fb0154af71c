"""Re-indexing a working copy after each edit, incrementally (the edited stretch parsed, the
blocks after it moved lazily, their registration carried over), gives exactly the index built
from scratch: on a chain of edits of one file, several of them changing two places at once."""

from __future__ import annotations

import random
from pathlib import Path

from driftpatch.fix.verify import WorkingCopy
from driftpatch.terraform.source import (
    BlockNode,
    ParsedFile,
    SourceIndex,
    clear_parse_cache,
    index_source,
    parse_text,
)

BLOCKS = 30


def _block(i: int) -> str:
    return (
        f'resource "aws_kms_key" "k{i}" {{\n'
        f'  description         = "key {i}"\n'
        "  enable_key_rotation = false\n"
        "  tags = {\n"
        f'    Name = "k{i}"\n'
        "  }\n"
        "}\n"
        "\n"
        f'data "aws_iam_policy_document" "d{i}" {{\n'
        "  statement {\n"
        '    actions = ["kms:*"]\n'
        "  }\n"
        "}\n"
        "\n"
    )


def _one(rng: random.Random, text: str, step: int) -> str:
    names = [line.split('"')[3] for line in text.splitlines() if line.startswith("resource ")]
    name = rng.choice(names)
    head = f'resource "aws_kms_key" "{name}" {{\n'
    at = text.index(head)
    body = at + len(head)
    end = text.index("\n}\n", at) + 3
    kind = rng.randrange(7)
    if kind == 0:  # a value changed in place (the same length: nothing moves)
        return text.replace("enable_key_rotation = false", "enable_key_rotation = fals3", 1)
    if kind == 1:  # a longer value: every block after it moves
        old = text.index("  description", body)
        stop = text.index("\n", old)
        return f'{text[:old]}  description = "{"x" * step}"{text[stop:]}'
    if kind == 2:  # a line inserted
        return f"{text[:body]}  deletion_window_in_days = {7 + step}\n{text[body:]}"
    if kind == 3:  # a block removed
        return (
            text[:at] + text[end + 1 :] if text[end : end + 1] == "\n" else text[:at] + text[end:]
        )
    if kind == 4:  # a module call inserted before it
        return f'{text[:at]}module "m{step}" {{\n  source = "./nowhere"\n}}\n\n{text[at:]}'
    if kind == 5:  # a resource of the same address again: reported as a duplicate
        return text + f'\nresource "aws_kms_key" "{name}" {{\n}}\n'
    return text + f'\nresource "aws_kms_key" "new{step}" {{\n  description = "n"\n}}\n'


def _edit(rng: random.Random, text: str, step: int) -> str:
    """One edit, or two in different places of the file at once."""
    new = _one(rng, text, step)
    return _one(rng, new, step + 1000) if rng.random() < 0.4 else new


def _parsed_whole(index: SourceIndex, file: str) -> ParsedFile:
    clear_parse_cache()
    return parse_text(index.texts[file], file)


def _same_index(kept: SourceIndex, fresh: SourceIndex) -> None:
    assert dict(kept.texts) == dict(fresh.texts)
    assert list(kept.resources.items()) == list(fresh.resources.items())  # order too
    assert kept.blocks == fresh.blocks
    assert kept.problems == fresh.problems
    assert {p: (m.files, list(m.calls)) for p, m in kept.modules.items()} == {
        p: (m.files, list(m.calls)) for p, m in fresh.modules.items()
    }


def test_incremental_reindex_equals_the_full_one(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "main.tf").write_text("".join(_block(i) for i in range(BLOCKS)))
    copy = WorkingCopy(index_source(source, root=tmp_path))
    try:
        rng = random.Random(7)
        moved = 0
        for step in range(40):
            new = _edit(rng, copy.texts["src/main.tf"], step)
            copy.write({"src/main.tf": new})
            kept_parse = parse_text(new, "src/main.tf")  # the working copy's: from the cache
            moved += sum(1 for b in copy.index.blocks if type(b) is not BlockNode)
            fresh_parse = _parsed_whole(copy.index, "src/main.tf")
            assert kept_parse == fresh_parse
            assert kept_parse.names == fresh_parse.names
            assert kept_parse.module_calls == fresh_parse.module_calls
            clear_parse_cache()
            copy.flush()  # the copy on disk, for the index from scratch
            _same_index(copy.index, index_source(copy.root / copy.source_rel, root=copy.root))
        assert moved > 0  # blocks after the edits were moved, not parsed again
    finally:
        copy.close()
