"""Render every requested format first, then write them all: a failing renderer or an unwritable
path leaves no file behind, and no output may replace one of the run's inputs.

`refuse_inputs` runs before the scan: an `-o` path that resolves (symlinks and hard links
included) to a state, plan, snapshot, ignore file or report the run reads, that a `--state` glob
matches, that names a Terraform file (`.tf`, `.tfvars`, `.tfstate`, ...: never a report, and
Terraform would read it) or that lies inside a `.git` directory is refused with one line, exit 2.

`write_files` is all or nothing: every output is first written to a `mkstemp` file beside its
target; only when all are written are they renamed into place. Files get the mode any tool would
give a new file (0666 & ~umask), not mkstemp's 0600.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from driftpatch.config import OutputSpec
from driftpatch.errors import InputError, ReportError
from driftpatch.fsutil import new_file_mode, write_temp_beside
from driftpatch.model import Report
from driftpatch.report import REPORTERS

# Names no report may take: Terraform reads them (or they are state).
TERRAFORM_SUFFIXES = (
    ".tf",
    ".tf.json",
    ".tfvars",
    ".tfvars.json",
    ".tfstate",
    ".tfstate.backup",
)


@dataclass(frozen=True)
class Inputs:
    """What a run reads, so that no output replaces it."""

    files: tuple[tuple[str, Path], ...] = ()  # (what it is, e.g. "--plan", path)
    globs: tuple[str, ...] = ()  # --state patterns


class OutputOverwritesInput(InputError):
    """An -o path would replace one of the run's inputs."""


def _real(path: Path) -> str:
    return os.path.realpath(path.expanduser())


def _same(a: Path, b: Path) -> bool:
    if _real(a) == _real(b):
        return True
    try:
        return a.expanduser().samefile(b.expanduser())  # hard links
    except OSError:
        return False


def refuse_inputs(label: str, path: Path, inputs: Inputs) -> None:
    """OutputOverwritesInput when writing `path` (the output `label`) would replace an input."""
    name = path.name
    real = _real(path)

    def refuse(why: str) -> OutputOverwritesInput:
        return OutputOverwritesInput(f"refusing {label}: {why}; nothing was written")

    for what, source in inputs.files:
        if _same(path, source):
            raise refuse(f"it is the {what} {source} this run reads")
    absolute = os.path.abspath(path.expanduser())  # noqa: PTH100
    for pattern in inputs.globs:
        full = os.path.abspath(os.path.expanduser(pattern))  # noqa: PTH100, PTH111
        if fnmatch.fnmatchcase(absolute, full) or fnmatch.fnmatchcase(real, full):
            raise refuse(f"the --state pattern {pattern} matches it")
    if name.endswith(TERRAFORM_SUFFIXES) or Path(real).name.endswith(TERRAFORM_SUFFIXES):
        raise refuse("a report never takes the name of a Terraform file")
    parts = (*Path(absolute).parts, *Path(real).parts)
    if any(part.lower() == ".git" for part in parts):
        raise refuse("it is inside a .git directory (git runs what it finds there)")


def refuse_all(specs: Sequence[OutputSpec], inputs: Inputs) -> None:
    for spec in specs:
        if spec.path is not None:
            refuse_inputs(f"-o {spec}", spec.path, inputs)


def render_all(
    report: Report, specs: Sequence[OutputSpec], *, tty: bool
) -> list[tuple[OutputSpec, str]]:
    return [
        (spec, REPORTERS[spec.format].render(report, tty and spec.path is None)) for spec in specs
    ]


def _make_parents(directory: Path) -> list[Path]:
    """Create `directory` and its missing parents; the ones created, outermost first."""
    missing: list[Path] = []
    for d in (directory, *directory.parents):
        if d.exists():
            break
        missing.append(d)
    for d in reversed(missing):
        d.mkdir()
    return list(reversed(missing))


def _is_stream(path: Path) -> bool:
    """A character device or a pipe (/dev/null, /dev/stdout, a FIFO): written into, never
    replaced. Renaming a file over /dev/null as root would replace the device for everyone."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def write_files(items: Sequence[tuple[Path, str]]) -> None:
    """Write every (path, text), all or nothing: temp files first, renames at the end. A device
    or pipe target (`-o json:/dev/null`, `/dev/stdout`) is written into after the renames;
    any other existing non-regular target (a directory, a socket, a block device) is refused."""
    mode = new_file_mode()
    created: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    streams: list[tuple[Path, str]] = []
    current = Path()
    try:
        for path, text in items:
            current = path.expanduser()
            if _is_stream(current):
                streams.append((current, text))
                continue
            if current.is_dir():
                raise IsADirectoryError(21, "Is a directory")
            if current.exists() and not current.is_file():
                raise OSError(f"not a regular file, a device or a pipe: {current}")
            created += _make_parents(current.parent)
            staged.append(
                (write_temp_beside(current, text.encode("utf-8"), mode, "driftpatch"), current)
            )
        for tmp, target in staged:
            current = target
            tmp.replace(target)
    except BaseException as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        for d in reversed(created):
            with contextlib.suppress(OSError):
                d.rmdir()
        if isinstance(exc, OSError):
            raise ReportError(f"cannot write {current}: {exc.strerror or exc}") from exc
        raise
    for target, text in streams:
        try:
            with target.open("w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        except OSError as exc:
            raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from exc


def write_atomic(path: Path, text: str) -> None:
    """One file, through a temporary file renamed over the target."""
    write_files([(path, text)])


def write_outputs(report: Report, specs: Sequence[OutputSpec]) -> None:
    rendered = render_all(report, specs, tty=sys.stdout.isatty())
    write_files([(spec.path, text) for spec, text in rendered if spec.path is not None])
    for spec, text in rendered:
        if spec.path is None:
            sys.stdout.write(text)
            sys.stdout.flush()
