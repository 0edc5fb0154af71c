"""Issue 10: unbounded and hostile inputs end in exit 2 and one exact line, never a hang, a
traceback, an internal error or a leftover temporary directory. Real entry point, subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.clirun import one_error_line, run_cli, write_empty_snapshot

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "fixtures" / "inputs" / "stack"
STATE = REPO / "fixtures" / "inputs" / "states" / "state-v4-sensitive-shapes.tfstate"
PLAN = REPO / "fixtures" / "inputs" / "plans" / "plan-0.1-tf0.12.31.json"


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    # A timeout, not a timing assertion: a FIFO that hangs must fail the test, not the suite.
    return run_cli(
        *args,
        cwd=cwd or REPO,
        env=env,
        timeout=120,
        drop=("DRIFTPATCH_MAX_INPUT_BYTES", "DRIFTPATCH_MAX_HCL_BYTES", "AWS_ENDPOINT_URL"),
    )


error_line = one_error_line


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return write_empty_snapshot(tmp_path / "live.json")


def _deep_json(levels: int) -> str:
    return "[" * levels + "]" * levels


# -- devices, FIFOs, size caps -----------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_as_state_is_refused_before_reading(snapshot: Path) -> None:
    proc = run("scan", "--state", "/dev/zero", "--live", str(snapshot), "--no-checkov")
    assert error_line(proc) == (
        "driftpatch: error: /dev/zero: is a character device, expected a regular state file"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_plan_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)  # no writer: opening it for a blocking read would wait forever
    proc = run("check", "--plan", str(fifo), "--no-checkov")
    assert error_line(proc) == (
        f"driftpatch: error: {fifo}: is a FIFO (named pipe), expected a regular plan file"
    )


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_a_device_as_live_snapshot_or_report_is_refused() -> None:
    proc = run("scan", "--state", str(STATE), "--live", "/dev/null", "--no-checkov")
    assert error_line(proc) == (
        "driftpatch: error: /dev/null: is a character device, expected a regular live snapshot file"
    )
    proc = run("patch", "/dev/null")
    assert error_line(proc) == (
        "driftpatch: error: /dev/null: is a character device, expected a regular report file"
    )


def test_an_oversize_state_or_plan_is_refused(snapshot: Path) -> None:
    size = STATE.stat().st_size
    assert size > 1024
    proc = run(
        "scan",
        "--state",
        str(STATE),
        "--live",
        str(snapshot),
        "--no-checkov",
        env={"DRIFTPATCH_MAX_INPUT_BYTES": "1K"},
    )
    assert error_line(proc) == (
        f"driftpatch: error: {STATE}: is {size / 1024:.1f} KiB, over the limit of 1 KiB for a "
        "state file (set DRIFTPATCH_MAX_INPUT_BYTES to raise it)"
    )
    proc = run("check", "--plan", str(PLAN), env={"DRIFTPATCH_MAX_INPUT_BYTES": "100"})
    assert error_line(proc) == (
        f"driftpatch: error: {PLAN}: is {PLAN.stat().st_size / 1024:.1f} KiB, over the limit "
        "of 100 bytes for a plan file (set DRIFTPATCH_MAX_INPUT_BYTES to raise it)"
    )


def test_a_bad_size_cap_is_a_usage_error(snapshot: Path) -> None:
    proc = run(
        "scan",
        "--state",
        str(STATE),
        "--live",
        str(snapshot),
        env={"DRIFTPATCH_MAX_INPUT_BYTES": "lots"},
    )
    assert error_line(proc) == (
        "driftpatch: error: DRIFTPATCH_MAX_INPUT_BYTES: expected a size in bytes such as "
        "536870912 or 512M, got 'lots'"
    )


def test_an_oversize_tf_file_is_a_problem_of_that_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("locals {\n" + "  a = 1\n" * 200 + "}\n")
    size = (tmp_path / "main.tf").stat().st_size
    proc = run(
        "check",
        "--source",
        str(tmp_path),
        "--no-checkov",
        "-o",
        "json",
        env={"DRIFTPATCH_MAX_HCL_BYTES": "1K"},
    )
    assert error_line(proc) == (
        f"driftpatch: source:main.tf:1: is {size / 1024:.1f} KiB, over the limit of 1 KiB "
        "for a .tf file (set DRIFTPATCH_MAX_HCL_BYTES to raise it)"
    )


# -- nesting -----------------------------------------------------------------------------------


def test_deeply_nested_state_plan_snapshot_and_report_are_refused(
    tmp_path: Path, snapshot: Path
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(_deep_json(10_000))
    cases = [
        (
            ["scan", "--state", str(deep), "--live", str(snapshot)],
            "driftpatch's limit for a Terraform state",
        ),
        (["check", "--plan", str(deep)], "driftpatch's limit for a Terraform plan"),
        (
            ["scan", "--state", str(STATE), "--live", str(deep)],
            "driftpatch's limit for a live snapshot",
        ),
        (["patch", str(deep)], "driftpatch's limit for a report"),
    ]
    for args, limit in cases:
        proc = run(*args, "--no-checkov") if args[0] != "patch" else run(*args)
        assert error_line(proc) == (
            f"driftpatch: error: {deep}: nested more than 128 levels deep ({limit})"
        )


def test_an_odd_typed_snapshot_is_one_line(tmp_path: Path) -> None:
    """A list where an object belongs used to end in "internal error: AttributeError"."""
    deep = tmp_path / "live.json"
    deep.write_text(json.dumps({"kind": "driftpatch-inventory", "version": 1, "stats": []}))
    proc = run("scan", "--state", str(STATE), "--live", str(deep), "--no-checkov")
    assert error_line(proc) == (
        f"driftpatch: error: {deep}: malformed inventory snapshot ('resources')"
    )
    deep.write_text(
        json.dumps(
            {
                "kind": "driftpatch-inventory",
                "version": 1,
                "resources": [],
                "errors": [],
                "stats": ["a list, not an object"],
            }
        )
    )
    proc = run("scan", "--state", str(STATE), "--live", str(deep), "--no-checkov")
    assert error_line(proc) == (
        f"driftpatch: error: {deep}: malformed inventory snapshot "
        "('list' object has no attribute 'get')"
    )


def test_deeply_nested_hcl_is_a_problem_of_that_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "b" {\n  tags = ' + _deep_json(10_000) + "\n}\n"
    )
    proc = run("check", "--source", str(tmp_path), "--no-checkov", "-o", "json")
    assert error_line(proc) == (
        "driftpatch: source:main.tf:2: nested more than 128 levels deep (driftpatch's limit)"
    )


# -- catch-all exits that now say what is wrong -------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("notaurl", "'notaurl'"),
        ("ftp://host", "'ftp://host'"),
        ("http://", "'http://'"),
        ("http://[::1", "'http://[::1'"),
        ("http://host:99999", "'http://host:99999'"),
        ("http://a b", "'http://a b'"),
    ],
)
def test_a_bad_endpoint_url_is_a_usage_error(url: str, shown: str) -> None:
    proc = run("scan", "--state", str(STATE), "--endpoint-url", url, "--no-checkov")
    assert error_line(proc) == (
        f"driftpatch: error: --endpoint-url: {shown} is not an http:// or https:// URL with a "
        "host (e.g. http://127.0.0.1:5000)"
    )


def test_a_bad_aws_endpoint_url_variable_is_named(tmp_path: Path) -> None:
    proc = run(
        "inventory", "-o", str(tmp_path / "s.json"), env={"AWS_ENDPOINT_URL": "localhost:5000"}
    )
    assert error_line(proc) == (
        "driftpatch: error: AWS_ENDPOINT_URL: 'localhost:5000' is not an http:// or https:// "
        "URL with a host (e.g. http://127.0.0.1:5000)"
    )
    assert not (tmp_path / "s.json").exists()


def test_a_non_utf8_tf_file_is_a_problem_of_that_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_bytes(b'locals {\n  a = "caf\xe9"\n}\n')
    proc = run("check", "--source", str(tmp_path), "--no-checkov", "-o", "json")
    assert error_line(proc) == "driftpatch: source:main.tf:2: not UTF-8 text (byte 0xe9)"


def test_a_non_utf8_patch_target_is_one_line(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(STACK, repo)
    (repo / ".git").mkdir()
    report = tmp_path / "r.json"
    proc = run("check", "--source", str(repo), "--no-checkov", "-o", f"json:{report}")
    assert proc.returncode == 1, proc.stderr
    target = json.loads(report.read_text())["patches"][0]["file"]
    (repo / target).write_bytes((repo / target).read_bytes() + b"# \xff\n")
    proc = run("patch", str(report), "--source", str(repo))
    line = error_line(proc)
    assert line.startswith(f"driftpatch: error: {target}: not UTF-8 text (byte 0xff at offset ")
    assert line.endswith("); driftpatch only patches UTF-8 files")


# -- source directories with nothing to read ---------------------------------------------------


def test_an_empty_source_directory_names_it_and_leaves_no_temp_dir(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = run("check", "--source", str(empty), "--no-checkov", env={"TMPDIR": str(temp)})
    assert error_line(proc) == (
        f"driftpatch: error: no .tf files in {empty} (--source takes a root module: "
        "Terraform reads only the .tf files directly in it)"
    )
    assert list(temp.iterdir()) == []


def test_a_module_only_source_directory_names_it(tmp_path: Path) -> None:
    (tmp_path / "modules" / "net").mkdir(parents=True)
    (tmp_path / "modules" / "net" / "main.tf").write_text('resource "aws_vpc" "v" {}\n')
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = run("check", "--no-checkov", cwd=tmp_path, env={"TMPDIR": str(temp)})
    assert error_line(proc) == (
        f"driftpatch: error: no .tf files in the current directory ({tmp_path}) (--source takes "
        "a root module: Terraform reads only the .tf files directly in it)"
    )
    assert list(temp.iterdir()) == []


def test_a_root_module_whose_only_file_is_unreadable_leaves_no_temp_dir(tmp_path: Path) -> None:
    """The fix working copy used to miss the source directory (no readable file to copy) and
    fail with its own temporary path, leaving it behind."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.tf").write_bytes(b"# \xff\n")
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = run("check", "--source", str(src), "--no-checkov", env={"TMPDIR": str(temp)})
    assert error_line(proc) == "driftpatch: source:main.tf:1: not UTF-8 text (byte 0xff)"
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize(
    ("raised", "line"),
    [
        (RecursionError(), "driftpatch: error: an input is nested too deeply to process"),
        (
            UnicodeDecodeError("utf-8", b"ab\xfe", 2, 3, "invalid start byte"),
            "driftpatch: error: an input file is not utf-8 text (byte 0xfe at offset 2)",
        ),
    ],
)
def test_the_last_resort_names_bad_input_not_an_internal_error(
    raised: Exception,
    line: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Readers refuse these themselves; should one slip through, it is still exit 2."""
    from driftpatch import api, cli

    def check(_config: object) -> None:
        raise raised

    monkeypatch.setattr(api, "check", check)
    (tmp_path / "main.tf").write_text("")
    with pytest.raises(SystemExit) as info:
        cli.main(["check", "--source", str(tmp_path), "--no-checkov"])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines() == [line]
