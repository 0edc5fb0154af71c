"""Patches that respect which resource owns a setting, and security drift that is never codified.

Small HCL + the drift finding a scan would give (state value -> live value) + the separate
resources in state; each case asserts the exact patch text, the action, and the remediation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from driftpatch.config import Prefer
from driftpatch.fix.ownership import Separate, legacy_aws_provider
from driftpatch.fix.remedies import Plan, plan_remedies
from driftpatch.fix.verify import Applied, apply_plan
from driftpatch.model import Category, Finding, Kind, PatchAction, Severity
from driftpatch.terraform.source import index_source

MAIN = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = "vpc-1"
}

resource "aws_security_group_rule" "https" {
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_blocks       = ["0.0.0.0/0"]
}

resource "aws_security_group" "db" {
  name   = "db"
  vpc_id = "vpc-1"

  ingress {
    protocol    = "tcp"
    from_port   = 5432
    to_port     = 5432
    cidr_blocks = ["10.0.0.0/16"]
  }

  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "bare" {
  name = "bare"
}

resource "aws_security_group" "api" {
  name = "api"
}

resource "aws_vpc_security_group_ingress_rule" "api_https" {
  security_group_id = aws_security_group.api.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "10.0.0.0/8"
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = "{}"
}

resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = "{}"
}

resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = "t3.micro"

  metadata_options {
    http_tokens = "required"
  }

  lifecycle {
    ignore_changes = [metadata_options, tags]
  }
}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(MAIN)
    return tmp_path


def rule(port: int, cidr: str, protocol: str = "tcp") -> dict[str, Any]:
    return {
        "cidr_blocks": [cidr],
        "description": "",
        "from_port": port,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": protocol,
        "security_groups": [],
        "self": False,
        "to_port": port,
    }


def drift(address: str, attribute: str, expected: Any, actual: Any, rid: str) -> Finding:
    return Finding(
        kind=Kind.DRIFT,
        rule_id="DRIFT",
        title=f"{attribute} changed",
        severity=Severity.MEDIUM,
        category=Category.DRIFT,
        resource_type=address.split(".")[-2],
        address=address,
        resource_id=rid,
        attribute=attribute,
        expected=expected,
        actual=actual,
        remediation="generic advice",
    )


def run(
    src: Path, f: Finding, prefer: Prefer = Prefer.AUTO, separate: Separate | None = None
) -> tuple[Plan, Applied]:
    index = index_source(src)
    plan = plan_remedies([f], index, {}, prefer, separate=separate)
    return plan, apply_plan(plan, index)


# -- item 5: ownership ---------------------------------------------------------------------------

SG_RULE_8080 = """\
resource "aws_security_group_rule" "web_ingress_tcp_8080" {
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  protocol          = "tcp"
  from_port         = 8080
  to_port           = 8080
  cidr_blocks       = ["10.0.0.0/8"]
}

