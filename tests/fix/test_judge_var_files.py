"""Terraform verification plans with the scan's --var-file files, as the user's apply would.

Real Terraform, no provider: `terraform_data` is built in, so the sandbox initialises offline.
The stack was applied with -var-file=envs/staging.tfvars; judged without it, Terraform would
plan terraform.tfvars' value as a change, and a codify into the var file could not be judged.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from driftpatch.model import Effect
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.source import index_source

MAIN = """\
variable "env" {
  type    = string
  default = "dev"
}

resource "terraform_data" "env" {
  input = var.env
}
"""


@pytest.fixture
def terraform() -> Terraform:
    tf = Terraform.find()
    if tf is None:
        pytest.skip("needs the Terraform CLI on PATH")
    return tf


@pytest.fixture
def applied(tmp_path: Path, terraform: Terraform) -> tuple[Path, bytes]:
    """repo/infra applied with -var-file=envs/staging.tfvars (envs/ sits beside the module)."""
    repo = tmp_path / "repo"
    infra = repo / "infra"
    (repo / ".git").mkdir(parents=True)
    (infra / "envs").mkdir(parents=True)
    (infra / "main.tf").write_text(MAIN)
    (infra / "terraform.tfvars").write_text('env = "prod"\n')
    (infra / "envs" / "staging.tfvars").write_text('env = "staging"\n')
    work = tmp_path / "apply"
    work.mkdir()
    for name in ("main.tf", "terraform.tfvars"):
        (work / name).write_text((infra / name).read_text())
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    for args in (
        ["init", "-input=false", "-no-color"],
        [
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-var-file=../repo/infra/envs/staging.tfvars",
        ],
    ):
        proc = subprocess.run(
            [str(terraform.executable), f"-chdir={work}", *args],
            capture_output=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    return repo, (work / "terraform.tfstate").read_bytes()


def test_the_sandbox_plans_with_the_var_files(
    applied: tuple[Path, bytes], terraform: Terraform
) -> None:
    from driftpatch.fix.judge import Sandbox

    repo, state = applied
    infra = repo / "infra"
    var_file = infra / "envs" / "staging.tfvars"
    with_var_file = index_source(infra, root=repo, var_files=[var_file])
    without = index_source(infra, root=repo)
    assert with_var_file.var_files == ("infra/envs/staging.tfvars",)

    sandbox = Sandbox(terraform, with_var_file, state=state, refresh=False, workers=1)
    try:
        outcomes = sandbox.judge(
            {"as-applied": {}, "codified": {"infra/envs/staging.tfvars": 'env = "qa"\n'}}
        )
    finally:
        sandbox.close()
    assert outcomes["as-applied"].error == ""
    assert outcomes["as-applied"].changes["terraform_data.env"].effect is Effect.NONE
    codified = outcomes["codified"].changes["terraform_data.env"]
    assert codified.effect is Effect.UPDATE and codified.after["input"] == "qa"
    # The candidate was written into the sandbox's copy, never through to the user's file.
    assert var_file.read_text() == 'env = "staging"\n'

    sandbox = Sandbox(terraform, without, state=state, refresh=False, workers=1)
    try:
        (outcome,) = sandbox.judge({"as-applied": {}}).values()
    finally:
        sandbox.close()
    change = outcome.changes["terraform_data.env"]
    assert change.effect is Effect.UPDATE and change.after["input"] == "prod"
