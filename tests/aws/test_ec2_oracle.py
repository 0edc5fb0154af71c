"""The oracle: hashicorp/aws 5.100.0's own refresh of moto vs. the EC2 readers.

The stack in stacks/ec2 is applied to moto, then changed out of band (rules revoked, a rule
added by hand, descriptions and attributes changed, objects deleted), then refreshed with
`terraform apply -refresh-only`. The provider's read is a function of AWS *and the prior
state*, so each reader gets the prior (applied) state instance through `match`, exactly as the
provider did, and must produce the refreshed attributes key by key (except its documented
`unreadable` ones), or None where the refresh dropped the instance.

Moto differences that make the provider write something odd, and that the readers reproduce
because they read the same API: instances launched with a network interface or in a subnet show
no `SecurityGroups` (so `vpc_security_group_ids` is empty), `disable_api_termination` given to
RunInstances is not stored, credit specifications are always "standard", gp2 volumes report no
IOPS (0), VPCs carry no IPv6 network border group, and prefix-list entries lose descriptions.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import LiveIndex, ReadContext
from driftpatch.aws.readers.ec2 import Ec2Reader
from driftpatch.aws.readers.vpc import VpcReader, expand_rule, sgrule_id
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import EmbeddedAws
from driftpatch.terraform.binary import Terraform

from .oracle import differences, instances

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "stacks" / "ec2"
REGION = "us-east-1"
TYPES = (
    "aws_vpc",
    "aws_subnet",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_instance",
    "aws_ebs_volume",
)
# The harness's provider override skips the account lookup, so the provider would build
# instance and volume ARNs with an empty account. Real runs know the account; so does this one:
# moto's STS answers GetCallerIdentity. (Loaded after driftpatch_override.tf, so it wins.)
ACCOUNT_OVERRIDE = 'provider "aws" {\n  skip_requesting_account_id = false\n}\n'
# Instances the out-of-band changes remove; their refresh drops them from state.
EXPECTED_GONE = {
    ("aws_ebs_volume", "from_snapshot"),
    ("aws_instance", "named_groups"),
    ("aws_security_group", "prefixed"),
    ("aws_security_group_rule", "egress"),
    ("aws_security_group_rule", "sg"),
}

TfApply = Callable[[Path], dict[str, Any]]


def mutate(aws: EmbeddedAws, state: Mapping[str, Any]) -> None:
    """Out-of-band changes, the way someone with console access would make them."""
    ids = {
        (res["type"], res["name"]): res["instances"][0]["attributes"]["id"]
        for res in state["resources"]
        if res["mode"] == "managed"
    }
    c = boto3.client("ec2", endpoint_url=aws.endpoint_url, region_name=REGION)
    full, ruled = ids["aws_security_group", "full"], ids["aws_security_group", "ruled"]

    def tcp(port: int, **sources: Any) -> list[dict[str, Any]]:
        return [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **sources}]

    other = [{"GroupId": ids["aws_security_group", "other"]}]
    c.revoke_security_group_ingress(GroupId=ruled, IpPermissions=tcp(5432, UserIdGroupPairs=other))
    c.revoke_security_group_egress(
        GroupId=ruled, IpPermissions=[{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
    )
    c.authorize_security_group_ingress(
        GroupId=full,
        IpPermissions=tcp(9999, IpRanges=[{"CidrIp": "10.99.0.0/16", "Description": "by hand"}]),
    )
    c.revoke_security_group_ingress(
        GroupId=full, IpPermissions=tcp(8080, IpRanges=[{"CidrIp": "10.21.0.0/16"}])
    )
    for group, port, cidr, text in (
        (full, 443, "10.0.0.0/8", "changed"),
        (ruled, 80, "10.2.0.0/16", "http2"),
        (ruled, 22, "10.50.0.0/16", "ssh-changed"),
    ):
        c.update_security_group_rule_descriptions_ingress(
            GroupId=group, IpPermissions=tcp(port, IpRanges=[{"CidrIp": cidr, "Description": text}])
        )
    c.modify_vpc_attribute(VpcId=ids["aws_vpc", "full"], EnableDnsHostnames={"Value": False})
    c.create_tags(Resources=[ids["aws_subnet", "min"]], Tags=[{"Key": "Owner", "Value": "ops"}])
    c.delete_tags(Resources=[ids["aws_vpc", "full"]], Tags=[{"Key": "Env"}])
    c.modify_instance_attribute(
        InstanceId=ids["aws_instance", "min"], DisableApiTermination={"Value": True}
    )
    c.modify_instance_attribute(
        InstanceId=ids["aws_instance", "full"],
        # moto wants the base64 text itself (boto3 encodes once more for the wire)
        UserData={"Value": base64.b64encode(b"#!/bin/sh\necho changed\n")},
    )
    c.create_tags(Resources=[ids["aws_instance", "full"]], Tags=[{"Key": "Patched", "Value": "1"}])
    c.create_tags(Resources=[ids["aws_ebs_volume", "min"]], Tags=[{"Key": "Owner", "Value": "ops"}])
    c.terminate_instances(InstanceIds=[ids["aws_instance", "named_groups"]])
    c.delete_volume(VolumeId=ids["aws_ebs_volume", "from_snapshot"])
    c.delete_security_group(GroupId=ids["aws_security_group", "prefixed"])


def test_readers_match_the_providers_refresh(
    tmp_path: Path, terraform: Terraform, tf_apply: TfApply, aws: EmbeddedAws
) -> None:
    workdir = tmp_path / "stack"
    shutil.copytree(STACK, workdir)
    (workdir / "zz_account_override.tf").write_text(ACCOUNT_OVERRIDE)
    applied = tf_apply(workdir)

    # Terraform's own rule ids are reproduced from the facts.
    for (type_, name, _), attrs in instances(applied, TYPES).items():
        if type_ == "aws_security_group_rule":
            group = attrs["security_group_id"]
            assert sgrule_id(group, attrs["type"], expand_rule(attrs, group)) == attrs["id"], name

    mutate(aws, applied)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir
    )
    refreshed = json.loads((workdir / "terraform.tfstate").read_text())

    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ctx = ReadContext(session, REGION, session.account_id())
    results = [Ec2Reader().read(ctx), VpcReader().read(ctx)]
    assert [e for r in results for e in r.errors] == []
    live = LiveIndex(tuple(x for r in results for x in r.resources))

    prior, after = instances(applied, TYPES), instances(refreshed, TYPES)
    assert {t for t, _, _ in prior} == set(TYPES)
    assert {(t, n) for t, n, _ in prior.keys() - after.keys()} == EXPECTED_GONE
    problems = differences(prior, after, live)
    assert not problems, "reader differs from the provider's refresh:\n" + "\n".join(problems)
