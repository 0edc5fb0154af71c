"""Static verification: the edited resource blocks against the shipped provider schema.

Where no Terraform CLI (or no provider) is at hand, this is the strongest check driftpatch can
make that its edit is code the provider would accept. It judges only what the patch changed:
each resource block of a patched file is checked before and after the edit, and only problems
the edit introduced count (a block that already lacked an argument is the author's matter).

Checks, per resource block and nested block the schema knows:
- no unknown argument or block (meta-arguments and `dynamic` aside; an argument that is a list
  or set of objects may be written as blocks: attributes-as-blocks);
- every required argument and every block with min_items present (not inside `dynamic`);
- no more blocks than max_items;
- no deprecated argument newly written;
- no empty string newly written: an unset live value is not `""`, and the provider rejects
  `""` for most enumerations (`http_endpoint = ""`).
Types and enumerations are not in the schema dump (the provider validates them in code); that
is left to `terraform validate`.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Mapping

from driftpatch.seqs import Spliced
from driftpatch.terraform.schema import AttributeSchema, BlockSchema, ProviderSchema
from driftpatch.terraform.source import (
    BlockNode,
    ParsedFile,
    SourceIndex,
    edited_blocks,
    parse_text,
)

META_ARGUMENTS = frozenset(
    {"count", "for_each", "provider", "depends_on", "lifecycle", "connection", "provisioner"}
)


def _attribute_as_blocks(spec: AttributeSchema | None) -> bool:
    """An argument whose type is a list or set of objects (a security group's `ingress` and
    `egress`): Terraform accepts it written as blocks too (attributes-as-blocks), as
    `terraform plan -generate-config-out` and the provider's documentation write it."""
    if spec is None or not spec.is_argument:
        return False
    kind = spec.type
    return (
        isinstance(kind, list)
        and len(kind) == 2
        and kind[0] in ("list", "set")
        and isinstance(kind[1], list)
        and bool(kind[1])
        and kind[1][0] == "object"
    )


def _problems(node: BlockNode, schema: BlockSchema, where: str) -> set[str]:
    out: set[str] = set()
    dynamic = {b.labels[0] for b in node.blocks if b.type == "dynamic" and b.labels}
    for name, attr in node.attributes.items():
        spec = schema.attributes.get(name)
        if spec is None:
            if name not in META_ARGUMENTS and name not in schema.block_types:
                out.add(f"{where}: unknown argument {name!r}")
            continue
        if not spec.is_argument:
            out.add(f"{where}: {name!r} is computed by the provider and cannot be set")
        if spec.deprecated:
            out.add(f"{where}: {name!r} is deprecated")
        if attr.literal == "":
            out.add(f"{where}: {name!r} is set to an empty string")
    counts: dict[str, int] = {}
    for child in node.blocks:
        if child.type in META_ARGUMENTS or child.type == "dynamic":
            continue
        bt = schema.block_types.get(child.type)
        if bt is None:
            if not _attribute_as_blocks(schema.attributes.get(child.type)):
                out.add(f"{where}: unknown block {child.type!r}")
            continue
        counts[child.type] = counts.get(child.type, 0) + 1
        out |= _problems(child, bt.block, f"{where}.{child.type}")
    for name, spec in schema.attributes.items():
        if spec.required and name not in node.attributes:
            out.add(f"{where}: required argument {name!r} is missing")
    for name, bt in schema.block_types.items():
        n = counts.get(name, 0)
        if name in dynamic:
            continue
        if bt.min_items and n < bt.min_items:
            out.add(f"{where}: block {name!r} is required")
        if bt.max_items and n > bt.max_items:
            out.add(f"{where}: at most {bt.max_items} {name!r} block(s) allowed, found {n}")
    return out


def _resource_blocks(blocks: Iterable[BlockNode]) -> dict[tuple[str, str], BlockNode]:
    return {
        (b.labels[0], b.labels[1]): b for b in blocks if b.type == "resource" and len(b.labels) == 2
    }


