"""DP-S3-004: a bucket with no default server-side encryption configured.

Since January 2023 AWS encrypts every new object with SSE-S3 whatever the configuration, so
live reads (and states refreshed since) always show a configuration and this rule fires on code
and older states: it asks for the setting to be written down, where it is reviewed and where
the algorithm (SSE-S3 vs KMS) is a decision rather than an accident.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import blocks, given, partners
from driftpatch.rules.interface import (
    UNKNOWN,
    AddResource,
    Block,
    Expr,
    Fix,
    Rule,
    RuleMeta,
    Subject,
    Violation,
    World,
)

SPLIT = "aws_s3_bucket_server_side_encryption_configuration"


class S3DefaultEncryption(Rule):
    meta = RuleMeta(
        id="DP-S3-004",
        title="S3 bucket has no default encryption configured",
        severity=Severity.MEDIUM,
        category=Category.DATA,
        resource_types=("aws_s3_bucket",),
        description=(
            "Neither an inline server_side_encryption_configuration nor an "
            "aws_s3_bucket_server_side_encryption_configuration sets the bucket's default "
            "encryption. AWS applies SSE-S3 to new objects regardless since January 2023, so "
            "this is about the configuration saying so (and choosing KMS where needed); live "
            "buckets always report a configuration and do not trigger the rule."
        ),
        risk=(
            "Encryption at rest is left to an AWS default nobody chose or reviewed; buckets "
            "holding regulated data usually need SSE-KMS with a customer managed key, which "
            "also makes reads auditable and revocable through the key policy."
        ),
        remediation=(
            "Add an aws_s3_bucket_server_side_encryption_configuration for the bucket with a "
            'rule { apply_server_side_encryption_by_default { sse_algorithm = "AES256" } }, or '
            'sse_algorithm = "aws:kms" with kms_master_key_id = your key and '
            "bucket_key_enabled = true."
        ),
        references=(
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html",
        ),
        # No checkov equivalent: checkov 3's CKV_AWS_19 passes a bucket with no encryption
        # configuration (AWS encrypts by default) and fails only a non-AES256/KMS algorithm.
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        split = partners(world, SPLIT, subject)
        if split.found or split.undecided:
            return
        inline = subject.get("server_side_encryption_configuration")
        if inline is UNKNOWN or any(
            given(d.get("sse_algorithm"))
            for c in blocks(inline)
            for r in blocks(c.get("rule"))
            for d in blocks(r.get("apply_server_side_encryption_by_default"))
        ):
            return
        yield Violation(
            "server_side_encryption_configuration", None, None, "no default encryption configured"
        )

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix(
            (
                AddResource(
                    type=SPLIT,
                    name="{name}",
                    arguments={"bucket": Expr("{address}.id")},
                    blocks={
                        "rule": (
                            {
                                "apply_server_side_encryption_by_default": Block(
                                    {"sse_algorithm": "AES256"}
                                )
                            },
                        )
                    },
                ),
            ),
            "Add default SSE-S3 encryption for the bucket",
        )


RULE = S3DefaultEncryption()
