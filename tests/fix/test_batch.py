"""fix/batch.py: which patches may share one plan, and how a shared plan is credited back.

No Terraform here: footprints and layers come from a small indexed configuration, the crediting
from recorded-shape plan changes (tests/e2e/test_verify_terraform.py compares combined and
per-patch verdicts under real Terraform)."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftpatch.fix import batch
from driftpatch.fix.judge import Change, Outcome
from driftpatch.model import PatchAction
from driftpatch.terraform.source import SourceIndex, index_source

MAIN = """\
variable "env" {
  default = "dev"
}

resource "aws_instance" "web" {
  count         = 2
  ami           = "ami-1"
  instance_type = "t3.micro"
}

resource "aws_ebs_volume" "scratch" {
  availability_zone = aws_instance.web[0].availability_zone
  size              = 8
}

resource "aws_kms_key" "k" {
  description         = "k"
  enable_key_rotation = false
}

module "net" {
  source = "./net"
}
"""

NET = """\
resource "aws_security_group" "web" {
  name = "web"
}
"""


@pytest.fixture
def index(tmp_path: Path) -> SourceIndex:
    (tmp_path / "main.tf").write_text(MAIN)
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text(NET)
    return index_source(tmp_path, tmp_path)


def _edit(index: SourceIndex, file: str, old: str, new: str) -> dict[str, str]:
    text = index.texts[file]
    assert text.count(old) == 1, old
    return {file: text.replace(old, new)}


def test_footprints(index: SourceIndex) -> None:
    prints = batch.Footprints(index)
    key = prints.of(
        _edit(index, "main.tf", "enable_key_rotation = false", "enable_key_rotation = true"),
        ["aws_kms_key.k"],
    )
    assert (key.local, key.claims, key.names) == (True, {"aws_kms_key.k"}, {"aws_kms_key.k"})
    web = prints.of(
        _edit(index, "main.tf", 'ami           = "ami-1"', 'ami           = "ami-2"'),
        ["aws_instance.web[1]"],
    )
    assert (web.local, web.claims) == (True, {"aws_instance.web"})
    group = prints.of(
        _edit(index, "net/main.tf", 'name = "web"', 'name = "web"\n  description = "x"'),
        ['module.net.aws_security_group.web["a"]'],
    )
    assert (group.local, group.claims) == (True, {"module.net.aws_security_group.web"})
    added = prints.of(
        {
            "main.tf": MAIN + '\nimport {\n  to = aws_s3_bucket.b\n  id = "b"\n}\n\n'
            'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
        },
        [],
    )
    assert (added.local, added.claims, added.names) == (
        True,
        {"aws_s3_bucket.b"},
        {"aws_s3_bucket.b"},
    )
    # At the end of a block: still inside it.
    tail = prints.of(
        _edit(index, "main.tf", "size              = 8\n", "size = 8\n  iops = 3\n"), []
    )
    assert (tail.local, tail.claims) == (True, {"aws_ebs_volume.scratch"})
    # A new file of import and resource blocks; a block removed for a `removed` block.
    imported = prints.of(
        {
            "imported.tf": 'import {\n  to = aws_s3_bucket.i\n  id = "i"\n}\n\n'
            'resource "aws_s3_bucket" "i" {\n  bucket = "i"\n}\n'
        },
        [],
    )
    assert (imported.local, imported.claims) == (True, {"aws_s3_bucket.i"})
    key_block = index.resources["aws_kms_key.k"].span.of(index.texts["main.tf"])
    removed = prints.of(
        _edit(index, "main.tf", key_block, "removed {\n  from = aws_kms_key.k\n}"),
        ["aws_kms_key.k"],
    )
    assert (removed.local, removed.claims, removed.names) == (
        True,
        {"aws_kms_key.k"},
        {"aws_kms_key.k"},
    )
    # Removing a block that is not a resource is not local.
    module_block = index.modules[()].calls["net"].block.span.of(index.texts["main.tf"])
    assert not prints.of(_edit(index, "main.tf", module_block, ""), []).local
    # A variable reaches any address: planned alone.
    variable = prints.of(_edit(index, "main.tf", '"dev"', '"prod"'), [])
    assert not variable.local
    local = prints.of({"main.tf": MAIN + "\nlocals {\n  x = 1\n}\n"}, [])
    assert not local.local
    assert not prints.of({"extra.tf": 'output "x" {\n  value = 1\n}\n'}, []).local


def test_layers_keep_apart_what_shares_an_address_or_a_reference(index: SourceIndex) -> None:
    prints = batch.Footprints(index)
    fps = {
        0: prints.of(_edit(index, "main.tf", "size              = 8", "size = 9"), []),
        1: prints.of(_edit(index, "main.tf", 'ami           = "ami-1"', 'ami = "ami-2"'), []),
        2: prints.of(
            _edit(index, "main.tf", "enable_key_rotation = false", "enable_key_rotation = true"),
            [],
        ),
        3: prints.of(_edit(index, "main.tf", '"t3.micro"', '"t3.small"'), []),
        4: prints.of(_edit(index, "main.tf", '"dev"', '"prod"'), []),
        5: prints.of(_edit(index, "net/main.tf", 'name = "web"', 'name = "api"'), []),
    }
    # The volume names the instance (0 apart from 1 and 3), 1 and 3 edit the same block, 4 is
    # not local.
    assert batch.layers(fps) == [[0, 2, 5], [1], [3], [4]]
    combined = batch.combine(index, [fps[i] for i in (0, 2, 5)])
    assert combined["main.tf"] == (
        MAIN.replace("size              = 8", "size = 9").replace(
            "enable_key_rotation = false", "enable_key_rotation = true"
        )
    )
    assert combined["net/main.tf"] == NET.replace('name = "web"', 'name = "api"')


def _change(address: str, actions: tuple[str, ...], **after: object) -> Change:
    before = {"a": 1, "b": 1}
    return Change(address, actions, False, before, {**before, **after}, {})


def _fp(claims: set[str]) -> batch.Footprint:
    return batch.Footprint((), frozenset(claims), frozenset(), (), True)


def test_attribute_credits_each_address_to_its_patch() -> None:
    base = Outcome(
        True,
        True,
        "",
        {
            "x.one": _change("x.one", ("update",), a=2),
            "x.two": _change("x.two", ("no-op",)),
            "x.other": _change("x.other", ("no-op",)),
        },
    )
    both = Outcome(
        True,
        True,
        "",
        {
            "x.one": _change("x.one", ("no-op",)),
            "x.two": _change("x.two", ("update",), b=3),
            "x.other": _change("x.other", ("no-op",)),
        },
    )
    members = {
        0: (_fp({"x.one"}), PatchAction.CODIFY, frozenset({"a"})),
        1: (_fp({"x.two"}), PatchAction.FIX, frozenset({"b"})),
    }
    credited = batch.attribute(base, both, members, has_state=True)
    assert isinstance(credited, dict)
    assert credited[0].changes == {**base.changes, "x.one": both.changes["x.one"]}
    assert credited[1].changes == {**base.changes, "x.two": both.changes["x.two"]}
    # An argument the patch does not write moved: that patch is planned alone.
    narrow = {**members, 1: (_fp({"x.two"}), PatchAction.FIX, frozenset({"a"}))}
    assert batch.attribute(base, both, narrow, has_state=True) == {1}
    # A change nobody claims: no suspect, halves.
    stray = Outcome(True, True, "", {**both.changes, "x.other": _change("x.other", ("update",))})
    assert batch.attribute(base, stray, members, has_state=True) == frozenset()
    # A replacement the baseline does not have (computed values turn unknown): alone.
    replaced = Outcome(
        True, True, "", {**both.changes, "x.two": _change("x.two", ("delete", "create"), b=3)}
    )
    assert batch.attribute(base, replaced, members, has_state=True) == {1}
    # Does not validate or plan together: halves.
    assert batch.attribute(base, Outcome(False, False, "bad"), members, has_state=True) == set()
    assert batch.attribute(base, Outcome(True, False, "x"), members, has_state=True) == set()
    # Without a state only validation is judged.
    valid = batch.attribute(Outcome(True, False), Outcome(True, False), members, has_state=False)
    assert valid == {0: Outcome(True, False), 1: Outcome(True, False)}
