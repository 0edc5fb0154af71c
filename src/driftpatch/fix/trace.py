"""Trace a drifted value to the one place in the code that writes it for the instance that drifted.

Module code serves every caller, a `count`/`for_each` block serves every instance, and a
variable may feed several blocks: writing a live value where the resource block reads it would
change instances that did not drift (or make a module's input dead for every caller). So the
value is followed, expression by expression, from the resource to where it is written for that
one instance:

- `var.x` inside a module -> the `module "m" { x = ... }` argument in the caller (followed on
  through the caller's own expressions); an argument the caller does not set is added to the
  call, holding the variable's default with the drifted part changed, so other callers keep the
  default. In the root module -> terraform.tfvars / *.auto.tfvars / -var-file, else the default.
- `merge(a, b, ...)` -> the last argument that writes the key; a key nobody writes goes into the
  last argument that is written per instance (the caller's tags map), which merge lets win.
- `each.value.x` / `x[count.index]` -> the instance's entry of the for_each collection or the
  count-indexed list: a literal map or list, a local, a variable's default or tfvars.
- `local.x` -> its `locals` entry; object literals `{ k = v }` are followed key by key.
- `for` expressions (`{ for s in var.l : s.name => s }`, `{ for k, v in var.m : k => v.y }`,
  `[for s in local.l : s.c][count.index]`) -> the one element of the collection whose key
  (or position) is the entry's, where the collection is written; filters (`if`), grouping
  (`...`) and computed keys are refused, as is writing what makes the entry's key.
- `lookup(m, "k", default)` -> key k of m (added there when m does not write it);
  `element(list, count.index)` -> the instance's element, unless the list wraps around.
- a `dynamic` block's element -> the element of its for_each collection, wherever written; a
  set of blocks (security group rules) is matched by content, not by position.

Removing one instance (a MISSING finding) follows the same places: the last instance of a
count (`drop_last`: the number, or the last element of the list `length()` counts), or the
entry of a for_each collection (`drop_entry`).

Where the place found is shared with instances that did not drift (module code reused by other
calls, a count/for_each block, a variable or local read elsewhere), `NoPatch` says where the
value is written and why patching it there would change the others. Every reason names what is
written; none says "not written in the code" when it is.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeAlias

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError

from driftpatch.fix import hcl_edit, render
from driftpatch.fix.hcl_edit import TextEdit
from driftpatch.fix.operations import NoPatch
from driftpatch.model import Address, IndexKey, _split_address
from driftpatch.rules.interface import Expr
from driftpatch.terraform.evaluate import closing_brace, instances
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.source import (
    NOT_LITERAL,
    AttributeNode,
    BlockNode,
    SourceIndex,
    Span,
    parse_tfvars,
)

Key: TypeAlias = str | int
ModuleKeys: TypeAlias = tuple[tuple[str, IndexKey], ...]
_Node: TypeAlias = "Tree[Token] | Token"

# `cond ? 1 : 0` (or `? 0 : 1`), or a literal 0/1: a count that makes at most one instance.
_AT_MOST_ONE = re.compile(r"[^?:]*\?\s*[01]\s*:\s*[01]\s*", re.DOTALL)
_HEREDOC_TOKENS = frozenset({"HEREDOC_TEMPLATE", "HEREDOC_TEMPLATE_TRIM"})
_PREFIX = "x = "
# An expression that starts with a `for` expression (possibly indexed after it).
_FOR = re.compile(r"[\[{]\s*for\s")


@dataclass(frozen=True)
class _ForEntry:
    """The element of a `for` expression's collection that gives one entry: `whole` is where
    the collection is written, `label` the element's index or key there; `key_path` the part
    of it the entry's key is made from (`s.name`), written `key_text`; `key_name`/`value_name`
    the expression's symbols and `value` its value expression."""

    whole: Write
    label: Key
    item: AttributeNode
    key_path: tuple[str, ...] | None
    key_text: str
    key_name: str | None
    value_name: str
    value: Any


class _Dynamic:
    """An index the trace cannot evaluate (`[var.i]`)."""

    def __init__(self, text: str) -> None:
        self.text = text


@dataclass(frozen=True)
class Binding:
    """What an iterator stands for: the written element. A dynamic block's iterator reaches it
    as `rule.value` (`direct` False); a `for` expression's value symbol is the element itself
    (`s` in `[for s in local.list : s.cidr]`), and `key_path` is the part of the element the
    expression makes its entry's key from (`s.name` -> ("name",)), which cannot be written
    without making a new entry."""

    attr: AttributeNode
    frame: Frame
    host: BlockNode
    direct: bool = False
    key_path: tuple[str, ...] | None = None
    key_from: str = ""  # "`s.name` in the for expression `{ for s in ... }`"


@dataclass(frozen=True)
class Frame:
    """Where an expression is evaluated.

    `block`: the top-level block holding it (resource, module call, locals, variable, tfvars);
    `module`: the module instance path whose code `block` is; `key`: what `count.index`,
    `each.key` and `each.value` mean there; `fanout`: why `block`'s text serves several
    instances (a count/for_each), which an index by `key` resolves; `carried`: why the value is
    shared, learnt in frames already left (nothing resolves it any more)."""

    block: BlockNode
    module: ModuleKeys
    key: IndexKey
    fanout: str | None
    carried: str | None
    place: str = "literal"  # how a reviewer would name the place: "default of var.x"
    note: str = ""  # what narrowed it to the instance: "for_each entry 'a'"
    # Iterators of the dynamic blocks and `for` expressions around the expression: name -> the
    # element it stands for.
    iterators: tuple[tuple[str, Binding], ...] = ()
    # Key symbols of the `for` expressions around it (`k` in `for k, v in ...`), with the text
    # of the expression: the entry's key, which no write can change.
    for_keys: tuple[tuple[str, str], ...] = ()

    def via(self, file: str, extra: str = "") -> str:
        """How the patch note names the place: "default of var.x, for_each entry 'a', in f"."""
        parts = [self.place, *(p for p in (self.note, extra) if p)]
        return f"{', '.join(parts)}, in {file}" if len(parts) > 1 else f"{parts[0]} in {file}"

    def leave(self) -> str | None:
        """Why the value is shared, for the frame the trace moves to next."""
        return self.carried or self.fanout


@dataclass(frozen=True)
class Write:
    """The place found: replace `attr`'s expression (key None), add `key` to the object literal
    `attr`, or (attr None) set `path` in `host` (a new argument, or nested blocks)."""

    frame: Frame
    host: BlockNode  # the block the edit is in (indentation, alignment)
    attr: AttributeNode | None
    key: str | None
    path: str | None
    value: Any
    via: str
    added: bool
    shared: str | None = None  # why writing here changes other instances
    # Shared only because the module's code serves other callers (not a count/for_each, not a
    # variable or local read elsewhere): a new module input can make it per caller.
    module_only: bool = False

    @property
    def attr_text(self) -> str:
        return self.attr.expr_text.lstrip() if self.attr is not None else ""

    @property
    def file(self) -> str:
        return self.host.file

    def edits(self, text: str, shape: Callable[[Any, AttributeNode | None], Any]) -> list[TextEdit]:
        """The text edits, with the value shaped by `shape` (e.g. a policy as jsonencode)."""
        if self.attr is None:
            assert self.path is not None
            return hcl_edit.set_value(text, self.host, self.path, shape(self.value, None))
        if self.key is None:
            unit = hcl_edit.indent_unit(text, self.host)
            return [hcl_edit.replace_expr(text, self.attr, shape(self.value, self.attr), unit)]
        return hcl_edit.set_object_key(text, self.host, self.attr, self.key, self.value)


# -- entry points ------------------------------------------------------------------------------


def trace(
    index: SourceIndex,
    address: str,
    path: str,
    value: Any,
    extra: Sequence[Key] = (),
    tracer: _Tracer | None = None,
) -> Write:
    """Where to write `value` for `path` of the one instance `address`; NoPatch with the reason
    where no place changes that instance alone. `extra`: keys inside the attribute's value that
    the path cannot spell (the JSON keys of a `jsonencode({...})` document)."""
    write = _locate(index, address, path, value, extra, tracer)
    if write.shared:
        raise NoPatch(write.shared)
    nulled = value is None and not write.attr_text.startswith(("{", "["))
    if (
        write.attr is not None
        and write.key is None
        and write.attr.literal is NOT_LITERAL
        and not nulled
    ):
        raise NoPatch(
            f"{write.attr.name} is written as `{_short(write.attr.expr_text)}` "
            f"({_at(write.attr, write.file)}), which holds expressions: writing the whole value "
            "there would replace them with literals"
        )
    return write


def module_input(
    index: SourceIndex, address: str, path: str, value: Any
) -> tuple[list[tuple[str, list[TextEdit]]], str] | None:
    """A literal hard-coded in a resource of a local module that other callers share: a new
    input of the module, defaulting to the literal (so every other caller keeps it), read where
    the literal was, and set to `value` in the one caller whose instance drifted. (file, edits)
    per file and the note; None where this does not apply (the value is not shared only by
    the module's callers, not a literal argument of the resource, or the caller is shared)."""
    try:
        write = _locate(index, address, path, value)
    except (NoPatch, hcl_edit.EditError):
        return None
    attr, host = write.attr, write.host
    steps = hcl_edit.parse_path(path)
    if (
        not (write.shared and write.module_only)
        or attr is None
        or write.key is not None
        or write.added
        or attr.literal is NOT_LITERAL
        or host.type != "resource"
        or len(steps) != 1
        or steps[0].index is not None
        or host.attributes.get(steps[0].name) is not attr
    ):
        return None
    t = _Tracer(index, address)
    module = write.frame.module
    names = tuple(n for n, _ in module)
    call = t._call(names)
    if call is None or t.fanout(call) is not None or t.module_shared(module[:-1]) is not None:
        return None  # the caller's own text serves several instances too
    source = call.attributes.get("source")
    if source is None or not str(source.literal).startswith(("./", "../")):
        return None  # a registry or git module's code is not the repository's to edit
    taken = set(index.variables(names)) | set(call.attributes)
    name = next(
        (n for n in (steps[0].name, f"{host.labels[1]}_{steps[0].name}") if n not in taken), None
    )
    if name is None or host.file == call.file:
        return None
    text = index.texts[host.file]
    variable = render.block(
        "variable",
        (name,),
        {
            "description": f"{steps[0].name} of {'.'.join(host.labels)}; each caller may set "
            "its own (the default is the value this module wrote for every caller)",
            "default": attr.literal,
        },
    )
    unit = hcl_edit.indent_unit(text, host)
    in_module = [
        hcl_edit.replace_expr(text, attr, Expr(f"var.{name}"), unit),
        hcl_edit.append(text, variable),
    ]
    in_call = hcl_edit.set_value(index.texts[call.file], call, name, value)
    via = (
        f"new input {name} of the module in {host.file}, defaulting to the value it wrote for "
        f"every caller, set in module {names[-1]} at {_at(call)}"
    )
    return [(host.file, in_module), (call.file, in_call)], via


