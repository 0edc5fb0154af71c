"""Static verification keeps the code subjects of its working copy across edits
(rules/subjects.EditedCode): on a random sequence of edits, each step's subjects and each
rule verdict equal a recomputation from scratch (`from_code` on the same index)."""

from __future__ import annotations

import dataclasses
import functools
import random
from pathlib import Path
from typing import Any

from driftpatch.fix import static
from driftpatch.fix.operations import Operation
from driftpatch.fix.verify import WorkingCopy, verify
from driftpatch.model import PatchAction
from driftpatch.rules.interface import Subject
from driftpatch.rules.subjects import from_code
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.source import index_source

KEYS = 12

HEAD = """\
variable "env" {
  default = "dev"
}

locals {
  team = "platform"
}

resource "aws_kms_key" "counted" {
  count               = 2
  enable_key_rotation = true
}
"""


def _key(i: int) -> str:
    return (
        f'resource "aws_kms_key" "k{i}" {{\n'
        f'  description         = "key {i} ${{var.env}}"\n'
        "  enable_key_rotation = false\n"
        "  tags = {\n"
        "    Team = local.team\n"
        "  }\n"
        "}\n"
        "\n"
        f'resource "aws_kms_alias" "a{i}" {{\n'
        f'  name          = "alias/k{i}"\n'
        f"  target_key_id = aws_kms_key.k{i}.key_id\n"
        "}\n"
        "\n"
    )


def _values(subjects: Any) -> list[tuple[Any, ...]]:
    """Everything but `location` (kept from before the edit for unedited blocks)."""
    return [(s.type, s.address, s.attributes, s.refs, s.origin) for s in subjects]


def _edit(rng: random.Random, text: str, step: int) -> str:
    """A body-only edit most of the time (kept incrementally), else one that is not."""
    i = rng.randrange(KEYS)
    kind = rng.randrange(8)
    block = f'resource "aws_kms_key" "k{i}" {{\n'
    at = text.index(block) + len(block)
    if kind <= 2:  # a value, as a fix writes it
        old = text.index("  enable_key_rotation = ", at)
        end = text.index("\n", old)
        value = rng.choice(["true", "false", 'var.env == "dev"'])
        return f"{text[:old]}  enable_key_rotation = {value}{text[end:]}"
    if kind <= 4:  # an argument inserted
        return f"{text[:at]}  deletion_window_in_days = {7 + step}\n{text[at:]}"
    if kind == 5:  # a reference to another resource
        return f"{text[:at]}  policy = aws_kms_key.k{(i + 1) % KEYS}.arn\n{text[at:]}"
    if kind == 6:  # a new resource block: recomputed from scratch
        return text + f'resource "aws_kms_key" "new{step}" {{\n  enable_key_rotation = false\n}}\n'
    # a variable's default: recomputed from scratch
    return text.replace('default = "dev"', f'default = "e{step}"', 1)


def test_code_subjects_across_edits_equal_a_recomputation(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "main.tf").write_text(HEAD + "".join(_key(i) for i in range(KEYS)))
    copy = WorkingCopy(index_source(source, root=tmp_path))
    try:
        rng = random.Random(13)
        rule = {"kind": "rule", "rule_id": "DP-KMS-001"}
        for step in range(40):
            copy.code.subjects()  # as verification asks after every edit
            copy.write({"src/main.tf": _edit(rng, copy.texts["src/main.tf"], step)})
            fresh = from_code(copy.index)
            kept = copy.code.subjects()
            assert _values(kept) == _values(fresh)
            for i in range(0, KEYS, 3):
                op = Operation(
                    (), PatchAction.FIX, _never, {**rule, "address": f"aws_kms_key.k{i}"}
                )
                assert verify(op, copy.index, copy.code) == verify(op, copy.index)
        # Most edits were kept incrementally; the others (new blocks, variables) were not.
        assert 20 <= copy.code.incremental < 40
    finally:
        copy.close()


def test_an_edited_block_is_evaluated_again_in_its_scope(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "main.tf").write_text(HEAD + _key(0) + _key(1))
    copy = WorkingCopy(index_source(source, root=tmp_path))
    try:
        copy.code.subjects()
        text = copy.texts["src/main.tf"].replace(
            "  enable_key_rotation = false\n  tags = {\n    Team = local.team\n  }\n}\n\n"
            'resource "aws_kms_alias" "a1"',
            '  enable_key_rotation = var.env == "dev"\n  policy = aws_kms_key.k0.arn\n'
            '}\n\nresource "aws_kms_alias" "a1"',
        )
        copy.write({"src/main.tf": text})
        assert copy.code.incremental == 1
        (k1,) = copy.code.of("aws_kms_key.k1")
        assert isinstance(k1, Subject)
        assert k1.attributes["enable_key_rotation"] is True
        assert k1.attributes["description"] == "key 1 dev"
        assert k1.refs == {"policy": "aws_kms_key.k0"}
        assert _values(copy.code.subjects()) == _values(from_code(copy.index))
    finally:
        copy.close()


def _never(index: Any) -> Any:
    raise AssertionError("verification does not run the operation")


def test_schema_check_of_an_edit_parses_only_the_edit_and_agrees_with_the_whole_file() -> None:
    """fix/static.py compares the blocks an edit touched (source.edited_blocks) with the
    original, not every block of the file: on random edits (values, arguments, new blocks,
    a block removed, an address declared twice), the same blocks and problems as the
    whole-file comparison."""
    text = HEAD + "".join(_key(i) for i in range(KEYS))
    schema = aws_schema()
    rng = random.Random(5)
    index = _Texts({"main.tf": text})
    for step in range(60):
        kind = rng.randrange(6)
        if kind == 4:  # a block removed
            i = rng.randrange(KEYS)
            start = text.index(f'resource "aws_kms_alias" "a{i}"')
            edited = text[:start] + text[text.index("}\n\n", start) + 3 :]
        elif kind == 5:  # a second block at an address already declared
            edited = text + 'resource "aws_kms_key" "k3" {\n  bogus = ""\n}\n'
        else:
            edited = _edit(rng, text, step)
        fast = static._edited("main.tf", text, edited)
        whole = static._edited("main.tf", text, edited, whole=True)
        assert fast == whole
        files = {"main.tf": edited}
        assert static.check_files(index, files, schema) == _whole_check(index, files, schema)
    assert static.check_files(
        index,
        {"main.tf": text.replace("  enable_key_rotation = false\n", '  bogus = ""\n', 1)},
        schema,
    ) == (True, ["aws_kms_key.k0: unknown argument 'bogus'"])


@dataclasses.dataclass(frozen=True)
class _Texts:
    texts: dict[str, str]


def _whole_check(index: Any, files: dict[str, str], schema: Any) -> tuple[bool, list[str]]:
    original = static._edited
    try:
        static._edited = functools.partial(original, whole=True)  # type: ignore[assignment]
        return static.check_files(index, files, schema)
    finally:
        static._edited = original  # type: ignore[assignment]
