"""The EC2 extra reader's value shaping on recorded answers (network interfaces, key pairs, VPN
and customer gateways), which interfaces are AWS's own, registration and failures as values.
The oracle against the provider's refresh is test_autoscaling_oracle.py."""

from __future__ import annotations

import pytest

from driftpatch.aws.readers import READERS, ReadContext, reader_for
from driftpatch.aws.readers.ec2_extra import (
    CUSTOMER_GATEWAY,
    KEY_PAIR,
    NETWORK_INTERFACE,
    VPN_GATEWAY,
    Ec2ExtraReader,
    customer_gateway_attributes,
    key_pair_attributes,
    made_by_aws,
    network_interface_attributes,
    vpn_gateway_attributes,
)
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import EmbeddedAws, free_port
from driftpatch.model import LiveResource

REGION = "us-east-1"
ACCOUNT = "123456789012"

# A DescribeNetworkInterfaces entry as AWS answers for an interface with two private IPv4
# addresses, one IPv6 address and a prefix, attached as an instance's second interface.
ENI = {
    "Attachment": {
        "AttachmentId": "eni-attach-1",
        "DeviceIndex": 1,
        "InstanceId": "i-1",
        "InstanceOwnerId": ACCOUNT,
        "Status": "attached",
    },
    "AvailabilityZone": "us-east-1a",
    "Description": "app",
    "Groups": [{"GroupId": "sg-1", "GroupName": "web"}, {"GroupId": "sg-2", "GroupName": "db"}],
    "InterfaceType": "interface",
    "Ipv6Addresses": [{"Ipv6Address": "2600:1f18::10"}],
    "Ipv4Prefixes": [{"Ipv4Prefix": "10.0.1.32/28"}],
    "MacAddress": "02:00:00:00:00:01",
    "NetworkInterfaceId": "eni-1",
    "OwnerId": ACCOUNT,
    "PrivateDnsName": "ip-10-0-1-10.ec2.internal",
    "PrivateIpAddress": "10.0.1.10",
    "PrivateIpAddresses": [
        {"Primary": True, "PrivateIpAddress": "10.0.1.10"},
        {"Primary": False, "PrivateIpAddress": "10.0.1.11"},
    ],
    "RequesterManaged": False,
    "SourceDestCheck": False,
    "Status": "in-use",
    "SubnetId": "subnet-1",
    "TagSet": [{"Key": "Env", "Value": "prod"}, {"Key": "aws:cloudformation:stack", "Value": "x"}],
    "VpcId": "vpc-1",
}


def test_network_interface_as_the_provider_reads_it() -> None:
    attrs = network_interface_attributes(ENI, REGION)
    assert attrs == {
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/eni-1",
        "attachment": [{"attachment_id": "eni-attach-1", "device_index": 1, "instance": "i-1"}],
        "description": "app",
        "id": "eni-1",
        "interface_type": "interface",
        "ipv4_prefix_count": 1,
        "ipv4_prefixes": ["10.0.1.32/28"],
        "ipv6_address_count": 1,
        "ipv6_address_list": ["2600:1f18::10"],
        "ipv6_addresses": ["2600:1f18::10"],
        "ipv6_prefix_count": 0,
        "ipv6_prefixes": [],
        "mac_address": "02:00:00:00:00:01",
        "outpost_arn": "",
        "owner_id": ACCOUNT,
        "private_dns_name": "ip-10-0-1-10.ec2.internal",
        "private_ip": "10.0.1.10",
        "private_ip_list": ["10.0.1.10", "10.0.1.11"],
        "private_ips": ["10.0.1.10", "10.0.1.11"],
        "private_ips_count": 1,
        "security_groups": ["sg-1", "sg-2"],
        "source_dest_check": False,
        "subnet_id": "subnet-1",
        "tags": {"Env": "prod"},
        "tags_all": {"Env": "prod"},
    }


def test_interfaces_aws_makes_are_account_defaults() -> None:
    assert not made_by_aws(ENI)  # a second interface someone attached
    detached = {k: v for k, v in ENI.items() if k != "Attachment"}
    assert not made_by_aws(detached)
    primary = {**ENI, "Attachment": {**ENI["Attachment"], "DeviceIndex": 0}}  # type: ignore[dict-item]
    assert made_by_aws(primary)
    assert made_by_aws({**detached, "RequesterManaged": True, "RequesterId": "amazon-elb"})
    assert made_by_aws({**detached, "InterfaceType": "nat_gateway"})
    assert made_by_aws({**detached, "InterfaceType": "lambda"})
    assert not made_by_aws({**detached, "InterfaceType": "efa"})


