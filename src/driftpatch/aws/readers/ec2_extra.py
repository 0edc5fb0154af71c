"""EC2 odds and ends (per region): aws_network_interface, aws_key_pair, aws_vpn_gateway and
aws_customer_gateway, as hashicorp/aws 5.100.0 writes them to state after a refresh.

- Calls: one bulk listing per type: DescribeNetworkInterfaces pages, DescribeKeyPairs,
  DescribeVpnGateways, DescribeCustomerGateways (the last three are not paginated; an account
  holds few). Tags come with every listing; nothing is read per object. A failed listing marks
  only its own type incomplete.
- Network interfaces: every address and prefix list, the attachment and the groups come from
  the listing, as the provider's read sets them. `private_ip_list_enabled`,
  `ipv6_address_list_enabled` and `enable_primary_ipv6` are create-time switches the provider
  keeps from configuration (`unreadable`). Interfaces AWS makes for other objects are account
  defaults, never unmanaged: requester-managed ones (NAT gateways, load balancers, Lambda, VPC
  endpoints...), those of an AWS-owned interface type, and an instance's primary interface
  (device index 0), which belongs to its aws_instance. The interfaces another live object
  names as its own (an instance's primary one, a NAT gateway's, an interface endpoint's) are
  its parts (`parts`), never unmanaged alone, also where AWS marks them as nothing (moto's NAT
  gateway and endpoint interfaces are plain "interface"s); while one of those owners' listing
  failed, no interface of its region is called unmanaged (`part_owners`).
- Key pairs: AWS keeps no copy of `public_key` unless asked for it, and the provider keeps the
  configured text (`unreadable`); the fingerprint is what changes when the key does. The id is
  the key name; the ARN is built from the account, as the provider builds it.
- VPN gateways: `vpc_id` is the VPC of the attachment in state "attached" ("" when none); an
  empty availability zone is not written (null), as the provider leaves it unset. Gateways and
  customer gateways in state "deleted"/"deleting" are gone for the provider, so for us.
- Customer gateways: `bgp_asn` is AWS's string, `bgp_asn_extended` and `certificate_arn` ""
  when unset. moto drops `DeviceName` on create (the refresh then writes "" too).
- moto hosts all four types for real Terraform (tests/aws/test_autoscaling_oracle.py's stack).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    name_prefix_from_name,
    paginate,
    provider_tags,
    pstr,
)
from driftpatch.aws.readers.interface import LiveResource, ReadContext, Reader, ReadResult
from driftpatch.aws.readers.s3 import partition_of
from driftpatch.model import JSON

NETWORK_INTERFACE = "aws_network_interface"
KEY_PAIR = "aws_key_pair"
VPN_GATEWAY = "aws_vpn_gateway"
CUSTOMER_GATEWAY = "aws_customer_gateway"
PAGE_SIZE = 1000
# Interface types a user can create (CreateNetworkInterface's InterfaceType, plus trunk
# branches); every other type is made by an AWS service for its own object.
USER_INTERFACE_TYPES = frozenset({"", "interface", "efa", "efa-only", "trunk", "branch"})
GONE_STATES = frozenset({"deleted", "deleting"})
# Live objects that own interfaces, and the attributes naming them (as the readers emit them).
ENI_OWNERS: Mapping[str, tuple[str, ...]] = {
    "aws_instance": ("primary_network_interface_id",),
    "aws_nat_gateway": ("network_interface_id",),
    "aws_vpc_endpoint": ("network_interface_ids",),
}


def _arn(region: str, account: str, resource: str) -> str:
    return f"arn:{partition_of(region)[0]}:ec2:{region}:{account}:{resource}"


def network_interface_attributes(eni: Mapping[str, Any], region: str) -> dict[str, JSON]:
    """aws_network_interface from one DescribeNetworkInterfaces entry (the provider's read)."""
    eid = pstr(eni.get("NetworkInterfaceId"))
    owner = pstr(eni.get("OwnerId"))
    attachment = eni.get("Attachment")
    private = [pstr(a.get("PrivateIpAddress")) for a in eni.get("PrivateIpAddresses") or ()]
    ipv6 = [pstr(a.get("Ipv6Address")) for a in eni.get("Ipv6Addresses") or ()]
    ipv4_prefixes = [pstr(p.get("Ipv4Prefix")) for p in eni.get("Ipv4Prefixes") or ()]
    ipv6_prefixes = [pstr(p.get("Ipv6Prefix")) for p in eni.get("Ipv6Prefixes") or ()]
    tags = provider_tags(eni.get("TagSet"))
    attachments: list[JSON] = []
    if attachment:
        attachments.append(
            {
                "attachment_id": pstr(attachment.get("AttachmentId")),
                "device_index": int(attachment.get("DeviceIndex") or 0),
                "instance": pstr(attachment.get("InstanceId")),
            }
        )
    return {
        "arn": _arn(region, owner, f"network-interface/{eid}"),
        "attachment": attachments,
        "description": pstr(eni.get("Description")),
        "id": eid,
        "interface_type": pstr(eni.get("InterfaceType")),
        "ipv4_prefix_count": len(ipv4_prefixes),
        "ipv4_prefixes": list(ipv4_prefixes),
        "ipv6_address_count": len(ipv6),
        "ipv6_address_list": list(ipv6),
        "ipv6_addresses": list(ipv6),
        "ipv6_prefix_count": len(ipv6_prefixes),
        "ipv6_prefixes": list(ipv6_prefixes),
        "mac_address": pstr(eni.get("MacAddress")),
        "outpost_arn": pstr(eni.get("OutpostArn")),
        "owner_id": owner,
        "private_dns_name": pstr(eni.get("PrivateDnsName")),
        "private_ip": pstr(eni.get("PrivateIpAddress")),
        "private_ip_list": list(private),
        "private_ips": list(private),
        "private_ips_count": len(private) - 1,
        "security_groups": [pstr(g.get("GroupId")) for g in eni.get("Groups") or ()],
        "source_dest_check": bool(eni.get("SourceDestCheck")),
        "subnet_id": pstr(eni.get("SubnetId")),
        "tags": tags,
        "tags_all": dict(tags),
    }


def made_by_aws(eni: Mapping[str, Any]) -> bool:
    """An interface no code creates: another service's, or an instance's primary one."""
    if eni.get("RequesterManaged"):
        return True
    if pstr(eni.get("InterfaceType")) not in USER_INTERFACE_TYPES:
        return True
    attachment = eni.get("Attachment") or {}
    return bool(attachment.get("InstanceId")) and attachment.get("DeviceIndex") == 0


def key_pair_attributes(key: Mapping[str, Any], region: str, account: str) -> dict[str, JSON]:
    """aws_key_pair from one DescribeKeyPairs entry (`public_key` is kept from state)."""
    name = pstr(key.get("KeyName"))
    tags = provider_tags(key.get("Tags"))
    return {
        "arn": _arn(region, account, f"key-pair/{name}"),
        "fingerprint": pstr(key.get("KeyFingerprint")),
        "id": name,
        "key_name": name,
        "key_name_prefix": name_prefix_from_name(name),
        "key_pair_id": pstr(key.get("KeyPairId")),
        "key_type": pstr(key.get("KeyType")),
        "tags": tags,
        "tags_all": dict(tags),
    }


def vpn_gateway_attributes(gw: Mapping[str, Any], region: str, account: str) -> dict[str, JSON]:
    """aws_vpn_gateway from one DescribeVpnGateways entry."""
    gid = pstr(gw.get("VpnGatewayId"))
    tags = provider_tags(gw.get("Tags"))
    attached = [
        pstr(a.get("VpcId")) for a in gw.get("VpcAttachments") or () if a.get("State") == "attached"
    ]
    zone = pstr(gw.get("AvailabilityZone"))
    return {
        "amazon_side_asn": str(int(gw.get("AmazonSideAsn") or 0)),
        "arn": _arn(region, account, f"vpn-gateway/{gid}"),
        "availability_zone": zone or None,
        "id": gid,
        "tags": tags,
        "tags_all": dict(tags),
        "vpc_id": attached[0] if attached else "",
    }


def customer_gateway_attributes(
    gw: Mapping[str, Any], region: str, account: str
) -> dict[str, JSON]:
    """aws_customer_gateway from one DescribeCustomerGateways entry."""
    gid = pstr(gw.get("CustomerGatewayId"))
    tags = provider_tags(gw.get("Tags"))
    return {
        "arn": _arn(region, account, f"customer-gateway/{gid}"),
        "bgp_asn": pstr(gw.get("BgpAsn")),
        "bgp_asn_extended": pstr(gw.get("BgpAsnExtended")),
        "certificate_arn": pstr(gw.get("CertificateArn")),
        "device_name": pstr(gw.get("DeviceName")),
        "id": gid,
        "ip_address": pstr(gw.get("IpAddress")),
        "tags": tags,
        "tags_all": dict(tags),
        "type": pstr(gw.get("Type")),
    }


class Ec2ExtraReader(Reader):
    """Network interfaces, key pairs, VPN and customer gateways of one region."""

    types: ClassVar[tuple[str, ...]] = (
        NETWORK_INTERFACE,
        KEY_PAIR,
        VPN_GATEWAY,
        CUSTOMER_GATEWAY,
    )
    service: ClassVar[str] = "ec2"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        NETWORK_INTERFACE: frozenset(
            {"enable_primary_ipv6", "ipv6_address_list_enabled", "private_ip_list_enabled"}
        ),
        KEY_PAIR: frozenset({"public_key"}),
    }
    part_owners: ClassVar[Mapping[str, tuple[str, ...]]] = {NETWORK_INTERFACE: tuple(ENI_OWNERS)}

    def parts(self, resources: Iterable[LiveResource]) -> frozenset[tuple[str, str]]:
        owned: set[tuple[str, str]] = set()
        for r in resources:
            for name in ENI_OWNERS.get(r.type, ()):
                value = r.attributes.get(name)
                ids = value if isinstance(value, list) else [value]
                owned.update((NETWORK_INTERFACE, str(i)) for i in ids if i)
        return frozenset(owned)

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"ec2/{ctx.region}", "objects")
        ec2 = ctx.client("ec2")
        out: list[LiveResource] = []

        def listing(type_: str, fetch: Callable[[], list[Any]]) -> list[Any]:
            try:
                return fetch()
            except AWS_ERRORS as exc:
                fails.add(exc, type_)
                return []

        for eni in listing(
            NETWORK_INTERFACE,
            lambda: paginate(
                ec2,
                "describe_network_interfaces",
                "NetworkInterfaces",
                PaginationConfig={"PageSize": PAGE_SIZE},
            ),
        ):
            attrs = network_interface_attributes(eni, ctx.region)
            out.append(
                LiveResource(
                    NETWORK_INTERFACE,
                    str(attrs["id"]),
                    ctx.region,
                    attrs,
                    account_default=made_by_aws(eni),
                )
            )
        for key in listing(KEY_PAIR, lambda: list(ec2.describe_key_pairs().get("KeyPairs") or ())):
            attrs = key_pair_attributes(key, ctx.region, ctx.account_id)
            out.append(LiveResource(KEY_PAIR, str(attrs["id"]), ctx.region, attrs))
        for gw in listing(
            VPN_GATEWAY, lambda: list(ec2.describe_vpn_gateways().get("VpnGateways") or ())
        ):
            if gw.get("State") in GONE_STATES:
                continue
            attrs = vpn_gateway_attributes(gw, ctx.region, ctx.account_id)
            out.append(LiveResource(VPN_GATEWAY, str(attrs["id"]), ctx.region, attrs))
        for gw in listing(
            CUSTOMER_GATEWAY,
            lambda: list(ec2.describe_customer_gateways().get("CustomerGateways") or ()),
        ):
            if gw.get("State") in GONE_STATES:
                continue
            attrs = customer_gateway_attributes(gw, ctx.region, ctx.account_id)
            out.append(LiveResource(CUSTOMER_GATEWAY, str(attrs["id"]), ctx.region, attrs))
        return fails.result(out)
