"""Fixing at the right depth, the cases test_trace.py leaves: `for` expressions, dynamic blocks
over collections written elsewhere, and dropping one counted instance.

Small HCL trees in tmp_path, codified through plan_remedies + apply_plan (the path every scan
takes, static verification): each case asserts the exact text written, or the exact reason
when the element that drifted cannot be identified or is shared with instances that did not.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from driftpatch.config import Prefer, VerifyMode
from driftpatch.fix.remedies import plan_remedies
from driftpatch.fix.verification import Settings, verify_patches
from driftpatch.fix.verify import apply_plan
from driftpatch.model import Category, Check, Effect, Finding, Kind, Severity
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.source import index_source

from .test_trace import drift, one_patch, refusal, tree

# -- for expressions ---------------------------------------------------------------------------

FOR_MAIN = """\
variable "subnets" {
  type = list(object({ name = string, cidr = string }))
}

variable "cfg" {
  type = map(object({ size = number, kind = string }))
  default = {
    a = { size = 10, kind = "gp3" }
    b = { size = 20, kind = "gp3" }
  }
}

locals {
  list = [
    { name = "x", cidr = "10.0.1.0/24" },
    { name = "y", cidr = "10.0.2.0/24" },
  ]
  named = [
    { name = "m", cidr = "10.1.1.0/24" },
  ]
  sizes = { for k, v in var.cfg : k => v.size }
}

resource "aws_subnet" "s" {
  for_each   = { for s in var.subnets : s.name => s }
  vpc_id     = "vpc-1"
  cidr_block = each.value.cidr

  tags = {
    Name = each.value.name
  }
}

resource "aws_ebs_volume" "v" {
  for_each          = var.cfg
  availability_zone = "us-east-1a"
  size              = local.sizes[each.key]
}

resource "aws_ebs_volume" "w" {
  for_each          = { for k, v in local.named : v.name => { cidr = v.cidr, label = k } }
  availability_zone = "us-east-1a"
  size              = 1

  tags = {
    Cidr  = each.value.cidr
    Label = each.value.label
  }
}

resource "aws_subnet" "l" {
  count      = 2
  vpc_id     = "vpc-1"
  cidr_block = [for s in local.list : s.cidr][count.index]
}
"""

FOR_TFVARS = """\
subnets = [
  { name = "pub", cidr = "10.0.0.0/24" },
  { name = "priv", cidr = "10.0.9.0/24" },
]
"""

REFUSED_FOR = """\
variable "subnets" {
  type = list(object({ name = string, cidr = string }))
  default = [
    { name = "pub", cidr = "10.0.0.0/24" },
  ]
}

resource "aws_subnet" "f" {
  for_each   = { for s in var.subnets : s.name => s if s.cidr != "" }
  vpc_id     = "vpc-1"
  cidr_block = each.value.cidr
}

resource "aws_subnet" "g" {
  for_each   = { for s in var.subnets : s.name => s... }
  vpc_id     = "vpc-1"
  cidr_block = each.value[0].cidr
}

