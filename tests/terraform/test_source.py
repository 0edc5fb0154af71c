"""The HCL source index: addresses -> file:line, exact spans, literals, modules, problems."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftpatch.errors import TerraformInputError
from driftpatch.model import Address, Location
from driftpatch.terraform import source as source_module
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.source import (
    NOT_LITERAL,
    AttributeNode,
    BlockNode,
    ParseProblem,
    SourceIndex,
    Span,
    clear_parse_cache,
    find_repo_root,
    index_source,
    iter_nodes,
    parse_text,
)

DATA = Path(__file__).parent / "data" / "source"
STACK = DATA / "stack"


@pytest.fixture(scope="module")
def stack() -> SourceIndex:
    return index_source(STACK, root=DATA)


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))  # no newline translation
    return root


def same(a: Any, b: Any) -> bool:
    """Equality that tells True from 1 and 1 from 1.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def assert_spans_exact(text: str, blocks: Iterable[BlockNode]) -> int:
    """Every node's spans are exact in `text`, and every expression re-parses on its own to
    the same literal. Returns how many nodes were checked (so callers can insist on some)."""
    checked = 0
    for node in iter_nodes(blocks):
        spans = [node.span, node.body] if isinstance(node, BlockNode) else [node.span, node.expr]
        for span in spans:
            assert 0 <= span.start <= span.end <= len(text), span
            assert span.start_line == text.count("\n", 0, span.start) + 1, span
            last = max(span.start, span.end - 1)
            assert span.end_line == text.count("\n", 0, last) + 1, span
        if isinstance(node, BlockNode):
            whole = node.span.of(text)
            assert whole.startswith(node.type), whole
            assert whole.endswith("}"), whole
            assert text[node.body.start - 1] == "{"
            assert text[node.body.end] == "}"
            assert node.span.start < node.body.start <= node.body.end < node.span.end
        else:
            assert node.expr.of(text) == node.expr_text
            assert node.expr_text == node.expr_text.strip()
            assert node.span.end == node.expr.end
            head = text[node.span.start : node.expr.start]
            assert head.startswith((node.name, '"')), head
            assert head.rstrip().endswith(("=", ":")), head
            again = parse_text("locals {\n  x = " + node.expr_text + "\n}\n")
            assert again.problems == ()
            reparsed = again.blocks[0].attributes["x"]
            assert reparsed.expr_text == node.expr_text
            if node.literal is NOT_LITERAL:
                assert reparsed.literal is NOT_LITERAL
            else:
                assert same(reparsed.literal, node.literal)
        checked += 1
    return checked


def attr_location(file: str, attr: AttributeNode) -> Location:
    return Location(file, attr.span.start_line, attr.span.end_line)


# -- the fixture stack: root, modules two levels deep, a module called twice -------------------


def test_resources_are_keyed_by_config_address(stack: SourceIndex) -> None:
    module_resources = ["aws_vpc.this", "aws_subnet.private", "module.sub.aws_route_table.rt"]
    assert set(stack.resources) == {
        "aws_s3_bucket.logs",
        "aws_s3_bucket_versioning.logs",
        "data.aws_ami.ubuntu",
        "aws_security_group.web",
        "aws_instance.app",
        *(f"module.{call}.{r}" for call in ("net", "net_copy") for r in module_resources),
    }
    assert stack.problems == ()


@pytest.mark.parametrize(
    ("address", "file", "start", "end"),
    [
        ("aws_s3_bucket.logs", "stack/main.tf", 6, 13),
        ("aws_s3_bucket_versioning.logs", "stack/main.tf", 15, 21),
        ("data.aws_ami.ubuntu", "stack/main.tf", 23, 26),
        ("aws_security_group.web", "stack/security.tf", 1, 28),
        ("aws_security_group.web[1]", "stack/security.tf", 1, 28),
        ("aws_instance.app", "stack/security.tf", 30, 46),
        ("module.net.aws_subnet.private", "stack/modules/net/main.tf", 9, 13),
        ('module.net["a"].aws_subnet.private[1]', "stack/modules/net/main.tf", 9, 13),
        ('module.net["b"].aws_vpc.this', "stack/modules/net/main.tf", 5, 7),
        ("module.net_copy.aws_vpc.this", "stack/modules/net/main.tf", 5, 7),
        (
            'module.net["a"].module.sub.aws_route_table.rt',
            "stack/modules/net/sub/main.tf",
            5,
            7,
        ),
        ("module.net_copy.module.sub.aws_route_table.rt", "stack/modules/net/sub/main.tf", 5, 7),
        # Module calls locate too.
        ('module.net["a"]', "stack/main.tf", 28, 33),
        ("module.net.module.sub", "stack/modules/net/main.tf", 15, 18),
    ],
)
def test_locate(stack: SourceIndex, address: str, file: str, start: int, end: int) -> None:
    assert stack.locate(address) == Location(file, start, end)


def test_locate_accepts_model_addresses(stack: SourceIndex) -> None:
    address = Address("aws_subnet", "private", module='module.net["a"]', key=0)
    assert stack.locate(address) == Location("stack/modules/net/main.tf", 9, 13)
    data = Address("aws_ami", "ubuntu", mode="data")
    block = stack.block_for(data)
    assert block is not None and block.labels == ("aws_ami", "ubuntu")


@pytest.mark.parametrize(
    "address",
    [
        "aws_s3_bucket.nope",
        "module.nope.aws_vpc.this",
        "module.net.aws_vpc.backup",  # in a hidden file: not loaded, as Terraform does
        "module.net.aws_vpc.example",  # in a subdirectory that is no module call
        "module.vpc.aws_vpc.this",  # registry module, not initialised
        "module.nope",
        "not an address",
        "",
    ],
)
def test_unknown_addresses_locate_nowhere(stack: SourceIndex, address: str) -> None:
    assert stack.block_for(address) is None
    assert stack.locate(address) is None
    assert stack.locate_attribute(address, "tags.Env") is None


@pytest.mark.parametrize(
    ("address", "attribute", "file", "start", "end"),
    [
        ("aws_s3_bucket.logs", "tags.Env", "main.tf", 10, 10),
        ("aws_s3_bucket.logs", 'tags["Team"]', "main.tf", 11, 11),
        ("aws_s3_bucket.logs", "tags", "main.tf", 9, 12),
        ("aws_s3_bucket.logs", "tags.Owner", "main.tf", 9, 12),  # as deep as the code goes
        ("aws_s3_bucket.logs", "acl", "main.tf", 6, 13),  # not written: the block
        ("aws_s3_bucket.logs", "tags[0]", "main.tf", 9, 12),
        ("aws_s3_bucket_versioning.logs", "versioning_configuration[0].status", "main.tf", 19, 19),
        ("aws_s3_bucket_versioning.logs", "versioning_configuration[0]", "main.tf", 18, 20),
        ("aws_s3_bucket_versioning.logs", "versioning_configuration[0].mfa", "main.tf", 18, 20),
        ("aws_security_group.web[0]", "ingress[1]", "security.tf", 13, 18),
        ("aws_security_group.web", "ingress[0]", "security.tf", 6, 11),
        ("aws_security_group.web", "ingress[1].cidr_blocks", "security.tf", 17, 17),
        ("aws_security_group.web", "ingress", "security.tf", 6, 18),  # all of them
        ("aws_security_group.web", "ingress[7]", "security.tf", 6, 18),
        ("aws_security_group.web", "ingress.from_port", "security.tf", 6, 18),  # which one?
        ("aws_security_group.web", "egress", "security.tf", 20, 27),  # dynamic "egress"
        ("aws_security_group.web", "egress[3].from_port", "security.tf", 23, 23),
        ("aws_security_group.web", "egress[0].description", "security.tf", 22, 26),
        ("aws_instance.app", "metadata_options[0].http_tokens", "security.tf", 35, 35),
        ("aws_instance.app", "metadata_options.http_tokens", "security.tf", 35, 35),
        ("aws_instance.app", "root_block_device[0].encrypted", "security.tf", 39, 39),
        ("aws_instance.app", "user_data", "security.tf", 42, 45),
        ("aws_instance.app", "", "security.tf", 30, 46),
        ('module.net["b"].aws_subnet.private[0]', "cidr_block", "modules/net/main.tf", 12, 12),
    ],
)
def test_locate_attribute(
    stack: SourceIndex, address: str, attribute: str, file: str, start: int, end: int
) -> None:
    assert stack.locate_attribute(address, attribute) == Location(f"stack/{file}", start, end)


