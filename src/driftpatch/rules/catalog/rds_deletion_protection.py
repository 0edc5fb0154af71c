"""DP-RDS-004: deletion protection off on a database instance or cluster."""

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


class RdsDeletionProtectionOff(Rule):
    meta = RuleMeta(
        id="DP-RDS-004",
        title="RDS deletion protection is disabled",
        severity=Severity.LOW,
        category=Category.DATA,
        resource_types=("aws_db_instance", "aws_rds_cluster"),
        description="deletion_protection is false or not set (the default is false).",
        risk=(
            "One mistaken `terraform destroy`, a renamed resource that Terraform plans to "
            "replace, or a console click deletes the database."
        ),
        remediation=(
            "Set deletion_protection = true (in place, no downtime). To delete the database "
            "later, set it to false in a reviewed change first."
        ),
        references=(
            "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html",
        ),
        checkov=("CKV_AWS_293", "CKV_AWS_139"),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        value = subject.get("deletion_protection")
        if value is UNKNOWN or value is True:
            return
        detail = (
            "deletion protection is off"
            if value is False
            else "deletion_protection not set (defaults to false)"
        )
        yield Violation("deletion_protection", False, True, detail)

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix((SetValue("deletion_protection", True),), "Turn on deletion protection")


RULE = RdsDeletionProtectionOff()
