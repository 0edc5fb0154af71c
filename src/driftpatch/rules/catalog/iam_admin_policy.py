"""DP-IAM-001: a policy that allows every action on every resource ("*:*")."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import allows, as_list, blocks, label, statements
from driftpatch.rules.interface import UNKNOWN, Rule, RuleMeta, Subject, Violation, World

POLICY_TYPES = (
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
)


class AdminPolicy(Rule):
    meta = RuleMeta(
        id="DP-IAM-001",
        title='IAM policy grants full "*:*" administrative privileges',
        severity=Severity.HIGH,
        category=Category.IAM,
        resource_types=(*POLICY_TYPES, "aws_iam_role"),
        description=(
            'A statement has Effect "Allow", Action "*" (or "*:*") and Resource "*": every '
            "API on everything in the account. Checked in policy resources and in roles' "
            "inline_policy blocks (aws_iam_policy_document data sources are out of scope)."
        ),
        risk=(
            "Whoever holds the policy, or compromises a workload that does, owns the account: "
            "they can read all data, create users and keys, and disable logging."
        ),
        remediation=(
            "Replace the wildcard with the actions and resource ARNs the principal needs "
            "(IAM Access Analyzer can generate a policy from CloudTrail activity). For real "
            "administrators, attach the AWS managed AdministratorAccess policy to a role "
            "assumed with MFA rather than writing a custom one."
        ),
        references=(
            "CIS AWS 1.16",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
        ),
        checkov=("CKV_AWS_62",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.type != "aws_iam_role":
            found = admin_statements(subject.get("policy"))
            if found:
                yield Violation("policy", "*:*", None, f"{_noun(found)} {found} allow * on *")
            return
        owned = {
            p.get("name")
            for p in world.linked("aws_iam_role_policy", subject, "role", ("id", "name"))
        }
        for entry in blocks(subject.get("inline_policy")):
            name = entry.get("name")
            if name in owned and name is not UNKNOWN:
                continue  # the aws_iam_role_policy is judged itself
            found = admin_statements(entry.get("policy"))
            if found:
                which = f"inline policy {name}: " if isinstance(name, str) and name else ""
                yield Violation(
                    "inline_policy", "*:*", None, f"{which}{_noun(found)} {found} allow * on *"
                )


def admin_statements(policy: object) -> str:
    hits = [
        label(s, i)
        for i, s in enumerate(statements(policy))
        if allows(s)
        and any(a in ("*", "*:*") for a in as_list(s.get("Action")) if a is not UNKNOWN)
        and "*" in as_list(s.get("Resource"))
    ]
    return ", ".join(hits)


def _noun(found: str) -> str:
    return "statements" if "," in found else "statement"


RULE = AdminPolicy()
