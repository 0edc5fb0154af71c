"""The oracle: hashicorp/aws 5.100.0's own refresh of moto vs. the network readers.

The stack in stacks/network (routing, gateways, EIPs, the account's default VPC objects under
aws_default_*, and all-traffic security group rules written every way) is applied to moto and
scanned: 0 findings. It is then changed out of band (one change per important attribute,
across the types), refreshed with `terraform apply -refresh-only`, and every prior state
instance looked up through its reader's `match` must equal the refreshed instance key by key
(except documented `unreadable` attributes), or be gone where the refresh dropped it. Last,
`driftpatch scan` on the prior state reports exactly the expected findings.

moto differences that make the provider write something odd, reproduced by the readers because
they read the same API (nothing is special-cased): NAT gateway addresses carry no IsPrimary (the
first is the primary), EIPs carry no network border group, DescribeAddressesAttribute returns no
PTR records, and network ACL entries come back without IcmpTypeCode (so the stack's ICMP entry
uses type 0; tests/aws/test_network_reader.py shapes a recorded ICMP entry).
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
from driftpatch.aws.readers.network import NetworkReader, route_id
from driftpatch.aws.readers.vpc import VpcReader
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import EmbeddedAws
from driftpatch.terraform.binary import Terraform

from ..clirun import run_cli
from .oracle import differences, instances

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "stacks" / "network"
REGION = "us-east-1"
TYPES = (
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_internet_gateway",
    "aws_egress_only_internet_gateway",
    "aws_nat_gateway",
    "aws_eip",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_default_vpc",
    "aws_default_subnet",
    "aws_default_security_group",
    "aws_default_route_table",
    "aws_network_acl",
    "aws_default_network_acl",
    "aws_vpc_endpoint",
    # read by vpc.py; here for the all-traffic rules and the groups' echo of separate rules
    "aws_security_group",
    "aws_security_group_rule",
)
# The provider's account lookup is on, so ARNs carry the account as in a real run.
ACCOUNT_OVERRIDE = 'provider "aws" {\n  skip_requesting_account_id = false\n}\n'
EXPECTED_GONE = {
    ("aws_route", "private_nat"),
    ("aws_route_table_association", "spare"),
    ("aws_vpc_security_group_ingress_rule", "ssh"),
}
# `driftpatch scan` of the prior state after the changes: (address, attribute).
EXPECTED_FINDINGS = {
    ("aws_default_network_acl.main", "tags.Name"),
    ("aws_default_route_table.main", "tags.Name"),
    ("aws_default_security_group.main", "ingress"),
    ("aws_default_subnet.a", "map_public_ip_on_launch"),
    ("aws_default_vpc.default", "tags.Name"),
    ("aws_egress_only_internet_gateway.eigw", "tags.Owner"),
    ("aws_eip.spare", "tags.Owner"),
    ("aws_internet_gateway.igw", "tags.Env"),
    ("aws_nat_gateway.nat", "tags.Name"),
    ("aws_network_acl.main", "ingress"),
    ("aws_route.private_nat", None),
    ("aws_route.private_peer", "gateway_id"),
    ("aws_route.private_peer", "nat_gateway_id"),
    ("aws_route_table.public", "route"),
    ("aws_route_table_association.spare", None),
    ("aws_vpc_endpoint.ec2", "tags.Owner"),
    ("aws_vpc_endpoint.s3", "policy"),
    ("aws_vpc_endpoint.s3", "route_table_ids"),
    ("aws_vpc_security_group_egress_rule.dns", "tags.Owner"),
    ("aws_vpc_security_group_ingress_rule.https", "description"),
    ("aws_vpc_security_group_ingress_rule.ssh", None),
}

TfApply = Callable[[Path], dict[str, Any]]


def mutate(aws: EmbeddedAws, state: Mapping[str, Any]) -> None:
    """Out-of-band changes, the way someone with console access would make them."""
    ids = {
        (res["type"], res["name"]): res["instances"][0]["attributes"]
        for res in state["resources"]
        if res["mode"] == "managed"
    }

    def id_of(type_: str, name: str) -> str:
        return str(ids[type_, name]["id"])

    c = boto3.client("ec2", endpoint_url=aws.endpoint_url, region_name=REGION)

    def tag(type_: str, name: str, key: str, value: str) -> None:
        c.create_tags(Resources=[id_of(type_, name)], Tags=[{"Key": key, "Value": value}])

    tag("aws_internet_gateway", "igw", "Env", "prod")
    tag("aws_egress_only_internet_gateway", "eigw", "Owner", "ops")
    tag("aws_eip", "spare", "Owner", "ops")
    c.delete_tags(Resources=[id_of("aws_nat_gateway", "nat")], Tags=[{"Key": "Name"}])
    tag("aws_default_route_table", "main", "Name", "changed")
    tag("aws_default_vpc", "default", "Name", "changed")  # the miss measured in issue 11
    tag("aws_vpc_security_group_egress_rule", "dns", "Owner", "ops")
    tag("aws_default_network_acl", "main", "Name", "changed")
    tag("aws_vpc_endpoint", "ec2", "Owner", "ops")
    everything = {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    c.modify_vpc_endpoint(
        VpcEndpointId=id_of("aws_vpc_endpoint", "s3"),
        AddRouteTableIds=[id_of("aws_route_table", "public")],
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [everything]}),
    )
    c.create_network_acl_entry(
        NetworkAclId=id_of("aws_network_acl", "main"),
        RuleNumber=200,
        Protocol="6",
        RuleAction="deny",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 22, "To": 22},
    )

    public = id_of("aws_route_table", "public")
    c.create_route(
        RouteTableId=public,
        DestinationCidrBlock="10.50.0.0/16",
        GatewayId=id_of("aws_internet_gateway", "igw"),
    )
    private = id_of("aws_route_table", "private")
    c.replace_route(
        RouteTableId=private,
        DestinationCidrBlock="192.168.0.0/16",
        NatGatewayId=id_of("aws_nat_gateway", "nat"),
    )
    c.delete_route(RouteTableId=private, DestinationCidrBlock="0.0.0.0/0")
    c.disassociate_route_table(AssociationId=id_of("aws_route_table_association", "spare"))

    c.modify_subnet_attribute(
        SubnetId=id_of("aws_default_subnet", "a"), MapPublicIpOnLaunch={"Value": False}
    )
    c.authorize_security_group_ingress(
        GroupId=id_of("aws_default_security_group", "main"),
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            }
        ],
    )
    https = ids["aws_vpc_security_group_ingress_rule", "https"]
    c.update_security_group_rule_descriptions_ingress(
        GroupId=https["security_group_id"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "changed"}],
            }
        ],
    )
    ssh = ids["aws_vpc_security_group_ingress_rule", "ssh"]
    c.revoke_security_group_ingress(
        GroupId=ssh["security_group_id"], SecurityGroupRuleIds=[ssh["id"]]
    )


def scan(workdir: Path, state: Path, aws: EmbeddedAws) -> list[tuple[str, str | None]]:
    """`driftpatch scan` of `state` against the world: (address, attribute) of each drift
    finding. Rules run too: the world-open SSH rule is one DP-VPC-001 finding, on the rule
    resource that manages it (never on its group, nor on an unaddressed live copy), and the
    flow-log rule sees the default VPC once, under its aws_default_vpc address."""
    out = workdir / "report.json"
    proc = run_cli(
        "scan",
        "--state",
        str(state),
        "--source",
        str(workdir),
        "--region",
        REGION,
        "--endpoint-url",
        aws.endpoint_url,
        "--no-checkov",
        "--verify",
        "static",
        "-o",
        f"json:{out}",
        cwd=workdir,
        env=aws.env(),
    )
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(out.read_text())
    assert report["errors"] == []
    unsupported = [r["address"] for r in report["resources"] if r["status"] == "unsupported"]
    assert unsupported == [], unsupported

    def addressed(rule: str) -> list[str]:
        return sorted(f["address"] for f in report["findings"] if f["rule_id"] == rule)

    assert addressed("DP-VPC-001") == ["aws_vpc_security_group_ingress_rule.ssh_world"]
    # The default VPC managed by aws_default_vpc is still a VPC to the rules, once, addressed.
    assert addressed("DP-VPC-101") == ["aws_default_vpc.default", "aws_vpc.main"]
    drift = [f for f in report["findings"] if f["kind"] != "misconfig"]
    detail = "\n".join(
        f"{f['address']} {f['attribute']}: {json.dumps(f['expected'])} -> {json.dumps(f['actual'])}"
        for f in drift
    )
    print(detail)  # shown by pytest when an assertion below fails
    return sorted((f["address"] or f["resource_id"], f["attribute"]) for f in drift)


def test_readers_match_the_providers_refresh_and_scan(
    tmp_path: Path, terraform: Terraform, tf_apply: TfApply, aws: EmbeddedAws
) -> None:
    workdir = tmp_path / "stack"
    shutil.copytree(STACK, workdir)
    (workdir / "zz_account_override.tf").write_text(ACCOUNT_OVERRIDE)
    applied = tf_apply(workdir)
    prior_state = tmp_path / "applied.tfstate"
    shutil.copy(workdir / "terraform.tfstate", prior_state)

    # Terraform's own route ids are reproduced from the facts.
    for attrs in instances(applied, ("aws_route",)).values():
        assert route_id(attrs["route_table_id"], attrs["destination_cidr_block"]) == attrs["id"]

    # A clean apply, all-traffic rules, separate rules and default VPC objects included: 0.
    assert scan(workdir, prior_state, aws) == []

    mutate(aws, applied)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir
    )
    refreshed = json.loads((workdir / "terraform.tfstate").read_text())

    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ctx = ReadContext(session, REGION, session.account_id())
    results = [VpcReader().read(ctx), NetworkReader().read(ctx)]
    assert [e for r in results for e in r.errors] == []
    live = LiveIndex(tuple(x for r in results for x in r.resources))

    prior, after = instances(applied, TYPES), instances(refreshed, TYPES)
    assert {t for t, _, _ in prior} == set(TYPES)
    assert {(t, n) for t, n, _ in prior.keys() - after.keys()} == EXPECTED_GONE
    problems = differences(prior, after, live)
    assert not problems, "reader differs from the provider's refresh:\n" + "\n".join(problems)

    found = scan(workdir, prior_state, aws)
    assert set(found) == EXPECTED_FINDINGS
    assert len(found) == len(EXPECTED_FINDINGS)  # each once
