"""A tiny stand-in for driftpatch.terraform.source (the HCL source index), for rule tests.

Implements only what the rules read: texts, top-level blocks, resources by config address,
locate / locate_attribute, and per-attribute spans, expression text and literal values. Built on
hcl2.parses_to_tree like the real index; literal values come from hcl2's serialiser, and any
value that holds an interpolation or a function call is NOT_LITERAL. Root module only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from driftpatch.model import Address, Location


class _NotLiteral:
    def __repr__(self) -> str:
        return "NOT_LITERAL"


NOT_LITERAL: Any = _NotLiteral()


@dataclass(frozen=True)
class Span:
    start_line: int
    end_line: int
    start: int
    end: int


@dataclass(frozen=True)
class AttributeNode:
    name: str
    span: Span
    expr: Span
    expr_text: str
    literal: Any
    elements: tuple[Any, ...] = ()


@dataclass(frozen=True)
class BlockNode:
    file: str
    type: str
    labels: tuple[str, ...]
    span: Span
    body: Span
    attributes: Mapping[str, AttributeNode]
    blocks: tuple[BlockNode, ...]

    def nested(self, type_: str) -> tuple[BlockNode, ...]:
        return tuple(b for b in self.blocks if b.type == type_)


@dataclass
class SourceIndex:
    texts: dict[str, str]
    blocks: tuple[BlockNode, ...] = ()
    resources: dict[str, BlockNode] = field(default_factory=dict)

    def locate(self, address: str) -> Location | None:
        try:
            cfg = Address.parse(address).config_address
        except ValueError:
            return None
        block = self.resources.get(cfg)
        if block is None:
            return None
        return Location(block.file, block.span.start_line, block.span.end_line)

    def locate_attribute(self, address: str, path: str) -> Location | None:
        block = self.resources.get(Address.parse(address).config_address)
        for step in path.split("."):
            if block is None:
                return None
            name, _, rest = step.partition("[")
            index = int(rest.rstrip("]")) if rest else 0
            if name in block.attributes:
                attr = block.attributes[name]
                return Location(block.file, attr.span.start_line, attr.span.end_line)
            found = block.nested(name)
            block = found[index] if index < len(found) else None
        if block is None:
            return None
        return Location(block.file, block.span.start_line, block.span.end_line)


_OPTIONS = SerializationOptions(
    with_comments=False, explicit_blocks=False, strip_string_quotes=True, preserve_heredocs=False
)


def _literal(expr_text: str) -> Any:
    try:
        value = hcl2.loads(f"x = {expr_text}\n", serialization_options=_OPTIONS)["x"]
    except Exception:
        return NOT_LITERAL
    return NOT_LITERAL if _has_expression(value) else value


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value or "%{" in value
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    if isinstance(value, dict):
        return any(_has_expression(v) for v in value.values())
    return False


def _token_text(node: Any) -> str:
    return str(node)


def _label(node: Any) -> str:
    # string -> '"', string_part..., '"'
    parts = [str(c.children[0]) if hasattr(c, "children") else str(c) for c in node.children]
    return "".join(p for p in parts if p != '"')


def _span(text: str, node: Any) -> Span:
    meta = node.meta
    return Span(meta.line, meta.end_line, meta.start_pos, meta.end_pos)


def _block(file: str, text: str, node: Any) -> BlockNode:
    children = [c for c in node.children if hasattr(c, "data")]
    head = children[0]
    type_ = str(head.children[0])
    labels = tuple(_label(c) for c in children[1:] if c.data == "string")
    if not labels:
        labels = tuple(str(c.children[0]) for c in children[1:] if c.data == "identifier")
    body = next(c for c in children if c.data == "body")
    attributes: dict[str, AttributeNode] = {}
    blocks: list[BlockNode] = []
    for child in body.children:
        data = getattr(child, "data", None)
        if data == "attribute":
            name_node = child.children[0]
            name = str(name_node.children[0])
            expr = child.children[-1]
            expr_text = text[expr.meta.start_pos : expr.meta.end_pos].rstrip()
            attributes[name] = AttributeNode(
                name=name,
                span=_span(text, child),
                expr=_span(text, expr),
                expr_text=expr_text,
                literal=_literal(expr_text),
            )
        elif data == "block":
            blocks.append(_block(file, text, child))
    body_span = _span(text, node)
    return BlockNode(file, type_, labels, _span(text, node), body_span, attributes, tuple(blocks))


def index_texts(texts: Mapping[str, str]) -> SourceIndex:
    index = SourceIndex(texts=dict(texts))
    blocks: list[BlockNode] = []
    for file in sorted(texts):
        tree = hcl2.parses_to_tree(texts[file])
        body = tree.children[0]
        for child in body.children:
            if getattr(child, "data", None) == "block":
                blocks.append(_block(file, texts[file], child))
    index.blocks = tuple(blocks)
    for b in blocks:
        if b.type == "resource" and len(b.labels) == 2:
            index.resources[f"{b.labels[0]}.{b.labels[1]}"] = b
        elif b.type == "data" and len(b.labels) == 2:
            index.resources[f"data.{b.labels[0]}.{b.labels[1]}"] = b
    return index


def index_source(directory: Path) -> SourceIndex:
    return index_texts(
        {str(p.relative_to(directory)): p.read_text() for p in sorted(directory.rglob("*.tf"))}
    )