def test_modules(stack: SourceIndex) -> None:
    assert set(stack.modules) == {
        (),
        ("net",),
        ("net", "sub"),
        ("net_copy",),
        ("net_copy", "sub"),
    }
    root = stack.modules[()]
    assert root.files == ("stack/main.tf", "stack/security.tf", "stack/variables.tf")
    assert root.directory == STACK.resolve()
    net = root.calls["net"]
    assert (net.source, net.has_for_each, net.has_count) == ("./modules/net", True, False)
    assert net.directory == (STACK / "modules" / "net").resolve()
    assert net.block.location == Location("stack/main.tf", 28, 33)
    vpc = root.calls["vpc"]
    assert (vpc.source, vpc.directory) == ("terraform-aws-modules/vpc/aws", None)
    assert stack.modules[("net",)].files == (
        "stack/modules/net/main.tf",
        "stack/modules/net/outputs.tf",
    )
    assert stack.modules[("net_copy", "sub")].directory == (STACK / "modules/net/sub").resolve()
    assert stack.module_dir(("net", "sub")) == (STACK / "modules/net/sub").resolve()
    assert stack.module_dir('module.net["a"].module.sub') == (STACK / "modules/net/sub").resolve()
    assert stack.module_dir(("vpc",)) is None
    assert stack.module_dir("module.nope") is None


def test_each_file_is_indexed_once(stack: SourceIndex) -> None:
    files = [b.file for b in stack.blocks]
    # The net module is called twice (three times with for_each) but its blocks appear once.
    assert files.count("stack/modules/net/main.tf") == 4
    assert files.count("stack/modules/net/sub/main.tf") == 2
    assert sorted(stack.texts) == [
        "stack/main.tf",
        "stack/modules/net/main.tf",
        "stack/modules/net/outputs.tf",
        "stack/modules/net/sub/main.tf",
        "stack/security.tf",
        "stack/variables.tf",
    ]
    # Both calls of the module map to the very same block.
    assert stack.block_for("module.net.aws_vpc.this") is stack.block_for(
        "module.net_copy.aws_vpc.this"
    )


def test_variables(stack: SourceIndex) -> None:
    assert list(stack.variables()) == ["team", "egress"]
    assert list(stack.variables(("net",))) == ["cidr"]
    assert list(stack.variables("module.net_copy.module.sub")) == ["vpc_id"]
    assert stack.variables(("nope",)) == {}
    team = stack.variables()["team"]
    assert team.location == Location("stack/variables.tf", 1, 6)


def test_block_structure(stack: SourceIndex) -> None:
    web = stack.block_for("aws_security_group.web")
    assert web is not None
    assert (web.type, web.labels) == ("resource", ("aws_security_group", "web"))
    assert list(web.attributes) == ["count", "name", "vpc_id"]
    assert [b.type for b in web.blocks] == ["ingress", "ingress", "dynamic"]
    assert len(web.nested("ingress")) == 2
    (egress,) = web.dynamic("egress")
    assert (egress.type, egress.labels) == ("dynamic", ("egress",))
    assert list(egress.attributes) == ["for_each"]
    assert [b.type for b in egress.blocks] == ["content"]
    assert web.body.start == web.span.start + len('resource "aws_security_group" "web" {')
    kinds = [(b.type, b.labels) for b in stack.blocks if b.file == "stack/main.tf"]
    assert kinds == [
        ("terraform", ()),
        ("resource", ("aws_s3_bucket", "logs")),
        ("resource", ("aws_s3_bucket_versioning", "logs")),
        ("data", ("aws_ami", "ubuntu")),
        ("module", ("net",)),
        ("module", ("net_copy",)),
        ("module", ("vpc",)),
    ]


def test_exact_texts_in_the_stack(stack: SourceIndex) -> None:
    text = stack.texts["stack/security.tf"]
    web = stack.block_for("aws_security_group.web")
    app = stack.block_for("aws_instance.app")
    assert web is not None and app is not None
    cidr = web.nested("ingress")[1].attributes["cidr_blocks"]
    assert cidr.span.of(text) == 'cidr_blocks = ["10.0.0.0/8"]'  # not the comment after it
    user_data = app.attributes["user_data"]
    assert user_data.expr_text == '<<-EOT\n    #!/bin/bash\n    echo "hello"\n  EOT'
    assert user_data.literal == '#!/bin/bash\necho "hello"\n'
    assert web.span.of(text).endswith("    }\n  }\n}")
    logs = stack.block_for("aws_s3_bucket.logs")
    assert logs is not None
    env = logs.attributes["tags"].elements["Env"]
    assert env.span.of(stack.texts["stack/main.tf"]) == 'Env  = "prod"'
    assert env.expr_text == '"prod"'


def test_every_span_of_the_stack_is_exact(stack: SourceIndex) -> None:
    checked = 0
    for file, text in stack.texts.items():
        checked += assert_spans_exact(text, [b for b in stack.blocks if b.file == file])
    assert checked == 75


def test_literals_in_the_stack(stack: SourceIndex) -> None:
    def attr(address: str, *path: str) -> AttributeNode:
        block = stack.block_for(address)
        assert block is not None
        for step in path[:-1]:
            block = block.nested(step)[0]
        return block.attributes[path[-1]]

    logs_tags = attr("aws_s3_bucket.logs", "tags")
    assert logs_tags.literal is NOT_LITERAL
    assert not logs_tags.is_literal
    assert logs_tags.elements["Env"].literal == "prod"
    assert logs_tags.elements["Team"].literal is NOT_LITERAL
    assert same(attr("data.aws_ami.ubuntu", "owners").literal, ["099720109477"])
    assert attr("data.aws_ami.ubuntu", "most_recent").literal is True
    assert attr("aws_security_group.web", "count").literal == 2
    assert attr("aws_security_group.web", "name").literal is NOT_LITERAL
    assert attr("aws_instance.app", "root_block_device", "encrypted").literal is False
    assert attr("aws_s3_bucket_versioning.logs", "bucket").literal is NOT_LITERAL
    team = stack.variables()["team"].attributes
    assert team["description"].literal == "The team that owns the stack.\n"
    assert team["type"].literal is NOT_LITERAL
    assert same(stack.variables()["egress"].attributes["default"].literal, [{"port": 443}])


