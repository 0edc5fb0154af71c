"""DP-CT-001: a CloudTrail trail that records one region only.

API calls in every other region (where an attacker would prefer to work) go unrecorded by it.
CIS AWS Foundations v3.0.0 numbering. Absent in code means the provider default, false.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import (
    UNKNOWN,
    Fix,
    Rule,
    RuleMeta,
    SetValue,
    Subject,
    Violation,
    World,
)


class CloudTrailMultiRegion(Rule):
    meta = RuleMeta(
        id="DP-CT-001",
        title="CloudTrail trail is not multi-region",
        severity=Severity.MEDIUM,
        category=Category.LOGGING,
        resource_types=("aws_cloudtrail",),
        description="The trail records API activity only in its home region.",
        risk=(
            "Activity in any other region, including regions nobody uses on purpose, leaves no "
            "audit trail."
        ),
        remediation=(
            "Set `is_multi_region_trail = true` on the aws_cloudtrail (and keep "
            "`include_global_service_events = true`, which multi-region trails require)."
        ),
        references=(
            "CIS AWS 3.1",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html",
        ),
        checkov=("CKV_AWS_67",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        value = subject.get("is_multi_region_trail", False)
        if value is UNKNOWN or value is True:
            return []
        return [
            Violation("is_multi_region_trail", value, True, "the trail records one region only")
        ]

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        edits: list[SetValue] = [SetValue("is_multi_region_trail", True)]
        if subject.get("include_global_service_events", True) is False:
            edits.append(SetValue("include_global_service_events", True))
        return Fix(tuple(edits), "record CloudTrail events in every region")


RULE = CloudTrailMultiRegion()
