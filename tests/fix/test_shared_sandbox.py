"""One initialised sandbox per scan (fix/judge.py SharedSandbox), refreshed only where needed.

Real Terraform, no provider: `terraform_data` is built in, so init and refresh run offline."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from driftpatch.fix.judge import SandboxError, SharedSandbox
from driftpatch.fix.verification import _refresh_targets
from driftpatch.model import Category, Finding, Kind, Severity
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.source import index_source

MAIN = """\
resource "terraform_data" "a" {
  input = "a"
}

resource "terraform_data" "b" {
  input = "b"
}

resource "terraform_data" "c" {
  input = "c"
}
"""


@pytest.fixture(scope="module")
def terraform() -> Terraform:
    tf = Terraform.find()
    if tf is None:
        pytest.skip("needs the Terraform CLI on PATH")
    return tf


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory, terraform: Terraform) -> tuple[Path, bytes]:
    """Applied once for the module (the sandboxes copy it; nothing writes to it)."""
    tmp_path = tmp_path_factory.mktemp("shared")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.tf").write_text(MAIN)
    work = tmp_path / "apply"
    work.mkdir()
    (work / "main.tf").write_text(MAIN)
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    for args in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        proc = subprocess.run(
            [str(terraform.executable), f"-chdir={work}", *args, "-no-color"],
            capture_output=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    return repo, (work / "terraform.tfstate").read_bytes()


def test_one_init_for_the_long_tail_and_verification(
    applied: tuple[Path, bytes], terraform: Terraform
) -> None:
    repo, state = applied
    index = index_source(repo, repo)
    shared = SharedSandbox()
    try:
        first = shared.get(terraform, index, state=state)
        data = json.loads(first.refresh_plan(["terraform_data.a"]))
        assert [r["address"] for r in data["prior_state"]["values"]["root_module"]["resources"]]
        # Verification gets the same initialised copy, and refreshes it at its targets only.
        again = shared.get(terraform, index, state=state)
        assert again is first
        again.ensure_refreshed(["terraform_data.b"])
        again.ensure_refreshed(None)  # once: a second call does nothing
        assert (again.refreshed, again.refresh_targets) == (True, 1)
        assert again.runs == {"init": 1, "refresh-plan": 1, "show": 1, "refresh": 1}
        base = again.judge({"base": {}})["base"]
        assert base.planned and not base.error
        assert {a: c.effect.value for a, c in base.changes.items()} == {
            "terraform_data.a": "none",
            "terraform_data.b": "none",
            "terraform_data.c": "none",
        }
        where = first.base
    finally:
        shared.close()
    assert not where.exists()


def test_nothing_to_refresh_runs_nothing(applied: tuple[Path, bytes], terraform: Terraform) -> None:
    repo, state = applied
    shared = SharedSandbox()
    try:
        sandbox = shared.get(terraform, index_source(repo, repo), state=state)
        sandbox.ensure_refreshed([])
        assert (sandbox.refreshed, sandbox.refresh_targets) == (True, 0)
        assert sandbox.runs == {"init": 1}
    finally:
        shared.close()


def test_a_failed_build_is_remembered(tmp_path: Path, terraform: Terraform) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(
        "terraform {\n  required_providers {\n    nope = {\n"
        '      source = "example.invalid/none/nope"\n    }\n  }\n}\n'
    )
    shared = SharedSandbox()
    index = index_source(tmp_path, tmp_path)
    with pytest.raises(SandboxError) as first:
        shared.get(terraform, index, state=None)
    with pytest.raises(SandboxError) as second:
        shared.get(terraform, index, state=None)
    assert second.value is first.value
    shared.close()


def _finding(kind: Kind, address: str) -> Finding:
    return Finding(kind, "DRIFT", "t", Severity.LOW, Category.DRIFT, "x", address=address)


def test_refresh_targets_are_the_drifted_addresses() -> None:
    state = json.dumps(
        {
            "resources": [
                {"mode": "managed", "type": "aws_s3_bucket", "name": f"b{i}", "instances": []}
                for i in range(6)
            ]
            + [
                {
                    "module": 'module.m["x"]',
                    "mode": "managed",
                    "type": "aws_vpc",
                    "name": "v",
                    "instances": [],
                }
            ]
        }
    ).encode()
    findings = {
        str(i): f
        for i, f in enumerate(
            [
                _finding(Kind.DRIFT, "aws_s3_bucket.b1"),
                _finding(Kind.MISSING, 'module.m["x"].aws_vpc.v'),
                _finding(Kind.MISCONFIG, "aws_s3_bucket.b2"),  # recorded = live: no refresh
                _finding(Kind.DRIFT, "aws_s3_bucket.gone_from_state"),
            ]
        )
    }
    assert _refresh_targets(state, (), findings) == ["aws_s3_bucket.b1", "module.m.aws_vpc.v"]
    # Most of the state drifted: one whole refresh.
    most = {str(i): _finding(Kind.DRIFT, f"aws_s3_bucket.b{i}") for i in range(4)}
    assert _refresh_targets(state, (), most) is None
    assert _refresh_targets(b"not json", (), findings) is None
