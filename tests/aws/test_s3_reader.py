"""S3 reader against the moto server over real HTTP, plus the provider-compatibility helpers.

Shapes are checked against real Terraform in test_s3_oracle.py; here: regions, which split
resources exist, bulk behaviour (calls per N), pagination, failures as values (denied calls,
a closed port, a bucket deleted mid-read), the read-only guarantee, "unmanaged" through
`detect`, and the provider's JSON/URL/grant rules on fixed inputs.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from driftpatch.aws.readers import READERS, LiveIndex, LiveResource, ReadContext, reader_for
from driftpatch.aws.readers import s3 as s3_reader
from driftpatch.aws.readers.interface import ReadResult
from driftpatch.aws.readers.s3 import (
    S3Reader,
    buckets_in_regions,
    flatten_grants,
    go_json,
    match_bucket,
    name_prefix_from_name,
    normalize_json,
    normalize_region,
    policy_to_set,
    redirect_url,
    routing_rules_json,
    tag_map,
    website_endpoint,
)
from driftpatch.aws.session import AwsSession, is_read_only
from driftpatch.drift.detect import detect
from driftpatch.embedded import EmbeddedAws, free_port
from driftpatch.model import JSON, Address, Inventory, Kind

REGION = "us-east-1"
ACCOUNT = "123456789012"
S3_TYPES = {
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_acl",  # from the ACL and lifecycle calls already made (s3_extra.py)
    "aws_s3_bucket_lifecycle_configuration",
}
PER_BUCKET_CALLS = 14  # Get* calls per bucket, besides GetBucketLocation
PAB_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}
SSE_S3 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def s3_client(aws: EmbeddedAws, region: str = REGION) -> Any:
    return boto3.client("s3", endpoint_url=aws.endpoint_url, region_name=region)


def create(aws: EmbeddedAws, name: str, region: str = REGION) -> None:
    c = s3_client(aws, region)
    if region == REGION:
        c.create_bucket(Bucket=name)
    else:
        c.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def read(session: AwsSession) -> tuple[LiveIndex, ReadResult]:
    result = S3Reader().read(ReadContext(session, REGION, ACCOUNT))
    return LiveIndex(result.resources), result


def count_operations(session: AwsSession, *regions: str) -> Counter[str]:
    """Operation names the reader calls, counted on the session's (cached) S3 clients."""
    counter: Counter[str] = Counter()
    for region in regions or (REGION,):
        session.client("s3", region).meta.events.register(
            "after-call.s3.*", lambda model, **_: counter.update([model.name])
        )
    return counter


def public_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        },
        indent=2,
    )


def fully_configured(aws: EmbeddedAws, name: str, region: str = REGION) -> None:
    """A bucket with every split resource present."""
    create(aws, name, region)
    c = s3_client(aws, region)
    c.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    c.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=PAB_ALL)
    c.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=SSE_S3)
    c.put_bucket_policy(Bucket=name, Policy=public_policy(name))


# --------------------------------------------------------------------------- moto server


