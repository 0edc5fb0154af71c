"""Tracing a drifted value to where it is written for the one instance that drifted.

Small HCL trees in tmp_path: each case codifies one drift through plan_remedies + apply_plan
(the path every scan takes) and asserts the exact text written, or the exact reason when the
only place is shared with instances that did not drift.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from driftpatch.config import Prefer
from driftpatch.fix import trace
from driftpatch.fix.operations import NoPatch
from driftpatch.fix.remedies import plan_remedies
from driftpatch.fix.verify import Applied, apply_plan
from driftpatch.model import Category, Finding, Kind, Severity
from driftpatch.terraform.source import index_source

INNER = """\
variable "name" {
  type = string
}

variable "create" {
  type    = bool
  default = true
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "max_session" {
  type    = number
  default = 3600
}

variable "labels" {
  type = map(string)
  default = {
    Tier = "web"
  }
}

resource "aws_security_group" "this" {
  count = var.create ? 1 : 0
  name  = var.name

  tags = merge(
    {
      "Name" = var.name
    },
    var.tags,
  )
}

resource "aws_iam_role" "this" {
  count                = var.create ? 1 : 0
  name                 = var.name
  max_session_duration = var.max_session
  assume_role_policy   = "{}"
  tags                 = var.labels
}
"""

MIDDLE = """\
variable "tags" {
  type    = map(string)
  default = {}
}

module "sg" {
  source = "../inner"
  name   = "mid"
  tags   = var.tags
}
"""

ROOT = """\
module "web" {
  source = "./modules/middle"
}

module "db" {
  source = "./modules/middle"
  tags = {
    Team = "data"
  }
}

module "role" {
  source = "./modules/inner"
  name   = "admin"
}
"""


def drift(address: str, attribute: str, expected: object, actual: object) -> Finding:
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
    )


def tree(tmp_path: Path, files: Mapping[str, str]) -> Path:
    (tmp_path / ".git").mkdir()
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


@pytest.fixture
def modules(tmp_path: Path) -> Path:
    return tree(
        tmp_path,
        {"main.tf": ROOT, "modules/middle/main.tf": MIDDLE, "modules/inner/main.tf": INNER},
    )


def codify(src: Path, f: Finding) -> Applied:
    index = index_source(src)
    return apply_plan(plan_remedies([f], index, {}, Prefer.AUTO), index)


def one_patch(src: Path, f: Finding) -> tuple[str, str, str]:
    """(file, note, final text of that file) of the one verified patch."""
    applied = codify(src, f)
    assert applied.skipped == {}
    (patch,) = applied.patches
    assert patch.verified, patch.reason
    return patch.file, patch.note, applied.final[patch.file]


def refusal(src: Path, f: Finding) -> str:
    applied = codify(src, f)
    assert applied.patches == ()
    return applied.skipped[f.id]


# -- module inputs -----------------------------------------------------------------------------


def test_a_merge_key_nobody_writes_goes_into_the_callers_new_tags_argument(
    modules: Path,
) -> None:
    """merge({Name = ...}, var.tags) in a module called twice through a middle module: the
    per-instance place is the root's call of the middle module, which gets a tags argument
    (its default was {})."""
    f = drift("module.web.module.sg.aws_security_group.this[0]", "tags.Env", None, "prod")
    file, note, text = one_patch(modules, f)
    assert (file, note) == (
        "main.tf",
        "sets tags.Env (argument tags of module web, new (the variable's default stays for "
        "other callers), in main.tf)",
    )
    assert text.startswith(
        'module "web" {\n  source = "./modules/middle"\n\n  tags = {\n    Env = "prod"\n  }\n}\n'
    )


def test_a_merge_key_the_caller_writes_is_changed_there(modules: Path) -> None:
    f = drift("module.db.module.sg.aws_security_group.this[0]", "tags.Team", "data", "ops")
    file, _, text = one_patch(modules, f)
    assert file == "main.tf"
    assert 'module "db" {\n  source = "./modules/middle"\n  tags = {\n    Team = "ops"\n  }\n}' in (
        text
    )


def test_a_key_the_shared_module_writes_is_overridden_in_the_callers_map(modules: Path) -> None:
    """`Name` is written in the module (shared by both callers); var.tags is merged after it,
    so the caller's map is where one instance's Name goes."""
    f = drift("module.db.module.sg.aws_security_group.this[0]", "tags.Name", "mid", "db-sg")
    _, _, text = one_patch(modules, f)
    assert '  tags = {\n    Team = "data"\n    Name = "db-sg"\n  }\n' in text


def test_an_unset_scalar_input_is_added_to_the_call(modules: Path) -> None:
    f = drift("module.role.aws_iam_role.this[0]", "max_session_duration", 3600, 7200)
    file, _, text = one_patch(modules, f)
    assert file == "main.tf"
    assert text.endswith(
        'module "role" {\n  source = "./modules/inner"\n  name   = "admin"\n\n'
        "  max_session = 7200\n}\n"
    )


def test_an_added_map_argument_keeps_the_defaults_other_keys(modules: Path) -> None:
    f = drift("module.role.aws_iam_role.this[0]", "tags.Owner", None, "ann")
    _, _, text = one_patch(modules, f)
    assert text.endswith(
        '  name   = "admin"\n\n  labels = {\n    Tier  = "web"\n    Owner = "ann"\n  }\n}\n'
    )


def test_an_argument_in_shared_module_code_is_refused_with_where_it_is_written(
    modules: Path,
) -> None:
    f = drift("module.db.module.sg.aws_security_group.this[0]", "name", "mid", "other")
    assert refusal(modules, f) == (
        "the value is written at modules/middle/main.tf:8 (argument name of module sg in "
        "modules/middle/main.tf), but the code in modules/middle also serves module.web: "
        "patching it there would change other instances, not only "
        "module.db.module.sg.aws_security_group.this[0]"
    )


def test_module_for_each_entry_and_shared_argument(tmp_path: Path) -> None:
    src = tree(
        tmp_path,
        {
            "main.tf": """\
            module "q" {
              for_each = {
                a = "one"
                b = "two"
              }
              source = "./q"
              name   = each.value
              tags   = { Team = "x" }
            }
            """,
            "q/main.tf": """\
            variable "name" {
              type = string
            }

            variable "tags" {
              type = map(string)
            }

            resource "aws_sqs_queue" "q" {
              name = var.name
              tags = var.tags
            }
            """,
        },
    )
    _, _, text = one_patch(src, drift('module.q["b"].aws_sqs_queue.q', "name", "two", "deux"))
    assert '    a = "one"\n    b = "deux"\n' in text
    why = refusal(src, drift('module.q["b"].aws_sqs_queue.q', "tags.Team", "x", "y"))
    assert why == (
        "the value is written at main.tf:8 (argument tags of module q in main.tf), but module q "
        'has for_each = `{ a = "one" b = "two" }` (main.tf:1): every instance shares its '
        'text: patching it there would change other instances, not only module.q["b"]'
        ".aws_sqs_queue.q"
    )


def test_a_heredoc_policy_passed_as_a_module_input_stays_a_heredoc(tmp_path: Path) -> None:
    src = tree(
        tmp_path,
        {
            "main.tf": """\
            module "p" {
              source = "./p"

              policy = <<EOF
            {"Version": "2012-10-17", "Statement": []}
            EOF
            }
            """,
            "p/main.tf": """\
            variable "policy" {
              type = string
            }

            resource "aws_iam_policy" "policy" {
              count  = 1
              policy = var.policy
            }
            """,
        },
    )
    live = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:Get*", "Resource": "*"}],
    }
    f = drift("module.p.aws_iam_policy.policy[0]", "policy", "{}", json.dumps(live))
    _, _, text = one_patch(src, f)
    assert text == (
        'module "p" {\n  source = "./p"\n\n  policy = <<-EOT\n    {\n'
        '      "Version": "2012-10-17",\n      "Statement": [\n        {\n'
        '          "Effect": "Allow",\n          "Action": "ec2:Get*",\n'
        '          "Resource": "*"\n        }\n      ]\n    }\n  EOT\n}\n'
    )


# -- for_each, count, locals, tfvars -----------------------------------------------------------

ROOT_VALUES = """\
variable "buckets" {
  type = map(object({ owner = string }))
}

variable "names" {
  type    = list(string)
  default = ["a-logs", "b-logs"]
}

variable "env" {
  type    = string
  default = "prod"
}

locals {
  common = {
    size = 10
  }
  volumes = {
    one = local.common
    two = local.common
  }
}

resource "aws_s3_bucket" "b" {
  for_each = var.buckets
  bucket   = each.key

  tags = {
    Owner = each.value.owner
  }
}

resource "aws_s3_bucket" "c" {
  count  = 2
  bucket = var.names[count.index]
  tags = {
    Env = var.env
  }
}

resource "aws_ebs_volume" "v" {
  for_each          = local.volumes
  availability_zone = "us-east-1a"
  size              = each.value.size
}

resource "aws_instance" "i" {
  for_each      = { small = "t3.micro", large = "t3.large" }
  ami           = "ami-1"
  instance_type = each.value
}
"""

TFVARS = """\
buckets = {
  alpha = {
    owner = "ann"
  }
  beta = {
    owner = "bob"
  }
}
"""


@pytest.fixture
def values(tmp_path: Path) -> Path:
    return tree(tmp_path, {"main.tf": ROOT_VALUES, "terraform.tfvars": TFVARS})


def test_each_value_goes_to_the_tfvars_entry(values: Path) -> None:
    file, note, text = one_patch(values, drift('aws_s3_bucket.b["beta"]', "tags.Owner", "bob", "c"))
    assert (file, note) == (
        "terraform.tfvars",
        "sets tags.Owner (tfvars value of var.buckets, for_each entry 'beta', in terraform.tfvars)",
    )
    assert text == TFVARS.replace('owner = "bob"', 'owner = "c"')


def test_count_index_goes_to_the_list_element(values: Path) -> None:
    _, _, text = one_patch(values, drift("aws_s3_bucket.c[1]", "bucket", "b-logs", "b2-logs"))
    assert '  default = ["a-logs", "b2-logs"]\n' in text


def test_a_literal_for_each_map_entry(values: Path) -> None:
    f = drift('aws_instance.i["large"]', "instance_type", "t3.large", "t3.xlarge")
    _, _, text = one_patch(values, f)
    assert '  for_each      = { small = "t3.micro", large = "t3.xlarge" }\n' in text


@pytest.mark.parametrize(
    ("finding", "why"),
    [
        (
            drift("aws_s3_bucket.c[1]", "tags.Env", "prod", "dev"),
            "the value is written at main.tf:12 (default of var.env in main.tf), but "
            "aws_s3_bucket.c has count = `2` (main.tf:34): every instance shares its text: "
            "patching it there would change other instances, not only aws_s3_bucket.c[1]",
        ),
        (
            drift('aws_ebs_volume.v["one"]', "size", 10, 20),
            "the value is written at main.tf:17 (local.common, for_each entry 'one', in main.tf), "
            "but local.common is read at main.tf:20, main.tf:21, by more than this instance: "
            "patching it there "
            'would change other instances, not only aws_ebs_volume.v["one"]',
        ),
        (
            drift('aws_s3_bucket.b["beta"]', "bucket", "beta", "gamma"),
            "bucket is the instance's for_each key (each.key): changing it would make a new "
            "instance, not change this one",
        ),
    ],
)
def test_shared_values_are_refused_with_where_they_are_written(
    values: Path, finding: Finding, why: str
) -> None:
    assert refusal(values, finding) == why


def test_a_root_variable_feeding_two_module_calls_is_refused(tmp_path: Path) -> None:
    src = tree(
        tmp_path,
        {
            "main.tf": """\
            variable "team" {
              type    = string
              default = "core"
            }

            module "a" {
              source = "./q"
              team   = var.team
            }

            module "b" {
              source = "./q"
              team   = var.team
            }
            """,
            "q/main.tf": """\
            variable "team" {
              type = string
            }

            resource "aws_sqs_queue" "q" {
              name = "q"
              tags = { Team = var.team }
            }
            """,
        },
    )
    why = refusal(src, drift("module.a.aws_sqs_queue.q", "tags.Team", "core", "edge"))
    assert why == (
        "the value is written at main.tf:3 (default of var.team in main.tf), but var.team is "
        "read at main.tf:8, main.tf:13, by more than this instance: patching it there would "
        "change other instances, not only module.a.aws_sqs_queue.q"
    )


def test_trace_finds_the_written_literal_for_verification(modules: Path) -> None:
    index = index_source(modules)
    attr = trace.written(index, "module.db.module.sg.aws_security_group.this[0]", "tags.Team")
    assert attr is not None and attr.literal == "data"
    assert trace.written(index, "module.web.module.sg.aws_security_group.this[0]", "tags.X") is None
    with pytest.raises(NoPatch, match="is not declared in the scanned code"):
        trace.trace(index, "aws_instance.nope", "ami", "x")


@pytest.mark.parametrize(
    ("count", "one"),
    [
        ("1", True),
        ("0", True),
        ("var.on ? 1 : 0", True),
        ("a && !b ? 0 : 1", True),
        ("2", False),
        ("length(var.x)", False),
        ("var.a ? 2 : 1", False),
    ],
)
def test_counts_of_at_most_one(tmp_path: Path, count: str, one: bool) -> None:
    (tmp_path / "main.tf").write_text(f'resource "aws_sqs_queue" "q" {{\n  count = {count}\n}}\n')
    block = index_source(tmp_path).resources["aws_sqs_queue.q"]
    assert trace.at_most_one(block.attributes["count"]) is one


# -- dynamic blocks ----------------------------------------------------------------------------

SSE_MODULE = """\
variable "server_side_encryption_configuration" {
  type    = any
  default = {}
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count  = length(keys(var.server_side_encryption_configuration)) > 0 ? 1 : 0
  bucket = "b"

  dynamic "rule" {
    for_each = try(flatten([var.server_side_encryption_configuration["rule"]]), [])

    content {
      bucket_key_enabled = try(rule.value.bucket_key_enabled, null)

      dynamic "apply_server_side_encryption_by_default" {
        for_each = try([rule.value.apply_server_side_encryption_by_default], [])
        iterator = by_default

        content {
          sse_algorithm     = by_default.value.sse_algorithm
          kms_master_key_id = try(by_default.value.kms_master_key_id, null)
        }
      }
    }
  }
}
"""

SSE_ROOT = """\
resource "aws_kms_key" "objects" {
  description = "k"
}

module "s3_bucket" {
  source = "./mod"

  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = {
        kms_master_key_id = aws_kms_key.objects.arn
        sse_algorithm     = "aws:kms"
      }
    }
  }
}

