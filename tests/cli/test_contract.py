"""The CLI contract (DESIGN.md section 2): exit codes, one clear line for bad input, no
traceback ever, nothing half-written. Runs the real entry point in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "fixtures" / "inputs" / "stack"
HOSTILE = REPO / "fixtures" / "inputs" / "hostile"
PUBLIC = REPO / "fixtures" / "inputs" / "plans" / "public"


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO / "src"), **(env or {})}
    full_env.pop("DRIFTPATCH_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "driftpatch", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=full_env,
        timeout=120,
        check=False,
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("driftpatch: error: ")
    return lines[0]


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    dest = tmp_path / "repo"
    shutil.copytree(STACK, dest)
    (dest / ".git").mkdir()  # a repository root: locations are relative to it
    return dest


def test_check_exit_1_on_findings_and_0_when_threshold_is_higher(stack: Path) -> None:
    found = run("check", "--source", str(stack), "--no-checkov", "-o", "json")
    assert found.returncode == 1, found.stderr
    doc = json.loads(found.stdout)
    assert doc["schema_version"] == 1
    assert {f["severity"] for f in doc["findings"]} >= {"critical", "high"}
    clean = run("check", "--source", str(stack), "--no-checkov", "--fail-on", "none", "-o", "json")
    assert clean.returncode == 0
    assert json.loads(clean.stdout)["findings"] == doc["findings"]


def test_every_resource_of_the_stack_is_listed_with_file_and_line(stack: Path) -> None:
    doc = json.loads(run("check", "--source", str(stack), "--no-checkov", "-o", "json").stdout)
    by_address = {r["address"]: r for r in doc["resources"]}
    assert by_address["module.bucket.aws_s3_bucket.this"]["location"] == {
        "file": "modules/bucket/main.tf",
        "start_line": 5,
        "end_line": 7,
    }
    assert all(r["location"] and r["location"]["start_line"] >= 1 for r in doc["resources"])
    assert {r["status"] for r in doc["resources"]} == {"planned"}


def test_several_outputs_in_one_run(stack: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run(
        "check",
        "--source",
        str(stack),
        "--no-checkov",
        "-o",
        f"json:{out}/r.json",
        "-o",
        f"sarif:{out}/r.sarif",
        "-o",
        f"markdown:{out}/r.md",
        "-o",
        f"html:{out}/r.html",
        "-o",
        f"junit:{out}/r.xml",
        "-o",
        f"patch:{out}/fix.patch",
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == [
        "fix.patch",
        "r.html",
        "r.json",
        "r.md",
        "r.sarif",
        "r.xml",
    ]
    git = shutil.which("git")
    if git:
        subprocess.run([git, "init", "-q"], cwd=stack, check=True)
        applied = subprocess.run(
            [git, "apply", "--check", str(out / "fix.patch")],
            cwd=stack,
            capture_output=True,
            text=True,
            check=False,
        )
        assert applied.returncode == 0, applied.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "-o", "yaml"], "unknown output format 'yaml'"),
        (["check", "-o", "json:"], "empty path after ':'"),
        (["check", "--fail-on", "severe"], "'severe' is not one of"),
        (["check", "--source", "/nonexistent/dir"], "/nonexistent/dir"),
        (["scan"], "scan needs --state"),
        (["nonsense"], "No such command 'nonsense'"),
        (["check", "--plan", "missing.json"], "missing.json"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    assert message in one_line_error(run(*args))


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in HOSTILE.iterdir()) if HOSTILE.is_dir() else [],
)
def test_hostile_plans_never_traceback(name: str) -> None:
    proc = run("check", "--plan", str(HOSTILE / name), "--no-checkov", "-o", "json")
    if proc.returncode == 2:
        one_line_error(proc)
    else:  # some hostile files are valid plans in odd encodings: they must load
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in HOSTILE.iterdir()) if HOSTILE.is_dir() else [],
)
def test_hostile_states_never_traceback(name: str, tmp_path: Path) -> None:
    proc = run(
        "scan",
        "--state",
        str(HOSTILE / name),
        "--live",
        str(tmp_path / "none.json"),
        "--no-checkov",
        "-o",
        "json",
    )
    assert "Traceback" not in proc.stderr
    one_line_error(proc)


OLD_PLAN = PUBLIC / "tf0.12.11-terraform-json-has_changes.json"
OLD_PLAN_WARNING = (
    "4 resource addresses in the plan were written without their instance key or module path "
    "(a Terraform 0.12 quirk); read from module/type/name/index instead, e.g. "
    'prior_state.values.root_module.resources[2]: "null_resource.baz" as null_resource.baz[1]'
)


def test_a_terraform_0_12_plan_is_read_with_one_warning_that_changes_no_exit_code() -> None:
    proc = run("check", "--plan", str(OLD_PLAN), "--no-checkov", "-o", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["errors"] == [
        {"scope": f"plan:{OLD_PLAN}", "message": OLD_PLAN_WARNING, "level": "warning"}
    ]
    assert [r["address"] for r in doc["resources"]] == [
        "module.foo.null_resource.foo",
        "null_resource.bar",
        "null_resource.baz[0]",
        "null_resource.baz[1]",
        "null_resource.baz[2]",
        "null_resource.foo",
    ]
    assert proc.stderr.splitlines() == [f"driftpatch: warning: plan:{OLD_PLAN}: {OLD_PLAN_WARNING}"]
    console = run("check", "--plan", str(OLD_PLAN), "--no-checkov")
    assert console.returncode == 0, console.stderr
    assert console.stdout.count("warning plan:") == 1 and console.stderr == ""


def test_scan_of_a_terraform_0_12_plan_is_complete_despite_the_warning(tmp_path: Path) -> None:
    live = tmp_path / "live.json"
    live.write_text(
        json.dumps({"kind": "driftpatch-inventory", "version": 1, "resources": [], "errors": []})
    )
    proc = run("scan", "--plan", str(OLD_PLAN), "--live", str(live), "--no-checkov", "-o", "json")
    assert proc.returncode == 0, proc.stderr  # not 3: a warning is not a failed read
    doc = json.loads(proc.stdout)
    assert [e.get("level") for e in doc["errors"]] == ["warning"]
    assert "null_resource.baz[2]" in {r["address"] for r in doc["resources"]}


OLD_PLANS_WITH_SHORT_ADDRESSES = {
    "tf0.12.3-terraform-compliance-issue-127.json",
    "tf0.12.11-terraform-json-has_changes.json",
    "tf0.12.11-terraform-json-registry_module.json",
    "tf0.12.24-terraform-compliance-issue-227.json",
    "tf0.12.31-infracost-terraform_v0.12_plan.json",
}


@pytest.mark.parametrize("name", sorted(p.name for p in PUBLIC.glob("*.json")))
def test_every_public_plan_is_checked_without_error(name: str) -> None:
    proc = run("check", "--plan", str(PUBLIC / name), "--no-checkov", "-o", "json")
    assert proc.returncode in (0, 1), proc.stderr
    levels = [e.get("level") for e in json.loads(proc.stdout)["errors"]]
    assert levels == (["warning"] if name in OLD_PLANS_WITH_SHORT_ADDRESSES else [])


def test_a_plan_whose_addresses_contradict_their_parts_is_refused(tmp_path: Path) -> None:
    doc = json.loads(OLD_PLAN.read_text())
    doc["prior_state"]["values"]["root_module"]["resources"][2]["address"] = "null_resource.qux"
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps(doc))
    line = one_line_error(run("check", "--plan", str(bad), "--no-checkov", "-o", "json"))
    assert line == (
        f"driftpatch: error: {bad}: prior_state.values.root_module.resources[2].address: "
        'address "null_resource.qux" does not match its module/type/name/index '
        "(null_resource.baz[1])"
    )


def test_a_failing_output_leaves_no_partial_file(stack: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    good = tmp_path / "good.json"
    proc = run(
        "check",
        "--source",
        str(stack),
        "--no-checkov",
        "-o",
        f"json:{good}",
        "-o",
        f"json:{blocked}/r.json",
    )
    one_line_error(proc)
    assert not list(tmp_path.glob(".*.tmp"))


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("driftpatch ")


def test_rules_takes_format_and_path_like_every_command(tmp_path: Path) -> None:
    to_stdout = run("rules", "-o", "json")
    assert to_stdout.returncode == 0, to_stdout.stderr
    to_file = run("rules", "-o", f"json:{tmp_path}/rules.json")
    assert to_file.returncode == 0, to_file.stderr
    assert to_file.stdout == ""
    saved = json.loads((tmp_path / "rules.json").read_text(encoding="utf-8"))
    assert saved == json.loads(to_stdout.stdout)
    assert {e["id"] for e in saved} >= {"DP-ACCT-001", "DP-S3-004"}
    table = run("rules", "-o", f"console:{tmp_path}/rules.txt")
    assert table.returncode == 0
    assert "DP-ACCT-001" in (tmp_path / "rules.txt").read_text(encoding="utf-8")
    assert one_line_error(run("rules", "-o", "sarif")) == (
        "driftpatch: error: unknown output format 'sarif' (choose from console, json)"
    )