def test_reads_buckets_regions_and_split_resources(aws: EmbeddedAws) -> None:
    fully_configured(aws, "site-eu", "eu-west-1")
    eu = s3_client(aws, "eu-west-1")
    eu.put_bucket_website(
        Bucket="site-eu",
        WebsiteConfiguration={
            "RedirectAllRequestsTo": {"HostName": "example.com/docs", "Protocol": "https"}
        },
    )
    eu.put_bucket_tagging(
        Bucket="site-eu",
        Tagging={"TagSet": [{"Key": "Env", "Value": "prod"}]},
    )
    create(aws, "plain")
    s3_client(aws).put_bucket_versioning(
        Bucket="plain", VersioningConfiguration={"Status": "Suspended"}
    )
    create(aws, "never-versioned-20261122124645633900000004")
    live, result = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    assert result.errors == () and result.incomplete_types == frozenset()

    site = live.get("aws_s3_bucket", "site-eu")
    assert site is not None and site.region == "eu-west-1"
    a = site.attributes
    assert a["region"] == "eu-west-1" and a["hosted_zone_id"] == "Z1BKCTXD74EZPE"
    assert a["arn"] == "arn:aws:s3:::site-eu"
    assert a["bucket_domain_name"] == "site-eu.s3.amazonaws.com"
    assert a["bucket_regional_domain_name"] == "site-eu.s3.eu-west-1.amazonaws.com"
    assert a["website"] == [
        {
            "error_document": "",
            "index_document": "",
            "redirect_all_requests_to": "https://example.com/docs",
            "routing_rules": "",
        }
    ]
    assert a["website_endpoint"] == "site-eu.s3-website-eu-west-1.amazonaws.com"
    assert a["tags"] == a["tags_all"] == {"Env": "prod"}
    assert a["versioning"] == [{"enabled": True, "mfa_delete": False}]
    # Policies as the provider stores them: compact, keys sorted.
    assert a["policy"] == (
        '{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Principal":"*",'
        '"Resource":"arn:aws:s3:::site-eu/*"}],"Version":"2012-10-17"}'
    )
    # site-eu has no lifecycle rules: every other split type.
    for type_ in S3_TYPES - {"aws_s3_bucket", "aws_s3_bucket_lifecycle_configuration"}:
        split = live.get(type_, "site-eu")
        assert split is not None and split.region == "eu-west-1", type_
        assert split.attributes["bucket"] == "site-eu" == split.attributes["id"]
    policy = live.get("aws_s3_bucket_policy", "site-eu")
    assert policy is not None and policy.attributes["policy"] == a["policy"]
    pab = live.get("aws_s3_bucket_public_access_block", "site-eu")
    assert pab is not None and pab.attributes["restrict_public_buckets"] is True

    plain = live.get("aws_s3_bucket", "plain")
    assert plain is not None and plain.region == REGION
    assert plain.attributes["website"] == [] and plain.attributes["website_endpoint"] is None
    assert plain.attributes["policy"] == "" and plain.attributes["tags"] == {}
    suspended = live.get("aws_s3_bucket_versioning", "plain")
    assert suspended is not None
    assert suspended.attributes["versioning_configuration"] == [
        {"mfa_delete": "", "status": "Suspended"}
    ]
    # Nothing configured: no split objects (moto has no default SSE / PAB, unlike AWS) but
    # the ACL every bucket has.
    for type_ in S3_TYPES - {"aws_s3_bucket", "aws_s3_bucket_versioning", "aws_s3_bucket_acl"}:
        assert live.get(type_, "plain") is None, type_
    assert live.get("aws_s3_bucket_acl", "plain") is not None
    generated = live.get("aws_s3_bucket", "never-versioned-20261122124645633900000004")
    assert generated is not None
    assert generated.attributes["bucket_prefix"] == "never-versioned-"
    assert live.get("aws_s3_bucket_versioning", generated.id) is None
    assert all(not r.account_default for r in live)


def test_versioning_resource_of_a_never_versioned_bucket_is_derived(aws: EmbeddedAws) -> None:
    create(aws, "old")
    live, _ = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    reader = S3Reader()
    state = {"bucket": "old", "id": "old", "versioning_configuration": [{"status": "Disabled"}]}
    found = reader.match("aws_s3_bucket_versioning", "old", state, live)
    assert found is not None
    assert found.attributes["versioning_configuration"] == [
        {"mfa_delete": "", "status": "Disabled"}
    ]
    assert reader.match("aws_s3_bucket_versioning", "gone", state, live) is None
    # expected_bucket_owner in the id: looked up by bucket, the state's id and owner kept.
    owned = reader.match("aws_s3_bucket_versioning", f"old,{ACCOUNT}", state, live)
    assert owned is not None and owned.id == f"old,{ACCOUNT}"
    assert owned.attributes["expected_bucket_owner"] == ACCOUNT
    assert reader.match("aws_s3_bucket_policy", "old", {}, live) is None


def _counts(aws: EmbeddedAws, n: int) -> tuple[Counter[str], AwsSession]:
    aws.reset()
    for i in range(n):
        fully_configured(aws, f"bulk-{i:02d}")
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    live, result = read(session)
    assert result.errors == ()
    assert len(live.of_type("aws_s3_bucket")) == n
    assert len(live.of_type("aws_s3_bucket_policy")) == n
    return ops, session


def test_listing_calls_do_not_grow_with_n(aws: EmbeddedAws) -> None:
    one, session_one = _counts(aws, 1)
    many, session_many = _counts(aws, 20)
    # moto's listing has no BucketRegion: one bucket is located (GetBucketLocation); 20 are
    # placed by one more listing, filtered by BucketRegion=us-east-1 (fewer calls).
    assert one["ListBuckets"] == 1 and one["GetBucketLocation"] == 1
    assert many["ListBuckets"] == 2 and "GetBucketLocation" not in many
    # Per bucket 14 Get* calls; from two buckets in a region on, their tags come from one
    # Resource Groups Tagging API page (GetResources), not GetBucketTagging each.
    assert sum(one.values()) == 2 + PER_BUCKET_CALLS and one["GetBucketTagging"] == 1
    assert sum(many.values()) == 2 + 20 * (PER_BUCKET_CALLS - 1)
    assert "GetBucketTagging" not in many
    assert all(many[op] == 20 for op in many if op != "ListBuckets")
    assert session_one.calls() == {"s3": sum(one.values())}
    assert session_many.calls() == {"s3": sum(many.values()), "tagging": 1}


def test_bulk_tags_and_regions_read_as_per_bucket_calls_do(
    aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GetResources' tags and the BucketRegion-filtered listings give exactly what
    GetBucketTagging and GetBucketLocation per bucket give: tagged, untagged (never tagged,
    and tagged then emptied) buckets, in the scanned regions and outside them."""
    aws.reset()
    s3 = s3_client(aws)
    for name in ("t-a", "t-b", "t-none", "t-emptied"):
        create(aws, name)
    create(aws, "t-west", "us-west-2")
    create(aws, "t-west-2", "us-west-2")
    create(aws, "t-eu", "eu-west-1")  # in no scanned region: located on its own
    tags = {
        "t-a": [{"Key": "Team", "Value": "a"}, {"Key": "Env", "Value": "prod"}],
        "t-b": [{"Key": "Team", "Value": "b"}],
        "t-emptied": [{"Key": "Gone", "Value": "x"}],
        "t-west": [{"Key": "Team", "Value": "west"}],
        "t-eu": [{"Key": "Team", "Value": "eu"}],
    }
    for name, tag_set in tags.items():
        region = {"t-west": "us-west-2", "t-eu": "eu-west-1"}.get(name, REGION)
        s3_client(aws, region).put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_set})
    s3.delete_bucket_tagging(Bucket="t-emptied")

    def inventory(bulk: bool) -> tuple[list[LiveResource], Counter[str]]:
        monkeypatch.setattr(s3_reader, "BULK_TAGS_MIN", 2 if bulk else 10**9)
        session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
        ops = count_operations(session, REGION, "us-west-2", "eu-west-1")
        ctx = ReadContext(session, REGION, ACCOUNT, regions=(REGION, "us-west-2"))
        result = S3Reader().read(ctx)
        assert result.errors == ()
        return sorted(result.resources, key=lambda r: (r.type, r.id)), ops

    bulk, bulk_ops = inventory(bulk=True)
    alone, alone_ops = inventory(bulk=False)
    assert bulk == alone
    buckets = {r.id: r for r in bulk if r.type == "aws_s3_bucket"}
    assert buckets["t-a"].attributes["tags"] == {"Team": "a", "Env": "prod"}
    assert buckets["t-eu"].attributes["tags"] == {"Team": "eu"}
    assert buckets["t-none"].attributes["tags"] == buckets["t-emptied"].attributes["tags"] == {}
    assert {n: b.region for n, b in buckets.items()} == {
        "t-a": REGION, "t-b": REGION, "t-none": REGION, "t-emptied": REGION,
        "t-west": "us-west-2", "t-west-2": "us-west-2", "t-eu": "eu-west-1",
    }  # fmt: skip
    # The listing + one filtered listing per scanned region; only t-eu located on its own;
    # tags per bucket only for t-eu (alone in its region), the rest from GetResources.
    assert bulk_ops["ListBuckets"] == alone_ops["ListBuckets"] == 3
    assert bulk_ops["GetBucketLocation"] == alone_ops["GetBucketLocation"] == 1
    assert bulk_ops["GetBucketTagging"] == 1 and alone_ops["GetBucketTagging"] == 7


def test_bulk_tags_denied_falls_back_to_per_bucket_calls(aws: EmbeddedAws) -> None:
    """tag:GetResources refused: every bucket's tags from its own GetBucketTagging, no error
    and no bucket read as untagged."""
    aws.reset()
    for name in ("d-a", "d-b"):
        create(aws, name)
        s3_client(aws).put_bucket_tagging(
            Bucket=name, Tagging={"TagSet": [{"Key": "Name", "Value": name}]}
        )
    with limited(aws, "tag:GetResources"):
        session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
        ops = count_operations(session)
        live, result = read(session)
    assert result.errors == ()
    assert ops["GetBucketTagging"] == 2
    for name in ("d-a", "d-b"):
        bucket = live.get("aws_s3_bucket", name)
        assert bucket is not None and bucket.attributes["tags"] == {"Name": name}


def _stub_listing(session: AwsSession, pages: list[list[dict[str, Any]]]) -> Stubber:
    """Stub ListBuckets on the listing client (moto ignores MaxBuckets' continuation)."""
    stub = Stubber(session.client("s3", REGION))
    for i, page in enumerate(pages):
        response: dict[str, Any] = {"Buckets": page}
        if i + 1 < len(pages):
            response["ContinuationToken"] = f"t{i + 1}"
        expected = {"ContinuationToken": f"t{i}"} if i else {}
        stub.add_response("list_buckets", response, expected)
    stub.activate()
    return stub


def test_paginates_listing_and_uses_bucket_region(aws: EmbeddedAws) -> None:
    names = [f"paged-{i}" for i in range(5)]
    for name in names:
        create(aws, name, "us-west-2")
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    west = count_operations(session, "us-west-2")
    entries = [{"Name": n, "BucketRegion": "us-west-2"} for n in names]
    stub = _stub_listing(session, [entries[:2], entries[2:4], entries[4:]])
    live, result = read(session)
    stub.assert_no_pending_responses()
    assert result.errors == ()
    assert sorted(r.id for r in live.of_type("aws_s3_bucket")) == names
    assert all(r.region == "us-west-2" for r in live)
    # The listing named the regions: no GetBucketLocation; bucket calls went to us-west-2.
    assert "GetBucketLocation" not in west
    assert west["GetBucketVersioning"] == 5


def test_bucket_deleted_after_listing_is_gone(aws: EmbeddedAws) -> None:
    create(aws, "kept", "us-west-2")
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    stub = _stub_listing(
        session,
        [
            [
                {"Name": "kept", "BucketRegion": "us-west-2"},
                {"Name": "gone", "BucketRegion": "us-west-2"},
            ]
        ],
    )
    live, result = read(session)
    stub.deactivate()
    assert result.errors == () and result.incomplete_types == frozenset()
    assert [r.id for r in live.of_type("aws_s3_bucket")] == ["kept"]


def _moto_auth(aws: EmbeddedAws, count: str) -> None:
    req = urllib.request.Request(
        f"{aws.endpoint_url}/moto-api/reset-auth",
        data=count.encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


class limited:
    """Run as an IAM user that may read S3 except `denied` (moto enforces IAM)."""

    def __init__(self, aws: EmbeddedAws, denied: str) -> None:
        self.aws, self.denied = aws, denied
        self.patch = pytest.MonkeyPatch()

    def __enter__(self) -> None:
        iam = boto3.client("iam", endpoint_url=self.aws.endpoint_url, region_name=REGION)
        iam.create_user(UserName="reader")
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"},
                {"Effect": "Deny", "Action": self.denied, "Resource": "*"},
            ],
        }
        iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        self.patch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        self.patch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        self.patch.delenv("AWS_SESSION_TOKEN", raising=False)
        _moto_auth(self.aws, "0")

    def __exit__(self, *exc: object) -> None:
        _moto_auth(self.aws, "inf")
        self.patch.undo()


def test_denied_sub_call_is_a_value_and_keeps_the_rest(aws: EmbeddedAws) -> None:
    fully_configured(aws, "guarded")
    with limited(aws, "s3:GetBucketPolicy"):
        live, result = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    # The failure is the bucket's, not the type's: other buckets' policies are still known.
    assert result.incomplete_types == frozenset()
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.scope == f"s3/{REGION}"
    assert "GetBucketPolicy" in error.message and "AccessDenied" in error.message
    assert "guarded" in error.message
    bucket = live.get("aws_s3_bucket", "guarded")
    assert bucket is not None and "policy" not in bucket.attributes  # unknown, not ""
    assert bucket.unread == {"policy", "aws_s3_bucket_policy"}
    assert S3Reader().unread("aws_s3_bucket_policy", "guarded", live)
    assert bucket.attributes["versioning"] == [{"enabled": True, "mfa_delete": False}]
    assert live.get("aws_s3_bucket_policy", "guarded") is None
    assert live.get("aws_s3_bucket_public_access_block", "guarded") is not None
    # Unknown is not drift: the state's policy stays.
    state = {"id": "guarded", "policy": '{"Version":"2012-10-17","Statement":[]}'}
    matched = S3Reader().match("aws_s3_bucket", "guarded", state, live)
    assert matched is not None and matched.attributes["policy"] == state["policy"]


def test_denied_listing_makes_every_type_incomplete(aws: EmbeddedAws) -> None:
    create(aws, "hidden")
    with limited(aws, "s3:ListAllMyBuckets"):
        live, result = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    assert len(live) == 0
    assert result.incomplete_types == S3_TYPES
    assert [e.scope for e in result.errors] == ["s3/global"]
    assert "ListBuckets" in result.errors[0].message


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
    assert len(live) == 0 and result.incomplete_types == S3_TYPES
    assert len(result.errors) == 1 and "Could not connect" in result.errors[0].message


def test_only_read_only_calls(aws: EmbeddedAws) -> None:
    fully_configured(aws, "ro-1")
    fully_configured(aws, "ro-2", "eu-west-1")
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session, REGION, "eu-west-1")
    _, result = read(session)  # the session's guard raises on anything else
    assert result.errors == ()
    assert ops and all(is_read_only(op) for op in ops), sorted(ops)


