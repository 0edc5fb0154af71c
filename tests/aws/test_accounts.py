"""Several accounts in one scan (`--profile` repeated): each state instance is compared in the
account its ARNs name, each account's findings carry it, and an object of one account is never
"missing" because another account was read.

moto hosts several accounts: credentials from sts:AssumeRole into a role ARN of account N act
in account N. The profiles are ordinary AWS config profiles with `role_arn` + `source_profile`,
as a team's CI has them; botocore assumes the roles (driftpatch itself calls nothing new).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.embedded import EmbeddedAws
from tests.clirun import run_cli

A, B = "111111111111", "222222222222"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "aws-config"
    path.write_text(
        "[profile base]\n"
        "aws_access_key_id = testing\n"
        "aws_secret_access_key = testing\n"
        "region = us-east-1\n"
        + "".join(
            f"[profile acct-{n}]\nrole_arn = arn:aws:iam::{acct}:role/scanner\n"
            "source_profile = base\nregion = us-east-1\n"
            for n, acct in (("a", A), ("b", B))
        )
    )
    return path


def _role_state(account: str, name: str, tags: dict[str, str]) -> dict[str, Any]:
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": f"l-{account}",
        "outputs": {},
        "resources": [
            {
                "mode": "managed",
                "type": "aws_iam_role",
                "name": "app",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [
                    {
                        "schema_version": 0,
                        "attributes": {
                            "id": name,
                            "name": name,
                            "arn": f"arn:aws:iam::{account}:role/{name}",
                            "tags": tags,
                            "tags_all": tags,
                        },
                    }
                ],
            }
        ],
    }


@pytest.fixture
def two_accounts(
    aws: EmbeddedAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    env = {**aws.env(), "AWS_CONFIG_FILE": str(_config(tmp_path))}
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(key)
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", env["AWS_CONFIG_FILE"])
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    for profile, tag in (("acct-a", "a"), ("acct-b", "changed-by-hand")):
        iam = boto3.Session(profile_name=profile).client("iam", region_name="us-east-1")
        iam.create_role(
            RoleName="app", AssumeRolePolicyDocument=trust, Tags=[{"Key": "team", "Value": tag}]
        )
    return env


def test_each_account_is_read_and_marked(two_accounts: dict[str, str], tmp_path: Path) -> None:
    for acct, team in ((A, "a"), (B, "b")):
        (tmp_path / f"{acct}.tfstate").write_text(
            json.dumps(_role_state(acct, "app", {"team": team}))
        )
    out = tmp_path / "r.json"
    proc = run_cli(
        "scan",
        "--state",
        str(tmp_path / f"{A}.tfstate"),
        "--state",
        str(tmp_path / f"{B}.tfstate"),
        "--profile",
        "acct-a",
        "--profile",
        "acct-b",
        "--no-checkov",
        "--only",
        "drift",
        "-o",
        f"json:{out}",
        cwd=tmp_path,
        env=two_accounts,
        drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"),
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(out.read_text())
    assert report["errors"] == []
    drift = [
        (f.get("account"), f["address"], f["attribute"], f["expected"], f["actual"])
        for f in report["findings"]
        if f["kind"] == "drift"
    ]
    assert drift == [(B, "aws_iam_role.app", "tags.team", "b", "changed-by-hand")]
    statuses = sorted(r["status"] for r in report["resources"] if r["address"])
    assert statuses == ["drifted", "in_sync"], report["findings"]
