"""Security-group rules: DP-VPC-001..005 over inline ingress, aws_security_group_rule and
aws_vpc_security_group_ingress_rule, in HCL and state/live shapes; DP-VPC-006 on subnets."""

from __future__ import annotations

from typing import Any

import pytest

from driftpatch.rules.interface import Fix, Origin, SetValue, Violation
from tests.rules.harness import Case, ids, run

CODE, STATE, LIVE = Origin.CODE, Origin.STATE, Origin.LIVE


def ingress(
    from_port: int,
    to_port: int,
    protocol: str = "tcp",
    v4: tuple[str, ...] = (),
    v6: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One state-shaped inline ingress entry."""
    return {
        "cidr_blocks": list(v4),
        "description": "",
        "from_port": from_port,
        "ipv6_cidr_blocks": list(v6),
        "prefix_list_ids": [],
        "protocol": protocol,
        "security_groups": [],
        "self": False,
        "to_port": to_port,
    }


def sg(*entries: dict[str, Any], name: str = "web") -> dict[str, Any]:
    return {"id": "sg-1", "name": name, "ingress": list(entries), "egress": []}


SG_HCL = """
resource "aws_security_group" "web" {{
  name = "web"
{body}
}}
"""


def hcl_ingress(from_port: int, to_port: int, protocol: str, cidrs: str, v6: str = "") -> str:
    extra = f"\n    ipv6_cidr_blocks = {v6}" if v6 else ""
    return f"""  ingress {{
    from_port   = {from_port}
    to_port     = {to_port}
    protocol    = "{protocol}"
    cidr_blocks = {cidrs}{extra}
  }}"""


VPC_001 = [
    Case(
        "DP-VPC-001",
        CODE,
        "aws_security_group.web",
        (Violation("ingress", ["0.0.0.0/0", "::/0"], None, "port 22 open to 0.0.0.0/0, ::/0"),),
        hcl=SG_HCL.format(body=hcl_ingress(22, 22, "tcp", '["0.0.0.0/0"]', '["::/0"]')),
        fix=None,
    ),
    Case(
        "DP-VPC-001",
        CODE,
        "aws_security_group.web",
        (Violation("ingress", ["0.0.0.0/0"], None, "port 22 open to 0.0.0.0/0"),),
        hcl=SG_HCL.format(body=hcl_ingress(0, 1024, "tcp", '["0.0.0.0/0", var.office_cidr]')),
        name="range-and-expression",
    ),
    Case(
        "DP-VPC-001",
        CODE,
        "aws_security_group.web",
        hcl=SG_HCL.format(body=hcl_ingress(22, 22, "tcp", '["10.0.0.0/8"]')),
    ),
    Case(
        "DP-VPC-001",
        CODE,
        "aws_security_group.web",
        hcl=SG_HCL.format(body=hcl_ingress(22, 22, "tcp", "var.cidrs")),
        name="unknown",
    ),
    Case(
        "DP-VPC-001",
        CODE,
        "aws_security_group.web",
        hcl=SG_HCL.format(body=hcl_ingress(0, 0, "-1", '["0.0.0.0/0"]')),
        name="all-traffic-is-vpc-004",
    ),
    Case(
        "DP-VPC-001",
        CODE,
        "aws_security_group_rule.ssh",
        (Violation("cidr_blocks", ["0.0.0.0/0"], None, "port 22 open to 0.0.0.0/0"),),
        hcl="""
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.web.id
}
""",
        name="sg-rule",
    ),
    Case(
        "DP-VPC-001",
        CODE,
        "aws_security_group_rule.out",
        hcl="""
resource "aws_security_group_rule" "out" {
  type              = "egress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.web.id
}
""",
        name="egress",
    ),
    Case(
        "DP-VPC-001",
        CODE,
        "aws_vpc_security_group_ingress_rule.ssh6",
        (Violation("cidr_ipv6", ["::/0"], None, "port 22 open to ::/0"),),
        hcl="""