module "other" {
  source = "./mod"
}
"""


def test_blocks_of_a_dynamic_block_are_codified_in_the_callers_object(tmp_path: Path) -> None:
    """terraform-aws-modules/s3-bucket's encryption rule (with an `iterator`): dynamic blocks over
    `try(flatten([var.x["rule"]]), [])`; each changed value goes to the caller's object, and
    the key AWS reports empty is set to null (the module's try(..., null) then unsets it)."""
    src = tree(tmp_path, {"main.tf": SSE_ROOT, "mod/main.tf": SSE_MODULE})
    address = "module.s3_bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]"

    def rule(key: str, algorithm: str) -> list[dict[str, object]]:
        by_default = {"kms_master_key_id": key, "sse_algorithm": algorithm}
        return [
            {"apply_server_side_encryption_by_default": [by_default], "bucket_key_enabled": False}
        ]

    f = drift(address, "rule", rule("arn:aws:kms:us-east-1:1:key/k", "aws:kms"), rule("", "AES256"))
    file, _, text = one_patch(src, f)
    assert file == "main.tf"
    assert text == SSE_ROOT.replace("aws_kms_key.objects.arn", "null").replace(
        '"aws:kms"', '"AES256"'
    )


PORTS_TF = """\
variable "ports" {
  type = map(object({ port = number, cidr = string }))
  default = {
    web = { port = 443, cidr = "10.0.0.0/8" }
    app = { port = 8080, cidr = "10.1.0.0/16" }
  }
}

resource "aws_security_group" "g" {
  name = "g"

  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = [ingress.value.cidr]
    }
  }
}
"""


def test_a_dynamic_block_over_a_map_is_codified_in_the_entry_of_its_key(tmp_path: Path) -> None:
    """Terraform makes a dynamic block's blocks from a map in the lexical order of its keys:
    ingress[0] is `app` (written second), so its CIDR is changed there, `web` stays."""
    src = tree(tmp_path, {"main.tf": PORTS_TF})

    def rule(port: int, cidr: str) -> dict[str, object]:
        return {"from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": [cidr]}

    was = [rule(8080, "10.1.0.0/16"), rule(443, "10.0.0.0/8")]
    now = [rule(8080, "10.2.0.0/16"), rule(443, "10.0.0.0/8")]
    file, note, text = one_patch(src, drift("aws_security_group.g", "ingress", was, now))
    assert (file, note) == (
        "main.tf",
        "sets ingress (default of var.ports, map entry 'app', in main.tf)",
    )
    assert text == PORTS_TF.replace('"10.1.0.0/16"', '"10.2.0.0/16"')


def test_a_dynamic_block_whose_blocks_were_added_is_refused(tmp_path: Path) -> None:
    src = tree(tmp_path, {"main.tf": SSE_ROOT, "mod/main.tf": SSE_MODULE})
    address = "module.s3_bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]"
    one = {"apply_server_side_encryption_by_default": [], "bucket_key_enabled": False}
    why = refusal(src, drift(address, "rule", [one], [one, one]))
    assert why == (
        "rule: blocks were added or removed, not only changed; no per-value place to write that"
    )


def test_outputs_and_validations_do_not_make_a_variable_shared(tmp_path: Path) -> None:
    src = tree(
        tmp_path,
        {
            "main.tf": """\
            variable "team" {
              type    = string
              default = "core"

              validation {
                condition     = length(var.team) > 0
                error_message = "team"
              }
            }

            resource "aws_sqs_queue" "q" {
              name = "q"
              tags = { Team = var.team }
            }

            output "team" {
              value = var.team
            }
            """
        },
    )
    _, note, text = one_patch(src, drift("aws_sqs_queue.q", "tags.Team", "core", "edge"))
    assert note == "sets tags.Team (default of var.team in main.tf)"
    assert '  default = "edge"\n' in text


def test_two_drifts_of_one_resource_written_in_two_places_make_two_patches(
    modules: Path,
) -> None:
    """Each codify is judged against the unpatched code's plan (the other drift may remain),
    so a finding's patch does not wait for its neighbour's: one patch per finding (two new
    arguments of the module call), and together they write what one joined patch used to."""
    index = index_source(modules)
    findings = [
        drift("module.role.aws_iam_role.this[0]", "max_session_duration", 3600, 7200),
        drift("module.role.aws_iam_role.this[0]", "tags.Owner", None, "ann"),
    ]
    applied = apply_plan(plan_remedies(findings, index, {}, Prefer.AUTO), index)
    assert [(p.finding_ids, p.verified) for p in applied.patches] == [
        ((findings[0].id,), True),
        ((findings[1].id,), True),
    ]
    assert applied.final["main.tf"].endswith(
        '  name   = "admin"\n\n  max_session = 7200\n\n  labels = {\n    Tier  = "web"\n'
        '    Owner = "ann"\n  }\n}\n'
    )
    standalone = [r.standalone["main.tf"] for r in applied.records]
    assert standalone[0].endswith('  name   = "admin"\n\n  max_session = 7200\n}\n')
    assert standalone[1].endswith(
        '  name   = "admin"\n\n  labels = {\n    Tier  = "web"\n    Owner = "ann"\n  }\n}\n'
    )


def test_two_drifts_that_add_the_same_argument_make_one_patch(modules: Path) -> None:
    """Two tags of one role, both new in the caller's `labels`: standalone, each patch adds
    the argument, so both could not be applied; one patch writes the map once."""
    index = index_source(modules)
    findings = [
        drift("module.role.aws_iam_role.this[0]", "tags.Owner", None, "ann"),
        drift("module.role.aws_iam_role.this[0]", "tags.Team", None, "ops"),
    ]
    applied = apply_plan(plan_remedies(findings, index, {}, Prefer.AUTO), index)
    (patch,) = applied.patches
    assert patch.verified and patch.finding_ids == (findings[0].id, findings[1].id)
    assert applied.final["main.tf"].endswith(
        '  name   = "admin"\n\n  labels = {\n    Tier  = "web"\n    Owner = "ann"\n'
        '    Team  = "ops"\n  }\n}\n'
    )


def test_drifts_that_rewrite_the_same_text_make_one_patch(tmp_path: Path) -> None:
    """Adding a tag realigns the literal map's `=`s, so the changed tag's line is rewritten by
    both edits: one cannot be applied without the other, they are one patch. The session
    length, elsewhere in the block, keeps its own: each codify is judged against the
    unpatched code's plan, so it need not wait for the tags' drift."""
    src = tree(
        tmp_path,
        {
            "main.tf": """\
                resource "aws_iam_role" "r" {
                  name = "r"
                  tags = {
                    Env = "dev"
                  }
                  max_session_duration = 3600
                }
                """
        },
    )
    index = index_source(src)
    env = drift("aws_iam_role.r", "tags.Env", "dev", "prod")
    owner = drift("aws_iam_role.r", "tags.Owner", None, "ann")
    session = drift("aws_iam_role.r", "max_session_duration", 3600, 7200)
    applied = apply_plan(plan_remedies([env, owner, session], index, {}, Prefer.AUTO), index)
    assert [(p.finding_ids, p.verified) for p in applied.patches] == [
        ((env.id, owner.id), True),
        ((session.id,), True),
    ]
    assert applied.final["main.tf"] == (
        'resource "aws_iam_role" "r" {\n  name = "r"\n  tags = {\n    Env   = "prod"\n'
        '    Owner = "ann"\n  }\n  max_session_duration = 7200\n}\n'
    )


def test_a_rule_fix_writes_a_module_input_in_the_caller_never_over_it(tmp_path: Path) -> None:
    """A fix for a block in module code whose value is the module's input: the caller's
    argument (added, the default stays for other callers), not a literal that would make
    the input dead for every caller."""
    from driftpatch.fix.hcl_edit import apply_edits
    from driftpatch.fix.remedies import set_operation

    src = tree(
        tmp_path,
        {
            "main.tf": """\
            module "a" {
              source = "./b"
            }

            module "c" {
              source = "./b"
            }
            """,
            "b/main.tf": """\
            variable "status" {
              type    = string
              default = "Suspended"
            }

            resource "aws_s3_bucket_versioning" "v" {
              bucket = "x"

              versioning_configuration {
                status = var.status
              }
            }
            """,
        },
    )
    index = index_source(src)
    run = set_operation(
        "module.a.aws_s3_bucket_versioning.v",
        "versioning_configuration[0].status",
        "Enabled",
        allow_shared=True,
    )
    (edit,), _ = run(index)
    assert edit.file == "main.tf"
    assert apply_edits(index.texts["main.tf"], edit.edits).startswith(
        'module "a" {\n  source = "./b"\n\n  status = "Enabled"\n}\n'
    )


def test_an_index_computed_by_terraform_is_named_in_the_refusal(tmp_path: Path) -> None:
    src = tree(
        tmp_path,
        {
            "main.tf": """\
            variable "rules" {
              type    = map(list(string))
              default = { http = ["80", "HTTP"] }
            }

            variable "names" {
              type    = list(string)
              default = ["http"]
            }

            resource "aws_sqs_queue" "q" {
              count = length(var.names)
              name  = var.rules[var.names[count.index]][1]
            }
            """
        },
    )
    assert refusal(src, drift("aws_sqs_queue.q[0]", "name", "HTTP", "WEB")) == (
        "name reads `var.rules[var.names[count.index]][1]`: the index "
        "`var.names[count.index]` is computed by Terraform, so the entry it reads is not "
        "followed and no patch is offered"
    )


def test_a_computed_index_into_a_shared_table_names_who_else_it_serves(tmp_path: Path) -> None:
    """terraform-aws-modules/security-group: a rule's description is
    `var.rules[var.ingress_rules[count.index]][3]`, the table the default of a module that a
    wrapper module calls for two callers: the one place for the table is the wrapper's call,
    whose text serves both, and the refusal says so."""
    src = tree(
        tmp_path,
        {
            "main.tf": """\
            module "a" {
              source = "./wrap"
            }

            module "b" {
              source = "./wrap"
            }
            """,
            "wrap/main.tf": """\
            module "sg" {
              source = "../sg"
              names  = sort(["http"])
            }
            """,
            "sg/main.tf": """\
            variable "rules" {
              type    = map(list(string))
              default = { http = ["80", "HTTP"] }
            }

            variable "names" {
              type = list(string)
            }

            resource "aws_sqs_queue" "q" {
              count = length(var.names)
              name  = var.rules[var.names[count.index]][1]
            }
            """,
        },
    )
    address = "module.a.module.sg.aws_sqs_queue.q[0]"
    assert refusal(src, drift(address, "name", "HTTP", "WEB")) == (
        "name reads `var.rules[var.names[count.index]][1]`: the index "
        "`var.names[count.index]` is computed by Terraform, so the entry it reads is not "
        "followed; and the value would be written at wrap/main.tf:1 (argument rules of module "
        "sg, new (the variable's default stays for other callers), in wrap/main.tf), but the "
        "code in wrap also serves module.b: patching it there would change other instances, "
        f"not only {address}"
    )


# -- jsonencode documents ----------------------------------------------------------------------

POLICY_TF = """\
resource "aws_s3_bucket" "b" {
  bucket = "b"
}

resource "aws_iam_policy" "p" {
  name = "p"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Read"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${aws_s3_bucket.b.arn}/*"
      },
    ]
  })
}
"""


def policy_doc(action: str, resource: str = "arn:aws:s3:::b/*", **more: object) -> str:
    statement = {"Sid": "Read", "Effect": "Allow", "Action": action, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [{**statement, **more}]})


