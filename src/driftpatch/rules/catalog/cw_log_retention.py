"""DP-CW-001: a CloudWatch Logs group that keeps its events forever.

"Never expire" is the default: logs (and their cost, and whatever secrets slipped into them)
accumulate without a decision. The fix sets one year, the minimum most audit regimes ask for
(and what checkov's CKV_AWS_338 requires); shorten or lengthen it deliberately. Not a CIS AWS
Foundations v3.0.0 control.
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

DEFAULT_RETENTION_DAYS = 365


class LogGroupRetention(Rule):
    meta = RuleMeta(
        id="DP-CW-001",
        title="CloudWatch log group has no retention period",
        severity=Severity.LOW,
        category=Category.LOGGING,
        resource_types=("aws_cloudwatch_log_group",),
        description="The log group never expires its events (retention_in_days is 0 or unset).",
        risk=(
            "Log data is kept indefinitely without a retention decision: unbounded cost and a "
            "growing store of whatever sensitive data reached the logs."
        ),
        remediation=(
            f"Set `retention_in_days = {DEFAULT_RETENTION_DAYS}` (or the period your retention "
            "policy requires) on the aws_cloudwatch_log_group."
        ),
        references=(
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention",
        ),
        # CKV_AWS_338 asks for at least a year, a different policy: not an equivalent.
        checkov=("CKV_AWS_66",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        value = subject.get("retention_in_days", 0)
        if value is UNKNOWN or (isinstance(value, int) and value > 0):
            return []
        return [
            Violation("retention_in_days", value, DEFAULT_RETENTION_DAYS, "events never expire")
        ]

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix(
            (SetValue("retention_in_days", DEFAULT_RETENTION_DAYS),),
            f"keep log events for {DEFAULT_RETENTION_DAYS} days",
        )


RULE = LogGroupRetention()
