"""DP-CT-003: CloudTrail logs are not encrypted with a KMS key.

SSE-KMS adds a second permission (kms:Decrypt) between a reader of the bucket and the audit log.
No automatic fix: the key must carry a key policy that lets CloudTrail use it, and which key to
use is the owner's decision. CIS AWS Foundations v3.0.0 numbering.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import UNKNOWN, Rule, RuleMeta, Subject, Violation, World


class CloudTrailKms(Rule):
    meta = RuleMeta(
        id="DP-CT-003",
        title="CloudTrail logs are not encrypted with a KMS key",
        severity=Severity.MEDIUM,
        category=Category.LOGGING,
        resource_types=("aws_cloudtrail",),
        description="The trail's log files are encrypted with S3-managed keys only.",
        risk=(
            "Anyone who can read the log bucket can read the audit trail; access to the logs "
            "cannot be controlled or audited through a customer managed key."
        ),
        remediation=(
            "Create an aws_kms_key whose key policy allows cloudtrail.amazonaws.com to "
            "kms:GenerateDataKey* (condition on aws:SourceArn of the trail) and your auditors to "
            "kms:Decrypt, then set `kms_key_id = aws_kms_key.<name>.arn` on the aws_cloudtrail."
        ),
        references=(
            "CIS AWS 3.5",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html",
        ),
        checkov=("CKV_AWS_35",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        value = subject.get("kms_key_id", "")
        if value is UNKNOWN or (isinstance(value, str) and value):
            return []
        return [Violation("kms_key_id", value, None, "no KMS key")]


RULE = CloudTrailKms()
