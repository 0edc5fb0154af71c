"""IAM rules: DP-IAM-001..005."""

from __future__ import annotations

import json

import pytest

from driftpatch.rules.interface import UNKNOWN, Origin, Violation
from tests.rules.harness import Case, ids, run

CODE, STATE, LIVE = Origin.CODE, Origin.STATE, Origin.LIVE


def doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ADMIN = {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}
ASSUME_EC2 = {
    "Effect": "Allow",
    "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole",
}

IAM_001 = [
    Case(
        "DP-IAM-001",
        CODE,
        "aws_iam_policy.admin",
        (Violation("policy", "*:*", None, 'statement "Admin" allow * on *'),),
        hcl="""
resource "aws_iam_policy" "admin" {
  name = "admin"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Admin", Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
""",
        fix=None,
    ),
    Case(
        "DP-IAM-001",
        CODE,
        "aws_iam_role_policy.p",
        (Violation("policy", "*:*", None, "statement #2 allow * on *"),),
        hcl="""
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.id
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "${aws_s3_bucket.b.arn}/*"},
        {"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]}
      ]
    }
  EOT
}
""",
        name="heredoc",
    ),
    Case(
        "DP-IAM-001",
        CODE,
        "aws_iam_policy.scoped",
        hcl="""
resource "aws_iam_policy" "scoped" {
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = "*", Resource = aws_s3_bucket.b.arn },
      { Effect = "Deny", Action = "*", Resource = "*" },
    ]
  })
}
""",
    ),
    Case(
        "DP-IAM-001",
        STATE,
        "aws_iam_role.r",
        (
            Violation(
                "inline_policy", "*:*", None, 'inline policy god: statement "Admin" allow * on *'
            ),
        ),
        resources=(
            (
                "aws_iam_role",
                "r",
                {
                    "id": "app",
                    "name": "app",
                    "assume_role_policy": doc(ASSUME_EC2),
                    "inline_policy": [{"name": "god", "policy": doc(ADMIN)}],
                },
            ),
        ),
        name="role-inline",
    ),
    Case(
        "DP-IAM-001",
        STATE,
        "aws_iam_role.r",
        resources=(
            (
                "aws_iam_role",
                "r",
                {
                    "id": "app",
                    "name": "app",
                    "inline_policy": [{"name": "god", "policy": doc(ADMIN)}],
                },
            ),
            (
                "aws_iam_role_policy",
                "god",
                {"id": "app:god", "role": "app", "name": "god", "policy": doc(ADMIN)},
            ),
        ),
        name="inline-owned-by-role-policy",
    ),
    Case(
        "DP-IAM-001",
        LIVE,
        "aws_iam_group_policy.g",
        (Violation("policy", "*:*", None, 'statement "Admin" allow * on *'),),
        resources=(("aws_iam_group_policy", "g", {"id": "ops:all", "policy": doc(ADMIN)}),),
    ),
    Case(
        "DP-IAM-001",
        LIVE,
        "aws_iam_policy.p",
        resources=(
            (
                "aws_iam_policy",
                "p",
                {"id": "arn:aws:iam::1:policy/p", "policy": doc({**ADMIN, "Action": "s3:*"})},
            ),
        ),
    ),
]

IAM_002 = [
    Case(
        "DP-IAM-002",
        CODE,
        "aws_iam_role.open",
        (Violation("assume_role_policy", "*", None, "statement #1 let anyone assume it"),),
        hcl="""
resource "aws_iam_role" "open" {
  name = "open"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }]
  })
}
""",
        fix=None,
    ),
    Case(
        "DP-IAM-002",
        CODE,
        "aws_iam_role.partner",
        hcl="""
resource "aws_iam_role" "partner" {
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = var.external_id } }
    }]
  })
}
""",
        name="condition",
    ),
    Case(
        "DP-IAM-002",
        STATE,
        "aws_iam_role.r",
        (Violation("assume_role_policy", "*", None, 'statement "Any" let anyone assume it'),),
        resources=(
            (
                "aws_iam_role",
                "r",
                {
                    "id": "r",
                    "assume_role_policy": doc(
                        ASSUME_EC2,
                        {
                            "Sid": "Any",
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "sts:AssumeRole",
                        },
                    ),
                },
            ),
        ),
    ),
    Case(
        "DP-IAM-002",
        LIVE,
        "aws_iam_role.r",
        resources=(("aws_iam_role", "r", {"id": "r", "assume_role_policy": doc(ASSUME_EC2)}),),
    ),
]