def test_a_jsonencode_policy_gets_only_the_changed_literal(tmp_path: Path) -> None:
    """The Action literal inside jsonencode({...}) is written; the reference to the bucket's
    ARN stays a reference (writing the whole document would make it a literal ARN)."""
    src = tree(tmp_path, {"main.tf": POLICY_TF})
    was, now = policy_doc("s3:GetObject"), policy_doc("s3:PutObject")
    file, note, text = one_patch(src, drift("aws_iam_policy.p", "policy", was, now))
    assert (file, note) == ("main.tf", "sets policy (literal in main.tf)")
    assert text == POLICY_TF.replace('"s3:GetObject"', '"s3:PutObject"')


def test_a_key_added_to_a_jsonencode_statement_is_added_to_its_object(tmp_path: Path) -> None:
    src = tree(tmp_path, {"main.tf": POLICY_TF})
    was = policy_doc("s3:GetObject")
    now = policy_doc("s3:GetObject", Condition={"Bool": {"aws:SecureTransport": "true"}})
    file, note, text = one_patch(src, drift("aws_iam_policy.p", "policy", was, now))
    assert (file, note) == ("main.tf", "sets policy (literal, new key Condition, in main.tf)")
    assert text == POLICY_TF.replace(
        '        Resource = "${aws_s3_bucket.b.arn}/*"\n',
        '        Resource = "${aws_s3_bucket.b.arn}/*"\n'
        "        Condition = {\n"
        "          Bool = {\n"
        '            "aws:SecureTransport" = "true"\n'
        "          }\n"
        "        }\n",
    )


