"""The proof, under real Terraform + hashicorp/aws 5.100.0 on moto: a permission added by hand
to a security group whose rules are separate `aws_security_group_rule` resources is codified as
a new imported rule resource, and the patched code's plan imports it and deletes nothing (the
inline form the patch avoids would revoke the separately managed rule). In the same world, SSH
opened to the world on a group whose code is silent on ingress is reverted by `ingress = []`
(an in-place update; apply alone would change nothing), and a revoked egress is codified as
`egress = []` (no change planned)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch import api
from driftpatch.config import Config, VerifyMode
from driftpatch.embedded import DEFAULT_REGION, EmbeddedAws
from driftpatch.fix.hcl_edit import TextEdit, apply_edits
from driftpatch.model import Check, Effect, PatchAction
from driftpatch.terraform.binary import Terraform

TfApply = Callable[[Path], dict[str, Any]]

pytestmark = pytest.mark.terraform

MAIN = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group_rule" "https" {
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_blocks       = ["10.0.0.0/16"]
}

resource "aws_security_group" "bare" {
  name   = "bare"
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "db" {
  name   = "db"
  vpc_id = aws_vpc.main.id

  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
INLINE = """
  ingress {
    protocol    = "tcp"
    from_port   = 8080
    to_port     = 8080
    cidr_blocks = ["10.1.0.0/16"]
  }
"""


def _plan(tf: Terraform, workdir: Path) -> dict[str, dict[str, Any]]:
    out = workdir / "check.tfplan"
    tf.plan(workdir, out)
    plan = json.loads(tf.show_json(out, workdir))
    return {rc["address"]: rc for rc in plan.get("resource_changes", ())}


def test_patched_code_imports_the_rule_and_deletes_none(
    tf_apply: TfApply, terraform: Terraform, aws: EmbeddedAws, tmp_path: Path
) -> None:
    workdir = tmp_path / "stack"
    workdir.mkdir()
    (workdir / ".git").mkdir()
    (workdir / "main.tf").write_text(MAIN)
    state = tf_apply(workdir)
    ids = {
        r["name"]: r["instances"][0]["attributes"]["id"]
        for r in state["resources"]
        if r["type"] == "aws_security_group"
    }
    group = ids["web"]
    ec2 = boto3.client("ec2", region_name=DEFAULT_REGION)
    # Out of band: SSH opened to the world on a group whose code is silent on ingress, and
    # the db group's only egress rule revoked.
    world_ssh: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}
    world_ssh["IpRanges"] = [{"CidrIp": "0.0.0.0/0"}]
    ec2.authorize_security_group_ingress(GroupId=ids["bare"], IpPermissions=[world_ssh])
    ec2.revoke_security_group_egress(
        GroupId=ids["db"],
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "IpRanges": [{"CidrIp": "10.1.0.0/16"}],
            }
        ],
    )
    report = api.scan(
        Config(
            states=(str(workdir / "terraform.tfstate"),),
            source=workdir,
            repo_root=workdir,
            regions=(DEFAULT_REGION,),
            endpoint_url=aws.endpoint_url,
            checkov=False,
            verify=VerifyMode.TERRAFORM,
        )
    )
    (f,) = [x for x in report.findings if x.address == "aws_security_group.web"]
    assert f.attribute == "ingress"
    (patch,) = [p for p in report.patches if f.id in p.finding_ids]
    new = "aws_security_group_rule.web_ingress_tcp_8080"
    assert (patch.action, patch.verified, patch.reason) == (PatchAction.CODIFY, True, "")
    assert Check.TERRAFORM_PLAN in patch.verified_by
    assert patch.plan_effect[new] is Effect.IMPORT
    assert patch.plan_effect.get("aws_security_group_rule.https", Effect.NONE) is Effect.NONE
    assert f'+import {{\n+  to = {new}\n+  id = "{group}_ingress_tcp_8080_8080_10.1.0.0/16"\n' in (
        patch.diff
    )

    # The world-open SSH on the silent group: reverted by stating `ingress = []` (apply alone
    # would change nothing), planned as an in-place update of that group only.
    (ssh,) = [x for x in report.findings if x.address == "aws_security_group.bare"]
    (revert,) = [p for p in report.patches if ssh.id in p.finding_ids]
    assert (revert.action, revert.verified, revert.in_default_patch) == (
        PatchAction.REVERT,
        True,
        True,
    )
    assert revert.plan_effect == {"aws_security_group.bare": Effect.UPDATE}
    assert "+  ingress = []\n" in revert.diff
    assert "alone would not restore it: the code does not set ingress" in ssh.remediation
    # The revoked egress: codified as `egress = []`, which plans no change.
    (egress,) = [x for x in report.findings if x.address == "aws_security_group.db"]
    (codify,) = [p for p in report.patches if egress.id in p.finding_ids]
    assert (codify.action, codify.verified, codify.in_default_patch) == (
        PatchAction.CODIFY,
        True,
        True,
    )
    assert codify.plan_effect == {"aws_security_group.db": Effect.NONE}
    assert "-  egress {\n" in codify.diff and "+  egress = []\n" in codify.diff

    # The patched code, planned directly: one import, no change anywhere else.
    tf = terraform.with_env(**aws.env())
    patched = _apply_diff(MAIN, patch.diff)
    (workdir / "main.tf").write_text(patched)
    changes = _plan(tf, workdir)
    actions = {
        a: (rc["change"]["actions"], "importing" in rc["change"]) for a, rc in changes.items()
    }
    assert actions[new] == (["no-op"], True)
    assert {
        a: act
        for a, act in actions.items()
        if a in ("aws_vpc.main", "aws_security_group.web", "aws_security_group_rule.https")
    } == {
        "aws_vpc.main": (["no-op"], False),
        "aws_security_group.web": (["no-op"], False),
        "aws_security_group_rule.https": (["no-op"], False),
    }
    assert not [a for a, (act, _) in actions.items() if "delete" in act]

    # What the patch avoids: the same permission written inline makes the next apply revoke
    # the separately managed 443 rule (the group's planned ingress holds only 8080).
    inline = MAIN.replace("  vpc_id = aws_vpc.main.id\n", "  vpc_id = aws_vpc.main.id\n" + INLINE)
    (workdir / "main.tf").write_text(inline)
    group_change = _plan(tf, workdir)["aws_security_group.web"]["change"]
    assert group_change["actions"] == ["update"]
    assert [r["from_port"] for r in group_change["after"]["ingress"]] == [8080]
    assert 443 in [r["from_port"] for r in group_change["before"]["ingress"]]


def _apply_diff(text: str, diff: str) -> str:
    """A one-file unified diff applied to `text`, each hunk found where its old lines are
    (like `git apply`, a report's patches apply at an offset when taken alone)."""
    edits = []
    body = diff.splitlines(keepends=True)
    i = 0
    while i < len(body):
        header = body[i]
        i += 1
        if not header.startswith("@@"):
            continue
        old, new = [], []
        while i < len(body) and not body[i].startswith("@@"):
            ln = body[i]
            i += 1
            if ln.startswith(" "):
                old.append(ln[1:])
                new.append(ln[1:])
            elif ln.startswith("-"):
                old.append(ln[1:])
            elif ln.startswith("+"):
                new.append(ln[1:])
        at = text.find("".join(old))
        assert at >= 0 and text.count("".join(old)) == 1, "".join(old)
        edits.append(TextEdit(at, at + len("".join(old)), "".join(new)))
    return apply_edits(text, edits)


SPLIT = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-ownership-data"
}

