"""Start-up stays light: `--help` and `--version` load no pipeline, and `check` (the pull-request
job, no AWS) never loads boto3 or botocore, which alone take longer to import than the rest.

Asserted on the modules a fresh interpreter has loaded after the command, never on time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clirun import REPO

# Runs the Typer app in-process (the same object `python -m driftpatch` runs) and then prints
# the names of the loaded modules this test cares about, as JSON on the last line of stdout.
PROBE = """
import json, sys
from driftpatch.cli import app
try:
    app(sys.argv[1:], prog_name="driftpatch")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted(m for m in sys.modules
                if m.split(".")[0] in ("boto3", "botocore", "rich", "hcl2", "lark")
                or m.startswith(("driftpatch.api", "driftpatch.aws.readers.", "driftpatch.rules",
                                 "driftpatch.terraform.source", "driftpatch.terraform.evaluate")))
print(json.dumps({"code": code, "loaded": loaded}))
"""

READER_MODULES = ("account", "ec2", "iam", "kms", "s3", "vpc")


def probe(*args: str, cwd: Path) -> tuple[int, set[str]]:
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
    return result["code"], set(result["loaded"])


def heavy(loaded: set[str]) -> set[str]:
    return {
        m
        for m in loaded
        if m.split(".")[0] in ("boto3", "botocore")
        or m.removeprefix("driftpatch.aws.readers.") in READER_MODULES
    }


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("check", "--help")])
def test_help_and_version_load_no_pipeline(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, loaded = probe(*args, cwd=tmp_path)
    assert code == 0
    assert heavy(loaded) == set()
    assert "driftpatch.api" not in loaded
    assert not any(m.startswith("driftpatch.rules") for m in loaded)
    assert "rich" not in loaded  # the reporters load when a command writes


def test_help_names_every_output_format() -> None:
    from driftpatch.cli import FORMATS
    from driftpatch.report import REPORTERS

    assert tuple(REPORTERS) == FORMATS


def test_check_never_loads_boto3(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "main.tf").write_text(
        'resource "aws_security_group" "web" {\n'
        '  name = "web"\n'
        "  ingress {\n"
        '    protocol    = "tcp"\n'
        "    from_port   = 22\n"
        "    to_port     = 22\n"
        '    cidr_blocks = ["0.0.0.0/0"]\n'
        "  }\n"
        "}\n"
    )
    report = tmp_path / "report.json"
    code, loaded = probe(
        "check", "--source", str(source), "--no-checkov", "--verify", "static",
        "-o", f"json:{report}", cwd=tmp_path,
    )  # fmt: skip
    assert code == 1  # the open SSH port is found: the pipeline really ran
    assert "driftpatch.api" in loaded
    assert any(f["rule_id"] == "DP-VPC-001" for f in json.loads(report.read_text())["findings"])
    assert heavy(loaded) == set()


def test_scan_from_snapshot_loads_the_readers(tmp_path: Path) -> None:
    """The other side of the lazy registry: a scan still finds every reader. Without --source
    it parses no HCL, so the parser (python-hcl2, lark) and the evaluator stay unloaded."""
    from tests.clirun import write_empty_snapshot

    state = tmp_path / "terraform.tfstate"
    state.write_text(
        json.dumps({"version": 4, "terraform_version": "1.11.0", "serial": 1,
                    "lineage": "x", "outputs": {}, "resources": []})
    )  # fmt: skip
    live = write_empty_snapshot(tmp_path / "live.json")
    code, loaded = probe(
        "scan", "--state", str(state), "--live", str(live), "--no-checkov",
        "-o", f"json:{tmp_path / 'r.json'}", cwd=tmp_path,
    )  # fmt: skip
    assert code == 0
    assert {f"driftpatch.aws.readers.{m}" for m in READER_MODULES} <= loaded
    assert "driftpatch.rules.subjects" in loaded  # the rules ran
    hcl = {"hcl2", "lark", "driftpatch.terraform.source", "driftpatch.terraform.evaluate"}
    assert {m for m in loaded if m.split(".")[0] in hcl or m in hcl} == set()