resource "aws_vpc_security_group_ingress_rule" "ssh6" {
  security_group_id = aws_security_group.web.id
  cidr_ipv6         = "::/0"
  from_port         = 22
  to_port           = 22
  ip_protocol       = "tcp"
}
""",
        name="vpc-ingress-rule",
    ),
    Case(
        "DP-VPC-001",
        STATE,
        "aws_security_group.web",
        (Violation("ingress", ["0.0.0.0/0"], None, "port 22 open to 0.0.0.0/0"),),
        resources=(("aws_security_group", "web", sg(ingress(22, 22, v4=("0.0.0.0/0",)))),),
    ),
    Case(
        "DP-VPC-001",
        STATE,
        "aws_security_group.web",
        resources=(
            (
                "aws_security_group",
                "web",
                sg(ingress(443, 443, v4=("0.0.0.0/0",)), ingress(22, 22, v4=("10.0.0.0/8",))),
            ),
        ),
    ),
    Case(
        "DP-VPC-001",
        LIVE,
        "aws_security_group.web",
        (Violation("ingress", ["::/0"], None, "port 22 open to ::/0"),),
        resources=(("aws_security_group", "web", sg(ingress(22, 22, "6", v6=("::/0",)))),),
        name="protocol-number",
    ),
]

VPC_002 = [
    Case(
        "DP-VPC-002",
        CODE,
        "aws_security_group.web",
        (Violation("ingress", ["0.0.0.0/0"], None, "port 3389 open to 0.0.0.0/0"),),
        hcl=SG_HCL.format(body=hcl_ingress(3389, 3389, "tcp", '["0.0.0.0/0"]')),
        fix=None,
    ),
    Case(
        "DP-VPC-002",
        CODE,
        "aws_security_group.web",
        hcl=SG_HCL.format(body=hcl_ingress(3389, 3389, "tcp", '["192.168.0.0/16"]')),
    ),
    Case(
        "DP-VPC-002",
        STATE,
        "aws_security_group_rule.rdp",
        (Violation("cidr_blocks", ["0.0.0.0/0"], None, "port 3389 open to 0.0.0.0/0"),),
        resources=(
            (
                "aws_security_group_rule",
                "rdp",
                {
                    "id": "sgrule-1",
                    "type": "ingress",
                    "from_port": 3380,
                    "to_port": 3390,
                    "protocol": "udp",
                    "cidr_blocks": ["0.0.0.0/0"],
                    "ipv6_cidr_blocks": None,
                    "security_group_id": "sg-1",
                },
            ),
        ),
    ),
    Case(
        "DP-VPC-002",
        STATE,
        "aws_security_group.web",
        resources=(
            ("aws_security_group", "web", sg(ingress(3389, 3389, "icmp", v4=("0.0.0.0/0",)))),
        ),
        name="other-protocol",
    ),
    Case(
        "DP-VPC-002",
        STATE,
        "aws_security_group.web",
        (Violation("ingress", ["::/0"], None, "port 3389 open to ::/0"),),
        resources=(
            (
                "aws_security_group",
                "web",
                sg(ingress(3389, 3389, v4=("0.0.0.0/0",), v6=("::/0",))),
            ),
            (
                "aws_security_group_rule",
                "rdp",
                {
                    "id": "sgrule-1",
                    "type": "ingress",
                    "from_port": 3389,
                    "to_port": 3389,
                    "protocol": "tcp",
                    "cidr_blocks": ["0.0.0.0/0"],
                    "security_group_id": "sg-1",
                },
            ),
        ),
        name="refreshed-group-minus-separate-rule",
    ),
]

VPC_003 = [
    Case(
        "DP-VPC-003",
        CODE,
        "aws_security_group.web",
        (
            Violation(
                "ingress",
                ["0.0.0.0/0"],
                None,
                "ports 3306 (MySQL), 5432 (PostgreSQL) open to 0.0.0.0/0",
            ),
        ),
        hcl=SG_HCL.format(
            body=hcl_ingress(3306, 3306, "tcp", '["0.0.0.0/0"]')
            + "\n"
            + hcl_ingress(5432, 5432, "tcp", '["0.0.0.0/0"]')
        ),
        fix=None,
    ),
    Case(
        "DP-VPC-003",
        CODE,
        "aws_security_group.web",
        hcl=SG_HCL.format(body=hcl_ingress(443, 443, "tcp", '["0.0.0.0/0"]')),
    ),
    Case(
        "DP-VPC-003",
        LIVE,
        "aws_vpc_security_group_ingress_rule.redis",
        (Violation("cidr_ipv4", ["0.0.0.0/0"], None, "port 6379 (Redis) open to 0.0.0.0/0"),),
        resources=(
            (
                "aws_vpc_security_group_ingress_rule",
                "redis",
                {
                    "id": "sgr-1",
                    "cidr_ipv4": "0.0.0.0/0",
                    "cidr_ipv6": None,
                    "from_port": 6379,
                    "to_port": 6379,
                    "ip_protocol": "tcp",
                    "security_group_id": "sg-1",
                },
            ),
        ),
    ),
    Case(
        "DP-VPC-003",
        LIVE,
        "aws_vpc_security_group_ingress_rule.redis",
        resources=(
            (
                "aws_vpc_security_group_ingress_rule",
                "redis",
                {
                    "id": "sgr-1",
                    "cidr_ipv4": "10.0.0.0/16",
                    "from_port": 6379,
                    "to_port": 6379,
                    "ip_protocol": "tcp",
                },
            ),
        ),
    ),
]

VPC_004 = [
    Case(
        "DP-VPC-004",
        CODE,
        "aws_security_group.web",
        (Violation("ingress", ["0.0.0.0/0"], None, "all traffic open to 0.0.0.0/0"),),
        hcl=SG_HCL.format(body=hcl_ingress(0, 0, "-1", '["0.0.0.0/0"]')),
        fix=None,
    ),
    Case(
        "DP-VPC-004",
        CODE,
        "aws_security_group.web",
        (Violation("ingress", ["::/0"], None, "all ports (tcp) open to ::/0"),),
        hcl=SG_HCL.format(body=hcl_ingress(0, 65535, "tcp", "[]", '["::/0"]')),
        name="port-range",
    ),
    Case(
        "DP-VPC-004",
        CODE,
        "aws_security_group.web",
        hcl=SG_HCL.format(body=hcl_ingress(0, 0, "-1", '["10.0.0.0/8"]')),
    ),
    Case(
        "DP-VPC-004",
        STATE,
        "aws_vpc_security_group_ingress_rule.all",
        (Violation("cidr_ipv4", ["0.0.0.0/0"], None, "all traffic open to 0.0.0.0/0"),),
        resources=(
            (
                "aws_vpc_security_group_ingress_rule",
                "all",
                {
                    "id": "sgr-1",
                    "cidr_ipv4": "0.0.0.0/0",
                    "ip_protocol": "-1",
                    "from_port": None,
                    "to_port": None,
                },
            ),
        ),
    ),
    Case(
        "DP-VPC-004",
        STATE,
        "aws_security_group.web",
        resources=(("aws_security_group", "web", sg(ingress(443, 443, v4=("0.0.0.0/0",)))),),
    ),
]

DEFAULT_INGRESS = {**ingress(0, 0, "-1"), "self": True}
DEFAULT_EGRESS = ingress(0, 0, "-1", v4=("0.0.0.0/0",))

VPC_005 = [
    Case(
        "DP-VPC-005",
        CODE,
        "aws_default_security_group.default",
        (Violation("ingress", 1, 0, "1 ingress rule"), Violation("egress", 1, 0, "1 egress rule")),
        hcl="""
