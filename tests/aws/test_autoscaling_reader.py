"""The Auto Scaling reader's value shaping on a recorded answer, the provider's
termination-policy rule, registration and failures as values (the oracle is
test_autoscaling_oracle.py)."""

from __future__ import annotations

import boto3
import pytest

from driftpatch.aws.readers import READERS, LiveIndex, ReadContext, reader_for
from driftpatch.aws.readers.autoscaling import (
    GROUP,
    LAUNCH_CONFIGURATION,
    AutoScalingReader,
    group_attributes,
    launch_configuration_attributes,
    root_device_name,
)
from driftpatch.aws.readers.ec2 import user_data_hash
from driftpatch.aws.session import AwsSession
from driftpatch.demo import worlds
from driftpatch.embedded import EmbeddedAws, free_port
from driftpatch.model import LiveResource

REGION = "us-east-1"
# One DescribeAutoScalingGroups entry, as AWS answers for a group on a launch template.
GROUP_ANSWER = {
    "AutoScalingGroupName": "web-20240101000000000000000001",
    "AutoScalingGroupARN": "arn:aws:autoscaling:us-east-1:1:autoScalingGroup:x:name/web",
    "LaunchTemplate": {
        "LaunchTemplateId": "lt-1",
        "LaunchTemplateName": "app",
        "Version": "$Latest",
    },
    "MinSize": 1,
    "MaxSize": 3,
    "DesiredCapacity": 2,
    "DefaultCooldown": 300,
    "AvailabilityZones": ["us-east-1b", "us-east-1a"],
    "LoadBalancerNames": [],
    "TargetGroupARNs": ["arn:tg"],
    "HealthCheckType": "ELB",
    "HealthCheckGracePeriod": 300,
    "VPCZoneIdentifier": "subnet-b,subnet-a",
    "EnabledMetrics": [{"Metric": "GroupMaxSize", "Granularity": "1Minute"}],
    "SuspendedProcesses": [{"ProcessName": "AZRebalance", "SuspensionReason": "User"}],
    "Tags": [
        {"Key": "aws:cloudformation:stack-name", "Value": "s", "PropagateAtLaunch": True},
        {"Key": "Env", "Value": "prod", "PropagateAtLaunch": True},
    ],
    "TerminationPolicies": ["Default"],
    "NewInstancesProtectedFromScaleIn": False,
    "AvailabilityZoneDistribution": {"CapacityDistributionStrategy": "balanced-best-effort"},
    "CapacityReservationSpecification": {"CapacityReservationPreference": "default"},
    "TrafficSources": [{"Identifier": "arn:tg", "Type": "elbv2"}],
}


def test_group_shape() -> None:
    attrs = group_attributes(GROUP_ANSWER)
    assert attrs["name_prefix"] == "web-"
    assert attrs["launch_template"] == [{"id": "lt-1", "name": "app", "version": "$Latest"}]
    assert attrs["vpc_zone_identifier"] == ["subnet-a", "subnet-b"]
    assert attrs["availability_zones"] == ["us-east-1a", "us-east-1b"]
    assert (attrs["enabled_metrics"], attrs["metrics_granularity"]) == (["GroupMaxSize"], "1Minute")
    assert attrs["suspended_processes"] == ["AZRebalance"]
    assert attrs["tag"] == [{"key": "Env", "propagate_at_launch": True, "value": "prod"}]
    assert attrs["traffic_source"] == [{"identifier": "arn:tg", "type": "elbv2"}]
    assert attrs["availability_zone_distribution"] == [
        {"capacity_distribution_strategy": "balanced-best-effort"}
    ]
    assert attrs["capacity_reservation_specification"] == [
        {"capacity_reservation_preference": "default", "capacity_reservation_target": []}
    ]


def test_lone_default_termination_policy_follows_the_prior_state() -> None:
    attrs = group_attributes(GROUP_ANSWER)
    gid = str(attrs["id"])
    live = LiveIndex((LiveResource(GROUP, gid, REGION, attrs),))
    reader = AutoScalingReader()
    unset = reader.match(GROUP, gid, {"termination_policies": []}, live)
    listed = reader.match(GROUP, gid, {"termination_policies": ["OldestInstance"]}, live)
    assert unset is not None and listed is not None
    assert unset.attributes["termination_policies"] == []
    assert listed.attributes["termination_policies"] == ["Default"]


def test_registered_once() -> None:
    for type_ in (GROUP, LAUNCH_CONFIGURATION):
        assert [t for r in READERS for t in r.types].count(type_) == 1
        assert isinstance(reader_for(type_), AutoScalingReader)


