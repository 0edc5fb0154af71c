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
from driftpatch.rules.interface import Origin, Rule, RuleMeta, Subject, Violation, World

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
        resource_types=(*HOLDERS, "aws_iam_policy_attachment", "aws_iam_role"),
        description=(
            "A policy attachment (or a role's managed_policy_arns) gives a role, user or group "
            "the AWS managed AdministratorAccess policy, or a customer managed policy that "
            "allows every action on every resource. Customer policies are resolved within the "
            "same configuration (code, plan) or account (state, live). A policy a separate "
            "attachment resource attaches is reported on the attachment, not again on the "
            "role's managed_policy_arns, which echoes it."
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
        if subject.type == "aws_iam_role":
            yield from _managed_policy_arns(subject, world)
            return
        arn = subject.get("policy_arn")
        which: str | None = "AdministratorAccess"
        if not (isinstance(arn, str) and ADMINISTRATOR_ACCESS.match(arn)):
            which = _admin_policy(subject, arn, world)
        if which is not None:
            yield Violation("policy_arn", arn, None, f"{which} attached to {_holder(subject)}")


def _managed_policy_arns(role: Subject, world: World) -> Iterable[Violation]:
    """A role's exclusive `managed_policy_arns` (issue 11: it was not looked at)."""
    arns = role.get("managed_policy_arns")
    if not isinstance(arns, list):
        return
    name = role.get("name")
    holder = f"role {name}" if isinstance(name, str) else "the role"
    # State and live roles echo the policies attached by separate attachment resources in
    # managed_policy_arns: those are the attachment's finding, reported there once.
    # Code lists only what its own block writes.
    attached: set[object] = set()
    if role.origin is not Origin.CODE:
        attached = {
            a.get("policy_arn")
            for a in world.linked("aws_iam_role_policy_attachment", role, "role", ("id", "name"))
        }
        attached |= {
            a.get("policy_arn")
            for a in world.of_type("aws_iam_policy_attachment")
            if isinstance(name, str) and name in (a.get("roles") or ())
        }
    for i, arn in enumerate(arns):
        if arn in attached:
            continue
        if isinstance(arn, str) and ADMINISTRATOR_ACCESS.match(arn):
            yield Violation(
                "managed_policy_arns", arn, None, f"AdministratorAccess attached to {holder}"
            )
            return
        which = _admin_policy(role, arn, world, ref_attribute=f"managed_policy_arns[{i}]")
        if which is not None:
            yield Violation("managed_policy_arns", arn, None, f"{which} attached to {holder}")
            return


def _admin_policy(
    subject: Subject, arn: object, world: World, ref_attribute: str | None = "policy_arn"
) -> str | None:
    """The name of the attached customer policy when it allows * on *."""
    ref = subject.refs.get(ref_attribute) if ref_attribute else None
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