def test_registered() -> None:
    for type_ in S3_TYPES:
        assert isinstance(reader_for(type_), S3Reader), type_
    assert sum(isinstance(r, S3Reader) for r in READERS) == 1
    assert S3Reader.is_global


# --------------------------------------------------------------------------- unmanaged, regions


@dataclass(frozen=True)
class StateInstance:
    address: Address
    attributes: Mapping[str, JSON]
    id: str | None
    region: str | None = REGION
    sensitive_paths: tuple[tuple[str | int, ...], ...] = ()


def _inventory(aws: EmbeddedAws, regions: tuple[str, ...] = (REGION,)) -> Inventory:
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    result = S3Reader().read(ReadContext(session, REGION, ACCOUNT))
    assert result.errors == ()
    return Inventory(resources=result.resources, regions=regions, account_id=ACCOUNT)


def _state(live: LiveIndex, *keys: tuple[str, str, str]) -> list[StateInstance]:
    """State instances that hold exactly what AWS has (a clean apply, then a refresh)."""
    out = []
    for type_, name, id_ in keys:
        reader = S3Reader()
        found = reader.match(type_, id_, {}, live)
        assert found is not None, (type_, id_)
        out.append(StateInstance(Address(type_, name), dict(found.attributes), id_))
    return out


def test_an_unmanaged_bucket_is_reported_once(aws: EmbeddedAws) -> None:
    """AWS's default encryption and public access block, a policy and versioning on a bucket no
    state owns: one finding, for the bucket; none for its parts."""
    fully_configured(aws, "stray")
    inventory = _inventory(aws)
    assert len(inventory.resources) == 6  # the bucket, its ACL and four other parts
    result = detect([], inventory, readers=READERS)
    assert [(f.kind, f.resource_type, f.resource_id) for f in result.findings] == [
        (Kind.UNMANAGED, "aws_s3_bucket", "stray")
    ]


