"""`cli.run` (the process entry point) ends with os._exit to skip the interpreter's teardown:
the exit code, buffered output and exit handlers must survive that."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from driftpatch import __version__
from tests.clirun import REPO

# An exit handler registered before the command, and stdout left buffered (a pipe).
PROBE = """
import atexit, sys
atexit.register(lambda: print("handler ran", flush=True))
sys.argv = ["driftpatch", *sys.argv[1:]]
from driftpatch.cli import run
run()
"""


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("DRIFTPATCH_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_version_output_and_exit_handlers_survive(tmp_path: Path) -> None:
    proc = _run("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == f"driftpatch {__version__}\nhandler ran\n"


def test_input_error_keeps_exit_code_2(tmp_path: Path) -> None:
    proc = _run("scan", "--state", str(tmp_path / "missing.tfstate"), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == "handler ran\n"
    assert proc.stderr.startswith("driftpatch: error: ")
