"""Apply a saved report's patches: all or nothing, only where a scan could have written, and
never over files changed since the scan.

A report is input from wherever it came from, so its patch targets are checked like any other
untrusted path (`target_path`): only existing `.tf`/`.tfvars` files inside the repository, or new
`.tf` files under the source directory; never an absolute path, a `..`, a `.git` component, a
symlink, or a path that a symlinked directory leads out of the repository. `.tf.json` files are
refused too: the source index never reads them, so no scan patches them.

Every patch is applied in memory first, strictly (context and removed lines must match exactly,
no fuzz). Each existing file must carry the `base_sha256` recorded at scan time and still have
it. Only then is anything written (`write_all`), under the repository lock and with a journal,
as described in `driftpatch.fix.journal`.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

from driftpatch.errors import FixError
from driftpatch.fix.diff import NO_NEWLINE, sha256
from driftpatch.model import Patch

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchConflict(FixError):
    """A patch does not apply to the files as they are now (or cannot be checked against them)."""


class UnsafePatch(FixError):
    """A patch names a file that no scan would write: refused before anything is touched."""


EXISTING_SUFFIXES = (".tf", ".tfvars")
NEW_SUFFIXES = (".tf",)


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


def _locate(src: list[str], expected: list[str], at: int, floor: int) -> int | None:
    """Where the hunk's old lines (context and removed) stand exactly: at their line number,
    else the nearest place after the previous hunk, as `git apply` does (an offset, never
    fuzz: every line must match). A report's patches to one file are made one after another,
    so a subset of them lands a few lines off."""
    if not expected:
        return at if floor <= at <= len(src) else None
    last = len(src) - len(expected)
    for distance in range(max(last - floor, at - floor, 0) + 1):
        for candidate in (at - distance, at + distance) if distance else (at,):
            if (
                floor <= candidate <= last
                and src[candidate : candidate + len(expected)] == expected
            ):
                return candidate
    return None


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
    offset = 0  # where earlier hunks were found relative to their line numbers
    for hunk in hunks:
        stated = max(hunk.old_start - 1, 0) if hunk.old_start else 0
        expected = [line[1:] for line in hunk.lines if line[0] in (" ", "-")]
        found = _locate(src, expected, stated + offset, pos)
        if found is None:
            raise PatchConflict(
                f"{label}: the lines around line {hunk.old_start} differ from what the patch "
                "expects"
            )
        offset = found - stated
        out.extend(src[pos:found])
        pos = found
        for line in hunk.lines:
            tag, body = line[0], line[1:]
            if tag in (" ", "-"):
                pos += 1
                if tag == " ":
                    out.append(body)
            else:
                out.append(body)
    out.extend(src[pos:])
    return "".join(out)


@dataclass(frozen=True)
class Target:
    """A checked patch target: `path` is inside the repository and writable by the rules above."""

    rel: str  # repository-relative, "/"-separated, as in the report
    path: Path
    exists: bool


def _is_git_name(part: str) -> bool:
    # Case-insensitive (macOS, Windows), and with the trailing dots/spaces Windows ignores.
    return part.rstrip(". ").casefold() == ".git"


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def target_path(rel: str, root: Path, source_root: Path | None = None) -> Target:
    """Check one report path against what a scan could have written; UnsafePatch otherwise.

    `root` is the repository root and `source_root` the --source directory (default: `root`),
    both already resolved. Symlinks are followed component by component: a symlinked directory
    may be crossed only while it stays inside the repository, and the file itself must never be
    a symlink (writing through it would write its target)."""

    def refuse(why: str) -> UnsafePatch:
        return UnsafePatch(f"refusing to patch {rel!r}: {why}; nothing was written")

    if not rel or "\x00" in rel:
        raise refuse("not a file path")
    if rel.startswith(("/", "\\")) or PureWindowsPath(rel).drive:
        raise refuse("an absolute path (report paths are relative to the repository)")
    if "\\" in rel:
        raise refuse("a backslash in the path")
    parts = rel.split("/")
    if ".." in parts:
        raise refuse("'..' leads out of the repository")
    if any(p in ("", ".") for p in parts):
        raise refuse("not a normalised relative path")
    if any(_is_git_name(p) for p in parts):
        raise refuse("a path inside .git")
    name = parts[-1]
    if not name.endswith(EXISTING_SUFFIXES) or name in EXISTING_SUFFIXES:
        raise refuse("only .tf and .tfvars files are patched")
    real_root = os.path.realpath(root)
    current = Path(root)
    exists = True
    for i, part in enumerate(parts):
        current = current / part
        last = i == len(parts) - 1
        try:
            st = current.lstat()
        except FileNotFoundError:
            if not last:
                raise refuse(f"its directory {'/'.join(parts[: i + 1])} does not exist") from None
            exists = False
            break
        except OSError as exc:
            raise refuse(f"cannot inspect it ({exc.strerror or exc})") from exc
        if stat.S_ISLNK(st.st_mode):
            if last:
                raise refuse("a symlink (only regular files are patched)")
            real = os.path.realpath(current)
            if not _inside(real, real_root):
                raise refuse("a symlinked directory on its path leads out of the repository")
            if any(_is_git_name(p) for p in Path(os.path.relpath(real, real_root)).parts):
                raise refuse("a symlinked directory on its path leads into .git")
        elif not last and not stat.S_ISDIR(st.st_mode):
            raise refuse(f"{'/'.join(parts[: i + 1])} is not a directory")
        elif last and not stat.S_ISREG(st.st_mode):
            raise refuse("not a regular file")
    real_parent = os.path.realpath(current.parent)
    if not _inside(real_parent, real_root):
        raise refuse("it resolves outside the repository")
    if not exists:
        if not name.endswith(NEW_SUFFIXES):
            raise refuse("a new file must be a .tf file")
        real_source = os.path.realpath(source_root if source_root is not None else root)
        if not _inside(real_parent, real_source):
            raise refuse("a new file must be under the source directory")
    return Target(rel, Path(root) / rel, exists)


def check_targets(patches: Sequence[Patch], root: Path, source_root: Path | None = None) -> None:
    """Refuse the whole report if any patch names a file outside what a scan could write."""
    for patch in patches:
        target_path(patch.file, root, source_root)


def read_target(target: Target) -> bytes | None:
    """The current bytes of a target (None when it does not exist); FixError if unreadable."""
    try:
        return target.path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FixError(f"{target.rel}: cannot read it ({exc.strerror or exc})") from exc


def decode(data: bytes, rel: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PatchConflict(
            f"{rel}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "driftpatch only patches UTF-8 files"
        ) from exc


@dataclass(frozen=True)
class Result:
    files: dict[str, str]  # repo-relative path -> new content
    # repo-relative path -> sha256 of the bytes the patches were applied to (None: a new file);
    # write_all re-checks it just before each rename.
    bases: dict[str, str | None] = field(default_factory=dict)
    source_root: Path | None = None


def plan_application(
    patches: Sequence[Patch], root: Path, source_root: Path | None = None
) -> Result:
    """Apply every patch in memory, in order; refuse on any unsafe target, changed file or
    conflict. Every patch to a file that exists (on disk, or made by an earlier patch of the
    report) must carry `base_sha256`; the first one per file is compared with the disk."""
    texts: dict[str, str | None] = {}
    bases: dict[str, str | None] = {}
    for patch in patches:
        target = target_path(patch.file, root, source_root)
        if patch.file not in texts:
            data = read_target(target) if target.exists else None
            current = decode(data, patch.file) if data is not None else None
            if current is not None:
                if patch.base_sha256 is None:
                    raise PatchConflict(
                        f"{patch.file}: the report has no base_sha256 for this existing file, so "
                        "driftpatch cannot tell whether it changed since the scan; scan again"
                    )
                if sha256(current) != patch.base_sha256:
                    raise PatchConflict(
                        f"{patch.file} changed since the scan: scan again to get fresh patches"
                    )
            elif patch.base_sha256 is not None:
                raise PatchConflict(f"{patch.file}: the file no longer exists")
            texts[patch.file] = current
            bases[patch.file] = sha256(current) if current is not None else None
        elif texts[patch.file] is not None and patch.base_sha256 is None:
            raise PatchConflict(
                f"{patch.file}: a patch to this file has no base_sha256; scan again"
            )
        texts[patch.file] = apply_diff(texts[patch.file], patch.diff, patch.file)
    files = {k: v for k, v in texts.items() if v is not None}
    return Result(files, {k: bases[k] for k in files}, source_root)


def write_all(result: Result, root: Path) -> list[str]:
    """Write every file of `result`, all or nothing, under the repository lock.

    See `driftpatch.fix.journal.commit` for the protocol (temporary files, backups, journal,
    hash re-check before each rename, rollback on failure or SIGINT/SIGTERM)."""
    from driftpatch.fix.journal import RepoLock, commit

    with RepoLock(root) as lock:
        return commit(result, root, lock)
