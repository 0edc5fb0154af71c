"""S3 rules: DP-S3-001..006, on HCL (CODE) and state/live attribute shapes."""

from __future__ import annotations

import json

import pytest

from driftpatch.rules.interface import (
    AddResource,
    Block,
    Expr,
    Fix,
    Origin,
    SetValue,
    Violation,
)
from tests.rules.harness import Case, ids, run

CODE, STATE, LIVE = Origin.CODE, Origin.STATE, Origin.LIVE
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
OWNER_GRANT = {"id": "abc123", "permissions": ["FULL_CONTROL"], "type": "CanonicalUser", "uri": ""}


def policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


PUBLIC_READ = {
    "Sid": "Public",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::b1/*",
}

PUBLIC_GRANT_BUCKET = (
    "aws_s3_bucket",
    "b",
    {
        "id": "b1",
        "bucket": "b1",
        "grant": [
            OWNER_GRANT,
            {"id": "", "permissions": ["READ"], "type": "Group", "uri": ALL_USERS},
        ],
    },
)
IGNORING = {
    "id": "b1",
    "bucket": "b1",
    "block_public_acls": False,
    "block_public_policy": False,
    "ignore_public_acls": True,
    "restrict_public_buckets": False,
}

S3_001 = [
    Case(
        "DP-S3-001",
        CODE,
        "aws_s3_bucket.site",
        (Violation("acl", "public-read", "private", "canned ACL public-read"),),
        hcl='resource "aws_s3_bucket" "site" {\n  bucket = "site"\n  acl    = "public-read"\n}\n',
        fix=Fix((SetValue("acl", "private"),), 'Set the bucket ACL to "private"'),
    ),
    Case(
        "DP-S3-001",
        CODE,
        "aws_s3_bucket.g",
        (
            Violation(
                "grant",
                ["READ to AllUsers", "WRITE to AllUsers"],
                None,
                "grants READ to AllUsers, WRITE to AllUsers",
            ),
        ),
        hcl=f"""
resource "aws_s3_bucket" "g" {{
  bucket = "g"
  grant {{
    type        = "Group"
    uri         = "{ALL_USERS}"
    permissions = ["READ", "WRITE"]
  }}
}}
""",
        fix=None,
        name="grant",
    ),
    Case(
        "DP-S3-001",
        CODE,
        "aws_s3_bucket_acl.a",
        (
            Violation(
                "access_control_policy[0].grant",
                ["READ to AuthenticatedUsers"],
                None,
                "grants READ to AuthenticatedUsers",
            ),
        ),
        hcl=f"""
resource "aws_s3_bucket" "b" {{
  bucket = "b"
}}
resource "aws_s3_bucket_acl" "a" {{
  bucket = aws_s3_bucket.b.id
  access_control_policy {{
    grant {{
      grantee {{
        type = "Group"
        uri  = "{AUTH_USERS}"
      }}
      permission = "READ"
    }}
    owner {{
      id = "abc123"
    }}
  }}
}}
""",
        name="acl-resource",
    ),
    Case(
        "DP-S3-001",
        CODE,
        "aws_s3_bucket.p",
        hcl='resource "aws_s3_bucket" "p" {\n  bucket = "p"\n  acl    = "private"\n}\n',
    ),
    Case(
        "DP-S3-001",
        CODE,
        "aws_s3_bucket.b",
        hcl="""
resource "aws_s3_bucket" "b" {
  bucket = "b"
  acl    = "public-read"
}
resource "aws_s3_bucket_acl" "b" {
  bucket = aws_s3_bucket.b.id
  acl    = "private"
}
""",
        name="owned-by-acl-resource",
    ),
    Case(
        "DP-S3-001",
        CODE,
        "aws_s3_bucket.v",
        hcl='resource "aws_s3_bucket" "v" {\n  bucket = "v"\n  acl    = var.acl\n}\n',
        name="unknown",
    ),
    Case(
        "DP-S3-001",
        STATE,
        "aws_s3_bucket.b",
        (Violation("grant", ["READ to AllUsers"], None, "grants READ to AllUsers"),),
        resources=(
            (
                "aws_s3_bucket",
                "b",
                {
                    "id": "b1",
                    "bucket": "b1",
                    "acl": None,
                    "grant": [
                        OWNER_GRANT,
                        {"id": "", "permissions": ["READ"], "type": "Group", "uri": ALL_USERS},
                    ],
                },
            ),
        ),
    ),
    Case(
        "DP-S3-001",
        STATE,
        "aws_s3_bucket.b",
        resources=(("aws_s3_bucket", "b", {"id": "b1", "acl": None, "grant": [OWNER_GRANT]}),),
    ),
    Case(
        "DP-S3-001",
        LIVE,
        "aws_s3_bucket_acl.a",
        (Violation("acl", "public-read-write", "private", "canned ACL public-read-write"),),
        resources=(
            (
                "aws_s3_bucket_acl",
                "a",
                {"id": "b1,public-read-write", "bucket": "b1", "acl": "public-read-write"},
            ),
        ),
        fix=Fix((SetValue("acl", "private"),), 'Set the bucket ACL to "private"'),
    ),
    # Live: what the ACL exposes. A public access block ignoring public ACLs makes S3 ignore
    # them; one that does not (or none) leaves them in force. State and code keep the ACL as
    # written: the configuration asks for it, and the block may go.
    Case(
        "DP-S3-001",
        LIVE,
        "aws_s3_bucket.b",
        resources=(PUBLIC_GRANT_BUCKET, ("aws_s3_bucket_public_access_block", "b", IGNORING)),
        name="acls-ignored",
    ),
    Case(
        "DP-S3-001",
        LIVE,
        "aws_s3_bucket.b",
        (Violation("grant", ["READ to AllUsers"], None, "grants READ to AllUsers"),),
        resources=(
            PUBLIC_GRANT_BUCKET,
            ("aws_s3_bucket_public_access_block", "b", {**IGNORING, "ignore_public_acls": False}),
        ),
        name="acls-honoured",
    ),
    Case(
        "DP-S3-001",
        LIVE,
        "aws_s3_bucket.b",
        (Violation("grant", ["READ to AllUsers"], None, "grants READ to AllUsers"),),
        resources=(
            PUBLIC_GRANT_BUCKET,
            ("aws_s3_bucket_public_access_block", "o", {**IGNORING, "bucket": "other"}),
        ),
        name="another-buckets-block",
    ),
    Case(
        "DP-S3-001",
        LIVE,
        "aws_s3_bucket_acl.a",
        resources=(
            ("aws_s3_bucket_acl", "a", {"id": "b1", "bucket": "b1", "acl": "public-read"}),
            ("aws_s3_bucket_public_access_block", "b", IGNORING),
        ),
        name="acl-resource-acls-ignored",
    ),
    Case(
        "DP-S3-001",
        STATE,
        "aws_s3_bucket.b",
        (Violation("grant", ["READ to AllUsers"], None, "grants READ to AllUsers"),),
        resources=(PUBLIC_GRANT_BUCKET, ("aws_s3_bucket_public_access_block", "b", IGNORING)),
        name="state-keeps-the-acl-as-written",
    ),
    Case(
        "DP-S3-001",
        CODE,
        "aws_s3_bucket.site",
        (Violation("acl", "public-read", "private", "canned ACL public-read"),),
        hcl="""
resource "aws_s3_bucket" "site" {
  bucket = "site"
  acl    = "public-read"
}
resource "aws_s3_bucket_public_access_block" "site" {
  bucket             = aws_s3_bucket.site.id
  ignore_public_acls = true
}
""",
        name="code-keeps-the-acl-as-written",
    ),
]

S3_002 = [
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        (
            Violation(
                "policy", ["s3:GetObject"], None, 'statement "Public" allows s3:GetObject to anyone'
            ),
        ),
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Public"
      Effect    = "Allow"
      Principal = "*"
      Action    = ["s3:GetObject"]
      Resource  = "${aws_s3_bucket.b.arn}/*"
    }]
  })
}
""",
        fix=None,
    ),
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.b.arn}/*"
      Condition = { StringEquals = { "aws:SourceVpce" = "vpce-1234" } }
    }]
  })
}
""",
        name="condition",
    ),
    # Issue 11: only a condition that restricts the principals or sources silences it.
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        (
            Violation(
                "policy", ["s3:GetObject"], None, "statement #1 allows s3:GetObject to anyone"
            ),
        ),
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::b1/*"
      Condition = { ArnLike = { "aws:PrincipalArn" = "arn:aws:iam::*" } }
    }]
  })
}
""",
        name="any account by principal arn",
    ),
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        (
            Violation(
                "policy", ["s3:GetObject"], None, "statement #1 allows s3:GetObject to anyone"
            ),
        ),
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::b1/*"
      Condition = { Bool = { "aws:SecureTransport" = "true" } }
    }]
  })
}
""",
        name="secure transport only",
    ),
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        (
            Violation(
                "policy", ["s3:GetObject"], None, "statement #1 allows s3:GetObject to anyone"
            ),
        ),
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::b1/*"
      Condition = { IpAddress = { "aws:SourceIp" = ["0.0.0.0/0"] } }
    }]
  })
}
""",
        name="open source ip",
    ),
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        (
            Violation(
                "policy", ["s3:GetObject"], None, "statement #1 allows s3:GetObject to anyone"
            ),
        ),
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::b1/*"
      Condition = { StringNotEquals = { "aws:SourceAccount" = "111122223333" } }
    }]
  })
}
""",
        name="negated account",
    ),
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        (
            Violation(
                "policy", ["s3:GetObject"], None, "statement #1 allows s3:GetObject to anyone"
            ),
        ),
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::b1/*"
      Condition = { StringEqualsIfExists = { "aws:SourceVpce" = "vpce-1" } }
    }]
  })
}
""",
        name="vpce if exists",
    ),
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::b1/*"
      Condition = { ArnLike = { "aws:PrincipalArn" = "arn:aws:iam::111122223333:role/*" } }
    }]
  })
}
""",
        name="one account roles",
    ),
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::b1/*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-abc123" } }
    }]
  })
}
""",
        name="organisation",
    ),
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::b1/*"
      Condition = { IpAddress = { "aws:SourceIp" = "203.0.113.0/24" } }
    }]
  })
}
""",
        name="office ip",
    ),
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        hcl="""
variable "org" {}
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::b1/*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = var.org } }
    }]
  })
}
""",
        name="organisation from a variable",
    ),
    Case(
        "DP-S3-002",
        CODE,
        "aws_s3_bucket_policy.p",
        hcl="""
resource "aws_s3_bucket_policy" "p" {
  bucket = "b1"
  policy = data.aws_iam_policy_document.p.json
}
""",
        name="unknown",
    ),
    Case(
        "DP-S3-002",
        STATE,
        "aws_s3_bucket.b",
        (
            Violation(
                "policy", ["s3:GetObject"], None, "statement #1 allows s3:GetObject to anyone"
            ),
        ),
        resources=(
            (
                "aws_s3_bucket",
                "b",
                {
                    "id": "b1",
                    "policy": policy(
                        {**{k: v for k, v in PUBLIC_READ.items() if k != "Sid"}},
                        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
                    ),
                },
            ),
        ),
    ),
    Case(
        "DP-S3-002",
        STATE,
        "aws_s3_bucket.b",
        resources=(
            ("aws_s3_bucket", "b", {"id": "b1", "policy": policy(PUBLIC_READ)}),
            (
                "aws_s3_bucket_policy",
                "b",
                {
                    "id": "b1",
                    "bucket": "b1",
                    "policy": policy(
                        {**PUBLIC_READ, "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}
                    ),
                },
            ),
        ),
        name="owned-by-policy-resource",
    ),
    Case(
        "DP-S3-002",
        LIVE,
        "aws_s3_bucket_policy.p",
        (
            Violation(
                "policy",
                ["s3:GetObject", "s3:PutObject"],
                None,
                'statements "Public", #2 allow s3:GetObject, s3:PutObject to anyone',
            ),
        ),
        resources=(
            (
                "aws_s3_bucket_policy",
                "p",
                {
                    "id": "b1",
                    "bucket": "b1",
                    "policy": policy(
                        PUBLIC_READ,
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": ["*"]},
                            "Action": "s3:PutObject",
                            "Resource": "arn:aws:s3:::b1/*",
                        },
                    ),
                },
            ),
        ),
    ),
    Case(
        "DP-S3-002",
        LIVE,
        "aws_s3_bucket_policy.p",
        resources=(
            (
                "aws_s3_bucket_policy",
                "p",
                {
                    "id": "b1",
                    "bucket": "b1",
                    "policy": policy(
                        {**PUBLIC_READ, "Principal": {"Service": "cloudfront.amazonaws.com"}}
                    ),
                },
            ),
        ),
    ),
]

PAB_FIX = Fix(
    (
        AddResource(
            type="aws_s3_bucket_public_access_block",
            name="{name}",
            arguments={
                "bucket": Expr("{address}.id"),
                "block_public_acls": True,
                "block_public_policy": True,
                "ignore_public_acls": True,
                "restrict_public_buckets": True,
            },
        ),
    ),
    "Add a public access block with all four settings on",
)
ALL_ON = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}

S3_003 = [
    Case(
        "DP-S3-003",
        CODE,
        "aws_s3_bucket.b",
        (Violation(None, None, None, "no aws_s3_bucket_public_access_block for this bucket"),),
        hcl='resource "aws_s3_bucket" "b" {\n  bucket = "b1"\n}\n',
        fix=PAB_FIX,
    ),
    Case(
        "DP-S3-003",
        CODE,
        "aws_s3_bucket.b",
        hcl="""
resource "aws_s3_bucket" "b" {
  bucket = "b1"
}
resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
""",
        name="linked-by-reference",
    ),
    Case(
        "DP-S3-003",
        CODE,
        "aws_s3_bucket_public_access_block.b",
        (
            Violation("block_public_policy", False, True, "block_public_policy is false"),
            Violation(
                "ignore_public_acls", False, True, "ignore_public_acls not set (defaults to false)"
            ),
            Violation(
                "restrict_public_buckets",
                False,
                True,
                "restrict_public_buckets not set (defaults to false)",
            ),
        ),
        hcl="""
resource "aws_s3_bucket_public_access_block" "b" {
  bucket              = aws_s3_bucket.b.id
  block_public_acls   = true
  block_public_policy = false
}
""",
        fix=Fix((SetValue("block_public_policy", True),), "Set block_public_policy = true"),
        name="flags",
    ),
    # Issue 11: a block on a bucket named outside the code (a variable) is not this bucket's,
    # whose name the code writes: a bucket created here is named by a reference.
    Case(
        "DP-S3-003",
        CODE,
        "aws_s3_bucket.b",
        violations=(
            Violation(None, None, None, "no aws_s3_bucket_public_access_block for this bucket"),
        ),
        hcl="""
resource "aws_s3_bucket" "b" {
  bucket = "b1"
}
resource "aws_s3_bucket_public_access_block" "x" {
  bucket = var.bucket_name
}
""",
        name="external name",
    ),
    # Both names decided outside the code: they may be the same bucket, so no finding.
    Case(
        "DP-S3-003",
        CODE,
        "aws_s3_bucket.b",
        hcl="""
variable "name" {}
variable "other" {}
resource "aws_s3_bucket" "b" {
  bucket = var.name
}
resource "aws_s3_bucket_public_access_block" "x" {
  bucket = var.other
}
""",
        name="undecided",
    ),
    Case(
        "DP-S3-003",
        CODE,
        "aws_s3_bucket.b",
        hcl="""
resource "aws_s3_bucket" "b" {
  bucket = "b1"
}
resource "aws_s3_account_public_access_block" "this" {
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
""",
        name="account-level",
    ),
    Case(
        "DP-S3-003",
        STATE,
        "aws_s3_bucket.b",
        (Violation(None, None, None, "no aws_s3_bucket_public_access_block for this bucket"),),
        resources=(
            ("aws_s3_bucket", "b", {"id": "b1", "bucket": "b1"}),
            ("aws_s3_bucket_public_access_block", "other", {"id": "b2", "bucket": "b2", **ALL_ON}),
        ),
        fix=PAB_FIX,
    ),
    Case(
        "DP-S3-003",
        STATE,
        "aws_s3_bucket.b",
        resources=(
            ("aws_s3_bucket", "b", {"id": "b1", "bucket": "b1"}),
            ("aws_s3_bucket_public_access_block", "b", {"id": "b1", "bucket": "b1", **ALL_ON}),
        ),
    ),
    Case(
        "DP-S3-003",
        LIVE,
        "aws_s3_bucket_public_access_block.b",
        (Violation("restrict_public_buckets", False, True, "restrict_public_buckets is false"),),
        resources=(
            (
                "aws_s3_bucket_public_access_block",
                "b",
                {"id": "b1", "bucket": "b1", **ALL_ON, "restrict_public_buckets": False},
            ),
        ),
        fix=Fix((SetValue("restrict_public_buckets", True),), "Set restrict_public_buckets = true"),
    ),
    Case(
        "DP-S3-003",
        LIVE,
        "aws_s3_bucket_public_access_block.b",
        resources=(
            ("aws_s3_bucket_public_access_block", "b", {"id": "b1", "bucket": "b1", **ALL_ON}),
        ),
    ),
]

SSE_STATE = [
    {
        "expected_bucket_owner": "",
        "rule": [
            {
                "apply_server_side_encryption_by_default": [
                    {"kms_master_key_id": "", "sse_algorithm": "AES256"}
                ],
                "bucket_key_enabled": False,
            }
        ],
    }
]
SSE_FIX = Fix(
    (
        AddResource(
            type="aws_s3_bucket_server_side_encryption_configuration",
            name="{name}",
            arguments={"bucket": Expr("{address}.id")},
            blocks={
                "rule": (
                    {"apply_server_side_encryption_by_default": Block({"sse_algorithm": "AES256"})},
                )
            },
        ),
    ),
    "Add default SSE-S3 encryption for the bucket",
)
NO_SSE = Violation(
    "server_side_encryption_configuration", None, None, "no default encryption configured"
)

S3_004 = [
    Case(
        "DP-S3-004",
        CODE,
        "aws_s3_bucket.b",
        (NO_SSE,),
        hcl='resource "aws_s3_bucket" "b" {\n  bucket = "b1"\n}\n',
        fix=SSE_FIX,
    ),
    Case(
        "DP-S3-004",
        CODE,
        "aws_s3_bucket.b",
        hcl="""
resource "aws_s3_bucket" "b" {
  bucket = "b1"
}
resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
  bucket = aws_s3_bucket.b.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}
""",
        name="split",
    ),
    Case(
        "DP-S3-004",
        CODE,
        "aws_s3_bucket.b",
        hcl="""
resource "aws_s3_bucket" "b" {
  bucket = "b1"
  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        sse_algorithm = "AES256"
      }
    }
  }
}
""",
        name="inline",
    ),
    Case(
        "DP-S3-004",
        STATE,
        "aws_s3_bucket.b",
        (NO_SSE,),
        resources=(
            ("aws_s3_bucket", "b", {"id": "b1", "server_side_encryption_configuration": []}),
        ),
    ),
    Case(
        "DP-S3-004",
        STATE,
        "aws_s3_bucket.b",
        resources=(
            ("aws_s3_bucket", "b", {"id": "b1", "server_side_encryption_configuration": SSE_STATE}),
        ),
    ),
    Case(
        "DP-S3-004",
        LIVE,
        "aws_s3_bucket.b",
        resources=(
            ("aws_s3_bucket", "b", {"id": "b1", "server_side_encryption_configuration": SSE_STATE}),
        ),
    ),
]

VERSIONING_ADD = Fix(
    (
        AddResource(
            type="aws_s3_bucket_versioning",
            name="{name}",
            arguments={"bucket": Expr("{address}.id")},
            blocks={"versioning_configuration": ({"status": "Enabled"},)},
        ),
    ),
    "Add aws_s3_bucket_versioning with versioning enabled",
)
NOT_VERSIONED = Violation("versioning", False, True, "versioning is not enabled")
STATUS = "versioning_configuration[0].status"

S3_005 = [
    Case(
        "DP-S3-005",
        CODE,
        "aws_s3_bucket.b",
        (NOT_VERSIONED,),
        hcl='resource "aws_s3_bucket" "b" {\n  bucket = "b1"\n}\n',
        fix=VERSIONING_ADD,
    ),
    Case(
        "DP-S3-005",
        CODE,
        "aws_s3_bucket.b",
        (NOT_VERSIONED,),
        hcl="""
resource "aws_s3_bucket" "b" {
  bucket = "b1"
  versioning {
    enabled = false
  }
}
""",
        fix=Fix((SetValue("versioning[0].enabled", True),), "Enable inline versioning"),
        name="inline",
    ),
    Case(
        "DP-S3-005",
        CODE,
        "aws_s3_bucket.b",
        hcl="""
resource "aws_s3_bucket" "b" {
  bucket = "b1"
}
resource "aws_s3_bucket_versioning" "b" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = "Enabled"
  }
}
""",
        name="split",
    ),
    Case(
        "DP-S3-005",
        CODE,
        "aws_s3_bucket_versioning.b",
        (Violation(STATUS, "Suspended", "Enabled", "versioning status is Suspended"),),
        hcl="""
resource "aws_s3_bucket_versioning" "b" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = "Suspended"
  }
}
""",
        fix=Fix((SetValue(STATUS, "Enabled"),), 'Set versioning status to "Enabled"'),
        name="split-suspended",
    ),
    Case(
        "DP-S3-005",
        STATE,
        "aws_s3_bucket.b",
        (NOT_VERSIONED,),
        resources=(
            (
                "aws_s3_bucket",
                "b",
                {"id": "b1", "versioning": [{"enabled": False, "mfa_delete": False}]},
            ),
        ),
        fix=VERSIONING_ADD,
    ),
    Case(
        "DP-S3-005",
        STATE,
        "aws_s3_bucket.b",
        resources=(
            (
                "aws_s3_bucket",
                "b",
                {"id": "b1", "versioning": [{"enabled": False, "mfa_delete": False}]},
            ),
            (
                "aws_s3_bucket_versioning",
                "b",
                {
                    "id": "b1",
                    "bucket": "b1",
                    "versioning_configuration": [{"mfa_delete": "", "status": "Enabled"}],
                },
            ),
        ),
        name="split-owns-it",
    ),
    Case(
        "DP-S3-005",
        LIVE,
        "aws_s3_bucket.b",
        resources=(
            (
                "aws_s3_bucket",
                "b",
                {"id": "b1", "versioning": [{"enabled": True, "mfa_delete": False}]},
            ),
        ),
    ),
]

NO_LOGGING = Violation("logging", None, None, "server access logging is off")

S3_006 = [
    Case(
        "DP-S3-006",
        CODE,
        "aws_s3_bucket.app",
        (NO_LOGGING,),
        hcl='resource "aws_s3_bucket" "app" {\n  bucket = "app"\n}\n',
        fix=None,
    ),
    Case(
        "DP-S3-006",
        CODE,
        "aws_s3_bucket.app",
        hcl="""
resource "aws_s3_bucket" "app" {
  bucket = "app"
}
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
resource "aws_s3_bucket_logging" "app" {
  bucket        = aws_s3_bucket.app.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "app/"
}
""",
        name="split",
    ),
    Case(
        "DP-S3-006",
        CODE,
        "aws_s3_bucket.logs",
        hcl="""
resource "aws_s3_bucket" "app" {
  bucket = "app"
}
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
resource "aws_s3_bucket_logging" "app" {
  bucket        = aws_s3_bucket.app.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "app/"
}
""",
        name="log-target",
    ),
    Case(
        "DP-S3-006",
        STATE,
        "aws_s3_bucket.app",
        (NO_LOGGING,),
        resources=(("aws_s3_bucket", "app", {"id": "app", "bucket": "app", "logging": []}),),
    ),
    Case(
        "DP-S3-006",
        STATE,
        "aws_s3_bucket.app",
        resources=(
            (
                "aws_s3_bucket",
                "app",
                {"id": "app", "logging": [{"target_bucket": "logs", "target_prefix": "app/"}]},
            ),
        ),
    ),
    Case(
        "DP-S3-006",
        STATE,
        "aws_s3_bucket.logs",
        resources=(
            ("aws_s3_bucket", "logs", {"id": "logs", "bucket": "logs", "logging": []}),
            (
                "aws_s3_bucket",
                "app",
                {"id": "app", "logging": [{"target_bucket": "logs", "target_prefix": "app/"}]},
            ),
        ),
        name="log-target-inline",
    ),
]

CASES = [*S3_001, *S3_002, *S3_003, *S3_004, *S3_005, *S3_006]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_s3_rules(case: Case) -> None:
    run(case)
