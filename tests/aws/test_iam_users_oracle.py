"""The oracle: hashicorp/aws 5.100.0's own refresh of moto vs. the IAM users reader.

The stack in stacks/iam_users is applied to moto, changed out of band (tags, paths, inline
policy documents, policies detached, group members added and removed, an access key switched
off and one deleted, instance profile roles swapped, a user deleted, a group renamed), then
refreshed with `terraform apply -refresh-only`. Every prior state instance is looked up through
the reader's `match` (attachments and memberships are derived from state) and must equal the
refreshed instance key by key, except the reader's documented `unreadable` attributes (access key
secrets, force_destroy), or be gone where the refresh dropped it.

`driftpatch scan` of the applied state reports nothing on the clean world, and on the changed
one exactly the injected changes (drift at the attribute that changed, or missing), nothing on
the rest, and the renamed group as the one unmanaged object.

moto differences worked around (not reader behaviour): moto keeps IAM tags by ARN, so a user's
path change drops its tags there (the path changes on an untagged user); UpdateGroup applies a
NewPath only with a NewGroupName (the group is renamed instead).
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
from driftpatch.aws.readers.iam_users import LINKS, IamUsersReader
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import EmbeddedAws
from driftpatch.terraform.binary import Terraform

from .oracle import differences, drift_report, instances, managed_findings, statuses

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "stacks" / "iam_users"
REGION = "us-east-1"
TYPES = IamUsersReader.types
# Instances the out-of-band changes remove; their refresh drops them from state.
EXPECTED_GONE = {
    ("aws_iam_user", "gone"),
    ("aws_iam_user_policy", "removed"),
    ("aws_iam_user_policy_attachment", "detached"),
    ("aws_iam_access_key", "revoked"),
    ("aws_iam_group_policy_attachment", "ops_write"),
    ("aws_iam_group", "auditors"),
}
# What `driftpatch scan` of the applied state must say about the changed world:
# (kind, address, attribute).
EXPECTED_FINDINGS = {
    ("drift", "aws_iam_user.min", "path"),
    ("drift", "aws_iam_user.full", "tags.Env"),
    ("drift", "aws_iam_user.full", "tags.Patched"),
    ("missing", "aws_iam_user.gone", None),
    ("drift", "aws_iam_user_policy.named", "policy"),
    ("missing", "aws_iam_user_policy.removed", None),
    ("missing", "aws_iam_user_policy_attachment.detached", None),
    ("drift", "aws_iam_access_key.active", "status"),
    ("missing", "aws_iam_access_key.revoked", None),
    ("missing", "aws_iam_group.auditors", None),
    ("drift", "aws_iam_group_policy.ops", "policy"),
    ("missing", "aws_iam_group_policy_attachment.ops_write", None),
    ("drift", "aws_iam_group_membership.devs", "users"),
    ("drift", "aws_iam_user_group_membership.deploy", "groups"),
    ("drift", "aws_iam_instance_profile.app", "tags.Owner"),
    ("drift", "aws_iam_instance_profile.swapped", "role"),
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

    def doc(*statements: dict[str, Any]) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=1)

    iam.tag_user(UserName="full", Tags=[{"Key": "Patched", "Value": "1"}])
    iam.untag_user(UserName="full", TagKeys=["Env"])
    # moto keys tags by ARN, which holds the path: a path change there drops the user's tags
    # (AWS keeps them), so the path changes on the untagged user.
    iam.update_user(UserName="min", NewPath="/moved/")
    iam.delete_user(UserName="gone")
    extra = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a+b/*"}
    iam.put_user_policy(UserName="full", PolicyName="named", PolicyDocument=doc(extra))
    iam.delete_user_policy(UserName="deploy", PolicyName="removed")
    iam.detach_user_policy(UserName="deploy", PolicyArn=attrs["aws_iam_policy", "write"]["arn"])
    iam.update_access_key(
        UserName="deploy",
        AccessKeyId=attrs["aws_iam_access_key", "active"]["id"],
        Status="Inactive",
    )
    iam.delete_access_key(UserName="min", AccessKeyId=attrs["aws_iam_access_key", "revoked"]["id"])

    ops_policy = attrs["aws_iam_group_policy", "ops"]["name"]
    reboot = {"Effect": "Allow", "Action": ["ec2:RebootInstances", "ec2:StopInstances"]}
    iam.put_group_policy(
        GroupName="ops", PolicyName=ops_policy, PolicyDocument=doc({**reboot, "Resource": "*"})
    )
    iam.detach_group_policy(GroupName="ops", PolicyArn=attrs["aws_iam_policy", "write"]["arn"])
    iam.remove_user_from_group(GroupName="devs", UserName="min")
    iam.add_user_to_group(GroupName="devs", UserName="deploy")
    iam.remove_user_from_group(GroupName="auditors", UserName="deploy")
    # moto applies NewPath only with a new name: a renamed group is gone for its state.
    iam.update_group(GroupName="auditors", NewGroupName="auditing")

    iam.tag_instance_profile(InstanceProfileName="app", Tags=[{"Key": "Owner", "Value": "ops"}])
    iam.remove_role_from_instance_profile(InstanceProfileName="swapped", RoleName="other")
    iam.add_role_to_instance_profile(InstanceProfileName="swapped", RoleName="app")


def test_reader_matches_the_providers_refresh_and_scan_reports_each_change(
    tmp_path: Path, terraform: Terraform, tf_apply: TfApply, aws: EmbeddedAws
) -> None:
    workdir = tmp_path / "stack"
    shutil.copytree(STACK, workdir)
    applied = tf_apply(workdir)
    (tmp_path / "applied.tfstate").write_text(json.dumps(applied))

    prior = instances(applied, TYPES)
    assert {t for t, _, _ in prior} == set(TYPES)
    # A clean apply scans to nothing at all on these types.
    clean = scan(aws, tmp_path, "clean")
    assert findings(clean) == set()
    assert set(statuses(clean, prior).values()) == {"in_sync"}

    mutate(aws, applied)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir
    )
    refreshed = json.loads((workdir / "terraform.tfstate").read_text())
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ctx = ReadContext(session, REGION, session.account_id())
    result = IamUsersReader().read(ctx)
    assert result.errors == ()
    live = LiveIndex(result.resources)
    # Secrets never reach live data.
    for key in live.of_type("aws_iam_access_key"):
        assert set(key.attributes) == {"create_date", "id", "status", "user"}

    after = instances(refreshed, TYPES)
    assert {(t, n) for t, n, _ in prior.keys() - after.keys()} == EXPECTED_GONE
    assert not [r for r in live if r.type in IamUsersReader.derived_types]  # derived, never read
    problems = differences(prior, after, live, canonical=without_links)
    assert not problems, "reader differs from the provider's refresh:\n" + "\n".join(problems)

    report = scan(aws, tmp_path, "drift")
    assert findings(report) == EXPECTED_FINDINGS
    # The renamed group is the one object no state owns; derived types are never unmanaged.
    unmanaged = {
        (f["resource_type"], f["resource_id"])
        for f in report["findings"]
        if f["kind"] == "unmanaged" and f["resource_type"] in TYPES
    }
    assert unmanaged == {("aws_iam_group", "auditing")}
    changed = {address for _, address, _ in EXPECTED_FINDINGS}
    untouched = {a: st for a, st in statuses(report, prior).items() if a not in changed}
    assert set(untouched.values()) == {"in_sync"}


def without_links(_type: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """Users and groups carry their links for the derived types; the provider writes none."""
    return {k: v for k, v in attributes.items() if k not in LINKS}


def scan(aws: EmbeddedAws, tmp_path: Path, name: str) -> dict[str, Any]:
    return drift_report(tmp_path / "applied.tfstate", aws, tmp_path / f"{name}.json", region=REGION)


def findings(report: Mapping[str, Any]) -> set[tuple[str, str, str | None]]:
    return managed_findings(report, TYPES)
