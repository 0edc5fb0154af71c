"""Remedies: where each value is written, when no patch is offered and why, and verification."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftpatch.config import Prefer
from driftpatch.drift.detect import unmanaged_finding
from driftpatch.fix.remedies import Operation, Plan, plan_remedies
from driftpatch.fix.verify import apply_plan
from driftpatch.model import Category, Finding, Kind, LiveResource, PatchAction, Severity
from driftpatch.rules.engine import evaluate
from driftpatch.rules.subjects import from_code
from driftpatch.terraform.source import index_source

MAIN = """\
variable "instance_type" {
  type    = string
  default = "t3.micro"
}

variable "env" {
  type    = string
  default = "prod"
}

resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = var.instance_type

  tags = {
    Name = "web"
    Env  = var.env
  }
}

resource "aws_instance" "pool" {
  count         = 2
  ami           = "ami-123"
  instance_type = "t3.micro"
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
  tags   = merge(local.tags, { Role = "logs" })
}

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_hostnames = true
}

module "app" {
  source = "./modules/app"
  size   = "small"
}
"""
APP = """\
variable "size" {
  type = string
}

resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 10
  type              = var.size == "small" ? "gp3" : "io2"
  encrypted         = false
}

resource "aws_sqs_queue" "q" {
  name = var.size
}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    src = tmp_path / "infra"
    (src / "modules" / "app").mkdir(parents=True)
    (src / "main.tf").write_text(MAIN)
    (src / "modules" / "app" / "main.tf").write_text(APP)
    (src / "terraform.tfvars").write_text('env = "staging"\n')
    return src


def drift(
    address: str, attribute: str, expected: object, actual: object, *, security: bool = False
) -> Finding:
    return Finding(
        kind=Kind.DRIFT,
        rule_id="DRIFT",
        title=f"{attribute} changed",
        severity=Severity.MEDIUM,
        category=Category.DRIFT,
        resource_type=address.split(".")[-2].split("[")[0],
        address=address,
        resource_id="x",
        attribute=attribute,
        expected=expected,
        actual=actual,
        also=("DP-EC2-001",) if security else (),
    )


def run(
    src: Path, findings: list[Finding], prefer: Prefer = Prefer.AUTO, fixes: dict | None = None
):  # type: ignore[type-arg]
    index = index_source(src)
    plan = plan_remedies(findings, index, fixes or {}, prefer)
    return plan, apply_plan(plan, index)


def test_codify_a_literal(repo: Path) -> None:
    f = drift("aws_vpc.main", "enable_dns_hostnames", True, False)
    _, applied = run(repo, [f])
    (patch,) = applied.patches
    assert (patch.file, patch.action, patch.verified) == ("infra/main.tf", PatchAction.CODIFY, True)
    assert "-  enable_dns_hostnames = true\n+  enable_dns_hostnames = false\n" in patch.diff
    assert patch.base_sha256 is not None


def test_codify_through_the_variable_default(repo: Path) -> None:
    f = drift("aws_instance.web", "instance_type", "t3.micro", "t3.large")
    _, applied = run(repo, [f])
    (patch,) = applied.patches
    assert patch.verified and "default of var.instance_type" in patch.note
    assert '-  default = "t3.micro"\n+  default = "t3.large"\n' in patch.diff


def test_codify_through_tfvars_wins_over_the_default(repo: Path) -> None:
    f = drift("aws_instance.web", "tags.Env", "staging", "qa")
    _, applied = run(repo, [f])
    (patch,) = applied.patches
    assert patch.file == "infra/terraform.tfvars" and patch.verified
    assert '-env = "staging"\n+env = "qa"\n' in patch.diff


def test_codify_a_module_argument(repo: Path) -> None:
    f = drift("module.app.aws_sqs_queue.q", "name", "small", "tiny")
    _, applied = run(repo, [f])
    (patch,) = applied.patches
    assert patch.file == "infra/main.tf" and patch.verified
    assert '-  size   = "small"\n+  size   = "tiny"\n' in patch.diff


@pytest.mark.parametrize(
    ("finding", "why"),
    [
        (
            drift("aws_instance.pool[1]", "instance_type", "t3.micro", "t3.large"),
            "one of several instances",
        ),
        (
            drift("module.app.aws_ebs_volume.data", "type", "gp3", "gp2"),
            'comes from the expression `var.size == "small" ? "gp3" : "io2"`',
        ),
        (
            drift("aws_s3_bucket.logs", "tags.Role", "logs", "x"),
            'tags comes from the expression `merge(local.tags, { Role = "logs" })`',
        ),
        (drift("aws_instance.gone", "ami", "a", "b"), "not declared in the scanned code"),
        (drift("aws_instance.web", "password", "(sensitive)", "(sensitive)"), "sensitive"),
    ],
)
def test_no_patch_rather_than_a_wrong_one(repo: Path, finding: Finding, why: str) -> None:
    _, applied = run(repo, [finding])
    assert applied.patches == ()
    assert why in applied.skipped[finding.id]


def test_security_drift_reverts_where_code_is_silent(repo: Path) -> None:
    f = drift(
        "aws_instance.web", "metadata_options[0].http_tokens", "required", "optional", security=True
    )
    plan, applied = run(repo, [f])
    (patch,) = applied.patches
    assert patch.action is PatchAction.REVERT and patch.verified
    assert (
        '    Env  = var.env\n  }\n\n  metadata_options {\n    http_tokens = "required"\n  }\n}\n'
        in applied.final["infra/main.tf"]
    )
    assert "terraform apply -target='aws_instance.web'" in plan.remediation[f.id]


