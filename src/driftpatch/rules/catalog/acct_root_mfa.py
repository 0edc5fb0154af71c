"""DP-ACCT-001: the root user has no MFA (live account facts only).

The root user can do anything, including closing the account, and cannot be restricted by IAM
policy; a password alone is its only protection. Not fixable in Terraform (MFA devices for the
root user are registered by the account owner). CIS AWS Foundations v3.0.0 numbering.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World


class RootMfa(Rule):
    meta = RuleMeta(
        id="DP-ACCT-001",
        title="Root user has no MFA",
        severity=Severity.CRITICAL,
        category=Category.IAM,
        resource_types=("aws_account",),
        description="IAM GetAccountSummary reports AccountMFAEnabled = 0.",
        risk="A phished or leaked root password is full, unrestrictable control of the account.",
        remediation=(
            "Sign in as the root user and assign an MFA device (a hardware key for production "
            "accounts). Terraform cannot do this."
        ),
        references=(
            "CIS AWS 1.5",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-virt-mfa-for-root.html",
        ),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.get("scope") != "global" or subject.get("account_mfa_enabled") is not False:
            return []  # regional subject, or unknown (the read failed)
        return [Violation("account_mfa_enabled", False, True, "root user has no MFA device")]


RULE = RootMfa()