def test_nodes_compare_by_position_and_hash(stack: SourceIndex) -> None:
    clear_parse_cache()  # a fresh parse, not the memoised one
    again = index_source(STACK, root=DATA)
    a, b = stack.block_for("aws_s3_bucket.logs"), again.block_for("aws_s3_bucket.logs")
    assert a is not None and b is not None and a is not b
    assert a == b and hash(a) == hash(b)
    assert a != stack.block_for("aws_s3_bucket_versioning.logs")
    tags = a.attributes["tags"]
    assert {tags, b.attributes["tags"]} == {tags}
    assert {a: 1}[b] == 1
    # A same-length change inside leaves every span as it was, but not the block.
    text = stack.texts["stack/main.tf"]
    edited = parse_text(text.replace('"prod"', '"test"'), "stack/main.tf").blocks[1]
    assert edited.span == a.span and edited.attributes["tags"].span == tags.span
    assert edited != a and edited.attributes["tags"] != tags
    assert parse_text(text, "stack/main.tf").blocks[1] == a


# -- literals ----------------------------------------------------------------------------------


LITERAL_CASES: list[tuple[str, Any]] = [
    ('"x"', "x"),
    ('""', ""),
    (r'"a\nb\"c\\d\u00e9\U0001F600\t"', 'a\nb"c\\d\u00e9\U0001f600\t'),
    ('"$${var.x}"', "${var.x}"),
    ('"%%{ if x }"', "%{ if x }"),
    ('"a$b 100% {x}"', "a$b 100% {x}"),
    ('"%%{$${a}"', "%{${a}"),  # python-hcl2 lexes this as one escape token
    (r'"$${a\"b}"', '${a"b}'),
    ('"日本語 é 😀"', "日本語 é 😀"),
    ("42", 42),
    ("-3", -3),
    ("- 3", -3),
    ("-0.25", -0.25),
    ("1.5e3", 1500.0),
    ("true", True),
    ("false", False),
    ("null", None),
    ("(1)", 1),
    ("[]", []),
    ("{}", {}),
    ('[1, "a", null, true]', [1, "a", None, True]),
    ("[\n  1, # one\n  2, // two\n  /* three */ 3,\n]", [1, 2, 3]),
    ('{ a = 1, "b c" = [true], d: null }', {"a": 1, "b c": [True], "d": None}),
    ("{\n  a = { b = -1 }\n  c = {}\n}", {"a": {"b": -1}, "c": {}}),
    ('{ true = 1, null = "n", 3 = "x" }', {"true": 1, "null": "n", "3": "x"}),
    ("<<EOF\nline 1\n  line 2\nEOF", "line 1\n  line 2\n"),
    ("<<-EOF\n    a\n      b\n\n  EOF", "a\n  b\n\n"),
    ("<<-EOF\n    a\n  \n        \n  EOF", "a\n  \n        \n"),  # blank lines kept
    ("<<EOF\n$${x} %%{y}\nEOF", "${x} %{y}\n"),
    ("<<EOF\nEOF", ""),
    # Not literals: references, templates, calls, operators.
    ('"${var.x}-y"', NOT_LITERAL),
    ('"%{ if true }a%{ endif }"', NOT_LITERAL),
    ('"$${${x}}"', NOT_LITERAL),  # an escape, then an interpolation
    ("var.x", NOT_LITERAL),
    ("local.tags", NOT_LITERAL),
    ("aws_s3_bucket.b.id", NOT_LITERAL),
    ("jsonencode({ a = 1 })", NOT_LITERAL),
    ("[1, var.x]", NOT_LITERAL),
    ("{ a = var.x }", NOT_LITERAL),
    ("{ (var.k) = 1 }", NOT_LITERAL),
    ('{ "${var.k}" = 1 }', NOT_LITERAL),
    ("true ? 1 : 2", NOT_LITERAL),
    ("!true", NOT_LITERAL),
    ("-var.x", NOT_LITERAL),
    ("1 + 2", NOT_LITERAL),
    ("[for x in [1] : x]", NOT_LITERAL),
    ("{ for k, v in {} : k => v }", NOT_LITERAL),
    ("<<EOF\n${var.x}\nEOF", NOT_LITERAL),
    ("<<-EOF\n  %{ for x in [] }${x}%{ endfor }\n  EOF", NOT_LITERAL),
    ("[1, 2][0]", NOT_LITERAL),
    ("var.list[*].id", NOT_LITERAL),
]


@pytest.mark.parametrize(("expr", "expected"), LITERAL_CASES)
def test_literal(expr: str, expected: Any) -> None:
    parsed = parse_text(f"locals {{\n  x = {expr}\n}}\n", "x.tf")
    assert parsed.problems == ()
    attr = parsed.blocks[0].attributes["x"]
    assert attr.expr_text == expr
    if expected is NOT_LITERAL:
        assert attr.literal is NOT_LITERAL
    else:
        assert same(attr.literal, expected)
    assert_spans_exact(parsed.text, parsed.blocks)


def test_object_elements_nest_and_keep_their_spans() -> None:
    text = (
        'resource "kubernetes_x" "y" {\n'
        "  metadata = {\n"
        '    labels = { app = "web", "kubernetes.io/role" = var.role }\n'
        "    name   = local.name\n"
        "  }\n"
        "}\n"
    )
    parsed = parse_text(text, "k.tf")
    metadata = parsed.blocks[0].attributes["metadata"]
    assert list(metadata.elements) == ["labels", "name"]
    labels = metadata.elements["labels"]
    assert list(labels.elements) == ["app", "kubernetes.io/role"]
    role = labels.elements["kubernetes.io/role"]
    assert role.span.of(text) == '"kubernetes.io/role" = var.role'
    assert role.expr_text == "var.role"
    assert labels.elements["app"].literal == "web"
    assert metadata.literal is NOT_LITERAL
    assert labels.literal is NOT_LITERAL
    assert parsed.blocks[0].attributes["metadata"].elements["name"].span.start_line == 4


def test_locate_attribute_with_dotted_and_quoted_map_keys(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": 'resource "aws_eks_cluster" "c" {\n'
            "  tags = {\n"
            '    "kubernetes.io/cluster/c" = "owned"\n'
            '    team = "a"\n'
            "  }\n"
            "}\n"
        },
    )
    index = index_source(tmp_path, root=tmp_path)
    at3 = Location("main.tf", 3, 3)
    assert index.locate_attribute("aws_eks_cluster.c", "tags.kubernetes.io/cluster/c") == at3
    assert index.locate_attribute("aws_eks_cluster.c", 'tags["kubernetes.io/cluster/c"]') == at3
    assert index.locate_attribute("aws_eks_cluster.c", "tags.team") == Location("main.tf", 4, 4)
    assert index.locate_attribute("aws_eks_cluster.c", "tags.other.x") == Location("main.tf", 2, 5)


# -- text shapes: CRLF, unicode, heredocs, comments, empty files -------------------------------

CRLF_TEXT = (
    "# header\r\n"
    'resource "aws_s3_bucket" "b" {\r\n'
    '  bucket = "b" # trailing\r\n'
    "  policy = <<-EOF\r\n"
    '    {"a": 1}\r\n'
    "  EOF\r\n"
    "  tags = {\r\n"
    '    Env = "dev"\r\n'
    "  }\r\n"
    "\r\n"
    "  versioning {\r\n"
    "    enabled = true\r\n"
    "  }\r\n"
    "}\r\n"
)

UNICODE_TEXT = (
    "// Ünïcödé comment: 日本語 😀\n"
    'resource "aws_s3_bucket" "b" {\n'
    '  bucket = "bücket-😀"\n'
    "  tags = {\n"
    '    "Ñame" = "值"\n'
    '    Emoji  = "😀😀"\n'
    "  }\n"
    "  description = <<EOT\n"
    "    日本語 😀\n"
    "EOT\n"
    "}\n"
)