resource "aws_subnet" "h" {
  for_each   = { for s in var.subnets : "${s.name}-x" => s }
  vpc_id     = "vpc-1"
  cidr_block = each.value.cidr
}
"""


@pytest.fixture
def fors(tmp_path: Path) -> Path:
    return tree(tmp_path, {"main.tf": FOR_MAIN, "terraform.tfvars": FOR_TFVARS})


def test_a_for_each_over_a_for_expression_patches_the_tfvars_element_with_that_key(
    fors: Path,
) -> None:
    """`{ for s in var.subnets : s.name => s }`: instance "priv" is the list element whose
    name is "priv" (the second), written in terraform.tfvars."""
    f = drift('aws_subnet.s["priv"]', "cidr_block", "10.0.9.0/24", "10.0.8.0/24")
    file, note, text = one_patch(fors, f)
    assert (file, note) == (
        "terraform.tfvars",
        "sets cidr_block (tfvars value of var.subnets, for_each entry 'priv', element [1], in "
        "terraform.tfvars)",
    )
    assert text == FOR_TFVARS.replace('"10.0.9.0/24"', '"10.0.8.0/24"')


def test_a_map_for_expression_in_a_local_patches_the_variables_entry(fors: Path) -> None:
    """`local.sizes[each.key]`, the local a `{ for k, v in var.cfg : k => v.size }`: entry "b"
    of var.cfg's default. The resource's own `for_each = var.cfg` reads the map's keys, which
    the change leaves as they are, so it does not make var.cfg shared."""
    file, note, text = one_patch(fors, drift('aws_ebs_volume.v["b"]', "size", 20, 30))
    assert (file, note) == (
        "main.tf",
        "sets size (default of var.cfg, map entry 'b', in main.tf)",
    )
    assert text == FOR_MAIN.replace("b = { size = 20,", "b = { size = 30,")


def test_an_indexed_list_for_expression_patches_the_counted_element(fors: Path) -> None:
    f = drift("aws_subnet.l[1]", "cidr_block", "10.0.2.0/24", "10.0.3.0/24")
    file, note, text = one_patch(fors, f)
    assert (file, note) == ("main.tf", "sets cidr_block (local.list, element [1], in main.tf)")
    assert text == FOR_MAIN.replace('"10.0.2.0/24"', '"10.0.3.0/24"')


def test_an_object_value_of_a_for_expression_is_followed_key_by_key(fors: Path) -> None:
    f = drift('aws_ebs_volume.w["m"]', "tags.Cidr", "10.1.1.0/24", "10.1.7.0/24")
    file, _, text = one_patch(fors, f)
    assert file == "main.tf"
    assert text == FOR_MAIN.replace('"10.1.1.0/24"', '"10.1.7.0/24"')


@pytest.mark.parametrize(
    ("finding", "why"),
    [
        (
            drift('aws_subnet.s["priv"]', "tags.Name", "priv", "private"),
            "the value is the entry's key, `s.name` in the for expression `{ for s in "
            "var.subnets : s.name => s }`: changing it would make a new instance, not change "
            "this one",
        ),
        (
            drift('aws_ebs_volume.w["m"]', "tags.Label", "0", "2"),
            "label reads `k`, the entry's key in the for expression `{ for k, v in local.named "
            ": v.name => { cidr = v.cidr, label = k } }`: changing it would make a new "
            "instance, not change this one",
        ),
    ],
)
def test_what_makes_the_for_expressions_key_is_refused(
    fors: Path, finding: Finding, why: str
) -> None:
    assert refusal(fors, finding) == why


@pytest.mark.parametrize(
    ("address", "why"),
    [
        (
            'aws_subnet.f["pub"]',
            "for_each comes from the for expression `{ for s in var.subnets : s.name => s if "
            's.cidr != "" }`, which filters with `if s.cidr != ""`: which element gives entry '
            "'pub' (and whether it still would after the change) is decided by Terraform, so "
            "no patch is offered",
        ),
        (
            'aws_subnet.g["pub"]',
            "for_each comes from the for expression `{ for s in var.subnets : s.name => s... }`, "
            "which groups elements by key (`...`): entry 'pub' is a list of every element with "
            "that key, not one element, so no patch is offered",
        ),
        (
            'aws_subnet.h["pub-x"]',
            'the for expression `{ for s in var.subnets : "${s.name}-x" => s }` computes its '
            "keys with `\"${s.name}-x\"`: which element gives entry 'pub-x' is not followed, so "
            "no patch is offered",
        ),
    ],
)
def test_for_expressions_whose_element_is_not_identified_are_refused(
    tmp_path: Path, address: str, why: str
) -> None:
    src = tree(tmp_path, {"main.tf": REFUSED_FOR})
    assert refusal(src, drift(address, "cidr_block", "10.0.0.0/24", "10.0.5.0/24")) == why


def test_for_expressions_through_a_local_and_a_module_argument(tmp_path: Path) -> None:
    """`local.cidrs[count.index]` with `cidrs = [for s in local.list : s.cidr]`, and a module
    whose for_each is its input `cidrs`, set by the caller to `{ for k, v in var.subnets : k =>
    v.cidr }`: each drift lands in the one element it came from."""
    main = """\
    variable "subnets" {
      type = map(object({ cidr = string, az = string }))
    }

    locals {
      list  = [{ cidr = "10.0.1.0/24" }, { cidr = "10.0.2.0/24" }]
      cidrs = [for s in local.list : s.cidr]
    }

    resource "aws_subnet" "l" {
      count      = 2
      vpc_id     = "vpc-1"
      cidr_block = local.cidrs[count.index]
    }

    module "net" {
      source = "./net"
      cidrs  = { for k, v in var.subnets : k => v.cidr }
    }
    """
    tfvars = """\
    subnets = {
      a = { cidr = "10.1.0.0/24", az = "us-east-1a" }
      b = { cidr = "10.1.1.0/24", az = "us-east-1b" }
    }
    """
    net = """\
    variable "cidrs" {
      type = map(string)
    }

    resource "aws_subnet" "s" {
      for_each   = var.cidrs
      vpc_id     = "vpc-1"
      cidr_block = each.value
    }
    """
    src = tree(tmp_path, {"main.tf": main, "terraform.tfvars": tfvars, "net/main.tf": net})
    f = drift("aws_subnet.l[0]", "cidr_block", "10.0.1.0/24", "10.0.9.0/24")
    file, note, text = one_patch(src, f)
    assert (file, note) == ("main.tf", "sets cidr_block (local.list, element [0], in main.tf)")
    assert '  list  = [{ cidr = "10.0.9.0/24" }, { cidr = "10.0.2.0/24" }]\n' in text
    f = drift('module.net.aws_subnet.s["b"]', "cidr_block", "10.1.1.0/24", "10.1.9.0/24")
    file, note, text = one_patch(src, f)
    assert (file, note) == (
        "terraform.tfvars",
        "sets cidr_block (tfvars value of var.subnets, for_each entry 'b', map entry 'b', in "
        "terraform.tfvars)",
    )
    assert text == (
        "subnets = {\n"
        '  a = { cidr = "10.1.0.0/24", az = "us-east-1a" }\n'
        '  b = { cidr = "10.1.9.0/24", az = "us-east-1b" }\n'
        "}\n"
    )


def test_an_entry_of_the_blocks_own_for_each_that_is_another_instances_is_refused(
    tmp_path: Path,
) -> None:
    """The block's own `for_each = var.cfg` reads only keys, so it does not make var.cfg
    shared when the value is in this instance's entry; here `local.by_name` re-keys var.cfg
    by `v.name`, so instance "a" reads entry "b", another instance's."""
    main = """\
    variable "cfg" {
      type = map(object({ size = number, name = string }))
      default = {
        a = { size = 10, name = "b" }
        b = { size = 20, name = "a" }
      }
    }

    locals {
      by_name = { for k, v in var.cfg : v.name => v.size }
    }

    resource "aws_ebs_volume" "w" {
      for_each          = var.cfg
      availability_zone = "us-east-1a"
      size              = local.by_name[each.key]
    }
    """
    src = tree(tmp_path, {"main.tf": main})
    assert refusal(src, drift('aws_ebs_volume.w["a"]', "size", 20, 30)) == (
        "the for expression `{ for k, v in var.cfg : v.name => v.size }` takes the value from "
        "entry 'b' of its collection, which is also this block's for_each: that entry is "
        "another instance's, so no patch is offered"
    )


