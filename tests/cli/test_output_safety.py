"""-o never replaces an input, the output set is all or nothing, reports get umask modes.

Runs the real CLI in a subprocess; each refusal asserts exit 2, the exact line, and that no file
under the scratch directory changed (contents and modes hashed before and after).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "fixtures" / "inputs" / "stack"


def run(*args: str, cwd: Path, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("DRIFTPATCH_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "driftpatch", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def snapshot(top: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                value = f"link:{path.readlink()}"
            elif stat.S_ISREG(st.st_mode):
                value = f"{hashlib.sha256(path.read_bytes()).hexdigest()}:{st.st_mode:o}"
            else:
                value = "dir"
            out[path.relative_to(top).as_posix()] = value
    return out


def refused(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """tmp_path with: repo/ (the stack, a repository root), state, snapshot, plan, ignore file,
    a saved report, a states/ folder."""
    repo = tmp_path / "repo"
    shutil.copytree(STACK, repo)
    (repo / ".git").mkdir()
    (repo / "terraform.tfvars").write_text('env = "prod"\n')
    (repo / ".driftpatchignore").write_text("DP-S3-004\n")
    (tmp_path / "terraform.tfstate").write_text('{"version": 4}\n')
    (tmp_path / "live.json").write_text("{}\n")
    (tmp_path / "plan.json").write_text("{}\n")
    (tmp_path / "ignore.txt").write_text("DP-S3-004\n")
    (tmp_path / "report.json").write_text("{}\n")
    (tmp_path / "states").mkdir()
    (tmp_path / "states" / "a.tfstate").write_text('{"version": 4}\n')
    return tmp_path


SCAN = ("scan", "--state", "terraform.tfstate", "--live", "live.json", "--no-checkov")
CHECK = ("check", "--source", "repo", "--no-checkov")

CASES = {
    "state": (SCAN, "json:terraform.tfstate", "it is the --state file terraform.tfstate"),
    "new-tfstate-name": (
        CHECK,
        "json:repo/prod.tfstate",
        "a report never takes the name of a Terraform file",
    ),
    "state-via-symlink": (
        SCAN,
        "json:state-link.json",
        "it is the --state file terraform.tfstate this run reads",
    ),
    "state-glob": (
        ("scan", "--state", "states/*", "--live", "live.json", "--no-checkov"),
        "json:states/report.json",
        "the --state pattern states/* matches it",
    ),
    "live": (SCAN, "json:live.json", "it is the --live snapshot live.json this run reads"),
    "live-dotted": (SCAN, "json:states/../live.json", "it is the --live snapshot live.json"),
    "plan": (
        ("check", "--plan", "plan.json", "--no-checkov"),
        "json:plan.json",
        "it is the --plan plan.json this run reads",
    ),
    "plan-hard-link": (
        ("check", "--plan", "plan.json", "--no-checkov"),
        "json:plan-hard-link.json",
        "it is the --plan plan.json this run reads",
    ),
    "ignore-file": (
        (*CHECK, "--ignore-file", "ignore.txt"),
        "markdown:ignore.txt",
        "it is the --ignore-file ignore.txt this run reads",
    ),
    "default-ignore-file": (
        CHECK,
        "markdown:repo/.driftpatchignore",
        "it is the ignore file repo/.driftpatchignore this run reads",
    ),
    "source-tf": (CHECK, "sarif:repo/main.tf", "a report never takes the name of a Terraform file"),
    "source-tfvars": (
        CHECK,
        "patch:repo/terraform.tfvars",
        "a report never takes the name of a Terraform file",
    ),
    "git-config": (
        CHECK,
        "markdown:repo/.git/config",
        "it is inside a .git directory (git runs what it finds there)",
    ),
    "git-hook-via-symlink": (
        CHECK,
        "markdown:hooks-link/pre-commit",
        "it is inside a .git directory (git runs what it finds there)",
    ),
    "source-tf-via-symlink": (
        CHECK,
        "json:tf-link.json",
        "a report never takes the name of a Terraform file",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_output_never_replaces_an_input(work: Path, case: str) -> None:
    command, spec, why = CASES[case]
    (work / "state-link.json").symlink_to("terraform.tfstate")
    (work / "tf-link.json").symlink_to("repo/main.tf")
    (work / "plan-hard-link.json").hardlink_to(work / "plan.json")
    (work / "hooks-link").symlink_to("repo/.git")
    before = snapshot(work)
    proc = run(*command, "-o", "json:ok.json", "-o", spec, cwd=work)
    line = refused(proc)
    prefix = f"driftpatch: error: refusing -o {spec}: {why}"
    assert line.startswith(prefix), line
    assert line.endswith("; nothing was written")
    assert snapshot(work) == before


def test_ignore_and_inventory_outputs_never_replace_inputs(work: Path) -> None:
    before = snapshot(work)
    assert refused(run("ignore", "report.json", "-o", "report.json", cwd=work)) == (
        "driftpatch: error: refusing -o report.json: it is the report report.json this run "
        "reads; nothing was written"
    )
    assert refused(run("inventory", "-o", "terraform.tfstate", cwd=work)) == (
        "driftpatch: error: refusing -o terraform.tfstate: a report never takes the name of a "
        "Terraform file; nothing was written"
    )
    assert refused(run("rules", "-o", "json:repo/.git/rules.json", cwd=work)) == (
        "driftpatch: error: refusing -o json:repo/.git/rules.json: it is inside a .git "
        "directory (git runs what it finds there); nothing was written"
    )
    assert snapshot(work) == before


def test_the_output_set_is_all_or_nothing(work: Path) -> None:
    (work / "blocked").write_text("a file, not a directory\n")
    before = snapshot(work)
    proc = run(
        *CHECK,
        "-o",
        "json:new/deep/r.json",
        "-o",
        "markdown:r.md",
        "-o",
        "sarif:blocked/r.sarif",
        cwd=work,
    )
    assert refused(proc) == "driftpatch: error: cannot write blocked/r.sarif: Not a directory"
    assert snapshot(work) == before  # no r.json, no r.md, no new/, no temp file


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_reports_get_the_usual_umask_modes(work: Path, umask: int, mode: int) -> None:
    (work / "old.json").write_text("{}\n")
    (work / "old.json").chmod(0o600)
    proc = run(*CHECK, "-o", "json:out/r.json", "-o", "json:old.json", cwd=work, umask=umask)
    assert proc.returncode == 1, proc.stderr
    assert stat.S_IMODE((work / "out" / "r.json").stat().st_mode) == mode
    assert stat.S_IMODE((work / "old.json").stat().st_mode) == mode
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".")) == []
    assert sorted(p.name for p in (work / "out").iterdir()) == ["r.json"]


def test_devices_and_pipes_are_written_into_never_replaced(work: Path) -> None:
    import threading

    devnull = Path("/dev/null").stat()
    proc = run(*CHECK, "-o", "json:/dev/null", "-o", "sarif:r.sarif", cwd=work)
    assert proc.returncode == 1, proc.stderr
    after = Path("/dev/null").stat()
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == devnull.st_rdev
    fifo = work / "report.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    proc = run(*CHECK, "-o", f"json:{fifo}", cwd=work)
    reader.join(timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert b'"schema_version": 1' in got[0]
