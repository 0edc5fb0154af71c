"""DP-ACCT-004: the IAM password policy allows short or reused passwords.

CIS AWS Foundations v3.0.0 asks for 14 characters at least (1.8) and remembering 24 previous
passwords (1.9). Absent in code: AWS's defaults, minimum length 8 and no reuse prevention.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import JSON, Category, Severity
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

MIN_LENGTH = 14
REUSE_PREVENTION = 24
AWS_DEFAULT_MIN_LENGTH = 8


class PasswordPolicyWeak(Rule):
    meta = RuleMeta(
        id="DP-ACCT-004",
        title="IAM password policy is weak",
        severity=Severity.MEDIUM,
        category=Category.IAM,
        resource_types=("aws_iam_account_password_policy",),
        description=(
            f"The password policy requires fewer than {MIN_LENGTH} characters or remembers "
            f"fewer than {REUSE_PREVENTION} previous passwords."
        ),
        risk="Short or recycled passwords are guessed, sprayed and stuffed successfully.",
        remediation=(
            f"Set `minimum_password_length = {MIN_LENGTH}` and "
            f"`password_reuse_prevention = {REUSE_PREVENTION}` on the "
            "aws_iam_account_password_policy."
        ),
        references=(
            "CIS AWS 1.8",
            "CIS AWS 1.9",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",
        ),
        checkov=("CKV_AWS_10", "CKV_AWS_13"),
        # Each check is about one setting of the policy.
        checkov_attributes={
            "CKV_AWS_10": ("minimum_password_length",),
            "CKV_AWS_13": ("password_reuse_prevention",),
        },
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        out: list[Violation] = []
        length = subject.get("minimum_password_length", AWS_DEFAULT_MIN_LENGTH)
        if _below(length, MIN_LENGTH):
            out.append(
                Violation(
                    "minimum_password_length",
                    length,
                    MIN_LENGTH,
                    f"passwords may be {length} characters",
                )
            )
        reuse = subject.get("password_reuse_prevention", 0)
        if _below(reuse, REUSE_PREVENTION):
            detail = (
                "passwords may be reused"
                if not reuse
                else f"only {reuse} previous passwords are remembered"
            )
            out.append(Violation("password_reuse_prevention", reuse, REUSE_PREVENTION, detail))
        return out

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        if violation.attribute == "minimum_password_length":
            return Fix(
                (SetValue("minimum_password_length", MIN_LENGTH),),
                f"require passwords of {MIN_LENGTH} characters or more",
            )
        if violation.attribute == "password_reuse_prevention":
            return Fix(
                (SetValue("password_reuse_prevention", REUSE_PREVENTION),),
                f"prevent reuse of the last {REUSE_PREVENTION} passwords",
            )
        return None


def _below(value: JSON, minimum: int) -> bool:
    if value is UNKNOWN or isinstance(value, bool):
        return False
    return isinstance(value, int) and value < minimum


RULE = PasswordPolicyWeak()
