"""EC2 readers against the moto server over real HTTP, plus the provider-compatibility helpers.

The shapes are checked against real Terraform in test_ec2_oracle.py; here: bulk behaviour
(calls per N), pagination, account defaults, failures as values, the read-only guarantee, and
the provider's hashing/grouping rules on fixed inputs (ids below were written by Terraform).
"""

from __future__ import annotations

import base64
import json
import urllib.request
from collections import Counter
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import READERS, LiveIndex, LiveResource, ReadContext, reader_for
from driftpatch.aws.readers import ec2 as ec2_reader
from driftpatch.aws.readers.ec2 import (
    Ec2Reader,
    instance_volume_ids,
    match_instance,
    user_data_hash,
)
from driftpatch.aws.readers.interface import ReadResult
from driftpatch.aws.readers.vpc import (
    VpcReader,
    expand_rule,
    gather,
    match_rules,
    name_prefix_from_name,
    protocol_for_value,
    remote_rule,
    rule_objects,
    sgrule_id,
)
from driftpatch.aws.session import AwsSession, is_read_only
from driftpatch.embedded import EmbeddedAws, free_port

REGION = "us-east-1"
ACCOUNT = "123456789012"
AMI = "ami-1e749f67"
EC2_TYPES = {
    "aws_vpc",
    "aws_subnet",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_instance",
    "aws_ebs_volume",
}


def ec2_client(aws: EmbeddedAws) -> Any:
    return boto3.client("ec2", endpoint_url=aws.endpoint_url, region_name=REGION)


def read_all(session: AwsSession) -> tuple[LiveIndex, list[ReadResult]]:
    ctx = ReadContext(session, REGION, ACCOUNT)
    results = [Ec2Reader().read(ctx), VpcReader().read(ctx)]
    return LiveIndex(tuple(r for res in results for r in res.resources)), results


def count_operations(session: AwsSession) -> Counter[str]:
    """Operation names the readers call, counted on the session's (cached) EC2 client."""
    counter: Counter[str] = Counter()
    session.client("ec2", REGION).meta.events.register(
        "after-call.ec2.*", lambda model, **_: counter.update([model.name])
    )
    return counter


def build_world(aws: EmbeddedAws, n: int) -> None:
    """n VPCs (subnet + group with a rule each), n volumes, n instances."""
    c = ec2_client(aws)
    subnet = ""
    for i in range(n):
        vpc = c.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"]
        subnet = c.create_subnet(VpcId=vpc, CidrBlock=f"10.{i}.1.0/24")["Subnet"]["SubnetId"]
        group = c.create_security_group(GroupName=f"g{i}", Description="d", VpcId=vpc)["GroupId"]
        c.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                }
            ],
        )
        c.create_volume(AvailabilityZone=f"{REGION}a", Size=1)
    c.run_instances(ImageId=AMI, MinCount=n, MaxCount=n, InstanceType="t3.micro", SubnetId=subnet)


# --------------------------------------------------------------------------- moto server


def test_reads_every_type_in_the_provider_shape(aws: EmbeddedAws) -> None:
    c = ec2_client(aws)
    vpc = c.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    c.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    c.create_tags(
        Resources=[vpc], Tags=[{"Key": "Name", "Value": "app"}, {"Key": "aws:x", "Value": "y"}]
    )
    subnet = c.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
    group = c.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    c.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [
                    {"CidrIp": "10.0.0.0/8", "Description": "a"},
                    {"CidrIp": "11.0.0.0/8", "Description": "b"},
                    {"CidrIp": "12.0.0.0/8", "Description": "a"},
                ],
                "UserIdGroupPairs": [{"GroupId": group}],
            }
        ],
    )
    user_data = "#!/bin/sh\necho hi\n"
    iid = c.run_instances(
        ImageId=AMI,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        SubnetId=subnet,
        SecurityGroupIds=[group],
        UserData=user_data,
    )["Instances"][0]["InstanceId"]
    vol = c.create_volume(AvailabilityZone=f"{REGION}a", Size=3, VolumeType="gp3", Iops=3000)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    live, results = read_all(session)
    assert all(not r.errors and not r.incomplete_types for r in results)

    v = live.get("aws_vpc", vpc)
    assert v is not None and not v.account_default
    assert v.attributes["enable_dns_hostnames"] is True
    assert v.attributes["enable_dns_support"] is True
    assert v.attributes["tags"] == v.attributes["tags_all"] == {"Name": "app"}
    assert v.attributes["arn"] == f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{vpc}"
    assert str(v.attributes["default_security_group_id"]).startswith("sg-")

    sg = live.get("aws_security_group", group)
    assert sg is not None
    # One object per (protocol, ports, description); the group's own id becomes `self`.
    by_desc = {o["description"]: o for o in sg.attributes["ingress"]}
    assert by_desc["a"]["cidr_blocks"] == ["10.0.0.0/8", "12.0.0.0/8"]
    assert by_desc["b"]["cidr_blocks"] == ["11.0.0.0/8"]
    assert by_desc[""]["self"] is True and by_desc[""]["cidr_blocks"] == []

    inst = live.get("aws_instance", iid)
    assert inst is not None
    assert inst.attributes["user_data"] == user_data_hash(
        base64.b64encode(user_data.encode()).decode()
    )
    assert inst.attributes["vpc_security_group_ids"] == [group]
    assert inst.attributes["security_groups"] == []  # not the default VPC: ids only
    assert inst.attributes["arn"] == f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{iid}"
    root = inst.attributes["root_block_device"][0]
    assert root["device_name"] == "/dev/sda1" and root["delete_on_termination"] is True

    volume = live.get("aws_ebs_volume", vol["VolumeId"])
    assert volume is not None
    assert volume.attributes["type"] == "gp3" and volume.attributes["iops"] == 3000
    assert str(volume.attributes["create_time"]).endswith("Z")
    assert instance_volume_ids([inst]) == {root["volume_id"]: iid}


