"""Terraform is the judge: every patch of a drifted demo world, planned by real Terraform.

One world for the module: the demo stack plus two root resources this test needs (a KMS key
with rotation off, for an in-place fix; an IAM policy, deleted out of band, for a remove),
applied by Terraform + hashicorp/aws 5.100.0 to moto. Out of band: a rule's description changed
(codify), an unmanaged bucket (import), the policy deleted (remove). The demo's own deliberate
misconfigurations give two fixes that force replacement (`encrypted` on an EBS volume,
`associate_public_ip_address` on an instance). One `scan --verify terraform` then plans each
patch alone and the default ones together.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from driftpatch import api, worlds
from driftpatch.cli import app
from driftpatch.config import Config, VerifyMode
from driftpatch.embedded import DEFAULT_REGION, EmbeddedAws
from driftpatch.model import Check, Finding, Patch, PatchAction, Report
from driftpatch.terraform.binary import Terraform
from driftpatch.worlds import World

pytestmark = [pytest.mark.terraform, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]

EXTRA = """
# Added by tests/e2e/test_verify_terraform.py: an in-place fix and a resource to lose.
resource "aws_kms_key" "verify_rotation" {
  description             = "verify: rotation off"
  deletion_window_in_days = 7
  enable_key_rotation     = false
}

