"""DP-CT-002: CloudTrail log file integrity validation is off.

Without digest files nobody can prove a delivered log was not altered or deleted afterwards.
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


class CloudTrailLogValidation(Rule):
    meta = RuleMeta(
        id="DP-CT-002",
        title="CloudTrail log file validation is disabled",
        severity=Severity.MEDIUM,
        category=Category.LOGGING,
        resource_types=("aws_cloudtrail",),
        description="The trail delivers logs without signed digest files.",
        risk="Tampering with or deleting delivered audit logs cannot be detected.",
        remediation="Set `enable_log_file_validation = true` on the aws_cloudtrail.",
        references=(
            "CIS AWS 3.2",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",
        ),
        checkov=("CKV_AWS_36",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        value = subject.get("enable_log_file_validation", False)
        if value is UNKNOWN or value is True:
            return []
        return [Violation("enable_log_file_validation", value, True, "log file validation is off")]

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix(
            (SetValue("enable_log_file_validation", True),), "enable CloudTrail log validation"
        )


RULE = CloudTrailLogValidation()
