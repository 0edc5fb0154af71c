"""EC2 rules: DP-EC2-001..005."""

from __future__ import annotations

import pytest

from driftpatch.rules.interface import Fix, Origin, SetValue, Violation
from tests.rules.harness import Case, ids, run

CODE, STATE, LIVE, PLAN = Origin.CODE, Origin.STATE, Origin.LIVE, Origin.PLAN
TOKENS = "metadata_options[0].http_tokens"
IMDS_FIX = Fix((SetValue(TOKENS, "required"),), 'Require IMDSv2 (http_tokens = "required")')


def metadata(tokens: str, endpoint: str = "enabled") -> list[dict[str, object]]:
    return [
        {
            "http_endpoint": endpoint,
            "http_protocol_ipv6": "disabled",
            "http_put_response_hop_limit": 1,
            "http_tokens": tokens,
            "instance_metadata_tags": "disabled",
        }
    ]


EC2_001 = [
    Case(
        "DP-EC2-001",
        CODE,
        "aws_instance.web",
        (Violation(TOKENS, "optional", "required", "http_tokens not set (defaults to optional)"),),
        hcl=(
            'resource "aws_instance" "web" {\n'
            '  ami           = "ami-123"\n'
            '  instance_type = "t3.micro"\n'
            "}\n"
        ),
        fix=IMDS_FIX,
    ),
    Case(
        "DP-EC2-001",
        CODE,
        "aws_instance.web",
        (Violation(TOKENS, "optional", "required", "http_tokens is optional"),),
        hcl="""
resource "aws_instance" "web" {
  ami = "ami-123"
  metadata_options {
    http_tokens = "optional"
  }
}
""",
        fix=IMDS_FIX,
        name="explicit",
    ),
    Case(
        "DP-EC2-001",
        CODE,
        "aws_instance.web",
        hcl="""
resource "aws_instance" "web" {
  ami = "ami-123"
  metadata_options {
    http_tokens = "required"
  }
}
""",
    ),
    Case(
        "DP-EC2-001",
        CODE,
        "aws_launch_template.lt",
        hcl="""
resource "aws_launch_template" "lt" {
  metadata_options {
    http_endpoint = "disabled"
  }
}
""",
        name="endpoint-off",
    ),
    Case(
        "DP-EC2-001",
        CODE,
        "aws_instance.web",
        hcl="""
resource "aws_instance" "web" {
  metadata_options {
    http_tokens = var.tokens
  }
}
""",
        name="unknown",
    ),
    Case(
        "DP-EC2-001",
        STATE,
        "aws_instance.web",
        (Violation(TOKENS, "optional", "required", "http_tokens is optional"),),
        resources=(
            ("aws_instance", "web", {"id": "i-1", "metadata_options": metadata("optional")}),
        ),
        fix=IMDS_FIX,
    ),
    Case(
        "DP-EC2-001",
        LIVE,
        "aws_instance.web",
        resources=(
            ("aws_instance", "web", {"id": "i-1", "metadata_options": metadata("required")}),
        ),
    ),
    Case(
        "DP-EC2-001",
        LIVE,
        "aws_launch_template.lt",
        (Violation(TOKENS, "optional", "required", "http_tokens not set (defaults to optional)"),),
        resources=(("aws_launch_template", "lt", {"id": "lt-1", "metadata_options": []}),),
        name="launch-template",
    ),
]

EC2_002 = [
    Case(
        "DP-EC2-002",
        CODE,
        "aws_instance.web",
        (Violation("associate_public_ip_address", True, False, "public IP associated"),),
        hcl='resource "aws_instance" "web" {\n  associate_public_ip_address = true\n}\n',
        fix=Fix(
            (SetValue("associate_public_ip_address", False),),
            "Do not associate a public IP (replaces the instance)",
        ),
    ),
    Case(
        "DP-EC2-002",
        CODE,
        "aws_instance.web",
        hcl='resource "aws_instance" "web" {\n  ami = "ami-123"\n}\n',
        name="subnet-default",
    ),
    Case(
        "DP-EC2-002",
        STATE,
        "aws_instance.web",
        (Violation("associate_public_ip_address", True, False, "public IP associated"),),
        resources=(
            (
                "aws_instance",
                "web",
                {"id": "i-1", "associate_public_ip_address": True, "public_ip": "3.3.3.3"},
            ),
        ),
    ),
    Case(
        "DP-EC2-002",
        STATE,
        "aws_instance.web",
        resources=(("aws_instance", "web", {"id": "i-1", "associate_public_ip_address": False}),),
    ),
]

EBS_FIX = Fix((SetValue("encrypted", True),), "Encrypt the volume (replaces it)")
DEFAULT_ON = 'resource "aws_ebs_encryption_by_default" "this" {\n  enabled = true\n}\n'

