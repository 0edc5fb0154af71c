"""Small filesystem helpers shared by the writers (reports, `patch --apply`).

Every file driftpatch writes goes through a temporary file made by `tempfile.mkstemp` beside its
target (unique, so two runs never share one, and on the same filesystem, so the final rename is
atomic). mkstemp creates files 0600; a new file should get what any other tool would give it,
0666 filtered by the umask, which is why `new_file_mode` exists.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

_UMASK_LOCK = threading.Lock()


def umask() -> int:
    """The process umask, read without changing it for longer than two syscalls.

    Linux exposes it in /proc/self/status; elsewhere it can only be read by setting it, so that
    is done under a lock (the umask is process-wide)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode a newly created regular file gets from open(2) with 0666: 0666 & ~umask."""
    return 0o666 & ~umask()


def fsync_dir(directory: Path) -> None:
    """Make renames in `directory` durable (best effort: some filesystems refuse it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_temp_beside(target: Path, data: bytes, mode: int, tag: str, suffix: str = ".tmp") -> Path:
    """A new unique file next to `target` holding `data` with `mode`, flushed to disk.

    The caller renames it over the target (or unlinks it on failure); nothing is left behind
    when this raises."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{tag}-", suffix=suffix, dir=target.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp
