"""DP-EC2-004: an instance's root or attached EBS block device is not encrypted."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import blocks, ebs_encrypted_by_default, given
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

ROOT = "root_block_device[0].encrypted"


class InstanceBlockDeviceUnencrypted(Rule):
    meta = RuleMeta(
        id="DP-EC2-004",
        title="EC2 instance block device is not encrypted",
        severity=Severity.MEDIUM,
        category=Category.DATA,
        resource_types=("aws_instance",),
        description=(
            "The instance's root_block_device or an ebs_block_device has encrypted false. A "
            "missing root_block_device block in code means the root volume follows the AMI, "
            "which is unencrypted for most public AMIs. Devices created from a snapshot, and "
            "configurations enabling EBS encryption by default, are not reported from code."
        ),
        risk=(
            "The instance's disks and their snapshots hold data (and often credentials and "
            "keys on the root volume) in clear."
        ),
        remediation=(
            "Set encrypted = true in root_block_device and in each ebs_block_device (kms_key_id "
            "for a customer managed key). This replaces the instance or volume: migrate data "
            "first. Turn on aws_ebs_encryption_by_default so new volumes are always encrypted."
        ),
        references=("https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",),
        checkov=("CKV_AWS_8",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.origin in (Origin.CODE, Origin.PLAN) and ebs_encrypted_by_default(world):
            return
        root = subject.get("root_block_device")
        if root is not UNKNOWN:
            devices = blocks(root)
            if not devices:
                if subject.origin is Origin.CODE:
                    yield Violation(
                        ROOT, False, True, "root volume encryption not set (follows the AMI)"
                    )
            elif devices[0].get("encrypted") is False or (
                devices[0].get("encrypted") is None and subject.origin is Origin.CODE
            ):
                yield Violation(ROOT, False, True, "root volume is not encrypted")
        extra = subject.get("ebs_block_device")
        if extra is UNKNOWN:
            return
        for i, device in enumerate(blocks(extra)):
            encrypted = device.get("encrypted")
            if encrypted is UNKNOWN or encrypted is True or given(device.get("snapshot_id")):
                continue
            name = device.get("device_name")
            where = f" {name}" if isinstance(name, str) else ""
            yield Violation(
                f"ebs_block_device[{i}].encrypted",
                False,
                True,
                f"EBS device{where} is not encrypted",
            )

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        if violation.attribute is None:
            return None
        return Fix((SetValue(violation.attribute, True),), "Encrypt the block device (replaces it)")


RULE = InstanceBlockDeviceUnencrypted()