def test_managed_bucket_parts_are_not_unmanaged(aws: EmbeddedAws) -> None:
    fully_configured(aws, "owned")
    create(aws, "legacy")
    inventory = _inventory(aws)
    live = inventory.index()
    # v4 style: the bucket and only its versioning in state; v3-to-v4 "Disabled" versioning.
    instances = _state(
        live,
        ("aws_s3_bucket", "owned", "owned"),
        ("aws_s3_bucket_versioning", "owned", "owned"),
        ("aws_s3_bucket", "legacy", "legacy"),
        ("aws_s3_bucket_versioning", "legacy", f"legacy,{ACCOUNT}"),
    )
    result = detect(instances, inventory, readers=READERS)
    assert result.findings == ()
    assert set(result.statuses.values()) == {"in_sync"}


def test_hand_made_policy_on_a_managed_bucket_is_drift_on_the_bucket(aws: EmbeddedAws) -> None:
    create(aws, "app")
    before = _state(_inventory(aws).index(), ("aws_s3_bucket", "app", "app"))
    s3_client(aws).put_bucket_policy(Bucket="app", Policy=public_policy("app"))
    result = detect(before, _inventory(aws), readers=READERS)
    assert [(f.kind, f.resource_type, f.attribute) for f in result.findings] == [
        (Kind.DRIFT, "aws_s3_bucket", "policy")
    ]


