"""Span-preserving HCL edits: change the original text only where the edit is.

python-hcl2's writers lose comments and spacing, so edits are text replacements at the exact
spans the source index found. Everything outside an edit's span stays byte for byte; new text is
rendered in `terraform fmt` style (fix/render.py), and where an edit changes which key is the
longest in a run of aligned `key = value` lines, that run's padding is realigned as fmt would —
whitespace only, and only inside the edited block.

New text takes the indentation of the file it goes into (`indent_unit`: 2 or 4 spaces, tabs),
one blank line separates an inserted or removed block from its neighbours, and no blank line or
trailing whitespace is left at the end of a body or file. An empty string is never written into
a string argument: it is how AWS reports an unset value, and the provider rejects it.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from driftpatch import seqs
from driftpatch.errors import FixError
from driftpatch.fix import render
from driftpatch.terraform.schema import AttributeSchema, BlockSchema, BlockTypeSchema
from driftpatch.terraform.source import AttributeNode, BlockNode

_STEP = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*|\"[^\"]*\")(?:\[(\d+)\])?$")
# `key = ` at the start of a line: an identifier or a quoted key, then `=` (not `==`).
_ASSIGN = re.compile(r'^(\s*)([A-Za-z_][A-Za-z0-9_-]*|"(?:[^"\\]|\\.)*")(\s*)=(?!=)\s*')
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$")
_NONSPACE = re.compile(r"\S")
_COMMA = re.compile(r"[ \t]*,[ \t]*")


class EditError(FixError):
    """The edit cannot be made safely (the value is an expression, the path is ambiguous...)."""


@dataclass(frozen=True)
class TextEdit:
    """Replace text[start:end] with `text`."""

    start: int
    end: int
    text: str


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for a, b in itertools.pairwise(ordered):
        if b.start < a.end:
            raise EditError(f"overlapping edits at offsets {a.start}-{a.end} and {b.start}-{b.end}")
    if not ordered:
        return text
    # One join (not a copy of the whole text per edit), and where it changed noted for the
    # comparisons of the two versions that follow (seqs.note_edit).
    parts: list[str] = []
    at = 0
    for e in ordered:
        parts += (text[at : e.start], e.text)
        at = e.end
    parts.append(text[at:])
    out = "".join(parts)
    if any(t is text for t in _NO_CR) and not any("\r" in e.text for e in ordered):
        _no_cr(out)
    first, last = ordered[0].start, max(e.end for e in ordered)
    seqs.note_edit(text, out, first, last, last + len(out) - len(text))
    return out


# -- text helpers ------------------------------------------------------------------------------


def line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def line_end(text: str, pos: int) -> int:
    """Offset just after the newline ending the line that holds `pos` (or len(text))."""
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl + 1


def indent_of(text: str, pos: int) -> str:
    start = line_start(text, pos)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def newline_of(text: str) -> str:
    # A search for "\r" first (a memchr): the two-character search walks every "\n" of a
    # large file, ~10 ms per patch on a 1.4 MB file. A text `apply_edits` made from one
    # known to hold no "\r" is not searched again (each patch's version of a large file).
    if any(t is text for t in _NO_CR):
        if _NO_CR[0] is not text:  # kept while asked: the original, asked once per patch
            _no_cr(text)
        return "\n"
    if "\r" in text:
        return "\r\n" if "\r\n" in text else "\n"
    _no_cr(text)
    return "\n"


_NO_CR_KEPT: Final = 4
_NO_CR: list[str] = []  # the last few large texts known to hold no "\r"; replaced, not mutated


def _no_cr(text: str) -> None:
    global _NO_CR
    if len(text) > 4096:
        _NO_CR = [text, *[t for t in _NO_CR if t is not text][: _NO_CR_KEPT - 1]]


def _with_newlines(snippet: str, nl: str) -> str:
    return snippet.replace("\n", nl) if nl != "\n" else snippet


# -- indentation -------------------------------------------------------------------------------

DEFAULT_UNIT = "  "


def _leading(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _deeper(outer: str, inner: str) -> str | None:
    """The indentation `inner` adds to `outer`, if it is deeper and extends it."""
    if len(inner) > len(outer) and inner.startswith(outer):
        return inner[len(outer) :]
    return None


def indent_unit(text: str, node: BlockNode | None = None) -> str:
    """The indentation one nesting level adds in this file: what the enclosing block's body
    adds to its header line, else the most common step after a line opening `{`, `[` or `(`
    in the file, else two spaces (terraform fmt's).

    New lines follow the file they go into: a 4-space or tab-indented file gets 4 spaces or
    tabs, so a patch does not make a reviewer's file mixed."""
    if node is not None:
        header = indent_of(text, node.span.start)
        body = text[line_end(text, node.span.start) : node.span.end]
        for line in body.split("\n"):
            if line.strip():
                unit = _deeper(header, _leading(line.rstrip("\r")))
                if unit is not None:
                    return unit
                break
    return _file_indent_unit(text)


@functools.lru_cache(maxsize=16)
def _file_indent_unit(text: str) -> str:
    """The most common indentation step in the file. Cached by text: every patch to a file
    asks (each verified patch re-edits the same large file), and the answer is a function of
    the text alone."""
    counts: dict[str, int] = {}
    opener: str | None = None
    heredoc: str | None = None
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        if not line.strip() or line.lstrip().startswith(("#", "//")):
            continue
        if opener is not None:
            unit = _deeper(opener, _leading(line))
            if unit is not None:
                counts[unit] = counts.get(unit, 0) + 1
            opener = None
        hd = _HEREDOC.search(line)
        if hd:
            heredoc = hd.group(1)
        elif line.rstrip().endswith(("{", "[", "(")):
            opener = _leading(line)
    if not counts:
        return DEFAULT_UNIT
    return max(counts.items(), key=lambda kv: (kv[1], kv[0] == DEFAULT_UNIT))[0]


def fit_lines(lines: Sequence[str], base: str, unit: str) -> list[str]:
    """Lines rendered at column 0 in fmt's two-space style, re-indented for the file: each
    two-space level becomes `unit`, everything is prefixed with `base`; blank lines stay empty
    (no trailing whitespace). Heredoc bodies keep their own spacing past the opening line's
    indentation (it is part of the string)."""
    out: list[str] = []
    heredoc: str | None = None
    heredoc_cols = 0
    heredoc_prefix = ""

    def converted(spaces: int) -> str:
        return unit * (spaces // 2) + " " * (spaces % 2)

    for line in lines:
        if not line.strip():
            out.append("")
            continue
        spaces = len(line) - len(line.lstrip(" "))
        if heredoc is not None:
            keep = max(spaces - heredoc_cols, 0)
            out.append(base + heredoc_prefix + " " * keep + line.lstrip(" "))
            if line.strip() == heredoc:
                heredoc = None
            continue
        out.append(base + converted(spaces) + line.lstrip(" "))
        hd = _HEREDOC.search(line)
        if hd:
            heredoc, heredoc_cols, heredoc_prefix = hd.group(1), spaces, converted(spaces)
    return out


def fit(rendered: str, base: str, unit: str) -> str:
    """`rendered` (a value or snippet at column 0) with its continuation lines fitted to a
    line indented `base` in a file indented by `unit`; the first line is left as is."""
    first, *rest = rendered.split("\n")
    return "\n".join([first, *fit_lines(rest, base, unit)])


# -- paths -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    index: int | None


def parse_path(path: str) -> list[Step]:
    steps = []
    for part in _split(path):
        m = _STEP.match(part)
        if not m:
            raise EditError(f"cannot edit attribute path {path!r}")
        name = m.group(1).strip('"')
        steps.append(Step(name, int(m.group(2)) if m.group(2) is not None else None))
    return steps


def _split(path: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in path:
        if ch == '"':
            depth ^= 1
        if ch == "." and not depth:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def _child_schema(
    schema: BlockSchema | None, name: str
) -> AttributeSchema | BlockTypeSchema | None:
    return schema.child(name) if schema is not None else None


def _is_block(schema: AttributeSchema | BlockTypeSchema | None, node: BlockNode, name: str) -> bool:
    """Written as nested block(s)? Existing code decides; else the schema (attributes of
    object lists, like security group `ingress`, are also written as blocks)."""
    if node.nested(name):
        return True
    if name in node.attributes:
        return False
    if isinstance(schema, BlockTypeSchema):
        return True
    if isinstance(schema, AttributeSchema) and isinstance(schema.type, list):
        inner = schema.type[1] if len(schema.type) == 2 else None
        return (
            schema.type[0] in ("list", "set")
            and isinstance(inner, list)
            and inner[:1] == ["object"]
        )
    return False


# -- insertion inside a block -----------------------------------------------------------------


def _insert_in_block(text: str, node: BlockNode, snippet_lines: Sequence[str]) -> TextEdit:
    """Insert whole lines (rendered at column 0, two-space style) before the block's closing
    brace, indented one level of the file's unit deeper than the block, as a group of their own
    (after a blank line) unless the body is empty."""
    nl = newline_of(text)
    close = node.body.end  # the closing brace
    body = text[node.body.start : close]
    outer = indent_of(text, node.span.start)
    unit = indent_unit(text, node)
    lines = "".join(ln + nl for ln in fit_lines(snippet_lines, outer + unit, unit))
    if not body.strip():
        # `{}` or `{\n}`: replace the whole body.
        return TextEdit(node.body.start, close, nl + lines + outer)
    if "\n" not in body:
        # A one-line block (`{ a = 1 }`): HCL allows no second item on that line, so the
        # existing item moves to a line of its own.
        existing = outer + unit + body.strip() + nl
        return TextEdit(node.body.start, close, nl + existing + nl + lines + outer)
    brace_line = line_start(text, close)
    if text[brace_line:close].strip():
        # Closing brace shares a line with content (`  a = 1 }`): break the line first.
        # (From the body's start, not the file's: the stretch stripped is on the brace's line.)
        content_end = node.body.start + len(text[node.body.start : close].rstrip(" \t"))
        return TextEdit(content_end, close, nl + nl + lines + outer)
    # The body holds content: whether the file before the brace's line ends with a blank
    # line is decided inside the body (a copy of the file's head per patch otherwise).
    before = text[node.body.start : brace_line].rstrip(" \t")
    blank_already = before.endswith((nl + nl, "\n\n"))
    return TextEdit(brace_line, brace_line, ("" if blank_already else nl) + lines)


def _lines(rendered: str) -> list[str]:
    return rendered.rstrip("\n").split("\n")


def _assignment_lines(name: str, value: Any) -> list[str]:
    return _lines(f"{render.key(name)} = {render.value(value, 0)}")


def _block_lines(name: str, arguments: Mapping[str, Any]) -> list[str]:
    return _lines(render.block(name, (), arguments))


# -- public operations ------------------------------------------------------------------------


def set_value(
    text: str, node: BlockNode, path: str, value: Any, schema: BlockSchema | None = None
) -> list[TextEdit]:
    """Set `path` in `node` to `value`, creating nested blocks or object keys as needed.

    Paths: `encrypted`, `tags.Env`, `metadata_options[0].http_tokens`, `ingress` (a list of
    objects for a block-written attribute replaces all its blocks)."""
    steps = parse_path(path)
    check_not_empty(schema, path, value)
    return _set(text, node, steps, value, schema)


def check_not_empty(schema: BlockSchema | None, path: str, value: Any) -> None:
    """Refuse `""` for a string argument of the resource (`path` in its schema): it is how AWS
    reports an unset value, and the provider rejects it (enumerations like http_endpoint, ids,
    ARNs). Callers that write the value elsewhere (a variable default, tfvars) check the
    resource's path with this first."""
    if value == "" and _string_argument(_leaf_schema(schema, parse_path(path))):
        raise EditError(
            f"{path} would be set to an empty string: AWS reports no value there, and the "
            "provider does not accept an empty string for this argument"
        )


def _leaf_schema(
    schema: BlockSchema | None, steps: Sequence[Step]
) -> AttributeSchema | BlockTypeSchema | None:
    spec: AttributeSchema | BlockTypeSchema | None = None
    for step in steps:
        spec = _child_schema(schema, step.name)
        schema = spec.block if isinstance(spec, BlockTypeSchema) else None
    return spec


def _set(
    text: str, node: BlockNode, steps: list[Step], value: Any, schema: BlockSchema | None
) -> list[TextEdit]:
    step, rest = steps[0], steps[1:]
    spec = _child_schema(schema, step.name)
    if _is_block(spec, node, step.name):
        inner = spec.block if isinstance(spec, BlockTypeSchema) else None
        existing = node.nested(step.name)
        if not rest:
            return _replace_blocks(text, node, step.name, existing, value)
        index = step.index or 0
        if index < len(existing):
            return _set(text, existing[index], rest, value, inner)
        if index == len(existing) == 0:
            return [_insert_in_block(text, node, _block_lines(step.name, _nest(rest, value)))]
        raise EditError(f"{step.name}[{index}] does not exist in the code")
    attr = node.attributes.get(step.name)
    if not rest:
        if attr is not None:
            # Realigned: a value of another length moves a trailing comment out of its column.
            return _realigned(
                text, node, [_replace_expr(text, attr, value, indent_unit(text, node))]
            )
        return _realigned(
            text, node, [_insert_in_block(text, node, _assignment_lines(step.name, value))]
        )
    if step.index is not None:
        raise EditError(f"cannot edit inside {step.name}[{step.index}]: not a nested block")
    # An object attribute: `tags.Env`.
    if len(rest) != 1 or rest[0].index is not None:
        raise EditError(f"cannot edit {step.name}.{'.'.join(s.name for s in rest)}")
    key = rest[0].name
    if attr is None:
        return _realigned(
            text, node, [_insert_in_block(text, node, _assignment_lines(step.name, {key: value}))]
        )
    return _set_object_key(text, node, attr, key, value)


def _nest(rest: list[Step], value: Any) -> dict[str, Any]:
    """`[a, b]` + v -> {"a": Block({"b": v})}-like nested dicts for render.block."""
    from driftpatch.rules.interface import Block

    head, tail = rest[0], rest[1:]
    if not tail:
        return {head.name: value}
    return {head.name: Block(_nest(tail, value))}


def _replace_expr(text: str, attr: AttributeNode, value: Any, unit: str) -> TextEdit:
    rendered = fit(render.value(value, 0), indent_of(text, attr.span.start), unit)
    return TextEdit(attr.expr.start, attr.expr.end, _with_newlines(rendered, newline_of(text)))


def _set_object_key(
    text: str, node: BlockNode, attr: AttributeNode, key: str, value: Any
) -> list[TextEdit]:
    if key in attr.elements:
        return [_replace_expr(text, attr.elements[key], value, indent_unit(text, node))]
    expr = text[attr.expr.start : attr.expr.end]
    if not (expr.startswith("{") and expr.endswith("}")):
        raise EditError(
            f"{attr.name} is the expression `{' '.join(expr.split())[:60]}`, not an object "
            "literal: cannot add a key safely"
        )
    close = attr.expr.end - 1
    nl = newline_of(text)
    unit = indent_unit(text, node)
    outer = indent_of(text, attr.span.start)
    pad = outer + unit
    item = fit(f"{render.key(key)} = {render.value(value, 0)}", pad, unit).replace("\n", nl)
    if "\n" not in expr:  # `{ a = 1 }` or `{}` on one line: make it multi-line.
        items = expr[1:-1].strip()
        body = (pad + items + nl if items else "") + pad + item + nl
        new = "{" + nl + body + outer + "}"
        edit = TextEdit(attr.expr.start, attr.expr.end, new)
    else:
        edit = TextEdit(line_start(text, close), line_start(text, close), pad + item + nl)
    return _realigned(text, node, [edit])


def _replace_blocks(
    text: str, node: BlockNode, name: str, existing: Sequence[BlockNode], value: Any
) -> list[TextEdit]:
    """Replace every `name` block with one block per element of `value` (a list of objects)."""
    elements = value if isinstance(value, list) else [value] if isinstance(value, Mapping) else None
    if elements is None or not all(isinstance(e, Mapping) for e in elements):
        raise EditError(f"{name} is written as blocks; the value is not a list of objects")
    rendered = [
        _lines(render.block(name, (), {k: v for k, v in e.items() if not _empty(v)}))
        for e in elements
    ]
    edits = [remove_block(text, b) for b in existing]
    if rendered:
        lines: list[str] = []
        for i, r in enumerate(rendered):
            if i:
                lines.append("")
            lines.extend(r)
        if existing:
            nl = newline_of(text)
            pad = indent_of(text, existing[0].span.start)
            first = line_start(text, existing[0].span.start)
            unit = indent_unit(text, node)
            joined = "".join(ln + nl for ln in fit_lines(lines, pad, unit))
            edits[0] = TextEdit(first, edits[0].end, joined)
        else:
            edits.append(_insert_in_block(text, node, lines))
    return edits


def _string_argument(spec: AttributeSchema | BlockTypeSchema | None) -> bool:
    """A plain string argument: where an empty string means "unset" to AWS, and the provider
    rejects it (enumerations like http_endpoint, ARNs, ids) or keeps a default instead."""
    return isinstance(spec, AttributeSchema) and spec.type == "string"


def _empty(value: Any) -> bool:
    return value is None or value is False or value == [] or value == {} or value == ""


def remove_value(text: str, node: BlockNode, path: str) -> list[TextEdit]:
    steps = parse_path(path)
    target = node
    for step in steps[:-1]:
        blocks = target.nested(step.name)
        index = step.index or 0
        if index >= len(blocks):
            return []
        target = blocks[index]
    last = steps[-1]
    if last.name in target.attributes:
        attr = target.attributes[last.name]
        return _realigned(text, target, [_remove_lines(text, attr.span.start, attr.span.end)])
    blocks = target.nested(last.name)
    if last.index is not None:
        blocks = blocks[last.index : last.index + 1]
    return [remove_block(text, b) for b in blocks]


def _remove_lines(text: str, start: int, end: int) -> TextEdit:
    """Remove [start, end) and, when it stands alone on its lines, those whole lines."""
    first, last = line_start(text, start), line_end(text, end)
    alone = not text[first:start].strip() and not text[end:last].strip().lstrip("#").strip()
    if alone or not text[end:last].strip() or text[end:last].strip().startswith(("#", "//")):
        return TextEdit(first, last, "")
    return TextEdit(start, end, "")


def remove_block(text: str, node: BlockNode) -> TextEdit:
    """Remove a block with its whole lines, and the blank line that separated it: afterwards
    its neighbours are one blank line apart, and no blank line is left at the start or end of
    the enclosing body or of the file."""
    edit = _remove_lines(text, node.span.start, node.span.end)
    if edit.start != line_start(text, edit.start) or edit.end != line_start(text, edit.end):
        return edit  # not whole lines: shares a line with other code
    prev_start = line_start(text, edit.start - 1) if edit.start else 0
    prev = text[prev_start : edit.start] if edit.start else None
    following = text[edit.end : line_end(text, edit.end)] if edit.end < len(text) else None
    prev_blank = prev is not None and not prev.strip()
    next_blank = following is not None and not following.strip()
    opens = prev is None or prev.rstrip().endswith("{")
    closes = following is None or following.strip().startswith("}")
    if next_blank and (prev_blank or opens):
        return TextEdit(edit.start, edit.end + len(following or ""), "")
    if prev_blank and closes:
        return TextEdit(prev_start, edit.end, "")
    return edit


def replace_block(text: str, node: BlockNode, line: str) -> TextEdit:
    """Replace a block standing on its own lines by one line (`egress = []`), keeping the blank
    lines around it as they are; next to an attribute line, a blank line is added between them
    so that `terraform fmt` does not align the new line with its neighbours' `=`."""
    edit = _remove_lines(text, node.span.start, node.span.end)
    if edit.start != line_start(text, edit.start) or edit.end != line_start(text, edit.end):
        return TextEdit(node.span.start, node.span.end, line.strip())  # shares a line
    nl = newline_of(text)
    prev_start = line_start(text, edit.start - 1) if edit.start else 0
    prev = text[prev_start : edit.start].strip() if edit.start else ""
    following = text[edit.end : line_end(text, edit.end)].strip()
    before = nl if _is_attribute_line(prev) else ""
    after = nl if _is_attribute_line(following) else ""
    return TextEdit(edit.start, edit.end, f"{before}{line.rstrip()}{nl}{after}")


def _is_attribute_line(line: str) -> bool:
    """A line `terraform fmt` would align with an attribute line right after or before it."""
    return bool(re.match(r"^[A-Za-z_][A-Za-z0-9_-]*\s*=", line))


def _top_level(text: str, snippet: str) -> str:
    """A top-level snippet (rendered in two-space style) in the file's indentation and line
    endings, ending with exactly one newline."""
    lines = fit_lines(snippet.rstrip("\n").split("\n"), "", indent_unit(text))
    return _with_newlines("\n".join(lines) + "\n", newline_of(text))


def new_file(snippet: str, siblings: Iterable[str]) -> str:
    """The text of a new file holding `snippet`, indented like most of the module's other
    files (`siblings`, their texts): a new imported.tf in a tab-indented module uses tabs."""
    units: dict[str, int] = {}
    for text in siblings:
        if text.strip():
            unit = indent_unit(text)
            units[unit] = units.get(unit, 0) + 1
    unit = max(units.items(), key=lambda kv: (kv[1], kv[0] == DEFAULT_UNIT))[0] if units else ""
    lines = fit_lines(snippet.rstrip("\n").split("\n"), "", unit or DEFAULT_UNIT)
    return "\n".join(lines) + "\n"


def insert_after(text: str, node: BlockNode, snippet: str) -> TextEdit:
    """A new top-level block after `node`, one blank line from it and from what follows."""
    nl = newline_of(text)
    at = line_end(text, node.span.end - 1)
    prefix = nl if at == len(text) and not text.endswith(nl) else ""
    more = _NONSPACE.search(text, at) is not None  # text[at:].strip(), without the copy
    suffix = nl if more and not text.startswith((nl, "\n"), at) else ""
    return TextEdit(at, at, prefix + nl + _top_level(text, snippet) + suffix)


def append(text: str, snippet: str) -> TextEdit:
    """A new top-level block at the end of the file, after one blank line; blank lines that
    ended the file are not kept after it."""
    nl = newline_of(text)
    body = _top_level(text, snippet)
    if _NONSPACE.search(text) is None:
        return TextEdit(0, len(text), body)
    end = len(text)  # len(text.rstrip()), without the copy
    while text[end - 1].isspace():
        end -= 1
    return TextEdit(end, len(text), nl + nl + body)


# -- alignment ---------------------------------------------------------------------------------


def _realigned(text: str, node: BlockNode, edits: list[TextEdit]) -> list[TextEdit]:
    """`edits` plus whitespace edits that realign `=` in the runs of `node` they touch, as
    terraform fmt would; expressed as one replacement of the block's span, in which only the
    padding before `=` of those runs differs beyond `edits` themselves."""
    start = node.span.start
    if all(start <= e.start and e.end <= node.span.end for e in edits):
        # The edits inside the block: made to the block's text alone (a copy of the whole
        # file per patch otherwise), offsets in it `start` less than in the file.
        at = start
        edited = apply_edits(
            text[start : node.span.end], [TextEdit(e.start - at, e.end - at, e.text) for e in edits]
        )
    else:
        at = 0
        edited = apply_edits(text, edits)
    shift = 0
    touched: set[int] = set()
    for e in sorted(edits, key=lambda e: e.start):
        new_start = e.start + shift
        new_end = new_start + len(e.text)
        first = edited.count("\n", start - at, max(start, new_start) - at)
        last = edited.count("\n", start - at, max(start, new_end) - at)
        touched.update(range(first, last + 1))
        shift += len(e.text) - (e.end - e.start)
    end = node.span.end + shift
    block = edited[start - at : end - at]
    fixed = realign(block, touched)
    if fixed == block:
        return edits
    return [TextEdit(node.span.start, node.span.end, fixed)]


def realign(block_text: str, touched: set[int] | None = None) -> str:
    """Align `=` across runs of consecutive single-line assignments of equal indentation; with
    `touched` (line numbers), only the runs holding or bordering one of those lines.

    Multi-line assignments (whose value opens `{`, `[`, `(` or a heredoc on their first line),
    blank lines, comments and nested blocks end a run, as in `terraform fmt`."""
    lines = block_text.split("\n")
    out = list(lines)
    run: list[tuple[int, re.Match[str]]] = []
    heredoc: str | None = None

    def flush() -> None:
        if touched is not None and not any(
            i in touched or i - 1 in touched or i + 1 in touched for i, _ in run
        ):
            run.clear()
            return
        if len(run) > 1:
            width = max(len(m.group(2)) for _, m in run)
            for i, m in run:
                rest = lines[i][m.end() :]
                out[i] = f"{m.group(1)}{m.group(2).ljust(width)} = {rest}"
        elif run:
            i, m = run[0]
            out[i] = f"{m.group(1)}{m.group(2)} = {lines[i][m.end() :]}"
        run.clear()

    depth_indent: str | None = None
    for i, raw in enumerate(lines):
        line = raw.rstrip("\r")
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        m = _ASSIGN.match(line)
        opens = line.rstrip().endswith(("{", "[", "(")) or _HEREDOC.search(line)
        if m and not opens:
            if run and m.group(1) != depth_indent:
                flush()
            depth_indent = m.group(1)
            run.append((i, m))
            continue
        flush()
        hd = _HEREDOC.search(line)
        if hd:
            heredoc = hd.group(1)
    flush()
    return "\n".join(_comments_aligned(out, touched))


def _trailing_comment(line: str) -> int | None:
    """Where a trailing `#` or `//` comment starts, outside strings; None when the line has
    none or is a comment itself."""
    stripped = line.lstrip()
    if not stripped or stripped.startswith(("#", "//", "/*")):
        return None
    in_string = escaped = False
    for i, c in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "#" or line.startswith("//", i):
            return i
    return None


def _comments_aligned(lines: list[str], touched: set[int] | None) -> list[str]:
    """Trailing comments of consecutive lines start in one column, one space after the longest
    line's code, as `terraform fmt` aligns them (a line without one ends the chain); with
    `touched`, only chains holding one of those lines (an edit that turned `false` into `true`
    left `= true # ...` one space short)."""
    out = list(lines)
    chain: list[tuple[int, int]] = []
    heredoc: str | None = None

    def close() -> None:
        if chain and (touched is None or any(i in touched for i, _ in chain)):
            column = max(len(out[i][:at].rstrip()) for i, at in chain) + 1
            for i, at in chain:
                out[i] = out[i][:at].rstrip().ljust(column) + out[i][at:]
        chain.clear()

    for i, raw in enumerate(lines):
        line = raw.rstrip("\r")
        if heredoc is not None:
            close()
            if line.strip() == heredoc:
                heredoc = None
            continue
        at = _trailing_comment(line)
        if at is None:
            close()
        else:
            chain.append((i, at))
        hd = _HEREDOC.search(line)
        if hd:
            close()
            heredoc = hd.group(1)
    close()
    return out


# -- edits at a place another module found (fix/trace.py) ------------------------------------


def replace_expr(text: str, attr: AttributeNode, value: Any, unit: str) -> TextEdit:
    """Replace `attr`'s expression (an argument, an object element, a list item) by `value`,
    its continuation lines fitted to the line `attr` is on."""
    return _replace_expr(text, attr, value, unit)


def remove_element(text: str, node: BlockNode, attr: AttributeNode) -> list[TextEdit]:
    """Remove one element (`key = value`) of an object literal inside `node`: its whole line
    when it stands alone, else it and the comma after it; `=` realigned as fmt would."""
    start, end = attr.span.start, attr.span.end
    comma = _COMMA.match(text, end)
    before = re.search(r"[ \t]*,[ \t]*$", text[line_start(text, start) : start])
    if comma is not None:
        end += comma.end()
    elif before is not None:  # the last of a one-line object: the comma before it goes
        rest = text[end : line_end(text, end)]
        spaces = len(rest) - len(rest.lstrip(" \t"))
        return [TextEdit(start - len(before.group(0)), end + spaces, " ")]
    return _realigned(text, node, [_remove_lines(text, start, end)])


def set_object_key(
    text: str, node: BlockNode, attr: AttributeNode, key: str, value: Any
) -> list[TextEdit]:
    """Set `key` in the object literal `attr` (inside block `node`): replace its value, or add
    it as the object's last item, `=` realigned as fmt would."""
    return _set_object_key(text, node, attr, key, value)
