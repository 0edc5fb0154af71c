"""DP-S3-001: a bucket ACL that grants everyone (or every AWS account) access.

On live AWS the rule judges what the ACL exposes, not what it says: a bucket whose live public
access block has ignore_public_acls = true exposes nothing through its ACL (S3 ignores every
public ACL on the bucket and its objects; AWS Config's s3-bucket-public-read-prohibited and
Security Hub S3.2 call it compliant), so that live bucket passes. That is also why the S3
reader does not read such a bucket's ACL for the rules. A block that could not be read is not
"ignoring": the ACL is judged. In code, a plan or a state the rule keeps judging the ACL as
written: the configuration asks for a public ACL (and checkov flags it), and a block can be
removed without touching it.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import as_list, blocks, partners
from driftpatch.rules.interface import (
    UNKNOWN,
    Fix,
    Origin,
    Rule,
    RuleMeta,
    SetValue,
    Subject,
    Violation,
    World,
)

PUBLIC_CANNED = ("public-read", "public-read-write", "authenticated-read")
_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
}


class S3PublicAcl(Rule):
    meta = RuleMeta(
        id="DP-S3-001",
        title="S3 bucket ACL grants public access",
        severity=Severity.HIGH,
        category=Category.DATA,
        resource_types=("aws_s3_bucket", "aws_s3_bucket_acl"),
        description=(
            "The bucket's access control list uses a public canned ACL (public-read, "
            "public-read-write, authenticated-read) or grants a permission to the AllUsers or "
            "AuthenticatedUsers group. AuthenticatedUsers means any AWS account, not yours. "
            "On live AWS a bucket whose public access block has ignore_public_acls = true "
            "passes: S3 ignores its public ACLs."
        ),
        risk=(
            "Anyone on the internet can list or read the objects (and with WRITE, upload or "
            "overwrite them): data exposure, or the bucket used to host malware at your cost."
        ),
        remediation=(
            'Set `acl = "private"` (or remove the aws_s3_bucket_acl and set '
            '`object_ownership = "BucketOwnerEnforced"` in an aws_s3_bucket_ownership_controls, '
            "which disables ACLs), and remove `grant` blocks naming the AllUsers or "
            "AuthenticatedUsers groups. Serve public content through CloudFront with an origin "
            "access control instead."
        ),
        references=(
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html",
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
        ),
        checkov=("CKV_AWS_20", "CKV_AWS_57", "CKV2_AWS_43"),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        # On live, every bucket has an aws_s3_bucket_acl part read from the same GetBucketAcl
        # as the bucket's `grant`: one no state manages is judged on its bucket, once.
        live = subject.origin is Origin.LIVE
        if subject.type == "aws_s3_bucket_acl" and live and not subject.address:
            return
        if subject.type == "aws_s3_bucket":
            owners = partners(world, "aws_s3_bucket_acl", subject).found
            if any(not live or acl.address for acl in owners):
                return  # the aws_s3_bucket_acl owns the ACL; it is judged itself
            grants = [
                (g.get("uri"), p)
                for g in blocks(subject.get("grant"))
                for p in as_list(g.get("permissions"))
            ]
            grant_attr = "grant"
        else:
            grants = [
                (grantee.get("uri"), g.get("permission"))
                for policy in blocks(subject.get("access_control_policy"))
                for g in blocks(policy.get("grant"))
                for grantee in blocks(g.get("grantee"))
            ]
            grant_attr = "access_control_policy[0].grant"
        if live and _acls_ignored(subject, world):
            return

        acl = subject.get("acl")
        if acl is not UNKNOWN and acl in PUBLIC_CANNED:
            yield Violation("acl", acl, "private", f"canned ACL {acl}")

        public = sorted(
            {f"{perm} to {_GROUPS[uri]}" for uri, perm in grants if uri in _GROUPS and perm}
        )
        if public:
            yield Violation(grant_attr, public, None, "grants " + ", ".join(public))

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        if violation.attribute != "acl":
            return None  # which grants to keep is the owner's call
        return Fix((SetValue("acl", "private"),), 'Set the bucket ACL to "private"')


def _acls_ignored(subject: Subject, world: World) -> bool:
    """Whether the live bucket of `subject` (the bucket, or its aws_s3_bucket_acl, linked by
    bucket name) has a public access block read with ignore_public_acls true. A block whose
    read failed is not in the world (and its value would be UNKNOWN, not True): not ignored."""
    keys = ("id", "bucket") if subject.type == "aws_s3_bucket" else ("bucket",)
    found = partners(world, "aws_s3_bucket_public_access_block", subject, keys=keys).found
    return any(pab.get("ignore_public_acls") is True for pab in found)


RULE = S3PublicAcl()
