"""The oracle: hashicorp/aws 5.100.0's own refresh of moto vs. the Auto Scaling, volume
attachment, snapshot and EC2 extra (network interface, key pair, VPN and customer gateway)
readers.

The stack in stacks/autoscaling (launch configurations, groups on a launch configuration and on
a launch template, minimal and fully specified, volume attachments, snapshots, network
interfaces detached and attached, key pairs named and prefixed, VPN gateways attached and not,
customer gateways) is applied to moto once, and `driftpatch scan` reports nothing on the clean
world. Then the world is changed out of band (sizes, health check settings, suspended
processes, metrics, tags, a group and a launch configuration deleted (launch configurations
cannot change), a volume detached, snapshot tags, a snapshot deleted, an interface's
description, source/dest check and groups, tags on each new type, a VPN gateway detached from
its VPC, an interface, a key pair and a customer gateway deleted, and a group, a snapshot, an
interface and a key pair created by hand) and refreshed with `terraform apply -refresh-only`:
every prior state instance, looked up through the reader's `match`, must equal the refreshed
instance key by key (except the documented `unreadable` attributes), or be gone where the
refresh dropped it; and `driftpatch scan` on the applied state reports exactly the expected
findings (the instances' primary interfaces, AWS's own, are never unmanaged).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import LiveIndex, ReadContext
from driftpatch.aws.readers.autoscaling import AutoScalingReader
from driftpatch.aws.readers.ec2_attachments import VolumeAttachmentReader
from driftpatch.aws.readers.ec2_extra import Ec2ExtraReader
from driftpatch.aws.readers.ec2_snapshots import EbsSnapshotReader
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import EmbeddedAws
from driftpatch.terraform.binary import Terraform

from .oracle import differences, drift_report, finding_keys, instances

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "stacks" / "autoscaling"
REGION = "us-east-1"
TYPES = (
    *AutoScalingReader.types,
    *VolumeAttachmentReader.types,
    *EbsSnapshotReader.types,
    *Ec2ExtraReader.types,
)
EXPECTED_GONE = {
    ("aws_network_interface", "doomed"),
    ("aws_key_pair", "doomed"),
    ("aws_customer_gateway", "doomed"),
    ("aws_autoscaling_group", "doomed"),
    ("aws_launch_configuration", "doomed"),
    ("aws_volume_attachment", "doomed"),
    ("aws_ebs_snapshot", "doomed"),
}
# A public key imported by hand (the stack's own keys are in its main.tf).
BY_HAND_KEY = (
    b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGw4TpD7zFf3TyE5EQ0fA0AhYy0q6mGzq0gtAxu2eJtq hand"
)
TfApply = Callable[[Path], dict[str, Any]]


def provider_override(endpoint_url: str) -> str:
    """The account lookup the harness skips: the provider builds key pair and gateway ARNs
    with it, as real runs do (moto's STS answers GetCallerIdentity). The endpoint is
    AWS_ENDPOINT_URL."""
    del endpoint_url
    return 'provider "aws" {\n  skip_requesting_account_id = false\n}\n'


def mutate(aws: EmbeddedAws, state: Mapping[str, Any]) -> None:
    """Out-of-band changes, the way someone with console access would make them."""
    attrs = {
        (res["type"], res["name"]): res["instances"][0]["attributes"]
        for res in state["resources"]
        if res["mode"] == "managed"
    }
    c = boto3.client("autoscaling", endpoint_url=aws.endpoint_url, region_name=REGION)
    full = str(attrs["aws_autoscaling_group", "full"]["name"])
    c.update_auto_scaling_group(AutoScalingGroupName="min", MaxSize=2)
    c.create_or_update_tags(
        Tags=[
            {
                "ResourceId": "min",
                "ResourceType": "auto-scaling-group",
                "Key": "Owner",
                "Value": "ops",
                "PropagateAtLaunch": False,
            }
        ]
    )
    # (moto ignores DefaultCooldown and MaxInstanceLifetime in updates)
    c.update_auto_scaling_group(AutoScalingGroupName=full, HealthCheckGracePeriod=300)
    c.suspend_processes(AutoScalingGroupName=full, ScalingProcesses=["ReplaceUnhealthy"])
    # (moto answers DisableMetricsCollection with an internal error)
    c.enable_metrics_collection(
        AutoScalingGroupName=full, Metrics=["GroupDesiredCapacity"], Granularity="1Minute"
    )
    c.delete_tags(Tags=[{"ResourceId": full, "ResourceType": "auto-scaling-group", "Key": "Team"}])
    c.delete_auto_scaling_group(AutoScalingGroupName="doomed", ForceDelete=True)
    c.delete_launch_configuration(LaunchConfigurationName="doomed-lc")
    ec2 = boto3.client("ec2", endpoint_url=aws.endpoint_url, region_name=REGION)
    doomed = attrs["aws_volume_attachment", "doomed"]
    ec2.detach_volume(  # (moto needs the instance and device named)
        VolumeId=str(doomed["volume_id"]),
        InstanceId=str(doomed["instance_id"]),
        Device=str(doomed["device_name"]),
    )
    full_snapshot = str(attrs["aws_ebs_snapshot", "full"]["id"])
    ec2.create_tags(Resources=[full_snapshot], Tags=[{"Key": "Patched", "Value": "1"}])
    ec2.delete_tags(Resources=[full_snapshot], Tags=[{"Key": "Env"}])
    ec2.delete_snapshot(SnapshotId=str(attrs["aws_ebs_snapshot", "doomed"]["id"]))
    ec2.create_snapshot(VolumeId=str(attrs["aws_ebs_volume", "data"]["id"]))
    # network interfaces, key pairs, VPN and customer gateways
    full_eni = str(attrs["aws_network_interface", "full"]["id"])
    ec2.modify_network_interface_attribute(
        NetworkInterfaceId=full_eni, Description={"Value": "changed"}
    )
    ec2.modify_network_interface_attribute(
        NetworkInterfaceId=full_eni, SourceDestCheck={"Value": True}
    )
    default_sg = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [str(attrs["aws_vpc", "main"]["id"])]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    ec2.modify_network_interface_attribute(
        NetworkInterfaceId=full_eni,
        Groups=[str(attrs["aws_security_group", "web"]["id"]), default_sg],
    )
    ec2.create_tags(
        Resources=[str(attrs["aws_network_interface", "min"]["id"])],
        Tags=[{"Key": "Owner", "Value": "ops"}],
    )
    ec2.delete_network_interface(
        NetworkInterfaceId=str(attrs["aws_network_interface", "doomed"]["id"])
    )
    ec2.create_network_interface(
        SubnetId=str(attrs["aws_subnet", "a"]["id"]), Description="by hand"
    )
    ec2.create_tags(
        Resources=[str(attrs["aws_key_pair", "deployer"]["key_pair_id"])],
        Tags=[{"Key": "Env", "Value": "prod"}],
    )
    ec2.delete_key_pair(KeyName="doomed-key")
    ec2.import_key_pair(KeyName="by-hand-key", PublicKeyMaterial=BY_HAND_KEY)
    main_vgw = str(attrs["aws_vpn_gateway", "main"]["id"])
    ec2.detach_vpn_gateway(VpnGatewayId=main_vgw, VpcId=str(attrs["aws_vpc", "main"]["id"]))
    ec2.create_tags(
        Resources=[str(attrs["aws_vpn_gateway", "detached"]["id"])],
        Tags=[{"Key": "Name", "Value": "spare"}],
    )
    ec2.create_tags(
        Resources=[str(attrs["aws_customer_gateway", "office"]["id"])],
        Tags=[{"Key": "Name", "Value": "hq"}],
    )
    ec2.delete_customer_gateway(
        CustomerGatewayId=str(attrs["aws_customer_gateway", "doomed"]["id"])
    )
    c.create_auto_scaling_group(
        AutoScalingGroupName="by-hand",
        LaunchConfigurationName="web",
        MinSize=0,
        MaxSize=0,
        AvailabilityZones=["us-east-1a"],
    )


def read(aws: EmbeddedAws) -> LiveIndex:
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ctx = ReadContext(session, REGION, session.account_id())
    readers = (
        AutoScalingReader(),
        VolumeAttachmentReader(),
        EbsSnapshotReader(),
        Ec2ExtraReader(),
    )
    results = [r.read(ctx) for r in readers]
    assert [e for r in results for e in r.errors] == []
    assert not any(r.incomplete_types for r in results)
    return LiveIndex(tuple(x for r in results for x in r.resources))


def scan(workdir: Path, aws: EmbeddedAws, state: Path) -> set[tuple[str, str | None, str | None]]:
    report = drift_report(state, aws, workdir / "report.json", region=REGION)
    return finding_keys(report, TYPES)


def test_reader_matches_the_providers_refresh_and_scan_reports_exactly_the_drift(
    tmp_path: Path,
    terraform: Terraform,
    tf_apply: TfApply,
    aws: EmbeddedAws,
) -> None:
    workdir = tmp_path / "stack"
    shutil.copytree(STACK, workdir)
    (workdir / "zz_provider_override.tf").write_text(provider_override(aws.endpoint_url))
    applied = tf_apply(workdir)
    applied_path = tmp_path / "applied.tfstate"
    applied_path.write_text(json.dumps(applied))
    prior = instances(applied, TYPES)

    assert scan(workdir, aws, applied_path) == set()

    mutate(aws, applied)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir
    )
    refreshed = json.loads((workdir / "terraform.tfstate").read_text())
    after = instances(refreshed, TYPES)
    assert {(t, n) for t, n, _ in prior.keys() - after.keys()} == EXPECTED_GONE
    problems = differences(prior, after, read(aws))
    assert not problems, "reader differs from the provider's refresh:\n" + "\n".join(problems)

    live = read(aws)
    snapshot_by_hand = next(
        s.id
        for s in live.of_type("aws_ebs_snapshot")
        if s.id not in {a["id"] for a in prior.values()}
    )
    eni_by_hand = next(
        e.id
        for e in live.of_type("aws_network_interface")
        if e.attributes["description"] == "by hand"
    )
    full = str(prior["aws_autoscaling_group", "full", None]["name"])
    assert full.startswith("full-")
    assert scan(workdir, aws, applied_path) == {
        ("drift", "aws_autoscaling_group.min", "max_size"),
        ("drift", "aws_autoscaling_group.min", "tag"),
        ("drift", "aws_autoscaling_group.full", "health_check_grace_period"),
        ("drift", "aws_autoscaling_group.full", "suspended_processes"),
        ("drift", "aws_autoscaling_group.full", "enabled_metrics"),
        ("drift", "aws_autoscaling_group.full", "tag"),
        ("missing", "aws_autoscaling_group.doomed", None),
        ("missing", "aws_launch_configuration.doomed", None),
        ("missing", "aws_volume_attachment.doomed", None),
        ("drift", "aws_ebs_snapshot.full", "tags.Env"),
        ("drift", "aws_ebs_snapshot.full", "tags.Patched"),
        ("missing", "aws_ebs_snapshot.doomed", None),
        ("unmanaged", snapshot_by_hand, None),
        ("unmanaged", "by-hand", None),
        ("drift", "aws_network_interface.full", "description"),
        ("drift", "aws_network_interface.full", "source_dest_check"),
        ("drift", "aws_network_interface.full", "security_groups"),
        ("drift", "aws_network_interface.min", "tags.Owner"),
        ("missing", "aws_network_interface.doomed", None),
        ("unmanaged", eni_by_hand, None),
        ("drift", "aws_key_pair.deployer", "tags.Env"),
        ("missing", "aws_key_pair.doomed", None),
        ("unmanaged", "by-hand-key", None),
        ("drift", "aws_vpn_gateway.main", "vpc_id"),
        ("drift", "aws_vpn_gateway.detached", "tags.Name"),
        ("drift", "aws_customer_gateway.office", "tags.Name"),
        ("missing", "aws_customer_gateway.doomed", None),
    }
