"""DP-CW-002: a CloudWatch Logs group not encrypted with a KMS key.

Logs routinely carry tokens, personal data and request bodies; a customer managed key puts a
second, auditable permission in front of them. No automatic fix: the key policy must allow
logs.<region>.amazonaws.com, and which key to use is the owner's decision. Not a CIS AWS
Foundations v3.0.0 control.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import UNKNOWN, Rule, RuleMeta, Subject, Violation, World


class LogGroupKms(Rule):
    meta = RuleMeta(
        id="DP-CW-002",
        title="CloudWatch log group is not encrypted with a KMS key",
        severity=Severity.LOW,
        category=Category.LOGGING,
        resource_types=("aws_cloudwatch_log_group",),
        description="The log group uses CloudWatch Logs' default encryption, not a KMS key.",
        risk="Whoever may read the log group reads its data; no key policy gates decryption.",
        remediation=(
            "Create an aws_kms_key whose key policy allows logs.<region>.amazonaws.com to "
            "kms:Encrypt*/Decrypt*/ReEncrypt*/GenerateDataKey*/Describe* (condition on "
            "kms:EncryptionContext:aws:logs:arn), then set `kms_key_id = aws_kms_key.<name>.arn` "
            "on the aws_cloudwatch_log_group."
        ),
        references=(
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
        ),
        checkov=("CKV_AWS_158",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        value = subject.get("kms_key_id", "")
        if value is UNKNOWN or (isinstance(value, str) and value):
            return []
        return [Violation("kms_key_id", value, None, "no KMS key")]


RULE = LogGroupKms()
