"""Span-preserving edits: exact results, and properties over a corpus of real stacks."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftpatch.fix import hcl_edit
from driftpatch.fix.hcl_edit import EditError, apply_edits
from driftpatch.rules.interface import Expr
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.source import BlockNode, ParsedFile, parse_text, reparse

REPO = Path(__file__).resolve().parents[2]


def block(text: str, address: str = "aws_instance.web") -> BlockNode:
    parsed = parse_text(text, "main.tf")
    type_, name = address.split(".")
    return next(b for b in parsed.blocks if b.labels == (type_, name))


def edit(text: str, path: str, value: object, address: str = "aws_instance.web") -> str:
    node = block(text, address)
    schema = aws_schema().resource(address.split(".")[0])
    return apply_edits(
        text, hcl_edit.set_value(text, node, path, value, schema.block if schema else None)
    )


INSTANCE = """\
# the web server
resource "aws_instance" "web" {
  ami           = "ami-123" # pinned
  instance_type = "t3.micro"

  tags = {
    Name = "web"
    Env  = "prod"
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
"""


def test_replace_a_literal_keeps_comments_and_alignment() -> None:
    out = edit(INSTANCE, "instance_type", "t3.large")
    assert out == INSTANCE.replace('"t3.micro"', '"t3.large"')


def test_new_attribute_goes_in_its_own_group() -> None:
    out = edit(INSTANCE, "monitoring", True)
    assert out == INSTANCE.replace(
        '    Env  = "prod"\n  }\n}', '    Env  = "prod"\n  }\n\n  monitoring = true\n}'
    )


def test_nested_block_is_created_with_the_leaf() -> None:
    out = edit(INSTANCE, "metadata_options[0].http_tokens", "required")
    assert out == INSTANCE.replace(
        '    Env  = "prod"\n  }\n}',
        '    Env  = "prod"\n  }\n\n  metadata_options {\n    http_tokens = "required"\n  }\n}',
    )


def test_existing_nested_block_gets_the_attribute() -> None:
    text = INSTANCE.replace(
        "  tags = {", '  metadata_options {\n    http_endpoint = "enabled"\n  }\n\n  tags = {'
    )
    out = edit(text, "metadata_options[0].http_tokens", "required")
    assert '    http_endpoint = "enabled"\n\n    http_tokens = "required"\n  }' in out


def test_tag_value_and_new_tag_realign_the_object() -> None:
    assert edit(INSTANCE, "tags.Env", "dev") == INSTANCE.replace('"prod"', '"dev"')
    out = edit(INSTANCE, "tags.CostCenter", "42")
    assert out == INSTANCE.replace(
        '    Name = "web"\n    Env  = "prod"\n',
        '    Name       = "web"\n    Env        = "prod"\n    CostCenter = "42"\n',
    )


def test_template_sequences_are_escaped() -> None:
    out = edit(INSTANCE, "tags.Env", "${oops}")
    assert 'Env  = "$${oops}"' in out


def test_expression_values_are_refused_for_keys() -> None:
    text = INSTANCE.replace(
        '  tags = {\n    Name = "web"\n    Env  = "prod"\n  }', "  tags = merge(local.tags, {})"
    )
    with pytest.raises(EditError, match="not an object literal"):
        edit(text, "tags.Env", "dev")


def test_block_written_attribute_replaced_by_blocks() -> None:
    text = """\
resource "aws_security_group" "web" {
  name = "web"

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
"""
    rule = {
        "from_port": 22,
        "to_port": 22,
        "protocol": "tcp",
        "cidr_blocks": ["10.1.0.0/16"],
        "description": "",
        "self": False,
        "ipv6_cidr_blocks": [],
    }
    out = edit(text, "ingress", [rule], "aws_security_group.web")
    assert (
        out
        == """\
resource "aws_security_group" "web" {
  name = "web"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.1.0.0/16"]
  }
}
"""
    )


def test_remove_attribute_and_realign() -> None:
    node = block(INSTANCE)
    out = apply_edits(INSTANCE, hcl_edit.remove_value(INSTANCE, node, "instance_type"))
    assert out == INSTANCE.replace(
        '  ami           = "ami-123" # pinned\n  instance_type = "t3.micro"\n',
        '  ami = "ami-123" # pinned\n',
    )


def test_insert_after_and_append_use_one_blank_line() -> None:
    node = block(INSTANCE)
    snippet = 'resource "aws_eip" "web" {\n  instance = aws_instance.web.id\n}\n'
    out = apply_edits(INSTANCE, [hcl_edit.insert_after(INSTANCE, node, snippet)])
    assert (
        '  }\n}\n\nresource "aws_eip" "web" {\n  instance = aws_instance.web.id\n}\n\n'
        'resource "aws_s3_bucket"' in out
    )
    out2 = apply_edits(INSTANCE, [hcl_edit.append(INSTANCE, snippet)])
    assert out2 == INSTANCE + "\n" + snippet


def test_crlf_files_stay_crlf() -> None:
    text = INSTANCE.replace("\n", "\r\n")
    out = edit(text, "metadata_options[0].http_tokens", "required")
    assert "\r\n" in out and "\n" not in out.replace("\r\n", "")


def test_policy_written_as_jsonencode_expression() -> None:
    text = 'resource "aws_iam_role" "r" {\n  name = "r"\n}\n'
    out = edit(
        text,
        "assume_role_policy",
        Expr('jsonencode({\n  Version = "2012-10-17"\n})'),
        "aws_iam_role.r",
    )
    assert out == (
        'resource "aws_iam_role" "r" {\n  name = "r"\n\n'
        '  assume_role_policy = jsonencode({\n    Version = "2012-10-17"\n  })\n}\n'
    )


def test_overlapping_edits_are_refused() -> None:
    with pytest.raises(EditError, match="overlapping"):
        apply_edits("abcdef", [hcl_edit.TextEdit(0, 3, "x"), hcl_edit.TextEdit(2, 4, "y")])


# -- properties over a corpus ------------------------------------------------------------------

CORPUS = sorted(
    p
    for pattern in ("terraform/**/*.tf", "modules/**/*.tf", "fixtures/**/*.tf", "tests/**/*.tf")
    for p in REPO.glob(pattern)
    if ".terraform" not in p.parts and not p.name.endswith("_override.tf")
)
CASES = [
    (path, b.labels)
    for path in CORPUS
    for b in parse_text(path.read_text(encoding="utf-8"), path.name).blocks
    if b.type == "resource" and len(b.labels) == 2
]
VALUES = st.one_of(
    st.booleans(),
    st.integers(-5, 10_000),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.lists(st.sampled_from(["10.0.0.0/8", "a", "${x}"]), max_size=3),
)


def _paths(type_: str) -> list[str]:
    schema = aws_schema().resource(type_)
    if schema is None:
        return ["tags.Probe"]
    paths = [n for n, a in schema.block.attributes.items() if a.is_argument and not a.is_collection]
    for name, bt in schema.block.block_types.items():
        if bt.max_items == 1 and bt.nesting_mode != "set":
            paths.extend(
                f"{name}[0].{n}"
                for n, a in bt.block.attributes.items()
                if a.is_argument and not a.is_collection
            )
    if "tags" in schema.block.attributes:
        paths.append("tags.Probe")
    return sorted(paths)[:40]


@pytest.mark.skipif(not CASES, reason="no corpus")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_edit_reparses_and_leaves_other_blocks_untouched(data: st.DataObject) -> None:
    path, labels = data.draw(st.sampled_from(CASES))
    text = path.read_text(encoding="utf-8")
    before = parse_text(text, path.name)
    node = next(b for b in before.blocks if b.labels == labels)
    attr_path = data.draw(st.sampled_from(_paths(labels[0])))
    value = data.draw(VALUES)
    schema = aws_schema().resource(labels[0])
    try:
        edits = hcl_edit.set_value(text, node, attr_path, value, schema.block if schema else None)
    except EditError:
        return  # refusing is allowed; corrupting is not
    out = apply_edits(text, edits)
    after = parse_text(out, path.name)
    assert not after.problems, after.problems
    # Blocks are matched by position: a file may hold several `locals {}` with the same labels.
    assert len(after.blocks) == len(before.blocks)
    for old, new in zip(before.blocks, after.blocks, strict=True):
        if old is not node:
            assert (new.type, new.labels) == (old.type, old.labels)
            assert out[new.span.start : new.span.end] == text[old.span.start : old.span.end]
    # Bytes before the edited block and after it are the same.
    assert out[: node.span.start] == text[: node.span.start]
    assert out.endswith(text[node.span.end :])


TF = shutil.which("terraform")


@pytest.mark.skipif(TF is None, reason="needs the Terraform CLI for terraform fmt")
@pytest.mark.parametrize(
    "path",
    [p for p in CORPUS if p.parts[-3:-1] != ("hostile",)][:30],
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_edits_on_fmt_clean_files_stay_fmt_clean(path: Path, tmp_path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fmt = subprocess.run([TF, "fmt", "-"], input=text, capture_output=True, text=True, check=False)
    if fmt.returncode != 0 or fmt.stdout != text:
        pytest.skip("not fmt-clean to begin with")
    parsed = parse_text(text, path.name)
    out = text
    for b in [b for b in parsed.blocks if b.type == "resource" and len(b.labels) == 2][:4]:
        current = next(x for x in parse_text(out, path.name).blocks if x.labels == b.labels)
        schema = aws_schema().resource(b.labels[0])
        for attr_path, value in (("tags.AddedByTest", "yes"), ("description", "changed")):
            if schema and attr_path.split(".")[0] not in schema.block.attributes:
                continue
            try:
                out = apply_edits(
                    out,
                    hcl_edit.set_value(
                        out, current, attr_path, value, schema.block if schema else None
                    ),
                )
            except EditError:
                continue
            current = next(x for x in parse_text(out, path.name).blocks if x.labels == b.labels)
    again = subprocess.run([TF, "fmt", "-"], input=out, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert again.stdout == out


def _full(text: str, file: str) -> ParsedFile:
    return reparse(ParsedFile(file, "", (), (), parsed=False), text)  # not parsed: full parse


@functools.cache
def _corpus_parse(path: Path) -> ParsedFile:
    """A corpus file parsed whole once (immutable; every example edits one of a few files):
    half of the test's time was parsing the unedited file again for each example."""
    return _full(path.read_text(encoding="utf-8"), path.name)


@pytest.mark.skipif(not CASES, reason="no corpus")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_incremental_reparse_is_the_full_parse(data: st.DataObject) -> None:
    """What verification relies on: re-parsing only the edited stretch of a file gives exactly
    what parsing it whole gives, for attribute edits, removed and appended blocks, and edits
    that break the syntax."""
    path, labels = data.draw(st.sampled_from(CASES))
    old = _corpus_parse(path)
    text = old.text
    node = next(b for b in old.blocks if b.labels == labels)
    kinds = ["set", "remove-block", "append", "break", "comment", "join"]
    kind = data.draw(st.sampled_from(kinds))
    if kind == "set":
        attr_path = data.draw(st.sampled_from(_paths(labels[0])))
        schema = aws_schema().resource(labels[0])
        try:
            edits = hcl_edit.set_value(
                text, node, attr_path, data.draw(VALUES), schema.block if schema else None
            )
        except EditError:
            return
        new = apply_edits(text, edits)
    elif kind == "remove-block":
        new = apply_edits(text, [hcl_edit.remove_block(text, node)])
    elif kind == "append":
        new = apply_edits(text, [hcl_edit.append(text, 'resource "aws_vpc" "x" {\n}\n')])
    elif kind == "break":
        cut = data.draw(st.integers(node.body.start, node.body.end))
        new = text[:cut] + "{" + text[cut:]
    elif kind == "join":  # `}` and the next block on one line: no longer parses
        at = node.span.end
        rest = text[at:].lstrip()
        new = text[:at] + rest if rest else text + "resource"
    else:
        at = node.span.end
        new = text[:at] + "\n# a comment }\n" + text[at:]
    assert reparse(old, new) == _full(new, path.name)


GROUP = """\
resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = "vpc-1"

  ingress {
    protocol  = "tcp"
    from_port = 443
    to_port   = 443
  }

  egress {
    protocol  = "-1"
    from_port = 0
    to_port   = 0
  }
}
"""


def test_a_block_replaced_by_a_line_keeps_the_blank_lines_around_it() -> None:
    node = block(GROUP, "aws_security_group.web")
    egress = node.nested("egress")[0]
    new = apply_edits(GROUP, [hcl_edit.replace_block(GROUP, egress, "  egress = []")])
    assert new == GROUP.replace(
        '  egress {\n    protocol  = "-1"\n    from_port = 0\n    to_port   = 0\n  }\n',
        "  egress = []\n",
    )
    assert new.endswith("    to_port   = 443\n  }\n\n  egress = []\n}\n")


def test_a_block_replaced_next_to_attributes_is_set_apart_from_them() -> None:
    """fmt aligns `=` across consecutive attribute lines: a blank line keeps the new line out
    of its neighbours' run, so the patched file stays `terraform fmt` clean."""
    text = (
        'resource "aws_security_group" "web" {\n  name = "web"\n  egress {\n    self = true\n'
        '  }\n  vpc_id = "vpc-1"\n}\n'
    )
    egress = block(text, "aws_security_group.web").nested("egress")[0]
    new = apply_edits(text, [hcl_edit.replace_block(text, egress, "  egress = []")])
    assert new == (
        'resource "aws_security_group" "web" {\n  name = "web"\n\n  egress = []\n\n'
        '  vpc_id = "vpc-1"\n}\n'
    )