import {
  to = aws_security_group_rule.web_ingress_tcp_8080
  id = "sg-web_ingress_tcp_8080_8080_10.0.0.0/8"
}
"""


@pytest.mark.parametrize("prefer", [Prefer.AUTO, Prefer.CODIFY])
def test_sg_with_separate_rules_codifies_a_new_imported_rule(repo: Path, prefer: Prefer) -> None:
    f = drift("aws_security_group.web", "ingress", [], [rule(8080, "10.0.0.0/8")], "sg-web")
    _, applied = run(repo, f, prefer)
    (patch,) = applied.patches
    assert (patch.action, patch.verified) == (PatchAction.CODIFY, True)
    text = applied.final["main.tf"]
    # The group's block is untouched (no inline ingress); the rule follows it, imported.
    assert (
        'resource "aws_security_group" "web" {\n  name   = "web"\n  vpc_id = "vpc-1"\n}\n\n'
        + SG_RULE_8080
        + '\nresource "aws_security_group_rule" "https" {'
        in text
    )
    assert "ingress {" not in text.split('resource "aws_security_group" "db"')[0]
    assert patch.note.startswith(
        "aws_security_group.web's ingress rules are managed by aws_security_group_rule "
        "resources (inline ingress would delete them): adds "
        "aws_security_group_rule.web_ingress_tcp_8080 and imports it from AWS"
    )


def test_separate_rules_known_only_from_state_count(repo: Path) -> None:
    f = drift("aws_security_group.bare", "ingress", [], [rule(8080, "10.0.0.0/8")], "sg-bare")
    separate = Separate.from_state(
        [("aws_security_group_rule", {"security_group_id": "sg-bare", "type": "ingress"})]
    )
    _, applied = run(repo, f, separate=separate)
    (patch,) = applied.patches
    assert patch.action is PatchAction.CODIFY and patch.verified
    assert (
        "+import {\n+  to = aws_security_group_rule.bare_ingress_tcp_8080\n"
        '+  id = "sg-bare_ingress_tcp_8080_8080_10.0.0.0/8"\n+}\n'
    ) in patch.diff
    assert "+  ingress" not in patch.diff


def test_sg_with_vpc_rule_resources_is_refused_with_the_reason(repo: Path) -> None:
    f = drift("aws_security_group.api", "ingress", [], [rule(8080, "10.0.0.0/8")], "sg-api")
    _, applied = run(repo, f)
    assert applied.patches == ()
    assert applied.skipped[f.id] == (
        "aws_security_group.api's ingress rules are managed by "
        "aws_vpc_security_group_ingress_rule resources: writing inline ingress would delete "
        "them; importing the new permission as a aws_vpc_security_group_ingress_rule needs its "
        "AWS rule id (sgr-...), which the scan does not read: add the "
        "aws_vpc_security_group_ingress_rule and its import block by hand (aws ec2 "
        "describe-security-group-rules --filters Name=group-id,Values=sg-api)"
    )


def test_sg_with_inline_and_separate_rules_is_refused(repo: Path) -> None:
    f = drift("aws_security_group.db", "ingress", [], [rule(8080, "10.0.0.0/8")], "sg-db")
    separate = Separate.from_state(
        [("aws_security_group_rule", {"security_group_id": "sg-db", "type": "ingress"})]
    )
    _, applied = run(repo, f, separate=separate)
    assert applied.patches == ()
    assert applied.skipped[f.id] == (
        "aws_security_group.db writes inline ingress and its ingress rules are also managed "
        "by aws_security_group_rule resources: Terraform undoes one with the other on every "
        "apply; move the inline ingress into aws_security_group_rule resources first"
    )


def test_removed_inline_egress_is_codified_as_an_empty_list(repo: Path) -> None:
    f = drift("aws_security_group.db", "egress", [rule(0, "0.0.0.0/0", "-1")], [], "sg-db")
    _, applied = run(repo, f)
    (patch,) = applied.patches
    assert (patch.action, patch.verified) == (PatchAction.CODIFY, True)
    assert (
        '   }\n \n-  egress {\n-    protocol    = "-1"\n-    from_port   = 0\n'
        '-    to_port     = 0\n-    cidr_blocks = ["0.0.0.0/0"]\n-  }\n+  egress = []\n }\n'
    ) in patch.diff


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-data/*",
        }
    ],
}


def test_bucket_policy_is_codified_into_the_split_resource(repo: Path) -> None:
    f = drift("aws_s3_bucket.data", "policy", "", json.dumps(POLICY), "acme-data")
    _, applied = run(repo, f, Prefer.CODIFY)
    (patch,) = applied.patches
    assert (patch.action, patch.verified) == (PatchAction.CODIFY, True)
    assert (
        '+resource "aws_s3_bucket_policy" "data" {\n'
        "+  bucket = aws_s3_bucket.data.id\n"
        "+  policy = jsonencode({\n"
        '+    Version = "2012-10-17"\n'
        "+    Statement = [\n"
        "+      {\n"
        '+        Effect = "Allow"\n'
        "+        Principal = {\n"
        '+          AWS = "arn:aws:iam::123456789012:root"\n'
        "+        }\n"
        '+        Action   = "s3:GetObject"\n'
        '+        Resource = "arn:aws:s3:::acme-data/*"\n'
        "+      },\n"
        "+    ]\n"
        "+  })\n"
        "+}\n"
        "+\n"
        "+import {\n"
        "+  to = aws_s3_bucket_policy.data\n"
        '+  id = "acme-data"\n'
        "+}\n"
    ) in patch.diff
    assert "+  policy" not in patch.diff.split('resource "aws_s3_bucket_policy"')[0]


def test_bucket_setting_owned_by_a_split_resource_is_never_written_inline(repo: Path) -> None:
    f = drift("aws_s3_bucket.logs", "policy", "", json.dumps(POLICY), "acme-logs")
    _, applied = run(repo, f)
    assert applied.patches == ()
    assert applied.skipped[f.id] == (
        "policy of aws_s3_bucket.logs is managed by aws_s3_bucket_policy "
        "(aws_s3_bucket_policy.logs): never written inline; that resource's own drift is "
        "reported on it"
    )


def test_pre_4_provider_keeps_the_inline_argument(repo: Path) -> None:
    (repo / "main.tf").write_text(MAIN.replace('"~> 5.0"', '"~> 3.74"'))
    f = drift("aws_s3_bucket.data", "acl", "private", "log-delivery-write", "acme-data")
    _, applied = run(repo, f)
    (patch,) = applied.patches
    assert (
        ' resource "aws_s3_bucket" "data" {\n   bucket = "acme-data"\n'
        '+\n+  acl = "log-delivery-write"\n }\n'
    ) in patch.diff


def test_role_managed_policy_arns_become_attachments(repo: Path) -> None:
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    f = drift("aws_iam_role.app", "managed_policy_arns", [], [arn], "app")
    _, applied = run(repo, f)
    (patch,) = applied.patches
    assert (patch.action, patch.verified) == (PatchAction.CODIFY, True)
    assert (
        '+resource "aws_iam_role_policy_attachment" "app_ReadOnlyAccess" {\n'
        "+  role       = aws_iam_role.app.name\n"
        f'+  policy_arn = "{arn}"\n'
        "+}\n"
        "+\n"
        "+import {\n"
        "+  to = aws_iam_role_policy_attachment.app_ReadOnlyAccess\n"
        f'+  id = "app/{arn}"\n'
        "+}\n"
    ) in patch.diff


def test_added_role_inline_policy_is_security_drift_undone_in_aws(repo: Path) -> None:
    # DP-IAM-003 flags any inline policy on a role: one added by hand is reverted, and the code
    # is silent on the deprecated inline_policy, so the advice is the AWS call.
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]}
    actual = [{"name": "list", "policy": json.dumps(doc)}]
    f = drift("aws_iam_role.app", "inline_policy", [], actual, "app")
    plan, applied = run(repo, f, Prefer.CODIFY)
    assert applied.patches == ()
    assert applied.skipped[f.id] == (
        "inline_policy is not managed by the code: undo the change in AWS: "
        "aws iam delete-role-policy --role-name app --policy-name list"
    )
    assert plan.remediation[f.id].startswith("This change weakens security (DP-IAM-")


# -- item 6: security drift is reverted, with true advice ------------------------------------------

PUBLIC = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-data/*",
        }
    ],
}
NOT_CODIFIED = (
    "--prefer codify does not apply: drift that weakens security is reverted, never codified"
)


@pytest.mark.parametrize("prefer", [Prefer.AUTO, Prefer.CODIFY])
def test_public_bucket_policy_is_never_codified(repo: Path, prefer: Prefer) -> None:
    f = drift("aws_s3_bucket.data", "policy", "", json.dumps(PUBLIC), "acme-data")
    plan, applied = run(repo, f, prefer)
    assert applied.patches == ()
    assert applied.skipped[f.id] == "policy is unset in state and code; remove it in AWS"
    rem = plan.remediation[f.id]
    assert rem.startswith(
        "This change weakens security (DP-S3-002): do not keep it. "
        "`terraform apply -target='aws_s3_bucket.data'` alone would not restore it: neither "
        "the code nor the state sets policy, so Terraform leaves the live value as it is. "
        "Remove it in AWS: aws s3api delete-bucket-policy --bucket acme-data. Name the "
        "principals"
    )
    assert rem.endswith(f"({NOT_CODIFIED}.)") == (prefer is Prefer.CODIFY)


@pytest.mark.parametrize("prefer", [Prefer.AUTO, Prefer.CODIFY])
def test_world_open_port_on_a_silent_group_is_reverted_with_an_empty_list(
    repo: Path, prefer: Prefer
) -> None:
    f = drift("aws_security_group.bare", "ingress", [], [rule(3389, "0.0.0.0/0")], "sg-bare")
    plan, applied = run(repo, f, prefer)
    (patch,) = applied.patches
    assert (patch.action, patch.verified) == (PatchAction.REVERT, True)
    assert (
        ' resource "aws_security_group" "bare" {\n   name = "bare"\n+\n+  ingress = []\n }\n'
        in patch.diff
    )
    assert plan.remediation[f.id].startswith(
        "This change weakens security (DP-VPC-002): do not keep it. "
        "`terraform apply -target='aws_security_group.bare'` alone would not restore it: the "
        "code does not set ingress, so Terraform leaves the live value as it is. The patch "
        "writes `ingress = []`; with the patch applied, "
        "`terraform apply -target='aws_security_group.bare'` restores it."
    )
    assert patch.note.endswith(f"({NOT_CODIFIED})") == (prefer is Prefer.CODIFY)


def test_world_open_port_on_a_group_with_separate_rules_is_revoked_in_aws(repo: Path) -> None:
    f = drift("aws_security_group.web", "ingress", [], [rule(22, "0.0.0.0/0")], "sg-web")
    plan, applied = run(repo, f, Prefer.CODIFY)
    assert applied.patches == ()
    command = (
        "aws ec2 revoke-security-group-ingress --group-id sg-web --ip-permissions "
        '\'[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]\''
    )
    assert applied.skipped[f.id] == (
        "the code manages this group's ingress only through separate aws_security_group_rule "
        f"resources; revoke the permission in AWS: {command}"
    )
    assert (
        "`terraform apply -target='aws_security_group.web'` alone would not restore it: the "
        "code manages this group's ingress only through separate aws_security_group_rule "
        "resources, so Terraform leaves the live value as it is. Revoke it in AWS: " + command
    ) in plan.remediation[f.id]


def test_versioning_off_with_silent_code_states_enabled_in_the_split_resource(
    repo: Path,
) -> None:
    f = drift("aws_s3_bucket.data", "versioning[0].enabled", True, False, "acme-data")
    plan, applied = run(repo, f, Prefer.CODIFY)
    (patch,) = applied.patches
    assert (patch.action, patch.verified) == (PatchAction.REVERT, True)
    assert (
        '+resource "aws_s3_bucket_versioning" "data" {\n+  bucket = aws_s3_bucket.data.id\n+\n'
        '+  versioning_configuration {\n+    status = "Enabled"\n+  }\n+}\n+\n'
        '+import {\n+  to = aws_s3_bucket_versioning.data\n+  id = "acme-data"\n+}\n'
    ) in patch.diff
    assert "(DP-S3-005)" in plan.remediation[f.id]
    assert "the code does not set versioning" in plan.remediation[f.id]


def test_imdsv1_ignored_by_lifecycle_removes_the_ignore_changes_entry(repo: Path) -> None:
    f = drift("aws_instance.web", "metadata_options[0].http_tokens", "required", "optional", "i-1")
    plan, applied = run(repo, f, Prefer.CODIFY)
    (patch,) = applied.patches
    assert (patch.action, patch.verified) == (PatchAction.REVERT, True)
    assert (
        "-    ignore_changes = [metadata_options, tags]\n+    ignore_changes = [tags]\n"
    ) in patch.diff
    assert (
        "`terraform apply -target='aws_instance.web'` alone would not restore it: lifecycle "
        "ignore_changes lists metadata_options, so Terraform leaves the live value as it is. "
        "The patch removes metadata_options from ignore_changes; with the patch applied, "
        "`terraform apply -target='aws_instance.web'` restores it."
    ) in plan.remediation[f.id]


def test_value_written_in_code_needs_only_apply(repo: Path) -> None:
    f = drift("aws_s3_bucket_policy.logs", "policy", "{}", json.dumps(PUBLIC), "acme-logs")
    plan, applied = run(repo, f, Prefer.CODIFY)
    assert applied.patches == ()
    assert applied.skipped[f.id] == (
        "the code already sets policy: `terraform apply -target='aws_s3_bucket_policy.logs'` "
        "puts it back"
    )
    assert plan.remediation[f.id].startswith(
        "This change weakens security (DP-S3-002): do not keep it. Put the code's value back "
        "with: terraform apply -target='aws_s3_bucket_policy.logs'."
    )


@pytest.mark.parametrize(
    ("constraint", "legacy"),
    [
        ("~> 3.74", True),
        ("3.76.1", True),
        ("< 4.0", True),
        (">= 3.0, < 4.0", True),
        (">= 3.0", False),
        ("~> 5.0", False),
        (">= 4.0, < 6.0", False),
    ],
)
def test_only_a_provider_pinned_below_4_keeps_inline_bucket_arguments(
    repo: Path, constraint: str, legacy: bool
) -> None:
    (repo / "main.tf").write_text(MAIN.replace('"~> 5.0"', f'"{constraint}"'))
    assert legacy_aws_provider(index_source(repo)) is legacy