def test_account_defaults_flagged(aws: EmbeddedAws) -> None:
    c = ec2_client(aws)
    default_vpc = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    added = c.create_subnet(VpcId=default_vpc["VpcId"], CidrBlock="172.31.200.0/24")["Subnet"]
    vpc = c.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    mine = c.create_security_group(GroupName="mine", Description="d", VpcId=vpc)["GroupId"]
    live, _ = read_all(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))

    dv = live.get("aws_vpc", default_vpc["VpcId"])
    assert dv is not None and dv.account_default
    assert not live.get("aws_vpc", vpc).account_default  # type: ignore[union-attr]
    subnets = [
        r for r in live.of_type("aws_subnet") if r.attributes["vpc_id"] == default_vpc["VpcId"]
    ]
    assert len(subnets) > 1
    assert all(r.account_default for r in subnets if r.id != added["SubnetId"])
    assert not live.get("aws_subnet", added["SubnetId"]).account_default  # type: ignore[union-attr]
    groups = live.of_type("aws_security_group")
    defaults = [g for g in groups if g.attributes["name"] == "default"]
    assert {g.attributes["vpc_id"] for g in defaults} >= {default_vpc["VpcId"], vpc}
    assert all(g.account_default for g in defaults)
    assert not live.get("aws_security_group", mine).account_default  # type: ignore[union-attr]


def _counts(aws: EmbeddedAws, n: int) -> tuple[Counter[str], int]:
    aws.reset()
    build_world(aws, n)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    live, results = read_all(session)
    assert all(not r.errors for r in results)
    assert len(live.of_type("aws_instance")) == n
    assert sum(ops.values()) == session.calls()["ec2"]
    return ops, len(live.of_type("aws_vpc"))


def test_listing_calls_do_not_grow_with_n(aws: EmbeddedAws) -> None:
    one, vpcs_one = _counts(aws, 1)
    many, vpcs_many = _counts(aws, 20)
    per_object = {"DescribeInstanceAttribute": 4, "DescribeVpcAttribute": 3}
    for op in set(one) | set(many):
        if op not in per_object:
            assert one[op] == many[op], f"{op}: {one[op]} calls for N=1, {many[op]} for N=20"
    assert one["DescribeInstanceAttribute"] == 4 * 1
    assert many["DescribeInstanceAttribute"] == 4 * 20
    assert one["DescribeVpcAttribute"] == 3 * vpcs_one  # the default VPC is one of them
    assert many["DescribeVpcAttribute"] == 3 * vpcs_many
    assert {"DescribeInstances", "DescribeVolumes", "DescribeSecurityGroups"} <= set(one)