LOOKUP_MODULE = """\
variable "rules" {
  type    = list(map(string))
  default = []
}

variable "arns" {
  type    = list(string)
  default = []
}

resource "aws_security_group_rule" "r" {
  count       = length(var.rules)
  type        = "ingress"
  from_port   = 443
  to_port     = 443
  protocol    = "tcp"
  description = lookup(var.rules[count.index], "description", "Ingress Rule")
  cidr_blocks = [lookup(var.rules[count.index], "cidr", "10.0.0.0/8")]
}

resource "aws_iam_role_policy_attachment" "a" {
  count      = 3
  role       = "r"
  policy_arn = element(var.arns, count.index)
}
"""

LOOKUP_ROOT = """\
module "one" {
  source = "./mod"
  rules = [
    { description = "web" },
    { cidr = "10.1.0.0/16" },
  ]
  arns = ["arn:a", "arn:b"]
}
"""


def test_lookup_and_element_are_followed_into_the_callers_element(tmp_path: Path) -> None:
    """terraform-aws-modules style: `lookup(var.rules[count.index], "description", default)`
    is the element's key, written in the caller's list (or added there: lookup then reads
    it instead of the default); `element(var.arns, count.index)` wraps around the list, so
    an element is one instance's only when no other index lands on it (3 instances, 2
    elements: [1] is instance 1's alone, [0] serves instances 0 and 2)."""
    src = tree(tmp_path, {"main.tf": LOOKUP_ROOT, "mod/main.tf": LOOKUP_MODULE})
    f = drift("module.one.aws_security_group_rule.r[0]", "description", "web", "web-tls")
    file, note, text = one_patch(src, f)
    assert (file, note) == (
        "main.tf",
        "sets description (argument rules of module one in main.tf)",
    )
    assert text == LOOKUP_ROOT.replace('"web"', '"web-tls"')
    f = drift("module.one.aws_security_group_rule.r[1]", "description", "Ingress Rule", "db")
    _, note, text = one_patch(src, f)
    assert (
        note == "sets description (argument rules of module one, new key description, in main.tf)"
    )
    assert text == LOOKUP_ROOT.replace(
        '    { cidr = "10.1.0.0/16" },\n',
        '    {\n      cidr        = "10.1.0.0/16"\n      description = "db"\n    },\n',
    )
    f = drift("module.one.aws_iam_role_policy_attachment.a[1]", "policy_arn", "arn:b", "arn:c")
    _, _, text = one_patch(src, f)
    assert text == LOOKUP_ROOT.replace('"arn:b"', '"arn:c"')
    f = drift("module.one.aws_iam_role_policy_attachment.a[2]", "policy_arn", "arn:a", "arn:c")
    assert refusal(src, f) == (
        "policy_arn reads `element(var.arns, count.index)`, which wraps around: the count "
        "makes 3 instances from a list of 2, so its element [0] serves instances [0], [2]"
    )


