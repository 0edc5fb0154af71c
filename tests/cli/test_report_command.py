"""`report render` and `report merge` through the real CLI: a saved report renders again
exactly, its patch applies with git, a CI matrix's reports merge into one."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

from driftpatch.model import Inputs, ScanError
from tests.clirun import run_cli
from tests.report.sample import IMDS, REPORT, TAG

REPO = Path(__file__).resolve().parents[2]


run = run_cli


def test_render_of_a_real_check_report_is_the_same_json_and_its_patch_applies(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "fixtures" / "inputs" / "stack", repo)
    git = shutil.which("git")
    assert git
    subprocess.run([git, "init", "-q"], cwd=repo, check=True)
    first = run("check", "--source", ".", "--no-checkov", "-o", "json:../r.json", cwd=repo)
    assert first.returncode == 1, first.stderr
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["patches"], "the stack should have fixable findings"
    again = run("report", "render", "r.json", "-o", "json", "-o", "patch:fix.patch", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == saved
    applied = subprocess.run(
        [git, "apply", "--check", "-v", str(tmp_path / "fix.patch")],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr


def test_merge_deduplicates_findings_and_keeps_every_error(tmp_path: Path) -> None:
    a = dataclasses.replace(REPORT, inputs=Inputs(states=("a.tfstate",), regions=("us-east-1",)))
    b = dataclasses.replace(
        REPORT,
        scanned_at="2026-11-22T13:00:00+00:00",
        inputs=Inputs(states=("b.tfstate",), regions=("eu-west-1",)),
        findings=(IMDS, TAG),
        errors=(ScanError("ec2/eu-west-1", "DescribeInstances: Throttling"),),
    )
    (tmp_path / "a.json").write_text(json.dumps(a.to_json()))
    (tmp_path / "b.json").write_text(json.dumps(b.to_json()))
    proc = run("report", "merge", "a.json", "b.json", "-o", "json:all.json", cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr  # a shard was incomplete: so is the whole
    merged = json.loads((tmp_path / "all.json").read_text())
    assert [f["id"] for f in merged["findings"]] == [f.id for f in REPORT.findings]
    assert merged["inputs"]["states"] == ["a.tfstate", "b.tfstate"]
    assert merged["inputs"]["regions"] == ["us-east-1", "eu-west-1"]
    assert merged["scanned_at"] == "2026-11-22T13:00:00+00:00"
    assert merged["errors"] == [
        {"scope": "iam/global", "message": "ListRoles: AccessDenied: not authorized"},
        {"scope": "ec2/eu-west-1", "message": "DescribeInstances: Throttling"},
    ]
    # both reports patch the same files: b's are left out, and said so
    assert len(merged["patches"]) == len(REPORT.patches)
    assert "driftpatch: note: b.json: its patches to " in proc.stderr


def test_merge_exit_codes_follow_fail_on_and_inputs_are_never_overwritten(tmp_path: Path) -> None:
    clean = dataclasses.replace(REPORT, errors=())
    (tmp_path / "a.json").write_text(json.dumps(clean.to_json()))
    assert run("report", "merge", "a.json", "-o", "json:m.json", cwd=tmp_path).returncode == 1
    quiet = run("report", "merge", "a.json", "--fail-on", "none", "-o", "json:m.json", cwd=tmp_path)
    assert quiet.returncode == 0
    refused = run("report", "merge", "a.json", "-o", "json:a.json", cwd=tmp_path)
    assert refused.returncode == 2
    assert "it is the report a.json this run reads" in refused.stderr
    bad = run("report", "render", "missing.json", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith("driftpatch: error: missing.json: cannot read report")


def test_merge_keeps_suppressed_findings_once(tmp_path: Path) -> None:
    from driftpatch.model import Suppressed, SuppressionKind

    accepted = Suppressed(TAG, SuppressionKind("external"), "legacy bucket", ".driftpatchignore:1")
    a = dataclasses.replace(REPORT, errors=(), findings=(IMDS,), suppressed=(accepted,))
    b = dataclasses.replace(REPORT, errors=(), findings=(IMDS,), suppressed=(accepted,))
    (tmp_path / "a.json").write_text(json.dumps(a.to_json()))
    (tmp_path / "b.json").write_text(json.dumps(b.to_json()))
    proc = run(
        "report", "merge", "a.json", "b.json", "-o", "json", "--fail-on", "none", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    merged = json.loads(proc.stdout)
    assert [s["id"] for s in merged["suppressed"]] == [TAG.id]
    assert merged["suppressed"][0]["suppression"]["justification"] == "legacy bucket"
