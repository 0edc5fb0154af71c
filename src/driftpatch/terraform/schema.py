"""Provider schema facts: what the hashicorp/aws provider says about each attribute.

Normalisation, redaction and import generation follow the schema instead of hand-kept lists:
which attributes are computed-only (never drift from code), optional+computed, sensitive or
write-only, and which nested blocks are sets (order-free) or lists. The data ships with the
package (scripts/trim_schema.py regenerates it from a `terraform providers schema -json` dump).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class AttributeSchema:
    name: str
    type: Any  # cty type expression: "string", ["list", "string"], ["set", ["object", {...}]]
    required: bool = False
    optional: bool = False
    computed: bool = False
    sensitive: bool = False
    write_only: bool = False
    deprecated: bool = False

    @property
    def computed_only(self) -> bool:
        """Set by the provider alone: code can never disagree with it."""
        return self.computed and not self.optional and not self.required

    @property
    def is_argument(self) -> bool:
        return self.required or self.optional

    @property
    def is_set(self) -> bool:
        return isinstance(self.type, list) and self.type[:1] == ["set"]

    @property
    def is_collection(self) -> bool:
        return isinstance(self.type, list) and self.type[:1] in (["set"], ["list"], ["map"])


@dataclass(frozen=True)
class BlockTypeSchema:
    name: str
    nesting_mode: str  # "single" | "list" | "set" | "map" | "group"
    block: BlockSchema
    min_items: int = 0
    max_items: int = 0  # 0: unbounded

    @property
    def is_set(self) -> bool:
        return self.nesting_mode == "set"


@dataclass(frozen=True)
class BlockSchema:
    attributes: Mapping[str, AttributeSchema]
    block_types: Mapping[str, BlockTypeSchema]

    def walk(self, prefix: Path_ = ()) -> Iterator[tuple[Path_, AttributeSchema]]:
        """Every attribute at every depth, with its path of names (block indices omitted)."""
        for name, attr in self.attributes.items():
            yield (*prefix, name), attr
        for name, bt in self.block_types.items():
            yield from bt.block.walk((*prefix, name))

    def child(self, name: str) -> AttributeSchema | BlockTypeSchema | None:
        return self.attributes.get(name) or self.block_types.get(name)


@dataclass(frozen=True)
class ResourceSchema:
    type: str
    version: int
    block: BlockSchema

    def sensitive_paths(self) -> tuple[Path_, ...]:
        return tuple(p for p, a in self.block.walk() if a.sensitive or a.write_only)

    def arguments(self) -> tuple[str, ...]:
        """Top-level names a user can write in a resource block (attributes and blocks)."""
        attrs = (n for n, a in self.block.attributes.items() if a.is_argument and n != "id")
        return (*attrs, *self.block.block_types)


class ProviderSchema:
    """Lookup over the shipped hashicorp/aws schema; parses each resource type on first use."""

    def __init__(self, raw: Mapping[str, Any], source: str) -> None:
        self._raw = raw
        self.source = source
        self._parsed: dict[str, ResourceSchema] = {}

    def __contains__(self, type_: str) -> bool:
        return type_ in self._raw

    def types(self) -> tuple[str, ...]:
        return tuple(self._raw)

    def resource(self, type_: str) -> ResourceSchema | None:
        if type_ not in self._raw:
            return None
        if type_ not in self._parsed:
            entry = self._raw[type_]
            if isinstance(entry, str):  # its line of the shipped file, not parsed yet
                entry = json.loads(entry)
            self._parsed[type_] = ResourceSchema(
                type_, int(entry.get("version", 0)), _block(entry.get("block", {}))
            )
        return self._parsed[type_]


def _block(raw: Mapping[str, Any]) -> BlockSchema:
    attrs = {
        name: AttributeSchema(
            name=name,
            type=spec.get("type", spec.get("nested_type")),
            required=bool(spec.get("required")),
            optional=bool(spec.get("optional")),
            computed=bool(spec.get("computed")),
            sensitive=bool(spec.get("sensitive")),
            write_only=bool(spec.get("write_only")),
            deprecated=bool(spec.get("deprecated")),
        )
        for name, spec in raw.get("attributes", {}).items()
    }
    blocks = {
        name: BlockTypeSchema(
            name=name,
            nesting_mode=str(spec.get("nesting_mode", "list")),
            block=_block(spec.get("block", {})),
            min_items=int(spec.get("min_items", 0)),
            max_items=int(spec.get("max_items", 0)),
        )
        for name, spec in raw.get("block_types", {}).items()
    }
    return BlockSchema(attrs, blocks)


@cache
def aws_schema() -> ProviderSchema:
    """The shipped hashicorp/aws 5.100.0 schema (all resource types, descriptions dropped).

    The file is one JSON document with each resource type on a line of its own
    (scripts/trim_schema.py): a type's line is parsed when it is first asked for, so a scan
    holds the few dozen types it compares, not 1,500 (12 MB, and up to 0.5 s of parsing on a
    loaded machine). A file without that layout is parsed whole, as before."""
    ref = resources.files("driftpatch.terraform") / "data" / "aws-provider-schema.json.gz"
    text = gzip.decompress(ref.read_bytes()).decode("utf-8")
    lines = text.split("\n")
    if len(lines) < 3 or not lines[0].endswith('"resource_schemas":{'):
        doc = json.loads(text)
        return ProviderSchema(doc["resource_schemas"], str(doc.get("source", "")))
    meta = json.loads(lines[0].removesuffix(',"resource_schemas":{') + "}")
    raw: dict[str, Any] = {}
    for line in lines[1:-1]:
        name, _, body = line.partition(":")
        raw[json.loads(name)] = body.removesuffix(",")
    return ProviderSchema(raw, str(meta.get("source", "")))