def test_key_pair_name_prefix_and_arn() -> None:
    answer = {
        "KeyPairId": "key-1",
        "KeyType": "ed25519",
        "Tags": [{"Key": "Env", "Value": "test"}],
        "KeyName": "ops-20240101000000000000000001",
        "KeyFingerprint": "59:b1",
    }
    attrs = key_pair_attributes(answer, REGION, ACCOUNT)
    assert attrs == {
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:key-pair/ops-20240101000000000000000001",
        "fingerprint": "59:b1",
        "id": "ops-20240101000000000000000001",
        "key_name": "ops-20240101000000000000000001",
        "key_name_prefix": "ops-",
        "key_pair_id": "key-1",
        "key_type": "ed25519",
        "tags": {"Env": "test"},
        "tags_all": {"Env": "test"},
    }
    assert "public_key" not in attrs  # kept from state: see Ec2ExtraReader.unreadable


def test_vpn_gateway_attached_vpc_and_unset_zone() -> None:
    answer = {
        "AmazonSideAsn": 64512,
        "Tags": [],
        "VpnGatewayId": "vgw-1",
        "State": "available",
        "Type": "ipsec.1",
        "AvailabilityZone": "",
        "VpcAttachments": [
            {"VpcId": "vpc-old", "State": "detached"},
            {"VpcId": "vpc-1", "State": "attached"},
        ],
    }
    attrs = vpn_gateway_attributes(answer, REGION, ACCOUNT)
    assert attrs["vpc_id"] == "vpc-1"
    assert attrs["availability_zone"] is None
    assert attrs["amazon_side_asn"] == "64512"
    assert attrs["arn"] == f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpn-gateway/vgw-1"
    lone = vpn_gateway_attributes(
        {"VpnGatewayId": "vgw-2", "AvailabilityZone": "us-east-1a", "VpcAttachments": []},
        REGION,
        ACCOUNT,
    )
    assert (lone["vpc_id"], lone["availability_zone"], lone["amazon_side_asn"]) == (
        "",
        "us-east-1a",
        "0",
    )


def test_customer_gateway_unset_strings_are_empty() -> None:
    answer = {
        "Tags": [{"Key": "Name", "Value": "office"}],
        "CustomerGatewayId": "cgw-1",
        "State": "available",
        "Type": "ipsec.1",
        "IpAddress": "203.0.113.12",
        "BgpAsn": "65000",
    }
    assert customer_gateway_attributes(answer, REGION, ACCOUNT) == {
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:customer-gateway/cgw-1",
        "bgp_asn": "65000",
        "bgp_asn_extended": "",
        "certificate_arn": "",
        "device_name": "",
        "id": "cgw-1",
        "ip_address": "203.0.113.12",
        "tags": {"Name": "office"},
        "tags_all": {"Name": "office"},
        "type": "ipsec.1",
    }


def test_registered_once() -> None:
    for type_ in Ec2ExtraReader.types:
        assert [t for r in READERS for t in r.types].count(type_) == 1
        assert isinstance(reader_for(type_), Ec2ExtraReader)


def test_unreachable_endpoint_is_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region=REGION,
        max_attempts=1,
        connect_timeout=1,
    )
    result = Ec2ExtraReader().read(ReadContext(session, REGION, "1"))
    assert result.resources == ()
    assert result.incomplete_types == {NETWORK_INTERFACE, KEY_PAIR, VPN_GATEWAY, CUSTOMER_GATEWAY}
    assert [e.message.split(":", 1)[0] for e in result.errors] == [
        "DescribeNetworkInterfaces",
        "DescribeKeyPairs",
        "DescribeVpnGateways",
        "DescribeCustomerGateways",
    ]


def test_interfaces_other_objects_name_are_their_parts() -> None:
    resources = (
        LiveResource("aws_instance", "i-1", REGION, {"primary_network_interface_id": "eni-a"}),
        LiveResource("aws_nat_gateway", "nat-1", REGION, {"network_interface_id": "eni-b"}),
        LiveResource("aws_vpc_endpoint", "vpce-1", REGION, {"network_interface_ids": ["eni-c"]}),
        LiveResource("aws_vpc_endpoint", "vpce-2", REGION, {"network_interface_ids": []}),
        LiveResource(NETWORK_INTERFACE, "eni-d", REGION, {}),
    )
    assert Ec2ExtraReader().parts(resources) == {
        (NETWORK_INTERFACE, "eni-a"),
        (NETWORK_INTERFACE, "eni-b"),
        (NETWORK_INTERFACE, "eni-c"),
    }
    assert set(Ec2ExtraReader.part_owners[NETWORK_INTERFACE]) == {
        "aws_instance",
        "aws_nat_gateway",
        "aws_vpc_endpoint",
    }


def test_the_embedded_aws_has_answered_describe_key_pairs_before_any_scan(
    moto_server: EmbeddedAws,
) -> None:
    """moto's first DescribeKeyPairs grows a dict every EC2 answer's serializer iterates, so an
    EC2 answer written beside it fails (a 500 in the demo world's first scan, seen); the
    embedded server answers one when it starts (`EmbeddedAws.warm`)."""
    from moto.ec2.responses._base_response import EC2BaseResponse

    transformers = EC2BaseResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER
    assert "DescribeKeyPairsResult.KeyPairs.KeyPairInfo.PublicKey" in transformers