resource "aws_iam_policy" "verify_gone" {
  name = "acme-verify-gone"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = "arn:aws:s3:::acme-verify/*"
    }]
  })
}
"""


@dataclass(frozen=True)
class Verified:
    world: World
    tf: Terraform
    report: Report


@pytest.fixture(scope="module")
def verified(
    moto_env: EmbeddedAws, terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Verified]:
    src = tmp_path_factory.mktemp("verify-stack")
    shutil.copytree(REPO / "terraform", src / "terraform")
    shutil.copytree(REPO / "modules", src / "modules")
    with (src / "terraform" / "main.tf").open("a") as fh:
        fh.write(EXTRA)
    workdir = tmp_path_factory.mktemp("verify-world")
    world = worlds.deploy(moto_env, src / "terraform", workdir, terraform=terraform)
    tf = worlds.configured(terraform, moto_env, world.workdir)
    worlds.inject(world, ["sg-rule-description", "unmanaged-bucket"])
    arn = next(
        r["instances"][0]["attributes"]["arn"]
        for r in world.state()["resources"]
        if r["type"] == "aws_iam_policy" and r["name"] == "verify_gone"
    )
    boto3.client("iam", region_name=DEFAULT_REGION).delete_policy(PolicyArn=arn)
    config = Config(
        states=(str(world.state_path),),
        source=world.root,
        repo_root=world.workdir,
        regions=(DEFAULT_REGION,),
        endpoint_url=moto_env.endpoint_url,
        checkov=False,
        verify=VerifyMode.TERRAFORM,
    )
    yield Verified(world, tf, api.scan(config))


def _patch(report: Report, action: PatchAction, address: str) -> tuple[Patch, Finding]:
    findings = {f.id: f for f in report.findings}
    for p in report.patches:
        for fid in p.finding_ids:
            f = findings[fid]
            if p.action is action and (f.address == address or address in p.plan_effect):
                return p, f
    raise AssertionError(f"no {action.value} patch for {address}: {report.patches}")


ALL = ["rule", "schema", "terraform-validate", "terraform-plan"]
ALL_BUT_SCHEMA = ["rule", "terraform-validate", "terraform-plan"]
VOLUME = "module.app.aws_ebs_volume.scratch[0]"
INSTANCE = "module.app.aws_instance.web[0]"


def test_each_patch_has_its_plan_effect(verified: Verified) -> None:
    report = verified.report
    replace = "terraform plan would replace or destroy "
    rule = "module.network.aws_security_group_rule.https"
    bucket = "aws_s3_bucket.acme_shop_staging_export_tmp"
    policy, key = "aws_iam_policy.verify_gone", "aws_kms_key.verify_rotation"
    # (action, address) -> (plan_effect, verified_by, in_default_patch, reason). A removal
    # writes no resource block, so there is no schema to check it against. The volume's
    # availability zone follows the instance's: replacing the instance replaces both.
    expected: dict[tuple[PatchAction, str], tuple[dict[str, str], list[str], bool, str]] = {
        (PatchAction.CODIFY, rule): ({rule: "none"}, ALL, True, ""),
        (PatchAction.IMPORT, bucket): ({bucket: "import"}, ALL, True, ""),
        (PatchAction.REMOVE, policy): ({policy: "forget"}, ALL_BUT_SCHEMA, True, ""),
        (PatchAction.FIX, key): ({key: "update"}, ALL, True, ""),
        (PatchAction.FIX, VOLUME): ({VOLUME: "replace"}, ALL, False, replace + VOLUME),
        (PatchAction.FIX, INSTANCE): (
            {INSTANCE: "replace", VOLUME: "replace"},
            ALL,
            False,
            f"{replace}{VOLUME}, {INSTANCE}",
        ),
    }
    actual = {}
    for action, address in expected:
        p, _ = _patch(report, action, address)
        actual[(action, address)] = (
            {a: e.value for a, e in p.plan_effect.items()},
            [c.value for c in p.verified_by],
            p.in_default_patch,
            p.reason,
        )
        assert p.verified, (address, p.reason)
    assert actual == expected
    assert report.stats["verification"]["mode"] == "terraform"
    assert report.stats["verification"]["refreshed"] is True


def test_default_patch_leaves_out_what_replaces(verified: Verified, tmp_path: Path) -> None:
    report, world = verified.report, verified.world
    combined = report.combined_patch
    assert "encrypted = true" not in combined
    assert "associate_public_ip_address" not in combined
    for needle in ("(temporary)", "acme_shop_staging_export_tmp", "enable_key_rotation     = true"):
        assert needle in combined, needle
    assert "from = aws_iam_policy.verify_gone" in combined.replace("  ", " ")
    # The default patch applies from the repository root and plans with no destroy or replace
    # beyond what the unpatched code already plans (the world's own moto noise).
    git = shutil.which("git")
    if git is None:
        pytest.skip("needs git")
    copy = tmp_path / "repo"
    shutil.copytree(world.workdir, copy, symlinks=True)
    (tmp_path / "fix.patch").write_text(combined)
    subprocess.run([git, "init", "-q"], cwd=copy, check=True)
    applied = subprocess.run(
        [git, "apply", str(tmp_path / "fix.patch")],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr


def test_replacing_fix_is_written_on_request(verified: Verified, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    report = verified.report
    _, finding = _patch(report, PatchAction.FIX, VOLUME)
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report.to_json()))
    runner = CliRunner()
    default = runner.invoke(app, ["patch", str(saved), "--source", str(verified.world.workdir)])
    assert default.exit_code == 0, default.output
    assert "encrypted = true" not in default.stdout
    assert "(temporary)" in default.stdout
    chosen = runner.invoke(
        app, ["patch", str(saved), "--source", str(verified.world.workdir), "--only", finding.id]
    )
    assert chosen.exit_code == 0, chosen.output
    assert "+  encrypted = true" in chosen.stdout
    assert "(temporary)" not in chosen.stdout


def test_check_without_state_validates_only(terraform: Terraform, tmp_path: Path) -> None:
    """`check` has no state: each patch is validated by Terraform, and no plan is claimed."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(
        'resource "aws_ebs_volume" "scratch" {\n  availability_zone = "us-east-1a"\n'
        "  size              = 10\n  encrypted         = false\n}\n"
    )
    report = api.check(
        Config(source=tmp_path, checkov=False, offline=True, verify=VerifyMode.TERRAFORM)
    )
    [patch] = report.patches
    assert (patch.verified_by, patch.plan_effect, patch.in_default_patch, patch.reason) == (
        (Check.RULE, Check.SCHEMA, Check.TERRAFORM_VALIDATE),
        {},
        True,
        "terraform plan not run: no state was given (plan and code only)",
    )
    # The unpatched code and the patch (one default patch: nothing more to judge together).
    assert report.stats["verification"]["candidates"] == 2