def _declared(index: SourceIndex, address: str) -> tuple[Address, BlockNode]:
    """The parsed address of one instance and the block that declares it (NoPatch if none)."""
    try:
        addr = Address.parse(address)
    except ValueError as exc:
        raise NoPatch(f"{address} is not a resource address") from exc
    node = index.block_for(addr)
    if node is None:
        raise NoPatch(f"{address} is not declared in the scanned code")
    return addr, node


def drop_last(index: SourceIndex, address: str) -> tuple[list[tuple[str, list[TextEdit]]], str]:
    """Codify that one counted instance (`aws_x.y[i]`) is gone: make the count one smaller
    where it is written (a literal count, `var.n` in tfvars or its default, the list that
    `length(x)` counts, followed into a caller's argument). Only the last instance can go this
    way: dropping element i of a list re-indexes every later instance, which Terraform would
    then replace. (file, edits) per file and the note; NoPatch with the reason otherwise."""
    addr, node = _declared(index, address)
    count = node.attributes.get("count")
    if count is None or not isinstance(addr.key, int):
        raise NoPatch(f"{address} is not an instance of a counted block")
    expr = _short(count.expr_text)
    n = _instances(index, address)
    if n is None:
        raise NoPatch(
            f"count = `{expr}` ({_at(node)}) is not known before apply: which instance is the "
            "last is not read from the code"
        )
    i = addr.key
    tree = _parse(count)
    call = _call_of(tree)
    listed = call is not None and call[0] == "length" and len(call[1]) == 1
    if i != n - 1:
        later = f"[{i + 1}]" if i + 1 == n - 1 else f"[{i + 1}]..[{n - 1}]"
        what = (
            f"dropping its element from the list re-indexes {later}, which Terraform would "
            "then update or replace"
            if listed
            else f"one less drops [{n - 1}], which exists, and Terraform would destroy it"
        )
        raise NoPatch(
            f"{address} is instance [{i}] of the {n} that count = `{expr}` ({_at(node)}) "
            f"makes: {what}; only the last instance can be dropped this way. Move the block "
            "to for_each (with `moved` blocks) or remove the instance by hand, as the "
            "reviewer prefers"
        )
    t = _Tracer(index, address)
    t.counting = True
    frame = Frame(node, _module_keys(addr.module), None, None, None)
    if call is not None and listed:
        counted = _sub_attribute(count, call[1][0], node.file, index.texts[node.file])
        if counted is None:
            raise NoPatch(f"count = `{expr}`: the list it counts cannot be followed")
        write = t.resolve(counted, [], frame, node, None)
        return _drop_item(index, write, n, address)
    if count.literal is NOT_LITERAL and _traversal(tree) is None:
        raise NoPatch(
            f"count = `{expr}` ({_at(node)}) is neither a number, a variable or local holding "
            "one, nor length() of a list: where the number of instances is written is not "
            "followed"
        )
    write = t.resolve(count, [], frame, node, n - 1)
    if write.shared:
        raise NoPatch(write.shared)
    if write.attr is None or write.added or write.key is not None or write.attr.literal != n:
        raise NoPatch(f"count = `{expr}` ({_at(node)}): the number {n} is not written literally")
    edits = write.edits(index.texts[write.file], lambda v, _: v)
    return [(write.file, edits)], (
        f"count {n} -> {n - 1} ({write.via}): Terraform forgets {address}, already gone, and "
        "changes no other instance"
    )


def _drop_item(
    index: SourceIndex, write: Write, n: int, address: str
) -> tuple[list[tuple[str, list[TextEdit]]], str]:
    """Remove the last element of the list literal `write` found (count = length(list))."""
    if write.shared:
        raise NoPatch(write.shared)
    attr = write.attr
    items = None
    if attr is not None and not write.added and write.key is None:
        items = _tuple_items(attr, write.file, index.texts[write.file])
    if attr is None or items is None:
        raise NoPatch(
            f"the list count = length(...) counts is not written as a list literal "
            f"({write.via}): its last element cannot be dropped"
        )
    if len(items) != n:
        raise NoPatch(f"the list at {_at(attr, write.file)} has {len(items)} elements, not {n}")
    last = items[-1]
    edit = _drop_list_item(attr, items, n - 1)
    return [(write.file, [edit])], (
        f"drops the last element `{_short(last.expr_text, 40)}` of the list count = length(...) "
        f"counts ({write.via}): Terraform forgets {address}, already gone, and changes no "
        "other instance"
    )


def _drop_list_item(attr: AttributeNode, items: Sequence[AttributeNode], j: int) -> TextEdit:
    """Remove item `j` of the list literal `attr` with the separator that goes with it."""
    if len(items) == 1:
        return TextEdit(attr.expr.start, attr.expr.end, "[]")
    if j == len(items) - 1:
        return TextEdit(items[j - 1].expr.end, items[j].expr.end, "")
    return TextEdit(items[j].expr.start, items[j + 1].expr.start, "")


def drop_entry(index: SourceIndex, address: str) -> tuple[list[tuple[str, list[TextEdit]]], str]:
    """Codify that one for_each instance (`aws_x.y["k"]`) is gone: remove its entry from the
    collection where it is written (a map entry, a set's string, the list element a `for`
    expression makes the entry from), so Terraform forgets it. Unlike count, the other
    instances keep their keys: nothing else changes. (file, edits) and the note; NoPatch
    where the collection serves more than this block or the entry is not identified."""
    addr, node = _declared(index, address)
    each = node.attributes.get("for_each")
    if each is None or not isinstance(addr.key, str):
        raise NoPatch(f"{address} is not an instance of a for_each block")
    t = _Tracer(index, address)
    t.counting = True
    frame = Frame(node, _module_keys(addr.module), None, None, None)
    return t.drop(each, addr.key, frame, node)


def _instances(index: SourceIndex, address: str) -> int | None:
    """How many instances the counted block of `address` makes (in its module instance), or
    None when the count is not known before apply."""
    base = address.rsplit("[", 1)[0]
    found = 0
    for inst in instances(index):
        if inst.address == base:
            return None
        rest = inst.address[len(base) :]
        if inst.address.startswith(base) and re.fullmatch(r"\[\d+\]", rest):
            found += 1
    return found


def block_shared(index: SourceIndex, address: str) -> str | None:
    """Why the text of the block declaring `address` serves more than that one instance (a
    count/for_each, module code other callers share), or None."""
    try:
        addr = Address.parse(address)
    except ValueError:
        return None
    node = index.block_for(addr)
    if node is None:
        return None
    t = _Tracer(index, address)
    return t.fanout(node) or t.module_shared(_module_keys(addr.module))


def computed_in_block(index: SourceIndex, address: str, path: str) -> bool:
    """Is `path` written in the resource's block (or its nested blocks) as an expression?"""
    node = index.block_for(address)
    if node is None:
        return False
    try:
        steps = hcl_edit.parse_path(path)
    except hcl_edit.EditError:
        return False
    for step in steps[:-1]:
        nested = node.nested(step.name)
        if not nested or (step.index or 0) >= len(nested):
            attr = node.attributes.get(step.name)
            return attr is not None and attr.literal is NOT_LITERAL
        node = nested[step.index or 0]
    attr = node.attributes.get(steps[-1].name)
    return attr is not None and attr.literal is NOT_LITERAL


def trace_leaves(
    index: SourceIndex,
    address: str,
    path: str,
    expected: Any,
    actual: Any,
    unordered: bool = False,
) -> list[Write]:
    """Writes for each leaf where `actual` differs from `expected` under `path` (a list of
    nested blocks, e.g. generated by `dynamic` blocks): one write per changed value. A value
    AWS reports as "" or null is written as null (unset), and needs no write where the code
    does not set it.

    `unordered`: the blocks are a set (security group rules): the report lists them sorted by
    content, not in the order the code generates them, so block [i] of the finding is not
    element [i] of the dynamic block's collection. The block that changed is then found by
    content, and the code's element that writes it by its literals."""
    changed = (
        _set_changes(index, address, path, expected, actual)
        if unordered
        else leaf_changes(path, expected, actual)
    )
    if changed is None:
        raise NoPatch(
            f"{path}: blocks were added or removed, not only changed; no per-value place to "
            "write that"
        )
    writes: list[Write] = []
    for leaf, value in changed:
        unset = value in ("", None)
        try:
            write = trace(index, address, leaf, None if unset else value)
        except NoPatch as exc:
            raise NoPatch(f"{leaf}: {exc}") from exc
        if unset and write.added:
            continue
        writes.append(write)
    if not writes:
        raise NoPatch(f"{path}: nothing to write")
    return writes