def test_an_element_of_concat_is_found_in_the_list_it_falls_in(tmp_path: Path) -> None:
    main = """\
    variable "extra" {
      type    = list(string)
      default = ["q-c"]
    }

    locals {
      base = ["q-a", "q-b"]
      all  = concat(local.base, var.extra, var.more)
    }

    resource "aws_sqs_queue" "q" {
      count = 4
      name  = local.all[count.index]
    }
    """
    src = tree(tmp_path, {"main.tf": main})
    _, note, text = one_patch(src, drift("aws_sqs_queue.q[2]", "name", "q-c", "q-z"))
    assert note == "sets name (default of var.extra in main.tf)"
    assert '  default = ["q-z"]\n' in text
    _, note, text = one_patch(src, drift("aws_sqs_queue.q[1]", "name", "q-b", "q-y"))
    assert note == "sets name (local.base in main.tf)"
    assert '  base = ["q-a", "q-y"]\n' in text
    assert refusal(src, drift("aws_sqs_queue.q[3]", "name", "q-d", "q-x")) == (
        "all comes from `concat(local.base, var.extra, var.more)`: how many elements "
        "`var.more` has is not read from the code (var.more is not declared in the scanned "
        "code)"
    )


# -- dynamic blocks over collections written elsewhere -----------------------------------------

DYN_MAIN = """\
variable "rules" {
  type = list(object({ port = number, cidr = string }))
}

locals {
  egress = [
    { port = 443, cidr = "0.0.0.0/0" },
    { port = 80, cidr = "10.0.0.0/8" },
  ]
}

resource "aws_security_group" "g" {
  name = "g"

  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = [ingress.value.cidr]
    }
  }

  dynamic "egress" {
    for_each = local.egress
    iterator = out
    content {
      from_port   = out.value.port
      to_port     = out.value.port
      protocol    = "tcp"
      cidr_blocks = [out.value.cidr]
    }
  }
}

module "a" {
  source = "./mod"
  rules = [
    { port = 22, cidr = "10.9.0.0/16" },
  ]
}

module "b" {
  source = "./mod"
  rules = [
    { port = 22, cidr = "10.7.0.0/16" },
  ]
}
"""

DYN_MODULE = """\
variable "rules" {
  type    = list(object({ port = number, cidr = string }))
  default = []
}

resource "aws_security_group" "g" {
  name = "m"

  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = [ingress.value.cidr]
    }
  }
}
"""

DYN_TFVARS = """\
rules = [
  { port = 443, cidr = "10.0.0.0/8" },
  { port = 8080, cidr = "10.1.0.0/16" },
]
"""


def rule(port: int, cidr: str) -> dict[str, object]:
    return {"cidr_blocks": [cidr], "from_port": port, "protocol": "tcp", "to_port": port}


@pytest.fixture
def dyn(tmp_path: Path) -> Path:
    return tree(
        tmp_path,
        {"main.tf": DYN_MAIN, "terraform.tfvars": DYN_TFVARS, "mod/main.tf": DYN_MODULE},
    )


def test_a_set_of_dynamic_blocks_is_matched_by_content_not_by_position(dyn: Path) -> None:
    """ingress is a set: the report lists its blocks sorted by content. The 443 rule's CIDR
    moved from 10.0.0.0/8 to 10.5.0.0/16, so it is listed second now; the element written
    first in terraform.tfvars is the one that changed (by position, the 8080 rule would have
    been patched)."""
    was = [rule(443, "10.0.0.0/8"), rule(8080, "10.1.0.0/16")]
    now = [rule(8080, "10.1.0.0/16"), rule(443, "10.5.0.0/16")]
    file, note, text = one_patch(dyn, drift("aws_security_group.g", "ingress", was, now))
    assert (file, note) == (
        "terraform.tfvars",
        "sets ingress (tfvars value of var.rules, element [0], in terraform.tfvars)",
    )
    assert text == DYN_TFVARS.replace('"10.0.0.0/8"', '"10.5.0.0/16"')


def test_a_dynamic_block_over_a_local_list_with_an_iterator(dyn: Path) -> None:
    was = [rule(80, "10.0.0.0/8"), rule(443, "0.0.0.0/0")]
    now = [rule(80, "10.3.0.0/16"), rule(443, "0.0.0.0/0")]
    file, note, text = one_patch(dyn, drift("aws_security_group.g", "egress", was, now))
    assert (file, note) == ("main.tf", "sets egress (local.egress, element [1], in main.tf)")
    assert text == DYN_MAIN.replace('cidr = "10.0.0.0/8"', 'cidr = "10.3.0.0/16"')


def test_a_dynamic_block_over_a_module_input_patches_the_one_callers_argument(dyn: Path) -> None:
    f = drift(
        "module.b.aws_security_group.g",
        "ingress",
        [rule(22, "10.7.0.0/16")],
        [rule(22, "10.6.0.0/16")],
    )
    file, note, text = one_patch(dyn, f)
    assert (file, note) == (
        "main.tf",
        "sets ingress (argument rules of module b, element [0], in main.tf)",
    )
    assert text == DYN_MAIN.replace('"10.7.0.0/16"', '"10.6.0.0/16"')


def test_two_changed_blocks_of_a_set_are_refused(dyn: Path) -> None:
    was = [rule(443, "10.0.0.0/8"), rule(8080, "10.1.0.0/16")]
    now = [rule(443, "10.0.0.0/9"), rule(8080, "10.1.0.0/17")]
    assert refusal(dyn, drift("aws_security_group.g", "ingress", was, now)) == (
        "ingress: 2 of its blocks changed; it is a set, so which new block replaced which old "
        "one is not told, and no patch is offered"
    )


