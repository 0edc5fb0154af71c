"""VPC routing and edges: route tables, routes and their associations, internet, egress-only
and NAT gateways, Elastic IPs, security group rules as `aws_vpc_security_group_*_rule`, and the
`aws_default_*` types that take over objects AWS made itself, shaped as hashicorp/aws 5.100.0
writes them to state after a refresh.

Calls per region, all bulk: DescribeRouteTables (routes and associations live inside it, so
aws_route and aws_route_table_association cost nothing more), DescribeInternetGateways,
DescribeEgressOnlyInternetGateways, DescribeNatGateways, DescribeNetworkAcls, DescribeVpcEndpoints
(with DescribePrefixLists, and DescribeNetworkInterfaces for interface endpoints' ENIs, once
each), DescribeAddresses,
DescribeAddressesAttribute (domain-name, for `ptr_record`: one call for every address where the
provider makes one per EIP) and DescribeSecurityGroupRules pages.

Type by type, what the provider's read does and the reader repeats:
- `aws_route_table.route`: every route except the VPC's `local` (and VPC Lattice) route, routes
  propagated from a VPN gateway, and gateway-endpoint routes to a prefix list (aws_vpc_endpoint
  owns those); a `vpce-` gateway id is a `vpc_endpoint_id`. Tags ignore `AmazonFSx`. The provider
  also drops routes through another account's ENI (one DescribeNetworkInterfaces per ENI route);
  the reader keeps them (not read: a cross-account ENI route reads as an extra route).
- `aws_route`: found by destination in its table (id `r-<table><crc32(destination)>`, Terraform's
  own); emitted for every non-local route, derived (never unmanaged: inline routes are the
  table's).
- `aws_route_table_association`: subnet and gateway associations by their AWS id (main
  associations belong to the VPC, not to this type).
- `aws_nat_gateway`: the primary address (or the first, where AWS marks none, as moto) gives
  allocation/association/ENI/IPs; the others are the secondary ones. Deleted gateways are gone.
- `aws_eip`: `private_dns`/`public_dns` are derived from the IPs and left as state has them when
  AWS has no IP (the provider only sets them then); `address`, `associate_with_private_ip` and
  `ipam_pool_id` are allocation inputs kept from configuration (unreadable).
- `aws_vpc_security_group_{ingress,egress}_rule`: from DescribeSecurityGroupRules by `sgr-` id
  (derived: a group's inline rules are rules too, and are the group's). Ports -1 stay null where
  state has null; a null `tags` stays null when AWS has none; `ip_protocol` keeps the state's
  spelling when it means the same protocol ("6" for "tcp", "all" for "-1"), as the provider's
  semantic equality does.
- `aws_default_vpc` / `aws_default_subnet` / `aws_default_security_group` /
  `aws_default_route_table`: the provider reads them exactly as the plain types; they are
  derived here from the account-default aws_vpc / aws_subnet / aws_security_group objects the
  VPC reader emits and the main route tables read here, so a tag changed on the default VPC is
  drift on `aws_default_vpc`. `existing_default_*` (set at create only) is carried from state;
  `force_destroy` and `revoke_rules_on_delete` are configuration (unreadable).

- `aws_vpc_endpoint`: `cidr_blocks`/`prefix_list_id` from the prefix list named like its service
  and `subnet_configuration` from its ENIs, both from one bulk call (the provider makes one per
  endpoint and ENI); the policy keeps the state's text when it means the same; `auto_accept` is
  configuration (unreadable).
- `aws_network_acl` / `aws_default_network_acl`: entries but AWS's own deny-all ones (rule
  32767/32768), the protocol as the number AWS speaks ("6" for tcp, "-1" for all), zero values
  where an entry has no ports or ICMP; subnet_ids from the associations.

Unmanaged detection: main route tables and default network ACLs are account defaults;
inline-able parts (routes, rules) and the `aws_default_*` views are derived, so they are never
reported on their own.
"""

from __future__ import annotations

import ipaddress
import zlib
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    normalize_json,
    paginate,
    provider_tags,
    pstr,
    shared_listing,
)

# One error per distinct message: every call here is a listing, so common.Failures' "(and N
# more objects)" count of per-object calls would misdescribe six different listings.
from driftpatch.aws.readers.ec2 import Failures
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.aws.readers.vpc import VpcReader, protocol_for_value
from driftpatch.drift.policy import policies_equal
from driftpatch.model import JSON

ROUTE_TABLE = "aws_route_table"
ROUTE = "aws_route"
ASSOCIATION = "aws_route_table_association"
IGW = "aws_internet_gateway"
EIGW = "aws_egress_only_internet_gateway"
NAT = "aws_nat_gateway"
EIP = "aws_eip"
INGRESS_RULE = "aws_vpc_security_group_ingress_rule"
EGRESS_RULE = "aws_vpc_security_group_egress_rule"
DEFAULT_VPC = "aws_default_vpc"
DEFAULT_SUBNET = "aws_default_subnet"
DEFAULT_SG = "aws_default_security_group"
DEFAULT_ROUTE_TABLE = "aws_default_route_table"
NACL = "aws_network_acl"
DEFAULT_NACL = "aws_default_network_acl"
ENDPOINT = "aws_vpc_endpoint"

# aws_default_* -> the plain type whose live object it manages.
DEFAULT_OF: Mapping[str, str] = {
    DEFAULT_VPC: "aws_vpc",
    DEFAULT_SUBNET: "aws_subnet",
    DEFAULT_SG: "aws_security_group",
    DEFAULT_ROUTE_TABLE: ROUTE_TABLE,
    DEFAULT_NACL: NACL,
}
# Keys of one `route` object of each table type (all written, "" where AWS has nothing).
TABLE_ROUTE_KEYS = (
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
DEFAULT_TABLE_ROUTE_KEYS = (
    "cidr_block",
    "core_network_arn",
    "destination_prefix_list_id",
    "egress_only_gateway_id",
    "gateway_id",
    "instance_id",
    "ipv6_cidr_block",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
)
LOCAL_GATEWAYS = frozenset({"local", "VpcLattice"})
PROPAGATED = "EnableVgwRoutePropagation"
IGNORED_TABLE_TAGS = frozenset({"AmazonFSx"})
DELETED_NAT_STATES = frozenset({"deleted"})
# The entries AWS adds to every network ACL (deny all, IPv4 and IPv6): never in state.
NACL_DEFAULT_RULE_NUMBERS = frozenset({32767, 32768})
# networkACLProtocolNumber: the names the provider accepts, as IANA numbers.
NACL_PROTOCOLS = {
    "all": -1,
    "-1": -1,
    "icmp": 1,
    "tcp": 6,
    "udp": 17,
    "icmpv6": 58,
    "ipv6-icmp": 58,
}
# A route's destination attributes in aws_route state, in the provider's order.
ROUTE_DESTINATIONS = (
    ("destination_cidr_block", "DestinationCidrBlock"),
    ("destination_ipv6_cidr_block", "DestinationIpv6CidrBlock"),
    ("destination_prefix_list_id", "DestinationPrefixListId"),
)


def _hashcode(text: str) -> int:
    """The provider's create.StringHashcode (CRC-32 IEEE, non-negative)."""
    return zlib.crc32(text.encode())


def route_id(table_id: str, destination: str) -> str:
    """RouteCreateID: `r-<route table id><hash of the destination>`."""
    return f"r-{table_id}{_hashcode(destination)}"


def canonical_cidr(cidr: str) -> str:
    """verify.CanonicalCIDRBlock: the network address in its shortest form."""
    try:
        return str(ipaddress.ip_network(cidr, strict=False))
    except ValueError:
        return cidr


def route_destination(route: Mapping[str, Any]) -> str:
    for _attr, key in ROUTE_DESTINATIONS:
        if route.get(key):
            return str(route[key])
    return ""


# --------------------------------------------------------------------------- route tables


def table_route(route: Mapping[str, Any]) -> dict[str, JSON] | None:
    """flattenRoute for one `route` object of aws_route_table, or None where the provider's
    read leaves the route out (local, propagated, endpoint prefix-list routes)."""
    gateway = pstr(route.get("GatewayId"))
    if gateway in LOCAL_GATEWAYS or route.get("Origin") == PROPAGATED:
        return None
    if route.get("DestinationPrefixListId") and gateway.startswith("vpce-"):
        return None
    out: dict[str, JSON] = dict.fromkeys(TABLE_ROUTE_KEYS, "")
    out.update(
        cidr_block=pstr(route.get("DestinationCidrBlock")),
        ipv6_cidr_block=pstr(route.get("DestinationIpv6CidrBlock")),
        destination_prefix_list_id=pstr(route.get("DestinationPrefixListId")),
        carrier_gateway_id=pstr(route.get("CarrierGatewayId")),
        core_network_arn=pstr(route.get("CoreNetworkArn")),
        egress_only_gateway_id=pstr(route.get("EgressOnlyInternetGatewayId")),
        local_gateway_id=pstr(route.get("LocalGatewayId")),
        nat_gateway_id=pstr(route.get("NatGatewayId")),
        network_interface_id=pstr(route.get("NetworkInterfaceId")),
        transit_gateway_id=pstr(route.get("TransitGatewayId")),
        vpc_peering_connection_id=pstr(route.get("VpcPeeringConnectionId")),
    )
    if gateway.startswith("vpce-"):
        out["vpc_endpoint_id"] = gateway
    else:
        out["gateway_id"] = gateway
    return out


def route_attributes(table_id: str, route: Mapping[str, Any]) -> dict[str, JSON]:
    """aws_route as the provider's read writes it (every attribute, "" where AWS has none)."""
    gateway = pstr(route.get("GatewayId"))
    return {
        "carrier_gateway_id": pstr(route.get("CarrierGatewayId")),
        "core_network_arn": pstr(route.get("CoreNetworkArn")),
        "destination_cidr_block": pstr(route.get("DestinationCidrBlock")),
        "destination_ipv6_cidr_block": pstr(route.get("DestinationIpv6CidrBlock")),
        "destination_prefix_list_id": pstr(route.get("DestinationPrefixListId")),
        "egress_only_gateway_id": pstr(route.get("EgressOnlyInternetGatewayId")),
        "gateway_id": "" if gateway.startswith("vpce-") else gateway,
        "id": route_id(table_id, route_destination(route)),
        "instance_id": pstr(route.get("InstanceId")),
        "instance_owner_id": pstr(route.get("InstanceOwnerId")),
        "local_gateway_id": pstr(route.get("LocalGatewayId")),
        "nat_gateway_id": pstr(route.get("NatGatewayId")),
        "network_interface_id": pstr(route.get("NetworkInterfaceId")),
        "origin": pstr(route.get("Origin")),
        "route_table_id": table_id,
        "state": pstr(route.get("State")),
        "transit_gateway_id": pstr(route.get("TransitGatewayId")),
        "vpc_endpoint_id": gateway if gateway.startswith("vpce-") else "",
        "vpc_peering_connection_id": pstr(route.get("VpcPeeringConnectionId")),
    }


def route_table_resources(
    table: Mapping[str, Any], *, partition: str, region: str
) -> list[LiveResource]:
    """One DescribeRouteTables entry: the table, its routes and its non-main associations."""
    tid, owner = str(table["RouteTableId"]), pstr(table.get("OwnerId"))
    tags = {
        k: v for k, v in provider_tags(table.get("Tags")).items() if k not in IGNORED_TABLE_TAGS
    }
    routes = table.get("Routes") or ()
    flattened = [r for r in map(table_route, routes) if r is not None]
    associations = table.get("Associations") or ()
    is_main = any(a.get("Main") for a in associations)
    attrs: dict[str, JSON] = {
        "arn": f"arn:{partition}:ec2:{region}:{owner}:route-table/{tid}",
        "id": tid,
        "owner_id": owner,
        "propagating_vgws": [pstr(v.get("GatewayId")) for v in table.get("PropagatingVgws") or ()],
        "route": list(flattened),
        "tags": tags,
        "tags_all": dict(tags),
        "vpc_id": pstr(table.get("VpcId")),
    }
    out = [LiveResource(ROUTE_TABLE, tid, region, attrs, is_main)]
    for route in routes:
        if pstr(route.get("GatewayId")) in LOCAL_GATEWAYS or not route_destination(route):
            continue
        r_attrs = route_attributes(tid, route)
        out.append(LiveResource(ROUTE, str(r_attrs["id"]), region, r_attrs))
    for assoc in associations:
        state = (assoc.get("AssociationState") or {}).get("State")
        if assoc.get("Main") or state not in (None, "associated"):
            continue
        aid = str(assoc["RouteTableAssociationId"])
        a_attrs: dict[str, JSON] = {
            "gateway_id": pstr(assoc.get("GatewayId")),
            "id": aid,
            "route_table_id": tid,
            "subnet_id": pstr(assoc.get("SubnetId")),
        }
        out.append(LiveResource(ASSOCIATION, aid, region, a_attrs))
    return out


def default_route_table_attributes(table: Mapping[str, JSON], live: LiveIndex) -> dict[str, JSON]:
    """aws_default_route_table from its main table: the same read, with the default type's
    route shape (`instance_id`, which aws_route_table no longer has, from the route itself)."""
    tid = str(table.get("id") or "")
    routes: list[JSON] = []
    for obj in table.get("route") or ():
        if not isinstance(obj, Mapping):
            continue
        shaped: dict[str, JSON] = {k: obj.get(k, "") for k in DEFAULT_TABLE_ROUTE_KEYS}
        destination = str(
            obj.get("cidr_block")
            or obj.get("ipv6_cidr_block")
            or obj.get("destination_prefix_list_id")
            or ""
        )
        found = live.get(ROUTE, route_id(tid, destination))
        shaped["instance_id"] = str(found.attributes.get("instance_id") or "") if found else ""
        routes.append(shaped)
    out = {k: v for k, v in table.items() if k != "route"}
    out.update(default_route_table_id=tid, route=routes)
    return out


# --------------------------------------------------------------------------- network ACLs


def nacl_protocol(value: str) -> str:
    """The provider stores a network ACL entry's protocol as AWS speaks it: a number."""
    text = value.strip().lower()
    if text in NACL_PROTOCOLS:
        return str(NACL_PROTOCOLS[text])
    try:
        return str(int(text))
    except ValueError:
        return value


def nacl_entry(entry: Mapping[str, Any]) -> dict[str, JSON]:
    """flattenNetworkACLEntry, every key written (zero values where AWS has nothing)."""
    icmp = entry.get("IcmpTypeCode") or {}
    ports = entry.get("PortRange") or {}
    return {
        "action": pstr(entry.get("RuleAction")),
        "cidr_block": pstr(entry.get("CidrBlock")),
        "from_port": int(ports.get("From") or 0),
        "icmp_code": int(icmp.get("Code") or 0),
        "icmp_type": int(icmp.get("Type") or 0),
        "ipv6_cidr_block": pstr(entry.get("Ipv6CidrBlock")),
        "protocol": nacl_protocol(pstr(entry.get("Protocol"))),
        "rule_no": int(entry.get("RuleNumber") or 0),
        "to_port": int(ports.get("To") or 0),
    }


def network_acl(acl: Mapping[str, Any], *, partition: str, region: str) -> LiveResource:
    aid, owner = str(acl["NetworkAclId"]), pstr(acl.get("OwnerId"))
    entries = [
        e for e in acl.get("Entries") or () if e.get("RuleNumber") not in NACL_DEFAULT_RULE_NUMBERS
    ]
    tags = provider_tags(acl.get("Tags"))
    attrs: dict[str, JSON] = {
        "arn": f"arn:{partition}:ec2:{region}:{owner}:network-acl/{aid}",
        "egress": [nacl_entry(e) for e in entries if e.get("Egress")],
        "id": aid,
        "ingress": [nacl_entry(e) for e in entries if not e.get("Egress")],
        "owner_id": owner,
        "subnet_ids": [
            pstr(a.get("SubnetId")) for a in acl.get("Associations") or () if a.get("SubnetId")
        ],
        "tags": tags,
        "tags_all": dict(tags),
        "vpc_id": pstr(acl.get("VpcId")),
    }
    return LiveResource(NACL, aid, region, attrs, bool(acl.get("IsDefault")))


# --------------------------------------------------------------------------- VPC endpoints


def vpc_endpoint(
    vpce: Mapping[str, Any],
    prefix_lists: Mapping[str, Mapping[str, Any]],
    interfaces: Mapping[str, Mapping[str, Any]],
    *,
    partition: str,
    region: str,
) -> LiveResource:
    """resourceVPCEndpointRead, with the prefix list of its service and its ENIs' addresses
    looked up in the bulk DescribePrefixLists / DescribeNetworkInterfaces answers."""
    vid, owner = str(vpce["VpcEndpointId"]), pstr(vpce.get("OwnerId"))
    service = pstr(vpce.get("ServiceName"))
    prefix_list = prefix_lists.get(service)
    dns = vpce.get("DnsOptions")
    eni_ids = [str(v) for v in vpce.get("NetworkInterfaceIds") or ()]
    subnet_configuration: list[JSON] = []
    for eni_id in eni_ids:
        eni = interfaces.get(eni_id) or {}
        config: dict[str, JSON] = {"ipv4": "", "ipv6": "", "subnet_id": ""}
        config.update(
            {
                k: str(eni[key])
                for k, key in (
                    ("ipv4", "PrivateIpAddress"),
                    ("ipv6", "Ipv6Address"),
                    ("subnet_id", "SubnetId"),
                )
                if eni.get(key) is not None
            }
        )
        subnet_configuration.append(config)
    tags = provider_tags(vpce.get("Tags"))
    attrs: dict[str, JSON] = {
        "arn": f"arn:{partition}:ec2:{region}:{owner}:vpc-endpoint/{vid}",
        "cidr_blocks": [str(c) for c in prefix_list.get("Cidrs") or ()] if prefix_list else [],
        "dns_entry": [
            {"dns_name": pstr(e.get("DnsName")), "hosted_zone_id": pstr(e.get("HostedZoneId"))}
            for e in vpce.get("DnsEntries") or ()
        ],
        "dns_options": (
            [
                {
                    "dns_record_ip_type": pstr(dns.get("DnsRecordIpType")),
                    "private_dns_only_for_inbound_resolver_endpoint": bool(
                        dns.get("PrivateDnsOnlyForInboundResolverEndpoint")
                    ),
                }
            ]
            if dns
            else []
        ),
        "id": vid,
        "ip_address_type": pstr(vpce.get("IpAddressType")),
        "network_interface_ids": eni_ids,
        "owner_id": owner,
        "policy": normalize_json(pstr(vpce.get("PolicyDocument"))),
        "prefix_list_id": pstr(prefix_list.get("PrefixListId")) if prefix_list else None,
        "private_dns_enabled": bool(vpce.get("PrivateDnsEnabled")),
        "requester_managed": bool(vpce.get("RequesterManaged")),
        "resource_configuration_arn": pstr(vpce.get("ResourceConfigurationArn")),
        "route_table_ids": [str(v) for v in vpce.get("RouteTableIds") or ()],
        "security_group_ids": [pstr(g.get("GroupId")) for g in vpce.get("Groups") or ()],
        "service_name": service,
        "service_network_arn": pstr(vpce.get("ServiceNetworkArn")),
        "service_region": pstr(vpce.get("ServiceRegion")),
        "state": pstr(vpce.get("State")),
        "subnet_configuration": subnet_configuration,
        "subnet_ids": [str(v) for v in vpce.get("SubnetIds") or ()],
        "tags": tags,
        "tags_all": dict(tags),
        "vpc_endpoint_type": pstr(vpce.get("VpcEndpointType")) or "Gateway",
        "vpc_id": pstr(vpce.get("VpcId")),
    }
    return LiveResource(ENDPOINT, vid, region, attrs)


# --------------------------------------------------------------------------- gateways, EIPs


def internet_gateway(gw: Mapping[str, Any], *, partition: str, region: str) -> LiveResource:
    gid, owner = str(gw["InternetGatewayId"]), pstr(gw.get("OwnerId"))
    attachments: list[Mapping[str, Any]] = list(gw.get("Attachments") or ())
    tags = provider_tags(gw.get("Tags"))
    attrs: dict[str, JSON] = {
        "arn": f"arn:{partition}:ec2:{region}:{owner}:internet-gateway/{gid}",
        "id": gid,
        "owner_id": owner,
        "tags": tags,
        "tags_all": dict(tags),
        "vpc_id": pstr(attachments[0].get("VpcId")) if attachments else "",
    }
    return LiveResource(IGW, gid, region, attrs)


def egress_only_gateway(gw: Mapping[str, Any], *, region: str) -> LiveResource:
    gid = str(gw["EgressOnlyInternetGatewayId"])
    attachments: list[Mapping[str, Any]] = list(gw.get("Attachments") or ())
    attached = len(attachments) == 1 and attachments[0].get("State") == "attached"
    tags = provider_tags(gw.get("Tags"))
    attrs: dict[str, JSON] = {
        "id": gid,
        "tags": tags,
        "tags_all": dict(tags),
        "vpc_id": pstr(attachments[0].get("VpcId")) if attached else None,
    }
    return LiveResource(EIGW, gid, region, attrs)


def nat_gateway(gw: Mapping[str, Any], *, region: str) -> LiveResource:
    gid = str(gw["NatGatewayId"])
    addresses = list(gw.get("NatGatewayAddresses") or ())
    primary: Mapping[str, Any] = next(
        (a for a in addresses if a.get("IsPrimary")), addresses[0] if addresses else {}
    )
    secondary = [a for a in addresses if a is not primary]
    connectivity = pstr(gw.get("ConnectivityType"))
    tags = provider_tags(gw.get("Tags"))
    attrs: dict[str, JSON] = {
        "allocation_id": pstr(primary.get("AllocationId")),
        "association_id": pstr(primary.get("AssociationId")),
        "connectivity_type": connectivity,
        "id": gid,
        "network_interface_id": pstr(primary.get("NetworkInterfaceId")),
        "private_ip": pstr(primary.get("PrivateIp")),
        "public_ip": pstr(primary.get("PublicIp")),
        "secondary_allocation_ids": (
            [pstr(a.get("AllocationId")) for a in secondary if a.get("AllocationId")]
            if connectivity != "private"
            else None
        ),
        "secondary_private_ip_address_count": len(secondary),
        "secondary_private_ip_addresses": [
            pstr(a.get("PrivateIp")) for a in secondary if a.get("PrivateIp")
        ],
        "subnet_id": pstr(gw.get("SubnetId")),
        "tags": tags,
        "tags_all": dict(tags),
    }
    return LiveResource(NAT, gid, region, attrs)


def _dashed(ip: str) -> str:
    return ip.replace(".", "-")


def private_dns(ip: str, region: str) -> str:
    """The provider's EC2PrivateDNSNameForIP."""
    if region == "us-east-1":
        return f"ip-{_dashed(ip)}.ec2.internal"
    return f"ip-{_dashed(ip)}.{region}.compute.internal"


def public_dns(ip: str, region: str, partition: str) -> str:
    """The provider's EC2PublicDNSNameForIP."""
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    if region == "us-east-1":
        return f"ec2-{_dashed(ip)}.compute-1.{suffix}"
    return f"ec2-{_dashed(ip)}.{region}.compute.{suffix}"


def elastic_ip(
    address: Mapping[str, Any],
    ptr_records: Mapping[str, str],
    *,
    partition: str,
    region: str,
    account_id: str,
) -> LiveResource:
    domain = pstr(address.get("Domain"))
    alloc = pstr(address.get("AllocationId"))
    eid = alloc if domain == "vpc" and alloc else pstr(address.get("PublicIp"))
    private_ip, public_ip = pstr(address.get("PrivateIpAddress")), pstr(address.get("PublicIp"))
    tags = provider_tags(address.get("Tags"))
    attrs: dict[str, JSON] = {
        "allocation_id": alloc,
        "arn": f"arn:{partition}:ec2:{region}:{account_id}:elastic-ip/{eid}",
        "association_id": pstr(address.get("AssociationId")),
        "carrier_ip": pstr(address.get("CarrierIp")),
        "customer_owned_ip": pstr(address.get("CustomerOwnedIp")),
        "customer_owned_ipv4_pool": pstr(address.get("CustomerOwnedIpv4Pool")),
        "domain": domain,
        "id": eid,
        "instance": pstr(address.get("InstanceId")),
        "network_border_group": pstr(address.get("NetworkBorderGroup")),
        "network_interface": pstr(address.get("NetworkInterfaceId")),
        # Only set by the provider when AWS has the IP: None keeps the state's value (match).
        "private_dns": private_dns(private_ip, region) if private_ip else None,
        "private_ip": private_ip,
        "ptr_record": ptr_records.get(alloc, ""),
        "public_dns": public_dns(public_ip, region, partition) if public_ip else None,
        "public_ip": public_ip,
        "public_ipv4_pool": pstr(address.get("PublicIpv4Pool")),
        "tags": tags,
        "tags_all": dict(tags),
        "vpc": domain == "vpc",
    }
    return LiveResource(EIP, eid, region, attrs)


# --------------------------------------------------------------------------- security group rules


def sg_rule(
    rule: Mapping[str, Any], *, partition: str, region: str, account_id: str
) -> LiveResource:
    """One DescribeSecurityGroupRules entry as aws_vpc_security_group_{ingress,egress}_rule."""
    rid = str(rule["SecurityGroupRuleId"])
    ref = rule.get("ReferencedGroupInfo") or {}
    ref_id = pstr(ref.get("GroupId"))
    user = pstr(ref.get("UserId"))
    if ref_id and user and user != account_id:
        ref_id = f"{user}/{ref_id}"
    tags = provider_tags(rule.get("Tags"))
    from_port, to_port = rule.get("FromPort"), rule.get("ToPort")
    attrs: dict[str, JSON] = {
        "arn": f"arn:{partition}:ec2:{region}:{account_id}:security-group-rule/{rid}",
        "cidr_ipv4": rule.get("CidrIpv4"),
        "cidr_ipv6": rule.get("CidrIpv6"),
        "description": rule.get("Description"),
        "from_port": int(from_port) if from_port is not None else None,
        "id": rid,
        "ip_protocol": rule.get("IpProtocol"),
        "prefix_list_id": rule.get("PrefixListId"),
        "referenced_security_group_id": ref_id or None,
        "security_group_id": rule.get("GroupId"),
        "security_group_rule_id": rid,
        "tags": tags,
        "tags_all": dict(tags),
        "to_port": int(to_port) if to_port is not None else None,
    }
    type_ = EGRESS_RULE if rule.get("IsEgress") else INGRESS_RULE
    return LiveResource(type_, rid, region, attrs)


def _same_protocol(a: JSON, b: JSON) -> bool:
    return protocol_for_value(str(a or "")) == protocol_for_value(str(b or ""))


def match_sg_rule(found: LiveResource, state: Mapping[str, JSON]) -> dict[str, JSON]:
    """The framework resource's read given its prior state (see module docstring)."""
    attrs = dict(found.attributes)
    for port in ("from_port", "to_port"):
        if attrs.get(port) == -1 and state.get(port) is None:
            attrs[port] = None
    if not attrs.get("tags") and state.get("tags") is None:
        attrs["tags"] = None
    theirs = state.get("ip_protocol")
    if isinstance(theirs, str) and _same_protocol(theirs, attrs.get("ip_protocol")):
        attrs["ip_protocol"] = theirs
    return attrs


# --------------------------------------------------------------------------- the reader


# Listings the VPC reader reads too (main route tables, default network ACLs): once for both.
SHARED_LISTINGS = frozenset({"describe_route_tables", "describe_network_acls"})


def _listing(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item of a Describe call, through its paginator where botocore has one."""
    if client.can_paginate(operation):
        return paginate(client, operation, key, **kwargs)
    return list(getattr(client, operation)(**kwargs).get(key) or ())


class NetworkReader(Reader):
    """Routing, gateways, EIPs and security group rules in bulk; the aws_default_* types and
    parts of other objects (routes, rules) derived."""

    types: ClassVar[tuple[str, ...]] = (
        ROUTE_TABLE,
        ROUTE,
        ASSOCIATION,
        IGW,
        EIGW,
        NAT,
        EIP,
        INGRESS_RULE,
        EGRESS_RULE,
        DEFAULT_VPC,
        DEFAULT_SUBNET,
        DEFAULT_SG,
        DEFAULT_ROUTE_TABLE,
        NACL,
        DEFAULT_NACL,
        ENDPOINT,
    )
    service: ClassVar[str] = "ec2"
    derived_types: ClassVar[frozenset[str]] = frozenset(
        {ROUTE, INGRESS_RULE, EGRESS_RULE, *DEFAULT_OF}
    )
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        ROUTE_TABLE: frozenset({"timeouts"}),
        ROUTE: frozenset({"timeouts"}),
        ASSOCIATION: frozenset({"timeouts"}),
        IGW: frozenset({"timeouts"}),
        NAT: frozenset({"timeouts"}),
        EIP: frozenset({"address", "associate_with_private_ip", "ipam_pool_id", "timeouts"}),
        ENDPOINT: frozenset({"auto_accept", "timeouts"}),
        DEFAULT_VPC: frozenset({"force_destroy", "ipv4_ipam_pool_id", "ipv4_netmask_length"}),
        DEFAULT_SUBNET: frozenset({"force_destroy", "timeouts"}),
        DEFAULT_SG: frozenset({"revoke_rules_on_delete"}),
        DEFAULT_ROUTE_TABLE: frozenset({"timeouts"}),
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        client = ctx.client("ec2")
        partition = str(getattr(client.meta, "partition", "aws") or "aws")
        region, account = ctx.region, ctx.account_id
        fails = Failures(f"{self.service}/{region}")
        out: list[LiveResource] = []

        def listing(op: str, key: str, types: Iterable[str], **kw: Any) -> list[Any] | None:
            try:
                if op in SHARED_LISTINGS and not kw:
                    return shared_listing(ctx, "ec2", op, key)
                return _listing(client, op, key, **kw)
            except AWS_ERRORS as exc:
                fails.add(exc, *types)
                return None

        tables = listing(
            "describe_route_tables",
            "RouteTables",
            (ROUTE_TABLE, ROUTE, ASSOCIATION, DEFAULT_ROUTE_TABLE),
        )
        for table in tables or ():
            out.extend(route_table_resources(table, partition=partition, region=region))
        for acl in listing("describe_network_acls", "NetworkAcls", (NACL, DEFAULT_NACL)) or ():
            out.append(network_acl(acl, partition=partition, region=region))
        out.extend(self._endpoints(listing, partition, region))
        for gw in listing("describe_internet_gateways", "InternetGateways", (IGW,)) or ():
            out.append(internet_gateway(gw, partition=partition, region=region))
        eigws = listing(
            "describe_egress_only_internet_gateways", "EgressOnlyInternetGateways", (EIGW,)
        )
        out.extend(egress_only_gateway(gw, region=region) for gw in eigws or ())
        for gw in listing("describe_nat_gateways", "NatGateways", (NAT,)) or ():
            if gw.get("State") not in DELETED_NAT_STATES:
                out.append(nat_gateway(gw, region=region))
        addresses = listing("describe_addresses", "Addresses", (EIP,))
        if addresses:
            attributes = listing(
                "describe_addresses_attribute", "Addresses", (EIP,), Attribute="domain-name"
            )
            if attributes is not None:
                ptr = {pstr(a.get("AllocationId")): pstr(a.get("PtrRecord")) for a in attributes}
                out.extend(
                    elastic_ip(a, ptr, partition=partition, region=region, account_id=account)
                    for a in addresses
                )
        rules = listing(
            "describe_security_group_rules", "SecurityGroupRules", (INGRESS_RULE, EGRESS_RULE)
        )
        out.extend(
            sg_rule(r, partition=partition, region=region, account_id=account) for r in rules or ()
        )
        return fails.result(out)

    @staticmethod
    def _endpoints(listing: Any, partition: str, region: str) -> list[LiveResource]:
        endpoints = listing("describe_vpc_endpoints", "VpcEndpoints", (ENDPOINT,))
        if not endpoints:
            return []
        # The prefix lists of the endpoints' services (one listing for all, where the provider
        # looks each service up), and the ENIs of interface endpoints (one call for all).
        lists = listing("describe_prefix_lists", "PrefixLists", (ENDPOINT,))
        eni_ids = sorted({str(v) for e in endpoints for v in e.get("NetworkInterfaceIds") or ()})
        enis = (
            listing(
                "describe_network_interfaces",
                "NetworkInterfaces",
                (ENDPOINT,),
                NetworkInterfaceIds=eni_ids,
            )
            if eni_ids
            else []
        )
        if lists is None or enis is None:
            return []
        prefix_lists = {pstr(p.get("PrefixListName")): p for p in lists}
        interfaces = {pstr(n.get("NetworkInterfaceId")): n for n in enis}
        return [
            vpc_endpoint(e, prefix_lists, interfaces, partition=partition, region=region)
            for e in endpoints
            if pstr(e.get("State")).lower() not in ("deleted", "deleting")
        ]

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        plain = DEFAULT_OF.get(type_)
        if plain is not None:
            return self._match_default(type_, plain, state_id, state_attributes, live)
        found = live.get(type_, state_id)
        if found is None:
            return None
        if type_ in (INGRESS_RULE, EGRESS_RULE):
            attrs = match_sg_rule(found, state_attributes)
        elif type_ == ENDPOINT:
            attrs = dict(found.attributes)
            mine, theirs = state_attributes.get("policy"), str(attrs.get("policy") or "")
            if isinstance(mine, str) and mine and policies_equal(mine, theirs):
                attrs["policy"] = normalize_json(mine)  # SecondJSONUnlessEquivalent
        elif type_ == EIP:
            attrs = dict(found.attributes)
            for name in ("private_dns", "public_dns"):
                if attrs.get(name) is None and name in state_attributes:
                    attrs[name] = state_attributes[name]
        else:
            return found
        return LiveResource(found.type, found.id, found.region, attrs, found.account_default)

    def _match_default(
        self,
        type_: str,
        plain: str,
        state_id: str,
        state_attributes: Mapping[str, JSON],
        live: LiveIndex,
    ) -> LiveResource | None:
        if plain == ROUTE_TABLE:
            table = live.get(ROUTE_TABLE, state_id)
            if table is None:
                return None
            attrs = default_route_table_attributes(table.attributes, live)
            return LiveResource(type_, table.id, table.region, attrs)
        if plain == NACL:
            acl = live.get(NACL, state_id)
            if acl is None:
                return None
            attrs = {**acl.attributes, "default_network_acl_id": acl.id}
            return LiveResource(type_, acl.id, acl.region, attrs)
        found = VpcReader().match(plain, state_id, state_attributes, live)
        if found is None:
            return None
        attrs = dict(found.attributes)
        if type_ == DEFAULT_VPC:
            attrs["existing_default_vpc"] = state_attributes.get("existing_default_vpc", True)
        elif type_ == DEFAULT_SUBNET:
            attrs["existing_default_subnet"] = state_attributes.get("existing_default_subnet", True)
        return LiveResource(type_, found.id, found.region, attrs)
