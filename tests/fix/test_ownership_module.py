"""A new separate resource for a parent a module makes: declared in the root module.

A rule added by hand to a security group made inside a module (whose rules are separate
resources), or a policy attached by hand to a module's role: the module's code serves every
caller and only the root module can hold import blocks, so the new rule / attachment goes into
the root module after the module's call, with the parent's id from the module's outputs, and
an import block. Small HCL (a wrapper module calling an inner one, as terraform-aws-modules'
security-group does) + the finding a scan would give; each case asserts the exact patch text
or the exact reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from driftpatch.config import Prefer
from driftpatch.fix.ownership import Separate
from driftpatch.fix.remedies import plan_remedies
from driftpatch.fix.verify import Applied, apply_plan
from driftpatch.model import Finding, PatchAction
from driftpatch.terraform.source import index_source
from tests.fix.test_ownership import drift

ROOT = """\
module "web_sg" {
  source = "../modules/wrapper"
}

module "admin" {
  source = "../modules/role"
}

module "bare" {
  source = "../modules/bare"
}
"""

WRAPPER = {
    "main.tf": 'module "sg" {\n  source = "../sg"\n}\n',
    "outputs.tf": (
        'output "security_group_id" {\n  value = module.sg.security_group_id\n}\n\n'
        'output "security_group_name" {\n  value = module.sg.security_group_name\n}\n'
    ),
}

SG = {
    "main.tf": """\
resource "aws_security_group" "this" {
  count = var.use_name_prefix ? 0 : 1
  name  = "web"
}

resource "aws_security_group" "this_name_prefix" {
  count       = var.use_name_prefix ? 1 : 0
  name_prefix = "web-"
}

resource "aws_security_group_rule" "ingress_rules" {
  count             = 1
  type              = "ingress"
  security_group_id = local.this_sg_id
  protocol          = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_blocks       = ["10.0.0.0/16"]
}

locals {
  this_sg_id = try(aws_security_group.this[0].id, aws_security_group.this_name_prefix[0].id)
}

variable "use_name_prefix" {
  default = true
}
""",
    "outputs.tf": """\
output "security_group_name" {
  value = try(aws_security_group.this[0].name, aws_security_group.this_name_prefix[0].name, "")
}

output "security_group_id" {
  value = try(aws_security_group.this[0].id, aws_security_group.this_name_prefix[0].id, "")
}
""",
}

ROLE = {
    "main.tf": """\
