"""Rules on code that Terraform evaluates before apply (issue 11, item 6): for_each, count,
each.value, variable defaults, tfvars, locals and module arguments give the same findings as
the same resources written out literally, per instance address, at the block's file:line.
Unknowns stay unknown: no finding on one, no finding silenced by one."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from driftpatch.model import Location
from driftpatch.rules.engine import evaluate
from driftpatch.rules.interface import UNKNOWN
from driftpatch.rules.subjects import from_code
from driftpatch.terraform.evaluate import Ref, Unknown
from driftpatch.terraform.evaluate import evaluate as evaluate_expr
from driftpatch.terraform.source import index_source
from tests.rules.sources import index_texts


def findings(files: Mapping[str, str], rules: set[str]) -> list[tuple[str, str | None, str]]:
    """(rule, address, file:line) of every finding of `rules` on the code in `files`."""
    result = evaluate(from_code(index_texts(files)))
    return sorted(
        (f.rule_id, f.address, f"{f.location.file}:{f.location.start_line}" if f.location else "")
        for f in result.findings
        if f.rule_id in rules
    )


EC2 = {"DP-EC2-002", "DP-EC2-004"}


def test_ec2_for_each_each_value_and_variable_defaults() -> None:
    """DP-EC2-002 and DP-EC2-004 were missed behind for_each / each.value / var defaults."""
    files = {
        "main.tf": """
variable "instances" {
  default = {
    bastion = { public = true, encrypted = false }
    app     = { public = false, encrypted = true }
  }
}
variable "public_worker" {
  default = true
}
locals {
  encrypt_workers = false
}
resource "aws_instance" "fleet" {
  for_each                    = var.instances
  ami                         = "ami-123"
  associate_public_ip_address = each.value.public
  root_block_device {
    encrypted = each.value.encrypted
  }
}
resource "aws_instance" "worker" {
  count                       = 2
  ami                         = "ami-123"
  associate_public_ip_address = count.index == 0 ? var.public_worker : false
  root_block_device {
    encrypted = local.encrypt_workers
  }
}
"""
    }
    assert findings(files, EC2) == [
        ("DP-EC2-002", 'aws_instance.fleet["bastion"]', "main.tf:14"),
        ("DP-EC2-002", "aws_instance.worker[0]", "main.tf:22"),
        ("DP-EC2-004", 'aws_instance.fleet["bastion"]', "main.tf:14"),
        ("DP-EC2-004", "aws_instance.worker[0]", "main.tf:22"),
        ("DP-EC2-004", "aws_instance.worker[1]", "main.tf:22"),
    ]


def test_tfvars_override_defaults_in_load_order() -> None:
    files = {
        "main.tf": """
variable "public" {
  default = false
}
resource "aws_instance" "web" {
  ami                         = "ami-123"
  associate_public_ip_address = var.public
  root_block_device {
    encrypted = true
  }
}
""",
        "terraform.tfvars": "public = true\n",
        "z.auto.tfvars": 'other = "x"\n',
    }
    assert findings(files, EC2) == [("DP-EC2-002", "aws_instance.web", "main.tf:5")]
    files["zz.auto.tfvars"] = "public = false\n"  # read last: wins
    assert findings(files, EC2) == []


def test_unknown_values_neither_fire_nor_silence() -> None:
    files = {
        "main.tf": """
variable "public" {}
data "aws_ssm_parameter" "flag" {
  name = "flag"
}
resource "aws_instance" "a" {
  ami                         = "ami-123"
  associate_public_ip_address = var.public
  root_block_device {
    encrypted = data.aws_ssm_parameter.flag.value == "yes"
  }
}
resource "aws_instance" "b" {
  for_each                    = toset(var.names_from_nowhere)
  ami                         = "ami-123"
  associate_public_ip_address = true
  root_block_device {
    encrypted = true
  }
}
"""
    }
    # a: a variable without value and a data source: unknown, no finding. b: its keys are
    # unknown, yet every instance has a public IP: one finding at the block's address.
    assert findings(files, EC2) == [("DP-EC2-002", "aws_instance.b", "main.tf:13")]


def test_s3_versioning_per_bucket_through_for_each_and_a_module() -> None:
    """DP-S3-005: a split resource with `bucket = var.x` silenced every bucket. Now each
    versioning resource covers the bucket it names; a variable without value names a
    bucket outside this configuration."""
    files = {
        "main.tf": """
variable "buckets" {
  default = ["a", "b", "c"]
}
variable "external_bucket" {}
resource "aws_s3_bucket" "data" {
  for_each = toset(var.buckets)
  bucket   = "acme-${each.key}"
}
resource "aws_s3_bucket_versioning" "data" {
  for_each = { for k, v in aws_s3_bucket.data : k => v if k != "c" }
  bucket   = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}
