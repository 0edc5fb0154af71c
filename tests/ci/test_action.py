"""The action's own steps, run for real: scripts/action/run.sh (what action.yml's run step
executes) on the demo source, with GitHub's output and summary files, and the install step's
pins and checkov version kept in line with the rest of the repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DRIFTPATCH = Path(sys.executable).parent / "driftpatch"


def _run_step(tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str], str]:
    out_file, summary = tmp_path / "github_output", tmp_path / "step_summary"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "GITHUB_OUTPUT": str(out_file),
        "GITHUB_STEP_SUMMARY": str(summary),
        "DP_DRIFTPATCH": str(DRIFTPATCH),
        "DP_PYTHON": sys.executable,
        **inputs,
    }
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "action" / "run.sh")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outputs = dict(line.split("=", 1) for line in out_file.read_text(encoding="utf-8").splitlines())
    text = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return proc.returncode, outputs, text


def test_the_run_step_on_the_demo_source_writes_every_report_and_its_outputs(
    tmp_path: Path,
) -> None:
    code, outputs, summary = _run_step(
        tmp_path,
        DP_COMMAND="check",
        DP_SOURCE=str(REPO / "terraform"),
        DP_FAIL_ON="high",
        DP_OUT="out",
        DP_SARIF_CATEGORY="driftpatch/pr",
        DP_HISTORY="history.db",
        DP_EXTRA_ARGS="--no-checkov",
    )
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    findings = report["findings"]
    worst = {f["severity"] for f in findings}
    assert code == (1 if worst & {"critical", "high"} else 0)
    assert outputs == {
        "exit-code": str(code),
        "report": "out/report.json",
        "sarif": "out/report.sarif",
        "patch": "out/fix.patch",
        "findings": str(len(findings)),
        "drift": str(sum(1 for f in findings if f["kind"] != "misconfig")),
        "misconfigurations": str(sum(1 for f in findings if f["kind"] == "misconfig")),
        "patches": str(len(report["patches"])),
    }
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "fix.patch",
        "junit.xml",
        "report.html",
        "report.json",
        "report.md",
        "report.sarif",
    ]
    assert summary == (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    sarif = json.loads((tmp_path / "out" / "report.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["automationDetails"] == {"id": "driftpatch/pr/"}
    assert not any("checkov" in n for n in report.get("notices", []))  # --no-checkov passed
    assert (tmp_path / "history.db").is_file()  # --history passed
    assert {f["history"] for f in findings} == {"new"}


def test_bad_input_is_exit_2_and_still_sets_the_exit_code_output(tmp_path: Path) -> None:
    code, outputs, summary = _run_step(
        tmp_path, DP_COMMAND="check", DP_SOURCE="missing-dir", DP_OUT="out"
    )
    assert code == 2
    assert outputs["exit-code"] == "2"
    assert "findings" not in outputs
    assert summary == ""


def test_the_action_and_the_makefile_pin_the_same_checkov() -> None:
    make = re.search(r"^CHECKOV_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.M)
    script = (REPO / "scripts" / "action" / "install.sh").read_text(encoding="utf-8")
    action = re.search(r"^CHECKOV_VERSION=(\S+)$", script, re.M)
    assert make and action and make.group(1) == action.group(1)


def test_the_constraints_pin_every_runtime_dependency() -> None:
    pins = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (REPO / ".github" / "action-constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    declared = {
        re.split(r"[<>=\[!~ ]", dep.strip().strip('",'))[0].lower()
        for dep in block.splitlines()
        if dep.strip().startswith('"')
    }
    assert declared and declared <= pins, sorted(declared - pins)
