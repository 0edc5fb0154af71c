"""The oracle: hashicorp/aws 5.100.0's own refresh of moto vs. the S3 reader.

The stack in stacks/s3 (v3-style inline buckets, v4-style split resources, a bucket in
eu-west-1, minimal buckets) is applied to moto, changed out of band (policies rewritten and
deleted, versioning and public access block changed, a bucket deleted, tags, CORS and website
changed, default encryption, lifecycle rules, replication, object lock retention, CORS,
acceleration and request payment added by hand), then refreshed with
`terraform apply -refresh-only`.
The provider's read depends on the prior state in places (a policy equivalent to the state's
keeps the state's text, website_domain is left alone without a website, a "Disabled"
versioning resource exists for any bucket), so the reader gets the prior (applied) state
instance through `match`, as the provider did, and must produce the refreshed attributes key by
key (except its documented `unreadable` ones), or None where the refresh dropped the instance.

The same world also goes through `detect`: the applied state scans to zero findings, and after
the changes each one is reported once, where it belongs (EXPECTED_FINDINGS).

Moto differences that make the provider write something unlike AWS (the reader reads the same
API, so it agrees): no default SSE-S3 and no default public access block on new buckets,
GetBucketRequestPayment has no Payer (request_payer "", and PutBucketRequestPayment is not
kept), GetBucketAccelerateConfiguration has no Status until one is put, ListBuckets has no
BucketRegion (a ListBuckets filtered by BucketRegion per scanned region places the buckets, and
GetBucketLocation each bucket outside them) and ignores MaxBuckets' continuation,
every replication rule comes back as a V2 rule with an empty-prefix filter and priority 1 (filter
contents, DeleteMarkerReplication and SourceSelectionCriteria are dropped), and grants of a
bucket created with an ACL name another canonical id than the default owner's.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import READERS, LiveIndex, ReadContext
from driftpatch.aws.readers.interface import Needs
from driftpatch.aws.readers.s3 import S3Reader
from driftpatch.aws.session import AwsSession
from driftpatch.drift.detect import detect
from driftpatch.embedded import EmbeddedAws, provider_override
from driftpatch.model import Inventory
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.schema import BlockSchema, aws_schema
from driftpatch.terraform.state import parse_state

from .oracle import differences, instances

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "stacks" / "s3"
REGION = "us-east-1"
TYPES = (
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_policy",
)
# Instances the out-of-band changes remove; their refresh drops them from state.
EXPECTED_GONE = {
    ("aws_s3_bucket", "logs"),
    ("aws_s3_bucket_policy", "doomed"),
    ("aws_s3_bucket_public_access_block", "kms"),
}

# What detect reports for the out-of-band changes, against the applied state.
EXPECTED_FINDINGS = {
    ("drift", "aws_s3_bucket.eu", "tags.Region"),
    ("drift", "aws_s3_bucket.eu", "website[0].error_document"),
    ("drift", "aws_s3_bucket.eu", "website[0].index_document"),
    ("drift", "aws_s3_bucket.eu", "website[0].redirect_all_requests_to"),
    ("drift", "aws_s3_bucket.grants", "lifecycle_rule"),
    ("drift", "aws_s3_bucket.inline", "tags.Owner"),
    ("drift", "aws_s3_bucket.locked", "object_lock_configuration[0].rule[0].default_retention"),
    ("drift", "aws_s3_bucket.min", "acceleration_status"),
    ("drift", "aws_s3_bucket.min", "cors_rule"),
    # Default encryption added by hand: no split resource owns it, so it shows on the bucket.
    ("drift", "aws_s3_bucket.min", "server_side_encryption_configuration[0].rule"),
    ("drift", "aws_s3_bucket.replica", "replication_configuration[0].role"),
    ("drift", "aws_s3_bucket.replica", "replication_configuration[0].rules"),
    # Owned by split resources: reported there, not again on aws_s3_bucket.split / .kms.
    ("drift", "aws_s3_bucket_policy.split", "policy"),
    ("drift", "aws_s3_bucket_public_access_block.split", "restrict_public_buckets"),
    ("drift", "aws_s3_bucket_server_side_encryption_configuration.split", "rule"),
    ("drift", "aws_s3_bucket_versioning.kms", "versioning_configuration[0].status"),
    ("missing", "aws_s3_bucket.logs", None),
    ("missing", "aws_s3_bucket_policy.doomed", None),
    ("missing", "aws_s3_bucket_public_access_block.kms", None),
}

# Of those, the ones on settings no configuration manages (the applied state holds them
# empty): a scan does not read them (see S3Reader's "Calls").
NOT_MANAGED = {
    ("drift", "aws_s3_bucket.grants", "lifecycle_rule"),
    ("drift", "aws_s3_bucket.min", "acceleration_status"),
    ("drift", "aws_s3_bucket.min", "cors_rule"),
    ("drift", "aws_s3_bucket.replica", "replication_configuration[0].role"),
    ("drift", "aws_s3_bucket.replica", "replication_configuration[0].rules"),
}

TfApply = Callable[[Path], dict[str, Any]]


def eu_override(endpoint_url: str) -> str:
    """The harness's provider override, for the stack's `aws.eu` alias."""
    text = provider_override(endpoint_url, "eu-west-1")
    return text.replace('provider "aws" {\n', 'provider "aws" {\n  alias = "eu"\n', 1)


def mutate(aws: EmbeddedAws) -> None:
    """Out-of-band changes, the way someone with console access would make them."""
    s3 = boto3.client("s3", endpoint_url=aws.endpoint_url, region_name=REGION)
    eu = boto3.client("s3", endpoint_url=aws.endpoint_url, region_name="eu-west-1")
    # A policy rewritten by hand (other statement, other key order and spacing).
    s3.put_bucket_policy(
        Bucket="dp-split",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ReadForAccount",
                        "Resource": ["arn:aws:s3:::dp-split", "arn:aws:s3:::dp-split/*"],
                        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
                    }
                ],
            },
            indent=2,
        ),
    )
    s3.delete_bucket_policy(Bucket="dp-doomed")
    s3.delete_bucket(Bucket="dp-logs")
    s3.put_bucket_versioning(Bucket="dp-kms", VersioningConfiguration={"Status": "Enabled"})
    s3.delete_public_access_block(Bucket="dp-kms")
    s3.put_public_access_block(
        Bucket="dp-split",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": False,
        },
    )
    s3.put_bucket_encryption(
        Bucket="dp-split",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    # What AWS does to every bucket by default, done by hand to one without it.
    s3.put_bucket_encryption(
        Bucket="dp-min",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_tagging(
        Bucket="dp-inline",
        Tagging={"TagSet": [{"Key": "Name", "Value": "inline"}, {"Key": "Owner", "Value": "ops"}]},
    )
    s3.put_bucket_cors(
        Bucket="dp-min",
        CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]},
    )
    s3.put_bucket_accelerate_configuration(
        Bucket="dp-min", AccelerateConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_request_payment(
        Bucket="dp-min", RequestPaymentConfiguration={"Payer": "Requester"}
    )
    s3.put_object_lock_configuration(
        Bucket="dp-locked",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 5}},
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket="dp-grants",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "dated",
                    "Status": "Enabled",
                    "Filter": {"Tag": {"Key": "tier", "Value": "tmp"}},
                    "Expiration": {"Date": datetime(2030, 1, 1, tzinfo=UTC)},
                    "Transitions": [
                        {"Date": datetime(2029, 6, 1, tzinfo=UTC), "StorageClass": "GLACIER"}
                    ],
                },
                {
                    "ID": "markers",
                    "Status": "Enabled",
                    "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "a", "Value": "1"}]}},
                    "Expiration": {"ExpiredObjectDeleteMarker": True},
                    "NoncurrentVersionTransitions": [
                        {"NoncurrentDays": 10, "StorageClass": "STANDARD_IA"}
                    ],
                },
            ]
        },
    )
    s3.put_bucket_replication(
        Bucket="dp-replica",
        ReplicationConfiguration={
            "Role": "arn:aws:iam::123456789012:role/back",
            "Rules": [
                {
                    "ID": "back",
                    "Priority": 2,
                    "Status": "Enabled",
                    "Filter": {"And": {"Prefix": "p/", "Tags": [{"Key": "k", "Value": "v"}]}},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                    "Destination": {
                        "Bucket": "arn:aws:s3:::dp-inline",
                        "Account": "123456789012",
                        "StorageClass": "STANDARD_IA",
                        "AccessControlTranslation": {"Owner": "Destination"},
                        "EncryptionConfiguration": {"ReplicaKmsKeyID": "arn:aws:kms:::key/x"},
                        "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
                        "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                    },
                }
            ],
        },
    )
    eu.put_bucket_website(
        Bucket="dp-eu-site",
        WebsiteConfiguration={
            "IndexDocument": {"Suffix": "home.html"},
            "ErrorDocument": {"Key": "oops.html"},
        },
    )
    eu.put_bucket_tagging(Bucket="dp-eu-site", Tagging={"TagSet": []})


def inventory(aws: EmbeddedAws, needs: Needs | None = None) -> Inventory:
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    result = S3Reader().read(ReadContext(session, REGION, session.account_id(), needs))
    assert result.errors == ()
    return Inventory(resources=result.resources, regions=(REGION,), account_id="123456789012")


def canonical(block: BlockSchema, value: Any) -> Any:
    """Sets (by schema) sorted, so that set order - which state does not define - is ignored."""
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for name, item in value.items():
        attr = block.attributes.get(name)
        nested = block.block_types.get(name)
        if nested is not None and isinstance(item, list):
            items = [canonical(nested.block, v) for v in item]
            if nested.is_set:
                items.sort(key=lambda v: json.dumps(v, sort_keys=True))
            out[name] = items
        elif attr is not None and attr.is_set and isinstance(item, list):
            out[name] = sorted(item, key=lambda v: json.dumps(v, sort_keys=True))
        else:
            out[name] = item
    return out


def test_reader_matches_the_providers_refresh(
    tmp_path: Path, terraform: Terraform, tf_apply: TfApply, aws: EmbeddedAws
) -> None:
    workdir = tmp_path / "stack"
    shutil.copytree(STACK, workdir)
    (workdir / "zz_eu_override.tf").write_text(eu_override(aws.endpoint_url))
    applied = tf_apply(workdir)

    # A clean apply scans to zero findings (no drift, nothing missing or unmanaged).
    state = parse_state(json.dumps(applied).encode(), "applied")
    s3_instances = [i for i in state.resources if i.type in TYPES]
    clean = detect(s3_instances, inventory(aws), readers=READERS)
    assert clean.findings == (), [(f.address, f.attribute, f.actual) for f in clean.findings]

    mutate(aws)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir
    )
    refreshed = json.loads((workdir / "terraform.tfstate").read_text())

    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    result = S3Reader().read(ReadContext(session, REGION, session.account_id()))
    assert result.errors == () and result.incomplete_types == frozenset()
    live = LiveIndex(result.resources)

    prior, after = instances(applied, TYPES), instances(refreshed, TYPES)
    assert {t for t, _, _ in prior} == set(TYPES)
    assert {(t, n) for t, n, _ in prior.keys() - after.keys()} == EXPECTED_GONE

    def schema_canonical(type_: str, value: dict[str, Any]) -> dict[str, Any]:
        schema = aws_schema().resource(type_)
        assert schema is not None
        return dict(canonical(schema.block, value))

    problems = differences(
        prior,
        after,
        live,
        equal=lambda w, h: json.dumps(w, sort_keys=True) == json.dumps(h, sort_keys=True),
        canonical=schema_canonical,
    )
    assert not problems, "reader differs from the provider's refresh:\n" + "\n".join(problems)

    # The out-of-band changes reached the refreshed state, so they were compared above.
    def refreshed_attr(type_: str, name: str) -> Any:
        return after[(type_, name, None)]

    assert "s3:PutObject" in refreshed_attr("aws_s3_bucket_policy", "split")["policy"]
    kms_versioning = refreshed_attr("aws_s3_bucket_versioning", "kms")
    assert kms_versioning["versioning_configuration"][0]["status"] == "Enabled"
    assert refreshed_attr("aws_s3_bucket", "min")["server_side_encryption_configuration"]
    assert refreshed_attr("aws_s3_bucket", "min")["acceleration_status"] == "Enabled"
    assert refreshed_attr("aws_s3_bucket", "inline")["tags"]["Owner"] == "ops"
    assert refreshed_attr("aws_s3_bucket", "locked")["object_lock_configuration"][0]["rule"]
    assert len(refreshed_attr("aws_s3_bucket", "grants")["lifecycle_rule"]) == 2
    assert refreshed_attr("aws_s3_bucket", "replica")["replication_configuration"]
    assert refreshed_attr("aws_s3_bucket", "eu")["website"][0]["index_document"] == "home.html"
    unversioned = refreshed_attr("aws_s3_bucket_versioning", "unversioned")
    assert unversioned["versioning_configuration"][0]["status"] == "Disabled"

    # The same changes through detect, against the applied state: each reported once, where
    # it belongs (a policy a split resource owns is not reported again on the bucket).
    scanned = detect(s3_instances, inventory(aws), readers=READERS)
    reported = {(str(f.kind), f.address, f.attribute) for f in scanned.findings}
    assert reported == EXPECTED_FINDINGS, sorted(reported, key=str)

    # A scan reads per bucket only what the state manages and the rules read: the same
    # findings but those on settings the applied state holds empty (added by hand where no
    # configuration manages them: `terraform plan` would not revert them either).
    needs = Needs.from_instances((i.type, i.id, i.attributes) for i in s3_instances if i.id)
    lean = detect(s3_instances, inventory(aws, needs), readers=READERS)
    lean_reported = {(str(f.kind), f.address, f.attribute) for f in lean.findings}
    assert lean_reported == EXPECTED_FINDINGS - NOT_MANAGED, sorted(lean_reported, key=str)

    # The state-free read: regions, and no versioning object for a never-versioned bucket.
    eu = live.get("aws_s3_bucket", "dp-eu-site")
    assert eu is not None and eu.region == "eu-west-1"
    assert eu.attributes["website_endpoint"] == "dp-eu-site.s3-website-eu-west-1.amazonaws.com"
    assert live.get("aws_s3_bucket_versioning", "dp-unversioned") is None
    assert live.get("aws_s3_bucket_server_side_encryption_configuration", "dp-min") is not None