def test_crlf_spans_and_lines() -> None:
    parsed = parse_text(CRLF_TEXT, "crlf.tf")
    assert parsed.problems == ()
    (block,) = parsed.blocks
    assert block.span.start_line == 2 and block.span.end_line == 14
    assert block.span.of(CRLF_TEXT).endswith("  }\r\n}")
    bucket = block.attributes["bucket"]
    assert bucket.span.of(CRLF_TEXT) == 'bucket = "b"'
    assert (bucket.span.start_line, bucket.span.end_line) == (3, 3)
    policy = block.attributes["policy"]
    assert policy.expr_text == '<<-EOF\r\n    {"a": 1}\r\n  EOF'
    assert (policy.span.start_line, policy.span.end_line) == (4, 6)
    assert policy.literal == '{"a": 1}\r\n'  # Terraform keeps a heredoc's CRLF
    env = block.attributes["tags"].elements["Env"]
    assert (env.span.of(CRLF_TEXT), env.span.start_line) == ('Env = "dev"', 8)
    (versioning,) = block.nested("versioning")
    assert (versioning.span.start_line, versioning.span.end_line) == (11, 13)
    assert versioning.body.of(CRLF_TEXT) == "\r\n    enabled = true\r\n  "
    assert assert_spans_exact(CRLF_TEXT, parsed.blocks) == 7


def test_unicode_offsets_are_str_offsets() -> None:
    parsed = parse_text(UNICODE_TEXT, "u.tf")
    assert parsed.problems == ()
    (block,) = parsed.blocks
    bucket = block.attributes["bucket"]
    assert bucket.expr.start == UNICODE_TEXT.index('"bücket-😀"')
    assert bucket.literal == "bücket-😀"
    name = block.attributes["tags"].elements["Ñame"]
    assert name.span.of(UNICODE_TEXT) == '"Ñame" = "值"'
    assert name.literal == "值"
    assert block.attributes["tags"].elements["Emoji"].span.start_line == 6
    description = block.attributes["description"]
    assert description.literal == "    日本語 😀\n"
    assert (description.span.start_line, description.span.end_line) == (8, 10)
    assert assert_spans_exact(UNICODE_TEXT, parsed.blocks) == 6


def test_crlf_and_unicode_files_through_the_index(tmp_path: Path) -> None:
    write(tmp_path, {"crlf.tf": CRLF_TEXT, "unicode.tf": UNICODE_TEXT.replace('"b"', '"u"')})
    index = index_source(tmp_path, root=tmp_path)
    assert index.problems == ()
    assert index.texts["crlf.tf"] == CRLF_TEXT  # read without newline translation
    assert index.locate_attribute("aws_s3_bucket.b", "tags.Env") == Location("crlf.tf", 8, 8)
    assert index.locate_attribute("aws_s3_bucket.u", "tags.Emoji") == Location("unicode.tf", 6, 6)
    for file, text in index.texts.items():
        assert assert_spans_exact(text, [b for b in index.blocks if b.file == file]) > 5


def test_byte_order_mark_is_tolerated() -> None:
    text = '\ufeffresource "a" "b" {\n  x = 1\n}\n'
    parsed = parse_text(text)
    assert parsed.problems == ()
    assert parsed.blocks[0].span.of(text).startswith('resource "a"')
    assert parsed.blocks[0].attributes["x"].span == Span(2, 2, 22, 27)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "# only a comment",
        "// only a comment\n",
        "/* a block\n   comment */\n",
        "# one\n// two\n/* three */\n",
    ],
)
def test_files_without_blocks(text: str) -> None:
    parsed = parse_text(text)
    assert (parsed.blocks, parsed.problems, parsed.parsed) == ((), (), True)


def test_last_line_without_newline_and_trailing_comment() -> None:
    text = 'locals {\n  a = <<EOF\nx\nEOF\n}\nlocals { b = "c" } # end'
    parsed = parse_text(text)
    first, second = parsed.blocks
    assert first.attributes["a"].expr_text == "<<EOF\nx\nEOF"
    assert second.span.of(text) == 'locals { b = "c" }'
    assert (second.span.start_line, second.span.end_line) == (6, 6)
    heredoc_last = parse_text("locals {\n  a = 1\n}\n" + 'variable "v" {\n  default = <<E\nE\n}')
    assert heredoc_last.blocks[1].attributes["default"].literal == ""
    assert assert_spans_exact(text, parsed.blocks) == 4


def test_multiline_expressions_end_at_their_last_token() -> None:
    text = (
        "locals {\n"
        "  sum = 1 +\n"
        "    2 # why\n"
        "  cond = var.a ? 1 : 2 // choose\n"
        "  call = jsonencode({\n"
        '    Version = "2012-10-17"\n'
        "  }) /* done */\n"
        "  list = [\n"
        "    1,\n"
        "  ]\n"
        "}\n"
    )
    attrs = parse_text(text).blocks[0].attributes
    assert attrs["sum"].span.of(text) == "sum = 1 +\n    2"
    assert (attrs["sum"].span.start_line, attrs["sum"].span.end_line) == (2, 3)
    assert attrs["cond"].expr_text == "var.a ? 1 : 2"
    assert attrs["call"].expr_text == 'jsonencode({\n    Version = "2012-10-17"\n  })'
    assert attrs["call"].literal is NOT_LITERAL
    assert attrs["list"].expr_text == "[\n    1,\n  ]"
    assert same(attrs["list"].literal, [1])


def test_block_shapes() -> None:
    text = (
        "terraform {}\n"
        'provider "aws" { region = "eu-west-1" }\n'
        "resource aws_s3_bucket legacy {\n"
        "}\n"
        'resource "a" "b" {\n'
        '  dynamic "ingress" {\n'
        "    for_each = var.rules\n"
        "    content {\n"
        "      from_port = ingress.value\n"
        "    }\n"
        "  }\n"
        "  lifecycle { ignore_changes = [tags] }\n"
        "}\n"
    )
    parsed = parse_text(text)
    assert parsed.problems == ()
    tf, provider, legacy, res = parsed.blocks
    assert (tf.type, tf.labels, tf.body.start, tf.body.end) == ("terraform", (), 11, 11)
    assert provider.labels == ("aws",)
    assert provider.body.of(text) == ' region = "eu-west-1" '
    assert legacy.labels == ("aws_s3_bucket", "legacy")  # unquoted labels are old but valid
    dynamic, lifecycle = res.blocks
    assert (dynamic.type, dynamic.labels) == ("dynamic", ("ingress",))
    assert res.nested("dynamic") == (dynamic,)
    assert lifecycle.attributes["ignore_changes"].literal is NOT_LITERAL
    assert assert_spans_exact(text, parsed.blocks) == 11


# -- problems ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('resource "a" "b" {\n  x = 1\n}\n}\n', 4, "syntax error: unexpected '}'"),
        ('resource "a" "b" {\n  x = 1\n', 2, "syntax error: unexpected end of file, expected '}'"),
        (
            "locals {\n  x = 1\n  y =\n}\n",
            3,
            "syntax error: unexpected end of line, expected an expression",
        ),
        ('locals {\n  x = "abc\n}\n', 2, "syntax error: unterminated string"),
        ("locals {\n  x = 1 @\n}\n", 2, "syntax error: unexpected '@'"),
        ("locals {\n  x = <<EOF\n  abc\n}\n", 2, "syntax error: unterminated heredoc <<EOF"),
        ('resource "a" "b" {\r\n  x = 1\r\n}}\r\n', 3, "syntax error: unexpected '}'"),
    ],
)
def test_syntax_errors(text: str, line: int, message: str) -> None:
    parsed = parse_text(text, "bad.tf")
    assert parsed.problems == (ParseProblem("bad.tf", line, message),)
    assert (parsed.blocks, parsed.parsed) == ((), False)


