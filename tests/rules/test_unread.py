"""Live resources whose reads partly failed: unknown is never "not configured" (issue 10).

A bucket whose GetBucketVersioning / GetPublicAccessBlock / GetBucketEncryption was denied
fires no rule on those settings, and the run says which rule it could not answer; the same
bucket with the settings genuinely absent fires them.
"""

from __future__ import annotations

from driftpatch.aws.readers import LiveResource
from driftpatch.rules.engine import evaluate
from driftpatch.rules.interface import UNKNOWN, Origin
from driftpatch.rules.subjects import from_live

BUCKET = "b1"
BARE = {"bucket": BUCKET, "id": BUCKET, "logging": [{"target_bucket": "logs"}]}
READ_ALL = {
    **BARE,
    "versioning": [{"enabled": False, "mfa_delete": False}],
    "server_side_encryption_configuration": [],
}


def _bucket(unread: frozenset[str] = frozenset(), **attrs: object) -> LiveResource:
    return LiveResource("aws_s3_bucket", BUCKET, "us-east-1", {**BARE, **attrs}, unread=unread)


def _rules(resources: list[LiveResource]) -> tuple[set[str], tuple[str, ...]]:
    result = evaluate(from_live(resources, {("aws_s3_bucket", BUCKET): "aws_s3_bucket.b"}))
    return {f.rule_id for f in result.findings}, result.skipped


def test_unread_attributes_are_unknown_to_rules() -> None:
    (subject,) = from_live([_bucket(frozenset({"versioning", "aws_s3_bucket_versioning"}))])
    assert subject.origin is Origin.LIVE
    assert subject.attributes["versioning"] is UNKNOWN
    assert "aws_s3_bucket_versioning" not in subject.attributes
    assert subject.unread == frozenset({"versioning", "aws_s3_bucket_versioning"})


def test_genuinely_unconfigured_bucket_fires() -> None:
    found, skipped = _rules([_bucket(**{k: v for k, v in READ_ALL.items() if k not in BARE})])
    assert {"DP-S3-003", "DP-S3-004", "DP-S3-005"} <= found
    assert skipped == ()


def test_denied_reads_fire_nothing_and_say_so() -> None:
    unread = frozenset(
        {
            "versioning",
            "aws_s3_bucket_versioning",
            "aws_s3_bucket_public_access_block",
            "server_side_encryption_configuration",
            "aws_s3_bucket_server_side_encryption_configuration",
        }
    )
    found, skipped = _rules([_bucket(unread)])
    assert found.isdisjoint({"DP-S3-003", "DP-S3-004", "DP-S3-005"})
    assert skipped == tuple(
        f"{rule} not evaluated on aws_s3_bucket.b: a read it needs failed (see errors)"
        for rule in ("DP-S3-003", "DP-S3-004", "DP-S3-005")
    )


def test_a_failed_read_of_one_setting_leaves_the_others_judged() -> None:
    found, skipped = _rules([_bucket(frozenset({"aws_s3_bucket_public_access_block"}), **READ_ALL)])
    assert "DP-S3-003" not in found
    assert {"DP-S3-004", "DP-S3-005"} <= found
    assert [s.split(" ", 1)[0] for s in skipped] == ["DP-S3-003"]


def test_unread_instance_volumes_fire_no_encryption_rule() -> None:
    attrs = {"id": "i-1", "root_block_device": [], "ebs_block_device": []}
    unread = frozenset({"root_block_device", "ebs_block_device"})
    instance = LiveResource("aws_instance", "i-1", "us-east-1", attrs, unread=unread)
    result = evaluate(from_live([instance]))
    assert "DP-EC2-004" not in {f.rule_id for f in result.findings}


def test_a_failed_flow_log_listing_fires_no_flow_log_rule() -> None:
    vpc = {"id": "vpc-1", "cidr_block": "10.0.0.0/16"}
    bare = LiveResource("aws_vpc", "vpc-1", "us-east-1", vpc)
    assert "DP-VPC-101" in {f.rule_id for f in evaluate(from_live([bare])).findings}
    unread = LiveResource("aws_vpc", "vpc-1", "us-east-1", vpc, unread=frozenset({"aws_flow_log"}))
    result = evaluate(from_live([unread]))
    assert "DP-VPC-101" not in {f.rule_id for f in result.findings}
    assert result.skipped == (
        "DP-VPC-101 not evaluated on aws_vpc vpc-1: a read it needs failed (see errors)",
    )


def test_a_log_bucket_is_not_judged_while_another_bucket_logging_is_unread() -> None:
    target = LiveResource("aws_s3_bucket", "logs", "us-east-1", {"id": "logs", "logging": []})
    other = LiveResource(
        "aws_s3_bucket", "b2", "us-east-1", {"id": "b2"}, unread=frozenset({"logging"})
    )
    found = {(f.rule_id, f.resource_id) for f in evaluate(from_live([target, other])).findings}
    assert ("DP-S3-006", "logs") not in found