def check_files(
    index: SourceIndex, patched: Mapping[str, str], schema: ProviderSchema
) -> tuple[bool, list[str]]:
    """(whether any edited block was checked, problems the edit introduced) for the patched
    files (repo-relative path -> full text)."""
    checked = False
    problems: list[str] = []
    view = getattr(patched, "view", None)  # fix/verify.SplicedTexts: its texts unmade
    for file in sorted(patched):
        if not file.endswith(".tf"):
            continue
        text: str | Spliced = view(file) if view is not None else patched[file]
        before_text = index.texts.get(file)
        for key, node, old in _edited(file, before_text, text):
            res = schema.resource(key[0])
            if res is None:
                continue  # not an AWS type the shipped schema knows
            checked = True
            where = f"{key[0]}.{key[1]}"
            new = _problems(node, res.block, where)
            if old is not None:
                new -= _problems(old, res.block, where)
            problems.extend(sorted(new))
    return checked, problems


Edited = tuple[tuple[str, str], BlockNode, BlockNode | None]


def _edited(
    file: str, before_text: str | None, text: str | Spliced, whole: bool = False
) -> list[Edited]:
    """The resource blocks of `text` the edit touched, in file order, each with the block of
    the same address before the edit (None: new). A patch edits a few blocks of a file that
    may hold thousands: only the stretch the edit changed is parsed and compared
    (source.edited_blocks), unless an address is declared twice in the file, where the
    whole-file comparison below decides which block is which (`whole`: always, the reference
    tests/fix/test_linear_code.py compares with)."""
    before = _original(file, before_text) if before_text else None
    if before is not None and not whole:
        spliced = edited_blocks(before, text)
        by_key, unique = _resources_of(before)
        if spliced is not None and unique:
            removed = set(_resource_blocks(spliced.removed))
            added = [b for b in spliced.added if b.type == "resource" and len(b.labels) == 2]
            keys = [(b.labels[0], b.labels[1]) for b in added]
            if len(set(keys)) == len(keys) and not any(
                k in by_key and k not in removed for k in keys
            ):
                return [
                    (k, node, by_key.get(k))
                    for k, node in zip(keys, added, strict=True)
                    if not _same(before_text, by_key.get(k), text, node)
                ]
    if isinstance(text, Spliced):
        text = text.text()
    old_blocks = _resource_blocks(before.blocks) if before is not None else {}
    after = _resource_blocks(parse_text(text, file).blocks)
    return [
        (k, node, old_blocks.get(k))
        for k, node in after.items()
        if not _same(before_text, old_blocks.get(k), text, node)
    ]


def _same(
    before_text: str | None, old: BlockNode | None, text: str | Spliced, node: BlockNode
) -> bool:
    """Untouched by the edit: the block of the same address has the same text."""
    return (
        old is not None
        and before_text is not None
        and before_text[old.span.start : old.span.end] == text[node.span.start : node.span.end]
    )


# The resource blocks of the last few original files (verification checks every patch of a
# file against the same original): by address, and whether every address is declared once.
_RESOURCES: collections.OrderedDict[int, tuple[ParsedFile, dict[tuple[str, str], BlockNode], bool]]
_RESOURCES = collections.OrderedDict()


# The original files verification checks every patch against, parsed (the shared parse cache
# is bounded by size, and a large file's versions push its original out).
_ORIGINALS: collections.OrderedDict[tuple[str, str], ParsedFile] = collections.OrderedDict()


def _original(file: str, text: str) -> ParsedFile:
    key = (file, text)
    found = _ORIGINALS.get(key)
    if found is None:
        found = _ORIGINALS[key] = parse_text(text, file)
        while len(_ORIGINALS) > 4:
            _ORIGINALS.popitem(last=False)
    return found


def _resources_of(parsed: ParsedFile) -> tuple[dict[tuple[str, str], BlockNode], bool]:
    found = _RESOURCES.get(id(parsed))
    if found is None or found[0] is not parsed:
        blocks = _resource_blocks(parsed.blocks)
        count = sum(1 for b in parsed.blocks if b.type == "resource" and len(b.labels) == 2)
        found = (parsed, blocks, len(blocks) == count)
        _RESOURCES[id(parsed)] = found
        while len(_RESOURCES) > 8:
            _RESOURCES.popitem(last=False)
    return found[1], found[2]