def test_a_bad_file_is_skipped_and_the_rest_indexed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.tf": 'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n',
            "b.tf": '# broken\nresource "aws_s3_bucket" "b" {\n  bucket = "b"\n  acl = = 1\n}\n',
            "c.tf": b'locals {\n  a = "ok"\n  b = "\xff\xfe"\n}\n',
            "d.tf": 'resource "aws_s3_bucket" "d" {}\n',
        },
    )
    index = index_source(tmp_path, root=tmp_path)
    assert set(index.resources) == {"aws_s3_bucket.a", "aws_s3_bucket.d"}
    assert index.problems == (
        ParseProblem("b.tf", 4, "syntax error: unexpected '=', expected an expression"),
        ParseProblem("c.tf", 3, "not UTF-8 text (byte 0xff)"),
    )
    assert "b.tf" in index.texts and "c.tf" not in index.texts
    assert index.modules[()].files == ("a.tf", "b.tf", "c.tf", "d.tf")
    assert {b.file for b in index.blocks} == {"a.tf", "d.tf"}


def test_duplicates(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.tf": 'resource "aws_s3_bucket" "x" {\n  bucket = "a"\n  bucket = "again"\n}\n',
            "b.tf": '\n\nresource "aws_s3_bucket" "x" {\n  bucket = "b"\n}\n'
            'data "aws_s3_bucket" "x" {}\n'
            'module "m" {\n  source = "./m"\n}\n'
            'module "m" {\n  source = "./m"\n}\n'
            "locals {\n  t = { a = 1, a = 2 }\n}\n",
            "m/main.tf": "",
        },
    )
    index = index_source(tmp_path, root=tmp_path)
    block = index.block_for("aws_s3_bucket.x")
    assert block is not None and block.file == "a.tf"
    assert block.attributes["bucket"].literal == "a"  # the first one wins
    assert index.block_for("data.aws_s3_bucket.x") is not None
    assert index.problems == (
        ParseProblem("a.tf", 3, "argument 'bucket' is set twice in this block"),
        ParseProblem("b.tf", 3, "duplicate resource 'aws_s3_bucket.x', first declared at a.tf:1"),
        ParseProblem("b.tf", 10, 'duplicate module call "m", first declared at b.tf:7'),
        ParseProblem("b.tf", 14, "key 'a' is set twice in this object"),
    )


def test_top_level_arguments_are_reported() -> None:
    parsed = parse_text("x = 1\nlocals {}\n", "t.tf")
    assert parsed.problems == (
        ParseProblem("t.tf", 1, "argument 'x' is not expected at the top level"),
    )
    assert [b.type for b in parsed.blocks] == ["locals"]


def test_missing_source_dir(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(TerraformInputError, match=r"^source directory not found: .*nope$"):
        index_source(missing)
    a_file = write(tmp_path, {"main.tf": ""}) / "main.tf"
    with pytest.raises(TerraformInputError, match=r"^source path is not a directory: .*main\.tf$"):
        index_source(a_file)


def test_override_files_do_not_duplicate(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "a"\n}\n',
            "main_override.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "z"\n}\n',
        },
    )
    index = index_source(tmp_path, root=tmp_path)
    assert index.problems == ()
    block = index.block_for("aws_s3_bucket.b")
    assert block is not None and block.file == "main.tf"
    assert len(index.blocks) == 2


# -- modules: local, installed (modules.json), cycles ------------------------------------------


def test_modules_json_resolves_installed_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "infra/main.tf": 'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n'
            '  version = "5.0.0"\n}\n'
            'module "gone" {\n  source = "git::https://example.com/x.git"\n}\n'
            'module "absent" {\n  source = "hashicorp/absent/aws"\n}\n',
            "infra/.terraform/modules/vpc/main.tf": 'resource "aws_vpc" "this" {\n}\n'
            'module "flow" {\n  source = "./modules/flow"\n}\n',
            "infra/.terraform/modules/vpc/modules/flow/main.tf": (
                '\nresource "aws_flow_log" "f" {\n}\n'
            ),
            "infra/.terraform/modules/modules.json": json.dumps(
                {
                    "Modules": [
                        {"Key": "", "Source": "", "Dir": "."},
                        {"Key": "vpc", "Source": "x", "Dir": ".terraform/modules/vpc"},
                        {
                            "Key": "vpc.flow",
                            "Source": "./modules/flow",
                            "Dir": ".terraform/modules/vpc/modules/flow",
                        },
                        {"Key": "gone", "Source": "x", "Dir": ".terraform/modules/gone"},
                    ]
                }
            ),
        },
    )
    index = index_source(tmp_path / "infra", root=tmp_path)
    assert index.problems == ()
    assert index.locate("module.vpc.aws_vpc.this") == Location(
        "infra/.terraform/modules/vpc/main.tf", 1, 2
    )
    assert index.locate("module.vpc.module.flow.aws_flow_log.f") == Location(
        "infra/.terraform/modules/vpc/modules/flow/main.tf", 2, 3
    )
    calls = index.modules[()].calls
    assert calls["vpc"].directory == tmp_path / "infra/.terraform/modules/vpc"
    assert calls["gone"].directory is None  # listed, but its directory is missing
    assert calls["absent"].directory is None  # not installed
    assert set(index.modules) == {(), ("vpc",), ("vpc", "flow")}


def test_unreadable_modules_json_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": "", ".terraform/modules/modules.json": "{not json"})
    index = index_source(tmp_path, root=tmp_path)
    (problem,) = index.problems
    assert (problem.file, problem.line) == (".terraform/modules/modules.json", 1)
    assert problem.message == (
        "module manifest is not valid JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)"
    )


def test_a_deeply_nested_modules_json_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": "", ".terraform/modules/modules.json": "[" * 5000})
    (problem,) = index_source(tmp_path, root=tmp_path).problems
    assert problem == ParseProblem(
        ".terraform/modules/modules.json",
        1,
        "nested more than 128 levels deep (driftpatch's limit for a module manifest)",
    )


def test_module_cycles_are_cut_and_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": 'module "a" {\n  source = "./a"\n}\n',
            "a/main.tf": 'resource "x" "a" {}\nmodule "b" {\n  source = "../b"\n}\n',
            "b/main.tf": 'resource "x" "b" {}\n\nmodule "a" {\n  source = "../a"\n}\n'
            'module "self" {\n  source = "./"\n}\n',
        },
    )
    index = index_source(tmp_path, root=tmp_path)
    assert set(index.modules) == {(), ("a",), ("a", "b")}
    assert set(index.resources) == {"module.a.x.a", "module.a.module.b.x.b"}
    assert index.problems == (
        ParseProblem(
            "b/main.tf",
            3,
            "module \"a\" calls '../a', which is already being loaded (a module cycle); "
            "not followed",
        ),
        ParseProblem(
            "b/main.tf",
            6,
            "module \"self\" calls './', which is already being loaded (a module cycle); "
            "not followed",
        ),
    )


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_module_cycle(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'module "m" {\n  source = "./m"\n}\n'})
    write(tmp_path, {"m/main.tf": 'module "loop" {\n  source = "./loop"\n}\n'})
    (tmp_path / "m" / "loop").symlink_to(tmp_path / "m", target_is_directory=True)
    index = index_source(tmp_path, root=tmp_path)
    assert set(index.modules) == {(), ("m",)}
    assert [p.file for p in index.problems] == ["m/main.tf"]


