"""Writing patched files safely: one writer per repository, all or nothing, recoverable.

`patch --apply` may rewrite hundreds of files. The protocol, in order:

1. **Lock.** `RepoLock` takes a non-blocking `flock` on `driftpatch.lock` in the repository's git
   directory (`.git/`, or the directory a worktree's `.git` file names), else on
   `<root>/.driftpatch.lock`. A second run is refused at once ("another driftpatch patch --apply
   is running"); two runs never mix their edits. The lock file stays (removing it would race).
2. **Recover.** A journal left by a run that was killed is rolled back first (`recover`), before
   anything else is read.
3. **Stage.** Each new content goes to a `mkstemp` file beside its target, with the target's
   mode (a new file gets 0666 & ~umask); each original is copied beside it as a backup.
4. **Journal.** `driftpatch-journal.json` (next to the lock) lists every target with its temp
   file, backup and the hashes before and after; it is written (and fsynced) before the first
   rename, and already once before staging so that even the stray temp files of a run killed
   while staging are found.
5. **Rename.** Each target's hash is re-checked just before its temp file is renamed over it
   (a new file is linked into place, which fails rather than overwrites if it appeared).
6. **Commit.** The journal is marked committed, backups are deleted, the journal is deleted.

Any failure, SIGINT or SIGTERM before the commit restores every renamed file from its backup
(signals are deferred during the writes and acted on between two of them) and removes every
temp file: nothing is left half-applied.

After SIGKILL (or a power cut) the journal remains. **Recovery policy: roll back.** The next
`driftpatch patch` run restores every file that has its new hash from its backup, deletes files
the run created, removes temp files and backups, prints one line saying so, then proceeds; running
the same `patch --apply` again therefore applies the report from a clean state. A file changed
by someone since the crash is left alone, with its backup, and the run stops with one line.

Test hook (tests only, never documented for users): `DRIFTPATCH_TEST_PAUSE_AFTER_RENAMES=N`
makes `commit` print `driftpatch: test pause after N rename(s)` on stderr after N renames (0:
after the journal, before the first rename) and wait until stdin has a line, is closed, or a
deferred signal arrives. It lets a test interrupt or race a run at an exact point.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import select
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from driftpatch.errors import FixError
from driftpatch.fix.apply import PatchConflict, Result, target_path
from driftpatch.fsutil import fsync_dir, new_file_mode, write_temp_beside

JOURNAL_VERSION = 1
TAG = "driftpatch"  # temp files: .<name>.driftpatch-XXXX.tmp, backups: ...-XXXX.orig
PAUSE_ENV = "DRIFTPATCH_TEST_PAUSE_AFTER_RENAMES"


class RepositoryBusy(FixError):
    """Another `patch --apply` holds the repository lock."""


class ApplyInterrupted(FixError):
    """SIGINT or SIGTERM arrived during the writes; everything was rolled back."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        name = signal.Signals(signum).name
        super().__init__(f"interrupted by {name}: every file was rolled back, nothing was changed")


def _bytes_sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _git_dir(root: Path) -> Path | None:
    """The repository's git directory: `.git/`, or where a worktree's `.git` file points."""
    dot_git = root / ".git"
    if dot_git.is_symlink():
        return None
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():
        with contextlib.suppress(OSError, UnicodeDecodeError):
            first = dot_git.read_text(encoding="utf-8").splitlines()[0]
            if first.startswith("gitdir:"):
                gitdir = (root / first.removeprefix("gitdir:").strip()).resolve()
                if gitdir.is_dir():
                    return gitdir
    return None


