"""RDS reader against the moto server over real HTTP, plus its value shaping on recorded
responses. The shapes are checked against real Terraform in test_rds_oracle.py; here: shapes,
account defaults, calls per N, and a denied listing as a value."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import READERS, LiveIndex, ReadContext
from driftpatch.aws.readers.interface import ReadResult
from driftpatch.aws.readers.rds import (
    PARAMETER_GROUP,
    SUBNET_GROUP,
    RdsReader,
    parameter_attributes,
    subnet_group_attributes,
)
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import ACCOUNT_ID, EmbeddedAws

from .test_iam_reader import limited_session

REGION = "us-east-1"


def read(session: AwsSession) -> tuple[LiveIndex, ReadResult]:
    result = RdsReader().read(ReadContext(session, REGION, ACCOUNT_ID))
    return LiveIndex(result.resources), result


def build(aws: EmbeddedAws, n: int) -> Any:
    ec2 = boto3.client("ec2", endpoint_url=aws.endpoint_url, region_name=REGION)
    rds = boto3.client("rds", endpoint_url=aws.endpoint_url, region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{REGION}{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    for i in range(n):
        rds.create_db_subnet_group(
            DBSubnetGroupName=f"s{i}",
            DBSubnetGroupDescription="d",
            SubnetIds=subnets,
            Tags=[{"Key": "Env", "Value": "t"}],
        )
        rds.create_db_parameter_group(
            DBParameterGroupName=f"p{i}", DBParameterGroupFamily="mysql8.0", Description="x"
        )
        rds.modify_db_parameter_group(
            DBParameterGroupName=f"p{i}",
            Parameters=[
                {
                    "ParameterName": "Max_Connections",
                    "ParameterValue": "9",
                    "ApplyMethod": "immediate",
                }
            ],
        )
    return vpc, sorted(subnets)


def test_reads_both_types_in_the_provider_shape(aws: EmbeddedAws) -> None:
    vpc, subnets = build(aws, 1)
    live, result = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    assert result.errors == ()
    group = live.get(SUBNET_GROUP, "s0")
    assert group is not None and group.region == REGION and not group.account_default
    assert dict(group.attributes) == {
        "arn": f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:subgrp:s0",
        "description": "d",
        "id": "s0",
        "name": "s0",
        "name_prefix": "",
        "subnet_ids": subnets,
        "supported_network_types": [],
        "tags": {"Env": "t"},
        "tags_all": {"Env": "t"},
        "vpc_id": vpc,
    }
    params = live.get(PARAMETER_GROUP, "p0")
    assert params is not None
    assert params.attributes["family"] == "mysql8.0"
    assert params.attributes["parameter"] == [
        {"apply_method": "immediate", "name": "max_connections", "value": "9"}
    ]


def test_shaping_on_recorded_responses() -> None:
    # DescribeDBParameters(Source=user) as AWS answers it: mixed-case apply methods and names
    # are lower-cased, a parameter without a value is written "", one without a name skipped.
    recorded = [
        {
            "ParameterName": "rds.force_ssl",
            "ParameterValue": "1",
            "ApplyMethod": "pending-reboot",
            "Source": "user",
        },
        {"ParameterName": "Time_Zone", "ApplyMethod": "Immediate", "Source": "user"},
        {"ParameterValue": "x", "Source": "user"},
    ]
    assert parameter_attributes(recorded) == [
        {"apply_method": "pending-reboot", "name": "rds.force_ssl", "value": "1"},
        {"apply_method": "immediate", "name": "time_zone", "value": ""},
    ]
    group = {
        "DBSubnetGroupName": "db-20240101000000000000000001",
        "Subnets": [{"SubnetIdentifier": "subnet-b"}, {"SubnetIdentifier": "subnet-a"}],
        "SupportedNetworkTypes": ["IPV4", "DUAL"],
    }
    attrs = subnet_group_attributes(group, {})
    assert attrs["name_prefix"] == "db-"
    assert attrs["subnet_ids"] == ["subnet-a", "subnet-b"]
    assert attrs["supported_network_types"] == ["DUAL", "IPV4"]
    assert attrs["description"] == "" and attrs["vpc_id"] == ""


def test_default_groups_are_account_defaults(aws: EmbeddedAws) -> None:
    build(aws, 1)
    rds = boto3.client("rds", endpoint_url=aws.endpoint_url, region_name=REGION)
    rds.create_db_parameter_group(
        DBParameterGroupName="default.mysql8.0", DBParameterGroupFamily="mysql8.0", Description="d"
    )
    live, _ = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    defaults = {(r.type, r.id) for r in live if r.account_default}
    assert defaults == {(PARAMETER_GROUP, "default.mysql8.0")}


@pytest.mark.parametrize("n", [1, 6])
def test_listings_are_constant_and_per_group_calls_counted(aws: EmbeddedAws, n: int) -> None:
    build(aws, n)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops: Counter[str] = Counter()
    session.client("rds", REGION).meta.events.register(
        "after-call.rds.*", lambda model, **_: ops.update([model.name])
    )
    _, result = read(session)
    assert result.errors == ()
    assert ops == {
        "DescribeDBSubnetGroups": 1,
        "DescribeDBParameterGroups": 1,
        "DescribeDBParameters": n,
        "ListTagsForResource": 2 * n,
    }


def test_a_denied_listing_marks_its_type_incomplete(aws: EmbeddedAws) -> None:
    build(aws, 1)
    with limited_session(aws, "rds:DescribeDBParameterGroups") as session:
        live, result = read(session)
    assert result.incomplete_types == {PARAMETER_GROUP}
    (error,) = result.errors
    assert error.scope == f"rds/{REGION}"
    assert error.message.startswith("DescribeDBParameterGroups: AccessDenied")
    assert [r.id for r in live.of_type(SUBNET_GROUP)] == ["s0"]


def test_registered_once() -> None:
    readers = [r for r in READERS if isinstance(r, RdsReader)]
    assert len(readers) == 1
    for type_ in readers[0].types:
        assert [t for r in READERS for t in r.types].count(type_) == 1