def test_missing_local_module(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": '\nmodule "m" {\n  source = "./nope"\n  count = 2\n}\n'})
    index = index_source(tmp_path, root=tmp_path)
    call = index.modules[()].calls["m"]
    assert (call.directory, call.has_count, call.has_for_each) == (None, True, False)
    assert index.problems == (
        ParseProblem("main.tf", 2, "module \"m\": source directory './nope' not found"),
    )


def test_hidden_and_nested_directories_are_not_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": 'resource "x" "root" {}\n',
            ".terraform/providers/y.tf": 'resource "x" "provider" {}\n',
            ".hidden.tf": 'resource "x" "hidden" {}\n',
            "nested/other.tf": 'resource "x" "nested" {}\n',
            "notes.tf.bak": 'resource "x" "bak" {}\n',
            "a.tf.json": '{"resource": {}}',
        },
    )
    index = index_source(tmp_path, root=tmp_path)
    assert list(index.resources) == ["x.root"]
    assert list(index.texts) == ["main.tf"]


# -- repo root ---------------------------------------------------------------------------------


def test_find_repo_root(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "infra" / "prod").mkdir(parents=True)
    assert find_repo_root(tmp_path / "repo" / "infra" / "prod") == (tmp_path / "repo").resolve()
    # A worktree or submodule has a `.git` file.
    write(tmp_path, {"wt/.git": "gitdir: elsewhere\n", "wt/infra/main.tf": ""})
    assert find_repo_root(tmp_path / "wt" / "infra") == (tmp_path / "wt").resolve()
    lone = tmp_path / "lone"
    lone.mkdir()
    if any((p / ".git").exists() for p in lone.resolve().parents):
        pytest.skip("the temporary directory is inside a git repository")
    assert find_repo_root(lone) == lone.resolve()


def test_files_are_relative_to_the_repo_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(
        tmp_path,
        {
            "infra/prod/main.tf": 'module "m" {\n  source = "../../modules/m"\n}\n',
            "modules/m/main.tf": 'resource "x" "y" {}\n',
        },
    )
    index = index_source(tmp_path / "infra" / "prod")
    assert index.root == tmp_path.resolve()
    assert index.source_dir == (tmp_path / "infra" / "prod").resolve()
    assert index.locate("module.m.x.y") == Location("modules/m/main.tf", 1, 1)
    assert sorted(index.texts) == ["infra/prod/main.tf", "modules/m/main.tf"]


def test_relative_source_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"infra/main.tf": 'resource "x" "y" {}\n'})
    monkeypatch.chdir(tmp_path)
    index = index_source(Path("infra"), root=Path())
    assert index.locate("x.y") == Location("infra/main.tf", 1, 1)


# -- generated configurations: spans and literals round-trip -----------------------------------

_RESERVED = {"true", "false", "null", "for", "in", "if", "else", "endif", "endfor", "for_each"}
_names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(lambda s: s not in _RESERVED)
_chars = st.one_of(
    st.characters(exclude_categories=("Cs", "Cc")),
    st.sampled_from(["\n", "\t", "\r", '"', "\\", "$", "%", "{", "}", "${a}", "%{b}", "é", "😀"]),
)
# python-hcl2's lexer needs a `}` after `$${` / `%%{`; an unclosed one is its limit, not ours.
_strings = (
    st.lists(_chars, max_size=8).map("".join).filter(lambda s: not re.search(r"[$%]\{[^}]*$", s))
)


def render_string(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return '"' + out.replace("${", "$${").replace("%{", "%%{") + '"'


def render_key(key: str) -> str:
    return (
        key
        if re.fullmatch(r"[a-z_][a-z0-9_]*", key) and key not in _RESERVED
        else (render_string(key))
    )


_scalars = st.one_of(
    st.none().map(lambda v: (v, "null")),
    st.booleans().map(lambda v: (v, "true" if v else "false")),
    st.integers(-(10**15), 10**15).map(lambda v: (v, str(v))),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda v: (v, repr(v))),
    _strings.map(lambda v: (v, render_string(v))),
)
_comments = st.sampled_from(["", " # c", " // c é", " /* c */"])


def _tuples(items: st.SearchStrategy[tuple[Any, str]]) -> st.SearchStrategy[tuple[Any, str]]:
    @st.composite
    def build(draw: st.DrawFn) -> tuple[Any, str]:
        elements = draw(st.lists(items, max_size=4))
        values = [v for v, _ in elements]
        if draw(st.booleans()):
            return values, "[" + ", ".join(t for _, t in elements) + "]"
        lines = "".join(f"  {t},{draw(_comments)}\n" for _, t in elements)
        return values, "[\n" + lines + "]"

    return build()


def _objects(items: st.SearchStrategy[tuple[Any, str]]) -> st.SearchStrategy[tuple[Any, str]]:
    @st.composite
    def build(draw: st.DrawFn) -> tuple[Any, str]:
        keys = draw(st.lists(st.one_of(_names, _strings), max_size=4, unique=True))
        pairs = [(k, draw(items)) for k in keys]
        value = {k: v for k, (v, _) in pairs}
        sep = draw(st.sampled_from([" = ", " : ", "="]))
        if draw(st.booleans()):
            return value, "{" + ", ".join(f"{render_key(k)}{sep}{t}" for k, (_, t) in pairs) + "}"
        lines = "".join(f"  {render_key(k)}{sep}{t}{draw(_comments)}\n" for k, (_, t) in pairs)
        return value, "{\n" + lines + "}"

    return build()


_values = st.recursive(
    _scalars, lambda inner: st.one_of(_tuples(inner), _objects(inner)), max_leaves=10
)


def _check_elements(attr: AttributeNode, value: Any) -> None:
    if not isinstance(value, dict):
        assert attr.elements == {}
        return
    assert list(attr.elements) == list(value)
    for key, element in attr.elements.items():
        assert element.name == key
        assert same(element.literal, value[key])
        _check_elements(element, value[key])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    attributes=st.dictionaries(_names, st.tuples(_values, _comments), min_size=1, max_size=5),
    newline=st.sampled_from(["\n", "\r\n"]),
    leading=st.sampled_from(["", "# head\n", "/* a\n b */\n", "\n\n"]),
)
def test_generated_attributes_round_trip(
    attributes: dict[str, tuple[tuple[Any, str], str]], newline: str, leading: str
) -> None:
    body = "".join(
        f"  {name} = {text}{comment}\n" for name, ((_, text), comment) in attributes.items()
    )
    text = (leading + 'resource "t" "n" {\n' + body + "}\n").replace("\n", newline)
    parsed = parse_text(text, "gen.tf")
    assert parsed.problems == ()
    (block,) = parsed.blocks
    assert list(block.attributes) == list(attributes)
    for name, ((value, expr), _) in attributes.items():
        attr = block.attributes[name]
        assert attr.expr_text == expr.replace("\n", newline)
        assert attr.span.of(text) == f"{name} = {attr.expr_text}"
        assert same(attr.literal, value), (attr.literal, value)
        _check_elements(attr, value)
    assert_spans_exact(text, parsed.blocks)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.tuples(st.integers(0, 6), st.text(alphabet="ab é😀${}%~", max_size=6)), max_size=4
    ),
    trim=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_generated_heredocs(lines: list[tuple[int, str]], trim: bool, newline: str) -> None:
    content = [" " * indent + words for indent, words in lines]
    if any(re.search(r"[$%]\{", ln) for ln in content):
        # Escape, as a writer of a literal heredoc would.
        content = [ln.replace("${", "$${").replace("%{", "%%{") for ln in content]
    opener = "<<-EOT" if trim else "<<EOT"
    expr = newline.join([opener, *content, "  EOT" if trim else "EOT"])
    text = f"locals {{{newline}  doc = {expr}{newline}  after = 1{newline}}}{newline}"
    parsed = parse_text(text, "h.tf")
    assert parsed.problems == ()
    doc = parsed.blocks[0].attributes["doc"]
    assert doc.expr_text == expr
    expected = [ln.replace("$${", "${").replace("%%{", "%{") for ln in content]
    if trim:
        cut = min((len(ln) - len(ln.lstrip(" ")) for ln in expected if ln.strip()), default=0)
        expected = [ln[cut:] if ln.strip() else ln for ln in expected]
    assert doc.literal == "".join(ln + newline for ln in expected)
    assert parsed.blocks[0].attributes["after"].span.start_line == len(content) + 4
    assert_spans_exact(text, parsed.blocks)


