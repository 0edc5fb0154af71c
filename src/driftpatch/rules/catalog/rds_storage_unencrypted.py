"""DP-RDS-002: database storage not encrypted at rest."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import given
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


class RdsStorageUnencrypted(Rule):
    meta = RuleMeta(
        id="DP-RDS-002",
        title="RDS storage is not encrypted",
        severity=Severity.HIGH,
        category=Category.DATA,
        resource_types=("aws_db_instance", "aws_rds_cluster"),
        description=(
            "storage_encrypted is false or not set (the default for DB instances and "
            "provisioned clusters). Read replicas and Aurora instances inherit encryption "
            "from their source or cluster, and serverless v1 clusters are always encrypted: "
            "those are not reported when the attribute is not set."
        ),
        risk=(
            "Database files, automated backups, snapshots and replicas hold the data in "
            "clear; a shared or leaked snapshot exposes everything."
        ),
        remediation=(
            "Set storage_encrypted = true (and kms_key_id for a customer managed key). "
            "Encryption cannot be turned on in place: this replaces the database. Restore it "
            "from an encrypted copy of a snapshot (snapshot_identifier) to keep the data."
        ),
        references=(
            "CIS AWS 2.3.1",
            "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
        ),
        checkov=("CKV_AWS_16", "CKV_AWS_96"),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        value = subject.get("storage_encrypted")
        if value is UNKNOWN or value is True:
            return
        if value is None:
            if (
                given(subject.get("replicate_source_db"))
                or subject.get("engine_mode") == "serverless"
            ):
                return
            engine = subject.get("engine")
            if (
                isinstance(engine, str)
                and engine.startswith("aurora")
                and (subject.type == "aws_db_instance")
            ):
                return
            yield Violation(
                "storage_encrypted", False, True, "storage_encrypted not set (defaults to false)"
            )
            return
        yield Violation("storage_encrypted", False, True, "storage is not encrypted")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix(
            (SetValue("storage_encrypted", True),), "Encrypt the database storage (replaces it)"
        )


RULE = RdsStorageUnencrypted()
