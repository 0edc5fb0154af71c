"""DP-ACCT-007: no logging multi-region CloudTrail trail covers the account (live facts only).

Evaluated once, on the global aws_account subject, from the regional subjects in the world: a
multi-region trail shows in every region (as a shadow trail elsewhere), so the account is
covered when any scanned region sees a logging one. Unknown (all reads failed, or no region
scanned) is not a violation. CIS AWS Foundations v3.0.0 numbering.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World


class AccountMultiRegionTrail(Rule):
    meta = RuleMeta(
        id="DP-ACCT-007",
        title="No multi-region CloudTrail trail is logging",
        severity=Severity.HIGH,
        category=Category.LOGGING,
        resource_types=("aws_account",),
        description="No scanned region is covered by a logging multi-region trail.",
        risk="API activity in unwatched regions (and possibly all of them) is not recorded.",
        remediation=(
            "Declare one trail for the whole account: an aws_cloudtrail with "
            "`is_multi_region_trail = true`, `include_global_service_events = true`, "
            "`enable_log_file_validation = true` and a KMS key, delivering to a dedicated "
            "bucket (or an organization trail from the management account)."
        ),
        references=(
            "CIS AWS 3.1",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html",
        ),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.get("scope") != "global":
            return []
        facts = [
            s.get("cloudtrail_multi_region_logging")
            for s in world.of_type("aws_account")
            if s.get("scope") == "region"
        ]
        if not facts or any(f is True for f in facts) or any(f is None for f in facts):
            return []
        return [
            Violation(
                "cloudtrail_multi_region_logging",
                False,
                True,
                f"none of {len(facts)} scanned region(s) has a logging multi-region trail",
            )
        ]


RULE = AccountMultiRegionTrail()