EC2_003 = [
    Case(
        "DP-EC2-003",
        CODE,
        "aws_ebs_volume.data",
        (Violation("encrypted", False, True, "encrypted not set (defaults to false)"),),
        hcl=(
            'resource "aws_ebs_volume" "data" {\n'
            '  availability_zone = "eu-west-1a"\n'
            "  size = 10\n"
            "}\n"
        ),
        fix=EBS_FIX,
    ),
    Case(
        "DP-EC2-003",
        CODE,
        "aws_ebs_volume.data",
        (Violation("encrypted", False, True, "volume is not encrypted"),),
        hcl='resource "aws_ebs_volume" "data" {\n  size      = 10\n  encrypted = false\n}\n',
        fix=EBS_FIX,
        name="explicit",
    ),
    Case(
        "DP-EC2-003",
        CODE,
        "aws_ebs_volume.data",
        hcl='resource "aws_ebs_volume" "data" {\n  size      = 10\n  encrypted = true\n}\n',
    ),
    Case(
        "DP-EC2-003",
        CODE,
        "aws_ebs_volume.data",
        hcl='resource "aws_ebs_volume" "data" {\n  size = 10\n}\n' + DEFAULT_ON,
        name="encryption-by-default",
    ),
    Case(
        "DP-EC2-003",
        CODE,
        "aws_ebs_volume.data",
        hcl='resource "aws_ebs_volume" "data" {\n  snapshot_id = "snap-1"\n}\n',
        name="from-snapshot",
    ),
    Case(
        "DP-EC2-003",
        STATE,
        "aws_ebs_volume.data",
        (Violation("encrypted", False, True, "volume is not encrypted"),),
        resources=(
            ("aws_ebs_volume", "data", {"id": "vol-1", "encrypted": False, "snapshot_id": ""}),
            ("aws_ebs_encryption_by_default", "this", {"id": "x", "enabled": True}),
        ),
        name="state-is-what-aws-did",
    ),
    Case(
        "DP-EC2-003",
        LIVE,
        "aws_ebs_volume.data",
        resources=(
            ("aws_ebs_volume", "data", {"id": "vol-1", "encrypted": True, "snapshot_id": ""}),
        ),
    ),
]

ROOT = "root_block_device[0].encrypted"

EC2_004 = [
    Case(
        "DP-EC2-004",
        CODE,
        "aws_instance.web",
        (Violation(ROOT, False, True, "root volume encryption not set (follows the AMI)"),),
        hcl='resource "aws_instance" "web" {\n  ami = "ami-123"\n}\n',
        fix=Fix((SetValue(ROOT, True),), "Encrypt the block device (replaces it)"),
    ),
    Case(
        "DP-EC2-004",
        CODE,
        "aws_instance.web",
        (
            Violation(ROOT, False, True, "root volume is not encrypted"),
            Violation(
                "ebs_block_device[1].encrypted", False, True, "EBS device /dev/sdg is not encrypted"
            ),
        ),
        hcl="""
resource "aws_instance" "web" {
  ami = "ami-123"
  root_block_device {
    volume_size = 20
  }
  ebs_block_device {
    device_name = "/dev/sdf"
    encrypted   = true
  }
  ebs_block_device {
    device_name = "/dev/sdg"
  }
  ebs_block_device {
    device_name = "/dev/sdh"
    snapshot_id = "snap-1"
  }
}
""",
        fix=Fix((SetValue(ROOT, True),), "Encrypt the block device (replaces it)"),
        name="devices",
    ),
    Case(
        "DP-EC2-004",
        CODE,
        "aws_instance.web",
        hcl="""
resource "aws_instance" "web" {
  root_block_device {
    encrypted = true
  }
}
""",
    ),
    Case(
        "DP-EC2-004",
        CODE,
        "aws_instance.web",
        hcl='resource "aws_instance" "web" {\n  ami = "ami-123"\n}\n' + DEFAULT_ON,
        name="encryption-by-default",
    ),
    Case(
        "DP-EC2-004",
        STATE,
        "aws_instance.web",
        (
            Violation(
                "ebs_block_device[0].encrypted", False, True, "EBS device /dev/sdf is not encrypted"
            ),
        ),
        resources=(
            (
                "aws_instance",
                "web",
                {
                    "id": "i-1",
                    "root_block_device": [{"encrypted": True, "volume_id": "vol-r"}],
                    "ebs_block_device": [
                        {"device_name": "/dev/sdf", "encrypted": False, "snapshot_id": ""}
                    ],
                },
            ),
        ),
        fix=Fix(
            (SetValue("ebs_block_device[0].encrypted", True),),
            "Encrypt the block device (replaces it)",
        ),
    ),
    Case(
        "DP-EC2-004",
        STATE,
        "aws_instance.web",
        resources=(
            (
                "aws_instance",
                "web",
                {"id": "i-1", "root_block_device": [{"encrypted": True}], "ebs_block_device": []},
            ),
        ),
    ),
    Case(
        "DP-EC2-004",
        PLAN,
        "aws_instance.web",
        resources=(("aws_instance", "web", {"root_block_device": [], "ebs_block_device": []}),),
        name="plan-root-computed",
    ),
]

EC2_005 = [
    Case(
        "DP-EC2-005",
        CODE,
        "aws_ebs_encryption_by_default.this",
        (Violation("enabled", False, True, "encryption by default is off"),),
        hcl='resource "aws_ebs_encryption_by_default" "this" {\n  enabled = false\n}\n',
        fix=Fix((SetValue("enabled", True),), "Enable EBS encryption by default"),
    ),
    Case(
        "DP-EC2-005",
        CODE,
        "aws_ebs_encryption_by_default.this",
        hcl='resource "aws_ebs_encryption_by_default" "this" {}\n',
        name="default-true",
    ),
    Case(
        "DP-EC2-005",
        LIVE,
        "aws_ebs_encryption_by_default.this",
        (Violation("enabled", False, True, "encryption by default is off"),),
        resources=(("aws_ebs_encryption_by_default", "this", {"id": "x", "enabled": False}),),
    ),
    Case(
        "DP-EC2-005",
        STATE,
        "aws_ebs_encryption_by_default.this",
        resources=(("aws_ebs_encryption_by_default", "this", {"id": "x", "enabled": True}),),
    ),
]

CASES = [*EC2_001, *EC2_002, *EC2_003, *EC2_004, *EC2_005]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_ec2_rules(case: Case) -> None:
    run(case)