resource "aws_s3_bucket" "solo" {
  bucket = "acme-solo"
}
resource "aws_s3_bucket_versioning" "external" {
  bucket = var.external_bucket
  versioning_configuration {
    status = "Enabled"
  }
}
module "versioned" {
  source = "./versioned"
  bucket = aws_s3_bucket.solo.id
}
resource "aws_s3_bucket" "by_name" {
  bucket = "acme-by-name"
}
resource "aws_s3_bucket_versioning" "by_name" {
  bucket = "acme-by-name"
  versioning_configuration {
    status = "Enabled"
  }
}
""",
        "versioned/main.tf": """
variable "bucket" {}
resource "aws_s3_bucket_versioning" "this" {
  bucket = var.bucket
  versioning_configuration {
    status = "Enabled"
  }
}
""",
    }
    assert findings(files, {"DP-S3-005"}) == [
        ("DP-S3-005", 'aws_s3_bucket.data["c"]', "main.tf:6"),
    ]


def test_module_instances_get_their_arguments() -> None:
    files = {
        "main.tf": """
module "web" {
  source   = "./web"
  for_each = { public = true, private = false }
  public   = each.value
}
""",
        "web/main.tf": """
variable "public" {
  type = bool
}
resource "aws_instance" "this" {
  ami                         = "ami-123"
  associate_public_ip_address = var.public
  root_block_device {
    encrypted = true
  }
}
""",
    }
    assert findings(files, EC2) == [
        ("DP-EC2-002", 'module.web["public"].aws_instance.this', "web/main.tf:5")
    ]


def test_expressions() -> None:
    """The evaluator on its own: functions, templates, for expressions, references."""
    assert evaluate_expr('upper(join("-", ["a", "b"]))', None) == "A-B"
    assert evaluate_expr('"${1 + 2}x"', None) == "3x"
    assert evaluate_expr("[for i in range(3) : i * 2 if i != 1]", None) == [0, 4]
    assert evaluate_expr('merge({ a = 1 }, { b = "x" })', None) == {"a": 1, "b": "x"}
    assert evaluate_expr("true ? 1 : 0", None) == 1
    assert evaluate_expr('format("%s-%03d %v", "a", 7, true)', None) == "a-007 true"
    assert evaluate_expr('<<-EOT\n    a ${"b"}\n    $${c}\n    EOT\n', None) == "a b\n${c}\n"
    assert evaluate_expr("<<EOT\n%{if true}x%{endif}\nEOT\n", None) == Unknown()
    assert evaluate_expr("{ for k, v in { a = 1, b = 2 } : v => k }", None) == {"1": "a", "2": "b"}
    assert evaluate_expr('lookup({ a = 1 }, "b", 2)', None) == 2
    assert evaluate_expr("try({ a = 1 }.b, 5)", None) == 5
    assert evaluate_expr("can({ a = 1 }.b)", None) is False
    assert evaluate_expr("var.x", None) == Unknown()
    assert evaluate_expr('"${var.x}-y"', None) == Unknown()
    source = index_texts(
        {
            "main.tf": """
resource "aws_s3_bucket" "b" {
  count  = 2
  bucket = "b-${count.index}"
}
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b[1].id
  policy = jsonencode({ Statement = [{ Resource = "${aws_s3_bucket.b[0].arn}/*" }] })
}
"""
        }
    )
    (policy,) = [s for s in from_code(source) if s.type == "aws_s3_bucket_policy"]
    assert policy.attributes == {
        "bucket": UNKNOWN,
        "policy": {"Statement": [{"Resource": UNKNOWN}]},
    }
    assert policy.refs == {"bucket": "aws_s3_bucket.b[1]"}
    assert policy.location == Location("main.tf", 6, 9)
    assert Ref("aws_s3_bucket.b[1]", ("id",)) != Ref("aws_s3_bucket.b[1]")


def test_var_files_are_read_after_the_automatic_ones(tmp_path: Path) -> None:
    """`check --var-file` (Terraform's -var-file): read after terraform.tfvars, later wins."""
    (tmp_path / "main.tf").write_text(
        'variable "public" {\n  default = false\n}\n'
        'resource "aws_instance" "web" {\n'
        '  ami                         = "ami-123"\n'
        "  associate_public_ip_address = var.public\n"
        "  root_block_device {\n    encrypted = true\n  }\n}\n"
    )
    (tmp_path / "terraform.tfvars").write_text("public = false\n")
    (tmp_path / "prod.tfvars").write_text("public = true\n")
    index = index_source(tmp_path, root=tmp_path, var_files=[tmp_path / "prod.tfvars"])
    result = evaluate(from_code(index))
    assert [(f.rule_id, f.address) for f in result.findings if f.rule_id in EC2] == [
        ("DP-EC2-002", "aws_instance.web")
    ]