KEYED_DYN = """\
variable "rules" {
  type = list(object({ name = string, port = number, cidr = string }))
}

resource "aws_security_group" "g" {
  name = "g"

  dynamic "ingress" {
    for_each = { for r in var.rules : r.name => r }
    content {
      description = ingress.key
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = [ingress.value.cidr]
    }
  }
}
"""

KEYED_TFVARS = """\
rules = [
  { name = "web", port = 443, cidr = "10.0.0.0/8" },
  { name = "app", port = 8080, cidr = "10.1.0.0/16" },
]
"""


def test_a_dynamic_block_over_a_for_object_finds_the_element_by_its_key(tmp_path: Path) -> None:
    """`{ for r in var.rules : r.name => r }` iterates in the lexical order of the names: the
    rule that changed ("app", written second) is matched by content and patched in tfvars; a
    changed description is the element's key (`ingress.key`), which is refused."""
    src = tree(tmp_path, {"main.tf": KEYED_DYN, "terraform.tfvars": KEYED_TFVARS})

    def keyed(name: str, port: int, cidr: str) -> dict[str, object]:
        return {**rule(port, cidr), "description": name}

    was = [keyed("web", 443, "10.0.0.0/8"), keyed("app", 8080, "10.1.0.0/16")]
    now = [keyed("web", 443, "10.0.0.0/8"), keyed("app", 8080, "10.2.0.0/16")]
    file, note, text = one_patch(src, drift("aws_security_group.g", "ingress", was, now))
    assert (file, note) == (
        "terraform.tfvars",
        "sets ingress (tfvars value of var.rules, element [1], in terraform.tfvars)",
    )
    assert text == KEYED_TFVARS.replace('"10.1.0.0/16"', '"10.2.0.0/16"')
    renamed = [keyed("web", 443, "10.0.0.0/8"), keyed("api", 8080, "10.1.0.0/16")]
    assert refusal(src, drift("aws_security_group.g", "ingress", was, renamed)) == (
        "ingress[0].description: description is the key of the dynamic block's element "
        "(`ingress.key`): changing it would make it another element, so no patch is offered"
    )


# -- dropping one counted instance -------------------------------------------------------------

COUNT_MAIN = """\
variable "cidrs" {
  type = list(string)
}

variable "n" {
  type    = number
  default = 3
}

variable "names" {
  type    = list(string)
  default = ["a", "b"]
}

resource "aws_subnet" "s" {
  count      = length(var.cidrs)
  vpc_id     = "vpc-1"
  cidr_block = var.cidrs[count.index]
}

resource "aws_sqs_queue" "q" {
  count = var.n
  name  = "q-${count.index}"
}

resource "aws_sqs_queue" "lit" {
  count = 2
  name  = "lit-${count.index}"
}

resource "aws_sqs_queue" "named" {
  count = length(var.names)
  name  = var.names[count.index]
}

resource "aws_sqs_queue" "also" {
  count = length(var.names)
  name  = "also-${var.names[count.index]}"
}
"""

COUNT_TFVARS = """\
cidrs = [
  "10.0.0.0/24",
  "10.0.1.0/24",
  "10.0.2.0/24",
]
"""


def missing(address: str) -> Finding:
    return Finding(
        kind=Kind.MISSING,
        rule_id="DRIFT",
        title="deleted outside Terraform",
        severity=Severity.MEDIUM,
        category=Category.DRIFT,
        resource_type=address.split(".")[-2].split("[")[0],
        address=address,
        resource_id="x",
    )


@pytest.fixture
def counted(tmp_path: Path) -> Path:
    return tree(tmp_path, {"main.tf": COUNT_MAIN, "terraform.tfvars": COUNT_TFVARS})


@pytest.mark.parametrize(
    ("address", "file", "before", "after", "note"),
    [
        (
            "aws_subnet.s[2]",
            "terraform.tfvars",
            '  "10.0.1.0/24",\n  "10.0.2.0/24",\n]',
            '  "10.0.1.0/24",\n]',
            'drops the last element `"10.0.2.0/24"` of the list count = length(...) counts '
            "(tfvars value of var.cidrs in terraform.tfvars): Terraform forgets "
            "aws_subnet.s[2], already gone, and changes no other instance",
        ),
        (
            "aws_sqs_queue.q[2]",
            "main.tf",
            "  default = 3\n",
            "  default = 2\n",
            "count 3 -> 2 (default of var.n in main.tf): Terraform forgets aws_sqs_queue.q[2], "
            "already gone, and changes no other instance",
        ),
        (
            "aws_sqs_queue.lit[1]",
            "main.tf",
            "  count = 2\n",
            "  count = 1\n",
            "count 2 -> 1 (literal in main.tf): Terraform forgets aws_sqs_queue.lit[1], already "
            "gone, and changes no other instance",
        ),
    ],
)
def test_the_last_counted_instance_is_dropped_where_the_count_is_written(
    counted: Path, address: str, file: str, before: str, after: str, note: str
) -> None:
    got_file, got_note, text = one_patch(counted, missing(address))
    original = COUNT_TFVARS if file == "terraform.tfvars" else COUNT_MAIN
    assert (got_file, got_note, text) == (file, note, original.replace(before, after))


