"""Input limits: bounded reads of input files, and how deep their nesting may go.

Every file driftpatch reads comes from the user, and a nightly job must fail with one line
rather than eat the machine: `--state /dev/zero` used to grow without end, a FIFO with no
writer hung the run, and 10,000 nested brackets ended in RecursionError. So an input file must
be a regular file (checked before opening, and again on the open descriptor, which is opened
non-blocking so a FIFO swapped in between cannot hang us), is read at most one byte past its
cap, and its nesting is measured before a parser that recurses sees it.

Caps, in bytes (a number, or with a K, M or G suffix for KiB, MiB, GiB):

- `DRIFTPATCH_MAX_INPUT_BYTES` (default 512M): a state, plan, `--live` snapshot, report or
  ignore file.
- `DRIFTPATCH_MAX_HCL_BYTES` (default 16M): one `.tf` or `.tfvars` file, and an eighth of it
  one top-level block. Parsing holds the syntax trees of a few top-level blocks at a time
  (~150x their text), and the index keeps ~13x the text.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
import stat
from pathlib import Path
from typing import Any, Final

from driftpatch.errors import InputError

INPUT_ENV: Final = "DRIFTPATCH_MAX_INPUT_BYTES"
HCL_ENV: Final = "DRIFTPATCH_MAX_HCL_BYTES"
DEFAULT_INPUT_BYTES: Final = 512 * 2**20
DEFAULT_HCL_BYTES: Final = 16 * 2**20
# Deeper than any Terraform document (modules in modules, nested blocks, WAF statements stay
# well under 64), and shallow enough that every recursive reader stays inside Python's
# recursion limit of 1000 frames.
MAX_DEPTH: Final = 128

_SIZE = re.compile(r"\s*(\d+)\s*([kKmMgG]?)(?:i?[bB])?\s*")
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}
_CHUNK = 1 << 20


class InputLimitError(InputError):
    """An input is not a regular file, is over its size cap, or nests too deeply."""


def max_input_bytes() -> int:
    """The cap for a JSON input (state, plan, snapshot, report), from the environment."""
    return _cap(INPUT_ENV, DEFAULT_INPUT_BYTES)


def max_hcl_bytes() -> int:
    """The cap for one HCL file (.tf, .tfvars), from the environment."""
    return _cap(HCL_ENV, DEFAULT_HCL_BYTES)


def _cap(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw.strip():
        return default
    match = _SIZE.fullmatch(raw)
    if match is None or int(match.group(1)) == 0:
        shown = raw.encode("unicode_escape").decode("ascii")[:40]
        raise InputLimitError(
            f"{name}: expected a size in bytes such as 536870912 or 512M, got {shown!r}"
        )
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def describe_size(size: int) -> str:
    """`100 bytes`, `1.5 KiB`, `512 MiB`: for messages."""
    if size < 2**10:
        return f"{size} bytes"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    raise AssertionError(size)  # pragma: no cover


def _file_kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(
    path: Path,
    origin: str,
    what: str,
    *,
    limit: int | None = None,
    env: str = INPUT_ENV,
    error: type[InputError] = InputLimitError,
) -> bytes:
    """A regular file's bytes, at most `limit` of them (default: the JSON input cap).

    OSError is left to the caller (each names a missing file its own way); a directory raises
    IsADirectoryError like `open` does. A FIFO, device or socket, or a file over the cap,
    raises `error` with one line starting with `origin`.
    """
    if limit is None:
        limit = _cap(env, DEFAULT_INPUT_BYTES if env == INPUT_ENV else DEFAULT_HCL_BYTES)
    info = path.stat()
    _check(info, path, origin, what, limit, env, error)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        # The name may have been swapped for a FIFO or a device since the stat above.
        _check(os.fstat(fd), path, origin, what, limit, env, error)
        parts: list[bytes] = []
        total = 0
        while total <= limit:
            part = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not part:
                break
            parts.append(part)
            total += len(part)
    finally:
        os.close(fd)
    if total > limit:  # it grew while we read it
        raise error(too_large(origin, what, total, limit, env, grew=True))
    return b"".join(parts)


def _check(
    info: os.stat_result,
    path: Path,
    origin: str,
    what: str,
    limit: int,
    env: str,
    error: type[InputError],
) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    kind = _file_kind(info.st_mode)
    if kind is not None:
        raise error(f"{origin}: is {kind}, expected a regular {what} file")
    if info.st_size > limit:
        raise error(too_large(origin, what, info.st_size, limit, env, grew=False))


def too_large(
    origin: str, what: str, size: int, limit: int, env: str = INPUT_ENV, *, grew: bool = False
) -> str:
    """The one line for an input over its cap (`grew`: its size is only known to be over)."""
    amount = "" if grew else f"is {describe_size(size)}, "
    return (
        f"{origin}: {amount}over the limit of {describe_size(limit)} for a {what} file "
        f"(set {env} to raise it)"
    )


# -- nesting -----------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest, without parsing it (which would
    recurse); brackets inside strings do not count. Invalid JSON gets a best-effort answer,
    and the parser that runs next says what is wrong with it."""
    skeleton = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(itertools.accumulate(map(_STEP.__getitem__, skeleton)), default=0)


def too_deep(what: str) -> str:
    """The message (after the origin) for a document nested past MAX_DEPTH."""
    return f"nested more than {MAX_DEPTH} levels deep (driftpatch's limit for a {what})"


def load_json(path: Path, what: str, *, error: type[InputError] = InputLimitError) -> Any:
    """A UTF-8 JSON file of driftpatch's own (a `--live` snapshot, a report): read within the
    input cap, its nesting measured before `json` recurses into it; any failure is one line."""
    try:
        data = read_bytes(path, str(path), what, error=error)
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: {what} is not UTF-8 text (bad byte at offset {exc.start})") from exc
    if json_depth(text) > MAX_DEPTH:
        raise error(f"{path}: {too_deep(what)}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path}: {what} is not valid JSON: {exc}") from exc
    except (RecursionError, ValueError) as exc:  # ValueError: an integer past the digit limit
        raise error(f"{path}: {what} is not valid JSON: {exc}") from exc
