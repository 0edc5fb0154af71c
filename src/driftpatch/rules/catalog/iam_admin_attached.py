"""DP-IAM-005: full administrative privileges attached to a role, user or group.

DP-IAM-001 judges the policy document; this rule judges the attachment, which is what CIS 1.16
asks about: the AWS managed AdministratorAccess policy, or a customer policy (of the same
configuration or account) whose statements allow * on *.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog.iam_admin_policy import admin_statements
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World

ADMINISTRATOR_ACCESS = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/AdministratorAccess$")
# Attachment type -> the attribute naming who receives the policy.
HOLDERS = {
    "aws_iam_role_policy_attachment": "role",
    "aws_iam_user_policy_attachment": "user",
    "aws_iam_group_policy_attachment": "group",
}


class AdminPolicyAttached(Rule):
    meta = RuleMeta(
        id="DP-IAM-005",
        title='Policy with full "*:*" administrative privileges is attached',
        severity=Severity.HIGH,
        category=Category.IAM,
        resource_types=(*HOLDERS, "aws_iam_policy_attachment"),
        description=(
            "A policy attachment gives a role, user or group the AWS managed "
            "AdministratorAccess policy, or a customer managed policy that allows every "
            "action on every resource. Customer policies are resolved within the same "
            "configuration (code, plan) or account (state, live)."
        ),
        risk=(
            "The holder, and any workload or person who can act as it, controls the whole "
            "account. An application role with administrator access turns any code-execution "
            "bug in the application into an account takeover."
        ),
        remediation=(
            "Attach a policy scoped to what the holder does (IAM Access Analyzer can generate "
            "one from CloudTrail activity). Keep administrator access to a few break-glass "
            "roles assumed with MFA, never to workload roles or to users directly."
        ),
        references=(
            "CIS AWS 1.16",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
        ),
        checkov=("CKV_AWS_274",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        arn = subject.get("policy_arn")
        which: str | None = "AdministratorAccess"
        if not (isinstance(arn, str) and ADMINISTRATOR_ACCESS.match(arn)):
            which = _admin_policy(subject, arn, world)
        if which is not None:
            yield Violation("policy_arn", arn, None, f"{which} attached to {_holder(subject)}")


def _admin_policy(subject: Subject, arn: object, world: World) -> str | None:
    """The name of the attached customer policy when it allows * on *."""
    ref = subject.refs.get("policy_arn")
    # The policies with that ARN or declared by the referenced block, in world order (indexed
    # lookups: an estate has thousands of attachments and policies).
    same = {
        id(p): p for p in world.with_value("aws_iam_policy", "arn", arn) if isinstance(arn, str)
    }
    if ref is not None:
        same.update((id(p), p) for p in world.declared_as("aws_iam_policy", ref))
    order = (
        {id(p): i for i, p in enumerate(world.of_type("aws_iam_policy"))} if len(same) > 1 else {}
    )
    for policy in sorted(same.values(), key=lambda p: order.get(id(p), 0)):
        if admin_statements(policy.get("policy")):
            name = policy.get("name")
            return f"policy {name} (allows * on *)" if isinstance(name, str) else "a *:* policy"
    return None


def _holder(subject: Subject) -> str:
    kind = HOLDERS.get(subject.type)
    if kind is not None:
        name = subject.get(kind)
        return f"{kind} {name}" if isinstance(name, str) else f"a {kind}"
    names = [
        f"{kind} {n}"
        for kind in ("role", "user", "group")
        for n in _strings(subject.get(f"{kind}s"))
    ]
    return ", ".join(names) or "its principals"


def _strings(value: object) -> list[str]:
    return sorted(v for v in value if isinstance(v, str)) if isinstance(value, list) else []


RULE = AdminPolicyAttached()
