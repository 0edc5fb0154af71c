"""DP-ACCT-005: GuardDuty is not enabled in a scanned region (live account facts only).

GuardDuty is regional: a region without a detector raises no finding for the crypto-miner or
the leaked-credential use that happens there. Not a CIS AWS Foundations v3.0.0 control. No
automatic fix: the detector belongs in whichever stack owns the region's baseline (add an
aws_guardduty_detector with `enable = true` there).
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World


class GuardDutyEnabled(Rule):
    meta = RuleMeta(
        id="DP-ACCT-005",
        title="GuardDuty is not enabled in the region",
        severity=Severity.MEDIUM,
        category=Category.LOGGING,
        resource_types=("aws_account",),
        description="No enabled GuardDuty detector exists in the region.",
        risk="Threats in this region (credential misuse, crypto-mining, recon) go undetected.",
        remediation=(
            'Add `resource "aws_guardduty_detector" "this" { enable = true }` to the stack '
            "that manages this region (a provider for that region), or enable GuardDuty for "
            "all regions through AWS Organizations' delegated administrator."
        ),
        references=("https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_settingup.html",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.get("scope") != "region" or subject.get("guardduty_enabled") is not False:
            return []
        region = subject.region or subject.get("region")
        return [
            Violation("guardduty_enabled", False, True, f"GuardDuty is not enabled in {region}")
        ]


RULE = GuardDutyEnabled()
