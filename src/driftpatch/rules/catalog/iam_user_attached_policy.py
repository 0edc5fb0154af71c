"""DP-IAM-004: managed policies attached directly to users."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import as_list
from driftpatch.rules.interface import UNKNOWN, Rule, RuleMeta, Subject, Violation, World


class UserAttachedPolicy(Rule):
    meta = RuleMeta(
        id="DP-IAM-004",
        title="IAM policy attached directly to a user",
        severity=Severity.LOW,
        category=Category.IAM,
        resource_types=("aws_iam_user_policy_attachment", "aws_iam_policy_attachment"),
        description=(
            "A managed policy is attached to a user (aws_iam_user_policy_attachment, or "
            "aws_iam_policy_attachment with users) rather than to a group the user belongs to."
        ),
        risk=(
            "Per-user permissions accumulate unnoticed and survive role changes; access "
            "reviews by group miss them."
        ),
        remediation=(
            "Attach the policy to a group (aws_iam_group_policy_attachment) and make the user a "
            "member (aws_iam_user_group_membership); better still, replace IAM users with "
            "roles assumed through IAM Identity Center."
        ),
        references=(
            "CIS AWS 1.15",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups_manage_attach-policy.html",
        ),
        checkov=("CKV_AWS_40",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        policy = subject.get("policy_arn")
        which = f"policy {policy}" if isinstance(policy, str) else "a policy"
        if subject.type == "aws_iam_user_policy_attachment":
            user = subject.get("user")
            to = f"user {user}" if isinstance(user, str) else "a user"
            yield Violation(None, None, None, f"{which} attached to {to}")
            return
        users = subject.get("users")
        if users is UNKNOWN:
            return
        names = sorted(str(u) for u in as_list(users) if u is not UNKNOWN)
        if as_list(users):
            yield Violation(
                "users", names, [], f"{which} attached to users {', '.join(names) or '(unknown)'}"
            )


RULE = UserAttachedPolicy()