resource "aws_iam_role" "app" {
  name = "acme-ownership-app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_policy" "reader" {
  name = "acme-ownership-reader"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}
"""


def test_bucket_policy_and_role_attachment_go_into_imported_split_resources(
    tf_apply: TfApply, aws: EmbeddedAws, tmp_path: Path
) -> None:
    workdir = tmp_path / "split"
    workdir.mkdir()
    (workdir / ".git").mkdir()
    (workdir / "main.tf").write_text(SPLIT)
    state = tf_apply(workdir)
    arn = next(
        r["instances"][0]["attributes"]["arn"]
        for r in state["resources"]
        if r["type"] == "aws_iam_policy"
    )
    account = boto3.client("sts", region_name=DEFAULT_REGION).get_caller_identity()["Account"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::acme-ownership-data/*",
            }
        ],
    }
    boto3.client("s3", region_name=DEFAULT_REGION).put_bucket_policy(
        Bucket="acme-ownership-data", Policy=json.dumps(policy)
    )
    boto3.client("iam", region_name=DEFAULT_REGION).attach_role_policy(
        RoleName="acme-ownership-app", PolicyArn=arn
    )
    report = api.scan(
        Config(
            states=(str(workdir / "terraform.tfstate"),),
            source=workdir,
            repo_root=workdir,
            regions=(DEFAULT_REGION,),
            endpoint_url=aws.endpoint_url,
            checkov=False,
            verify=VerifyMode.TERRAFORM,
        )
    )
    findings = {(f.address, f.attribute): f for f in report.findings}
    cases = {
        ("aws_s3_bucket.data", "policy"): "aws_s3_bucket_policy.data",
        (
            "aws_iam_role.app",
            "managed_policy_arns",
        ): "aws_iam_role_policy_attachment.app_acme-ownership-reader",
    }
    for key, new in cases.items():
        f = findings[key]
        (patch,) = [p for p in report.patches if f.id in p.finding_ids]
        assert (patch.action, patch.verified, patch.in_default_patch, patch.reason) == (
            PatchAction.CODIFY,
            True,
            True,
            "",
        ), patch
        assert patch.plan_effect[new] is Effect.IMPORT
        assert patch.plan_effect.get(key[0], Effect.NONE) is Effect.NONE
        # The parent block is left as it is (the deprecated inline argument is never
        # written): the patch only adds top-level blocks, the new resource and its import.
        lines = patch.diff.splitlines()[4:]
        assert not [ln for ln in lines if ln.startswith("-")]
        added = [ln[1:] for ln in lines if ln.startswith("+")]
        kind, name = new.split(".")
        top = [a for a in added if a and not a[0].isspace()]
        # (difflib may show the parent's closing brace as added and the new block's as kept)
        assert sorted(top) == sorted([f'resource "{kind}" "{name}" {{', "}", "import {", "}"])
