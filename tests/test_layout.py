"""The package's layout holds (issue 11 item 7).

- The world builder and the demo (driftpatch/demo/: seeding moto, replaying recordings, console
  style changes, with their own writing boto3 clients) are demo and test tooling: the runtime
  scan and check paths never import them, nor the embedded AWS they run on. Asserted both on
  the source (who imports what) and on the modules a fresh interpreter has loaded after a real
  `scan` and `check`.
- cli.py is a thin layer: AWS and fixing go through driftpatch.api (`api.scan`, `api.check`,
  `api.inventory`, `api.patch`), so cli.py imports nothing from driftpatch.aws or driftpatch.fix.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.clirun import REPO, write_empty_snapshot

SRC = REPO / "src" / "driftpatch"
TOOLING = ("driftpatch.demo", "driftpatch.embedded")

PROBE = """
import json, sys
from driftpatch.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "loaded": sorted(m for m in sys.modules
                  if m.startswith("driftpatch"))}))
"""


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """(module imported, name of the enclosing top-level function or None) for every import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, str | None]] = []
    for top in tree.body:
        where = top.name if isinstance(top, ast.FunctionDef) else None
        for node in ast.walk(top):
            if isinstance(node, ast.Import):
                out.extend((alias.name, where) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                out.append((node.module, where))
                out.extend((f"{node.module}.{alias.name}", where) for alias in node.names)
    return out


def test_only_the_demo_command_imports_the_demo_tooling() -> None:
    importers = set()
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "demo" or rel.name == "embedded.py":
            continue
        for module, where in _imports(path):
            if module.startswith(TOOLING):
                importers.add((rel.as_posix(), where))
    assert importers == {("cli.py", "demo")}


def test_the_cli_reads_aws_and_fixes_only_through_the_api() -> None:
    imported = {module for module, _where in _imports(SRC / "cli.py")}
    assert not {m for m in imported if m.startswith(("driftpatch.aws", "driftpatch.fix"))}
    assert "boto3" not in imported and "botocore" not in imported


def _loaded(*args: str, cwd: Path) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("DRIFTPATCH_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.stdout.strip(), proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, proc.stderr
    return set(result["loaded"])


def test_scan_and_check_load_no_demo_tooling(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps({"version": 4, "serial": 1, "lineage": "l", "resources": []}))
    snapshot = write_empty_snapshot(tmp_path / "live.json")
    common = ("--no-checkov", "--verify", "static", "--fail-on", "none", "-o", "json:r.json")
    scanned = _loaded(
        "scan", "--state", str(state), "--live", str(snapshot), "--source", ".", *common,
        cwd=tmp_path,
    )  # fmt: skip
    checked = _loaded("check", "--source", ".", *common, cwd=tmp_path)
    assert "driftpatch.api" in scanned and "driftpatch.api" in checked  # the probe ran them
    for loaded in (scanned, checked):
        assert not {m for m in loaded if m.startswith(TOOLING)}