IAM_003 = [
    Case(
        "DP-IAM-003",
        CODE,
        "aws_iam_user_policy.u",
        (Violation(None, None, None, "inline policy on user alice"),),
        hcl="""
resource "aws_iam_user_policy" "u" {
  name   = "p"
  user   = "alice"
  policy = "{}"
}
""",
        fix=None,
    ),
    Case(
        "DP-IAM-003",
        CODE,
        "aws_iam_role.r",
        (Violation("inline_policy", ["extra"], [], "inline policy extra"),),
        hcl="""
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
  inline_policy {
    name   = "extra"
    policy = jsonencode({ Statement = [] })
  }
}
""",
        name="role-block",
    ),
    Case(
        "DP-IAM-003",
        CODE,
        "aws_iam_role.r",
        hcl=(
            'resource "aws_iam_role" "r" {\n'
            '  name               = "r"\n'
            '  assume_role_policy = "{}"\n'
            "}\n"
        ),
    ),
    Case(
        "DP-IAM-003",
        STATE,
        "aws_iam_role_policy.p",
        (Violation(None, None, None, "inline policy on role app"),),
        resources=(
            (
                "aws_iam_role_policy",
                "p",
                {"id": "app:p", "role": "app", "name": "p", "policy": "{}"},
            ),
        ),
    ),
    Case(
        "DP-IAM-003",
        STATE,
        "aws_iam_role.r",
        resources=(("aws_iam_role", "r", {"id": "r", "name": "r", "inline_policy": []}),),
    ),
    Case(
        "DP-IAM-003",
        LIVE,
        "aws_iam_role.r",
        resources=(
            (
                "aws_iam_role",
                "r",
                {"id": "app", "name": "app", "inline_policy": [{"name": "p", "policy": "{}"}]},
            ),
            (
                "aws_iam_role_policy",
                "p",
                {"id": "app:p", "role": "app", "name": "p", "policy": "{}"},
            ),
        ),
        name="owned-by-role-policy",
    ),
]

IAM_004 = [
    Case(
        "DP-IAM-004",
        CODE,
        "aws_iam_user_policy_attachment.a",
        (
            Violation(
                None, None, None, "policy arn:aws:iam::aws:policy/ReadOnlyAccess attached to a user"
            ),
        ),
        hcl="""
resource "aws_iam_user_policy_attachment" "a" {
  user       = aws_iam_user.alice.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
""",
        fix=None,
    ),
    Case(
        "DP-IAM-004",
        CODE,
        "aws_iam_policy_attachment.a",
        hcl="""
resource "aws_iam_policy_attachment" "a" {
  name       = "a"
  groups     = ["ops"]
  policy_arn = aws_iam_policy.p.arn
}
""",
    ),
    Case(
        "DP-IAM-004",
        STATE,
        "aws_iam_policy_attachment.a",
        (
            Violation(
                "users",
                ["alice", "bob"],
                [],
                "policy arn:aws:iam::1:policy/p attached to users alice, bob",
            ),
        ),
        resources=(
            (
                "aws_iam_policy_attachment",
                "a",
                {
                    "id": "a",
                    "policy_arn": "arn:aws:iam::1:policy/p",
                    "users": ["bob", "alice"],
                    "groups": [],
                },
            ),
        ),
    ),
    Case(
        "DP-IAM-004",
        STATE,
        "aws_iam_policy_attachment.a",
        resources=(
            (
                "aws_iam_policy_attachment",
                "a",
                {"id": "a", "policy_arn": "x", "users": [], "roles": ["r"]},
            ),
        ),
    ),
]

ADMIN_POLICY_HCL = """
resource "aws_iam_policy" "admin" {
  name   = "full-admin"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
resource "aws_iam_policy" "read" {
  name   = "read"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}
"""
CUSTOMER_ADMIN = "arn:aws:iam::123456789012:policy/full-admin"


def policy(name: str, statement: dict[str, object]) -> tuple[str, str, dict[str, object]]:
    arn = f"arn:aws:iam::123456789012:policy/{name}"
    return ("aws_iam_policy", name, {"id": arn, "arn": arn, "name": name, "policy": doc(statement)})