@pytest.mark.parametrize(
    ("address", "why"),
    [
        (
            "aws_subnet.s[1]",
            "aws_subnet.s[1] is instance [1] of the 3 that count = `length(var.cidrs)` "
            "(main.tf:15) makes: dropping its element from the list re-indexes [2], which "
            "Terraform would then update or replace; only the last instance can be dropped this "
            "way. Move the block to for_each (with `moved` blocks) or remove the instance by "
            "hand, as the reviewer prefers",
        ),
        (
            "aws_sqs_queue.q[0]",
            "aws_sqs_queue.q[0] is instance [0] of the 3 that count = `var.n` (main.tf:21) "
            "makes: one less drops [2], which exists, and Terraform would destroy it; only the "
            "last instance can be dropped this way. Move the block to for_each (with `moved` "
            "blocks) or remove the instance by hand, as the reviewer prefers",
        ),
        (
            "aws_sqs_queue.named[1]",
            "the value is written at main.tf:12 (default of var.names in main.tf), but "
            "var.names is read at main.tf:37, main.tf:38, by more than this instance: patching "
            "it there would change other instances, not only aws_sqs_queue.named[1]",
        ),
    ],
)
def test_a_counted_instance_that_is_not_the_last_or_shares_its_count_is_refused(
    counted: Path, address: str, why: str
) -> None:
    assert refusal(counted, missing(address)) == why


def test_the_last_counted_instance_in_a_module_is_dropped_from_its_callers_list(
    tmp_path: Path,
) -> None:
    src = tree(
        tmp_path,
        {
            "main.tf": """\
            module "a" {
              source = "./mod"
              names  = ["x", "y"]
            }

            module "b" {
              source = "./mod"
              names  = ["z"]
            }
            """,
            "mod/main.tf": """\
            variable "names" {
              type = list(string)
            }

            resource "aws_sqs_queue" "q" {
              count = length(var.names)
              name  = var.names[count.index]
            }
            """,
        },
    )
    _, note, text = one_patch(src, missing("module.a.aws_sqs_queue.q[1]"))
    assert note == (
        'drops the last element `"y"` of the list count = length(...) counts (argument names '
        "of module a in main.tf): Terraform forgets module.a.aws_sqs_queue.q[1], already "
        "gone, and changes no other instance"
    )
    assert '  names  = ["x"]\n' in text and '  names  = ["z"]\n' in text
    _, _, text = one_patch(src, missing("module.b.aws_sqs_queue.q[0]"))
    assert '  names  = ["x", "y"]\n' in text and "  names  = []\n" in text


EACH_MAIN = """\
variable "buckets" {
  type = map(object({ owner = string }))
}

variable "subnets" {
  type = list(object({ name = string, cidr = string }))
  default = [
    { name = "a", cidr = "10.0.0.0/24" },
    { name = "b", cidr = "10.0.1.0/24" },
    { name = "c", cidr = "10.0.2.0/24" },
  ]
}

resource "aws_s3_bucket" "b" {
  for_each = var.buckets
  bucket   = each.key
}

resource "aws_subnet" "s" {
  for_each   = { for s in var.subnets : s.name => s }
  vpc_id     = "vpc-1"
  cidr_block = each.value.cidr
}

resource "aws_sqs_queue" "q" {
  for_each = toset(["x", "y", "z"])
  name     = each.key
}

resource "aws_instance" "i" {
  for_each      = { small = "t3.micro", large = "t3.large" }
  ami           = "ami-1"
  instance_type = each.value
}

resource "aws_s3_bucket_versioning" "v" {
  for_each = var.buckets
  bucket   = each.key

  versioning_configuration {
    status = "Enabled"
  }
}
"""

EACH_TFVARS = """\
buckets = {
  alpha = {
    owner = "ann"
  }
  beta = {
    owner = "bob"
  }
}
"""


@pytest.mark.parametrize(
    ("address", "file", "before", "after", "via"),
    [
        (
            'aws_subnet.s["b"]',
            "main.tf",
            '    { name = "b", cidr = "10.0.1.0/24" },\n',
            "",
            "default of var.subnets in main.tf",
        ),
        (
            'aws_sqs_queue.q["x"]',
            "main.tf",
            'toset(["x", "y", "z"])',
            'toset(["y", "z"])',
            "literal in main.tf",
        ),
        (
            'aws_instance.i["large"]',
            "main.tf",
            '{ small = "t3.micro", large = "t3.large" }',
            '{ small = "t3.micro" }',
            "literal in main.tf",
        ),
    ],
)
def test_a_missing_for_each_instance_drops_its_entry_where_it_is_written(
    tmp_path: Path, address: str, file: str, before: str, after: str, via: str
) -> None:
    """Unlike count, the other instances keep their keys: any entry can go."""
    src = tree(tmp_path, {"main.tf": EACH_MAIN, "terraform.tfvars": EACH_TFVARS})
    got_file, note, text = one_patch(src, missing(address))
    assert before in EACH_MAIN
    assert (got_file, note, text) == (
        file,
        f"removes entry {address.split('[')[1][1:-2]!r} from the for_each collection ({via}): "
        f"Terraform forgets {address}, already gone, and changes no other instance",
        EACH_MAIN.replace(before, after),
    )


