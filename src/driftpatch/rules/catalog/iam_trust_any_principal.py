"""DP-IAM-002: a role that anyone can assume."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import (
    allows,
    any_principal,
    label,
    statements,
    unconditioned,
)
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World


class TrustAnyPrincipal(Rule):
    meta = RuleMeta(
        id="DP-IAM-002",
        title="IAM role trust policy allows any principal",
        severity=Severity.CRITICAL,
        category=Category.IAM,
        resource_types=("aws_iam_role",),
        description=(
            'The role\'s assume_role_policy has an "Allow" statement with Principal "*" (or '
            '{"AWS": "*"}) and no Condition: any AWS identity, in any account, can assume it.'
        ),
        risk=(
            "Anyone with an AWS account gets the role's permissions in yours: a direct path "
            "into the account for every attacker who finds the role ARN."
        ),
        remediation=(
            "Name the principals that may assume the role (account root or role ARNs, or a "
            "service such as ec2.amazonaws.com), or add a Condition (sts:ExternalId for third "
            "parties, aws:PrincipalOrgID for your organisation)."
        ),
        references=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html",
        ),
        checkov=("CKV_AWS_60",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        hits = [
            label(s, i)
            for i, s in enumerate(statements(subject.get("assume_role_policy")))
            if allows(s) and any_principal(s.get("Principal")) and unconditioned(s)
        ]
        if hits:
            noun = "statements" if len(hits) > 1 else "statement"
            yield Violation(
                "assume_role_policy", "*", None, f"{noun} {', '.join(hits)} let anyone assume it"
            )


RULE = TrustAnyPrincipal()
