"""DP-IAM-003: inline policies on users and roles."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import blocks, given
from driftpatch.rules.interface import UNKNOWN, Rule, RuleMeta, Subject, Violation, World


class InlinePolicy(Rule):
    meta = RuleMeta(
        id="DP-IAM-003",
        title="IAM inline policy on a user or role",
        severity=Severity.LOW,
        category=Category.IAM,
        resource_types=("aws_iam_user_policy", "aws_iam_role_policy", "aws_iam_role"),
        description=(
            "Permissions are granted by an inline policy (aws_iam_user_policy, "
            "aws_iam_role_policy, or an inline_policy block of aws_iam_role) instead of a "
            "managed policy attached to a group or role."
        ),
        risk=(
            "Inline policies cannot be reused, versioned or reviewed in one place, and are "
            "easy to miss in access reviews; on users, permissions should come from groups."
        ),
        remediation=(
            "Move the statements into an aws_iam_policy and attach it with "
            "aws_iam_role_policy_attachment (roles) or aws_iam_group_policy_attachment to a "
            "group the user is a member of (aws_iam_user_group_membership)."
        ),
        references=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html",
        ),
        # CIS 1.15 (users get permissions only through groups) and CKV_AWS_40 (policies are
        # attached only to groups or roles) are about users: a role's inline policy is not
        # their concern (checkov passes it), so they are cited for user policies only.
        type_references={"aws_iam_user_policy": ("CIS AWS 1.15",)},
        checkov=("CKV_AWS_40",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.type == "aws_iam_user_policy":
            yield Violation(None, None, None, _on("user", subject.get("user")))
            return
        if subject.type == "aws_iam_role_policy":
            yield Violation(None, None, None, _on("role", subject.get("role")))
            return
        inline = subject.get("inline_policy")
        if inline is UNKNOWN:
            return
        owned = {
            p.get("name")
            for p in world.linked("aws_iam_role_policy", subject, "role", ("id", "name"))
        }
        names = [
            e.get("name")
            for e in blocks(inline)
            if (given(e.get("name")) or given(e.get("policy"))) and e.get("name") not in owned
        ]
        if names:
            shown = sorted(n for n in names if isinstance(n, str) and n)
            label = ", ".join(shown) if shown else str(len(names))
            noun = "policy" if len(names) == 1 else "policies"
            yield Violation("inline_policy", shown, [], f"inline {noun} {label}")


def _on(kind: str, name: object) -> str:
    return (
        f"inline policy on {kind} {name}" if isinstance(name, str) else f"inline policy on a {kind}"
    )


RULE = InlinePolicy()