class RepoLock:
    """An exclusive, non-blocking advisory lock on a repository (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        git = _git_dir(self.root)
        if git is not None:
            self.path = git / "driftpatch.lock"
            self.journal = git / "driftpatch-journal.json"
        else:
            self.path = self.root / ".driftpatch.lock"
            self.journal = self.root / ".driftpatch-journal.json"
        self._fd: int | None = None

    def __enter__(self) -> RepoLock:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise FixError(f"cannot open the lock file {self.path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RepositoryBusy(
                f"another driftpatch patch --apply is running in {self.root} "
                f"(lock {self.path}); try again when it has finished"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise FixError(f"cannot lock {self.path}: {exc.strerror or exc}") from exc
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the flock
            self._fd = None


# -- signals ---------------------------------------------------------------------------------


class _Deferred:
    """SIGINT/SIGTERM recorded instead of raised while files are being swapped."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._old: dict[int, Any] = {}

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum

    def __enter__(self) -> _Deferred:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)

    def check(self) -> None:
        if self.signum is not None:
            raise ApplyInterrupted(self.signum)


def _test_pause(renamed: int, deferred: _Deferred) -> None:
    wanted = os.environ.get(PAUSE_ENV)
    if wanted is None or not wanted.isdigit() or int(wanted) != renamed:
        return
    sys.stderr.write(f"driftpatch: test pause after {renamed} rename(s)\n")
    sys.stderr.flush()
    while deferred.signum is None:
        try:
            ready, _, _ = select.select([sys.stdin], [], [], 0.05)
        except (OSError, ValueError, TypeError):  # no usable stdin: do not pause
            return
        if ready:
            sys.stdin.readline()
            return


# -- journal ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    file: str  # repository-relative target
    base_sha256: str | None  # None: the run creates this file
    new_sha256: str
    temp: str | None = None  # file names in the target's directory
    backup: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "file": self.file,
            "base_sha256": self.base_sha256,
            "new_sha256": self.new_sha256,
            "temp": self.temp,
            "backup": self.backup,
        }


def _write_journal(lock: RepoLock, state: str, entries: list[Entry]) -> None:
    doc = {
        "driftpatch_journal": JOURNAL_VERSION,
        "state": state,
        "pid": os.getpid(),
        "entries": [e.to_json() for e in entries],
    }
    data = (json.dumps(doc, indent=1) + "\n").encode("utf-8")
    try:
        tmp = write_temp_beside(lock.journal, data, 0o600, TAG)
        try:
            tmp.replace(lock.journal)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise FixError(f"cannot write the journal {lock.journal}: {exc.strerror or exc}") from exc
    fsync_dir(lock.journal.parent)


def _own_file(target: Path, name: str | None, suffix: str) -> Path | None:
    """A temp/backup file name from a journal, accepted only if it is one of ours for `target`."""
    if not name or "/" in name or name in (".", ".."):
        return None
    if not (name.startswith(f".{target.name}.{TAG}-") and name.endswith(suffix)):
        return None
    return target.parent / name


def _leftovers(target: Path) -> Iterator[Path]:
    with contextlib.suppress(OSError):
        for p in target.parent.iterdir():
            ours = p.name.startswith(f".{target.name}.{TAG}-") and p.name.endswith(
                (".tmp", ".orig")
            )
            if ours and p.is_file() and not p.is_symlink():
                yield p


def _hash_file(path: Path) -> str | None:
    try:
        return _bytes_sha256(path.read_bytes())
    except FileNotFoundError:
        return None


def _entry(raw: dict[str, Any]) -> Entry:
    fields = (raw["file"], raw["base_sha256"], raw["new_sha256"], raw["temp"], raw["backup"])
    if not isinstance(fields[0], str) or not isinstance(fields[2], str):
        raise TypeError("file and new_sha256 must be strings")
    if not all(f is None or isinstance(f, str) for f in fields):
        raise TypeError("every field must be a string or null")
    return Entry(*fields)


def _undo(entry: Entry, target: Path, backup: Path | None, *, committed: bool) -> int | None:
    """Put one journal entry's file back as it was before the run: 1 if restored, 0 if there
    was nothing to undo, None if the file is in neither the state before nor after the run."""
    current = _hash_file(target)
    if committed or current == entry.base_sha256:
        return 0  # the run finished, or had not renamed this file yet
    if current != entry.new_sha256:
        return None
    if entry.base_sha256 is None:
        target.unlink()
        return 1
    if backup is not None and _hash_file(backup) == entry.base_sha256:
        backup.replace(target)
        return 1
    return None