def test_unmanaged_buckets_outside_the_scanned_regions_are_not_reported(
    aws: EmbeddedAws,
) -> None:
    create(aws, "here")
    fully_configured(aws, "elsewhere", "ap-southeast-2")
    inventory = _inventory(aws, regions=(REGION,))
    result = detect([], inventory, readers=READERS)
    assert [f.resource_id for f in result.findings] == ["here"]
    trimmed = buckets_in_regions(inventory.resources, [REGION])
    assert {(r.type, r.id) for r in trimmed} == {
        ("aws_s3_bucket", "here"),
        ("aws_s3_bucket_acl", "here"),
    }
    # A managed bucket elsewhere is still found: the listing is global.
    elsewhere = _state(inventory.index(), ("aws_s3_bucket", "b", "elsewhere"))
    assert detect(elsewhere, inventory, readers=READERS).statuses["aws_s3_bucket.b"] == "in_sync"


# --------------------------------------------------------------------------- provider rules


def test_go_json_matches_normalize_json_string() -> None:
    doc = json.loads('{"b": [1, 2.5, 1e21, 1e-7, 1.0], "a": "<x>&\u2028é", "c": null, "d": true}')
    assert go_json(doc) == (
        '{"a":"\\u003cx\\u003e\\u0026\\u2028é","b":[1,2.5,1e+21,1e-7,1],"c":null,"d":true}'
    )
    big = go_json(json.loads("[12345678901234567890, 0.00001, 100, -2.50, 1.5e-300, 0]"))
    assert big == "[12345678901234567000,0.00001,100,-2.5,1.5e-300,0]"
    assert normalize_json("") == ""
    assert normalize_json("not json") == "not json"
    assert normalize_json('{ "Version" : "2012-10-17" }') == '{"Version":"2012-10-17"}'


def test_policy_to_set_keeps_an_equivalent_state_text() -> None:
    live = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Principal":"*","Resource":"*"}]}'  # noqa: E501
    state = '{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Principal":"*","Resource":"*"}],"Version":"2012-10-17"}'  # noqa: E501
    assert policy_to_set(state, live) == state
    assert policy_to_set("", live) == normalize_json(live)
    changed = live.replace("GetObject", "PutObject")
    assert policy_to_set(state, changed) == normalize_json(changed)


