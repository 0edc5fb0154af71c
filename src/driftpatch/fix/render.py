"""Render Python values as HCL text in `terraform fmt` style.

New text must come out fmt-clean without running fmt over the user's file (that would touch
bytes outside the edit). So this follows fmt's rules for what it writes: two-space indents,
`=` aligned across consecutive single-line attributes and object items, one item per line in
multi-line collections. fix/hcl_edit.py then re-indents the text for the file it goes into (4
spaces or tabs where that file uses them), leaving heredoc bodies as they are.
tests/fix/test_hcl_edit.py and test_hcl_fit.py check the output against the real
`terraform fmt` where the binary exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from driftpatch.rules.interface import Block, Expr

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
MAX_INLINE = 80
Value = Any  # JSON | Expr


def quote(text: str) -> str:
    """An HCL quoted string: JSON-like escapes, plus template sequences made literal."""
    out = json.dumps(text, ensure_ascii=False)
    return out.replace("${", "$${").replace("%{", "%%{")


def key(name: str) -> str:
    return name if IDENT.match(name) and name not in ("true", "false", "null") else quote(name)


def _inline(value: Value) -> str | None:
    """Single-line rendering, or None if the value needs several lines."""
    if isinstance(value, Expr):
        return value.text if "\n" not in value.text else None
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return quote(value) if "\n" not in value else None
    if isinstance(value, Sequence):
        if not value:
            return "[]"
        if any(isinstance(v, Mapping | list | tuple) for v in value):
            return None
        parts = [_inline(v) for v in value]
        if any(p is None for p in parts):
            return None
        text = "[" + ", ".join(p for p in parts if p is not None) + "]"
        return text if len(text) <= MAX_INLINE else None
    if isinstance(value, Mapping):
        return "{}" if not value else None
    raise TypeError(f"cannot render {type(value).__name__} as HCL")


def value(val: Value, indent: int = 0) -> str:
    """`val` as an HCL expression; continuation lines indented for a line at `indent`."""
    single = _inline(val)
    if single is not None:
        return single
    if isinstance(val, Expr):  # multi-line expression written for indent 0: shift it
        first, *rest = val.text.split("\n")
        return "\n".join([first, *((" " * indent + ln) if ln else ln for ln in rest)])
    pad = " " * (indent + 2)
    if isinstance(val, str):  # multi-line string: a heredoc keeps it readable
        body = val if val.endswith("\n") else val + "\n"
        marker = "EOT"
        while marker in body.splitlines():
            marker += "X"
        escaped = body.replace("${", "$${").replace("%{", "%%{")
        return (
            f"<<-{marker}\n"
            + "".join(f"{pad}{line}\n" if line else "\n" for line in escaped.splitlines())
            + " " * indent
            + marker
        )
    if isinstance(val, Mapping):
        return "{\n" + items(val, indent + 2) + " " * indent + "}"
    if isinstance(val, Sequence):
        lines = "".join(f"{pad}{value(v, indent + 2)},\n" for v in val)
        return "[\n" + lines + " " * indent + "]"
    raise TypeError(f"cannot render {type(val).__name__} as HCL")


def items(mapping: Mapping[str, Value], indent: int) -> str:
    """Object items or block attributes, one per line, `=` aligned as fmt aligns them:
    across runs of consecutive single-line items (a multi-line item ends a run)."""
    pad = " " * indent
    rendered = [(key(k), value(v, indent)) for k, v in mapping.items()]
    out: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(k) for k, _ in run), default=0)
        out.extend(f"{pad}{k.ljust(width)} = {v}\n" for k, v in run)
        run.clear()

    for k, v in rendered:
        if "\n" in v:
            flush()
            out.append(f"{pad}{k} = {v}\n")
        else:
            run.append((k, v))
    flush()
    return "".join(out)


def block(
    type_: str,
    labels: Sequence[str],
    arguments: Mapping[str, Value],
    blocks: Sequence[tuple[str, Mapping[str, Value]]] = (),
    indent: int = 0,
) -> str:
    """A block: arguments first (aligned), then nested blocks, each after a blank line.

    A value that is a `Block` (or a tuple of them) in `arguments` is written as nested
    block(s) named by its key, like the entries of `blocks`."""
    pad = " " * indent
    head = " ".join([type_, *(quote(label) for label in labels)])
    plain = {k: v for k, v in arguments.items() if not _is_blocks(v)}
    nested = list(blocks)
    for name, v in arguments.items():
        if isinstance(v, Block):
            nested.append((name, v.arguments))
        elif _is_blocks(v):
            nested.extend((name, b.arguments) for b in v)
    parts = [items(plain, indent + 2)] if plain else []
    parts.extend(block(name, (), body, indent=indent + 2) for name, body in nested)
    inner = "\n".join(p for p in parts if p)
    return f"{pad}{head} {{\n{inner}{pad}}}\n"


def _is_blocks(value: Value) -> bool:
    return isinstance(value, Block) or (
        isinstance(value, tuple) and bool(value) and all(isinstance(b, Block) for b in value)
    )