def test_a_for_each_collection_another_block_reads_is_not_dropped_from(tmp_path: Path) -> None:
    src = tree(tmp_path, {"main.tf": EACH_MAIN, "terraform.tfvars": EACH_TFVARS})
    assert refusal(src, missing('aws_s3_bucket.b["alpha"]')) == (
        "the value is written at terraform.tfvars:1 (tfvars value of var.buckets in "
        "terraform.tfvars), but var.buckets is read at main.tf:37, by more than this instance: "
        'patching it there would change other instances, not only aws_s3_bucket.b["alpha"]'
    )


def test_a_counted_lists_own_length_does_not_make_its_element_shared(counted: Path) -> None:
    """`count = length(var.cidrs)` with `cidr_block = var.cidrs[count.index]`: the count reads
    how many elements there are, which a changed element leaves as it is (before, the two
    reads made var.cidrs "read by more than this instance")."""
    f = drift("aws_subnet.s[1]", "cidr_block", "10.0.1.0/24", "10.0.7.0/24")
    file, note, text = one_patch(counted, f)
    assert (file, note) == (
        "terraform.tfvars",
        "sets cidr_block (tfvars value of var.cidrs in terraform.tfvars)",
    )
    assert text == COUNT_TFVARS.replace('"10.0.1.0/24"', '"10.0.7.0/24"')


# -- a map key AWS no longer has ---------------------------------------------------------------

KEYS_MAIN = """\
variable "tags" {
  type = map(string)
  default = {
    Env  = "prod"
    Team = "core"
  }
}

variable "buckets" {
  type = map(object({ tags = map(string) }))
}

resource "aws_sqs_queue" "a" {
  name = "a"
  tags = {
    Env  = "prod"
    Team = "core"
  }
}

resource "aws_sqs_queue" "b" {
  name = "b"
  tags = var.tags
}

resource "aws_s3_bucket" "c" {
  for_each = var.buckets
  bucket   = each.key
  tags     = each.value.tags
}

resource "aws_sqs_queue" "d" {
  name = "d"
  tags = { Env = "prod", Team = "core" }
}
"""

KEYS_TFVARS = """\
buckets = {
  one = {
    tags = {
      Env   = "dev"
      Owner = "ann"
    }
  }
}
"""


@pytest.mark.parametrize(
    ("address", "key", "file", "before", "after", "via"),
    [
        (
            "aws_sqs_queue.a",
            "Env",
            "main.tf",
            '"a"\n  tags = {\n    Env  = "prod"\n    Team = "core"\n',
            '"a"\n  tags = {\n    Team = "core"\n',
            "literal in main.tf",
        ),
        (
            "aws_sqs_queue.b",
            "Env",
            "main.tf",
            '  default = {\n    Env  = "prod"\n    Team = "core"\n',
            '  default = {\n    Team = "core"\n',
            "default of var.tags in main.tf",
        ),
        (
            'aws_s3_bucket.c["one"]',
            "Owner",
            "terraform.tfvars",
            '      Env   = "dev"\n      Owner = "ann"\n',
            '      Env = "dev"\n',
            "tfvars value of var.buckets, for_each entry 'one', in terraform.tfvars",
        ),
        (
            "aws_sqs_queue.d",
            "Team",
            "main.tf",
            '{ Env = "prod", Team = "core" }',
            '{ Env = "prod" }',
            "literal in main.tf",
        ),
    ],
)
def test_a_map_key_aws_dropped_is_removed_where_it_is_written(
    tmp_path: Path, address: str, key: str, file: str, before: str, after: str, via: str
) -> None:
    """Before, every one of these was refused as "tags.X is not written in the code"."""
    src = tree(tmp_path, {"main.tf": KEYS_MAIN, "terraform.tfvars": KEYS_TFVARS})
    got_file, note, text = one_patch(src, drift(address, f"tags.{key}", "x", None))
    original = KEYS_TFVARS if file == "terraform.tfvars" else KEYS_MAIN
    assert before in original
    assert (got_file, note, text) == (
        file,
        f"removes tags.{key} ({via})",
        original.replace(before, after),
    )


