"""The long tail through Terraform: types driftpatch has no reader for are refreshed by a
targeted `terraform plan -refresh-only` and land in the same findings, statuses and locations
as natively read ones (issue 11, item 3).

One world (real Terraform + hashicorp/aws applied to moto): EventBridge rules (no native
reader) and an S3 bucket (native). One rule is edited out of band, one deleted, one left alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.embedded import EmbeddedAws
from driftpatch.terraform.binary import Terraform
from tests.clirun import run_cli
from tests.conftest import TfApply

pytestmark = pytest.mark.terraform

STACK = """\
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_cloudwatch_event_rule" "changed" {
  name                = "dp-changed"
  description         = "as coded"
  schedule_expression = "rate(1 hour)"
}

resource "aws_cloudwatch_event_rule" "kept" {
  name                = "dp-kept"
  description         = "kept"
  schedule_expression = "rate(1 hour)"
}

resource "aws_cloudwatch_event_rule" "gone" {
  name                = "dp-gone"
  schedule_expression = "rate(1 hour)"
}

resource "aws_s3_bucket" "native" {
  bucket = "dp-native-bucket"
}
"""


def _scan(workdir: Path, aws: EmbeddedAws, terraform: Terraform, *extra: str) -> Any:
    out = workdir.parent / "report.json"
    proc = run_cli(
        "scan",
        "--state",
        str(workdir / "terraform.tfstate"),
        "--source",
        str(workdir),
        "--region",
        "us-east-1",
        "--no-checkov",
        "--verify",
        "static",
        "-o",
        f"json:{out}",
        *extra,
        cwd=workdir.parent,
        env={**aws.env(), **terraform.env},
    )
    return proc, (json.loads(out.read_text()) if out.exists() else None)


def test_types_without_a_reader_are_read_by_terraform(
    tmp_path: Path, aws: EmbeddedAws, terraform: Terraform, tf_apply: TfApply
) -> None:
    workdir = tmp_path / "stack"
    workdir.mkdir()
    (workdir / "main.tf").write_text(STACK)
    tf_apply(workdir)
    events = boto3.client("events", **_boto(aws))
    events.put_rule(Name="dp-changed", Description="by hand", ScheduleExpression="rate(1 hour)")
    events.delete_rule(Name="dp-gone")

    proc, report = _scan(workdir, aws, terraform)
    assert proc.returncode == 1, proc.stderr
    assert report["errors"] == []
    readers = {r["address"]: (r["status"], r["reader"]) for r in report["resources"]}
    assert readers == {
        "aws_cloudwatch_event_rule.changed": ("drifted", "terraform"),
        "aws_cloudwatch_event_rule.kept": ("in_sync", "terraform"),
        "aws_cloudwatch_event_rule.gone": ("missing", "terraform"),
        "aws_s3_bucket.native": ("in_sync", "native"),
    }
    drift = sorted(
        (f["address"], f["rule_id"], f.get("attribute"), f["location"]["start_line"])
        for f in report["findings"]
        if f["kind"] in ("drift", "missing")
    )
    assert drift == [
        ("aws_cloudwatch_event_rule.changed", "DRIFT", "description", 13),
        ("aws_cloudwatch_event_rule.gone", "DRIFT-MISSING", None, 23),
    ]
    [changed] = [f for f in report["findings"] if f.get("attribute") == "description"]
    assert (changed["expected"], changed["actual"]) == ("as coded", "by hand")

    # Turned off: the rules are unsupported again, nothing is invented about them.
    proc, report = _scan(workdir, aws, terraform, "--no-terraform-refresh")
    assert proc.returncode == 1, proc.stderr  # the bucket's misconfigurations remain
    readers = {r["address"]: (r["status"], r["reader"]) for r in report["resources"]}
    assert readers["aws_cloudwatch_event_rule.changed"] == ("unsupported", None)
    assert [f for f in report["findings"] if f["kind"] in ("drift", "missing")] == []


def test_forced_refresh_that_cannot_run_is_an_incomplete_scan(
    tmp_path: Path, aws: EmbeddedAws
) -> None:
    """--terraform-refresh without anything to run Terraform in: exit 3, the resources unread,
    the reason in the report (never silently unsupported)."""
    state = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "x",
        "outputs": {},
        "resources": [
            {
                "mode": "managed",
                "type": "aws_cloudwatch_event_rule",
                "name": "r",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [{"schema_version": 1, "attributes": {"id": "dp-r", "name": "dp-r"}}],
            }
        ],
    }
    path = tmp_path / "terraform.tfstate"
    path.write_text(json.dumps(state))
    out = tmp_path / "r.json"
    proc = run_cli(
        "scan",
        "--state",
        str(path),
        "--region",
        "us-east-1",
        "--terraform-refresh",
        "-o",
        f"json:{out}",
        cwd=tmp_path,
        env=aws.env(),
    )
    assert proc.returncode == 3, proc.stderr
    report = json.loads(out.read_text())
    assert [r["status"] for r in report["resources"]] == ["unread"]
    [error] = report["errors"]
    assert error["scope"] == "terraform"
    assert "no --source to run Terraform in" in error["message"]


def _boto(aws: EmbeddedAws) -> dict[str, str]:
    return {
        "endpoint_url": aws.endpoint_url,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