def test_region_and_website_names() -> None:
    assert normalize_region(None) == normalize_region("") == "us-east-1"
    assert normalize_region("EU") == "eu-west-1"
    assert normalize_region("ap-south-2") == "ap-south-2"
    assert website_endpoint("b", "us-west-2") == (
        "b.s3-website-us-west-2.amazonaws.com",
        "s3-website-us-west-2.amazonaws.com",
    )
    assert website_endpoint("b", "eu-central-1")[1] == "s3-website.eu-central-1.amazonaws.com"
    assert website_endpoint("b", "cn-north-1")[1] == "s3-website.cn-north-1.amazonaws.com.cn"


@pytest.mark.parametrize(
    ("host", "protocol", "expected"),
    [
        ("example.com", "", "example.com"),
        ("example.com", "https", "https://example.com"),
        ("example.com/a/b?x=1", "http", "http://example.com/a/b?x=1"),
    ],
)
def test_redirect_url(host: str, protocol: str, expected: str) -> None:
    assert redirect_url(host, protocol) == expected


def test_routing_rules_and_grants() -> None:
    rules = [{"Redirect": {"ReplaceKeyWith": "a.html", "Protocol": None}, "Condition": None}]
    assert routing_rules_json(rules) == '[{"Redirect":{"ReplaceKeyWith":"a.html"}}]'
    acl = {
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": "c1"}, "Permission": "WRITE"},
            {"Grantee": {"Type": "Group", "URI": "u"}, "Permission": "READ"},
            {"Grantee": {"Type": "CanonicalUser", "ID": "c1"}, "Permission": "READ"},
        ]
    }
    assert flatten_grants(acl) == [
        {"id": "c1", "permissions": ["READ", "WRITE"], "type": "CanonicalUser", "uri": ""},
        {"id": "", "permissions": ["READ"], "type": "Group", "uri": "u"},
    ]


def test_tags_leave_out_aws_reserved_keys() -> None:
    tags = [{"Key": "Env", "Value": "prod"}, {"Key": "aws:cloudformation:stack", "Value": "s"}]
    assert tag_map(tags) == {"Env": "prod"}


def test_name_prefix() -> None:
    assert name_prefix_from_name("dp-pre-20261122133437942300000001") == "dp-pre-"
    assert name_prefix_from_name("plain-bucket") == ""
    assert name_prefix_from_name("20261122133437942300000001") == ""


def test_match_bucket_follows_the_state() -> None:
    live: dict[str, JSON] = {
        "id": "b",
        "website": [],
        "website_domain": None,
        "website_endpoint": None,
        "policy": '{"Statement":[],"Version":"2012-10-17"}',
        "tags": {"Team": "a", "Env": "prod"},
        "tags_all": {"Team": "a", "Env": "prod"},
    }
    state: dict[str, JSON] = {
        "website_domain": "s3-website-us-east-1.amazonaws.com",  # left from an old website
        "policy": '{"Version":"2012-10-17","Statement":[]}',
        "tags": {"Team": "a"},
        "tags_all": {"Team": "a", "Env": "prod"},  # Env from provider default_tags
        "grant": [{"id": "x"}],  # its call failed: unknown, the state's value stays
    }
    out = match_bucket(live, state)
    assert out["website_domain"] == state["website_domain"]
    assert out["website_endpoint"] is None
    assert out["policy"] == '{"Statement":[],"Version":"2012-10-17"}'
    assert out["tags"] == {"Team": "a"} and out["tags_all"] == live["tags_all"]
    assert out["grant"] == [{"id": "x"}]
    changed = match_bucket({**live, "tags_all": {"Team": "a", "Env": "dev"}}, state)
    assert changed["tags"] == {"Team": "a", "Env": "dev"}  # no longer the default's value


def test_parts_are_every_split_resource() -> None:
    def res(type_: str) -> LiveResource:
        return LiveResource(type_, "b", REGION, {})

    parts = S3Reader().parts([res(t) for t in S3_TYPES])
    assert parts == {(t, "b") for t in S3_TYPES - {"aws_s3_bucket"}}


@pytest.fixture
def small_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(s3_reader, "MAX_WORKERS", 2)
    yield


def test_bounded_pool_still_reads_everything(aws: EmbeddedAws, small_pool: None) -> None:
    for i in range(3):
        fully_configured(aws, f"pool-{i}")
    live, result = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    assert result.errors == () and len(live) == 18  # 6 per bucket
