"""Regenerate the provider schema shipped as package data.

    python scripts/trim_schema.py [SCHEMA.json[.gz]]

Reads a `terraform providers schema -json` dump of hashicorp/aws (default: the 5.100.0 dump in
../shared/data/aws-provider-schema) and keeps, for every resource type, only what normalisation,
redaction and import generation need: attribute types and flags, block nesting. Descriptions are
dropped; the result is gzipped (~2 MB -> ~150 KB).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = (
    ROOT.parent / "shared" / "data" / "aws-provider-schema" / "aws-provider-schema-v5.100.0.json"
)
OUT = ROOT / "src" / "driftpatch" / "terraform" / "data" / "aws-provider-schema.json.gz"
KEEP_ATTR = (
    "type",
    "nested_type",
    "required",
    "optional",
    "computed",
    "sensitive",
    "write_only",
    "deprecated",
)
KEEP_BLOCK = ("nesting_mode", "min_items", "max_items")


def strip_block(block: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if block.get("attributes"):
        out["attributes"] = {
            name: {k: v for k, v in attr.items() if k in KEEP_ATTR}
            for name, attr in sorted(block["attributes"].items())
        }
    if block.get("block_types"):
        out["block_types"] = {
            name: {
                **{k: v for k, v in bt.items() if k in KEEP_BLOCK},
                "block": strip_block(bt.get("block", {})),
            }
            for name, bt in sorted(block["block_types"].items())
        }
    return out


def layout(doc: dict[str, Any]) -> bytes:
    """Compact JSON, sorted, with each resource type on a line of its own: still one JSON
    document, and driftpatch.terraform.schema parses a type's line only when it is asked for
    (a scan needs a few dozen of 1,500 types: 12 MB of parsed schema it no longer holds)."""

    def compact(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    head = compact({k: v for k, v in doc.items() if k != "resource_schemas"})
    lines = [
        f"{compact(name)}:{compact(schema)}"
        for name, schema in sorted(doc["resource_schemas"].items())
    ]
    body = ",\n".join(lines)
    return f'{head[:-1]},"resource_schemas":{{\n{body}\n}}}}'.encode()


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT
    raw = gzip.decompress(src.read_bytes()) if src.suffix == ".gz" else src.read_bytes()
    dump = json.loads(raw)
    provider = dump["provider_schemas"]["registry.terraform.io/hashicorp/aws"]
    resources = {
        name: {"version": schema.get("version", 0), "block": strip_block(schema["block"])}
        for name, schema in sorted(provider["resource_schemas"].items())
    }
    doc = {
        "provider": "registry.terraform.io/hashicorp/aws",
        "source": src.name,
        "resource_schemas": resources,
    }
    data = layout(doc)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(gzip.compress(data, mtime=0))
    print(
        f"{OUT.relative_to(ROOT)}: {len(resources)} resource types, "
        f"{len(data)} bytes -> {OUT.stat().st_size} gzipped"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
