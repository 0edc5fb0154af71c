"""DP-S3-003: a bucket without a public access block, or with one of its four flags off."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import partners
from driftpatch.rules.interface import (
    UNKNOWN,
    AddResource,
    Expr,
    Fix,
    Rule,
    RuleMeta,
    SetValue,
    Subject,
    Violation,
    World,
)

FLAGS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)


class S3PublicAccessBlock(Rule):
    meta = RuleMeta(
        id="DP-S3-003",
        title="S3 bucket public access block missing or incomplete",
        severity=Severity.HIGH,
        category=Category.DATA,
        resource_types=("aws_s3_bucket", "aws_s3_bucket_public_access_block"),
        description=(
            "The bucket has no aws_s3_bucket_public_access_block, or one of its four settings "
            "(block_public_acls, block_public_policy, ignore_public_acls, "
            "restrict_public_buckets) is false. A bucket is also covered when the "
            "configuration has an aws_s3_account_public_access_block with all four true."
        ),
        risk=(
            "Without the block, one mistaken ACL or bucket policy (in Terraform, the console or "
            "an application) makes the bucket public; the block is the guard rail that "
            "refuses such changes."
        ),
        remediation=(
            "Add an aws_s3_bucket_public_access_block for the bucket with block_public_acls, "
            "block_public_policy, ignore_public_acls and restrict_public_buckets all set to "
            "true (or set the false ones to true). For a bucket that must stay public, suppress "
            "this rule with a reason."
        ),
        references=(
            "CIS AWS 2.1.4",
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
        ),
        checkov=("CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"),
        # Each flag has its own checkov check.
        checkov_attributes={
            "CKV_AWS_53": ("block_public_acls",),
            "CKV_AWS_54": ("block_public_policy",),
            "CKV_AWS_55": ("ignore_public_acls",),
            "CKV_AWS_56": ("restrict_public_buckets",),
        },
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.type == "aws_s3_bucket_public_access_block":
            for flag in FLAGS:
                value = subject.get(flag)
                if value is UNKNOWN or value is True:
                    continue
                detail = (
                    f"{flag} is false"
                    if value is not None
                    else f"{flag} not set (defaults to false)"
                )
                yield Violation(flag, False, True, detail)
            return
        blocks = partners(world, "aws_s3_bucket_public_access_block", subject)
        if blocks.found or blocks.undecided or _account_blocks_all(world):
            return
        yield Violation(None, None, None, "no aws_s3_bucket_public_access_block for this bucket")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        if subject.type == "aws_s3_bucket_public_access_block":
            if violation.attribute not in FLAGS:
                return None
            return Fix((SetValue(violation.attribute, True),), f"Set {violation.attribute} = true")
        return Fix(
            (
                AddResource(
                    type="aws_s3_bucket_public_access_block",
                    name="{name}",
                    arguments={"bucket": Expr("{address}.id"), **dict.fromkeys(FLAGS, True)},
                ),
            ),
            "Add a public access block with all four settings on",
        )


def _account_blocks_all(world: World) -> bool:
    return any(
        all(s.get(flag) is True for flag in FLAGS)
        for s in world.of_type("aws_s3_account_public_access_block")
    )


RULE = S3PublicAccessBlock()