def recover(lock: RepoLock, root: Path) -> str | None:
    """Roll back what the journal of an interrupted run records; one line for the user, or None
    when there was no journal. Must be called with the lock held. FixError (journal kept) when
    a file changed since the crash and cannot be restored safely."""
    try:
        raw = lock.journal.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FixError(f"cannot read the journal {lock.journal}: {exc.strerror or exc}") from exc
    try:
        doc = json.loads(raw)
        if doc.get("driftpatch_journal") != JOURNAL_VERSION:
            raise ValueError("unknown journal version")
        state = doc["state"]
        if state not in ("preparing", "applying", "committed"):
            raise ValueError(f"unknown state {state!r}")
        entries = [_entry(e) for e in doc["entries"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FixError(
            f"the journal {lock.journal} of an interrupted patch --apply is unreadable ({exc}); "
            "check the files it names and delete it"
        ) from exc
    restored = 0
    stuck: list[str] = []
    for entry in entries:
        target = root / entry.file
        try:
            target_path(entry.file, root)  # a journal is checked like a report
        except FixError:
            if entry.base_sha256 is None and not target.exists():
                continue
            stuck.append(f"{entry.file} (not a file driftpatch may write)")
            continue
        temp = _own_file(target, entry.temp, ".tmp")
        backup = _own_file(target, entry.backup, ".orig")
        try:
            outcome = _undo(entry, target, backup, committed=state == "committed")
        except OSError as exc:
            stuck.append(f"{entry.file} ({exc.strerror or exc})")
            continue
        if outcome is None:
            kept = f"; its original is in {backup.name}" if backup and backup.exists() else ""
            stuck.append(f"{entry.file} (changed since{kept})")
            continue
        restored += outcome
        for leftover in [p for p in (temp, backup) if p is not None] + list(_leftovers(target)):
            with contextlib.suppress(OSError):  # a stray file left is untidy, not unsafe
                leftover.unlink(missing_ok=True)
    if stuck:
        raise FixError(
            f"cannot roll back the interrupted patch --apply recorded in {lock.journal}: "
            f"{', '.join(stuck)}; restore by hand, then delete the journal"
        )
    lock.journal.unlink()
    fsync_dir(lock.journal.parent)
    if state == "committed":
        return "cleaned up after an interrupted patch --apply that had completed"
    return (
        f"rolled back an interrupted patch --apply ({restored} file(s) restored to their "
        "content before it)"
    )


# -- commit ----------------------------------------------------------------------------------


@dataclass
class _Staged:
    entry: Entry
    target: Path
    temp: Path
    backup: Path | None


def commit(result: Result, root: Path, lock: RepoLock) -> list[str]:
    """Write `result` all or nothing (module docstring); the lock must be held. Returns the
    repository-relative paths written."""
    order = sorted(result.files)
    data = {rel: result.files[rel].encode("utf-8") for rel in order}
    plan = [Entry(rel, result.bases.get(rel), _bytes_sha256(data[rel])) for rel in order]
    staged: list[_Staged] = []
    renamed: list[_Staged] = []
    journal_written = False
    with _Deferred() as deferred:
        try:
            _write_journal(lock, "preparing", plan)
            journal_written = True
            for entry in plan:
                deferred.check()
                staged.append(_stage(entry, data[entry.file], root, result))
            _write_journal(lock, "applying", [s.entry for s in staged])
            _test_pause(0, deferred)
            for item in staged:
                deferred.check()
                _swap(item)
                renamed.append(item)
                _test_pause(len(renamed), deferred)
            deferred.check()
            for directory in {s.target.parent for s in staged}:
                fsync_dir(directory)
            _write_journal(lock, "committed", [s.entry for s in staged])
        except OSError as exc:
            _roll_back(renamed, staged, lock, journal_written, exc)
            raise FixError(
                f"cannot apply the patches ({exc.strerror or exc}): every file was rolled back"
            ) from exc
        except BaseException as exc:
            _roll_back(renamed, staged, lock, journal_written, exc)
            raise
        # Past the commit point: a file left here is untidy, not unsafe (the next run's
        # recovery removes what a committed journal names).
        with contextlib.suppress(OSError):
            for item in staged:
                if item.backup is not None:
                    item.backup.unlink(missing_ok=True)
            lock.journal.unlink(missing_ok=True)
    return order


def _stage(entry: Entry, data: bytes, root: Path, result: Result) -> _Staged:
    target = target_path(entry.file, root, result.source_root)
    if target.exists:
        st = target.path.lstat()
        mode = st.st_mode & 0o7777
        original = target.path.read_bytes()
        if _bytes_sha256(original) != entry.base_sha256:
            raise PatchConflict(
                f"{entry.file} changed while patching: nothing was changed, scan again"
            )
    elif entry.base_sha256 is not None:
        raise PatchConflict(f"{entry.file} disappeared while patching: nothing was changed")
    else:
        mode, original = new_file_mode(), None
    try:
        temp = write_temp_beside(target.path, data, mode, TAG, ".tmp")
    except OSError as exc:
        raise FixError(f"cannot write next to {entry.file}: {exc.strerror or exc}") from exc
    backup = None
    if original is not None:
        try:
            backup = write_temp_beside(target.path, original, mode, TAG, ".orig")
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    full = Entry(
        entry.file,
        entry.base_sha256,
        entry.new_sha256,
        temp.name,
        backup.name if backup is not None else None,
    )
    return _Staged(full, target.path, temp, backup)


def _swap(item: _Staged) -> None:
    """Re-check the target's hash, then put the new content in place atomically."""
    entry, target = item.entry, item.target
    if entry.base_sha256 is None:
        if target.is_symlink() or target.exists():
            raise PatchConflict(f"{entry.file} appeared while patching: every file was rolled back")
        try:
            os.link(item.temp, target)  # fails, rather than overwrites, if it appeared
        except FileExistsError:
            raise PatchConflict(
                f"{entry.file} appeared while patching: every file was rolled back"
            ) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise FixError(f"cannot create {entry.file}: {exc.strerror or exc}") from exc
            item.temp.replace(target)  # no hard links here: checked just above instead
            return
        item.temp.unlink()
        return
    if target.is_symlink() or _hash_file(target) != entry.base_sha256:
        raise PatchConflict(
            f"{entry.file} changed while patching (another program wrote it): every file was "
            "rolled back; scan again"
        )
    try:
        item.temp.replace(target)
    except OSError as exc:
        raise FixError(f"cannot replace {entry.file}: {exc.strerror or exc}") from exc


def _roll_back(
    renamed: list[_Staged],
    staged: list[_Staged],
    lock: RepoLock,
    journal_written: bool,
    cause: BaseException,
) -> None:
    """Undo the renames (newest first), remove temp files and backups, then the journal. If a
    restore fails the journal stays, so the next run finishes the rollback."""
    failed: list[str] = []
    for item in reversed(renamed):
        try:
            if item.backup is None:
                item.target.unlink(missing_ok=True)
            else:
                item.backup.replace(item.target)
        except OSError as exc:
            failed.append(f"{item.entry.file} ({exc.strerror or exc})")
    if failed:
        raise FixError(
            f"patching failed ({cause}) and {', '.join(failed)} could not be restored; the next "
            f"driftpatch patch run rolls back using {lock.journal}"
        ) from cause
    for item in staged:
        item.temp.unlink(missing_ok=True)
        if item.backup is not None:
            item.backup.unlink(missing_ok=True)
    for directory in {s.target.parent for s in staged}:
        fsync_dir(directory)
    if journal_written:
        lock.journal.unlink(missing_ok=True)