def test_a_reset_after_auto_scaling_leaves_no_backend_made_before_the_seed(
    aws: EmbeddedAws,
) -> None:
    """moto's reset re-runs Auto Scaling's constructor, which re-made the EC2 backend (default
    VPC included) before the next seed; replays of recorded worlds then got other ids.
    `EmbeddedAws.reset` drops it, so reset + seed gives the same ids with or without Auto
    Scaling used before (here in the session's shared, in-process moto)."""

    def seeded_default_vpc() -> list[str]:
        aws.reset()
        worlds.seed(aws, 7)
        ec2 = boto3.client("ec2", endpoint_url=aws.endpoint_url, region_name=REGION)
        return [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]

    fresh = seeded_default_vpc()
    boto3.client(
        "autoscaling", endpoint_url=aws.endpoint_url, region_name=REGION
    ).describe_auto_scaling_groups()
    assert seeded_default_vpc() == fresh
    assert len(fresh) == 1


def test_root_device_heuristic() -> None:
    ebs = {"DeviceName": "/dev/sda"}
    assert root_device_name({"RootDeviceName": "/dev/xvda", "BlockDeviceMappings": []}) == (
        "/dev/xvda"
    )
    assert root_device_name({"RootDeviceName": "/dev/sda1", "BlockDeviceMappings": [ebs]}) == (
        "/dev/sda"
    )
    assert (
        root_device_name({"RootDeviceType": "instance-store", "RootDeviceName": "/dev/sda1"}) == ""
    )


LAUNCH_CONFIGURATION_ANSWER = {
    "LaunchConfigurationName": "web-20240101000000000000000001",
    "LaunchConfigurationARN": "arn:aws:autoscaling:us-east-1:1:launchConfiguration:x",
    "ImageId": "ami-1",
    "InstanceType": "t3.micro",
    "UserData": "IyEvYmluL3NoCmVjaG8gaGkK",  # "#!/bin/sh\necho hi\n"
    "BlockDeviceMappings": [
        {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3"}},
        {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 10, "SnapshotId": "snap-1"}},
        {"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"},
    ],
    "InstanceMonitoring": {"Enabled": True},
}


def test_launch_configuration_block_devices_and_user_data() -> None:
    attrs = launch_configuration_attributes(LAUNCH_CONFIGURATION_ANSWER, "/dev/xvda")
    zeros = {"encrypted": False, "iops": 0, "throughput": 0}
    assert attrs["root_block_device"] == [
        {**zeros, "delete_on_termination": True, "volume_size": 20, "volume_type": "gp3"}
    ]
    assert attrs["ebs_block_device"] == [
        {
            **zeros,
            "delete_on_termination": True,
            "device_name": "/dev/sdf",
            "no_device": False,
            "snapshot_id": "snap-1",
            "volume_size": 10,
            "volume_type": "",
        }
    ]
    assert attrs["ephemeral_block_device"] == [
        {"device_name": "/dev/sdb", "no_device": False, "virtual_name": "ephemeral0"}
    ]
    assert attrs["enable_monitoring"] is True and attrs["name_prefix"] == "web-"
    # Only the hash is kept: user data often carries secrets.
    assert attrs["user_data"] == user_data_hash("IyEvYmluL3NoCmVjaG8gaGkK")
    assert "IyEvYmluL3NoCmVjaG8gaGkK" not in str(attrs)
    name = str(attrs["id"])
    live = LiveIndex((LiveResource(LAUNCH_CONFIGURATION, name, REGION, attrs),))
    reader = AutoScalingReader()
    as_b64 = {"user_data": None, "user_data_base64": "IyEvYmluL3NoCmVjaG8gaGkK"}
    same = reader.match(LAUNCH_CONFIGURATION, name, as_b64, live)
    changed = reader.match(LAUNCH_CONFIGURATION, name, {**as_b64, "user_data_base64": "eA=="}, live)
    assert same is not None and changed is not None
    assert same.attributes["user_data_base64"] == "IyEvYmluL3NoCmVjaG8gaGkK"
    assert changed.attributes["user_data_base64"] == attrs["user_data"]


def test_unreachable_endpoint_is_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region=REGION,
        max_attempts=1,
        connect_timeout=1,
    )
    result = AutoScalingReader().read(ReadContext(session, REGION, "1"))
    assert result.resources == () and result.incomplete_types == {GROUP, LAUNCH_CONFIGURATION}
    assert [e.message.split(":", 1)[0] for e in result.errors] == [
        "DescribeAutoScalingGroups",
        "DescribeLaunchConfigurations",
    ]
