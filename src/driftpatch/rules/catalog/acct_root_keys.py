"""DP-ACCT-002: the root user has access keys (live account facts only).

Long-lived keys for the one identity no policy can restrict: whoever finds them owns the
account. Not fixable in Terraform. CIS AWS Foundations v3.0.0 numbering.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World


class RootAccessKeys(Rule):
    meta = RuleMeta(
        id="DP-ACCT-002",
        title="Root user has access keys",
        severity=Severity.CRITICAL,
        category=Category.IAM,
        resource_types=("aws_account",),
        description="IAM GetAccountSummary reports AccountAccessKeysPresent = 1.",
        risk="Leaked root keys give unrestricted programmatic control of the whole account.",
        remediation=(
            "Sign in as the root user, delete its access keys (Security credentials > Access "
            "keys), and use IAM roles for automation. Terraform cannot do this."
        ),
        references=(
            "CIS AWS 1.4",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html",
        ),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.get("scope") != "global":
            return []
        if subject.get("account_access_keys_present") is not True:
            return []  # none, or unknown
        return [Violation("account_access_keys_present", True, False, "root user has access keys")]


RULE = RootAccessKeys()
