"""DP-EC2-003: an EBS volume that is not encrypted."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import ebs_encrypted_by_default
from driftpatch.rules.interface import (
    UNKNOWN,
    Fix,
    Origin,
    Rule,
    RuleMeta,
    SetValue,
    Subject,
    Violation,
    World,
)


class EbsVolumeUnencrypted(Rule):
    meta = RuleMeta(
        id="DP-EC2-003",
        title="EBS volume is not encrypted",
        severity=Severity.MEDIUM,
        category=Category.DATA,
        resource_types=("aws_ebs_volume",),
        description=(
            "encrypted is false or not set (the provider default is false). Volumes created "
            "from a snapshot inherit its encryption and are not reported from code; neither "
            "are volumes in a configuration that enables EBS encryption by default."
        ),
        risk=(
            "The volume, its snapshots and any copies shared by mistake hold the data in "
            "clear; encryption also puts access under a KMS key policy."
        ),
        remediation=(
            "Set encrypted = true (and kms_key_id to a customer managed key if you need "
            "control over the key). This forces a new volume: snapshot the old one, copy the "
            "snapshot with encryption, and create the volume from it (snapshot_id) to keep the "
            "data. Turn on aws_ebs_encryption_by_default so new volumes are always encrypted."
        ),
        references=("https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",),
        checkov=("CKV_AWS_3",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        encrypted = subject.get("encrypted")
        if encrypted is UNKNOWN or encrypted is True:
            return
        if encrypted is None:
            if subject.get("snapshot_id") is not None:
                return  # inherits the snapshot's encryption
            if subject.origin in (Origin.CODE, Origin.PLAN) and ebs_encrypted_by_default(world):
                return
            yield Violation("encrypted", False, True, "encrypted not set (defaults to false)")
            return
        if subject.origin in (Origin.CODE, Origin.PLAN) and ebs_encrypted_by_default(world):
            return  # AWS encrypts it regardless
        yield Violation("encrypted", False, True, "volume is not encrypted")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix((SetValue("encrypted", True),), "Encrypt the volume (replaces it)")


RULE = EbsVolumeUnencrypted()
