"""The oracle: hashicorp/aws 5.100.0's own refresh of moto vs. the IAM and KMS readers.

The stack in stacks/iam is applied to moto, changed out of band (descriptions, tags, trust and
key policies, a new policy version, inline policies added and deleted, policies attached and
detached, a role deleted, a key scheduled for deletion, rotation switched off), then refreshed
with `terraform apply -refresh-only`. Every prior state instance is then looked up through the
reader's `match` (attachments are derived from state) and must equal the refreshed instance key
by key, except the reader's documented `unreadable` attributes, or be gone where the refresh
dropped it.

moto differences that make the provider write something odd, reproduced by the readers because
they read the same API (nothing is special-cased):
- moto ignores RotationPeriodInDays (GetKeyRotationStatus never returns it), so the key
  configured with rotation_period_in_days = 180 refreshes to 0.
- moto loads AWS-managed IAM policies only when MOTO_IAM_LOAD_MANAGED_POLICIES is set when its
  IAM backend is built; this test sets it (in this process, where the server runs) and resets.
- moto reports AttachmentCount without permissions-boundary uses, as AWS does.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import LiveIndex, ReadContext
from driftpatch.aws.readers.iam import IamReader
from driftpatch.aws.readers.kms import KmsReader
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import EmbeddedAws
from driftpatch.terraform.binary import Terraform

from .oracle import differences, instances

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "stacks" / "iam"
REGION = "us-east-1"
TYPES = (
    "aws_iam_role",
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_kms_key",
)
# Instances the out-of-band changes remove; their refresh drops them from state.
EXPECTED_GONE = {
    ("aws_iam_role", "gone"),
    ("aws_iam_role_policy", "removed"),
    ("aws_iam_role_policy_attachment", "detached"),
    ("aws_kms_key", "doomed"),
}

TfApply = Callable[[Path], dict[str, Any]]


def mutate(aws: EmbeddedAws, state: Mapping[str, Any]) -> None:
    """Out-of-band changes, the way someone with console access would make them."""
    attrs = {
        (res["type"], res["name"]): res["instances"][0]["attributes"]
        for res in state["resources"]
        if res["mode"] == "managed"
    }
    iam = boto3.client("iam", endpoint_url=aws.endpoint_url, region_name=REGION)
    kms = boto3.client("kms", endpoint_url=aws.endpoint_url, region_name=REGION)

    def doc(*statements: dict[str, Any], indent: int | None = None) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=indent)

    iam.update_role_description(RoleName="full", Description="changed by hand")
    iam.tag_role(RoleName="full", Tags=[{"Key": "Patched", "Value": "1"}])
    iam.untag_role(RoleName="full", TagKeys=["Env"])
    # Pretty-printed, with a "+" that must survive URL decoding: stored normalised.
    extra = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a+b/*"}
    iam.put_role_policy(RoleName="full", PolicyName="extra", PolicyDocument=doc(extra, indent=1))
    trust = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    }
    iam.update_assume_role_policy(RoleName="full", PolicyDocument=doc(trust))
    iam.delete_role(RoleName="gone")
    iam.detach_role_policy(RoleName="min", PolicyArn=attrs["aws_iam_policy", "min"]["arn"])
    boundary = attrs["aws_iam_policy", "boundary"]["arn"]
    iam.put_role_permissions_boundary(RoleName="min", PermissionsBoundary=boundary)
    iam.delete_role_policy(RoleName="attached", PolicyName="removed")
    iam.attach_role_policy(RoleName="exclusive", PolicyArn=boundary)
    iam.update_role(RoleName=attrs["aws_iam_role", "prefixed"]["name"], MaxSessionDuration=5400)
    full = attrs["aws_iam_policy", "full"]["arn"]
    iam.create_policy_version(
        PolicyArn=full,
        SetAsDefault=True,
        PolicyDocument=doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, indent=2),
    )
    iam.tag_policy(PolicyArn=full, Tags=[{"Key": "Patched", "Value": "1"}])
    prefixed = attrs["aws_iam_policy", "prefixed"]["arn"]
    iam.tag_policy(PolicyArn=prefixed, Tags=[{"Key": "Owner", "Value": "sec"}])

    key = attrs["aws_kms_key", "full"]["id"]
    kms.disable_key_rotation(KeyId=key)
    kms.update_key_description(KeyId=key, Description="changed")
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "Patched", "TagValue": "1"}])
    kms.untag_resource(KeyId=key, TagKeys=["Env"])
    root = {
        "Sid": "Root",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    policy = json.dumps({"Version": "2012-10-17", "Id": "by-hand", "Statement": [root]}, indent=2)
    kms.put_key_policy(KeyId=attrs["aws_kms_key", "min"]["id"], PolicyName="default", Policy=policy)
    kms.schedule_key_deletion(KeyId=attrs["aws_kms_key", "doomed"]["id"], PendingWindowInDays=7)
    kms.enable_key(KeyId=attrs["aws_kms_key", "disabled"]["id"])


def test_readers_match_the_providers_refresh(
    tmp_path: Path,
    terraform: Terraform,
    tf_apply: TfApply,
    aws: EmbeddedAws,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ReadOnlyAccess must exist to be attached; moto builds it only with this set at reset.
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    aws.reset()
    workdir = tmp_path / "stack"
    shutil.copytree(STACK, workdir)
    applied = tf_apply(workdir)
    mutate(aws, applied)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir
    )
    refreshed = json.loads((workdir / "terraform.tfstate").read_text())

    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ctx = ReadContext(session, REGION, session.account_id())
    results = [IamReader().read(ctx), KmsReader().read(ctx)]
    assert [e for r in results for e in r.errors] == []
    live = LiveIndex(tuple(x for r in results for x in r.resources))
    # AWS-managed policies (hundreds of them in moto now) are never emitted.
    assert all(":aws:policy/" not in p.id for p in live.of_type("aws_iam_policy"))
    assert len(live.of_type("aws_iam_policy")) == 4
    assert not live.of_type("aws_iam_role_policy_attachment")  # derived, never read

    prior, after = instances(applied, TYPES), instances(refreshed, TYPES)
    assert {t for t, _, _ in prior} == set(TYPES)
    assert {(t, n) for t, n, _ in prior.keys() - after.keys()} == EXPECTED_GONE
    problems = differences(prior, after, live)
    assert not problems, "reader differs from the provider's refresh:\n" + "\n".join(problems)