def test_an_argument_one_instance_lost_is_not_removed_from_the_shared_block(
    tmp_path: Path,
) -> None:
    """Before, `delay_seconds` was deleted from the block, for every instance."""
    main = """\
    resource "aws_sqs_queue" "q" {
      for_each      = toset(["a", "b"])
      name          = each.key
      delay_seconds = 5
    }
    """
    src = tree(tmp_path, {"main.tf": main})
    assert refusal(src, drift('aws_sqs_queue.q["a"]', "delay_seconds", 5, None)) == (
        "delay_seconds is written in the block at main.tf:1, but aws_sqs_queue.q has for_each "
        '= `toset(["a", "b"])` (main.tf:1): every instance shares its text: removing it there '
        'would change other instances, not only aws_sqs_queue.q["a"]'
    )


# -- judged by Terraform -----------------------------------------------------------------------

JUDGED_MAIN = """\
variable "subnets" {
  type = list(object({ name = string, cidr = string }))
}

variable "names" {
  type = list(string)
}

locals {
  list = [
    { name = "x", cidr = "10.1.1.0/24" },
    { name = "y", cidr = "10.1.2.0/24" },
  ]
}

resource "terraform_data" "subnet" {
  for_each = { for s in var.subnets : s.name => s }
  input    = each.value.cidr
}

resource "terraform_data" "cidr" {
  count = 2
  input = [for s in local.list : s.cidr][count.index]
}

resource "terraform_data" "queue" {
  count = length(var.names)
  input = var.names[count.index]
}

resource "terraform_data" "box" {
  for_each = toset(["p", "q", "r"])
  input    = each.key
}
"""

JUDGED_TFVARS = """\
subnets = [
  { name = "pub", cidr = "10.0.0.0/24" },
  { name = "priv", cidr = "10.0.9.0/24" },
]
names = ["a", "b", "c"]
"""


@pytest.mark.terraform
def test_terraform_plans_each_depth_patch_as_promised(tmp_path: Path) -> None:
    """One small stack of `terraform_data` (built into Terraform: no provider, no AWS),
    applied, then changed in its state as a refresh would see the world: two values moved
    (a for_each over a for expression, an indexed list for expression), the last counted
    instance and one for_each instance gone. Each patch, judged by `terraform plan` against
    that state, shows exactly its promise: the codified values no change, the dropped
    instances a forget, nothing else planned."""
    terraform = Terraform.find()
    if terraform is None:
        pytest.skip("needs the Terraform CLI on PATH")
    files = {"main.tf": JUDGED_MAIN, "terraform.tfvars": JUDGED_TFVARS}
    for name in ("repo", "apply"):  # applied outside the source, as a CI job's checkout
        (tmp_path / name).mkdir()
    src = tree(tmp_path / "repo", files)
    work = tree(tmp_path / "apply", files)
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    for args in (["init"], ["apply", "-auto-approve"]):
        proc = subprocess.run(
            [str(terraform.executable), f"-chdir={work}", *args, "-input=false", "-no-color"],
            capture_output=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    state = json.loads((work / "terraform.tfstate").read_text())
    moved = {("subnet", "priv"): "10.0.8.0/24", ("cidr", 1): "10.1.3.0/24"}
    for r in state["resources"]:
        for inst in r["instances"]:
            new = moved.get((r["name"], inst.get("index_key")))
            if new is not None:
                inst["attributes"]["input"]["value"] = new
                inst["attributes"]["output"]["value"] = new
        if r["name"] in ("queue", "box"):
            r["instances"] = [i for i in r["instances"] if i["index_key"] not in (2, "q")]
    findings = [
        drift('terraform_data.subnet["priv"]', "input", "10.0.9.0/24", "10.0.8.0/24"),
        drift("terraform_data.cidr[1]", "input", "10.1.2.0/24", "10.1.3.0/24"),
        missing("terraform_data.queue[2]"),
        missing('terraform_data.box["q"]'),
    ]
    index = index_source(src)
    plan = plan_remedies(findings, index, {}, Prefer.AUTO)
    applied = apply_plan(plan, index)
    assert applied.skipped == {}
    # refresh: what a scan that read live AWS does; terraform_data's refresh reads nothing,
    # so the state stays the world as edited above.
    settings = Settings(
        mode=VerifyMode.TERRAFORM, state=json.dumps(state).encode(), refresh=True, workers=2
    )
    out = verify_patches(applied, plan, index, {f.id: f for f in findings}, settings)
    got = {
        (p.file, p.action.value): (p.verified, p.reason, dict(p.plan_effect), p.in_default_patch)
        for p in out.patches
    }
    assert got == {
        ("terraform.tfvars", "codify"): (
            True,
            "",
            {'terraform_data.subnet["priv"]': Effect.NONE},
            True,
        ),
        ("main.tf", "codify"): (True, "", {"terraform_data.cidr[1]": Effect.NONE}, True),
        ("terraform.tfvars", "remove"): (
            True,
            "",
            {"terraform_data.queue[2]": Effect.FORGET},
            True,
        ),
        ("main.tf", "remove"): (True, "", {'terraform_data.box["q"]': Effect.FORGET}, True),
    }
    for p in out.patches:
        assert Check.TERRAFORM_PLAN in p.verified_by