def test_paginates_listings(aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> None:
    c = ec2_client(aws)
    for _ in range(12):  # one reservation each: moto pages DescribeInstances by reservation
        c.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro")
    monkeypatch.setattr(ec2_reader, "PAGE_SIZE", 5)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    result = Ec2Reader().read(ReadContext(session, REGION, ACCOUNT))
    assert not result.errors
    assert len([r for r in result.resources if r.type == "aws_instance"]) == 12
    assert ops["DescribeInstances"] == 3


def test_terminated_instances_are_gone(aws: EmbeddedAws) -> None:
    c = ec2_client(aws)
    ids = [
        i["InstanceId"]
        for i in c.run_instances(ImageId=AMI, MinCount=2, MaxCount=2, InstanceType="t3.micro")[
            "Instances"
        ]
    ]
    c.terminate_instances(InstanceIds=ids[:1])
    live, _ = read_all(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    assert [r.id for r in live.of_type("aws_instance")] == ids[1:]


def _moto_auth(aws: EmbeddedAws, count: str) -> None:
    req = urllib.request.Request(
        f"{aws.endpoint_url}/moto-api/reset-auth",
        data=count.encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


def test_access_denied_is_a_value(aws: EmbeddedAws) -> None:
    c = ec2_client(aws)
    c.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro")
    vol = c.create_volume(AvailabilityZone=f"{REGION}a", Size=1)["VolumeId"]
    vpc = c.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    with _limited(aws):
        live, results = read_all(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    ec2_result, vpc_result = results
    assert ec2_result.incomplete_types == {"aws_instance"}
    assert [e.scope for e in ec2_result.errors] == [f"ec2/{REGION}"]
    assert "DescribeInstances" in ec2_result.errors[0].message
    assert "AccessDenied" in ec2_result.errors[0].message
    assert live.get("aws_ebs_volume", vol) is not None
    assert not live.of_type("aws_instance")
    assert not vpc_result.errors and live.get("aws_vpc", vpc) is not None


class _limited:
    """Context manager form of `limited_user` for a test that creates resources first."""

    def __init__(self, aws: EmbeddedAws) -> None:
        self.aws = aws
        self.patch = pytest.MonkeyPatch()

    def __enter__(self) -> None:
        iam = boto3.client("iam", endpoint_url=self.aws.endpoint_url, region_name=REGION)
        iam.create_user(UserName="reader")
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
                {"Effect": "Deny", "Action": "ec2:DescribeInstances", "Resource": "*"},
            ],
        }
        iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        self.patch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        self.patch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        self.patch.delenv("AWS_SESSION_TOKEN", raising=False)
        _moto_auth(self.aws, "0")

    def __exit__(self, *exc: object) -> None:
        _moto_auth(self.aws, "inf")
        self.patch.undo()


def test_connection_error_is_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region=REGION,
        max_attempts=1,
        connect_timeout=1,
    )
    for reader in (Ec2Reader(), VpcReader()):
        result = reader.read(ReadContext(session, REGION, ACCOUNT))
        assert not result.resources
        assert set(reader.types) - set(reader.derived_types) <= result.incomplete_types
        # One error per call that could not be made, each naming its operation.
        assert result.errors
        assert all("Could not connect" in e.message for e in result.errors)
        ops = [e.message.split(":", 1)[0] for e in result.errors]
        assert len(set(ops)) == len(ops) and all(op.startswith("Describe") for op in ops)


def test_only_read_only_calls(aws: EmbeddedAws) -> None:
    build_world(aws, 2)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    _, results = read_all(session)  # the session's guard raises on anything else
    assert all(not r.errors for r in results)
    assert ops and all(is_read_only(op) for op in ops), sorted(ops)


def test_registered() -> None:
    assert {t for r in READERS for t in r.types} >= EC2_TYPES
    for type_ in EC2_TYPES:
        assert isinstance(reader_for(type_), Ec2Reader | VpcReader)
    assert [t for r in READERS for t in r.types if t in EC2_TYPES].count("aws_vpc") == 1


# --------------------------------------------------------------------------- provider rules


# Ids Terraform 1.11 + hashicorp/aws 5.100.0 wrote for these rules (applied to moto).
TERRAFORM_RULE_IDS = [
    (
        {"type": "ingress", "protocol": "tcp", "from_port": 80, "to_port": 80,
         "cidr_blocks": ["10.0.0.0/16", "10.2.0.0/16"], "description": "http"},
        "sgrule-2030961099",
    ),
    (
        {"type": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432,
         "source_security_group_id": "sg-831a2151b8bc94996"},
        "sgrule-662822121",
    ),
    (
        {"type": "ingress", "protocol": "-1", "from_port": 0, "to_port": 65535, "self": True},
        "sgrule-2366650928",
    ),
    (
        {"type": "egress", "protocol": "-1", "from_port": 0, "to_port": 0,
         "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": ["::/0"]},
        "sgrule-1486547878",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "expected"), TERRAFORM_RULE_IDS)
def test_rule_id_reproduces_terraform(rule: dict[str, Any], expected: str) -> None:
    group = "sg-48656fc614187efc0"
    assert sgrule_id(group, rule["type"], expand_rule(rule, group)) == expected


def test_user_data_hash() -> None:
    text = "#!/bin/sh\necho hello\n"
    # The digest Terraform stored for this user data.
    assert user_data_hash(base64.b64encode(text.encode()).decode()) == (
        "9db6f074fca0a903137b91c7c866b21d4e7205a7"
    )
    assert user_data_hash("not base64!") == user_data_hash(
        base64.b64encode(b"not base64!").decode()
    )


def test_name_prefix_and_protocol() -> None:
    assert name_prefix_from_name("terraform-20261122124645633900000004") == "terraform-"
    assert name_prefix_from_name("web-2026112212464563390000000a") == "web-"
    assert name_prefix_from_name("full") == ""
    assert protocol_for_value("ALL") == protocol_for_value("-1") == "-1"
    assert protocol_for_value("6") == "tcp"
    assert protocol_for_value("50") == "50"


def test_gather_keeps_cross_account_groups_and_self() -> None:
    perms = [
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [
                {"GroupId": "sg-self", "UserId": ACCOUNT},
                {"GroupId": "sg-peer", "UserId": "999999999999", "Description": "peer"},
            ],
        }
    ]
    objects = rule_objects(gather("sg-self", perms, ACCOUNT))
    assert [(o["self"], o["security_groups"], o["description"]) for o in objects] == [
        (True, [], ""),
        (False, ["999999999999/sg-peer"], "peer"),
    ]


