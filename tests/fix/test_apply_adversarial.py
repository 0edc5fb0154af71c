"""`driftpatch patch --apply` attacked: crafted reports, races, signals, SIGKILL.

Every test runs the real CLI in a subprocess on a scratch repository (with `.git/config`,
`.git/hooks`, a workflow, a state file and a directory outside the repository), hashes the whole
scratch tree (contents and modes; symlinks by target) before and after, and asserts the exact
exit code, the one stderr line, and that nothing outside the allowed set changed.

Races and signals are placed exactly with the test-only hook DRIFTPATCH_TEST_PAUSE_AFTER_RENAMES
(driftpatch.fix.journal): the run stops after N renames and says so on stderr; the test then
edits a file, starts a second run, or sends a signal, and lets it go on by writing to its stdin.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from driftpatch.fix.diff import sha256, unified

REPO = Path(__file__).resolve().parents[2]
PAUSE = "DRIFTPATCH_TEST_PAUSE_AFTER_RENAMES"
LOCK = ".git/driftpatch.lock"
JOURNAL = ".git/driftpatch-journal.json"

FILES = {
    "main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
    "network.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n',
    "iam.tf": 'resource "aws_iam_role" "r" {\n  name = "r"\n}\n',
    "terraform.tfvars": 'env = "prod"\n',
    "terraform.tfstate": '{"version": 4}\n',
    ".git/config": "[core]\n\tbare = false\n",
    ".git/hooks/pre-commit": "#!/bin/sh\nexit 0\n",
    ".github/workflows/x.yml": "on: push\n",
}


# -- harness ---------------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """tmp_path/repo (a repository root) and tmp_path/outside (what must never be reached)."""
    repo = tmp_path / "repo"
    for rel, text in FILES.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    (repo / "terraform.tfvars").chmod(0o600)
    (repo / ".git/hooks/pre-commit").chmod(0o755)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "outside.tf").write_text('resource "aws_vpc" "o" {}\n')
    return repo


def snapshot(top: Path) -> dict[str, str]:
    """Every entry under `top`: file content hash + mode, or a symlink's target. The lock file
    may appear (empty): that is the only file a refused run is allowed to create."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            rel = path.relative_to(top).as_posix()
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = f"link:{path.readlink()}"
            elif stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[rel] = f"{digest}:{stat.S_IMODE(st.st_mode):o}"
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "dir"
            else:
                out[rel] = "other"
    lock = f"repo/{LOCK}"
    if lock in out:
        assert (top / lock).stat().st_size == 0
        del out[lock]
    return out


def entry(file: str, old: str | None, new: str, *, base: bool = True) -> dict[str, object]:
    return {
        "file": file,
        "diff": unified(file, old, new),
        "finding_ids": ["f"],
        "action": "fix",
        "verified": True,
        "base_sha256": sha256(old) if (old is not None and base) else None,
    }


def report(path: Path, patches: list[dict[str, object]]) -> Path:
    doc = {
        "schema_version": 1,
        "tool": {"name": "driftpatch", "version": "test"},
        "findings": [],
        "patches": patches,
    }
    path.write_text(json.dumps(doc))
    return path


def env(pause: int | None = None) -> dict[str, str]:
    out = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out.pop("DRIFTPATCH_DEBUG", None)
    out.pop(PAUSE, None)
    if pause is not None:
        out[PAUSE] = str(pause)
    return out


