"""Subjects from each origin, and the World's cross-origin linking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from driftpatch.model import Address, LiveResource, Location
from driftpatch.rules.interface import UNKNOWN, Origin, Subject, World
from driftpatch.rules.subjects import (
    attribute_value,
    block_refs,
    from_code,
    from_live,
    from_plan,
    from_state,
)
from tests.rules.harness import index
from tests.rules.sources import NOT_LITERAL

HCL = """
resource "aws_s3_bucket" "b" {
  bucket = "b1"
}

resource "aws_s3_bucket_public_access_block" "b" {
  bucket            = aws_s3_bucket.b.id
  block_public_acls = true
}
"""


@dataclass(frozen=True)
class StateInstance:
    """Only what from_state needs: the id comes from the attributes."""

    address: Address
    attributes: dict[str, Any]
    region: str | None = "eu-west-1"


@dataclass(frozen=True)
class ValuesResource:
    address: Address
    values: dict[str, Any]
    sensitive_values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourceChange:
    address: Address
    after: dict[str, Any] | None
    after_unknown: Any
    actions: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    planned_values: tuple[ValuesResource, ...]
    resource_changes: tuple[ResourceChange, ...]


def test_from_state_keeps_managed_instances_with_locations_and_refs() -> None:
    source = index(HCL)
    instances = [
        StateInstance(Address("aws_s3_bucket", "b"), {"id": "b1", "bucket": "b1"}),
        StateInstance(
            Address("aws_s3_bucket_public_access_block", "b"), {"id": "b1", "bucket": "b1"}
        ),
        StateInstance(Address("aws_caller_identity", "me", mode="data"), {"id": "1"}),
    ]
    subjects = from_state(instances, source)
    assert [(s.address, s.origin, s.id, s.region) for s in subjects] == [
        ("aws_s3_bucket.b", Origin.STATE, "b1", "eu-west-1"),
        ("aws_s3_bucket_public_access_block.b", Origin.STATE, "b1", "eu-west-1"),
    ]
    assert subjects[0].location == Location("main.tf", 2, 4)
    assert subjects[1].refs == {"bucket": "aws_s3_bucket.b"}
    assert from_state(instances)[0].location is None


def test_from_plan_marks_unknown_paths() -> None:
    bucket, pab = Address("aws_s3_bucket", "b"), Address("aws_s3_bucket_public_access_block", "b")
    plan = Plan(
        planned_values=(
            ValuesResource(bucket, {"bucket": "b1", "versioning": [{"mfa_delete": False}]}),
            ValuesResource(pab, {"block_public_acls": True}),
        ),
        resource_changes=(
            ResourceChange(
                bucket,
                {"bucket": "b1"},
                {"id": True, "versioning": [{"enabled": True}], "grant": True},
                ("create",),
            ),
            ResourceChange(pab, {"block_public_acls": True}, {"bucket": True}, ("create",)),
            ResourceChange(Address("aws_instance", "old"), None, {}, ("delete",)),
            ResourceChange(
                Address("aws_kms_key", "k"), {"enable_key_rotation": False}, {}, ("update",)
            ),
        ),
    )
    subjects = {s.address: s for s in from_plan(plan, index(HCL))}
    assert set(subjects) == {
        "aws_s3_bucket.b",
        "aws_s3_bucket_public_access_block.b",
        "aws_kms_key.k",
    }
    b = subjects["aws_s3_bucket.b"]
    assert b.origin is Origin.PLAN
    assert b.attributes == {
        "bucket": "b1",
        "versioning": [{"mfa_delete": False, "enabled": UNKNOWN}],
        "id": UNKNOWN,
        "grant": UNKNOWN,
    }
    assert b.id is None
    p = subjects["aws_s3_bucket_public_access_block.b"]
    assert p.get("bucket") is UNKNOWN
    assert World(subjects.values()).linked(p.type, b, "bucket") == (p,)


def test_from_live_names_managed_resources() -> None:
    live = [
        LiveResource("aws_s3_bucket", "b1", "eu-west-1", {"id": "b1"}),
        LiveResource("aws_s3_bucket", "stray", "eu-west-1", {"id": "stray"}),
    ]
    subjects = from_live(live, {("aws_s3_bucket", "b1"): "aws_s3_bucket.b"}, index(HCL))
    assert [(s.address, s.id, s.origin, s.location) for s in subjects] == [
        ("aws_s3_bucket.b", "b1", Origin.LIVE, Location("main.tf", 2, 4)),
        (None, "stray", Origin.LIVE, None),
    ]


def test_from_code_shapes_blocks_like_state() -> None:
    source = index(
        """
resource "aws_security_group" "web" {
  count       = 2
  name        = "web-${count.index}"
  description = "web"
  tags        = { Team = "a" }
  lifecycle {
    create_before_destroy = true
  }
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0", var.office]
  }
  ingress {
    from_port = 22
    to_port   = 22
    protocol  = "tcp"
    self      = true
  }
  dynamic "egress" {
    for_each = var.egress
    content {
      from_port = egress.value
    }
  }
}

resource "aws_instance" "gone" {
  count = 0
}

resource "aws_instance" "none" {
  for_each = {}
}

