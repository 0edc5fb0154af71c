"""DP-ACCT-003: the account has no IAM password policy (live account facts only).

Then IAM users may set any password AWS accepts, short and reused. Code can fix it only by
declaring an aws_iam_account_password_policy, which the account subject has no block to add
next to, so the fix is the remediation text. CIS AWS Foundations v3.0.0 numbering.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World


class PasswordPolicyMissing(Rule):
    meta = RuleMeta(
        id="DP-ACCT-003",
        title="Account has no IAM password policy",
        severity=Severity.MEDIUM,
        category=Category.IAM,
        resource_types=("aws_account",),
        description="IAM GetAccountPasswordPolicy answers NoSuchEntity.",
        risk="IAM user passwords have no minimum length and may be reused.",
        remediation=(
            "Declare the policy once per account:\n"
            'resource "aws_iam_account_password_policy" "this" {\n'
            "  minimum_password_length        = 14\n"
            "  password_reuse_prevention      = 24\n"
            "  require_lowercase_characters   = true\n"
            "  require_uppercase_characters   = true\n"
            "  require_numbers                = true\n"
            "  require_symbols                = true\n"
            "  allow_users_to_change_password = true\n"
            "}"
        ),
        references=(
            "CIS AWS 1.8",
            "CIS AWS 1.9",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",
        ),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.get("scope") != "global" or subject.get("password_policy_present") is not False:
            return []
        return [Violation("password_policy_present", False, True, "no password policy")]


RULE = PasswordPolicyMissing()
