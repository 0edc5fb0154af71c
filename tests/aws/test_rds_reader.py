"""RDS reader against the moto server over real HTTP, plus its value shaping on recorded
responses. The shapes are checked against real Terraform in test_rds_oracle.py; here: shapes,
account defaults, calls per N, and a denied listing as a value."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import READERS, LiveIndex, ReadContext
from driftpatch.aws.readers.interface import ReadResult
from driftpatch.aws.readers.neptune import (
    cluster_attributes,
    cluster_instance_attributes,
    cluster_snapshot_attributes,
    global_members,
    is_automated_snapshot,
)
from driftpatch.aws.readers.rds import (
    PARAMETER_GROUP,
    SUBNET_GROUP,
    RdsReader,
    parameter_attributes,
    subnet_group_attributes,
)
from driftpatch.aws.readers.rds_clusters import cluster_attributes as rds_cluster_attributes
from driftpatch.aws.readers.rds_clusters import match_cluster
from driftpatch.aws.readers.rds_instances import (
    INSTANCE,
    OPTION_GROUP,
    instance_attributes,
    match_instance,
    match_option_group,
    option_group_attributes,
)
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import ACCOUNT_ID, EmbeddedAws

from .rds_moto import mended_moto_rds, resource_id
from .test_iam_reader import limited_session

pytestmark = pytest.mark.usefixtures("mended_moto_rds")
__all__ = ["mended_moto_rds"]  # the fixture, used by this module

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
        rds.create_option_group(
            OptionGroupName=f"o{i}",
            EngineName="mysql",
            MajorEngineVersion="8.0",
            OptionGroupDescription="o",
        )
        rds.create_db_instance(
            DBInstanceIdentifier=f"d{i}",
            Engine="mysql",
            EngineVersion="8.0.35",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="not-a-real-secret",
            OptionGroupName=f"o{i}",
            DBParameterGroupName=f"p{i}",
            Tags=[{"Key": "Env", "Value": "t"}],
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
    options = live.get(OPTION_GROUP, "o0")
    assert options is not None and not options.account_default
    assert dict(options.attributes) == {
        "arn": f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:og:o0",
        "engine_name": "mysql",
        "id": "o0",
        "major_engine_version": "8.0",
        "name": "o0",
        "name_prefix": "",
        "option": [],
        "option_group_description": "o",
        "tags": {},
        "tags_all": {},
    }
    db = live.get(INSTANCE, resource_id("d0"))
    assert db is not None and not db.account_default
    attrs = db.attributes
    assert attrs["identifier"] == "d0" and attrs["id"] == attrs["resource_id"] == resource_id("d0")
    assert (attrs["engine"], attrs["engine_version"], attrs["instance_class"]) == (
        "mysql",
        "8.0.35",
        "db.t3.micro",
    )
    assert (attrs["option_group_name"], attrs["parameter_group_name"]) == ("o0", "p0")
    assert attrs["tags"] == attrs["tags_all"] == {"Env": "t"}
    assert attrs["endpoint"] == f"{attrs['address']}:3306"
    assert not {"password", "master_password"} & set(attrs)


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


RECORDED_INSTANCE = {
    # DescribeDBInstances as AWS answers for an instance with a managed master password, a
    # domain and a listener endpoint, without a subnet group (EC2-Classic era) or parameters.
    "DBInstanceIdentifier": "orders-20240101000000000000000001",
    "DbiResourceId": "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "DBInstanceArn": "arn:aws:rds:us-east-1:123456789012:db:orders-20240101000000000000000001",
    "DBInstanceClass": "db.m5.large",
    "Engine": "sqlserver-se",
    "EngineVersion": "15.00.4345.5.v1",
    "DBInstanceStatus": "available",
    "Endpoint": {"Address": "orders.x.rds.amazonaws.com", "Port": 1433, "HostedZoneId": "Z2R2"},
    "ListenerEndpoint": {"Address": "orders-l.x.rds.amazonaws.com", "Port": 1434},
    "MasterUserSecret": {
        "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1",
        "SecretStatus": "active",
        "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
    },
    "DomainMemberships": [
        {
            "Domain": "d-123",
            "FQDN": "corp.example.com",
            "OU": "OU=db",
            "IAMRoleName": "rds-ad",
            "DnsIps": ["10.0.0.2", "10.0.0.3"],
        }
    ],
    "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-b"}, {"VpcSecurityGroupId": "sg-a"}],
    "EnabledCloudwatchLogsExports": ["error", "agent"],
    "LatestRestorableTime": datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    "StorageThroughput": 125,
    "TagList": [
        {"Key": "aws:cloudformation:stack-name", "Value": "x"},
        {"Key": "Team", "Value": "o"},
    ],
}


def test_instance_shaping_on_a_recorded_response() -> None:
    attrs = instance_attributes(RECORDED_INSTANCE)
    assert attrs["id"] == attrs["resource_id"] == "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert attrs["identifier_prefix"] == "orders-"
    assert attrs["endpoint"] == "orders.x.rds.amazonaws.com:1433"
    assert (attrs["port"], attrs["hosted_zone_id"]) == (1433, "Z2R2")
    assert attrs["listener_endpoint"] == [
        {"address": "orders-l.x.rds.amazonaws.com", "hosted_zone_id": "", "port": 1434}
    ]
    assert attrs["master_user_secret"] == [
        {
            "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k",
            "secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1",
            "secret_status": "active",
        }
    ]
    assert (attrs["domain"], attrs["domain_fqdn"], attrs["domain_ou"]) == (
        "d-123",
        "corp.example.com",
        "OU=db",
    )
    assert attrs["domain_dns_ips"] == ["10.0.0.2", "10.0.0.3"]
    assert attrs["vpc_security_group_ids"] == ["sg-a", "sg-b"]
    assert attrs["enabled_cloudwatch_logs_exports"] == ["agent", "error"]
    assert attrs["latest_restorable_time"] == "2024-01-02T03:04:05Z"
    assert (attrs["storage_throughput"], attrs["iops"], attrs["max_allocated_storage"]) == (
        125,
        0,
        0,
    )
    assert attrs["tags"] == {"Team": "o"}
    # Not returned: the provider keeps the prior value (the match fills them in).
    assert not {"db_subnet_group_name", "option_group_name", "parameter_group_name"} & set(attrs)


def test_instance_match_keeps_what_the_provider_keeps() -> None:
    live = instance_attributes(RECORDED_INSTANCE)
    state = {
        "id": "orders-20240101000000000000000001",  # a 4.x state: the identifier
        "db_subnet_group_name": "legacy",
        "engine_version": "15.00",
    }
    view = match_instance(live, state)
    assert view["id"] == "orders-20240101000000000000000001"
    assert view["db_subnet_group_name"] == "legacy"
    assert "option_group_name" not in view
    assert (view["engine_version"], view["engine_version_actual"]) == ("15.00", "15.00.4345.5.v1")
    # A pinned version the running one does not extend is AWS's (an out-of-band upgrade).
    other = match_instance(live, {"id": live["id"], "engine_version": "14.00"})
    assert other["engine_version"] == "15.00.4345.5.v1" and other["id"] == live["id"]


def test_option_group_match_keeps_only_configured_settings_and_versions() -> None:
    group = {
        "OptionGroupName": "og-20240101000000000000000001",
        "EngineName": "oracle-ee",
        "MajorEngineVersion": "19",
        "Options": [
            {
                "OptionName": "OEM",
                "Port": 5500,
                "OptionVersion": "19",
                "VpcSecurityGroupMemberships": [{"VpcSecurityGroupId": "sg-1"}],
                "OptionSettings": [
                    {"Name": "A", "Value": "1"},
                    {"Name": "B", "Value": "2"},
                ],
            },
            {"OptionName": "S3_INTEGRATION", "OptionVersion": "1.0"},
        ],
    }
    live = option_group_attributes(group, {})
    assert live["name_prefix"] == "og-"
    state = {
        "option": [
            {"option_name": "OEM", "version": "", "option_settings": [{"name": "B", "value": "0"}]},
            # As an apply writes it: AWS returns no port, the state's is null (a refresh's 0).
            {
                "option_name": "S3_INTEGRATION",
                "version": "1.0",
                "option_settings": [],
                "port": None,
            },
        ]
    }
    assert match_option_group(live, state)["option"] == [
        {
            "db_security_group_memberships": [],
            "option_name": "OEM",
            "option_settings": [{"name": "B", "value": "2"}],
            "port": 5500,
            "version": "",
            "vpc_security_group_memberships": ["sg-1"],
        },
        {
            "db_security_group_memberships": [],
            "option_name": "S3_INTEGRATION",
            "option_settings": [],
            "port": None,
            "version": "1.0",
            "vpc_security_group_memberships": [],
        },
    ]


def test_neptune_shaping_on_recorded_responses() -> None:
    cluster = {
        "DBClusterIdentifier": "graph",
        "DBClusterArn": "arn:aws:rds:us-east-1:123456789012:cluster:graph",
        "Engine": "neptune",
        "DBClusterMembers": [
            {"DBInstanceIdentifier": "graph-2", "IsClusterWriter": False},
            {"DBInstanceIdentifier": "graph-1", "IsClusterWriter": True},
        ],
        "AssociatedRoles": [{"RoleArn": "arn:aws:iam::123456789012:role/load"}],
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 1, "MaxCapacity": 8.5},
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1"}],
    }
    members = global_members(
        [
            {
                "GlobalClusterIdentifier": "world",
                "GlobalClusterMembers": [{"DBClusterArn": cluster["DBClusterArn"]}],
            }
        ]
    )
    attrs = cluster_attributes(cluster, {"Env": "t"}, members[str(cluster["DBClusterArn"])])
    assert attrs["global_cluster_identifier"] == "world"
    assert attrs["cluster_members"] == ["graph-1", "graph-2"]
    assert attrs["iam_roles"] == ["arn:aws:iam::123456789012:role/load"]
    assert attrs["serverless_v2_scaling_configuration"] == [
        {"max_capacity": 8.5, "min_capacity": 1.0}
    ]
    db = {
        "DBInstanceIdentifier": "graph-1",
        "Engine": "neptune",
        "DBClusterIdentifier": "graph",
        "Endpoint": {"Address": "graph-1.x.neptune.amazonaws.com", "Port": 8182},
        "DBParameterGroups": [{"DBParameterGroupName": "default.neptune1.3"}],
        "PromotionTier": 1,
    }
    instance = cluster_instance_attributes(db, {}, writer=True)
    assert instance["endpoint"] == "graph-1.x.neptune.amazonaws.com:8182"
    assert (instance["writer"], instance["promotion_tier"]) == (True, 1)
    assert "neptune_subnet_group_name" not in instance  # kept from state by the match
    snapshot = {"DBClusterSnapshotIdentifier": "rds:graph-2024", "SnapshotType": "automated"}
    assert is_automated_snapshot(snapshot)
    assert cluster_snapshot_attributes(snapshot)["id"] == "rds:graph-2024"


def test_rds_cluster_shaping_and_match_on_a_recorded_response() -> None:
    cluster = {
        "DBClusterIdentifier": "aurora",
        "Engine": "aurora-mysql",
        "EngineVersion": "8.0.mysql_aurora.3.05.2",
        "CertificateDetails": {
            "CAIdentifier": "rds-ca-rsa2048-g1",
            "ValidTill": datetime(2025, 6, 1, 0, 0, 0, tzinfo=UTC),
        },
        "ScalingConfigurationInfo": {"MinCapacity": 2},
        "TagList": [{"Key": "Team", "Value": "db"}],
        "LocalWriteForwardingStatus": "enabled",
    }
    live = rds_cluster_attributes(cluster, "")
    assert live["ca_certificate_valid_till"] == "2025-06-01T00:00:00Z"
    assert live["scaling_configuration"] == [
        {
            "auto_pause": True,
            "max_capacity": 16,
            "min_capacity": 2,
            "seconds_before_timeout": 300,
            "seconds_until_auto_pause": 300,
            "timeout_action": "RollbackCapacityChange",
        }
    ]
    assert live["tags"] == {"Team": "db"} and live["enable_local_write_forwarding"] is True
    # Without certificate details the state's values stay; a pinned "8.0" version stays too.
    bare = rds_cluster_attributes({**cluster, "CertificateDetails": None}, "")
    view = match_cluster(bare, {"ca_certificate_identifier": "x", "engine_version": "8.0"})
    assert view["ca_certificate_identifier"] == "x"
    assert view["engine_version"] == "8.0"


def test_default_groups_are_account_defaults(aws: EmbeddedAws) -> None:
    build(aws, 1)
    rds = boto3.client("rds", endpoint_url=aws.endpoint_url, region_name=REGION)
    rds.create_db_parameter_group(
        DBParameterGroupName="default.mysql8.0", DBParameterGroupFamily="mysql8.0", Description="d"
    )
    rds.create_option_group(
        OptionGroupName="default:mysql-8-0",
        EngineName="mysql",
        MajorEngineVersion="8.0",
        OptionGroupDescription="d",
    )
    live, _ = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    defaults = {(r.type, r.id) for r in live if r.account_default}
    assert defaults == {(PARAMETER_GROUP, "default.mysql8.0"), (OPTION_GROUP, "default:mysql-8-0")}


@pytest.mark.parametrize("n", [1, 6])
def test_listings_are_constant_and_per_group_calls_counted(aws: EmbeddedAws, n: int) -> None:
    build(aws, n)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops: Counter[str] = Counter()
    lock = threading.Lock()  # the listings run in parallel: Counter.update is not atomic

    def count(model: Any, **_: Any) -> None:
        with lock:
            ops.update([model.name])

    session.client("rds", REGION).meta.events.register("after-call.rds.*", count)
    _, result = read(session)
    assert result.errors == ()
    assert ops == {
        "DescribeDBSubnetGroups": 1,
        "DescribeDBParameterGroups": 1,
        "DescribeDBParameters": n,
        "DescribeOptionGroups": 1,
        "DescribeDBInstances": 1,  # an instance's tags come with it
        # Neptune (the RDS API): no cluster, so no DescribeGlobalClusters either.
        "DescribeDBClusters": 1,
        "DescribeDBClusterSnapshots": 1,
        "ListTagsForResource": 3 * n,
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


def test_a_denied_instance_listing_marks_only_instances_incomplete(aws: EmbeddedAws) -> None:
    build(aws, 1)
    with limited_session(aws, "rds:DescribeDBInstances") as session:
        live, result = read(session)
    # DB instances and Neptune cluster instances come from that one listing.
    assert result.incomplete_types == {INSTANCE, "aws_neptune_cluster_instance"}
    (error,) = result.errors
    assert error.message.startswith("DescribeDBInstances: AccessDenied")
    assert [r.id for r in live.of_type(OPTION_GROUP)] == ["o0"]


def test_registered_once() -> None:
    readers = [r for r in READERS if isinstance(r, RdsReader)]
    assert len(readers) == 1
    for type_ in readers[0].types:
        assert [t for r in READERS for t in r.types].count(type_) == 1