def test_revert_with_the_value_in_code_needs_only_apply(repo: Path) -> None:
    f = drift("aws_vpc.main", "enable_dns_hostnames", True, False)
    _, applied = run(repo, [f], Prefer.REVERT)
    assert applied.patches == ()
    assert "already sets enable_dns_hostnames" in applied.skipped[f.id]


def test_missing_resource_gets_a_removed_block(repo: Path) -> None:
    f = Finding(
        Kind.MISSING,
        "DRIFT-MISSING",
        "gone",
        Severity.HIGH,
        Category.DRIFT,
        "aws_vpc",
        address="aws_vpc.main",
        resource_id="vpc-1",
    )
    _, applied = run(repo, [f])
    (patch,) = applied.patches
    assert patch.action is PatchAction.REMOVE and patch.verified
    assert '-resource "aws_vpc" "main" {\n' in patch.diff
    assert (
        "+removed {\n+  from = aws_vpc.main\n+\n+  lifecycle {\n+    destroy = false\n"
        in patch.diff
    )


def test_rule_fix_is_applied_and_verified(repo: Path) -> None:
    index = index_source(repo)
    result = evaluate(from_code(index), source=index)
    ebs = next(f for f in result.findings if f.rule_id == "DP-EC2-003")
    _, applied = run(repo, [ebs], fixes=dict(result.fixes))
    (patch,) = applied.patches
    assert (patch.file, patch.action, patch.verified) == (
        "infra/modules/app/main.tf",
        PatchAction.FIX,
        True,
    )
    assert "-  encrypted         = false\n+  encrypted         = true\n" in patch.diff


def test_combined_patch_is_one_section_per_file(repo: Path) -> None:
    findings = [
        drift("aws_vpc.main", "enable_dns_hostnames", True, False),
        drift("aws_instance.web", "instance_type", "t3.micro", "t3.large"),
    ]
    _, applied = run(repo, findings)
    assert len(applied.patches) == 2
    assert applied.combined.count("diff --git a/infra/main.tf b/infra/main.tf") == 1


def _unmanaged(type_: str, id_: str, attributes: dict) -> tuple[Finding, LiveResource]:  # type: ignore[type-arg]
    live = LiveResource(type_, id_, "us-east-1", {"id": id_, **attributes})
    return unmanaged_finding(live), live


def test_unmanaged_resources_are_imported_into_one_new_file(repo: Path) -> None:
    f1, bucket = _unmanaged("aws_s3_bucket", "scratch", {"bucket": "scratch", "tags": {"A": "b"}})
    f2, subnet = _unmanaged(
        "aws_subnet",
        "subnet-1",
        {"vpc_id": "vpc-9", "cidr_block": "10.0.9.0/24", "availability_zone": "us-east-1a"},
    )
    index = index_source(repo)
    plan = plan_remedies(
        [f1, f2],
        index,
        {},
        unmanaged={f1.id: bucket, f2.id: subnet},
        managed_ids={("aws_vpc", "vpc-9"): "aws_vpc.main"},
    )
    applied = apply_plan(plan, index)
    (patch,) = applied.patches
    assert (patch.file, patch.action, patch.verified) == (
        "infra/imported.tf",
        PatchAction.IMPORT,
        True,
    )
    assert set(patch.finding_ids) == {f1.id, f2.id}
    assert "new file mode" in patch.diff and patch.base_sha256 is None
    text = applied.final["infra/imported.tf"]
    assert 'import {\n  to = aws_s3_bucket.scratch\n  id = "scratch"\n}\n' in text
    assert 'resource "aws_s3_bucket" "scratch" {\n  bucket = "scratch"\n' in text
    # The managed VPC is referred to, not repeated as a literal id.
    assert "vpc_id            = aws_vpc.main.id\n" in text
    assert '"vpc-9"' not in text


def test_import_names_avoid_addresses_the_code_uses(repo: Path) -> None:
    f, vpc = _unmanaged("aws_vpc", "vpc-2", {"cidr_block": "10.1.0.0/16", "tags": {"Name": "main"}})
    index = index_source(repo)
    plan = plan_remedies([f], index, {}, unmanaged={f.id: vpc})
    (patch,) = apply_plan(plan, index).patches
    assert patch.verified
    assert "to = aws_vpc.main\n" not in patch.diff  # aws_vpc.main is taken by main.tf
    assert "+  to = aws_vpc." in patch.diff


def test_import_verification_rejects_a_wrong_literal(repo: Path) -> None:
    f, bucket = _unmanaged("aws_s3_bucket", "scratch", {"bucket": "scratch"})
    index = index_source(repo)
    plan = plan_remedies([f], index, {}, unmanaged={f.id: bucket})
    (op,) = plan.operations
    wrong = {"imports": [{**op.expect["imports"][0], "values": {"bucket": "other"}}]}
    tampered = Operation(op.finding_ids, op.action, op.run, {"kind": "import", **wrong})
    (patch,) = apply_plan(Plan((tampered,), {}, {}), index).patches
    assert not patch.verified
    assert "aws_s3_bucket.scratch.bucket is written as 'scratch', live has 'other'" in patch.note


def test_import_says_what_default_tags_will_add(repo: Path) -> None:
    (repo / "providers.tf").write_text(
        'provider "aws" {\n  default_tags {\n    tags = {\n      Team = "a"\n'
        '      Env  = "b"\n    }\n  }\n}\n'
    )
    f, bucket = _unmanaged("aws_s3_bucket", "scratch", {"bucket": "scratch", "tags": {"Env": "x"}})
    index = index_source(repo)
    (patch,) = apply_plan(plan_remedies([f], index, {}, unmanaged={f.id: bucket}), index).patches
    assert patch.verified
    assert (
        "+# the provider's default_tags add Team to this resource on the first apply" in patch.diff
    )