data "aws_ami" "x" {
  most_recent = true
}
"""
    )
    first, second = from_code(source)
    assert first.type == "aws_security_group"
    # count = 2: two instances, each with its count.index; both point at the one block.
    assert (first.address, second.address) == (
        "aws_security_group.web[0]",
        "aws_security_group.web[1]",
    )
    assert first.origin is Origin.CODE
    assert first.location == second.location == Location("main.tf", 2, 28)
    assert second.attributes["name"] == "web-1"
    assert first.attributes == {
        "name": "web-0",
        "description": "web",
        "tags": {"Team": "a"},
        "ingress": [
            {
                "from_port": 443,
                "to_port": 443,
                "protocol": "tcp",
                "cidr_blocks": ["0.0.0.0/0", UNKNOWN],
            },
            {"from_port": 22, "to_port": 22, "protocol": "tcp", "self": True},
        ],
        "egress": UNKNOWN,
    }


def test_policies_written_in_hcl_are_decoded() -> None:
    encoded = attribute_value(
        NOT_LITERAL,
        'jsonencode({\n  Statement = [{ Effect = "Allow", "Action" = ["s3:*"], '
        'Resource = "${aws_s3_bucket.b.arn}/*", Principal = { AWS = var.account } }]\n})',
    )
    assert encoded == {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:*"],
                "Resource": UNKNOWN,
                "Principal": {"AWS": UNKNOWN},
            }
        ]
    }
    heredoc = attribute_value(
        NOT_LITERAL,
        '<<-EOT\n  {"Statement": {"Effect": "Deny", "Resource": "${var.arn}"}}\n  EOT',
    )
    assert heredoc == {"Statement": {"Effect": "Deny", "Resource": UNKNOWN}}
    assert attribute_value(NOT_LITERAL, "data.aws_iam_policy_document.p.json") is UNKNOWN
    assert attribute_value(NOT_LITERAL, "<<EOT\nnot json ${x}\nEOT") is UNKNOWN
    assert attribute_value(NOT_LITERAL, "[for s in var.subnets : s.cidr]") is UNKNOWN
    assert attribute_value("plain", '"plain"') == "plain"


def test_refs_resolve_whole_references_within_the_module() -> None:
    source = index(
        """
resource "aws_s3_bucket_logging" "l" {
  bucket        = aws_s3_bucket.app[0].id
  target_bucket = "${aws_s3_bucket.logs.bucket}"
  target_prefix = "${aws_s3_bucket.app[0].id}/"
  target_grant {
    grantee {
      id = aws_iam_user.u.unique_id
    }
  }
}
"""
    )
    block = source.resources["aws_s3_bucket_logging.l"]
    assert block_refs(block, "aws_s3_bucket_logging.l") == {
        "bucket": "aws_s3_bucket.app",
        "target_bucket": "aws_s3_bucket.logs",
        "target_grant[0].grantee[0].id": "aws_iam_user.u",
    }
    assert block_refs(block, 'module.m["x"].aws_s3_bucket_logging.l[0]')["bucket"] == (
        "module.m.aws_s3_bucket.app"
    )


def test_world_links_by_value_or_reference() -> None:
    bucket = Subject(
        "aws_s3_bucket", {"id": "b1", "bucket": "b1"}, Origin.STATE, address="aws_s3_bucket.b[0]"
    )
    by_value = Subject("aws_s3_bucket_versioning", {"bucket": "b1"}, Origin.STATE, address="v1")
    by_ref = Subject(
        "aws_s3_bucket_versioning",
        {"bucket": UNKNOWN},
        Origin.STATE,
        address="v2",
        refs={"bucket": "aws_s3_bucket.b"},
    )
    other = Subject("aws_s3_bucket_versioning", {"bucket": ["b1"]}, Origin.STATE, address="v3")
    world = World([bucket, by_value, by_ref, other])
    assert world.linked("aws_s3_bucket_versioning", bucket, "bucket", ("id",)) == (by_value, by_ref)
    assert bucket.config_address == "aws_s3_bucket.b"


def test_plan_subjects_link_through_each_value_to_their_own_instance() -> None:
    """A plan knows a new bucket's id only after apply: the versioning resource of bucket "a"
    links to bucket "a" through what its code refers to (`each.value.id`), not to "b"."""
    source = index(
        """
resource "aws_s3_bucket" "b" {
  for_each = toset(["a", "b"])
  bucket   = "acme-${each.key}"
}
resource "aws_s3_bucket_versioning" "v" {
  for_each = { a = aws_s3_bucket.b["a"] }
  bucket   = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}
"""
    )
    buckets = [Address("aws_s3_bucket", "b", key=k) for k in ("a", "b")]
    versioning = Address("aws_s3_bucket_versioning", "v", key="a")
    plan = Plan(
        planned_values=(
            *(ValuesResource(b, {"bucket": f"acme-{b.key}"}) for b in buckets),
            ValuesResource(versioning, {"versioning_configuration": [{"status": "Enabled"}]}),
        ),
        resource_changes=(
            *(
                ResourceChange(b, {"bucket": f"acme-{b.key}"}, {"id": True}, ("create",))
                for b in buckets
            ),
            ResourceChange(versioning, {}, {"bucket": True}, ("create",)),
        ),
    )
    subjects = from_plan(plan, source)
    (v,) = [s for s in subjects if s.type == "aws_s3_bucket_versioning"]
    assert v.refs["bucket"] == 'aws_s3_bucket.b["a"]'
    world = World(subjects)
    a, b = [s for s in subjects if s.type == "aws_s3_bucket"]
    assert world.linked("aws_s3_bucket_versioning", a, "bucket") == (v,)
    assert world.linked("aws_s3_bucket_versioning", b, "bucket") == ()
