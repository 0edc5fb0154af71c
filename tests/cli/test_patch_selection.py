"""Choosing patches on the command line: --verify, --patch-include, --patch-kinds on scan and
check, and `driftpatch patch REPORT --only ID --exclude ID`. Runs the real entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_contract import one_line_error, run

STACK = """\
resource "aws_ebs_volume" "scratch" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = false
}
"""
KEY = """\
resource "aws_kms_key" "data" {
  description         = "data"
  enable_key_rotation = false
}
"""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["check", "--patch-include", "unverified,bogus"],
            "--patch-include: unknown value 'bogus' (choose from unverified, replacing)",
        ),
        (
            ["check", "--patch-kinds", "codify,oops"],
            "--patch-kinds: unknown value 'oops' (choose from codify, revert, fix, import, remove)",
        ),
        (["check", "--verify", "maybe"], "'maybe' is not one of"),
    ],
)
def test_bad_selection_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    assert message in one_line_error(run(*args))


@pytest.fixture
def report(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".git").mkdir()
    (repo / "volume.tf").write_text(STACK)
    (repo / "key.tf").write_text(KEY)
    out = tmp_path / "r.json"
    proc = run(
        "check", "--source", str(repo), "--no-checkov", "--verify", "static",
        "--fail-on", "none", "-o", f"json:{out}",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return repo, json.loads(out.read_text())


def _ids(doc: dict[str, Any], file: str) -> str:
    [patch] = [p for p in doc["patches"] if p["file"] == file]
    return str(patch["finding_ids"][0])


def test_patch_only_and_exclude_choose_by_finding(
    report: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    repo, doc = report
    assert [(p["file"], p["verified_by"], p["in_default_patch"]) for p in doc["patches"]] == [
        ("volume.tf", ["rule", "schema"], True),
        ("key.tf", ["rule", "schema"], True),
    ]
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(doc))
    key, volume = _ids(doc, "key.tf"), _ids(doc, "volume.tf")
    both = run("patch", str(saved), "--source", str(repo))
    assert both.returncode == 0, both.stderr
    assert "+++ b/key.tf" in both.stdout and "+++ b/volume.tf" in both.stdout
    only = run("patch", str(saved), "--source", str(repo), "--only", volume)
    assert "+++ b/key.tf" not in only.stdout and "+++ b/volume.tf" in only.stdout
    rest = run("patch", str(saved), "--source", str(repo), "--exclude", volume)
    assert "+++ b/key.tf" in rest.stdout and "+++ b/volume.tf" not in rest.stdout
    assert one_line_error(run("patch", str(saved), "--only", "0000")) == (
        "driftpatch: error: no patch in the report serves finding '0000'"
    )
    # Left out of the default patch: written only when named.
    for p in doc["patches"]:
        p["in_default_patch"] = p["file"] == "key.tf"
    saved.write_text(json.dumps(doc))
    default = run("patch", str(saved), "--source", str(repo))
    assert "+++ b/key.tf" in default.stdout and "+++ b/volume.tf" not in default.stdout
    named = run("patch", str(saved), "--source", str(repo), "--only", volume, "--only", key)
    assert "+++ b/key.tf" in named.stdout and "+++ b/volume.tf" in named.stdout
    assert key != volume


def test_a_report_from_before_verification_fields_still_loads(
    report: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    repo, doc = report
    for p in doc["patches"]:
        for field in ("verified_by", "plan_effect", "in_default_patch", "reason"):
            del p[field]
        p["verified"] = p["file"] == "volume.tf"
    saved = tmp_path / "old.json"
    saved.write_text(json.dumps(doc))
    shown = run("patch", str(saved), "--source", str(repo))
    assert shown.returncode == 0, shown.stderr
    assert "+++ b/key.tf" not in shown.stdout and "+++ b/volume.tf" in shown.stdout


def test_patch_kinds_filter_what_o_patch_writes(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".git").mkdir()
    (repo / "volume.tf").write_text(STACK)
    fixes = run(
        "check", "--source", str(repo), "--no-checkov", "--verify", "static",
        "--fail-on", "none", "--patch-kinds", "fix", "-o", "patch",
    )  # fmt: skip
    assert "+++ b/volume.tf" in fixes.stdout
    codify = run(
        "check", "--source", str(repo), "--no-checkov", "--verify", "static",
        "--fail-on", "none", "--patch-kinds", "codify,import", "-o", "patch",
    )  # fmt: skip
    assert codify.returncode == 0, codify.stderr
    assert codify.stdout == ""
