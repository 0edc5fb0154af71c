"""Apply a saved report's patches: all or nothing, and never over files changed since the scan.

Every patch is applied in memory first, strictly (context and removed lines must match exactly,
no fuzz); only when all of them apply is anything written, each file through a temporary file
renamed over the original. A file whose content no longer has the hash recorded at scan time is
refused before anything is touched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from driftpatch.errors import FixError
from driftpatch.fix.diff import NO_NEWLINE, sha256
from driftpatch.model import Patch

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchConflict(FixError):
    """A patch does not apply to the files as they are now."""


@dataclass(frozen=True)
class Hunk:
    old_start: int
    lines: tuple[str, ...]  # with their " ", "-", "+" prefix and line ending


def parse_hunks(diff: str) -> tuple[bool, list[Hunk]]:
    """(is a new file, hunks) of a one-file unified diff."""
    new_file = False
    hunks: list[Hunk] = []
    current: list[str] | None = None
    start = 0
    for raw in diff.splitlines(keepends=True):
        if raw.startswith("--- "):
            new_file = raw.startswith("--- /dev/null")
            continue
        if raw.startswith(("+++ ", "diff --git", "new file mode", "index ")):
            continue
        m = _HUNK.match(raw)
        if m:
            if current is not None:
                hunks.append(Hunk(start, tuple(current)))
            start, current = int(m.group(1)), []
            continue
        if current is None:
            continue
        if raw == NO_NEWLINE or raw.rstrip("\n") == NO_NEWLINE.rstrip("\n"):
            if current:  # the previous line has no newline at the end of its file
                current[-1] = current[-1].rstrip("\n")
            continue
        if raw[:1] in (" ", "-", "+"):
            current.append(raw)
    if current is not None:
        hunks.append(Hunk(start, tuple(current)))
    return new_file, hunks


def apply_diff(old: str | None, diff: str, label: str) -> str:
    """The new text of one file; PatchConflict if any line does not match exactly."""
    new_file, hunks = parse_hunks(diff)
    if new_file:
        if old is not None:
            raise PatchConflict(f"{label}: the patch creates it, but it already exists")
        old = ""
    elif old is None:
        raise PatchConflict(f"{label}: the file does not exist")
    src = old.splitlines(keepends=True)
    out: list[str] = []
    pos = 0
    for hunk in hunks:
        begin = max(hunk.old_start - 1, 0) if hunk.old_start else 0
        if begin < pos:
            raise PatchConflict(f"{label}: overlapping hunks")
        out.extend(src[pos:begin])
        pos = begin
        for line in hunk.lines:
            tag, body = line[0], line[1:]
            if tag in (" ", "-"):
                if pos >= len(src) or src[pos] != body:
                    raise PatchConflict(
                        f"{label}: line {pos + 1} differs from what the patch expects"
                    )
                pos += 1
                if tag == " ":
                    out.append(body)
            else:
                out.append(body)
    out.extend(src[pos:])
    return "".join(out)


@dataclass(frozen=True)
class Result:
    files: dict[str, str]  # repo-relative path -> new content


def plan_application(patches: Sequence[Patch], root: Path) -> Result:
    """Apply every patch in memory, in order; refuse on any changed file or conflict."""
    texts: dict[str, str | None] = {}
    for patch in patches:
        path = root / patch.file
        if patch.file not in texts:
            try:
                current = path.read_text(encoding="utf-8") if path.is_file() else None
            except UnicodeDecodeError as exc:
                byte = exc.object[exc.start]
                raise FixError(
                    f"{patch.file}: not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}); "
                    "driftpatch only patches UTF-8 files"
                ) from exc
            if patch.base_sha256 is not None:
                if current is None:
                    raise PatchConflict(f"{patch.file}: the file no longer exists")
                if sha256(current) != patch.base_sha256:
                    raise PatchConflict(
                        f"{patch.file} changed since the scan: scan again to get fresh patches"
                    )
            texts[patch.file] = current
        texts[patch.file] = apply_diff(texts[patch.file], patch.diff, patch.file)
    return Result({k: v for k, v in texts.items() if v is not None})


def write_all(result: Result, root: Path) -> list[str]:
    """Write every file via a temporary sibling, then rename them all into place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for rel, text in sorted(result.files.items()):
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.driftpatch.tmp")
            tmp.write_text(text, encoding="utf-8", newline="")
            staged.append((tmp, target))
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise FixError(f"cannot write patched files: {exc}") from exc
    for tmp, target in staged:
        tmp.replace(target)
    return sorted(result.files)