resource "aws_iam_role" "this" {
  count              = 1
  name               = "admin"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy_attachment" "admin" {
  count      = 1
  role       = aws_iam_role.this[0].name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
""",
    "outputs.tf": 'output "iam_role_name" {\n  value = try(aws_iam_role.this[0].name, "")\n}\n',
}

# A module that makes a group but says nothing about it in its outputs.
BARE = {
    "main.tf": 'resource "aws_security_group" "this" {\n  name = "bare"\n}\n',
    "outputs.tf": 'output "name" {\n  value = aws_security_group.this.name\n}\n',
}

# A bucket module as terraform-aws-modules/s3-bucket writes it: the bucket by count, its id
# through try() in outputs.tf, versioning left to the AWS default (no split resource).
BUCKET = {
    "main.tf": """\
resource "aws_s3_bucket" "this" {
  count  = 1
  bucket = "acme-data"
}
""",
    "outputs.tf": 'output "s3_bucket_id" {\n  value = try(aws_s3_bucket.this[0].id, "")\n}\n',
}

DATA = '\nmodule "data" {\n  source = "../modules/bucket"\n}\n'

GROUP = "module.web_sg.module.sg.aws_security_group.this_name_prefix[0]"
RULE = "module.web_sg.module.sg.aws_security_group_rule.ingress_rules[0]"
ROLE_ADDRESS = "module.admin.aws_iam_role.this[0]"
ATTACHMENT = "module.admin.aws_iam_role_policy_attachment.admin[0]"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    files = {"live/main.tf": ROOT}
    modules = (("wrapper", WRAPPER), ("sg", SG), ("role", ROLE), ("bare", BARE))
    for where, module in (*modules, ("bucket", BUCKET)):
        files.update({f"modules/{where}/{name}": text for name, text in module.items()})
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def rule(port: int, cidr: str, description: str = "") -> dict[str, Any]:
    return {
        "cidr_blocks": [cidr],
        "description": description,
        "from_port": port,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": "tcp",
        "security_groups": [],
        "self": False,
        "to_port": port,
    }


def state(*addresses: str) -> Separate:
    """The separate resources and instance addresses a scan's state would give."""
    rules = [("aws_security_group_rule", {"security_group_id": "sg-1", "type": "ingress"})]
    return Separate.from_state(rules, [GROUP, RULE, ROLE_ADDRESS, ATTACHMENT, *addresses])


def run(src: Path, f: Finding, separate: Separate) -> Applied:
    index = index_source(src / "live", root=src)
    plan = plan_remedies([f], index, {}, Prefer.AUTO, separate=separate)
    return apply_plan(plan, index)


def sg_finding() -> Finding:
    live = [rule(80, "10.0.0.0/16"), rule(8080, "172.31.0.0/16", "alt http")]
    return drift(GROUP, "ingress", live[:1], live, "sg-1")


def test_rule_for_a_module_group_is_declared_after_the_module_call(repo: Path) -> None:
    applied = run(repo, sg_finding(), state())
    (patch,) = applied.patches
    assert (patch.action, patch.verified, patch.file) == (PatchAction.CODIFY, True, "live/main.tf")
    assert applied.final["live/main.tf"] == ROOT.replace(
        '"../modules/wrapper"\n}\n',
        '"../modules/wrapper"\n}\n\n'
        'resource "aws_security_group_rule" "web_sg_ingress_tcp_8080" {\n'
        '  type              = "ingress"\n'
        "  security_group_id = module.web_sg.security_group_id\n"
        '  protocol          = "tcp"\n'
        "  from_port         = 8080\n"
        "  to_port           = 8080\n"
        '  description       = "alt http"\n'
        '  cidr_blocks       = ["172.31.0.0/16"]\n'
        "}\n\n"
        "import {\n"
        "  to = aws_security_group_rule.web_sg_ingress_tcp_8080\n"
        '  id = "sg-1_ingress_tcp_8080_8080_172.31.0.0/16"\n'
        "}\n",
    )
    # The module's code (shared by every caller) is untouched.
    assert set(applied.final) == {"live/main.tf"}
    assert patch.note.startswith(
        f"{GROUP}'s ingress rules are managed by aws_security_group_rule resources (inline "
        "ingress would delete them): adds aws_security_group_rule.web_sg_ingress_tcp_8080 in "
        "the root module, after module.web_sg, and imports it from AWS"
    )


def test_try_output_whose_first_alternative_exists_is_not_the_group(repo: Path) -> None:
    # With `this[0]` in state too, try() would give its id: no output is the prefixed group's.
    f = sg_finding()
    applied = run(repo, f, state("module.web_sg.module.sg.aws_security_group.this[0]"))
    assert applied.patches == ()
    assert applied.skipped[f.id] == (
        f"{GROUP}'s ingress rules are managed by aws_security_group_rule resources; {GROUP} "
        "lives in module web_sg.sg, whose resources only the root module can import (the new "
        "resource goes there, with the group id from the module's outputs), but module "
        "web_sg.sg (modules/sg) has no output for the group id "
        "(aws_security_group.this_name_prefix[0].id), so the root module cannot refer to it: "
        "add one"
    )


def test_module_without_an_output_for_the_group_id_is_refused(repo: Path) -> None:
    f = drift(
        "module.bare.aws_security_group.this",
        "ingress",
        [],
        [rule(22, "10.0.0.0/8")],
        "sg-2",
    )
    separate = Separate.from_state(
        [("aws_security_group_rule", {"security_group_id": "sg-2", "type": "ingress"})],
        ["module.bare.aws_security_group.this"],
    )
    applied = run(repo, f, separate)
    assert applied.patches == ()
    assert applied.skipped[f.id].endswith(
        "but module bare (modules/bare) has no output for the group id "
        "(aws_security_group.this.id), so the root module cannot refer to it: add one"
    )


def test_policy_attached_to_a_module_role_is_an_attachment_in_the_root_module(
    repo: Path,
) -> None:
    f = drift(ROLE_ADDRESS, "managed_policy_arns", [ADMIN], [READ_ONLY], "admin")
    applied = run(repo, f, state())
    (patch,) = applied.patches
    assert (patch.action, patch.verified, patch.file) == (PatchAction.CODIFY, True, "live/main.tf")
    assert (
        '+resource "aws_iam_role_policy_attachment" "admin_ReadOnlyAccess" {\n'
        "+  role       = module.admin.iam_role_name\n"
        f'+  policy_arn = "{READ_ONLY}"\n'
        "+}\n"
        "+\n"
        "+import {\n"
        "+  to = aws_iam_role_policy_attachment.admin_ReadOnlyAccess\n"
        f'+  id = "admin/{READ_ONLY}"\n'
        "+}\n"
    ) in patch.diff
    text = applied.final["live/main.tf"]
    assert text.index("admin_ReadOnlyAccess") < text.index('module "bare"')
    assert text.index('module "admin"') < text.index("admin_ReadOnlyAccess")


def test_versioning_of_a_module_bucket_goes_into_a_root_module_split_resource(
    repo: Path,
) -> None:
    """Versioning suspended by hand on a bucket a module makes (the state holds it inline, the
    code writes nothing; DP-S3-005 makes it a revert): an aws_s3_bucket_versioning stating
    "Enabled" in the root module after the module's call, the bucket from the module's
    output, with an import block; the module's code is untouched. It used to be refused
    ("declare the new resource in the root module ... by hand")."""
    (repo / "live/main.tf").write_text(ROOT + DATA)
    bucket = "module.data.aws_s3_bucket.this[0]"
    f = drift(bucket, "versioning[0].enabled", True, False, "acme-data")
    applied = run(repo, f, state(bucket))
    (patch,) = applied.patches
    assert (patch.action, patch.file, patch.verified) == (PatchAction.REVERT, "live/main.tf", True)
    assert set(applied.final) == {"live/main.tf"}
    assert applied.final["live/main.tf"] == ROOT + DATA.replace(
        '"../modules/bucket"\n}\n',
        '"../modules/bucket"\n}\n\n'
        'resource "aws_s3_bucket_versioning" "data" {\n'
        "  bucket = module.data.s3_bucket_id\n\n"
        "  versioning_configuration {\n"
        '    status = "Enabled"\n'
        "  }\n"
        "}\n\n"
        "import {\n"
        "  to = aws_s3_bucket_versioning.data\n"
        '  id = "acme-data"\n'
        "}\n",
    )
    assert patch.note.startswith(
        "versioning is a deprecated inline argument of aws_s3_bucket (provider >= 4), so it "
        "goes into aws_s3_bucket_versioning: adds aws_s3_bucket_versioning.data in the root "
        "module, after module.data, and imports it from AWS"
    )


def test_module_bucket_without_an_id_output_is_refused_with_the_output_named(
    repo: Path,
) -> None:
    (repo / "live/main.tf").write_text(ROOT + DATA)
    (repo / "modules/bucket/outputs.tf").write_text(
        'output "arn" {\n  value = try(aws_s3_bucket.this[0].arn, "")\n}\n'
    )
    bucket = "module.data.aws_s3_bucket.this[0]"
    f = drift(bucket, "versioning[0].enabled", True, False, "acme-data")
    applied = run(repo, f, state(bucket))
    assert applied.patches == ()
    assert applied.skipped[f.id] == (
        "versioning is a deprecated inline argument of aws_s3_bucket (provider >= 4); "
        f"{bucket} lives in module data, whose resources only the root module can import (the "
        "new resource goes there, with the bucket name from the module's outputs), but module "
        "data (modules/bucket) has no output for the bucket name "
        "(aws_s3_bucket.this[0].id or aws_s3_bucket.this[0].bucket), so the root module "
        "cannot refer to it: add one"
    )