def run(*args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftpatch", *args],
        capture_output=True,
        text=True,
        env=env(),
        timeout=120,
        check=False,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def start_paused(*args: str, pause: int) -> subprocess.Popen[str]:
    """A run stopped at the hook; returns once it has said so."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "driftpatch", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(pause),
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line == f"driftpatch: test pause after {pause} rename(s)\n", line + proc.stderr.read()
    return proc


def resume(proc: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = proc.communicate("\n", timeout=120)
    return proc.returncode, err


def only_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def apply(world: Path, rep: Path, *extra: str) -> tuple[str, ...]:
    return ("patch", str(rep), "--source", str(world), "--apply", *extra)


NEW = {
    "main.tf": FILES["main.tf"].replace('"b"\n}', '"b"\n  force_destroy = false\n}'),
    "network.tf": FILES["network.tf"].replace("10.0.0.0/16", "10.1.0.0/16"),
    "iam.tf": FILES["iam.tf"].replace('"r"', '"r2"'),
}


def three_patches() -> list[dict[str, object]]:
    return [entry(f, FILES[f], NEW[f]) for f in ("iam.tf", "main.tf", "network.tf")]


def after_apply(before: dict[str, str], world: Path, changed: dict[str, str]) -> dict[str, str]:
    """`before` with the given repo files replaced by their new content (modes kept)."""
    out = dict(before)
    for rel, text in changed.items():
        mode = stat.S_IMODE((world / rel).stat().st_mode)
        out[f"repo/{rel}"] = f"{hashlib.sha256(text.encode()).hexdigest()}:{mode:o}"
    return out


# -- crafted targets -------------------------------------------------------------------------


def _crafted(world: Path, kind: str) -> tuple[dict[str, object], str]:
    """(the hostile patch, the refusal reason) for one attack."""
    outside = world.parent / "outside" / "outside.tf"
    out_text = outside.read_text()
    if kind == "git-config":
        old = FILES[".git/config"]
        return entry(".git/config", old, old + "\tfsmonitor = touch pwned\n"), "a path inside .git"
    if kind == "git-hook":
        old = FILES[".git/hooks/pre-commit"]
        return entry(".git/hooks/pre-commit", old, old + "touch pwned\n"), "a path inside .git"
    if kind == "git-uppercase-tf":
        return entry(".GIT/x.tf", None, "x\n"), "a path inside .git"
    if kind == "workflow":
        old = FILES[".github/workflows/x.yml"]
        return (
            entry(".github/workflows/x.yml", old, old + "jobs: {}\n"),
            "only .tf and .tfvars files are patched",
        )
    if kind == "state":
        old = FILES["terraform.tfstate"]
        return entry("terraform.tfstate", old, "{}\n"), "only .tf and .tfvars files are patched"
    if kind == "dotdot":
        return (
            entry("../outside/outside.tf", out_text, out_text + "#\n"),
            "'..' leads out of the repository",
        )
    if kind == "absolute":
        return (
            entry(str(outside), out_text, out_text + "#\n"),
            "an absolute path (report paths are relative to the repository)",
        )
    if kind == "symlinked-dir":
        (world / "mods").symlink_to(outside.parent)
        return (
            entry("mods/outside.tf", out_text, out_text + "#\n"),
            "a symlinked directory on its path leads out of the repository",
        )
    if kind == "symlinked-dir-new-file":
        (world / "mods").symlink_to(outside.parent)
        return (
            entry("mods/new.tf", None, "x = 1\n"),
            "a symlinked directory on its path leads out of the repository",
        )
    if kind == "symlinked-file":
        (world / "link.tf").symlink_to(outside)
        return (
            entry("link.tf", out_text, out_text + "#\n"),
            "a symlink (only regular files are patched)",
        )
    if kind == "fifo":
        os.mkfifo(world / "pipe.tf")
        return entry("pipe.tf", "", "x\n"), "not a regular file"
    if kind == "new-tfvars":
        return entry("evil.auto.tfvars", None, 'x = "1"\n'), "a new file must be a .tf file"
    if kind == "new-outside-source":
        (world / "other").mkdir()
        return entry(
            "other/new.tf", None, "x = 1\n"
        ), "a new file must be under the source directory"
    if kind == "missing-dir":
        return entry("nodir/new.tf", None, "x = 1\n"), "its directory nodir does not exist"
    if kind == "symlink-into-git":
        (world / "g").symlink_to(".git")
        return entry(
            "g/hooks/x.tf", None, "x = 1\n"
        ), "a symlinked directory on its path leads into .git"
    raise AssertionError(kind)


CRAFTED = [
    "git-config",
    "git-hook",
    "git-uppercase-tf",
    "workflow",
    "state",
    "dotdot",
    "absolute",
    "symlinked-dir",
    "symlinked-dir-new-file",
    "symlinked-file",
    "fifo",
    "new-tfvars",
    "new-outside-source",
    "missing-dir",
    "symlink-into-git",
]


@pytest.mark.parametrize("kind", CRAFTED)
@pytest.mark.parametrize("mode", ["apply", "show"])
def test_crafted_targets_are_refused_and_nothing_is_written(
    world: Path, kind: str, mode: str
) -> None:
    hostile, why = _crafted(world, kind)
    source = world / "envs" if kind == "new-outside-source" else world
    source.mkdir(exist_ok=True)
    good = entry("main.tf", FILES["main.tf"], NEW["main.tf"])
    rep = report(world.parent / "r.json", [good, hostile])
    before = snapshot(world.parent)
    args = ["patch", str(rep), "--source", str(source)] + (["--apply"] if mode == "apply" else [])
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert only_line(proc.stderr) == (
        f"driftpatch: error: refusing to patch {hostile['file']!r}: {why}; nothing was written"
    )
    assert snapshot(world.parent) == before
    assert not (world / LOCK).exists()  # refused before the lock: not even that file


def test_missing_base_sha256_for_an_existing_file_is_refused(world: Path) -> None:
    rep = report(
        world.parent / "r.json",
        [
            entry("iam.tf", FILES["iam.tf"], NEW["iam.tf"]),
            entry("main.tf", FILES["main.tf"], NEW["main.tf"], base=False),
        ],
    )
    before = snapshot(world.parent)
    proc = run(*apply(world, rep))
    assert proc.returncode == 2
    assert only_line(proc.stderr) == (
        "driftpatch: error: main.tf: the report has no base_sha256 for this existing file, so "
        "driftpatch cannot tell whether it changed since the scan; scan again"
    )
    assert snapshot(world.parent) == before


def test_a_malformed_base_sha256_is_refused(world: Path) -> None:
    bad = entry("main.tf", FILES["main.tf"], NEW["main.tf"])
    bad["base_sha256"] = "../../etc/passwd"
    rep = report(world.parent / "r.json", [bad])
    before = snapshot(world.parent)
    proc = run(*apply(world, rep))
    assert proc.returncode == 2
    assert only_line(proc.stderr) == (
        f"driftpatch: error: {rep}: malformed patch entry (base_sha256 of 'main.tf' is not a "
        "sha256 hex digest)"
    )
    assert snapshot(world.parent) == before


def test_a_non_utf8_target_is_refused_with_a_specific_line(world: Path) -> None:
    (world / "latin.tf").write_bytes(b"# caf\xe9\nx = 1\n")
    patch = entry("latin.tf", "# cafe\nx = 1\n", "# cafe\nx = 2\n")
    rep = report(world.parent / "r.json", [patch])
    before = snapshot(world.parent)
    proc = run(*apply(world, rep))
    assert proc.returncode == 2
    assert only_line(proc.stderr) == (
        "driftpatch: error: latin.tf: not UTF-8 text (byte 0xe9 at offset 5); driftpatch only "
        "patches UTF-8 files"
    )
    assert snapshot(world.parent) == before


def test_a_hard_linked_target_is_replaced_in_the_repository_only(world: Path) -> None:
    outside = world.parent / "outside" / "outside.tf"
    (world / "linked.tf").hardlink_to(outside)
    old = outside.read_text()
    rep = report(world.parent / "r.json", [entry("linked.tf", old, old + "# patched\n")])
    proc = run(*apply(world, rep))
    assert proc.returncode == 0, proc.stderr
    assert (world / "linked.tf").read_text() == old + "# patched\n"
    assert outside.read_text() == old


# -- what is written, and how ----------------------------------------------------------------


def test_apply_writes_exactly_the_patched_files_and_keeps_their_modes(world: Path) -> None:
    (world / "network.tf").chmod(0o640)
    new_tfvars = 'env = "staging"\n'
    imported = 'import {\n  to = aws_vpc.x\n  id = "vpc-1"\n}\n'
    rep = report(
        world.parent / "r.json",
        [
            *three_patches(),
            entry("terraform.tfvars", FILES["terraform.tfvars"], new_tfvars),
            entry("imported.tf", None, imported),
        ],
    )
    before = snapshot(world.parent)
    proc = run(*apply(world, rep), umask=0o027)
    assert proc.returncode == 0, proc.stderr
    assert only_line(proc.stderr) == (
        "driftpatch: patched 5 file(s): iam.tf, imported.tf, main.tf, network.tf, terraform.tfvars"
    )
    assert stat.S_IMODE((world / "terraform.tfvars").stat().st_mode) == 0o600
    assert stat.S_IMODE((world / "network.tf").stat().st_mode) == 0o640
    assert stat.S_IMODE((world / "main.tf").stat().st_mode) == 0o644
    assert stat.S_IMODE((world / "imported.tf").stat().st_mode) == 0o640  # 0666 & ~027
    expected = after_apply(before, world, {**NEW, "terraform.tfvars": new_tfvars})
    expected["repo/imported.tf"] = f"{hashlib.sha256(imported.encode()).hexdigest()}:640"
    assert snapshot(world.parent) == expected  # no temp file, backup or journal left
    # Applying the same report again is refused: the files changed since "the scan".
    again = run(*apply(world, rep))
    assert again.returncode == 2
    assert only_line(again.stderr) == (
        "driftpatch: error: iam.tf changed since the scan: scan again to get fresh patches"
    )


def test_a_file_changed_between_plan_and_write_rolls_everything_back(world: Path) -> None:
    rep = report(world.parent / "r.json", three_patches())
    before = snapshot(world.parent)
    proc = start_paused(*apply(world, rep), pause=1)  # iam.tf is already renamed
    edited = FILES["network.tf"] + "# edited by someone else\n"
    (world / "network.tf").write_text(edited)  # this test process is the "other program"
    code, err = resume(proc)
    assert code == 2
    assert only_line(err) == (
        "driftpatch: error: network.tf changed while patching (another program wrote it): every "
        "file was rolled back; scan again"
    )
    assert snapshot(world.parent) == after_apply(before, world, {"network.tf": edited})


def test_a_second_concurrent_apply_is_refused_and_never_mixes_edits(world: Path) -> None:
    first = report(world.parent / "first.json", three_patches())
    other = report(
        world.parent / "second.json",
        [entry("main.tf", FILES["main.tf"], FILES["main.tf"].replace('"b"', '"other"'))],
    )
    before = snapshot(world.parent)
    proc = start_paused(*apply(world, first), pause=0)  # journal written, nothing renamed yet
    second = run(*apply(world, other))
    assert second.returncode == 2
    assert only_line(second.stderr) == (
        f"driftpatch: error: another driftpatch patch --apply is running in {world} (lock "
        f"{world / LOCK}); try again when it has finished"
    )
    code, err = resume(proc)
    assert code == 0, err
    assert snapshot(world.parent) == after_apply(before, world, NEW)


def test_two_racing_applies_never_mix_their_edits(world: Path) -> None:
    """No hook: two real processes started together on 150 files; whatever the interleaving,
    the tree ends up entirely one report's result and the other run exits 2."""
    files = {f"f{i:03}.tf": f'locals {{\n  v{i} = "old"\n}}\n' for i in range(150)}
    for rel, text in files.items():
        (world / rel).write_text(text)
    reps = {
        side: report(
            world.parent / f"{side}.json",
            [entry(rel, text, text.replace('"old"', f'"{side}"')) for rel, text in files.items()],
        )
        for side in ("a", "b")
    }
    procs = {
        side: subprocess.Popen(
            [sys.executable, "-m", "driftpatch", *apply(world, rep)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
        for side, rep in reps.items()
    }
    results = {side: p.communicate(timeout=300) for side, p in procs.items()}
    codes = {side: p.returncode for side, p in procs.items()}
    assert sorted(codes.values()) == [0, 2], results
    winner = next(side for side, code in codes.items() if code == 0)
    loser = next(side for side, code in codes.items() if code == 2)
    assert only_line(results[loser][1]) in (
        f"driftpatch: error: another driftpatch patch --apply is running in {world} (lock "
        f"{world / LOCK}); try again when it has finished",
        "driftpatch: error: f000.tf changed since the scan: scan again to get fresh patches",
    )
    for rel, text in files.items():
        assert (world / rel).read_text() == text.replace('"old"', f'"{winner}"')
    assert not list(world.glob(".*.driftpatch-*"))
    assert not (world / JOURNAL).exists()


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_sigint_and_sigterm_mid_apply_roll_back_everything(
    world: Path, sig: signal.Signals, code: int
) -> None:
    rep = report(world.parent / "r.json", three_patches())
    before = snapshot(world.parent)
    proc = start_paused(*apply(world, rep), pause=2)  # two of three files renamed
    assert (world / "iam.tf").read_text() == NEW["iam.tf"]
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code
    assert only_line(err) == (
        f"driftpatch: interrupted by {sig.name}: every file was rolled back, nothing was changed"
    )
    assert snapshot(world.parent) == before


def _killed_mid_apply(world: Path, rep: Path) -> None:
    proc = start_paused(*apply(world, rep), pause=2)
    proc.kill()
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert (world / JOURNAL).is_file()
    assert (world / "iam.tf").read_text() == NEW["iam.tf"]  # half applied, as SIGKILL leaves it
    assert (world / "network.tf").read_text() == FILES["network.tf"]
    assert list(world.glob(".network.tf.driftpatch-*.tmp"))


def test_after_sigkill_the_next_apply_rolls_back_then_applies(world: Path) -> None:
    rep = report(world.parent / "r.json", three_patches())
    before = snapshot(world.parent)
    _killed_mid_apply(world, rep)
    proc = run(*apply(world, rep))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "driftpatch: note: rolled back an interrupted patch --apply (2 file(s) restored to their "
        "content before it)",
        "driftpatch: patched 3 file(s): iam.tf, main.tf, network.tf",
    ]
    assert snapshot(world.parent) == after_apply(before, world, NEW)


def test_after_sigkill_showing_the_patch_rolls_back_first(world: Path) -> None:
    rep = report(world.parent / "r.json", three_patches())
    before = snapshot(world.parent)
    _killed_mid_apply(world, rep)
    proc = run("patch", str(rep), "--source", str(world))
    assert proc.returncode == 0, proc.stderr
    assert only_line(proc.stderr) == (
        "driftpatch: note: rolled back an interrupted patch --apply (2 file(s) restored to their "
        "content before it)"
    )
    assert proc.stdout == "".join(unified(f, FILES[f], NEW[f]) for f in sorted(NEW))
    assert snapshot(world.parent) == before


def test_after_sigkill_a_file_edited_since_is_left_alone_with_its_backup(world: Path) -> None:
    rep = report(world.parent / "r.json", three_patches())
    _killed_mid_apply(world, rep)
    (world / "iam.tf").write_text("# rewritten by hand after the crash\n")
    proc = run(*apply(world, rep))
    assert proc.returncode == 2
    line = only_line(proc.stderr)
    assert line.startswith(
        f"driftpatch: error: cannot roll back the interrupted patch --apply recorded in "
        f"{world / JOURNAL}: iam.tf (changed since; its original is in .iam.tf.driftpatch-"
    )
    assert line.endswith(".orig); restore by hand, then delete the journal")
    assert (world / "iam.tf").read_text() == "# rewritten by hand after the crash\n"
    assert (world / JOURNAL).is_file()


def test_a_journal_of_a_completed_run_is_only_cleaned_up(world: Path) -> None:
    """Killed after the commit point: the files are kept, the leftover backup goes."""
    (world / ".main.tf.driftpatch-x1.orig").write_text(FILES["main.tf"])
    journal = {
        "driftpatch_journal": 1,
        "state": "committed",
        "pid": 1,
        "entries": [
            {
                "file": "main.tf",
                "base_sha256": "0" * 64,
                "new_sha256": sha256(FILES["main.tf"]),
                "temp": None,
                "backup": ".main.tf.driftpatch-x1.orig",
            }
        ],
    }
    (world / JOURNAL).write_text(json.dumps(journal))
    rep = report(world.parent / "r.json", [])
    (world / "unrelated.tf.driftpatch-x2.orig").write_text("not ours: kept\n")
    proc = run(*apply(world, rep))
    assert proc.returncode == 0
    assert proc.stderr.splitlines() == [
        "driftpatch: note: cleaned up after an interrupted patch --apply that had completed",
        "driftpatch: the report has no patches",
    ]
    assert not (world / ".main.tf.driftpatch-x1.orig").exists()
    assert not (world / JOURNAL).exists()
    assert (world / "unrelated.tf.driftpatch-x2.orig").exists()
    assert (world / "main.tf").read_text() == FILES["main.tf"]


def test_a_crafted_journal_cannot_reach_outside_the_repository(world: Path) -> None:
    outside = world.parent / "outside" / "outside.tf"
    journal = {
        "driftpatch_journal": 1,
        "state": "applying",
        "pid": 1,
        "entries": [
            {
                "file": "../outside/outside.tf",
                "base_sha256": None,
                "new_sha256": hashlib.sha256(outside.read_bytes()).hexdigest(),
                "temp": None,
                "backup": None,
            }
        ],
    }
    (world / JOURNAL).write_text(json.dumps(journal))
    rep = report(world.parent / "r.json", three_patches())
    before = snapshot(world.parent)
    proc = run(*apply(world, rep))
    assert proc.returncode == 2
    assert only_line(proc.stderr) == (
        f"driftpatch: error: cannot roll back the interrupted patch --apply recorded in "
        f"{world / JOURNAL}: ../outside/outside.tf (not a file driftpatch may write); restore "
        "by hand, then delete the journal"
    )
    assert snapshot(world.parent) == before


def test_a_real_report_applies_and_touches_only_its_patch_files(tmp_path: Path) -> None:
    """The other side of the refusals: a report `check` wrote (modules included) applies."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "fixtures" / "inputs" / "stack", repo)
    (repo / ".git").mkdir()
    rep = tmp_path / "report.json"
    checked = run("check", "--source", str(repo), "--no-checkov", "-o", f"json:{rep}")
    assert checked.returncode == 1, checked.stderr
    files = sorted({p["file"] for p in json.loads(rep.read_text())["patches"]})
    assert files  # the stack has fixable misconfigurations
    before = snapshot(tmp_path)
    proc = run("patch", str(rep), "--source", str(repo), "--apply")
    assert proc.returncode == 0, proc.stderr
    assert only_line(proc.stderr).startswith(
        f"driftpatch: patched {len(files)} file(s): {', '.join(files)}"
    )
    after = snapshot(tmp_path)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {f"repo/{f}" for f in files}
