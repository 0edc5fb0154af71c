"""Run the real CLI in a subprocess, as a user does, and read its contract (the tests' one way
to do it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    drop: Iterable[str] = (),
) -> subprocess.CompletedProcess[str]:
    """`python -m driftpatch ARGS` with this checkout's code; `drop` removes variables of the
    caller's environment (caps, endpoints, credentials) before `env` is added. The timeout is a
    guard against a hang, never a timing assertion."""
    dropped = {"DRIFTPATCH_DEBUG", *drop}
    full = {k: v for k, v in os.environ.items() if k not in dropped}
    full.update({"PYTHONPATH": str(REPO / "src"), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "driftpatch", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full,
        timeout=timeout,
        check=False,
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The one stderr line of an exit-2 run."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def write_empty_snapshot(path: Path) -> Path:
    """An empty but valid --live snapshot, so a scan needs no AWS."""
    snapshot = {
        "kind": "driftpatch-inventory",
        "version": 1,
        "regions": ["us-east-1"],
        "resources": [],
        "errors": [],
    }
    path.write_text(json.dumps(snapshot))
    return path
