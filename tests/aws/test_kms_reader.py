"""KMS reader against the moto server over real HTTP, plus AWS answers moto cannot give.

The shapes are checked against real Terraform in test_iam_kms_oracle.py; here: shapes on
hand-made keys, which keys are aws_kms_keys at all, calls per N, failures as values, the
read-only guarantee. moto gaps, covered with botocore's Stubber on the session's own client
(so the read-only guard and call counting still run): ListKeys never pages, AWS-managed keys
(alias/aws/...) report KeyManager CUSTOMER, RotationPeriodInDays is never returned.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from driftpatch.aws.readers import READERS, LiveIndex, ReadContext, reader_for
from driftpatch.aws.readers import kms as kms_reader
from driftpatch.aws.readers.iam import IamReader
from driftpatch.aws.readers.interface import ReadResult
from driftpatch.aws.readers.kms import KmsReader
from driftpatch.aws.session import AwsSession, is_read_only
from driftpatch.embedded import ACCOUNT_ID, EmbeddedAws, free_port

from .test_iam_reader import limited_session

REGION = "us-east-1"
POLICY = {
    "Version": "2012-10-17",
    "Id": "k",
    "Statement": [
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}
POLICY_NORMAL = (
    '{"Id":"k","Statement":[{"Action":"kms:*","Effect":"Allow","Principal":'
    f'{{"AWS":"arn:aws:iam::{ACCOUNT_ID}:root"}},"Resource":"*","Sid":"Root"}}],'
    '"Version":"2012-10-17"}'
)


def kms_client(aws: EmbeddedAws, region: str = REGION) -> Any:
    return boto3.client("kms", endpoint_url=aws.endpoint_url, region_name=region)


def read(session: AwsSession, region: str = REGION) -> tuple[LiveIndex, ReadResult]:
    """The keys read (the aliases, from the same listing, are proven in test_app_oracle.py)."""
    result = KmsReader().read(ReadContext(session, region, ACCOUNT_ID))
    return LiveIndex(tuple(r for r in result.resources if r.type == "aws_kms_key")), result


def count_operations(session: AwsSession) -> Counter[str]:
    counter: Counter[str] = Counter()
    session.client("kms", REGION).meta.events.register(
        "after-call.kms.*", lambda model, **_: counter.update([model.name])
    )
    return counter


# --------------------------------------------------------------------------- moto server


def test_reads_keys_in_the_provider_shape(aws: EmbeddedAws) -> None:
    c = kms_client(aws)
    meta = c.create_key(
        Description="app data",
        KeyUsage="ENCRYPT_DECRYPT",  # moto stores no usage when none is given; AWS defaults it
        Policy=json.dumps(POLICY, indent=2),
        Tags=[
            {"TagKey": "Env", "TagValue": "prod"},
            {"TagKey": "aws:cloudformation:stack-name", "TagValue": "x"},
        ],
    )["KeyMetadata"]
    c.enable_key_rotation(KeyId=meta["KeyId"])
    off = c.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    c.disable_key(KeyId=off)
    mrk = c.create_key(MultiRegion=True, KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]

    live, result = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    assert not result.errors and not result.incomplete_types
    key = live.get("aws_kms_key", meta["KeyId"])
    assert key is not None and key.region == REGION and not key.account_default
    assert key.attributes == {
        "arn": meta["Arn"],
        "custom_key_store_id": "",
        "customer_master_key_spec": "SYMMETRIC_DEFAULT",
        "description": "app data",
        "enable_key_rotation": True,
        "id": meta["KeyId"],
        "is_enabled": True,
        "key_id": meta["KeyId"],
        "key_usage": "ENCRYPT_DECRYPT",
        "multi_region": False,
        "policy": POLICY_NORMAL,
        "rotation_period_in_days": 0,  # moto never returns RotationPeriodInDays
        "tags": {"Env": "prod"},
        "tags_all": {"Env": "prod"},
        "xks_key_id": "",
    }
    signing = live.get("aws_kms_key", off)
    assert signing is not None
    assert signing.attributes["is_enabled"] is False
    assert signing.attributes["customer_master_key_spec"] == "RSA_2048"
    assert signing.attributes["key_usage"] == "SIGN_VERIFY"
    assert signing.attributes["tags"] == {} and signing.attributes["enable_key_rotation"] is False
    multi = live.get("aws_kms_key", mrk)
    assert multi is not None and multi.attributes["multi_region"] is True


def test_keys_that_are_not_aws_kms_keys_are_skipped(aws: EmbeddedAws) -> None:
    c = kms_client(aws)
    keep = c.create_key()["KeyMetadata"]["KeyId"]
    doomed = c.create_key()["KeyMetadata"]["KeyId"]
    c.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    c.create_key(Origin="EXTERNAL")  # an aws_kms_external_key
    primary = c.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    c.replicate_key(KeyId=primary, ReplicaRegion="us-west-2")  # an aws_kms_replica_key there
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    # The home region first: moto's replica shares its primary's MultiRegionConfiguration and
    # describing the replica rewrites both to REPLICA (a moto bug, not AWS behaviour).
    live, result = read(session)
    assert not result.errors
    assert sorted(k.id for k in live) == sorted([keep, primary])
    west, west_result = read(session, "us-west-2")
    assert not west_result.errors
    assert kms_client(aws, "us-west-2").list_keys()["Keys"]  # the replica is there...
    assert not list(west)  # ...but it is not an aws_kms_key


def build_world(aws: EmbeddedAws, n: int) -> None:
    c = kms_client(aws)
    for i in range(n):
        c.create_key(Description=f"k{i}", Tags=[{"TagKey": "n", "TagValue": str(i)}])


def _counts(aws: EmbeddedAws, n: int) -> Counter[str]:
    aws.reset()
    build_world(aws, n)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    live, result = read(session)
    assert not result.errors and len(live.of_type("aws_kms_key")) == n
    assert sum(ops.values()) == session.calls()["kms"]
    return ops


def test_listing_calls_do_not_grow_with_n(aws: EmbeddedAws) -> None:
    one, many = _counts(aws, 1), _counts(aws, 20)
    per_key = ("DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags")
    assert one == {"ListKeys": 1, "ListAliases": 1, **dict.fromkeys(per_key, 1)}
    assert many == {"ListKeys": 1, "ListAliases": 1, **dict.fromkeys(per_key, 20)}


def test_access_denied_for_kms_skips_kms_only(aws: EmbeddedAws) -> None:
    kms_client(aws).create_key()
    iam = boto3.client("iam", endpoint_url=aws.endpoint_url, region_name=REGION)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    with limited_session(aws, "kms:GetKeyPolicy") as session:
        live, result = read(session)
        iam_result = IamReader().read(ReadContext(session, REGION, ACCOUNT_ID))
    assert not list(live)
    assert result.incomplete_types == {"aws_kms_key"}
    assert [e.scope for e in result.errors] == [f"kms/{REGION}"]
    # moto answers a denied JSON-protocol call with an XML 403 botocore cannot parse; the
    # message still names the call and the denial.
    message = result.errors[0].message
    assert message.startswith("GetKeyPolicy: ") and "AccessDenied" in message
    assert not iam_result.errors
    assert [r.id for r in iam_result.resources if r.type == "aws_iam_role"] == ["r"]


def test_connection_error_is_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region=REGION,
        max_attempts=1,
        connect_timeout=1,
    )
    live, result = read(session)
    assert not list(live) and result.incomplete_types == {"aws_kms_key", "aws_kms_alias"}
    assert len(result.errors) == 1 and "Could not connect" in result.errors[0].message


def test_only_read_only_calls(aws: EmbeddedAws) -> None:
    build_world(aws, 2)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    _, result = read(session)  # the session's guard raises on anything else
    assert not result.errors
    assert ops and all(is_read_only(op) for op in ops), sorted(ops)


def test_registered() -> None:
    readers = [r for r in READERS if isinstance(r, KmsReader)]
    assert len(readers) == 1 and not readers[0].is_global
    assert reader_for("aws_kms_key") is readers[0]
    assert [t for r in READERS for t in r.types].count("aws_kms_key") == 1


# --------------------------------------------------------------------------- stubbed AWS answers


@contextmanager
def stubbed(session: AwsSession) -> Iterator[Stubber]:
    stub = Stubber(session.client("kms", REGION))
    with stub:
        yield stub
    stub.assert_no_pending_responses()


def _meta(key_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "KeyMetadata": {
            "KeyId": key_id,
            "Arn": f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key_id}",
            "Enabled": True,
            "KeyState": "Enabled",
            "KeyManager": "CUSTOMER",
            "Origin": "AWS_KMS",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "Description": "",
            **extra,
        }
    }


def _key_calls(stub: Stubber, key_id: str, rotation: dict[str, Any] | None = None) -> None:
    stub.add_response("describe_key", _meta(key_id), {"KeyId": key_id})
    stub.add_response("get_key_policy", {"Policy": json.dumps(POLICY)})
    if rotation is not None:
        stub.add_response("get_key_rotation_status", rotation)
    stub.add_response("list_resource_tags", {"Tags": [], "Truncated": False})


def _session() -> AwsSession:
    return AwsSession(endpoint_url="http://127.0.0.1:1", region=REGION)


def test_list_keys_pages_are_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kms_reader, "POOL_SIZE", 1)  # the stub answers in call order
    monkeypatch.setattr(kms_reader, "PAGE_SIZE", 1)
    session = _session()
    ids = ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"]
    with stubbed(session) as stub:
        stub.add_response(
            "list_keys",
            {"Keys": [{"KeyId": ids[0]}], "Truncated": True, "NextMarker": "m"},
            {"Limit": 1},
        )
        stub.add_response(
            "list_keys",
            {"Keys": [{"KeyId": ids[1]}], "Truncated": False},
            {"Limit": 1, "Marker": "m"},
        )
        stub.add_response("list_aliases", {"Aliases": []})
        for key_id in ids:
            _key_calls(stub, key_id, {"KeyRotationEnabled": True, "RotationPeriodInDays": 180})
        live, result = read(session)
    assert not result.errors
    assert sorted(k.id for k in live) == ids
    for key in live:
        assert key.attributes["rotation_period_in_days"] == 180
        assert key.attributes["enable_key_rotation"] is True
        assert key.attributes["policy"] == POLICY_NORMAL


def test_aws_managed_keys_are_account_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kms_reader, "POOL_SIZE", 1)
    session = _session()
    aws_key, hsm_key = (
        "a" * 8 + "-aaaa-aaaa-aaaa-" + "a" * 12,
        "b" * 8 + "-bbbb-bbbb-bbbb-" + "b" * 12,
    )
    with stubbed(session) as stub:
        stub.add_response("list_keys", {"Keys": [{"KeyId": aws_key}, {"KeyId": hsm_key}]})
        stub.add_response("list_aliases", {"Aliases": []})
        stub.add_response("describe_key", _meta(aws_key, KeyManager="AWS"))
        stub.add_response("get_key_policy", {"Policy": json.dumps(POLICY)})
        # Some endpoints refuse rotation status for keys that cannot rotate: that is "off".
        stub.add_client_error("get_key_rotation_status", "UnsupportedOperationException")
        stub.add_response("list_resource_tags", {"Tags": []})
        # A CloudHSM key store key: the provider does not ask for its rotation.
        hsm = _meta(hsm_key, Origin="AWS_CLOUDHSM", CustomKeyStoreId="cks-1234567890abcdef0")
        stub.add_response("describe_key", hsm)
        stub.add_response("get_key_policy", {"Policy": json.dumps(POLICY)})
        stub.add_response("list_resource_tags", {"Tags": []})
        live, result = read(session)
    assert not result.errors
    managed = live.get("aws_kms_key", aws_key)
    assert managed is not None and managed.account_default
    assert managed.attributes["enable_key_rotation"] is False
    in_hsm = live.get("aws_kms_key", hsm_key)
    assert in_hsm is not None and not in_hsm.account_default
    assert in_hsm.attributes["custom_key_store_id"] == "cks-1234567890abcdef0"
    assert in_hsm.attributes["rotation_period_in_days"] == 0


def test_a_key_deleted_mid_read_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kms_reader, "POOL_SIZE", 1)
    session = _session()
    gone = "cccccccc-cccc-cccc-cccc-cccccccccccc"
    with stubbed(session) as stub:
        stub.add_response("list_keys", {"Keys": [{"KeyId": gone}]})
        stub.add_response("list_aliases", {"Aliases": []})
        stub.add_response("describe_key", _meta(gone))
        stub.add_client_error("get_key_policy", "NotFoundException")
        live, result = read(session)
    assert not list(live) and not result.errors and not result.incomplete_types


def test_keys_behind_reserved_aliases_are_account_defaults(aws: EmbeddedAws) -> None:
    """moto creates the aws/ebs key for an encrypted volume as a CUSTOMER key; the reserved
    alias is what marks it AWS-managed (no one can create `alias/aws/...` names)."""
    c = kms_client(aws)
    mine = c.create_key(Description="mine")["KeyMetadata"]["KeyId"]
    ec2 = boto3.client("ec2", endpoint_url=aws.endpoint_url, region_name=REGION)
    ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=1, Encrypted=True)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    live, result = read(session)
    assert not result.errors
    defaults = {k.id for k in live if k.account_default}
    ebs = {
        a["TargetKeyId"] for a in c.list_aliases()["Aliases"] if a["AliasName"] == "alias/aws/ebs"
    }
    assert defaults and defaults <= ebs
    assert {k.id for k in live if not k.account_default} == {mine}