IAM_005 = [
    # Issue 11: a role's managed_policy_arns attach policies too.
    Case(
        "DP-IAM-005",
        CODE,
        "aws_iam_role.ops",
        (
            Violation(
                "managed_policy_arns",
                "arn:aws:iam::aws:policy/AdministratorAccess",
                None,
                "AdministratorAccess attached to role ops",
            ),
        ),
        hcl="""
variable "admin" {
  default = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_role" "ops" {
  name                = "ops"
  assume_role_policy  = data.aws_iam_policy_document.trust.json
  managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess", var.admin]
}
""",
        fix=None,
        name="managed_policy_arns",
    ),
    Case(
        "DP-IAM-005",
        CODE,
        "aws_iam_role.app",
        (
            Violation(
                "managed_policy_arns",
                UNKNOWN,
                None,
                "policy full-admin (allows * on *) attached to role app",
            ),
        ),
        hcl=ADMIN_POLICY_HCL
        + """
resource "aws_iam_role" "app" {
  name                = "app"
  assume_role_policy  = "{}"
  managed_policy_arns = [aws_iam_policy.read.arn, aws_iam_policy.admin.arn]
}
""",
        name="managed_policy_arns customer policy",
    ),
    Case(
        "DP-IAM-005",
        CODE,
        "aws_iam_role.ops",
        hcl="""
resource "aws_iam_role" "ops" {
  name                = "ops"
  assume_role_policy  = "{}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess", var.other]
}
""",
        name="managed_policy_arns scoped",
    ),
    Case(
        "DP-IAM-005",
        STATE,
        "aws_iam_role.ops",
        (
            Violation(
                "managed_policy_arns",
                "arn:aws:iam::aws:policy/AdministratorAccess",
                None,
                "AdministratorAccess attached to role ops",
            ),
        ),
        resources=(
            (
                "aws_iam_role",
                "ops",
                {
                    "id": "ops",
                    "name": "ops",
                    "managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
                },
            ),
        ),
        name="managed_policy_arns",
    ),
    Case(
        "DP-IAM-005",
        STATE,
        "aws_iam_role.ops",
        resources=(
            (
                "aws_iam_role",
                "ops",
                {
                    "id": "ops",
                    "name": "ops",
                    "managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
                },
            ),
            (
                "aws_iam_role_policy_attachment",
                "ops",
                {
                    "id": "ops-1",
                    "role": "ops",
                    "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess",
                },
            ),
        ),
        name="echo of an attachment",
    ),
    Case(
        "DP-IAM-005",
        CODE,
        "aws_iam_role_policy_attachment.app",
        (
            Violation(
                "policy_arn",
                UNKNOWN,
                None,
                "policy full-admin (allows * on *) attached to a role",
            ),
        ),
        hcl=ADMIN_POLICY_HCL
        + """
resource "aws_iam_role_policy_attachment" "app" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.admin.arn
}
""",
        fix=None,
    ),
    Case(
        "DP-IAM-005",
        CODE,
        "aws_iam_role_policy_attachment.app",
        hcl=ADMIN_POLICY_HCL
        + """
resource "aws_iam_role_policy_attachment" "app" {
  role       = "app"
  policy_arn = aws_iam_policy.read.arn
}
""",
        name="scoped-policy",
    ),
    Case(
        "DP-IAM-005",
        CODE,
        "aws_iam_group_policy_attachment.ops",
        (
            Violation(
                "policy_arn",
                "arn:aws:iam::aws:policy/AdministratorAccess",
                None,
                "AdministratorAccess attached to group ops",
            ),
        ),
        hcl="""
resource "aws_iam_group_policy_attachment" "ops" {
  group      = "ops"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
""",
        name="aws-managed",
    ),
    Case(
        "DP-IAM-005",
        LIVE,
        "aws_iam_role_policy_attachment.app",
        (
            Violation(
                "policy_arn",
                CUSTOMER_ADMIN,
                None,
                "policy full-admin (allows * on *) attached to role app",
            ),
        ),
        resources=(
            policy("full-admin", ADMIN),
            (
                "aws_iam_role_policy_attachment",
                "app",
                {"id": "app-x", "role": "app", "policy_arn": CUSTOMER_ADMIN},
            ),
        ),
    ),
    Case(
        "DP-IAM-005",
        STATE,
        "aws_iam_policy_attachment.all",
        (
            Violation(
                "policy_arn",
                "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
                None,
                "AdministratorAccess attached to role deploy, user bob",
            ),
        ),
        resources=(
            (
                "aws_iam_policy_attachment",
                "all",
                {
                    "id": "all",
                    "policy_arn": "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
                    "roles": ["deploy"],
                    "users": ["bob"],
                    "groups": [],
                },
            ),
        ),
        name="partition",
    ),
    Case(
        "DP-IAM-005",
        STATE,
        "aws_iam_role_policy_attachment.app",
        resources=(
            policy("read", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
            (
                "aws_iam_role_policy_attachment",
                "app",
                {
                    "id": "app-x",
                    "role": "app",
                    "policy_arn": "arn:aws:iam::123456789012:policy/read",
                },
            ),
        ),
    ),
]

CASES = [*IAM_001, *IAM_002, *IAM_003, *IAM_004, *IAM_005]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_iam_rules(case: Case) -> None:
    run(case)