# -- Terraform as the oracle: the addresses it plans all map to their blocks -------------------


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _terraform(tmp_path: Path) -> Terraform:
    """The Terraform CLI with an empty CLI config: these tests need no provider at all."""
    terraform = Terraform.find()
    if terraform is None:
        pytest.skip("needs the Terraform CLI on PATH")
    cli_config = tmp_path / "terraformrc"
    cli_config.write_text("")
    return terraform.with_env(TF_CLI_CONFIG_FILE=str(cli_config))


def _json_equal(ours: Any, theirs: Any) -> bool:
    """Terraform's JSON has no int/float split (1.5e3 is 1500) but does tell true from 1."""
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours is theirs
    if isinstance(ours, int | float) and isinstance(theirs, int | float):
        return ours == theirs
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(_json_equal, ours, theirs))
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(_json_equal(ours[k], theirs[k]) for k in ours)
    return type(ours) is type(theirs) and bool(ours == theirs)


@pytest.mark.terraform
def test_terraform_agrees_on_literal_values(tmp_path: Path) -> None:
    """Every literal the index extracts is the value Terraform gives the same expression."""
    terraform = _terraform(tmp_path)
    exprs = [e for e, v in LITERAL_CASES if v is not NOT_LITERAL and v is not None]
    exprs += [
        "<<-EOT\n\tq\n\t  r\n  EOT",
        '"日本語 😀 \\u00e9"',
        '{ "a.b" = { c = [1, -2.5e-3, "x"] } }',
    ]
    crlf = ["<<EOT\nx\n  y\nEOT", "<<-EOT\n    a\n      b\n  \n  EOT", '{\n  a = "b"\n}']
    stack = write(
        tmp_path / "stack",
        {
            "lf.tf": "".join(
                f'output "lf{i}" {{\n  value = {e}\n}}\n' for i, e in enumerate(exprs)
            ),
            "crlf.tf": "".join(
                f'output "crlf{i}" {{\n  value = {e}\n}}\n' for i, e in enumerate(crlf)
            ).replace("\n", "\r\n"),
        },
    )
    terraform.init(stack)
    terraform.run(["apply", "-auto-approve", "-input=false", "-no-color"], stack)
    outputs = json.loads(terraform.run(["output", "-json"], stack).stdout)

    index = index_source(stack, root=stack)
    assert index.problems == ()
    assert len(index.blocks) == len(outputs) == len(exprs) + len(crlf)
    for block in index.blocks:
        value = block.attributes["value"]
        assert value.is_literal, value.expr_text
        theirs = outputs[block.labels[0]]["value"]
        assert _json_equal(value.literal, theirs), (value.expr_text, value.literal, theirs)


@pytest.mark.terraform
def test_terraform_planned_addresses_map_to_blocks(tmp_path: Path) -> None:
    """terraform_data needs no provider download, and a git::file:// source makes `init`
    write a real modules.json for a non-local module: no network needed."""
    terraform = _terraform(tmp_path)
    if shutil.which("git") is None:
        pytest.skip("needs git for a git:: module source")
    remote = write(
        tmp_path / "remote",
        {
            "main.tf": 'resource "terraform_data" "r" {\n  input = "r"\n}\n'
            'module "inner" {\n  source = "./inner"\n}\n',
            "inner/main.tf": '\n\nresource "terraform_data" "deep" {\n  count = 2\n}\n',
        },
    )
    _git(remote, "init", "-q")
    _git(remote, "add", ".")
    _git(remote, "commit", "-qm", "module")
    stack = write(
        tmp_path / "stack",
        {
            "main.tf": 'resource "terraform_data" "a" {\n  count = 2\n}\n\n'
            'module "net" {\n  source   = "./modules/net"\n'
            '  for_each = toset(["x", "y"])\n}\n\n'
            'module "remote" {\n'
            f'  source = "git::{remote.resolve().as_uri()}"\n'
            "}\n",
            "modules/net/main.tf": 'resource "terraform_data" "n" {\n'
            '  for_each = { "k.1" = 1, "k\\"2" = 2 }\n'
            "}\n"
            'module "sub" {\n  source = "./sub"\n}\n',
            "modules/net/sub/empty.tfstate": json.dumps(
                {"version": 4, "serial": 1, "lineage": "l", "outputs": {}, "resources": []}
            ),
            "modules/net/sub/main.tf": 'data "terraform_remote_state" "s" {\n'
            '  backend = "local"\n  config  = { path = "${path.module}/empty.tfstate" }\n'
            "}\n"
            'resource "terraform_data" "s" {\n  input = 1\n}\n',
        },
    )
    terraform.init(stack)
    plan = tmp_path / "plan.bin"
    terraform.run(["plan", "-input=false", "-no-color", "-refresh=false", f"-out={plan}"], stack)
    changes = json.loads(terraform.show_json(plan, stack))["resource_changes"]
    planned = {c["address"] for c in changes if c["mode"] == "managed"}
    assert 'module.net["x"].terraform_data.n["k\\"2"]' in planned
    assert "module.remote.module.inner.terraform_data.deep[1]" in planned

    index = index_source(stack, root=tmp_path)
    assert index.problems == ()
    for address in planned:
        parsed = Address.parse(address)
        block = index.block_for(address)
        assert block is not None, address
        assert block.labels == (parsed.type, parsed.name)
        module_dir = index.module_dir(parsed.module_path)
        assert module_dir is not None
        assert block.file == Path(os.path.relpath(module_dir / "main.tf", tmp_path)).as_posix()
    configured = {Address.parse(a).config_address for a in planned}
    assert configured == {a for a in index.resources if ".data." not in a}
    assert index.locate("module.remote.module.inner.terraform_data.deep[0]") == Location(
        "stack/.terraform/modules/remote/inner/main.tf", 3, 5
    )


# -- issue 10: bounded parsing -------------------------------------------------------------------

TRICKY = """\
# a } in a comment, a { in a string, and a block whose brace is on the next line
resource "aws_s3_bucket" "a" {
  bucket = "}{"
  policy = <<EOT
}
resource "x" "y" {
EOT
}
resource "aws_s3_bucket" "b"
{
  bucket = "b-${var.env}-${ {a = 1}["a"] }"
}
/* a comment
} spanning lines */
locals {
  x = 1
}
"""


def test_a_file_cut_into_units_indexes_as_one_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    """Units end only at top-level boundaries: never inside a string, heredoc or comment,
    and a header whose `{` is on the next line is joined back."""
    whole = parse_text(TRICKY, "whole.tf")
    clear_parse_cache()
    monkeypatch.setattr(source_module, "_UNIT", 1)
    cut = parse_text(TRICKY, "whole.tf")
    assert cut == whole
    assert cut.problems == ()
    assert [(b.type, b.labels, b.span.start_line, b.span.end_line) for b in cut.blocks] == [
        ("resource", ("aws_s3_bucket", "a"), 2, 8),
        ("resource", ("aws_s3_bucket", "b"), 9, 12),
        ("locals", (), 15, 17),
    ]
    assert cut.blocks[0].attributes["policy"].literal == '}\nresource "x" "y" {\n'
    assert_spans_exact(TRICKY, cut.blocks)