def test_a_changed_reference_in_a_jsonencode_document_is_refused_where_it_is(
    tmp_path: Path,
) -> None:
    src = tree(tmp_path, {"main.tf": POLICY_TF})
    was = policy_doc("s3:GetObject")
    now = policy_doc("s3:GetObject", resource="arn:aws:s3:::c/*")
    assert refusal(src, drift("aws_iam_policy.p", "policy", was, now)) == (
        "policy['Statement'][0]['Resource'] in its jsonencode object: Resource is written as "
        '`"${aws_s3_bucket.b.arn}/*"` (main.tf:14), which holds expressions: writing the whole '
        "value there would replace them with literals"
    )


def test_a_jsonencode_document_in_a_module_is_patched_in_the_callers_argument(
    tmp_path: Path,
) -> None:
    """The document is an input of a module called twice: its Action is written in the one
    caller's jsonencode argument, the other caller's stays."""
    doc = """\
      policy = jsonencode({
        Version   = "2012-10-17"
        Statement = [{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }]
      })
    """
    src = tree(
        tmp_path,
        {
            "main.tf": f'module "a" {{\n  source = "./q"\n{doc}}}\n\n'
            f'module "b" {{\n  source = "./q"\n{doc}}}\n',
            "q/main.tf": """\
            variable "policy" {
              type = string
            }

            resource "aws_iam_policy" "p" {
              name   = "p"
              policy = var.policy
            }
            """,
        },
    )
    was = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
        }
    )
    now = was.replace("sqs:SendMessage", "sqs:*")
    file, note, text = one_patch(src, drift("module.b.aws_iam_policy.p", "policy", was, now))
    assert (file, note) == ("main.tf", "sets policy (argument policy of module b in main.tf)")
    first, second = text.split('module "b"')
    assert '"sqs:SendMessage"' in first and '"sqs:SendMessage"' not in second
    assert '    Statement = [{ Effect = "Allow", Action = "sqs:*", Resource = "*" }]\n' in second


