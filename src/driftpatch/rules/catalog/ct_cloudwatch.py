"""DP-CT-005: a CloudTrail trail that does not deliver to CloudWatch Logs.

Without it, the metric filters and alarms on sensitive API calls (root use, policy changes)
have nothing to watch. CIS AWS Foundations v3.0.0 dropped the control (it was 3.4 in v1.x/2.0),
so the references are AWS documentation only. No automatic fix: it needs a log group and an
IAM role CloudTrail can assume, which are the owner's decisions.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import UNKNOWN, Rule, RuleMeta, Subject, Violation, World


class CloudTrailCloudWatch(Rule):
    meta = RuleMeta(
        id="DP-CT-005",
        title="CloudTrail trail is not integrated with CloudWatch Logs",
        severity=Severity.LOW,
        category=Category.LOGGING,
        resource_types=("aws_cloudtrail",),
        description="The trail delivers to S3 only, not to a CloudWatch Logs group.",
        risk="No real-time metric filters or alarms can react to sensitive API activity.",
        remediation=(
            "Create an aws_cloudwatch_log_group and an aws_iam_role that cloudtrail.amazonaws.com "
            "can assume with logs:CreateLogStream and logs:PutLogEvents on that group, then set "
            '`cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.<name>.arn}:*"` and '
            "`cloud_watch_logs_role_arn = aws_iam_role.<name>.arn` on the aws_cloudtrail."
        ),
        references=(
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html",
        ),
        checkov=("CKV2_AWS_10",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        value = subject.get("cloud_watch_logs_group_arn", "")
        if value is UNKNOWN or (isinstance(value, str) and value):
            return []
        return [Violation("cloud_watch_logs_group_arn", value, None, "no CloudWatch Logs group")]


RULE = CloudTrailCloudWatch()
