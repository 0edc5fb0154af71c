"""A disk cache of the pruned botocore API models (aws/session.py's `prune_model`).

Why: a client's first step is parsing its service's whole API model, documentation included
(EC2's is 4 MB of JSON), only for `prune_model` to keep the few allow-listed operations. On the
1,000-resource benchmark world the scan's 25 clients spent ~0.14 s of CPU in that parse, 7% of
the scan's own CPU; the pruned models they keep are a few hundred KB in all, and read back in
about a hundredth of the time.

An entry is only ever the pruned result of the exact files botocore would load: its name hashes
the botocore version, the model files' paths, sizes and modification times (a model under
~/.aws/models, or a botocore upgrade, makes a new entry), the allow-list of the service and
`FORMAT`. Entries are written whole (a temporary file renamed into place), so a concurrent or
interrupted run leaves either no entry or a complete one; an entry that cannot be read or
parsed is a miss. The cache is an optimisation only: any failure to read or write it falls
back to loading the model as botocore does, silently. An entry is trusted only when it and its
directory are this user's and nobody else may write them (`_private`).

Where: $DRIFTPATCH_CACHE_DIR/botocore-models (an empty value turns the cache off), else
$XDG_CACHE_HOME/driftpatch/botocore-models, else ~/.cache/driftpatch/botocore-models.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import botocore

# Bump when prune_model's output changes for the same inputs: older entries are then unused.
FORMAT = 1
CACHE_ENV = "DRIFTPATCH_CACHE_DIR"


def cache_dir() -> Path | None:
    """Where pruned models are kept; None when the user turned the cache off."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return Path(env) / "botocore-models" if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "driftpatch" / "botocore-models"


class ModelCache:
    """Pruned service-2 models of one botocore loader, on disk under `directory`."""

    def __init__(self, loader: Any, directory: Path) -> None:
        self.loader = loader
        self.directory = directory

    def _source(self, name: str) -> list[object]:
        """The file botocore's loader would read for `name` (the first search path holding
        it, .json before .json.gz as PlainJsonLoader looks): path, size and mtime, or []."""
        for base in self.loader.search_paths:
            for ext in (".json", ".json.gz"):
                path = Path(base) / (name + ext)
                try:
                    st = path.stat()
                except OSError:
                    continue
                return [str(path), st.st_size, st.st_mtime_ns]
        return []

    def entry(self, service: str, api_version: str | None, allowed: Collection[str]) -> Path:
        """The entry's file for this model, these model files and this allow-list."""
        version = api_version or self.loader.determine_latest_version(service, "service-2")
        stem = f"{service}/{version}/service-2"
        material = json.dumps(
            [
                FORMAT,
                botocore.__version__,
                self._source(stem),
                self._source(f"{stem}.sdk-extras"),
                sorted(allowed),
            ]
        )
        digest = hashlib.sha256(material.encode()).hexdigest()[:24]
        return self.directory / f"{service}-{version}-{digest}.json"

    def get(self, entry: Path) -> dict[str, Any] | None:
        """The entry's model; None when absent, unreadable, or not safely ours (below)."""
        try:
            if not _private(entry):
                return None
            doc = json.loads(entry.read_bytes())
        except (OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) and isinstance(doc.get("operations"), dict) else None

    def put(self, entry: Path, doc: dict[str, Any]) -> None:
        tmp: str | None = None
        try:
            entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "wb") as fp:
                fp.write(json.dumps(doc, separators=(",", ":")).encode())
            Path(tmp).replace(entry)
            tmp = None
        except OSError:
            pass  # read-only or full disk: the next run parses the model again
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    Path(tmp).unlink()


def _private(entry: Path) -> bool:
    """The entry and its directory belong to this user and nobody else may write them.

    A model says how each operation is sent (for S3, the HTTP method and path) while the
    allow-list checks operations by name: a model another user could write might send a
    write under a read's name. botocore reads ~/.aws/models on the same terms; an entry
    written here is created 0600 in a 0700 directory."""
    getuid = getattr(os, "getuid", None)
    for path in (entry, entry.parent):
        st = path.stat()
        if getuid is not None and st.st_uid != getuid():
            return False
        if st.st_mode & 0o022:
            return False
    return True
