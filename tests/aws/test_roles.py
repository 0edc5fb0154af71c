"""`scan --role-arn` (repeated): each role is assumed with the default chain's credentials
(sts:AssumeRole through the read-only guard), each account is read with its role's credentials,
each state instance is compared in the account its ARNs name and each finding carries it, as
with `--profile` (tests/aws/test_accounts.py). Without --region each account is read only in
the regions its own state covers. A role that cannot be assumed: that account is reported as
not read (exit 3, its instances `unread`), the others are read, no traceback.

moto hosts the accounts: credentials from AssumeRole into a role ARN of account N act in N, and
moto records each AssumeRole's session name, external id and duration (checked here, since
moto refuses none). The refusal comes from tests/aws/faults' proxy, as AWS answers one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.sts.models import sts_backends

from driftpatch.embedded import EmbeddedAws
from tests.aws.faults.proxy import Fault, FaultProxy
from tests.clirun import one_error_line, run_cli

A, B = "111111111111", "222222222222"
EAST, WEST = "us-east-1", "eu-west-1"
HOME = {A: EAST, B: WEST}  # the region each account's state covers
ROLE = "arn:aws:iam::{}:role/scanner"
DROP = ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "DRIFTPATCH_DEBUG")


def _session(account: str, region: str = EAST) -> boto3.Session:
    """A test-side session in `account` (the world is built directly, not by driftpatch)."""
    sts = boto3.client("sts", region_name=region)
    creds = sts.assume_role(RoleArn=ROLE.format(account), RoleSessionName="setup")["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )


def _resource(type_: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "mode": "managed",
        "type": type_,
        "name": "app",
        "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
        "instances": [{"schema_version": 0, "attributes": attributes}],
    }


def _state(account: str, queue_url: str, team: str) -> dict[str, Any]:
    region = HOME[account]
    tags = {"team": team}
    role = {
        "id": "app",
        "name": "app",
        "arn": f"arn:aws:iam::{account}:role/app",
        "tags": tags,
        "tags_all": tags,
    }
    queue = {"id": queue_url, "name": "app", "arn": f"arn:aws:sqs:{region}:{account}:app"}
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": f"l-{account}",
        "outputs": {},
        "resources": [_resource("aws_iam_role", role), _resource("aws_sqs_queue", queue)],
    }


@pytest.fixture
def two_accounts(aws: EmbeddedAws, tmp_path: Path) -> dict[str, Path]:
    """In each account: role `app` (B's tag changed by hand since apply), queue `app` in the
    region its state covers, and a stray queue in both regions (only the one where the state
    covers is looked for). Returns the state files by account."""
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    states = {}
    for account, team in ((A, "a"), (B, "changed-by-hand")):
        iam = _session(account).client("iam")
        iam.create_role(
            RoleName="app", AssumeRolePolicyDocument=trust, Tags=[{"Key": "team", "Value": team}]
        )
        url = ""
        for region in (EAST, WEST):
            sqs = _session(account, region).client("sqs")
            sqs.create_queue(QueueName=f"stray-{region}")
            if region == HOME[account]:
                url = sqs.create_queue(QueueName="app")["QueueUrl"]
        path = tmp_path / f"{account}.tfstate"
        path.write_text(json.dumps(_state(account, url, "a" if account == A else "b")))
        states[account] = path
    return states


def _scan(
    states: dict[str, Path], tmp_path: Path, *extra: str, endpoint: str | None = None
) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "r.json"
    args = [a for acct in (A, B) for a in ("--state", str(states[acct]))]
    args += [a for acct in (A, B) for a in ("--role-arn", ROLE.format(acct))]
    if endpoint:
        args += ["--endpoint-url", endpoint]
    proc = run_cli(
        "scan",
        *args,
        *extra,
        "--no-checkov",
        "--only",
        "drift",
        "-o",
        f"json:{out}",
        cwd=tmp_path,
        drop=DROP,
    )
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(out.read_text()), proc.stderr


def test_each_role_account_is_read_in_its_regions_and_marked(
    two_accounts: dict[str, Path], tmp_path: Path
) -> None:
    before = {acct: len(sts_backends[acct]["aws"].assumed_roles) for acct in (A, B)}
    code, report, stderr = _scan(
        two_accounts,
        tmp_path,
        "--external-id",
        "ext-42",
        "--role-session-name",
        "nightly-drift",
        "--role-duration",
        "1800",
    )
    assert code == 1, stderr
    assert report["errors"] == []
    drift = [
        (f.get("account"), f["address"], f["attribute"], f["expected"], f["actual"])
        for f in report["findings"]
        if f["kind"] == "drift" and f["resource_type"] == "aws_iam_role"
    ]
    assert drift == [(B, "aws_iam_role.app", "tags.team", "b", "changed-by-hand")]
    strays = sorted(
        (f.get("account"), f["resource_id"].rsplit("/", 1)[-1])
        for f in report["findings"]
        if f["kind"] == "unmanaged" and f["resource_type"] == "aws_sqs_queue"
    )
    # Each account's stray queue in the region its state covers; not the other region's.
    assert strays == [(A, f"stray-{EAST}"), (B, f"stray-{WEST}")]
    assert report["inputs"]["regions"] == [WEST, EAST]
    # Two AssumeRole (the assuming session) and one GetCallerIdentity per account, counted.
    assert report["stats"]["api_calls"]["sts"] == 4
    roles = [r["status"] for r in report["resources"] if r["type"] == "aws_iam_role"]
    assert sorted(roles) == ["drifted", "in_sync"]
    # One AssumeRole per account, with the options given (moto keeps the expiry, not the
    # duration: 1800 s from the call, so between 900 s and 1800 s from now).
    now = datetime.now(UTC).replace(tzinfo=None)
    for acct in (A, B):
        made = sts_backends[acct]["aws"].assumed_roles[before[acct] :]
        assert [(r.role_arn, r.session_name, r.external_id) for r in made] == [
            (ROLE.format(acct), "nightly-drift", "ext-42")
        ]
        left = made[0].expiration.replace(tzinfo=None) - now
        assert timedelta(seconds=900) < left <= timedelta(seconds=1800)


@pytest.fixture
def deny_b(aws: EmbeddedAws) -> Iterator[FaultProxy]:
    proxy = FaultProxy(aws.endpoint_url)
    proxy.start()
    proxy.set(Fault("deny", operation="AssumeRole", service="sts", body_contains=B.encode()))
    try:
        yield proxy
    finally:
        proxy.stop()


def test_a_role_that_cannot_be_assumed_leaves_its_account_unread(
    aws: EmbeddedAws, two_accounts: dict[str, Path], deny_b: FaultProxy, tmp_path: Path
) -> None:
    for path in two_accounts.values():  # queue URLs name the endpoint they were read through
        path.write_text(path.read_text().replace(aws.endpoint_url, deny_b.url))
    code, report, stderr = _scan(two_accounts, tmp_path, endpoint=deny_b.url)
    assert code == 3, stderr
    assert report["errors"] == [
        {
            "scope": f"{B}/sts",
            "message": f"cannot assume {ROLE.format(B)}: AssumeRole: AccessDenied: Access Denied",
        }
    ]
    # B's instances are unread: nothing of B is missing, drifted or compared with A's objects.
    assert [f for f in report["findings"] if f.get("account") == B] == []
    assert not [f for f in report["findings"] if f["kind"] == "missing"]
    statuses = sorted(
        (r["status"], r["type"]) for r in report["resources"] if r["address"] is not None
    )
    assert ("unread", "aws_iam_role") in statuses and ("unread", "aws_sqs_queue") in statuses
    assert ("in_sync", "aws_iam_role") in statuses
    assert [i.operation for i in deny_b.injected] == ["AssumeRole"]
    assert "scan incomplete" in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role-arn", "arn:aws:iam::1234:role/x"), "--role-arn 'arn:aws:iam::1234:role/x': not"),
        (
            ("--role-arn", ROLE.format(A), "--role-duration", "60"),
            "--role-duration 60: AWS allows 900 to 43200 seconds",
        ),
        (
            ("--role-arn", ROLE.format(A), "--profile", "p", "--profile", "q"),
            "--role-arn reads the roles' accounts with the credentials of one --profile",
        ),
    ],
)
def test_bad_role_options_are_usage_errors(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    state = tmp_path / "s.tfstate"
    state.write_text(json.dumps(_state(A, "https://x/q", "a")))
    proc = run_cli("scan", "--state", str(state), *args, "--no-checkov", cwd=tmp_path, drop=DROP)
    assert message in one_error_line(proc)


def test_inventory_reads_the_role_account(
    two_accounts: dict[str, Path], deny_b: FaultProxy, tmp_path: Path
) -> None:
    """`inventory --role-arn` snapshots the role's account; refused, a snapshot of nothing
    that says why (exit 3)."""
    out = tmp_path / "snap.json"
    args = ("inventory", "--region", WEST, "--types", "aws_sqs_queue", "-o", str(out))
    proc = run_cli(*args, "--role-arn", ROLE.format(A), cwd=tmp_path, drop=DROP)
    assert proc.returncode == 0, proc.stderr
    snapshot = json.loads(out.read_text())
    assert snapshot["account_id"] == A
    assert sorted(r["id"].rsplit("/", 1)[-1] for r in snapshot["resources"]) == [f"stray-{WEST}"]
    proc = run_cli(
        *args, "--role-arn", ROLE.format(B), "--endpoint-url", deny_b.url, cwd=tmp_path, drop=DROP
    )
    assert proc.returncode == 3, proc.stderr
    assert json.loads(out.read_text())["resources"] == []
    assert proc.stderr.splitlines()[-1] == (
        f"driftpatch: skipped sts: cannot assume {ROLE.format(B)}: AssumeRole: AccessDenied: "
        "Access Denied"
    )
