"""DP-S3-002: a bucket policy that allows any principal with no condition."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import (
    allows,
    any_principal,
    as_list,
    label,
    partners,
    restricted,
    statements,
)
from driftpatch.rules.interface import UNKNOWN, Rule, RuleMeta, Subject, Violation, World


class S3PublicPolicy(Rule):
    meta = RuleMeta(
        id="DP-S3-002",
        title="S3 bucket policy allows any principal",
        severity=Severity.HIGH,
        category=Category.DATA,
        resource_types=("aws_s3_bucket", "aws_s3_bucket_policy"),
        description=(
            'A statement in the bucket policy has Effect "Allow", Principal "*" (or '
            '{"AWS": "*"}) and no Condition that restricts who or where from (aws:SourceArn, '
            "aws:SourceAccount, aws:SourceVpc(e), aws:PrincipalOrgID, aws:PrincipalAccount, "
            "aws:PrincipalArn or aws:SourceIp with concrete values): it grants its actions to "
            "everyone, signed in to AWS or not. A condition such as aws:SecureTransport, or "
            'aws:PrincipalArn "arn:aws:iam::*", restricts nothing.'
        ),
        risk=(
            "The allowed actions are open to the internet: objects can be read, listed, "
            "written or deleted by anyone, depending on the actions."
        ),
        remediation=(
            "Name the principals that need access (account root ARNs, role ARNs, or a service "
            "principal such as cloudfront.amazonaws.com), or keep the wildcard principal and "
            "add a Condition that restricts it (aws:SourceArn, aws:SourceVpce, "
            "aws:PrincipalOrgID). Keep the bucket's public access block on so a public policy "
            "is refused."
        ),
        references=(
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
        ),
        checkov=("CKV_AWS_70",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.type == "aws_s3_bucket" and partners(world, "aws_s3_bucket_policy", subject):
            return  # the aws_s3_bucket_policy owns the policy; it is judged itself
        open_stmts = [
            (i, s)
            for i, s in enumerate(statements(subject.get("policy")))
            if allows(s) and any_principal(s.get("Principal")) and not restricted(s)
        ]
        if not open_stmts:
            return
        actions = sorted(
            {str(a) for _, s in open_stmts for a in as_list(s.get("Action")) if a is not UNKNOWN}
        )
        which = ", ".join(label(s, i) for i, s in open_stmts)
        noun = "statement" if len(open_stmts) == 1 else "statements"
        yield Violation(
            "policy",
            actions,
            None,
            f"{noun} {which} allow{'s' if len(open_stmts) == 1 else ''} "
            f"{', '.join(actions) or 'actions'} to anyone",
        )


RULE = S3PublicPolicy()