resource "aws_default_security_group" "default" {
  vpc_id = aws_vpc.main.id
  ingress {
    protocol  = -1
    self      = true
    from_port = 0
    to_port   = 0
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
""",
        fix=None,
    ),
    Case(
        "DP-VPC-005",
        CODE,
        "aws_default_security_group.default",
        hcl='resource "aws_default_security_group" "default" {\n  vpc_id = aws_vpc.main.id\n}\n',
    ),
    Case(
        "DP-VPC-005",
        CODE,
        "aws_default_security_group.default",
        hcl="""
resource "aws_default_security_group" "default" {
  vpc_id = aws_vpc.main.id
  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port = ingress.value
    }
  }
}
""",
        name="dynamic",
    ),
    # Issue 11: rules attached to the default group as their own resources count too.
    Case(
        "DP-VPC-005",
        CODE,
        "aws_default_security_group.default",
        (
            Violation("ingress", 1, 0, "1 ingress rule (1 as separate resources)"),
            Violation("egress", 2, 0, "2 egress rules (1 as separate resources)"),
        ),
        hcl="""
resource "aws_default_security_group" "default" {
  vpc_id = aws_vpc.main.id
  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
resource "aws_vpc_security_group_ingress_rule" "self" {
  security_group_id            = aws_default_security_group.default.id
  referenced_security_group_id = aws_default_security_group.default.id
  ip_protocol                  = "-1"
}
resource "aws_security_group_rule" "out" {
  type              = "egress"
  security_group_id = aws_default_security_group.default.id
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  cidr_blocks       = ["0.0.0.0/0"]
}
resource "aws_security_group_rule" "other" {
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/8"]
}
""",
        name="separate rules",
    ),
    Case(
        "DP-VPC-005",
        STATE,
        "aws_default_security_group.default",
        (Violation("ingress", 1, 0, "1 ingress rule (1 as separate resources)"),),
        resources=(
            (
                "aws_default_security_group",
                "default",
                {"id": "sg-0d", "name": "default", "ingress": [DEFAULT_INGRESS], "egress": []},
            ),
            (
                "aws_vpc_security_group_ingress_rule",
                "self",
                {"id": "sgr-1", "security_group_id": "sg-0d", "ip_protocol": "-1"},
            ),
        ),
        name="separate rule echoed inline",
    ),
    Case(
        "DP-VPC-005",
        LIVE,
        "aws_security_group.default",
        (Violation("ingress", 1, 0, "1 ingress rule"), Violation("egress", 1, 0, "1 egress rule")),
        resources=(
            (
                "aws_security_group",
                "default",
                {
                    "id": "sg-0d",
                    "name": "default",
                    "ingress": [DEFAULT_INGRESS],
                    "egress": [DEFAULT_EGRESS],
                },
            ),
        ),
    ),
    Case(
        "DP-VPC-005",
        LIVE,
        "aws_security_group.web",
        resources=(("aws_security_group", "web", sg(DEFAULT_INGRESS)),),
        name="not-default",
    ),
    Case(
        "DP-VPC-005",
        STATE,
        "aws_default_security_group.default",
        resources=(
            (
                "aws_default_security_group",
                "default",
                {"id": "sg-0d", "name": "default", "ingress": [], "egress": []},
            ),
        ),
    ),
]

SUBNET_PUBLIC = Violation(
    "map_public_ip_on_launch", True, False, "public IPv4 address assigned on launch"
)
SUBNET_FIX = Fix(
    (SetValue("map_public_ip_on_launch", False),), "Do not assign public IP addresses on launch"
)

VPC_006 = [
    Case(
        "DP-VPC-006",
        CODE,
        "aws_subnet.public",
        (SUBNET_PUBLIC,),
        hcl='resource "aws_subnet" "public" {\n  map_public_ip_on_launch = true\n}\n',
        fix=SUBNET_FIX,
    ),
    Case(
        "DP-VPC-006",
        CODE,
        "aws_subnet.private",
        hcl='resource "aws_subnet" "private" {\n  cidr_block = "10.0.1.0/24"\n}\n',
        name="default-off",
    ),
    Case(
        "DP-VPC-006",
        CODE,
        "aws_subnet.public",
        hcl='resource "aws_subnet" "public" {\n  map_public_ip_on_launch = var.public\n}\n',
        name="unknown",
    ),
    Case(
        "DP-VPC-006",
        LIVE,
        "aws_subnet.public",
        (SUBNET_PUBLIC,),
        resources=(("aws_subnet", "public", {"id": "subnet-1", "map_public_ip_on_launch": True}),),
    ),
    Case(
        "DP-VPC-006",
        STATE,
        "aws_subnet.private",
        resources=(
            ("aws_subnet", "private", {"id": "subnet-2", "map_public_ip_on_launch": False}),
        ),
    ),
]

CASES = [*VPC_001, *VPC_002, *VPC_003, *VPC_004, *VPC_005, *VPC_006]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_security_group_rules(case: Case) -> None:
    run(case)


def test_default_vpc_subnets_are_left_out_of_live_scans() -> None:
    """AWS creates every default subnet with map_public_ip_on_launch = true."""
    from driftpatch.model import LiveResource
    from driftpatch.rules.catalog.vpc_subnet_public_ip import RULE
    from driftpatch.rules.interface import World
    from driftpatch.rules.subjects import from_live

    attrs = {"id": "subnet-1", "map_public_ip_on_launch": True}
    default, own = from_live(
        [
            LiveResource("aws_subnet", "subnet-1", "eu-west-1", attrs, account_default=True),
            LiveResource("aws_subnet", "subnet-2", "eu-west-1", {**attrs, "id": "subnet-2"}),
        ]
    )
    assert default.account_default and not own.account_default
    world = World([default, own])
    assert list(RULE.evaluate(default, world)) == []
    assert list(RULE.evaluate(own, world)) == [SUBNET_PUBLIC]
