"""DP-S3-005: bucket versioning not enabled (inline `versioning` or aws_s3_bucket_versioning)."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import blocks, partners
from driftpatch.rules.interface import (
    UNKNOWN,
    AddResource,
    Expr,
    Fix,
    Origin,
    Rule,
    RuleMeta,
    SetValue,
    Subject,
    Violation,
    World,
)

SPLIT = "aws_s3_bucket_versioning"
STATUS = "versioning_configuration[0].status"


class S3Versioning(Rule):
    meta = RuleMeta(
        id="DP-S3-005",
        title="S3 bucket versioning is not enabled",
        severity=Severity.MEDIUM,
        category=Category.DATA,
        resource_types=("aws_s3_bucket", SPLIT),
        description=(
            "The bucket keeps one version of each object: no aws_s3_bucket_versioning with "
            'status "Enabled" and no inline versioning { enabled = true }.'
        ),
        risk=(
            "An overwrite or delete, by mistake, by a compromised credential or by ransomware, "
            "destroys the data for good; versioning keeps the previous versions recoverable."
        ),
        remediation=(
            "Add an aws_s3_bucket_versioning for the bucket with versioning_configuration "
            '{ status = "Enabled" } (or set an existing one\'s status to "Enabled"), and a '
            "lifecycle rule expiring noncurrent versions to bound the cost."
        ),
        references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",),
        checkov=("CKV_AWS_21",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.type == SPLIT:
            status = subject.get(STATUS)
            if status is UNKNOWN or status == "Enabled":
                return
            yield Violation(
                STATUS, status, "Enabled", f"versioning status is {status or 'not set'}"
            )
            return
        split = partners(world, SPLIT, subject)
        if split.found or split.undecided:
            return
        inline = subject.get("versioning")
        if inline is UNKNOWN:
            return
        entries = blocks(inline)
        if any(e.get("enabled") is True or e.get("enabled") is UNKNOWN for e in entries):
            return
        yield Violation("versioning", False, True, "versioning is not enabled")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        if subject.type == SPLIT:
            return Fix((SetValue(STATUS, "Enabled"),), 'Set versioning status to "Enabled"')
        if subject.origin is Origin.CODE and blocks(subject.get("versioning")):
            # The code already manages versioning inline: turn it on where it is written.
            return Fix((SetValue("versioning[0].enabled", True),), "Enable inline versioning")
        return Fix(
            (
                AddResource(
                    type=SPLIT,
                    name="{name}",
                    arguments={"bucket": Expr("{address}.id")},
                    blocks={"versioning_configuration": ({"status": "Enabled"},)},
                ),
            ),
            "Add aws_s3_bucket_versioning with versioning enabled",
        )


RULE = S3Versioning()
