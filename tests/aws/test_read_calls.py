"""Fewest calls: what a scan reads, counted per operation and object on a moto world.

The readers get the scan's `Needs` (the state's instances, and whether the rules run): S3, which
has no bulk read, makes per bucket only the Get* calls for the settings the state manages (its
split resources, inline settings it holds non-empty, tags, default encryption) and those the
S3 rules read; the IAM readers share one GetAccountAuthorizationDetails read and make no
per-role call. Requests are counted by botocore event hooks on the session's own clients, so
every request the readers make is seen (moto over real HTTP). Drift on what is read is still
found exactly; a setting nobody manages is not read, so a hand-made change to it is not drift
(as `terraform plan` would not revert it either).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

import boto3

from driftpatch.aws.inventory import take_inventory
from driftpatch.aws.readers import READERS, LiveIndex, ReadContext
from driftpatch.aws.readers.iam import IamReader
from driftpatch.aws.readers.interface import Needs, ReadResult
from driftpatch.aws.readers.s3 import (
    CALLS,
    CALLS_BY_KEY,
    BucketPlan,
    S3Reader,
    call_plan,
    confirmed_tags,
    ignores_public_acls,
)
from driftpatch.aws.readers.vpc import VpcReader
from driftpatch.aws.session import Aimd, AwsSession, RetryPolicy
from driftpatch.drift.detect import detect
from driftpatch.embedded import EmbeddedAws
from driftpatch.model import Address, Inventory
from driftpatch.rules import rule_by_id
from driftpatch.rules.engine import evaluate
from driftpatch.rules.subjects import from_live

from .faults.proxy import Fault, fault_proxy
from .test_s3_reader import ACCOUNT, PAB_ALL, REGION, SSE_S3, StateInstance

CORS = {"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:*"}
    ],
}
# What the S3 rules read on every bucket (policy, ACL, versioning, logging, encryption, PAB).
RULE_OPS = {
    "GetBucketPolicy",
    "GetBucketAcl",
    "GetBucketVersioning",
    "GetBucketLogging",
    "GetBucketEncryption",
    "GetPublicAccessBlock",
}


def s3_world(aws: EmbeddedAws) -> Any:
    """owned: tags, versioning, public access block, encryption (split resources in state);
    inline: a v3-style bucket whose state holds a CORS rule; stray: in no state."""
    s3 = boto3.client("s3", endpoint_url=aws.endpoint_url, region_name=REGION)
    for name in ("owned", "inline", "stray"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket="owned", Tagging={"TagSet": [{"Key": "team", "Value": "a"}]})
    s3.put_bucket_versioning(Bucket="owned", VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket="owned", PublicAccessBlockConfiguration=PAB_ALL)
    s3.put_bucket_encryption(Bucket="owned", ServerSideEncryptionConfiguration=SSE_S3)
    s3.put_bucket_cors(Bucket="inline", CORSConfiguration=CORS)
    return s3


def clean_state(aws: EmbeddedAws) -> list[StateInstance]:
    """State instances holding exactly what AWS has (an apply, then a refresh): a full read."""
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    live = LiveIndex(S3Reader().read(ReadContext(session, REGION, ACCOUNT)).resources)
    out = []
    for type_, name, id_ in (
        ("aws_s3_bucket", "owned", "owned"),
        ("aws_s3_bucket_versioning", "owned", "owned"),
        ("aws_s3_bucket_public_access_block", "owned", "owned"),
        ("aws_s3_bucket_server_side_encryption_configuration", "owned", "owned"),
        ("aws_s3_bucket", "inline", "inline"),
    ):
        found = S3Reader().match(type_, id_, {}, live)
        assert found is not None, (type_, id_)
        out.append(StateInstance(Address(type_, name), dict(found.attributes), id_))
    return out


def needs_of(state: list[StateInstance], *, rules: bool) -> Needs:
    instances = ((i.address.type, i.id or "", i.attributes) for i in state)
    return Needs.from_instances(instances, rules=rules)


def counted_s3_read(endpoint_url: str, needs: Needs | None) -> tuple[ReadResult, Counter[Any]]:
    """An S3 read with `needs` through `endpoint_url`, and its requests per (operation,
    bucket)."""
    session = AwsSession(endpoint_url=endpoint_url, region=REGION)
    counter: Counter[Any] = Counter()

    def count(model: Any, params: Mapping[str, Any], **_: Any) -> None:
        counter[(model.name, params.get("Bucket"))] += 1

    session.client("s3", REGION).meta.events.register("before-parameter-build.s3.*", count)
    return S3Reader().read(ReadContext(session, REGION, ACCOUNT, needs)), counter


def counted_read(aws: EmbeddedAws, needs: Needs | None) -> tuple[Inventory, Counter[Any]]:
    """An S3 read with `needs` that fails nowhere, and its requests per (operation, bucket)."""
    result, counter = counted_s3_read(aws.endpoint_url, needs)
    assert result.errors == ()
    inventory = Inventory(resources=result.resources, regions=(REGION,), account_id=ACCOUNT)
    return inventory, counter


def per_bucket(counter: Counter[Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for (op, bucket), n in counter.items():
        # never a call twice; ListBuckets: the listing, then the one filtered by the region
        # (moto's listing has no BucketRegion: that one places the buckets, no
        # GetBucketLocation each). Tags come from a GetResources page, not per bucket.
        assert n == (2 if op == "ListBuckets" else 1), (op, bucket, n)
        assert op not in ("GetBucketLocation", "GetBucketTagging"), (op, bucket)
        if bucket is not None:
            out.setdefault(bucket, set()).add(op)
    return out


def test_s3_reads_per_bucket_only_what_the_state_manages(aws: EmbeddedAws) -> None:
    s3_world(aws)
    state = clean_state(aws)
    _, counter = counted_read(aws, needs_of(state, rules=False))
    assert per_bucket(counter) == {
        "owned": {"GetBucketEncryption", "GetBucketVersioning", "GetPublicAccessBlock"},
        "inline": {"GetBucketEncryption", "GetBucketCors"},
        # "stray": only its tags (in the GetResources page), for the import its unmanaged
        # finding proposes.
    }
    assert counter[("ListBuckets", None)] == 2
    # Without needs (an inventory snapshot), every call for every bucket (tags in bulk).
    _, full = counted_read(aws, None)
    assert sum(len(ops) for ops in per_bucket(full).values()) == 3 * (len(CALLS) - 1)


def test_s3_reads_what_the_rules_need_on_every_bucket(aws: EmbeddedAws) -> None:
    s3_world(aws)
    state = clean_state(aws)
    inventory, counter = counted_read(aws, needs_of(state, rules=True))
    assert per_bucket(counter) == {
        # Its public access block ignores public ACLs: its ACL can expose nothing, and the
        # state does not manage it, so it is not read.
        "owned": RULE_OPS - {"GetBucketAcl"},
        "inline": RULE_OPS | {"GetBucketCors"},
        "stray": RULE_OPS,
    }
    # The ACL not read is what `--only drift` leaves out: no grant, no ACL part, not unread.
    owned = inventory.index().get("aws_s3_bucket", "owned")
    assert owned is not None and "grant" not in owned.attributes and owned.unread == frozenset()
    assert inventory.index().get("aws_s3_bucket_acl", "owned") is None
    assert inventory.index().get("aws_s3_bucket_acl", "inline") is not None
    result = detect(state, inventory, readers=READERS)
    found = {(str(f.kind), f.address or f.resource_id, f.attribute) for f in result.findings}
    assert found == {("unmanaged", "stray", None)}


PUBLIC_READ_ONLY_IGNORED = {**PAB_ALL, "IgnorePublicAcls": False}


def test_s3_acl_is_read_only_where_a_public_acl_could_expose_the_bucket(aws: EmbeddedAws) -> None:
    """Five buckets with a public-read ACL. S3 honours it on `honoured` (a block without
    IgnorePublicAcls) and `open` (no block); on `ignored` the block ignores public ACLs: no
    GetBucketAcl, no DP-S3-001. `managed` has its ACL in state: read whatever the block
    says. `blind`'s GetPublicAccessBlock is denied: unknown is not "ignored", so its ACL is
    read and judged (DP-S3-001), and only the failed read is an error."""
    s3 = boto3.client("s3", endpoint_url=aws.endpoint_url, region_name=REGION)
    blocks = {
        "ignored": PAB_ALL,
        "honoured": PUBLIC_READ_ONLY_IGNORED,
        "open": None,
        "managed": PAB_ALL,
        "blind": PAB_ALL,
    }
    for name, block in blocks.items():
        s3.create_bucket(Bucket=name)
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
        if block is not None:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    needs = Needs.from_instances([("aws_s3_bucket_acl", "managed", {})], rules=True)
    with fault_proxy(aws.endpoint_url) as proxy:
        proxy.set(Fault("deny", operation="GetPublicAccessBlock", bucket="blind"))
        result, counter = counted_s3_read(proxy.url, needs)
    acl_read = {b for (op, b) in counter if op == "GetBucketAcl"}
    assert acl_read == {"honoured", "open", "managed", "blind"}
    assert all(n == 1 for (op, _), n in counter.items() if op == "GetBucketAcl")
    assert counter[("GetPublicAccessBlock", "ignored")] == 1
    assert [(e.scope, e.message.endswith("(bucket blind)")) for e in result.errors] == [
        ("s3/us-east-1", True)
    ]
    live = LiveIndex(result.resources)
    ignored = live.get("aws_s3_bucket", "ignored")
    assert ignored is not None and "grant" not in ignored.attributes
    assert ignored.unread == frozenset()
    blind = live.get("aws_s3_bucket", "blind")
    assert blind is not None and blind.unread == {"aws_s3_bucket_public_access_block"}
    rule = rule_by_id("DP-S3-001")
    assert rule is not None
    evaluation = evaluate(from_live(result.resources), [rule])
    public = {(f.resource_id, f.attribute) for f in evaluation.findings}
    assert public == {("honoured", "grant"), ("open", "grant"), ("blind", "grant")}
    assert evaluation.skipped == ()


def test_drift_on_managed_settings_is_found_exactly(aws: EmbeddedAws) -> None:
    s3 = s3_world(aws)
    state = clean_state(aws)
    s3.put_bucket_tagging(Bucket="owned", Tagging={"TagSet": [{"Key": "team", "Value": "b"}]})
    s3.put_bucket_versioning(Bucket="owned", VersioningConfiguration={"Status": "Suspended"})
    s3.delete_bucket_cors(Bucket="inline")
    # Not managed by any state: not read, so not drift (plan would not revert it).
    s3.put_bucket_cors(Bucket="owned", CORSConfiguration=CORS)
    s3.put_bucket_accelerate_configuration(
        Bucket="inline", AccelerateConfiguration={"Status": "Enabled"}
    )
    inventory, counter = counted_read(aws, needs_of(state, rules=False))
    # The tag change the GetResources page shows is confirmed by S3 itself (the Tagging API is
    # eventually consistent); the buckets whose page tags match their state are not asked.
    assert {b for (op, b) in counter if op == "GetBucketTagging"} == {"owned"}
    result = detect(state, inventory, readers=READERS)
    found = {(str(f.kind), f.address or f.resource_id, f.attribute) for f in result.findings}
    assert found == {
        ("drift", "aws_s3_bucket.owned", "tags.team"),
        ("drift", "aws_s3_bucket_versioning.owned", "versioning_configuration[0].status"),
        ("drift", "aws_s3_bucket.inline", "cors_rule"),
        ("unmanaged", "stray", None),
    }


def test_bulk_tags_that_differ_from_the_state_are_asked_again() -> None:
    """A tagging index that lags (a bucket tagged by an apply moments ago, not yet listed) or
    any other difference from the state: that bucket is left to GetBucketTagging; buckets in
    sync and buckets in no state keep their bulk answer."""
    bulk: dict[str, Any] = {
        "synced": {"TagSet": [{"Key": "team", "Value": "a"}, {"Key": "aws:x", "Value": "1"}]},
        "lagging": None,  # no tags in the index yet
        "defaults": {"TagSet": [{"Key": "env", "Value": "prod"}]},
        "stray": {"TagSet": [{"Key": "k", "Value": "v"}]},
        "untagged": None,
    }
    needs = Needs.from_instances(
        [
            ("aws_s3_bucket", "synced", {"tags": {"team": "a"}, "tags_all": {"team": "a"}}),
            ("aws_s3_bucket", "lagging", {"tags": {"team": "b"}, "tags_all": {"team": "b"}}),
            ("aws_s3_bucket", "defaults", {"tags": {}, "tags_all": {"env": "prod"}}),
            ("aws_s3_bucket", "untagged", {"tags": None, "tags_all": {}}),
        ]
    )
    assert sorted(confirmed_tags(bulk, needs)) == ["defaults", "stray", "synced", "untagged"]
    assert confirmed_tags(bulk, None) == bulk  # an inventory snapshot: nothing to compare


def test_acl_plan_waits_for_the_public_access_block_unless_the_state_manages_it() -> None:
    """Where the ACL call goes in each bucket's plan: with the rules, after the block answers
    (unless_ignored); read regardless when the state manages the ACL (a split resource, a
    canned ACL or grants beyond the owner's inline); not at all without the rules; every call
    up front for an inventory snapshot (no needs)."""
    owner = {"id": "o", "permissions": ["FULL_CONTROL"], "type": "CanonicalUser", "uri": ""}
    reader = {**owner, "id": "r", "permissions": ["READ"]}
    state = [
        ("aws_s3_bucket_acl", "split,123456789012", {}),
        ("aws_s3_bucket", "canned", {"acl": "private", "grant": [owner]}),
        ("aws_s3_bucket", "grants", {"acl": None, "grant": [owner, reader]}),
        ("aws_s3_bucket", "plain", {"acl": None, "grant": [owner]}),
    ]
    acl = CALLS_BY_KEY["acl"]

    def where(plan: BucketPlan) -> str:
        return "now" if acl in plan.calls else "after" if acl in plan.unless_ignored else "no"

    with_rules = call_plan(Needs.from_instances(state, rules=True))
    assert {b: where(with_rules(b)) for b in ("split", "canned", "grants", "plain", "stray")} == {
        "split": "now",
        "canned": "now",
        "grants": "now",
        "plain": "after",
        "stray": "after",
    }
    drift_only = call_plan(Needs.from_instances(state, rules=False))
    assert [where(drift_only(b)) for b in ("split", "plain", "stray")] == ["now", "no", "no"]
    assert call_plan(None)("any") == BucketPlan(CALLS)


def test_ignores_public_acls_only_on_a_block_that_says_so() -> None:
    config = {"PublicAccessBlockConfiguration": PAB_ALL}
    assert ignores_public_acls(config)
    off = {"PublicAccessBlockConfiguration": {**PAB_ALL, "IgnorePublicAcls": False}}
    assert not ignores_public_acls(off)
    assert not ignores_public_acls(None)  # no block
    assert not ignores_public_acls(RuntimeError("denied"))  # unknown is not "ignored"


def test_iam_readers_share_one_authorization_details_read(aws: EmbeddedAws) -> None:
    """Roles (with inline policies and attachments) and users come from one paged
    GetAccountAuthorizationDetails read: no per-role call, the listing not made twice."""
    iam = boto3.client("iam", endpoint_url=aws.endpoint_url, region_name=REGION)
    allow = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    doc = json.dumps({"Version": "2012-10-17", "Statement": [allow]})
    for i in range(5):
        iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(RoleName=f"r{i}", PolicyName="inline", PolicyDocument=doc)
        iam.create_user(UserName=f"u{i}")
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops: Counter[str] = Counter()
    session.client("iam", REGION).meta.events.register(
        "before-call.iam.*", lambda model, **_: ops.update([model.name])
    )
    types = {"aws_iam_role", "aws_iam_role_policy", "aws_iam_user"}
    inventory = take_inventory(session, [REGION], types=types)
    assert inventory.errors == ()
    live = inventory.index()
    assert len(live.of_type("aws_iam_role")) == len(live.of_type("aws_iam_user")) == 5
    assert len(live.of_type("aws_iam_role_policy")) == 5
    assert ops == {
        "GetAccountAuthorizationDetails": 1,
        "ListRoles": 1,
        "ListInstanceProfiles": 1,
        "ListAccessKeys": 5,  # in no account-wide listing
    }
    assert session.operations()[("iam", "GetAccountAuthorizationDetails")] == 1


def test_vpc_attributes_read_only_where_the_state_manages_them(aws: EmbeddedAws) -> None:
    """enable_dns_support on every VPC; the two Optional+Computed flags only where the state
    holds them true; a hand change to one the state holds false is not read (not drift)."""
    ec2 = boto3.client("ec2", endpoint_url=aws.endpoint_url, region_name=REGION)
    ids = {
        n: ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i, n in enumerate("abc")
    }
    ec2.modify_vpc_attribute(VpcId=ids["a"], EnableDnsHostnames={"Value": True})
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    full = LiveIndex(VpcReader().read(ReadContext(session, REGION, ACCOUNT)).resources)
    state = []
    for name in "ab":  # c is in no state
        found = VpcReader().match("aws_vpc", ids[name], {}, full)
        assert found is not None
        state.append(StateInstance(Address("aws_vpc", name), dict(found.attributes), ids[name]))
    ec2.modify_vpc_attribute(VpcId=ids["a"], EnableDnsHostnames={"Value": False})
    ec2.modify_vpc_attribute(VpcId=ids["b"], EnableDnsHostnames={"Value": True})  # not managed

    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    calls: Counter[tuple[str, str]] = Counter()

    def count(params: Mapping[str, Any], **_: Any) -> None:
        calls[(params["VpcId"], params["Attribute"])] += 1

    session.client("ec2", REGION).meta.events.register(
        "before-parameter-build.ec2.DescribeVpcAttribute", count
    )
    needs = needs_of(state, rules=True)
    result = VpcReader().read(ReadContext(session, REGION, ACCOUNT, needs))
    assert result.errors == ()
    mine = {k: n for k, n in calls.items() if k[0] in ids.values()}
    assert {a for (_, a) in calls.keys() - mine.keys()} == {"enableDnsSupport"}  # default VPC
    assert mine == {
        (ids["a"], "enableDnsSupport"): 1,
        (ids["a"], "enableDnsHostnames"): 1,
        (ids["b"], "enableDnsSupport"): 1,
        (ids["c"], "enableDnsSupport"): 1,
    }
    inventory = Inventory(resources=result.resources, regions=(REGION,), account_id=ACCOUNT)
    found = {
        (str(f.kind), f.address, f.attribute)
        for f in detect(state, inventory, readers=READERS).findings
        if f.resource_type == "aws_vpc"
    }
    assert found == {
        ("drift", "aws_vpc.a", "enable_dns_hostnames"),
        ("unmanaged", None, None),
    }


def test_ec2_listings_two_readers_need_are_read_once(aws: EmbeddedAws) -> None:
    """DescribeVolumes (volumes and their attachments), DescribeRouteTables and
    DescribeNetworkAcls (the network reader, and the VPCs' main table and default ACL): one
    read each per inventory, and the VPCs get the same ids as a VPC reader run alone."""
    ec2 = boto3.client("ec2", endpoint_url=aws.endpoint_url, region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=1)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops: Counter[str] = Counter()
    session.client("ec2", REGION).meta.events.register(
        "before-call.ec2.*", lambda model, **_: ops.update([model.name])
    )
    types = {
        "aws_vpc",
        "aws_route_table",
        "aws_network_acl",
        "aws_ebs_volume",
        "aws_volume_attachment",
    }
    inventory = take_inventory(session, [REGION], types=types)
    assert inventory.errors == ()
    assert ops["DescribeVolumes"] == ops["DescribeRouteTables"] == 1
    assert ops["DescribeNetworkAcls"] == 1
    alone = LiveIndex(
        VpcReader()
        .read(ReadContext(AwsSession(endpoint_url=aws.endpoint_url), REGION, ACCOUNT))
        .resources
    )
    shared, single = inventory.index().get("aws_vpc", vpc_id), alone.get("aws_vpc", vpc_id)
    assert shared is not None and single is not None
    for name in ("default_network_acl_id", "default_route_table_id", "main_route_table_id"):
        assert shared.attributes[name] == single.attributes[name]
        assert str(shared.attributes[name]).startswith(("acl-", "rtb-")), name


# --------------------------------------------------------------------------- overlap


def test_aimd_halves_once_per_window_and_grows_back() -> None:
    limiter = Aimd(8)
    # Eight requests in flight together, all throttled: one signal, one halving.
    epochs = [limiter.acquire() for _ in range(8)]
    for epoch in epochs:
        limiter.release(epoch, throttled=True)
    assert (limiter.limit, limiter.throttles, limiter.in_flight) == (4.0, 8, 0)
    # A throttle of a request started after that halving halves again; floor 1.
    for _ in range(5):
        limiter.release(limiter.acquire(), throttled=True)
    assert limiter.limit == 1.0
    # Answers grow it by 1/limit each: from 1, one answer makes 2, the next 2.5.
    limiter.release(limiter.acquire(), throttled=False)
    assert limiter.limit == 2.0
    limiter.release(limiter.acquire(), throttled=False)
    assert limiter.limit == 2.5
    for _ in range(100):
        limiter.release(limiter.acquire(), throttled=False)
    assert limiter.limit == 8.0  # never past the ceiling (the connection pool)


def test_aimd_bounds_requests_in_flight() -> None:
    limiter = Aimd(2)
    first, second = limiter.acquire(), limiter.acquire()
    started = threading.Event()
    got: list[int] = []

    def third() -> None:
        started.set()
        got.append(limiter.acquire())

    worker = threading.Thread(target=third)
    worker.start()
    started.wait(10)
    assert limiter.in_flight == 2 and not got  # the third waits for a slot
    limiter.release(first, throttled=False)
    worker.join(10)
    assert got == [0] and limiter.in_flight == 2
    limiter.release(second, throttled=False)
    limiter.release(got[0], throttled=False)
    assert limiter.in_flight == 0


def test_throttled_service_shrinks_its_own_limit_only(aws: EmbeddedAws) -> None:
    """Through a proxy that throttles the first two attempts of every S3 request: the read
    completes, S3's limiter took the throttles and shrank, IAM's was never throttled, and
    every slot came back."""
    s3_world(aws)
    with fault_proxy(aws.endpoint_url) as proxy:
        proxy.set(Fault("throttle", service="s3", attempts=2))
        session = AwsSession(
            endpoint_url=proxy.url,
            region=REGION,
            retry=RetryPolicy(base=0.0, throttle_base=0.001),
        )
        result = S3Reader().read(ReadContext(session, REGION, ACCOUNT))
        IamReader().read(ReadContext(session, REGION, ACCOUNT))
    assert result.errors == ()
    assert {r.id for r in result.resources if r.type == "aws_s3_bucket"} == {
        "owned",
        "inline",
        "stray",
    }
    s3, iam = session.limiters()[("s3", REGION)], session.limiters()[("iam", REGION)]
    s3_calls = sum(n for (service, _), n in session.operations().items() if service == "s3")
    # ListBuckets, filtered by region; all Get* but the tags (one GetResources page).
    assert s3_calls == 2 + 3 * (len(CALLS) - 1)
    assert s3.throttles == 2 * s3_calls  # two throttled attempts each
    assert s3.limit < s3.ceiling and s3.in_flight == 0
    assert iam.throttles == 0 and iam.limit == iam.ceiling and iam.in_flight == 0
