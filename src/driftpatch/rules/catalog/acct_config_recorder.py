"""DP-ACCT-006: AWS Config is not recording in a scanned region (live account facts only).

Without a recording configuration recorder there is no history of what changed, when, and to
what: drift and incident timelines cannot be rebuilt. CIS AWS Foundations v3.0.0 numbering.
No automatic fix: a recorder needs a role and a delivery channel (bucket) chosen by the owner.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World


class ConfigRecorderEnabled(Rule):
    meta = RuleMeta(
        id="DP-ACCT-006",
        title="AWS Config is not recording in the region",
        severity=Severity.MEDIUM,
        category=Category.LOGGING,
        resource_types=("aws_account",),
        description="No AWS Config configuration recorder is recording in the region.",
        risk="Configuration changes in this region leave no history for audit or forensics.",
        remediation=(
            "In the stack that manages this region, declare an aws_config_configuration_recorder "
            "(recording_group { all_supported = true, include_global_resource_types = true } in "
            "one region), an aws_config_delivery_channel to a log bucket, and an "
            "aws_config_configuration_recorder_status with `is_enabled = true`."
        ),
        references=(
            "CIS AWS 3.3",
            "https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html",
        ),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.get("scope") != "region" or subject.get("config_recorder_enabled") is not False:
            return []
        region = subject.region or subject.get("region")
        return [
            Violation(
                "config_recorder_enabled", False, True, f"AWS Config is not recording in {region}"
            )
        ]


RULE = ConfigRecorderEnabled()