# -- string templates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One piece of a quoted string template: literal text (`text` unescaped, `raw` as written)
    or an interpolation (`raw` is its `${...}` source)."""

    raw: str
    text: str = ""
    interp: bool = False


_TEMPLATE_ESCAPE = re.compile(r'\\(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[ntr"\\])')
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape_one(seq: str) -> str:
    if seq[1] in "uU":
        return chr(int(seq[2:], 16))
    return _SIMPLE_ESCAPES[seq[1]]


def template_pieces(expr: str) -> list[Piece] | None:
    """The pieces of `expr` when it is one quoted string template with literal text and at
    least one interpolation (`"${local.name} data at rest"`); None for anything else: a plain
    string, a lone `"${x}"` (its value is x's, followed as x), template directives (`%{ if }`,
    whose output is not the literal text) and strip markers (`${~ x}`)."""
    s = expr.strip()
    if len(s) < 2 or s[0] != '"' or s[-1] != '"':
        return None
    body = s[1:-1]
    pieces: list[Piece] = []
    raw: list[str] = []
    text: list[str] = []

    def flush() -> None:
        if raw:
            pieces.append(Piece("".join(raw), "".join(text)))
            raw.clear()
            text.clear()

    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            m = _TEMPLATE_ESCAPE.match(body, i)
            if m is None:
                return None
            raw.append(m.group())
            text.append(_unescape_one(m.group()))
            i = m.end()
        elif body.startswith(("$${", "%%{"), i):
            raw.append(body[i : i + 3])
            text.append(body[i + 1 : i + 3])
            i += 3
        elif body.startswith("%{", i) or ch == '"':
            return None  # a directive, or more than one string (`"a" == "b"`)
        elif body.startswith("${", i):
            end = closing_brace(body, i + 2)
            if end < 0 or body.startswith("${~", i) or body[end - 1] == "~":
                return None
            flush()
            pieces.append(Piece(body[i : end + 1], interp=True))
            i = end + 1
        else:
            raw.append(ch)
            text.append(ch)
            i += 1
    flush()
    if not any(p.interp for p in pieces) or all(p.interp for p in pieces):
        return None
    return pieces


def _escape_template(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return out.replace("${", "$${").replace("%{", "%%{")


def _pattern(pieces: Sequence[Piece], greedy: bool) -> re.Pattern[str]:
    group = "(.*)" if greedy else "(.*?)"
    return re.compile("".join(group if p.interp else re.escape(p.text) for p in pieces), re.DOTALL)


def _interpolated(pieces: Sequence[Piece], rendered: str) -> list[str] | None:
    """What each interpolation gave in `rendered` (the value Terraform made from the template);
    None when the literal text does not match it or the split is ambiguous."""
    lazy = _pattern(pieces, False).fullmatch(rendered)
    greedy = _pattern(pieces, True).fullmatch(rendered)
    if lazy is None or greedy is None or lazy.groups() != greedy.groups():
        return None
    return list(lazy.groups())


def _placements(
    values: Sequence[str], actual: str, start: int = 0, limit: int = 64
) -> list[list[int]]:
    """Every way to find `values` in `actual` in order, without overlap (start offsets)."""
    if not values:
        return [[]]
    out: list[list[int]] = []
    at = actual.find(values[0], start)
    while at >= 0 and len(out) < limit:
        for rest in _placements(values[1:], actual, at + len(values[0]), limit):
            out.append([at, *rest])
        at = actual.find(values[0], at + 1) if values[0] else -1
    return out[:limit]


def retemplate(expr: str, expected: str, actual: str) -> str:
    """The template `expr` (which rendered `expected`) rewritten to render `actual`: only its
    literal text changes, each interpolation stays and must still give what it gave. NoPatch
    when the live value no longer holds what an interpolation gives (the part Terraform
    computes changed: the literal text cannot make it) or the split is ambiguous."""
    pieces = template_pieces(expr)
    if pieces is None:
        raise NoPatch(f"`{_short(expr)}` is not a string template with literal text")
    shown = _short(expr.strip())
    values = _interpolated(pieces, expected)
    if values is None:
        raise NoPatch(
            f"the template `{shown}` does not split unambiguously into its literal text and "
            f"what its interpolations gave ({expected!r}), so no patch is offered"
        )
    interps = [p for p in pieces if p.interp]
    places = _placements(values, actual)
    if not places:
        missing = next(
            (f"`{p.raw}` ({v!r})" for p, v in zip(interps, values, strict=True) if v not in actual),
            f"{', '.join(p.raw for p in interps)} in that order",
        )
        raise NoPatch(
            f"the template `{shown}` gives {expected!r}; the live value {actual!r} no longer "
            f"holds what {missing} gives, so the value Terraform interpolates changed, not the "
            "template's literal text: no patch is offered"
        )
    old_literals = [text for _, text in _raw_runs(pieces)]
    best: list[tuple[int, list[str]]] = []
    for place in places:
        runs, pos = [], 0
        for v, at in zip(values, place, strict=True):
            runs.append(actual[pos:at])
            pos = at + len(v)
        runs.append(actual[pos:])
        kept = sum(a == b for a, b in zip(runs, old_literals, strict=True))
        best.append((kept, runs))
    top = max(k for k, _ in best)
    winners = [r for k, r in best if k == top]
    if len({tuple(r) for r in winners}) != 1:
        raise NoPatch(
            f"the template `{shown}`: the live value {actual!r} holds what its interpolations "
            "give at more than one place, so which literal text changed is ambiguous; no patch "
            "is offered"
        )
    out: list[str] = []
    for k, (old, run) in enumerate(zip(_raw_runs(pieces), winners[0], strict=True)):
        out.append(old[0] if old[1] == run else _escape_template(run))
        if k < len(interps):
            out.append(interps[k].raw)
    return '"' + "".join(out) + '"'


def _raw_runs(pieces: Sequence[Piece]) -> list[tuple[str, str]]:
    """(as written, as text) of the literal text before, between and after the
    interpolations: one more run than interpolations, any of them possibly empty."""
    runs = [("", "")]
    for p in pieces:
        if p.interp:
            runs.append(("", ""))
        else:
            raw, text = runs[-1]
            runs[-1] = (raw + p.raw, text + p.text)
    return runs


def trace_template(
    index: SourceIndex, address: str, path: str, expected: Any, actual: Any
) -> Write | None:
    """Where `path` of `address` is written as a string template (`"${local.name} data at
    rest"`): the write of the template with only its literal text changed to give `actual`
    (the interpolated parts as they were: they still give what they gave). None where the
    value is not written as a template; NoPatch where the template serves other instances or
    its literal text cannot give the live value."""
    if not isinstance(expected, str) or not isinstance(actual, str):
        return None
    try:
        write = _locate(index, address, path, actual)
    except (NoPatch, hcl_edit.EditError):
        return None
    attr = write.attr
    if attr is None or write.key is not None or write.added:
        return None
    if template_pieces(attr.expr_text) is None:
        return None
    if write.shared:
        raise NoPatch(write.shared)
    new = retemplate(attr.expr_text, expected, actual)
    return dataclasses.replace(write, value=Expr(new))


def unordered(address: str, path: str) -> bool:
    """Is `path` of the resource a set (of blocks or objects) in the provider's schema? Its
    elements are then reported sorted by content, not in the order the code writes them."""
    try:
        rs = aws_schema().resource(Address.parse(address).type)
    except ValueError:
        return False
    kind = rs.block.child(path) if rs is not None and "." not in path else None
    return kind is not None and kind.is_set


def _set_changes(
    index: SourceIndex,
    address: str,
    path: str,
    expected: Any,
    actual: Any,
    patched: bool = False,
) -> list[tuple[str, Any]] | None:
    """leaf_changes for a set of blocks: the one block that changed, at the position of the
    code element that generates it (`patched`: the code already writes the new block, as
    verification sees it); None when blocks were added or removed."""
    if not (isinstance(expected, list) and isinstance(actual, list)):
        return leaf_changes(path, expected, actual)
    if len(expected) != len(actual):
        return None
    canon = [json.dumps(v, sort_keys=True, default=str) for v in actual]
    was = [json.dumps(v, sort_keys=True, default=str) for v in expected]
    old = [e for e, c in zip(expected, was, strict=True) if c not in canon]
    new = [a for a, c in zip(actual, canon, strict=True) if c not in was]
    if not old:
        return []
    if len(old) != 1 or len(new) != 1:
        raise NoPatch(
            f"{path}: {len(old)} of its blocks changed; it is a set, so which new block "
            "replaced which old one is not told, and no patch is offered"
        )
    block = new[0] if patched else old[0]
    matches = [j for j in range(len(expected)) if _generates(index, address, f"{path}[{j}]", block)]
    if len(matches) != 1:
        raise NoPatch(
            f"{path}: the block that changed ({_short(json.dumps(block, sort_keys=True))}) "
            + (
                "is written by no element of the dynamic block's collection that can be read"
                if not matches
                else f"could be any of elements {matches} of the dynamic block's collection"
            )
            + "; it is a set, so its position does not say which, and no patch is offered"
        )
    return leaf_changes(f"{path}[{matches[0]}]", old[0], new[0])


def set_leaves(
    index: SourceIndex, address: str, path: str, expected: Any, actual: Any
) -> list[tuple[str, Any]]:
    """For verification: the leaves of a set of blocks the patched code must now write (the
    changed block, at the element that writes it); [] when that is not found."""
    try:
        return _set_changes(index, address, path, expected, actual, patched=True) or []
    except NoPatch:
        return []


def _generates(index: SourceIndex, address: str, at: str, block: Any) -> bool:
    """Does the code element at `at` (`ingress[1]`, in code order) write `block`: every
    literal it writes for it equals the block's value (and it writes at least one)?"""
    compared = 0
    for leaf, want in _leaves(at, block):
        try:
            write = _locate(index, address, leaf, None)
        except (NoPatch, hcl_edit.EditError):
            continue
        attr = write.attr
        if attr is None or write.added or write.key is not None or attr.literal is NOT_LITERAL:
            continue
        have = attr.literal
        if have != want and not (have in ("", None) and want in ("", None)):
            return False
        compared += 1
    return compared > 0


def _leaves(path: str, value: Any) -> list[tuple[str, Any]]:
    """(path, scalar) for every scalar in `value` (objects by key, lists by index)."""
    if isinstance(value, dict):
        return [leaf for k in sorted(value) for leaf in _leaves(f"{path}.{k}", value[k])]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(f"{path}[{i}]", v)]
    return [(path, value)]


def trace_json(
    index: SourceIndex, address: str, path: str, expected: Any, actual: Any
) -> list[Write] | None:
    """Writes for a JSON document attribute (a policy) whose code is `jsonencode({...})`: one
    per part of the document that changed, written at its literal inside the object, so the
    references around it (`aws_s3_bucket.b.arn`, `var.x`) stay. None where the code does not
    write the document as a `jsonencode` object that can be followed (the caller then writes
    the whole value); NoPatch where it does but a changed part cannot be written (a
    reference, an expression, a value shared with other instances)."""
    before, after = _json_doc(expected), _json_doc(actual)
    if before is None or after is None or "." in path or "[" in path:
        return None
    changes = json_changes(before, after, [])
    if not changes:
        return None
    writes: list[Write] = []
    for keys, value in changes:
        t = _Tracer(index, address)
        try:
            writes.append(trace(index, address, path, value, keys, t))
        except NoPatch as exc:
            if not t.in_json:
                return None
            where = "".join(f"[{k!r}]" if isinstance(k, str) else f"[{k}]" for k in keys)
            raise NoPatch(f"{path}{where} in its jsonencode object: {exc}") from exc
    return writes


def json_parts(expected: Any, actual: Any) -> list[tuple[list[Key], Any]]:
    """The changed parts of two JSON documents (strings), as `json_changes`; [] if either is
    not a JSON object or list."""
    before, after = _json_doc(expected), _json_doc(actual)
    if before is None or after is None:
        return []
    return json_changes(before, after, [])