def test_continuation_lines_are_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'a = 1\n  + 2\nb = true\n  ? "x"\n  : "y"\nc = 3\n'
    monkeypatch.setattr(source_module, "_UNIT", 1)
    node, problems = source_module.parse_tfvars(text, "t.tfvars")
    assert problems == () and node is not None
    assert {k: v.expr_text for k, v in node.attributes.items()} == {
        "a": "1\n  + 2",
        "b": 'true\n  ? "x"\n  : "y"',
        "c": "3",
    }


def test_a_syntax_error_in_a_later_unit_has_its_line_and_no_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = 'locals {\n  a = 1\n  a = 2\n}\nresource "t" "n" {\n  x = = 1\n}\n'
    monkeypatch.setattr(source_module, "_UNIT", 1)
    parsed = parse_text(text, "late.tf")
    assert parsed.parsed is False and parsed.blocks == ()
    # The earlier unit's "set twice" is not kept: a file that does not parse has one problem.
    assert parsed.problems == (
        ParseProblem("late.tf", 6, "syntax error: unexpected '=', expected an expression"),
    )


@pytest.mark.parametrize(
    ("expr", "line"),
    [
        ("[" * 10_000 + "]" * 10_000, 2),
        ("{a = " * 129 + "1" + "}" * 129, 2),
        ('"' + "${" * 200 + "x" + "}" * 200 + '"', 2),
    ],
)
def test_hcl_nested_past_the_limit_is_a_problem_not_a_recursion_error(expr: str, line: int) -> None:
    parsed = parse_text(f"locals {{\n  a = {expr}\n}}\n", "deep.tf")
    assert parsed.parsed is False and parsed.blocks == ()
    assert parsed.problems == (
        ParseProblem("deep.tf", line, "nested more than 128 levels deep (driftpatch's limit)"),
    )


def test_hcl_nested_up_to_the_limit_is_read() -> None:
    # locals { a = [[...]] }: the block's brace is one level, the list 127 more.
    parsed = parse_text("locals {\n  a = " + "[" * 127 + "]" * 127 + "\n}\n", "ok.tf")
    assert parsed.problems == ()
    literal = parsed.blocks[0].attributes["a"].literal
    depth = 0
    while isinstance(literal, list):
        depth += 1
        literal = literal[0] if literal else None
    assert depth == 127


def test_an_oversize_tf_file_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "big.tf": "locals {\n" + "  a = 1\n" * 300 + "}\n",
            "small.tf": 'resource "aws_s3_bucket" "b" {}\n',
            "terraform.tfvars": "x = 1\n" + "# pad\n" * 400,
        },
    )
    monkeypatch.setenv("DRIFTPATCH_MAX_HCL_BYTES", "2K")
    index = index_source(tmp_path, root=tmp_path)
    assert index.problems == (
        ParseProblem(
            "big.tf",
            1,
            "is 2.4 KiB, over the limit of 2 KiB for a .tf file "
            "(set DRIFTPATCH_MAX_HCL_BYTES to raise it)",
        ),
        ParseProblem(
            "terraform.tfvars",
            1,
            "is 2.3 KiB, over the limit of 2 KiB for a .tfvars file "
            "(set DRIFTPATCH_MAX_HCL_BYTES to raise it)",
        ),
    )
    assert set(index.resources) == {"aws_s3_bucket.b"}
    assert index.modules[()].files == ("big.tf", "small.tf")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_tf_file_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
    os.mkfifo(tmp_path / "pipe.tf")
    os.mkfifo(tmp_path / "terraform.tfvars")
    index = index_source(tmp_path, root=tmp_path)  # returns: nothing waits on the FIFOs
    assert index.modules[()].files == ("main.tf",)
    assert index.problems == ()


def test_span_is_an_immutable_value() -> None:
    """Spans are packed into one int (memory), yet behave like the frozen dataclass they were."""
    import dataclasses
    import pickle

    span = Span(2, 3, 22, 1_000_000_000)
    assert (span.start_line, span.end_line, span.start, span.end) == (2, 3, 22, 1_000_000_000)
    assert span == Span(2, 3, 22, 1_000_000_000) and span != Span(2, 3, 22, 27)
    assert len({span, Span(2, 3, 22, 1_000_000_000)}) == 1
    assert repr(span) == "Span(start_line=2, end_line=3, start=22, end=1000000000)"
    assert pickle.loads(pickle.dumps(span)) == span
    assert Span(1, 1, 2, 5).of("abcdefg") == "cde"
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="span field out of range: -1"):
        Span(1, 1, -1, 2)


def test_one_top_level_block_over_an_eighth_of_the_cap_is_a_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cutting bounds the parser's memory only between blocks: one huge block is refused."""
    monkeypatch.setenv("DRIFTPATCH_MAX_HCL_BYTES", "8K")  # one block: 1 KiB
    text = "locals {}\n\n# the big one\nlocals {\n" + "  a = 1\n" * 200 + "}\nlocals {}\n"
    parsed = parse_text(text, "big-block.tf")
    assert parsed.parsed is False and parsed.blocks == ()
    assert parsed.problems == (
        ParseProblem(
            "big-block.tf",
            4,
            "a top-level block of 1.6 KiB starts here, over the limit of 1 KiB for one block "
            "(an eighth of DRIFTPATCH_MAX_HCL_BYTES)",
        ),
    )
    monkeypatch.setenv("DRIFTPATCH_MAX_HCL_BYTES", "16K")
    clear_parse_cache()
    assert len(parse_text(text, "big-block.tf").blocks) == 3


def test_a_long_run_of_blank_lines_between_blocks_is_read() -> None:
    """The scanner once looked ahead over the whole run of blank lines from each of them:
    quadratic, so 100,000 blank lines took minutes."""
    text = 'resource "t" "a" {}\n' + "\n" * 100_000 + "# end\n" + 'resource "t" "b" {}\n'
    parsed = parse_text(text, "blank.tf")
    assert [(b.labels, b.span.start_line) for b in parsed.blocks] == [
        (("t", "a"), 1),
        (("t", "b"), 100_003),
    ]


def test_moving_blocks_by_one_addition_equals_moving_each_field() -> None:
    """reparse moves every block after an edit with one addition per span (packed fields):
    the result is the block the field-by-field move gives, for moves up and down."""
    import random

    from driftpatch.terraform.source import Span, _shift_block, parse_text

    text = (
        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  tags = { A = "1" }\n'
        "  versioning {\n    enabled = true\n  }\n}\n"
    )
    block = parse_text("\n" * 50 + " " * 300 + text, "moved.tf").blocks[0]
    rng = random.Random(7)
    for _ in range(50):
        chars, lines = rng.randint(-300, 5000), rng.randint(-50, 400)

        def by_field(span: Span, chars: int = chars, lines: int = lines) -> Span:
            return Span(
                span.start_line + lines, span.end_line + lines, span.start + chars, span.end + chars
            )

        moved = _shift_block(block, chars, lines)
        assert moved.span == by_field(block.span) and moved.body == by_field(block.body)
        for name, attr in block.attributes.items():
            assert moved.attributes[name].span == by_field(attr.span)
            assert moved.attributes[name].expr == by_field(attr.expr)
            for key, element in attr.elements.items():
                assert moved.attributes[name].elements[key].span == by_field(element.span)
        inner, moved_inner = block.blocks[0], moved.blocks[0]
        assert moved_inner.span == by_field(inner.span)
        assert moved_inner.attributes["enabled"].expr == by_field(inner.attributes["enabled"].expr)
        assert _shift_block(moved, -chars, -lines) == block