# -- a literal in shared module code -----------------------------------------------------------


def test_a_literal_in_a_shared_module_becomes_an_input_set_by_the_one_caller(
    tmp_path: Path,
) -> None:
    """`visibility_timeout_seconds = 30` is hard-coded in a local module called twice: the
    module gets an input defaulting to 30 (module a keeps it), module b sets 60."""
    src = tree(
        tmp_path,
        {
            "main.tf": """\
            module "a" {
              source = "./q"
              name   = "a"
            }

            module "b" {
              source = "./q"
              name   = "b"
            }
            """,
            "q/main.tf": """\
            variable "name" {
              type = string
            }

            resource "aws_sqs_queue" "q" {
              name                       = var.name
              visibility_timeout_seconds = 30
            }
            """,
        },
    )
    f = drift("module.b.aws_sqs_queue.q", "visibility_timeout_seconds", 30, 60)
    applied = codify(src, f)
    assert applied.skipped == {}
    assert sorted(p.file for p in applied.patches) == ["main.tf", "q/main.tf"]
    assert all(p.verified for p in applied.patches)
    assert {p.note for p in applied.patches} == {
        "sets visibility_timeout_seconds (new input visibility_timeout_seconds of the module in "
        "q/main.tf, defaulting to the value it wrote for every caller, set in module b at "
        "main.tf:6)"
    }
    assert applied.final["q/main.tf"].endswith(
        'resource "aws_sqs_queue" "q" {\n'
        "  name                       = var.name\n"
        "  visibility_timeout_seconds = var.visibility_timeout_seconds\n"
        "}\n\n"
        'variable "visibility_timeout_seconds" {\n'
        '  description = "visibility_timeout_seconds of aws_sqs_queue.q; each caller may set its '
        'own (the default is the value this module wrote for every caller)"\n'
        "  default     = 30\n"
        "}\n"
    )
    assert applied.final["main.tf"] == (
        'module "a" {\n  source = "./q"\n  name   = "a"\n}\n\n'
        'module "b" {\n  source = "./q"\n  name   = "b"\n\n  visibility_timeout_seconds = 60\n}\n'
    )


def test_a_literal_in_a_registry_module_is_refused(tmp_path: Path) -> None:
    """Only the repository's own (local) modules get a new input: the code of a module from a
    registry is not there to edit."""
    src = tree(
        tmp_path,
        {
            "main.tf": """\
            module "a" {
              source = "./q"
            }

            module "b" {
              source = "./q"
            }
            """,
            "q/main.tf": """\
            resource "aws_sqs_queue" "q" {
              visibility_timeout_seconds = 30
            }
            """,
        },
    )
    index = index_source(src)
    assert trace.module_input(index, "module.b.aws_sqs_queue.q", "visibility_timeout_seconds", 60)
    (src / "main.tf").write_text((src / "main.tf").read_text().replace("./q", "acme/q/aws"))
    index = index_source(src)
    assert (
        trace.module_input(index, "module.b.aws_sqs_queue.q", "visibility_timeout_seconds", 60)
        is None
    )