def _json_doc(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        doc = json.loads(value)
    except ValueError:
        return None
    return doc if isinstance(doc, dict | list) else None


def json_changes(before: Any, after: Any, keys: list[Key]) -> list[tuple[list[Key], Any]]:
    """(keys, new value) for the smallest parts of a JSON document that changed: a scalar, a
    key added to an object, or (where elements were added, removed or keys removed) the whole
    list or object that holds them."""
    if isinstance(before, dict) and isinstance(after, dict):
        if not set(before) <= set(after):
            return [(keys, after)]
        out: list[tuple[list[Key], Any]] = []
        for k in after:
            if k not in before:
                out.append(([*keys, k], after[k]))
            else:
                out.extend(json_changes(before[k], after[k], [*keys, k]))
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        out = []
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            out.extend(json_changes(b, a, [*keys, i]))
        return out
    return [] if before == after else [(keys, after)]


def leaf_changes(path: str, expected: Any, actual: Any) -> list[tuple[str, Any]] | None:
    """(leaf path, actual value) for every scalar that differs; None when the shapes differ
    (a block or list element added or removed)."""
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return None
        out: list[tuple[str, Any]] = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            inner = leaf_changes(f"{path}[{i}]", e, a)
            if inner is None:
                return None
            out.extend(inner)
        return out
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for k in sorted(set(expected) | set(actual)):
            inner = leaf_changes(f"{path}.{k}", expected.get(k), actual.get(k))
            if inner is None:
                return None
            out.extend(inner)
        return out
    if isinstance(expected, list | dict) or isinstance(actual, list | dict):
        if expected in (None, "", [], {}) and actual in (None, "", [], {}):
            return []
        return None
    if expected == actual or (_unset_leaf(expected) and _unset_leaf(actual)):
        return []
    return [(path, actual)]


def _unset_leaf(value: Any) -> bool:
    """null, "" and false: what AWS reports for an argument the code leaves unset (an
    encryption rule's `bucket_key_enabled = false`), as drift/normalize.py compares them."""
    return value is None or value is False or (isinstance(value, str) and value == "")


def written(
    index: SourceIndex, address: str, path: str, extra: Sequence[Key] = ()
) -> AttributeNode | None:
    """The expression that gives `path` of the one instance `address` its value, followed
    through variables, module arguments, merge() and for_each entries (and `extra` keys into
    a `jsonencode({...})` document); None where it is not written (or cannot be followed)."""
    try:
        write = _locate(index, address, path, None, extra)
    except (NoPatch, hcl_edit.EditError):
        return None
    if write.added or write.attr is None or write.key is not None:  # blocks: not an expression
        return None
    return write.attr


def _locate(
    index: SourceIndex,
    address: str,
    path: str,
    value: Any,
    extra: Sequence[Key] = (),
    tracer: _Tracer | None = None,
) -> Write:
    addr, node = _declared(index, address)
    t = tracer or _Tracer(index, address)
    frame = Frame(node, _module_keys(addr.module), addr.key, t.fanout(node), None)
    steps = hcl_edit.parse_path(path)
    host = node
    for i, step in enumerate(steps):
        nested = host.nested(step.name)
        if nested and i == len(steps) - 1 and step.index is None:
            # Every `name` block replaced by the value's list of objects.
            via = f"{step.name} blocks in {node.file}"
            return t.checked(Write(frame, node, None, None, path, value, via, added=False))
        if nested and (step.index or 0) < len(nested):
            host = nested[step.index or 0]
            continue
        dynamic = host.dynamic(step.name)
        if dynamic:
            content = dynamic[0].nested("content")
            each = dynamic[0].attributes.get("for_each")
            if step.index is None or len(dynamic) != 1 or not content or each is None:
                raise NoPatch(
                    f"{step.name} is generated by a `dynamic` block ({_at(dynamic[0])}): its "
                    "blocks are written as the elements of its for_each collection"
                )
            iterator = dynamic[0].attributes.get("iterator")
            name = iterator.expr_text.strip() if iterator is not None else step.name
            bound = t.element(each, step.index, frame, node)
            why = (
                f"{step.name} blocks are generated by the dynamic block at {_at(dynamic[0])}: "
                "its content serves every element"
            )
            frame = dataclasses.replace(
                frame, iterators=(*frame.iterators, (name, bound)), fanout=frame.fanout or why
            )
            host = content[0]
            continue
        attr = host.attributes.get(step.name)
        if attr is None and extra:
            raise NoPatch(f"{step.name} is not written in {node.file}: no document to write into")
        if attr is None:
            # Not written: a new argument (or nested block) of the resource block itself.
            via = f"new attribute in {node.file}"
            return t.checked(Write(frame, node, None, None, path, value, via, added=True))
        keys: list[Key] = [] if step.index is None else [step.index]
        for s in steps[i + 1 :]:
            keys.append(s.name)
            if s.index is not None:
                keys.append(s.index)
        return t.resolve(attr, [*keys, *extra], frame, host, value)
    raise NoPatch(f"{path} is a whole block of {address}: nothing to write into")


def _module_keys(module: str) -> ModuleKeys:
    """`module.a["k"].module.b` -> (("a", "k"), ("b", None))."""
    if not module:
        return ()
    steps = _split_address(module)
    return tuple((name, key) for (_, _), (name, key) in zip(steps[::2], steps[1::2], strict=True))


def _at(node: BlockNode | AttributeNode, file: str | None = None) -> str:
    if isinstance(node, BlockNode):
        return f"{node.file}:{node.span.start_line}"
    return f"{file}:{node.span.start_line}"


def at_most_one(count: AttributeNode) -> bool:
    """Does this `count` make at most one instance (`cond ? 1 : 0`, 0, 1)?"""
    if count.literal in (0, 1) and not isinstance(count.literal, bool):
        return True
    return bool(_AT_MOST_ONE.fullmatch(count.expr_text.strip()))


# -- the tracer --------------------------------------------------------------------------------


class _Tracer:
    def __init__(self, index: SourceIndex, address: str) -> None:
        self.index = index
        self.address = address
        # Set once a key was followed into a `jsonencode({...})` argument: a refusal from
        # there on is about the document's own text, not about where the attribute is written.
        self.in_json = False
        # Set while tracing how many instances a `count` makes (drop_last): what changes is
        # the number, so `length(x)` elsewhere is a reader like any other, and the counted
        # block's own reads (`x[count.index]`) are the dropped instance's or unchanged.
        self.counting = False
        # Where the variable or local being followed is read (file, start, end): while
        # counting, that read is the one that leads here; any other is another reader.
        self._reader: tuple[str, int, int] | None = None
        # Set while a `for` expression's collection is resolved: the instance's own
        # `for_each = <that collection>` is then left out of its readers only if the element
        # the expression picks is the instance's own entry (`_collect_key`, checked after).
        self._collecting = False
        self._collect_key: IndexKey = None

    # sharing

    def fanout(self, block: BlockNode) -> str | None:
        """Why `block`'s text serves several instances, or None."""
        count = block.attributes.get("count")
        if count is not None and not at_most_one(count):
            return (
                f"{_label(block)} has count = `{_short(count.expr_text)}` ({_at(block)}): "
                "every instance shares its text"
            )
        each = block.attributes.get("for_each")
        if each is not None:
            return (
                f"{_label(block)} has for_each = `{_short(each.expr_text)}` ({_at(block)}): "
                "every instance shares its text"
            )
        return None

    def module_shared(self, module: ModuleKeys) -> str | None:
        """Why the code of this module instance also serves other instances, or None."""
        names = tuple(n for n, _ in module)
        for i in range(len(names)):
            call = self._call(names[: i + 1])
            if call is not None:
                why = self.fanout(call)
                if why is not None:
                    return why
        info = self.index.modules.get(names)
        if info is None or not names:
            return None
        same = sorted(
            ".".join(f"module.{n}" for n in path)
            for path, other in self.index.modules.items()
            if path != names and other.directory.resolve() == info.directory.resolve()
        )
        if same:
            rel = info.files[0].rsplit("/", 1)[0] if info.files else str(info.directory)
            return f"the code in {rel} also serves {', '.join(same[:3])}"
        return None

    def checked(self, write: Write) -> Write:
        """`write` with why it would change other instances, if it would."""
        frame = write.frame
        why = frame.carried or frame.fanout or self.module_shared(frame.module)
        if why is None:
            return write
        what = "is written" if not write.added else "would be written"
        shared = (
            f"the value {what} at {self._where(write)} ({write.via}), but {why}: patching it "
            f"there would change other instances, not only {self.address}"
        )
        only = frame.carried is None and frame.fanout is None
        return dataclasses.replace(write, shared=shared, module_only=only)

    def _where(self, write: Write) -> str:
        node = write.attr if write.attr is not None else write.host
        return _at(node, write.host.file)

    def _call(self, names: tuple[str, ...]) -> BlockNode | None:
        if not names:
            return None
        parent = self.index.modules.get(names[:-1])
        call = parent.calls.get(names[-1]) if parent is not None else None
        return call.block if call is not None else None

    # following expressions

    def resolve(
        self, attr: AttributeNode, keys: list[Key], frame: Frame, host: BlockNode, value: Any
    ) -> Write:
        text = self.index.texts[host.file]
        expr = attr.expr_text.strip()
        if _FOR.match(expr):
            chain = _for_chain(_parse(attr))
            if chain is not None:
                return self.for_chain(attr, chain, keys, frame, host, value)
        if not keys:
            if attr.literal is not NOT_LITERAL or expr.startswith(("{", "[")):
                via = frame.via(host.file)
                return self.checked(Write(frame, host, attr, None, None, value, via, False))
            tree = _parse(attr)
            ref = _traversal(tree)
            if ref is not None:
                return self.follow(ref, [], frame, attr, value, host)
            first = self._try_first(attr, tree, host)
            if first is not None:
                return self.resolve(first, keys, frame, host, value)
            picked = self._picked(attr, tree, host, frame)
            if picked is not None:
                return self.resolve(picked[0], [*picked[1], *keys], picked[2], host, value)
            if template_pieces(expr) is not None:
                # A string template: its literal text is written here (trace_template), its
                # interpolations wherever they are.
                via = frame.via(host.file, "the literal text of its template")
                return self.checked(Write(frame, host, attr, None, None, value, via, False))
            raise NoPatch(
                f"{attr.name} comes from the expression `{_short(expr)}`: no safe place to "
                "write the value, so no patch is offered"
            )
        if expr.startswith("{"):
            key = keys[0]
            if isinstance(key, int):
                raise NoPatch(f"{attr.name} is an object; [{key}] cannot be written into it")
            if key in attr.elements:
                return self.resolve(attr.elements[key], keys[1:], frame, host, value)
            if expr.endswith("}"):
                new = _nest(keys[1:], value)
                via = frame.via(host.file, f"new key {key}")
                return self.checked(Write(frame, host, attr, key, None, new, via, True))
        if expr.startswith("[") and isinstance(keys[0], int):
            items = _tuple_items(attr, host.file, text)
            if items is not None and keys[0] < len(items):
                return self.resolve(items[keys[0]], keys[1:], frame, host, value)
            raise NoPatch(f"{attr.name} has no element [{keys[0]}] written in {host.file}")
        if attr.literal is not NOT_LITERAL:
            raise NoPatch(f"{attr.name} is the literal `{_short(expr)}`: nothing to write into")
        tree = _parse(attr)
        ref = _traversal(tree)
        if ref is not None:
            return self.follow(ref, keys, frame, attr, value, host)
        call = _call_of(tree)
        if call is not None and call[0] == "merge":
            return self.merge(attr, call[1], keys, frame, host, value)
        if call is not None and call[0] == "concat" and isinstance(keys[0], int):
            return self.concat(attr, call[1], keys, frame, host, value)
        if call is not None and call[0] == "jsonencode" and len(call[1]) == 1:
            # The document's keys are the object's keys: follow them into the argument, so
            # only the literal that changed is written and its references stay.
            inner = _sub_attribute(attr, call[1][0], host.file, text)
            if inner is not None:
                self.in_json = True
                return self.resolve(inner, keys, frame, host, value)
        first = self._try_first(attr, tree, host)
        if first is not None:
            return self.resolve(first, keys, frame, host, value)
        picked = self._picked(attr, tree, host, frame)
        if picked is not None:
            return self.resolve(picked[0], [*picked[1], *keys], picked[2], host, value)
        raise NoPatch(
            f"{attr.name} comes from the expression `{_short(expr)}`: no safe place to write "
            "the value, so no patch is offered"
        )

    def for_chain(
        self,
        attr: AttributeNode,
        chain: tuple[Tree[Token], list[Key | _Dynamic]],
        keys: list[Key],
        frame: Frame,
        host: BlockNode,
        value: Any,
    ) -> Write:
        """A `for` expression, or an element of one (`[for s in local.list : s.cidr][count.index]`):
        the steps after it select the element, then the keys go on into it."""
        node, steps = chain
        fixed: list[Key] = []
        for step in steps:
            if isinstance(step, _Dynamic):
                if step.text in ("count.index", "each.key") and frame.key is not None:
                    fixed.append(frame.key)
                    frame = dataclasses.replace(frame, fanout=None)
                    continue
                raise NoPatch(
                    f"{attr.name} reads `{_short(attr.expr_text)}`: the index `{step.text}` is "
                    "computed by Terraform, so the element it reads is not followed and no "
                    "patch is offered"
                )
            fixed.append(step)
        inner = attr
        if steps:
            text = self.index.texts[host.file]
            sub = _sub_attribute(attr, node, host.file, text)
            if sub is None:
                raise NoPatch(f"{attr.name}: the for expression in it cannot be followed")
            inner = sub
        return self.for_expr(inner, node, [*fixed, *keys], frame, host, value)

    def for_expr(
        self,
        attr: AttributeNode,
        node: Tree[Token],
        keys: list[Key],
        frame: Frame,
        host: BlockNode,
        value: Any,
    ) -> Write:
        """`{ for k, v in coll : KEY => VALUE }` / `[for v in coll : VALUE]`: the entry `keys[0]`
        comes from the one element of the collection whose key (`k`, or `v.name`) is that key
        (for a list result: the element at that position); VALUE is followed with `v` bound to
        that element where it is written (tfvars, a local, a literal, a caller's argument).
        Filters (`if`), grouping (`...`) and keys computed by other expressions are refused:
        which element gives the entry is then not read from the code."""
        if not keys:
            raise NoPatch(
                f"{attr.name} is the whole result of the for expression "
                f"`{_short(attr.expr_text)}`: Terraform computes it from every element, so no "
                "one place holds it"
            )
        found = self.for_entry(attr, node, keys[0], frame, host)
        shown = _short(attr.expr_text)
        where = (
            f"element [{found.label}]"
            if isinstance(found.label, int)
            else f"map entry {found.label!r}"
        )
        note = ", ".join(n for n in (found.whole.frame.note, where) if n)
        key_from = f"`{found.key_text}` in the for expression `{shown}`" if found.key_text else ""
        there = dataclasses.replace(found.whole.frame, note=note)
        bound = Binding(found.item, there, found.whole.host, True, found.key_path, key_from)
        key_name = found.key_name
        inner = dataclasses.replace(
            frame,
            iterators=(*frame.iterators, (found.value_name, bound)),
            for_keys=(*frame.for_keys, *(((key_name, attr.expr_text),) if key_name else ())),
        )
        val = _sub_attribute(attr, found.value, host.file, self.index.texts[host.file])
        if val is None:
            raise NoPatch(f"{attr.name}: the value of `{shown}` cannot be followed")
        return self.resolve(dataclasses.replace(val, name=attr.name), keys[1:], inner, host, value)

    def for_entry(
        self, attr: AttributeNode, node: Tree[Token], entry: Key, frame: Frame, host: BlockNode
    ) -> _ForEntry:
        """The element of a `for` expression's collection that gives its entry `entry`, where
        the collection is written; NoPatch where that is not read from the code."""
        text = self.index.texts[host.file]
        shown = _short(attr.expr_text)
        parts = _for_parts(node)
        if parts is None:
            raise NoPatch(f"{attr.name} comes from the for expression `{shown}`, not followed")
        names, coll_node, key_node, val_node, grouped, cond = parts
        if cond is not None:
            raise NoPatch(
                f"{attr.name} comes from the for expression `{shown}`, which filters with "
                f"`{_short(_source(attr, cond))}`: which element gives entry {entry!r} (and "
                "whether it still would after the change) is decided by Terraform, so no "
                "patch is offered"
            )
        if grouped:
            raise NoPatch(
                f"{attr.name} comes from the for expression `{shown}`, which groups elements "
                f"by key (`...`): entry {entry!r} is a list of every element with that key, "
                "not one element, so no patch is offered"
            )
        key_name, val_name = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        coll = _sub_attribute(attr, coll_node, host.file, text)
        if coll is None:
            raise NoPatch(f"{attr.name}: the collection of `{shown}` cannot be followed")
        outer = (self._collecting, self._collect_key)
        self._collecting, self._collect_key = True, None
        try:
            whole = self.resolve(coll, [], frame, host, None)
        except NoPatch as exc:
            raise NoPatch(f"the collection of the for expression `{shown}`: {exc}") from exc
        finally:
            own_key = self._collect_key
            self._collecting, self._collect_key = outer
        cands = self._candidates(whole)
        if cands is None:
            raise NoPatch(
                f"the collection of the for expression `{shown}` is not written as a list or "
                f"map literal ({whole.via}): its element for entry {entry!r} is not followed"
            )
        key_path: tuple[str, ...] | None = None
        if key_node is None:  # a list result: element by position
            if not isinstance(entry, int):
                raise NoPatch(f"`{shown}` makes a list; it has no entry {entry!r}")
            if entry >= len(cands):
                raise NoPatch(f"the collection of `{shown}` has no element [{entry}] written")
            label, item = cands[entry]
            _own_entry(shown, label, own_key)
            return _ForEntry(whole, label, item, None, "", None, val_name, val_node)
        ref = _traversal(key_node)
        keyed: list[tuple[Any, Key, AttributeNode]] | None = None
        if ref is not None and key_name is not None and ref == (key_name, []):
            keyed = [(str(lb), lb, it) for lb, it in cands]
        elif ref is not None and ref[0] == val_name and all(isinstance(p, str) for p in ref[1]):
            key_path = tuple(str(p) for p in ref[1])
            keyed = [(_part(it, key_path), lb, it) for lb, it in cands]
        if keyed is not None and isinstance(entry, int):
            # Element [i] of an object (a dynamic block over it): the i-th key in lexical
            # order, as Terraform iterates; every key must be written to know the order.
            names_ = [k for k, _, _ in keyed]
            if not all(isinstance(k, str) for k in names_) or len(set(names_)) != len(names_):
                raise NoPatch(
                    f"`{shown}` makes an object whose keys are not all written as distinct "
                    f"strings: its element [{entry}] (the {entry}-th key in lexical order) is "
                    "not identified"
                )
            if entry >= len(names_):
                raise NoPatch(f"`{shown}` has no element [{entry}] written")
            entry = sorted(names_)[entry]
        if keyed is not None:
            found = [(lb, it) for k, lb, it in keyed if k == entry]
        else:
            raise NoPatch(
                f"the for expression `{shown}` computes its keys with "
                f"`{_short(_source(attr, key_node))}`: which element gives entry {entry!r} is "
                "not followed, so no patch is offered"
            )
        if len(found) != 1:
            how = "no element" if not found else f"{len(found)} elements"
            raise NoPatch(
                f"{how} of the collection of `{shown}` ({whole.via}) give entry "
                f"{entry!r}: the element to change is not identified"
            )
        label, item = found[0]
        _own_entry(shown, label, own_key)
        key_text = _source(attr, key_node)
        return _ForEntry(whole, label, item, key_path, key_text, key_name, val_name, val_node)

    def drop(
        self, attr: AttributeNode, key: str, frame: Frame, host: BlockNode
    ) -> tuple[list[tuple[str, list[TextEdit]]], str]:
        """Remove entry `key` from the collection `attr` (a for_each) where it is written."""
        shown = _short(attr.expr_text)
        tree = _parse(attr)
        node = _unwrap(tree) if tree is not None else None
        call = _call_of(tree)
        if call is not None and call[0] in ("toset", "tomap") and len(call[1]) == 1:
            inner = _sub_attribute(attr, call[1][0], host.file, self.index.texts[host.file])
            if inner is not None:
                return self.drop(inner, key, frame, host)
        if isinstance(node, Tree) and node.data == "for_object_expr":
            found = self.for_entry(attr, node, key, frame, host)
            whole, item = found.whole, found.item
        else:
            whole = self.resolve(attr, [], frame, host, None)
            cands = self._candidates(whole)
            if cands is None:
                raise NoPatch(
                    f"the for_each collection `{shown}` is not written as a map, set or list "
                    f"literal ({whole.via}): its entry {key!r} cannot be removed there"
                )
            matching = [
                it for lb, it in cands if lb == key or (isinstance(lb, int) and it.literal == key)
            ]
            if len(matching) != 1:
                raise NoPatch(
                    f"the for_each collection `{shown}` ({whole.via}) has no entry {key!r} written"
                )
            item = matching[0]
        if whole.shared:
            raise NoPatch(whole.shared)
        written = whole.attr
        assert written is not None  # _candidates / for_entry found elements in it
        text = self.index.texts[whole.file]
        items = (
            _tuple_items(written, whole.file, text)
            if written.expr_text.lstrip()[:1] == "["
            else None
        )
        if items is not None:
            j = next(i for i, it in enumerate(items) if it.span == item.span)
            edits = [_drop_list_item(written, items, j)]
        else:
            edits = hcl_edit.remove_element(text, whole.host, item)
        return [(whole.file, edits)], (
            f"removes entry {key!r} from the for_each collection ({whole.via}): Terraform "
            f"forgets {self.address}, already gone, and changes no other instance"
        )

    def _candidates(self, whole: Write) -> list[tuple[Key, AttributeNode]] | None:
        """The elements of a collection where it is written: (index, element) of a list
        literal, (key, value) of an object literal in lexical key order (Terraform's order)."""
        attr = whole.attr
        if attr is None or whole.added or whole.key is not None:
            return None
        tree = _parse(attr)
        node = _unwrap(tree) if tree is not None else None
        if not isinstance(node, Tree):
            return None
        if node.data == "tuple":
            items = _tuple_items(attr, whole.host.file, self.index.texts[whole.host.file])
            return None if items is None else list(enumerate(items))
        if node.data == "object" and isinstance(attr.literal, dict):
            if len(attr.elements) != len(attr.literal):
                return None
            return [(k, attr.elements[k]) for k in sorted(attr.elements)]
        return None

    def _try_first(
        self, attr: AttributeNode, tree: _Node | None, host: BlockNode
    ) -> AttributeNode | None:
        """`try(a, fallback)`: the value is `a` wherever `a` is written."""
        call = _call_of(tree)
        if call is None or call[0] != "try" or not call[1]:
            return None
        return _sub_attribute(attr, call[1][0], host.file, self.index.texts[host.file])

    def _picked(
        self, attr: AttributeNode, tree: _Node | None, host: BlockNode, frame: Frame
    ) -> tuple[AttributeNode, list[Key], Frame] | None:
        """`lookup(m, "k", default)` is m's key k wherever m is written (a key the object does
        not have yet is added there, and lookup then reads it instead of the default);
        `element(list, count.index)` is the instance's element of the list. (the collection,
        the keys into it, the frame); None for anything else."""
        call = _call_of(tree)
        if call is None or call[0] not in ("lookup", "element"):
            return None
        name, args = call
        if (name == "lookup" and len(args) not in (2, 3)) or (name == "element" and len(args) != 2):
            return None
        key = _index_value(args[1])
        if isinstance(key, _Dynamic):
            if (
                name != "element"
                or key.text not in ("count.index", "each.key")
                or frame.key is None
            ):
                return None
            key = frame.key
            frame = dataclasses.replace(frame, fanout=None)
        if (name == "lookup") != isinstance(key, str):
            return None
        inner = _sub_attribute(attr, args[0], host.file, self.index.texts[host.file])
        if inner is None:
            return None
        if name == "element":
            sizes = self._sizes(inner, frame, host)
            if sizes is None:
                return None
            made, length = sizes
            if not isinstance(key, int) or not length:
                return None
            key %= length
            readers = [i for i in range(made) if i % length == key]
            if len(readers) > 1:
                raise NoPatch(
                    f"{attr.name} reads `{_short(attr.expr_text)}`, which wraps around: the "
                    f"count makes {made} instances from a list of {length}, so its element "
                    f"[{key}] serves instances {', '.join(f'[{i}]' for i in readers)}"
                )
        return dataclasses.replace(inner, name=attr.name), [key], frame

    def _sizes(
        self, listed: AttributeNode, frame: Frame, host: BlockNode
    ) -> tuple[int, int] | None:
        """(instances the count makes, elements the list has where it is written): element(list,
        count.index) wraps around past the list's end, so element [i] is this instance's alone
        only when the first is not larger. None when either is not known."""
        try:
            whole = self.resolve(listed, [], dataclasses.replace(frame, fanout=None), host, None)
        except (NoPatch, hcl_edit.EditError):
            return None
        if whole.attr is None or whole.added or whole.key is not None:
            return None
        items = _tuple_items(whole.attr, whole.file, self.index.texts[whole.file])
        made = _instances(self.index, self.address)
        return None if items is None or made is None else (made, len(items))

    def element(self, each: AttributeNode, index: int, frame: Frame, host: BlockNode) -> Binding:
        """Element `index` of a dynamic block's for_each collection, where it is written:
        `[x, ...]`, `try(c, [])`, `flatten([x])` (x an object: the one element; a list: its
        elements)."""
        text = self.index.texts[host.file]
        tree = _parse(each)
        node = _unwrap(tree) if tree is not None else None
        if isinstance(node, Tree) and node.data == "tuple":
            items = _tuple_items(each, host.file, text)
            if items is None or index >= len(items):
                raise NoPatch(f"{_short(each.expr_text)} has no element [{index}] written")
            return Binding(items[index], frame, host)
        call = _call_of(tree)
        if call is not None and call[0] == "try" and call[1]:
            first = _sub_attribute(each, call[1][0], host.file, text)
            if first is not None:
                return self.element(first, index, frame, host)
        if call is not None and call[0] == "flatten" and len(call[1]) == 1:
            inner = _sub_attribute(each, call[1][0], host.file, text)
            items = _tuple_items(inner, host.file, text) if inner is not None else None
            if items is not None and len(items) == 1:
                found = self.resolve(items[0], [], frame, host, None)
                if found.attr is not None and not found.added:
                    written = found.attr.expr_text.lstrip()
                    if written.startswith("{") and index == 0:
                        return Binding(found.attr, found.frame, found.host)
                    if written.startswith("["):
                        return self.element(found.attr, index, found.frame, found.host)
        mapped = self._map_element(each, index, frame, host)
        if mapped is not None:
            return mapped
        found = self.resolve(each, [index], frame, host, None)
        if found.attr is not None and not found.added and found.key is None:
            # Named once: a `for` expression on the way already says which element it is.
            here = f"element [{index}]" if found.frame.note == frame.note else ""
            note = ", ".join(n for n in (found.frame.note, here) if n)
            return Binding(found.attr, dataclasses.replace(found.frame, note=note), found.host)
        raise NoPatch(
            f"the dynamic block's for_each `{_short(each.expr_text)}` has no element [{index}] "
            "written where it can be followed"
        )

    def _map_element(
        self, each: AttributeNode, index: int, frame: Frame, host: BlockNode
    ) -> Binding | None:
        """A dynamic block over a map (`for_each = var.ports`, written `{ web = {...} }`):
        Terraform makes its blocks in the lexical order of the keys, so block [index] is the
        entry of the index-th key, wherever the map is written. None if the collection is not
        an object literal that can be followed."""
        try:
            whole = self.resolve(each, [], frame, host, None)
        except (NoPatch, hcl_edit.EditError):
            return None
        attr = whole.attr
        if attr is None or whole.added or whole.key is not None:
            return None
        if not attr.expr_text.lstrip().startswith("{") or not isinstance(attr.literal, dict):
            return None
        keys = sorted(attr.elements)
        if len(keys) != len(attr.literal) or index >= len(keys):
            return None
        note = f"map entry {keys[index]!r}"
        there = dataclasses.replace(
            whole.frame, note=", ".join(n for n in (whole.frame.note, note) if n)
        )
        return Binding(attr.elements[keys[index]], there, whole.host)

    def concat(
        self,
        attr: AttributeNode,
        args: Sequence[_Node],
        keys: list[Key],
        frame: Frame,
        host: BlockNode,
        value: Any,
    ) -> Write:
        """concat(a, b, ...)[i]: the element of the list it falls in, counted over the lists
        before it where they are written (each must be a list literal there)."""
        text = self.index.texts[host.file]
        offset = keys[0]
        assert isinstance(offset, int)
        for node in args:
            sub = _sub_attribute(attr, node, host.file, text)
            if sub is None:
                break
            try:
                whole = self.resolve(sub, [], frame, host, None)
            except NoPatch as exc:
                raise NoPatch(
                    f"{attr.name} comes from `{_short(attr.expr_text)}`: how many elements "
                    f"`{_short(sub.expr_text)}` has is not read from the code ({exc})"
                ) from exc
            items = None
            if whole.attr is not None and not whole.added and whole.key is None:
                items = _tuple_items(whole.attr, whole.file, self.index.texts[whole.file])
            if items is None:
                break
            if offset < len(items):
                return self.resolve(sub, [offset, *keys[1:]], frame, host, value)
            offset -= len(items)
        raise NoPatch(
            f"{attr.name} comes from `{_short(attr.expr_text)}`: which of its lists element "
            f"[{keys[0]}] is in is not read from the code, so no patch is offered"
        )

    def merge(
        self,
        attr: AttributeNode,
        args: Sequence[_Node],
        keys: list[Key],
        frame: Frame,
        host: BlockNode,
        value: Any,
    ) -> Write:
        """merge(): the last argument that writes the key wins; a key nobody writes goes to the
        last argument written per instance (merge lets it win over the earlier ones)."""
        text = self.index.texts[host.file]
        key = keys[0]
        first_shared: Write | None = None
        for node in reversed(args):
            sub = _sub_attribute(attr, node, host.file, text)
            if sub is None:
                break
            write = self.resolve(sub, keys, frame, host, value)
            if not write.added:
                return write  # the key is written here; anything earlier is overridden
            if write.shared is None:
                return write
            first_shared = first_shared or write
        if first_shared is not None:
            return first_shared
        raise NoPatch(
            f"{attr.name} comes from `{_short(attr.expr_text)}`: no argument of it can take "
            f"the key {key}"
        )

    def follow(
        self,
        ref: tuple[str, list[Key | _Dynamic]],
        keys: list[Key],
        frame: Frame,
        attr: AttributeNode,
        value: Any,
        host: BlockNode,
    ) -> Write:
        root, trail = ref
        fixed: list[Key] = []
        consumed = False
        for step in trail:
            if isinstance(step, _Dynamic):
                if step.text in ("count.index", "each.key") and frame.key is not None:
                    fixed.append(frame.key)
                    consumed = True
                    continue
                table = self._table(root, fixed, frame)
                raise NoPatch(
                    f"{attr.name} reads `{_short(attr.expr_text)}`: the index `{step.text}` is "
                    "computed by Terraform, so the entry it reads is not followed"
                    + (f"; and {table}" if table else " and no patch is offered")
                )
            fixed.append(step)
        if consumed:
            frame = dataclasses.replace(frame, fanout=None)
        bound = dict(frame.iterators).get(root)
        if bound is not None and bound.direct:
            parts = [*fixed, *keys]
            kp = bound.key_path
            if kp is not None and tuple(parts[: len(kp)]) == kp:
                raise NoPatch(
                    f"the value is the entry's key, {bound.key_from}: changing it would make "
                    "a new instance, not change this one"
                )
            return self.resolve(bound.attr, parts, bound.frame, bound.host, value)
        if bound is not None and fixed[:1] == ["value"]:
            return self.resolve(bound.attr, [*fixed[1:], *keys], bound.frame, bound.host, value)
        if bound is not None and fixed[:1] == ["key"]:
            raise NoPatch(
                f"{attr.name} is the key of the dynamic block's element (`{root}.key`): "
                "changing it would make it another element, so no patch is offered"
            )
        loop = dict(frame.for_keys).get(root)
        if loop is not None:
            raise NoPatch(
                f"{attr.name} reads `{root}`, the entry's key in the for expression "
                f"`{_short(loop)}`: changing it would make a new instance, not change this one"
            )
        self._reader = (host.file, attr.expr.start, attr.expr.end)
        if root == "var" and fixed and isinstance(fixed[0], str):
            return self.variable(fixed[0], [*fixed[1:], *keys], frame, value)
        if root == "local" and fixed and isinstance(fixed[0], str):
            return self.local(fixed[0], [*fixed[1:], *keys], frame, value)
        if root == "each" and fixed[:1] == ["value"]:
            return self.each_value([*fixed[1:], *keys], frame, attr, value)
        if root == "each":
            raise NoPatch(
                f"{attr.name} is the instance's for_each key (each.key): changing it would make "
                "a new instance, not change this one"
            )
        if root == "count":
            raise NoPatch(f"{attr.name} is the instance's count.index: it cannot be written")
        if value is None and not keys and root not in ("var", "local", "each", "path"):
            # AWS has no value where the code refers to another object: unset it here.
            via = frame.via(host.file, "set to null")
            return self.checked(Write(frame, host, attr, None, None, None, via, False))
        raise NoPatch(
            f"{attr.name} comes from `{_short(attr.expr_text)}`, another object's value: "
            "no safe place to write it, so no patch is offered"
        )

    def _table(self, root: str, fixed: list[Key], frame: Frame) -> str | None:
        """Why the collection a computed index reads (`var.rules[...]`) is no per-instance
        place either: where it is written and who else that serves; None if it is not shared
        (or not followed)."""
        if root not in ("var", "local") or len(fixed) != 1 or not isinstance(fixed[0], str):
            return None
        # The instance's own count/for_each does not share the table: each instance reads its
        # own entry. What does is the table's text serving other module callers.
        frame = dataclasses.replace(frame, fanout=None, carried=None)
        try:
            if root == "var":
                write = self.variable(fixed[0], [], frame, None)
            else:
                write = self.local(fixed[0], [], frame, None)
        except NoPatch:
            return None
        return write.shared

    def each_value(self, keys: list[Key], frame: Frame, attr: AttributeNode, value: Any) -> Write:
        each = frame.block.attributes.get("for_each")
        if each is None or not isinstance(frame.key, str):
            raise NoPatch(f"{attr.name} reads each.value outside a for_each block")
        expr = each.expr_text.strip()
        if expr.startswith(("toset(", "[")):
            raise NoPatch(
                f"{attr.name} comes from a for_each set (`{_short(expr)}`): each.value is the "
                "instance's key, and changing it would make a new instance"
            )
        entry = dataclasses.replace(frame, fanout=None, note=f"for_each entry {frame.key!r}")
        return self.resolve(each, [frame.key, *keys], entry, frame.block, value)

    def variable(self, name: str, keys: list[Key], frame: Frame, value: Any) -> Write:
        module = frame.module
        names = tuple(n for n, _ in module)
        if not module:
            others = self._references(names, f"var.{name}", keys[0] if keys else None)
            carried = frame.leave() or _also(f"var.{name}", others, self.counting)
            for node in reversed(self.index.tfvars):
                if name in node.attributes:
                    place = f"tfvars value of var.{name}"
                    tfvars = Frame(node, (), None, None, carried, place, frame.note)
                    return self.resolve(node.attributes[name], keys, tfvars, node, value)
            block = self.index.variables(()).get(name)
            if block is None:
                raise NoPatch(f"var.{name} is not declared in the scanned code")
            default = block.attributes.get("default")
            if default is None:
                raise NoPatch(
                    f"var.{name} has no default and no tfvars value in the code: it is set by "
                    "-var, TF_VAR_" + name + " or a var file driftpatch was not given"
                )
            there = Frame(block, (), None, None, carried, f"default of var.{name}", frame.note)
            return self.resolve(default, keys, there, block, value)
        call = self._call(names)
        if call is None:
            raise NoPatch(f"the call of module {'.'.join(names)} is not in the scanned code")
        place = f"argument {name} of module {names[-1]}"
        call_frame = Frame(
            call, module[:-1], module[-1][1], self.fanout(call), frame.leave(), place, frame.note
        )
        arg = call.attributes.get(name)
        if arg is not None:
            return self.resolve(arg, keys, call_frame, call, value)
        block = self.index.variables(names).get(name)
        if block is None:
            raise NoPatch(f"var.{name} is not declared in module {'.'.join(names)}")
        default = block.attributes.get("default")
        if default is None:
            raise NoPatch(
                f"var.{name} has no default and module {names[-1]} ({_at(call)}) does not set it"
            )
        if default.literal is NOT_LITERAL:
            raise NoPatch(
                f"module {names[-1]} ({_at(call)}) does not set {name}, and the default of "
                f"var.{name} ({_at(default, block.file)}) is the expression "
                f"`{_short(default.expr_text)}`"
            )
        new = _with(default.literal, keys, value)
        via = call_frame.via(call.file, "new (the variable's default stays for other callers)")
        return self.checked(Write(call_frame, call, None, None, name, new, via, True))

    def local(self, name: str, keys: list[Key], frame: Frame, value: Any) -> Write:
        names = tuple(n for n, _ in frame.module)
        info = self.index.modules.get(names)
        files = set(info.files) if info is not None else set()
        for block in self.index.blocks:
            if block.type == "locals" and block.file in files and name in block.attributes:
                others = self._references(names, f"local.{name}", keys[0] if keys else None)
                carried = frame.leave() or _also(f"local.{name}", others, self.counting)
                there = Frame(block, frame.module, None, None, carried, f"local.{name}", frame.note)
                return self.resolve(block.attributes[name], keys, there, block, value)
        raise NoPatch(f"local.{name} is not declared in the scanned code")

    def _own_blocks(self) -> list[tuple[BlockNode, IndexKey]]:
        """The traced instance's resource block and the module calls that make its module,
        each with the instance key it has there."""
        try:
            addr = Address.parse(self.address)
        except ValueError:
            return []
        node = self.index.block_for(addr)
        module = _module_keys(addr.module)
        names = tuple(n for n, _ in module)
        calls = [(self._call(names[: i + 1]), module[i][1]) for i in range(len(names))]
        return [(b, k) for b, k in ((node, addr.key), *calls) if b is not None]

    def _own_each(self, ref: str, entry: Key | None) -> list[tuple[str, int, int]]:
        """The instance's own `for_each = <ref>` (file, span) when the value is written in
        the instance's own entry of it: that read is for the keys, which a changed value
        inside the entry leaves as they are (and its each.value is this instance's)."""
        out = []
        for block, key in self._own_blocks():
            each = block.attributes.get("for_each")
            if each is None or key is None or each.expr_text.strip() != ref:
                continue
            if entry is None and self._collecting:
                self._collect_key = key  # for_entry checks the element it picks is this
            elif entry != key:
                continue
            out.append((block.file, each.expr.start, each.expr.end))
        return out

    def _references(self, names: tuple[str, ...], ref: str, entry: Key | None = None) -> list[str]:
        """Where `ref` (`var.x`, `local.x`) is read in the module's files: file:line each."""
        info = self.index.modules.get(names)
        if info is None:
            return []
        pattern = re.compile(rf"(?<![\w.]){re.escape(ref)}(?![\w-])")
        found: list[str] = []
        # Outputs and variable validations read a value without making anything of it.
        files = set(info.files)
        quiet = [
            (b.file, b.span.start, b.span.end)
            for b in self.index.blocks
            if b.type in ("output", "variable") and b.file in files
        ]
        if self.counting:
            own = [b for b, _ in self._own_blocks()[:1]]
            quiet.extend((b.file, b.span.start, b.span.end) for b in own)
            if self._reader is not None:
                quiet.append(self._reader)
        else:
            quiet.extend(self._own_each(ref, entry))
        # `length(x)` reads how many elements there are, which a value changed inside one
        # element does not change (a whole new list may: then it is a reader like any other).
        inside = (entry is not None or self._collecting) and not self.counting
        counted = re.compile(rf"length\(\s*{re.escape(ref)}\s*\)" if inside else "$^")
        for file in info.files:
            text = self.index.texts.get(file, "")
            lengths = [(m.start(), m.end()) for m in counted.finditer(text)]
            for m in pattern.finditer(text):
                if any(f == file and start <= m.start() < end for f, start, end in quiet):
                    continue
                if any(start <= m.start() < end for start, end in lengths):
                    continue
                line_start = text.rfind("\n", 0, m.start()) + 1
                if text[line_start : m.start()].lstrip().startswith(("#", "//")):
                    continue
                found.append(f"{file}:{text.count(chr(10), 0, m.start()) + 1}")
        return found


def _own_entry(shown: str, label: Key, own: IndexKey) -> None:
    """The element a `for` expression picked is in a collection that is also the instance's
    own for_each (`own`: its key): it must be the instance's own entry."""
    if own is not None and str(label) != str(own):
        raise NoPatch(
            f"the for expression `{shown}` takes the value from entry {label!r} of its "
            f"collection, which is also this block's for_each: that entry is another "
            "instance's, so no patch is offered"
        )


def _also(ref: str, places: list[str], counting: bool = False) -> str | None:
    """Why `ref` is shared: read in more places than the one being followed (counting: the
    reads that lead to the instance are left out of `places` already)."""
    if len(places) <= (0 if counting else 1):
        return None
    return f"{ref} is read at {', '.join(places[:4])}, by more than this instance"


def _label(block: BlockNode) -> str:
    if block.type == "module":
        return f"module {block.labels[0]}"
    return ".".join(block.labels)


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _nest(keys: Sequence[Key], value: Any) -> Any:
    out = value
    for key in reversed(keys):
        if isinstance(key, int):
            raise NoPatch(f"cannot create element [{key}] of a list that is not written")
        out = {key: out}
    return out


def _with(base: Any, keys: Sequence[Key], value: Any) -> Any:
    """`base` (a literal) with the part at `keys` set to `value`."""
    if not keys:
        return value
    key = keys[0]
    if isinstance(key, int):
        if not isinstance(base, list) or key >= len(base):
            raise NoPatch(f"the default has no element [{key}]")
        out = copy.deepcopy(base)
        out[key] = _with(base[key], keys[1:], value)
        return out
    if base is None:
        base = {}
    if not isinstance(base, dict):
        raise NoPatch(f"the default is not an object: cannot set its key {key}")
    result = copy.deepcopy(base)
    result[key] = _with(base.get(key), keys[1:], value)
    return result


# -- expressions -------------------------------------------------------------------------------


def _parse(attr: AttributeNode) -> _Node | None:
    """The lark tree of `attr`'s expression (positions relative to `x = ` + its text)."""
    try:
        tree = hcl2.parses_to_tree(_PREFIX + attr.expr_text + "\n")
    except LarkError:
        return None
    body = tree.children[0]
    if not isinstance(body, Tree):
        return None
    for child in body.children:
        if isinstance(child, Tree) and child.data == "attribute":
            return _unwrap(child.children[-1])
    return None


def _unwrap(node: _Node) -> _Node:
    while isinstance(node, Tree) and node.data == "expr_term":
        inner = [c for c in node.children if not _layout(c)]
        if len(inner) == 1:
            node = inner[0]
        elif len(inner) == 3 and isinstance(inner[0], Token) and inner[0].type == "LPAR":
            node = inner[1]
        else:
            break
    return node


def _layout(node: _Node) -> bool:
    if isinstance(node, Token):
        return node.type == "NL_OR_COMMENT"
    return node.data == "new_line_or_comment"


def _ident(node: _Node) -> str | None:
    node = _unwrap(node)
    if isinstance(node, Tree) and node.data == "identifier" and node.children:
        return str(node.children[0])
    if isinstance(node, Token) and node.type == "NAME":
        return str(node)
    return None


def _traversal(node: _Node | None) -> tuple[str, list[Key | _Dynamic]] | None:
    """`var.a.b["k"][0]` -> ("var", ["a", "b", "k", 0]); indexes by expressions as _Dynamic."""
    if node is None:
        return None
    node = _unwrap(node)
    root = _ident(node)
    if root is not None:
        return root, []
    if not isinstance(node, Tree):
        return None
    if node.data == "get_attr_expr_term":
        base = _traversal(node.children[0])
        get = node.children[-1]
        name = _ident(get.children[-1]) if isinstance(get, Tree) else None
        if base is None or name is None:
            return None
        return base[0], [*base[1], name]
    if node.data == "index_expr_term":
        base = _traversal(node.children[0])
        index = node.children[-1]
        if base is None or not isinstance(index, Tree):
            return None
        inner = [c for c in index.children if isinstance(c, Tree) and not _layout(c)]
        if index.data != "braces_index" or len(inner) != 1:
            return None
        step = _index_value(inner[0])
        return base[0], [*base[1], step]
    return None


def _index_value(node: _Node) -> Key | _Dynamic:
    node = _unwrap(node)
    if isinstance(node, Tree) and node.data == "int_lit":
        return int(str(node.children[0]))
    if isinstance(node, Tree) and node.data == "string":
        parts = [c for c in node.children if isinstance(c, Tree)]
        if len(parts) == 1 and isinstance(parts[0].children[0], Token):
            token = parts[0].children[0]
            if token.type == "STRING_CHARS":
                return str(token)
        if not parts:
            return ""
    ref = _traversal(node)
    if ref is not None and all(isinstance(s, str) for s in ref[1]):
        return _Dynamic(".".join([ref[0], *(str(s) for s in ref[1])]))
    return _Dynamic("".join(str(t) for t in _tokens(node)) or "?")


def _for_chain(node: _Node | None) -> tuple[Tree[Token], list[Key | _Dynamic]] | None:
    """A `for` expression, with the index and attribute steps after it, or None."""
    steps: list[Key | _Dynamic] = []
    while node is not None:
        node = _unwrap(node)
        if not isinstance(node, Tree):
            return None
        if node.data in ("for_tuple_expr", "for_object_expr"):
            return node, steps
        if node.data == "get_attr_expr_term":
            get = node.children[-1]
            name = _ident(get.children[-1]) if isinstance(get, Tree) else None
            if name is None:
                return None
            steps.insert(0, name)
        elif node.data == "index_expr_term":
            index = node.children[-1]
            if not isinstance(index, Tree) or index.data != "braces_index":
                return None
            inner = [c for c in index.children if isinstance(c, Tree) and not _layout(c)]
            if len(inner) != 1:
                return None
            steps.insert(0, _index_value(inner[0]))
        else:
            return None
        node = node.children[0]
    return None


_ForParts: TypeAlias = tuple[list[str], _Node, "_Node | None", _Node, bool, "Tree[Token] | None"]


def _for_parts(node: Tree[Token]) -> _ForParts | None:
    """(symbols, collection, key expression (None for a list), value expression, grouped,
    condition) of a `for` expression."""
    trees = [c for c in node.children if isinstance(c, Tree) and not _layout(c)]
    grouped = any(isinstance(c, Token) and str(c) == "..." for c in node.children)
    if not trees or trees[0].data != "for_intro":
        return None
    intro = trees[0]
    names = [
        n
        for c in intro.children
        if isinstance(c, Tree) and c.data == "identifier"
        for n in [_ident(c)]
        if n is not None
    ]
    colls = [
        c
        for c in intro.children
        if isinstance(c, Tree) and c.data != "identifier" and not _layout(c)
    ]
    cond = trees[-1] if trees[-1].data == "for_cond" else None
    body = trees[1:-1] if cond is not None else trees[1:]
    if len(colls) != 1 or len(names) not in (1, 2):
        return None
    if node.data == "for_object_expr" and len(body) == 2:
        return names, colls[0], body[0], body[1], grouped, cond
    if node.data == "for_tuple_expr" and len(body) == 1:
        return names, colls[0], None, body[0], grouped, cond
    return None


def _source(attr: AttributeNode, part: _Node) -> str:
    """The text of a part of `attr`'s parsed expression."""
    tokens = [t for t in _tokens(part) if t.start_pos is not None]
    if not tokens:
        return "?"
    first = min(t.start_pos or 0 for t in tokens)
    last = max(t.end_pos or 0 for t in tokens)
    return _source_of(attr.expr_text, first, last)


def _source_of(expr_text: str, start: int, end: int) -> str:
    """Text of a node parsed from `x = ` + expr_text, by its token positions."""
    return expr_text[start - len(_PREFIX) : end - len(_PREFIX)]


def _part(item: AttributeNode, path: Sequence[str]) -> Any:
    """The literal at `path` inside a written element (NOT_LITERAL if it is not literal)."""
    node = item
    for name in path:
        if name not in node.elements:
            return NOT_LITERAL
        node = node.elements[name]
    return node.literal


def _call_of(node: _Node | None) -> tuple[str, list[_Node]] | None:
    if node is None:
        return None
    node = _unwrap(node)
    if not (isinstance(node, Tree) and node.data == "function_call"):
        return None
    name = _ident(node.children[0])
    args: list[_Node] = []
    for child in node.children:
        if isinstance(child, Tree) and child.data == "arguments":
            args = [c for c in child.children if isinstance(c, Tree) and not _layout(c)]
    return (name, args) if name is not None else None


def _tokens(node: _Node) -> list[Token]:
    if isinstance(node, Token):
        return [node]
    return [
        t for t in node.scan_values(lambda v: isinstance(v, Token)) if t.type != "NL_OR_COMMENT"
    ]


def _sub_attribute(
    parent: AttributeNode, node: _Node, file: str, text: str
) -> AttributeNode | None:
    """The sub-expression `node` of `parent` (parsed from `x = ` + parent's text) as an
    AttributeNode with spans in the file, so it can be followed and edited like any value."""
    tokens = [t for t in _tokens(node) if t.start_pos is not None and t.end_pos is not None]
    if not tokens:
        return None
    start = min(t.start_pos for t in tokens if t.start_pos is not None)
    last = max(tokens, key=lambda t: t.end_pos or 0)
    end = last.end_pos or 0
    if last.type in _HEREDOC_TOKENS:
        end -= len(last) - len(last.rstrip("\r\n"))
    base = parent.expr.start - len(_PREFIX)
    return _attribute_at(text, file, base + start, base + end, parent.name)


def _attribute_at(text: str, file: str, start: int, end: int, name: str) -> AttributeNode | None:
    parsed, problems = parse_tfvars(_PREFIX + text[start:end] + "\n", file)
    if parsed is None or problems or "x" not in parsed.attributes:
        return None
    attr = parsed.attributes["x"]
    lines = text.count("\n", 0, start)
    shifted = _shift(attr, start - len(_PREFIX), lines)
    return dataclasses.replace(shifted, name=name)


def _tuple_items(attr: AttributeNode, file: str, text: str) -> list[AttributeNode] | None:
    tree = _parse(attr)
    if not (isinstance(tree, Tree) and tree.data == "tuple"):
        return None
    out = []
    for i, child in enumerate(c for c in tree.children if isinstance(c, Tree) and not _layout(c)):
        sub = _sub_attribute(attr, child, file, text)
        if sub is None:
            return None
        out.append(dataclasses.replace(sub, name=f"{attr.name}[{i}]"))
    return out


def _shift_span(span: Span, chars: int, lines: int) -> Span:
    return Span(
        span.start_line + lines, span.end_line + lines, span.start + chars, span.end + chars
    )


def _shift(attr: AttributeNode, chars: int, lines: int) -> AttributeNode:
    return dataclasses.replace(
        attr,
        span=_shift_span(attr.span, chars, lines),
        expr=_shift_span(attr.expr, chars, lines),
        elements=MappingProxyType({k: _shift(v, chars, lines) for k, v in attr.elements.items()}),
    )
