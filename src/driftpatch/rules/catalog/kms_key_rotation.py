"""DP-KMS-001: automatic rotation off on a symmetric customer managed KMS key."""

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


class KmsKeyRotationOff(Rule):
    meta = RuleMeta(
        id="DP-KMS-001",
        title="KMS key rotation is disabled",
        severity=Severity.MEDIUM,
        category=Category.DATA,
        resource_types=("aws_kms_key",),
        description=(
            "enable_key_rotation is false or not set (the default is false) on a symmetric "
            "encryption key (customer_master_key_spec SYMMETRIC_DEFAULT, key_usage "
            "ENCRYPT_DECRYPT). Asymmetric and HMAC keys and keys in custom key stores cannot "
            "rotate automatically and are not reported."
        ),
        risk=(
            "The same key material protects data for as long as the key lives, widening what "
            "one exposure of the material decrypts; many compliance regimes require yearly "
            "rotation."
        ),
        remediation=(
            "Set enable_key_rotation = true (optionally rotation_period_in_days). Rotation is "
            "transparent: old ciphertext stays decryptable, nothing needs re-encrypting."
        ),
        references=(
            "CIS AWS 3.6",
            "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
        ),
        checkov=("CKV_AWS_7",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        spec = subject.get("customer_master_key_spec")
        usage = subject.get("key_usage")
        store = subject.get("custom_key_store_id")
        if spec not in (None, "SYMMETRIC_DEFAULT") or usage not in (None, "ENCRYPT_DECRYPT"):
            return  # includes UNKNOWN: cannot say it is symmetric
        if store is UNKNOWN or store:
            return
        value = subject.get("enable_key_rotation")
        if value is UNKNOWN or value is True:
            return
        detail = (
            "rotation is off"
            if value is False
            else "enable_key_rotation not set (defaults to false)"
        )
        yield Violation("enable_key_rotation", False, True, detail)

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix((SetValue("enable_key_rotation", True),), "Turn on automatic key rotation")


RULE = KmsKeyRotationOff()
