"""Index HCL texts with the real source index (the rules tests were written before it landed;
this module keeps their import names)."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from driftpatch.terraform.source import NOT_LITERAL, SourceIndex
from driftpatch.terraform.source import index_source as _index_source

__all__ = ["NOT_LITERAL", "SourceIndex", "index_source", "index_texts"]


def index_texts(texts: Mapping[str, str]) -> SourceIndex:
    """Write `texts` (relative path -> HCL) to a scratch directory and index it."""
    with tempfile.TemporaryDirectory(prefix="driftpatch-rules-") as tmp:
        root = Path(tmp)
        for rel, text in texts.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return _index_source(root, root=root)


def index_source(directory: Path) -> SourceIndex:
    return _index_source(directory, root=directory)
