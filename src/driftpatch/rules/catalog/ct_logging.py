"""DP-CT-004: a CloudTrail trail that exists but does not log.

A stopped trail looks like coverage in every inventory while recording nothing. CIS AWS
Foundations v3.0.0 numbering (3.1 asks for trails that are enabled and logging). Absent in
code means the provider default, true.
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


class CloudTrailLogging(Rule):
    meta = RuleMeta(
        id="DP-CT-004",
        title="CloudTrail trail is not logging",
        severity=Severity.HIGH,
        category=Category.LOGGING,
        resource_types=("aws_cloudtrail",),
        description="Logging is stopped on the trail.",
        risk="No API activity is recorded by this trail while it is stopped.",
        remediation="Set `enable_logging = true` (or remove `enable_logging = false`).",
        references=(
            "CIS AWS 3.1",
            "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StartLogging.html",
        ),
        checkov=("CKV_AWS_251",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        value = subject.get("enable_logging", True)
        if value is UNKNOWN or value is True:
            return []
        return [Violation("enable_logging", value, True, "logging is stopped")]

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix((SetValue("enable_logging", True),), "start CloudTrail logging")


RULE = CloudTrailLogging()
