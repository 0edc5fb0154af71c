"""driftpatch.toml / [tool.driftpatch]: defaults for every option, the command line wins,
unknown keys refused in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.clirun import run_cli

REPO = Path(__file__).resolve().parents[2]


run = run_cli


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "fixtures" / "inputs" / "stack", tmp_path / "repo")
    (tmp_path / "repo" / ".git").mkdir()
    return tmp_path


def test_file_defaults_apply_and_the_command_line_wins(work: Path) -> None:
    (work / "driftpatch.toml").write_text(
        'fail-on = "none"\nno-checkov = true\nsarif-category = "team/infra"\n'
        '[check]\nsource = "repo"\noutput = "json:r.json"\n'
    )
    quiet = run("check", cwd=work)
    assert quiet.returncode == 0, quiet.stderr  # fail-on none from the file
    report = json.loads((work / "r.json").read_text())
    assert report["inputs"]["source"] == "repo" and report["findings"]
    assert not any("checkov" in n for n in report.get("notices", []))
    strict = run("check", "--fail-on", "low", cwd=work)
    assert strict.returncode == 1  # the flag wins
    sarif = run("check", "-o", "sarif", cwd=work)
    assert json.loads(sarif.stdout)["runs"][0]["automationDetails"]["id"] == "team/infra/"


def test_pyproject_table_and_explicit_config(work: Path) -> None:
    (work / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.driftpatch]\nfail-on = "none"\nno-checkov = true\n'
    )
    assert run("check", "--source", "repo", "-o", "json:r.json", cwd=work).returncode == 0
    (work / "ci.toml").write_text('[check]\nfail-on = "critical"\n')
    found = run("--config", "ci.toml", "check", "--source", "repo", "--no-checkov", cwd=work)
    assert found.returncode == 1  # the stack has a critical finding


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fail_onn = "low"\n', "fail_onn: neither scan nor check has such an option"),
        ("apply = true\n", "apply: neither scan nor check has such an option"),
        ('[chek]\nsource = "x"\n', "[chek] is not a driftpatch command"),
        ('[check]\nregion = ["us-east-1"]\n', "[check] region: `check` has no such option"),
        ("fail-on = \n", "not valid TOML"),
    ],
)
def test_mistakes_are_one_line_exit_2(work: Path, text: str, message: str) -> None:
    (work / "driftpatch.toml").write_text(text)
    proc = run("check", "--source", "repo", cwd=work)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
