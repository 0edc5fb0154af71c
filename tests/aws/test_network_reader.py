"""The network reader's value shaping on recorded API responses, its failures as values, and the
drift rules that keep inline/separate network settings from reporting twice (the applied world
is in test_network_oracle.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import botocore.exceptions

from driftpatch.aws.readers import LiveIndex, ReadContext, reader_for
from driftpatch.aws.readers.network import (
    NetworkReader,
    nacl_entry,
    nat_gateway,
    route_id,
    route_table_resources,
)
from driftpatch.aws.readers.vpc import VpcReader
from driftpatch.drift.compare import compare
from driftpatch.drift.reconcile import Owners, reconcile

REGION = "eu-west-1"
ACCOUNT = "123456789012"

# A main route table: the local route, a VPN-propagated route, a gateway endpoint's prefix-list
# route, an endpoint route by CIDR, a NAT route; the main association and a subnet's.
TABLE: dict[str, Any] = {
    "RouteTableId": "rtb-1",
    "VpcId": "vpc-1",
    "OwnerId": ACCOUNT,
    "PropagatingVgws": [{"GatewayId": "vgw-1"}],
    "Tags": [
        {"Key": "Name", "Value": "main"},
        {"Key": "AmazonFSx", "Value": "managed"},
        {"Key": "aws:cloudformation:stack-name", "Value": "x"},
    ],
    "Routes": [
        {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable"},
        {
            "DestinationCidrBlock": "172.16.0.0/12",
            "GatewayId": "vgw-1",
            "Origin": "EnableVgwRoutePropagation",
        },
        {"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1", "Origin": "CreateRoute"},
        {"DestinationCidrBlock": "10.9.0.0/16", "GatewayId": "vpce-2", "Origin": "CreateRoute"},
        {
            "DestinationCidrBlock": "0.0.0.0/0",
            "NatGatewayId": "nat-1",
            "Origin": "CreateRoute",
            "State": "active",
        },
    ],
    "Associations": [
        {"Main": True, "RouteTableAssociationId": "rtbassoc-main", "RouteTableId": "rtb-1"},
        {
            "Main": False,
            "RouteTableAssociationId": "rtbassoc-1",
            "RouteTableId": "rtb-1",
            "SubnetId": "subnet-1",
            "AssociationState": {"State": "associated"},
        },
        {
            "Main": False,
            "RouteTableAssociationId": "rtbassoc-gone",
            "RouteTableId": "rtb-1",
            "SubnetId": "subnet-2",
            "AssociationState": {"State": "disassociated"},
        },
    ],
}


def _blank_route(**values: str) -> dict[str, str]:
    keys = (
        "carrier_gateway_id",
        "cidr_block",
        "core_network_arn",
        "destination_prefix_list_id",
        "egress_only_gateway_id",
        "gateway_id",
        "ipv6_cidr_block",
        "local_gateway_id",
        "nat_gateway_id",
        "network_interface_id",
        "transit_gateway_id",
        "vpc_endpoint_id",
        "vpc_peering_connection_id",
    )
    return {k: values.get(k, "") for k in keys}


def test_a_route_table_is_its_routes_and_associations_as_the_provider_reads_them() -> None:
    found = route_table_resources(TABLE, partition="aws", region=REGION)
    by_type: dict[str, list[Any]] = {}
    for r in found:
        by_type.setdefault(r.type, []).append(r)
    (table,) = by_type["aws_route_table"]
    assert table.account_default  # the main table is the VPC's own
    assert table.attributes["arn"] == f"arn:aws:ec2:{REGION}:{ACCOUNT}:route-table/rtb-1"
    assert table.attributes["tags"] == {"Name": "main"}
    assert table.attributes["propagating_vgws"] == ["vgw-1"]
    assert table.attributes["route"] == [
        _blank_route(cidr_block="10.9.0.0/16", vpc_endpoint_id="vpce-2"),
        _blank_route(cidr_block="0.0.0.0/0", nat_gateway_id="nat-1"),
    ]
    # aws_route: every route but the local one, by Terraform's id
    assert sorted(r.id for r in by_type["aws_route"]) == sorted(
        route_id("rtb-1", d) for d in ("172.16.0.0/12", "pl-1", "10.9.0.0/16", "0.0.0.0/0")
    )
    nat = next(r for r in by_type["aws_route"] if r.id == route_id("rtb-1", "0.0.0.0/0"))
    assert nat.attributes["nat_gateway_id"] == "nat-1"
    assert nat.attributes["origin"] == "CreateRoute"
    assert nat.attributes["state"] == "active"
    assert nat.attributes["route_table_id"] == "rtb-1"
    (assoc,) = by_type["aws_route_table_association"]  # not the main one, not a dead one
    assert dict(assoc.attributes) == {
        "gateway_id": "",
        "id": "rtbassoc-1",
        "route_table_id": "rtb-1",
        "subnet_id": "subnet-1",
    }


def test_aws_default_route_table_is_the_main_table_with_its_own_route_shape() -> None:
    live = LiveIndex(tuple(route_table_resources(TABLE, partition="aws", region=REGION)))
    state = {"id": "rtb-1", "default_route_table_id": "rtb-1"}
    found = NetworkReader().match("aws_default_route_table", "rtb-1", state, live)
    assert found is not None and not found.account_default
    assert found.attributes["default_route_table_id"] == "rtb-1"
    routes = found.attributes["route"]
    assert isinstance(routes, list) and len(routes) == 2
    assert all(isinstance(r, Mapping) and "instance_id" in r for r in routes)
    assert all(isinstance(r, Mapping) and "carrier_gateway_id" not in r for r in routes)


def test_a_nat_gateway_takes_its_primary_address_and_lists_the_others() -> None:
    gw = {
        "NatGatewayId": "nat-1",
        "SubnetId": "subnet-1",
        "ConnectivityType": "public",
        "NatGatewayAddresses": [
            {"AllocationId": "eipalloc-2", "PrivateIp": "10.0.0.6", "IsPrimary": False},
            {
                "AllocationId": "eipalloc-1",
                "AssociationId": "eipassoc-1",
                "NetworkInterfaceId": "eni-1",
                "PrivateIp": "10.0.0.5",
                "PublicIp": "1.2.3.4",
                "IsPrimary": True,
            },
        ],
    }
    attrs = nat_gateway(gw, region=REGION).attributes
    assert attrs["allocation_id"] == "eipalloc-1"
    assert attrs["public_ip"] == "1.2.3.4"
    assert attrs["secondary_allocation_ids"] == ["eipalloc-2"]
    assert attrs["secondary_private_ip_addresses"] == ["10.0.0.6"]
    assert attrs["secondary_private_ip_address_count"] == 1


def test_a_network_acl_entry_is_written_with_numbers_and_zero_values() -> None:
    icmp = {
        "RuleNumber": 110,
        "Protocol": "1",
        "RuleAction": "allow",
        "Egress": False,
        "CidrBlock": "0.0.0.0/0",
        "IcmpTypeCode": {"Code": -1, "Type": 8},
    }
    assert nacl_entry(icmp) == {
        "action": "allow",
        "cidr_block": "0.0.0.0/0",
        "from_port": 0,
        "icmp_code": -1,
        "icmp_type": 8,
        "ipv6_cidr_block": "",
        "protocol": "1",
        "rule_no": 110,
        "to_port": 0,
    }


def test_a_vpc_security_group_rule_keeps_the_states_spelling_and_nulls() -> None:
    rule = {
        "SecurityGroupRuleId": "sgr-1",
        "GroupId": "sg-1",
        "IsEgress": False,
        "IpProtocol": "-1",
        "FromPort": -1,
        "ToPort": -1,
        "ReferencedGroupInfo": {"GroupId": "sg-2", "UserId": "999999999999"},
        "Tags": [],
    }
    reader = NetworkReader()
    client = FakeEc2({"describe_security_group_rules": {"SecurityGroupRules": [rule]}})
    live = LiveIndex(reader.read(_ctx(client)).resources)
    state = {"id": "sgr-1", "ip_protocol": "all", "from_port": None, "to_port": None, "tags": None}
    found = reader.match("aws_vpc_security_group_ingress_rule", "sgr-1", state, live)
    assert found is not None
    assert found.attributes["ip_protocol"] == "all"  # the same protocol as AWS's "-1"
    assert found.attributes["from_port"] is None and found.attributes["to_port"] is None
    assert found.attributes["tags"] is None
    assert found.attributes["referenced_security_group_id"] == "999999999999/sg-2"
    # the other direction's type does not find it
    assert reader.match("aws_vpc_security_group_egress_rule", "sgr-1", state, live) is None


# -- failures as values -------------------------------------------------------------------------


class _Paginator:
    def __init__(self, answer: Any, key: str) -> None:
        self.answer, self.key = answer, key

    def paginate(self, **_: Any) -> Iterator[Mapping[str, Any]]:
        if isinstance(self.answer, Exception):
            raise self.answer
        yield self.answer


class FakeEc2:
    """An EC2 client answering listings from recorded pages (empty for the rest); an exception
    as the answer is raised, as botocore raises a denied call."""

    class meta:  # botocore's attribute name
        partition = "aws"

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers

    def can_paginate(self, operation: str) -> bool:
        return operation != "describe_addresses"

    def get_paginator(self, operation: str) -> _Paginator:
        return _Paginator(self.answers.get(operation, {}), operation)

    def __getattr__(self, operation: str) -> Any:
        answer = self.answers.get(operation, {})

        def call(**_: Any) -> Any:
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


class _Session:
    def __init__(self, client: FakeEc2) -> None:
        self._client = client

    def client(self, _service: str, _region: str) -> FakeEc2:
        return self._client


def _ctx(client: FakeEc2) -> ReadContext:
    return ReadContext(_Session(client), REGION, ACCOUNT)  # type: ignore[arg-type]


def _denied(operation: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": "UnauthorizedOperation", "Message": "denied"}}, operation
    )


def test_a_denied_listing_marks_only_its_types_incomplete() -> None:
    client = FakeEc2(
        {
            "describe_security_group_rules": _denied("DescribeSecurityGroupRules"),
            "describe_internet_gateways": {
                "InternetGateways": [{"InternetGatewayId": "igw-1", "OwnerId": ACCOUNT}]
            },
        }
    )
    result = NetworkReader().read(_ctx(client))
    assert result.incomplete_types == {
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
    }
    assert len(result.errors) == 1 and "UnauthorizedOperation" in result.errors[0].message
    assert [r.id for r in result.resources] == ["igw-1"]


def test_a_denied_vpc_listing_leaves_aws_default_vpc_unread_not_missing() -> None:
    client = FakeEc2({"describe_vpcs": _denied("DescribeVpcs")})
    result = VpcReader().read(_ctx(client))
    assert {"aws_vpc", "aws_default_vpc"} <= result.incomplete_types
    assert "aws_default_subnet" not in result.incomplete_types


def test_every_default_type_is_read_by_the_network_reader() -> None:
    for type_ in (
        "aws_default_vpc",
        "aws_default_subnet",
        "aws_default_security_group",
        "aws_default_route_table",
        "aws_default_network_acl",
    ):
        reader = reader_for(type_)
        assert isinstance(reader, NetworkReader) and type_ in reader.derived_types


# -- inline vs separate ---------------------------------------------------------------------------


def test_routes_of_aws_route_resources_are_not_the_tables_drift() -> None:
    owners = Owners.from_state(
        [("aws_route", {"route_table_id": "rtb-1", "destination_cidr_block": "0.0.0.0/0"})]
    )
    nat = _blank_route(cidr_block="0.0.0.0/0", nat_gateway_id="nat-1")
    extra = _blank_route(cidr_block="10.50.0.0/16", gateway_id="igw-1")
    want, have, skip = reconcile(
        "aws_route_table",
        {"id": "rtb-1", "route": []},
        {"id": "rtb-1", "route": [nat, extra]},
        owners,
    )
    changes = compare("aws_route_table", want, have, skip=skip)
    # the hand-added route is still drift; the one aws_route owns is not
    assert [(c.attribute, c.actual) for c in changes] == [("route", [extra])]


def test_an_eip_a_nat_gateway_associates_is_not_drift() -> None:
    owners = Owners.from_state([("aws_nat_gateway", {"allocation_id": "eipalloc-1"})])
    state = {"id": "eipalloc-1", "allocation_id": "eipalloc-1", "network_interface": ""}
    live = {**state, "network_interface": "eni-1"}
    want, have, skip = reconcile("aws_eip", state, live, owners)
    assert compare("aws_eip", want, have, skip=skip) == ()
    alone = reconcile("aws_eip", state, live, Owners())
    assert [c.attribute for c in compare("aws_eip", *alone[:2], skip=alone[2])] == [
        "network_interface"
    ]


def test_network_acl_entries_compare_as_the_provider_hashes_them() -> None:
    written = {
        "action": "allow",
        "cidr_block": "10.0.0.0/8",
        "from_port": 443,
        "icmp_code": None,
        "icmp_type": None,
        "ipv6_cidr_block": "",
        "protocol": "tcp",
        "rule_no": 100,
        "to_port": 443,
    }
    read = {**written, "icmp_code": 0, "icmp_type": 0, "protocol": "6"}
    rule = {**read, "rule_no": 200, "action": "deny"}
    assert compare("aws_network_acl", {"ingress": [written]}, {"ingress": [read]}) == ()
    owners = Owners.from_state(
        [("aws_network_acl_rule", {"network_acl_id": "acl-1", "rule_number": 200})]
    )
    want, have, skip = reconcile(
        "aws_network_acl", {"id": "acl-1", "ingress": [written]}, {"ingress": [read, rule]}, owners
    )
    assert compare("aws_network_acl", want, have, skip=skip) == ()
