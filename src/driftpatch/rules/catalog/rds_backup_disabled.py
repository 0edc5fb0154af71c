"""DP-RDS-003: automated backups turned off (backup_retention_period = 0)."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import given
from driftpatch.rules.interface import Fix, Rule, RuleMeta, SetValue, Subject, Violation, World

SUGGESTED_DAYS = 7


class RdsBackupsDisabled(Rule):
    meta = RuleMeta(
        id="DP-RDS-003",
        title="RDS automated backups are disabled",
        severity=Severity.MEDIUM,
        category=Category.DATA,
        resource_types=("aws_db_instance",),
        description=(
            "backup_retention_period is 0, which turns off automated backups and "
            "point-in-time recovery. Read replicas (replicate_source_db set) are not reported."
        ),
        risk=(
            "A bad migration, an accidental DELETE or a ransomware attack cannot be undone: "
            "there is no backup and no point-in-time restore."
        ),
        remediation=(
            f"Set backup_retention_period to at least 1; the patch suggests {SUGGESTED_DAYS} "
            "days, adjust it to your recovery objectives (up to 35). Set a "
            "backup_window outside peak hours."
        ),
        references=(
            "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html",
        ),
        checkov=("CKV_AWS_133",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if given(subject.get("replicate_source_db")):
            return
        value = subject.get("backup_retention_period")
        if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
            yield Violation("backup_retention_period", 0, None, "backup retention is 0 days")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix(
            (SetValue("backup_retention_period", SUGGESTED_DAYS),),
            f"Keep automated backups for {SUGGESTED_DAYS} days",
        )


RULE = RdsBackupsDisabled()