def _rule(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "cidr_blocks": [], "description": "", "from_port": 22, "ipv6_cidr_blocks": [],
        "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": False,
        "to_port": 22,
    }  # fmt: skip
    return {**base, **kw}


def test_match_rules_keeps_state_grouping_and_appends_the_rest() -> None:
    live = [_rule(cidr_blocks=["10.0.0.0/8", "10.1.0.0/16", "10.9.0.0/16"], description="d")]
    remote = [dict(r, cidr_blocks=list(r["cidr_blocks"])) for r in live]
    state = [
        _rule(cidr_blocks=["10.1.0.0/16"]),
        _rule(cidr_blocks=["10.0.0.0/8"], description="old"),
    ]
    out = rule_objects(match_rules("ingress", state, [remote_rule(o) for o in remote]))
    assert out == rule_objects(
        [
            _rule(cidr_blocks=["10.0.0.0/8"], description="d"),
            _rule(cidr_blocks=["10.1.0.0/16"], description="d"),
            _rule(cidr_blocks=["10.9.0.0/16"], description="d"),
        ]
    )
    # A state object whose source is gone is dropped.
    gone = rule_objects(match_rules("ingress", [_rule(cidr_blocks=["10.5.0.0/16"])], []))
    assert gone == []


def test_rule_match_needs_every_source() -> None:
    group = LiveResource(
        "aws_security_group",
        "sg-a",
        REGION,
        {
            "id": "sg-a",
            "ingress": [_rule(cidr_blocks=["10.0.0.0/8"], description="from aws")],
            "egress": [],
        },
    )
    index = LiveIndex((group,))
    reader = VpcReader()
    base = {
        "security_group_id": "sg-a", "type": "ingress", "protocol": "tcp", "from_port": 22,
        "to_port": 22, "cidr_blocks": ["10.0.0.0/8"], "description": None, "self": False,
    }  # fmt: skip
    found = reader.match("aws_security_group_rule", "sgrule-1", base, index)
    assert found is not None and found.attributes["description"] == "from aws"
    assert found.id == "sgrule-1"
    both = {**base, "cidr_blocks": ["10.0.0.0/8", "10.1.0.0/16"]}
    assert reader.match("aws_security_group_rule", "sgrule-2", both, index) is None
    assert (
        reader.match("aws_security_group_rule", "x", {**base, "security_group_id": "sg-b"}, index)
        is None
    )
    # An imported id (with "_") is replaced by the provider's hash id.
    imported = reader.match(
        "aws_security_group_rule", "sg-a_ingress_tcp_22_22_10.0.0.0/8", base, index
    )
    assert imported is not None and imported.id.startswith("sgrule-")


def test_match_instance_follows_the_state() -> None:
    live = {
        "user_data": user_data_hash(base64.b64encode(b"x").decode()),
        "user_data_base64": None,
        "volume_tags": None,
        "root_block_device": [{"volume_id": "vol-1", "tags": {"A": "1"}, "tags_all": {"A": "1"}}],
        "ebs_block_device": [],
        "network_interface": [
            {"device_index": 0, "network_interface_id": "eni-0"},
            {"device_index": 1, "network_interface_id": "eni-1"},
        ],
        "monitoring": None,
        "launch_template": [],
    }
    state = {
        "user_data_base64": base64.b64encode(b"x").decode(),
        "user_data": None,
        "volume_tags": {"A": "old"},
        "root_block_device": [{"tags": {}}],
        "network_interface": [{"device_index": 1}],
        "monitoring": True,
    }
    out = match_instance(live, state)
    assert out["user_data_base64"] == state["user_data_base64"] and out["user_data"] is None
    assert out["volume_tags"] == {"A": "1"}
    assert out["root_block_device"][0]["tags"] == {} == out["root_block_device"][0]["tags_all"]
    assert [n["network_interface_id"] for n in out["network_interface"]] == ["eni-1"]
    assert out["monitoring"] is True  # not read: the state's value stays
    changed = match_instance(live, {**state, "user_data_base64": base64.b64encode(b"y").decode()})
    assert changed["user_data_base64"] == live["user_data"]  # a change shows as the new digest
