"""DP-EC2-005: EBS encryption by default turned off."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import Fix, Rule, RuleMeta, SetValue, Subject, Violation, World


class EbsDefaultEncryptionOff(Rule):
    meta = RuleMeta(
        id="DP-EC2-005",
        title="EBS encryption by default is disabled",
        severity=Severity.MEDIUM,
        category=Category.DATA,
        resource_types=("aws_ebs_encryption_by_default",),
        description=(
            "An aws_ebs_encryption_by_default sets enabled = false, so new EBS volumes in the "
            "region are unencrypted unless each one asks otherwise."
        ),
        risk=(
            "Every volume and snapshot created without an explicit encrypted = true, by "
            "Terraform, an Auto Scaling group or a console user, stores data in clear."
        ),
        remediation=(
            "Set enabled = true (the resource's default). Existing volumes are unaffected; "
            "encrypt them separately (DP-EC2-003, DP-EC2-004)."
        ),
        references=(
            "CIS AWS 2.2.1",
            "https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",
        ),
        checkov=("CKV_AWS_106",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.get("enabled") is False:
            yield Violation("enabled", False, True, "encryption by default is off")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix((SetValue("enabled", True),), "Enable EBS encryption by default")


RULE = EbsDefaultEncryptionOff()
