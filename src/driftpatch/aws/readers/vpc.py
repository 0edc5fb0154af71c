"""VPC networking: `aws_vpc`, `aws_subnet`, `aws_security_group`, and the derived
`aws_security_group_rule`, shaped as hashicorp/aws 5.100.0 writes them.

Calls per region (N VPCs): DescribeVpcs, DescribeSubnets, DescribeSecurityGroups pages (bulk);
DescribeNetworkAcls (filter default=true) and DescribeRouteTables (filter association.main=true)
pages, which replace the provider's two per-VPC lookups for default_network_acl_id and
main_route_table_id; default_security_group_id comes from the security group listing. What has
no bulk form is DescribeVpcAttribute: up to 3 calls per VPC (enableDnsHostnames, enableDnsSupport,
enableNetworkAddressUsageMetrics), in a bounded thread pool; a scan makes only those its state
needs (`attribute_plan`: usually one).

Security group rules follow the provider exactly, because its read depends on the prior state:
- `ingress`/`egress` (read): AWS IpPermissions are regrouped into one object per
  (protocol, from_port, to_port, description) - every CIDR, IPv6 CIDR, prefix list and group
  with the same description lands in one object; a pair naming the group itself is `self`;
  groups of another account are `owner/sg-id`; protocol is what AWS returns ("-1", "tcp", "50");
  ports of an all-traffic permission are 0.
- `ingress`/`egress` (match): the provider's matchRules keeps the state's own grouping for every
  state object whose sources are all still present (taking AWS's description), and appends
  whatever AWS has beyond that in the grouping above.
- `aws_security_group_rule` (match only): the rule exists while every one of its sources is in
  one AWS permission of its direction with the same protocol and ports (findRuleMatch); the
  provider then rewrites the state's own values, with the description from AWS.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from driftpatch.aws.readers.common import AWS_ERRORS, name_prefix_from_name, shared_listing
from driftpatch.aws.readers.ec2 import (
    Failures,
    keep_unset,
    paginate,
    parallel,
    s,
    tag_map,
)
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    Needs,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.model import JSON
from driftpatch.typed import conform_live, conform_state

VPC_ATTRIBUTES = {
    "enableDnsHostnames": ("EnableDnsHostnames", "enable_dns_hostnames"),
    "enableDnsSupport": ("EnableDnsSupport", "enable_dns_support"),
    "enableNetworkAddressUsageMetrics": (
        "EnableNetworkAddressUsageMetrics",
        "enable_network_address_usage_metrics",
    ),
}
# Read on every VPC: Optional with a default, so a configuration that leaves it out still
# manages it (an import of an unmanaged VPC must write it when it is off).
ALWAYS_READ = frozenset({"enableDnsSupport"})
AMAZON_IPV6_POOL = "Amazon"
IPAM_MANAGED_IPV6_POOL = "IPAM Managed"
# Attributes the provider only sets when AWS returns something (otherwise state's value stays).
VPC_KEEP_UNSET = (
    "default_network_acl_id",
    "enable_dns_hostnames",
    "enable_dns_support",
    "enable_network_address_usage_metrics",
    "ipv6_ipam_pool_id",
)
SOURCE_KEYS = ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids")
# What the matchers read, typed by the schema before use (typed.py): an odd-typed value in a
# state or snapshot is refused there, never met by int()/iteration here.
RULE_SETS = ("ingress", "egress")
SG_RULE_READS = (
    "cidr_blocks",
    "description",
    "from_port",
    "ipv6_cidr_blocks",
    "prefix_list_ids",
    "protocol",
    "security_group_id",
    "self",
    "source_security_group_id",
    "to_port",
    "type",
)
# The aws_default_* type that manages each type's account-default object (derived in network.py):
# when the plain type's listing fails, the default type's is incomplete too.
DEFAULT_TYPES = {
    "aws_vpc": "aws_default_vpc",
    "aws_subnet": "aws_default_subnet",
    "aws_security_group": "aws_default_security_group",
}
PROTOCOL_NUMBERS = {"icmpv6": 58, "udp": 17, "tcp": 6, "icmp": 1, "all": -1}
UNIQUE_ID_SUFFIX = re.compile(r"[0-9A-Fa-f]{26}$")


# --------------------------------------------------------------------------- Go-compatible bits


def hashcode(text: str) -> int:
    """The provider's create.StringHashcode: CRC-32 (IEEE), non-negative on 64-bit Go."""
    return zlib.crc32(text.encode())


def set_order(values: Iterable[str]) -> list[str]:
    """The order of a Terraform SDK string set's List(): by the decimal string of its hash."""
    return sorted(set(values), key=lambda v: str(hashcode(v)))


def protocol_for_value(value: str) -> str:
    """The provider's protocolForValue: "all"/"-1" -> "-1", "6" -> "tcp", names kept."""
    protocol = value.lower()
    if protocol in ("-1", "all"):
        return "-1"
    if protocol in PROTOCOL_NUMBERS:
        return protocol
    try:
        number = int(protocol)
    except ValueError:
        return protocol
    names = [k for k, v in PROTOCOL_NUMBERS.items() if v == number]
    return names[0] if names else protocol


# --------------------------------------------------------------------------- security groups

Remote = dict[str, Any]  # a rule in the provider's gather form: keys only when set


def gather(group_id: str, permissions: Iterable[Mapping[str, Any]], owner_id: str) -> list[Remote]:
    """securityGroupIPPermGather: one rule per (protocol, from, to, description)."""
    rules: dict[str, Remote] = {}

    def init(perm: Mapping[str, Any], desc: str) -> Remote:
        protocol = s(perm.get("IpProtocol"))
        lo, hi = int(perm.get("FromPort") or 0), int(perm.get("ToPort") or 0)
        rule = rules.setdefault(f"{protocol}-{lo}-{hi}-{desc}", {})
        rule.update(protocol=protocol, from_port=lo, to_port=hi)
        if desc:
            rule["description"] = desc
        return rule

    for perm in permissions:
        for ip in perm.get("IpRanges") or ():
            init(perm, s(ip.get("Description"))).setdefault("cidr_blocks", []).append(
                s(ip.get("CidrIp"))
            )
        for ip in perm.get("Ipv6Ranges") or ():
            init(perm, s(ip.get("Description"))).setdefault("ipv6_cidr_blocks", []).append(
                s(ip.get("CidrIpv6"))
            )
        for pl in perm.get("PrefixListIds") or ():
            init(perm, s(pl.get("Description"))).setdefault("prefix_list_ids", []).append(
                s(pl.get("PrefixListId"))
            )
        for pair in perm.get("UserIdGroupPairs") or ():
            rule = init(perm, s(pair.get("Description")))
            user = s(pair.get("UserId"))
            gid = s(pair.get("GroupId"))
            if user and user != owner_id:
                gid = f"{user}/{gid}"
            if gid == group_id:
                rule["self"] = True
                continue
            rule.setdefault("security_groups", set()).add(gid)
    return list(rules.values())


def rule_object(rule: Mapping[str, Any]) -> dict[str, JSON]:
    """A gather-form rule as the state object (every attribute, zero values where unset)."""
    return {
        "cidr_blocks": list(rule.get("cidr_blocks") or ()),
        "description": str(rule.get("description") or ""),
        "from_port": int(rule.get("from_port") or 0),
        "ipv6_cidr_blocks": list(rule.get("ipv6_cidr_blocks") or ()),
        "prefix_list_ids": list(rule.get("prefix_list_ids") or ()),
        "protocol": str(rule.get("protocol") or ""),
        "security_groups": sorted(rule.get("security_groups") or ()),
        "self": bool(rule.get("self")),
        "to_port": int(rule.get("to_port") or 0),
    }


def remote_rule(obj: Mapping[str, JSON]) -> Remote:
    """The inverse of `rule_object` for a live (gathered) object."""
    rule: Remote = {
        "protocol": str(obj.get("protocol") or ""),
        "from_port": int(obj.get("from_port") or 0),
        "to_port": int(obj.get("to_port") or 0),
    }
    if obj.get("description"):
        rule["description"] = str(obj["description"])
    for key in SOURCE_KEYS:
        if obj.get(key):
            rule[key] = [str(v) for v in obj[key]]
    if obj.get("security_groups"):
        rule["security_groups"] = {str(v) for v in obj["security_groups"]}
    if obj.get("self"):
        rule["self"] = True
    return rule


def _canonical(obj: Mapping[str, JSON]) -> str:
    return json.dumps(obj, sort_keys=True)


def rule_objects(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, JSON]]:
    """A set of rule objects: duplicates collapse, order is canonical."""
    unique = {_canonical(o): o for o in map(rule_object, rules)}
    return [unique[k] for k in sorted(unique)]


def _rule_hash(rule: Mapping[str, JSON]) -> int:
    """securityGroupRuleHash: the set hash that orders the provider's local rules."""
    buf = f"{int(rule.get('from_port') or 0)}-{int(rule.get('to_port') or 0)}-"
    buf += f"{protocol_for_value(str(rule.get('protocol') or ''))}-"
    buf += f"{'true' if rule.get('self') else 'false'}-"
    for key in (*SOURCE_KEYS, "security_groups"):
        buf += "".join(f"{v}-" for v in sorted(str(x) for x in rule.get(key) or ()))
    if rule.get("description"):
        buf += f"{rule['description']}-"
    return hashcode(buf)


def _ports(protocol: object, from_port: object, to_port: object) -> tuple[int, int]:
    """(to, from) as rule matching compares them. For all traffic (-1/all) ports mean nothing:
    AWS returns none (the provider reads 0) while configurations and moto say -1, and the
    provider suppresses that difference (from_port's DiffSuppressFunc for protocol -1)."""
    if protocol_for_value(str(protocol or "")) == "-1":
        return (0, 0)
    return (int(to_port or 0), int(from_port or 0))  # type: ignore[call-overload]


def match_rules(
    direction: str, local: Sequence[Mapping[str, JSON]], remote: list[Remote]
) -> list[Any]:
    """The provider's matchRules: state objects kept where AWS still has all their sources.

    `remote` is consumed: sources claimed by a state object are removed from it, and what is
    left over is appended in gather form.
    """
    saves: list[Any] = []
    for raw in sorted(local, key=lambda r: str(_rule_hash(r))):
        rule = dict(raw)
        key = (
            direction,
            *_ports(rule.get("protocol"), rule.get("from_port"), rule.get("to_port")),
            str(rule.get("protocol") or "").lower(),
            bool(rule.get("self")),
        )
        for r in remote:
            r_key = (
                direction,
                *_ports(r["protocol"], r["from_port"], r["to_port"]),
                r["protocol"].lower(),
                bool(r.get("self")),
            )
            if r_key != key:
                continue
            lists = {k: [str(v) for v in rule.get(k) or ()] for k in SOURCE_KEYS}
            local_sgs = {str(v) for v in rule.get("security_groups") or ()}
            remote_lists = {k: list(r.get(k) or ()) for k in SOURCE_KEYS}
            remote_sgs = set(r.get("security_groups") or ())
            if any(len(lists[k]) > len(remote_lists[k]) for k in SOURCE_KEYS) or len(
                local_sgs
            ) > len(remote_sgs):
                continue
            matched = all(
                len(lists[k]) == len([v for v in set(lists[k]) if v in remote_lists[k]])
                for k in SOURCE_KEYS
            ) and len(local_sgs) == len(local_sgs & remote_sgs)
            if not matched or bool(r.get("self")) != bool(rule.get("self")):
                continue
            r.pop("self", None)
            for k in SOURCE_KEYS:
                rest = set_order(set(remote_lists[k]) - set(lists[k]))
                if rest:
                    r[k] = rest
                else:
                    r.pop(k, None)
            sgs = remote_sgs - local_sgs
            if sgs:
                r["security_groups"] = sgs
            else:
                r.pop("security_groups", None)
            if "description" in r:
                rule["description"] = r["description"]
            saves.append(rule)
    for r in remote:
        count = sum(len(r.get(k) or ()) for k in (*SOURCE_KEYS, "security_groups"))
        if count + (1 if r.get("self") else 0) > 0:
            saves.append(r)
    return saves


def match_security_group(live: Mapping[str, JSON], state: Mapping[str, JSON]) -> dict[str, JSON]:
    """The provider's read of a group given its prior state; both sides already typed by
    `conform_*` on RULE_SETS (VpcReader.match)."""
    out = dict(live)
    for direction in ("ingress", "egress"):
        remote = [remote_rule(o) for o in live.get(direction) or () if isinstance(o, Mapping)]
        local = [o for o in state.get(direction) or () if isinstance(o, Mapping)]
        out[direction] = rule_objects(match_rules(direction, local, remote))
    return out


# --------------------------------------------------------------------------- security group rules


@dataclass
class Permission:
    """An EC2 IpPermission with only what rule matching looks at."""

    protocol: str
    from_port: int | None
    to_port: int | None
    ip_ranges: list[tuple[str, str | None]] = field(default_factory=list)
    ipv6_ranges: list[tuple[str, str | None]] = field(default_factory=list)
    prefix_lists: list[tuple[str, str | None]] = field(default_factory=list)
    groups: list[tuple[str, str | None]] = field(default_factory=list)  # (group id, description)


def expand_rule(state: Mapping[str, JSON], group_id: str) -> Permission:
    """expandIPPermission: the permission an aws_security_group_rule state instance stands for."""
    protocol = protocol_for_value(str(state.get("protocol") or ""))
    lo = hi = None
    if protocol != "-1":
        lo, hi = int(state.get("from_port") or 0), int(state.get("to_port") or 0)
    perm = Permission(protocol, lo, hi)
    perm.ip_ranges = [(str(v), None) for v in state.get("cidr_blocks") or ()]
    perm.ipv6_ranges = [(str(v), None) for v in state.get("ipv6_cidr_blocks") or ()]
    perm.prefix_lists = [(str(v), None) for v in state.get("prefix_list_ids") or ()]
    self_id = ""
    if state.get("self"):
        self_id = group_id
        perm.groups.append((group_id, None))
    source = str(state.get("source_security_group_id") or "")
    if source and source != self_id:
        perm.groups.append((source.rsplit("/", 1)[-1], None))
    return perm


def permissions(objects: Iterable[Mapping[str, JSON]], group_id: str) -> list[Permission]:
    """A group's IpPermissions rebuilt from its gathered rule objects (one per protocol+ports)."""
    perms: dict[tuple[str, int, int], Permission] = {}
    for obj in objects:
        protocol = str(obj.get("protocol") or "")
        lo, hi = int(obj.get("from_port") or 0), int(obj.get("to_port") or 0)
        perm = perms.setdefault(
            (protocol, lo, hi),
            Permission(
                protocol, None if protocol == "-1" else lo, None if protocol == "-1" else hi
            ),
        )
        desc = str(obj.get("description") or "") or None
        perm.ip_ranges += [(str(v), desc) for v in obj.get("cidr_blocks") or ()]
        perm.ipv6_ranges += [(str(v), desc) for v in obj.get("ipv6_cidr_blocks") or ()]
        perm.prefix_lists += [(str(v), desc) for v in obj.get("prefix_list_ids") or ()]
        if obj.get("self"):
            perm.groups.append((group_id, desc))
        perm.groups += [(str(v).rsplit("/", 1)[-1], desc) for v in obj.get("security_groups") or ()]
    return list(perms.values())


def find_rule_match(
    p: Permission, rules: Sequence[Permission]
) -> tuple[Permission | None, str | None]:
    """findRuleMatch: the AWS permission holding every source of `p`, and the description of
    the first of `p`'s sources that has one (the provider's quirks included)."""
    found: Permission | None = None
    description: str | None = None
    for r in rules:
        if p.to_port is not None and r.to_port is not None and p.to_port != r.to_port:
            continue
        if p.from_port is not None and r.from_port is not None and p.from_port != r.from_port:
            continue
        if p.protocol != r.protocol:
            continue
        complete = True
        for mine, theirs in (
            (p.ip_ranges, r.ip_ranges),
            (p.ipv6_ranges, r.ipv6_ranges),
            (p.prefix_lists, r.prefix_lists),
            (p.groups, r.groups),
        ):
            remaining = len(mine)
            for value, _ in mine:
                for other, desc in theirs:
                    if value == other:
                        remaining -= 1
                        if desc is not None and description is None:
                            description = desc
            if remaining > 0:
                complete = False
                if theirs is r.groups:
                    description = None
                break
        if complete:
            found = r
    return found, description


def sgrule_id(group_id: str, rule_type: str, p: Permission) -> str:
    """securityGroupRuleCreateID: the `sgrule-<crc32>` id Terraform gives a rule."""
    buf = f"{group_id}-"
    if (p.from_port or 0) > 0:
        buf += f"{p.from_port}-"
    if (p.to_port or 0) > 0:
        buf += f"{p.to_port}-"
    buf += f"{p.protocol}-{rule_type}-"
    for values in (p.ip_ranges, p.ipv6_ranges, p.prefix_lists):
        buf += "".join(f"{v}-" for v in sorted(v for v, _ in values))
    buf += "".join(f"{g}--" for g in sorted(g for g, _ in p.groups))
    return f"sgrule-{hashcode(buf)}"


def match_security_group_rule(
    state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
) -> LiveResource | None:
    state = conform_state("aws_security_group_rule", state_attributes, SG_RULE_READS)
    group_id = str(state.get("security_group_id") or "")
    group = live.get("aws_security_group", group_id)
    direction = str(state.get("type") or "")
    if group is None or direction not in ("ingress", "egress"):
        return None
    perm = expand_rule(state, group_id)
    group_attrs = conform_live(group, (direction,))
    objects = [o for o in group_attrs.get(direction) or () if isinstance(o, Mapping)]
    rule, description = find_rule_match(perm, permissions(objects, group_id))
    if rule is None:
        return None
    attrs = dict(state)
    attrs.update(
        protocol=perm.protocol,
        from_port=perm.from_port or 0,
        to_port=perm.to_port or 0,
        type=direction,
    )
    if description is not None:
        attrs["description"] = description
    # security_group_rule_id (computed-only) comes from DescribeSecurityGroupRules in the
    # provider; the reader does not make that per-rule lookup and carries the state's value.
    rid = sgrule_id(group_id, direction, perm) if "_" in state_id else state_id
    attrs["id"] = rid
    return LiveResource("aws_security_group_rule", rid, group.region, attrs)


# --------------------------------------------------------------------------- VPCs and subnets


def _ipv6(vpc: Mapping[str, Any]) -> dict[str, JSON]:
    """The provider's defaultIPv6CIDRBlockAssociation (last associated block, or none)."""
    assoc: Mapping[str, Any] = {}
    for candidate in vpc.get("Ipv6CidrBlockAssociationSet") or ():
        if (candidate.get("Ipv6CidrBlockState") or {}).get("State") == "associated":
            assoc = candidate
    cidr = s(assoc.get("Ipv6CidrBlock"))
    pool = s(assoc.get("Ipv6Pool"))
    amazon = pool == AMAZON_IPV6_POOL
    netmask = 0
    if pool and not amazon and "/" in cidr:
        netmask = int(cidr.rsplit("/", 1)[1])
    return {
        "assign_generated_ipv6_cidr_block": amazon,
        "ipv6_association_id": s(assoc.get("AssociationId")),
        "ipv6_cidr_block": cidr,
        "ipv6_cidr_block_network_border_group": s(assoc.get("NetworkBorderGroup")),
        # An IPAM-managed pool: the provider keeps the configured pool id.
        "ipv6_ipam_pool_id": None if pool == IPAM_MANAGED_IPV6_POOL else ("" if amazon else pool),
        "ipv6_netmask_length": netmask,
    }


def subnet_attributes(subnet: Mapping[str, Any]) -> dict[str, JSON]:
    tags = tag_map(subnet.get("Tags"))
    ipv6: Mapping[str, Any] = next(
        (
            a
            for a in subnet.get("Ipv6CidrBlockAssociationSet") or ()
            if (a.get("Ipv6CidrBlockState") or {}).get("State") == "associated"
        ),
        {},
    )
    dns = subnet.get("PrivateDnsNameOptionsOnLaunch") or {}
    return {
        "arn": s(subnet.get("SubnetArn")),
        "assign_ipv6_address_on_creation": bool(subnet.get("AssignIpv6AddressOnCreation")),
        "availability_zone": s(subnet.get("AvailabilityZone")),
        "availability_zone_id": s(subnet.get("AvailabilityZoneId")),
        "cidr_block": s(subnet.get("CidrBlock")),
        "customer_owned_ipv4_pool": s(subnet.get("CustomerOwnedIpv4Pool")),
        "enable_dns64": bool(subnet.get("EnableDns64")),
        "enable_lni_at_device_index": int(subnet.get("EnableLniAtDeviceIndex") or 0),
        "enable_resource_name_dns_a_record_on_launch": bool(
            dns.get("EnableResourceNameDnsARecord")
        ),
        "enable_resource_name_dns_aaaa_record_on_launch": bool(
            dns.get("EnableResourceNameDnsAAAARecord")
        ),
        "id": s(subnet.get("SubnetId")),
        "ipv6_cidr_block": s(ipv6.get("Ipv6CidrBlock")),
        "ipv6_cidr_block_association_id": s(ipv6.get("AssociationId")),
        "ipv6_native": bool(subnet.get("Ipv6Native")),
        "map_customer_owned_ip_on_launch": bool(subnet.get("MapCustomerOwnedIpOnLaunch")),
        "map_public_ip_on_launch": bool(subnet.get("MapPublicIpOnLaunch")),
        "outpost_arn": s(subnet.get("OutpostArn")),
        "owner_id": s(subnet.get("OwnerId")),
        "private_dns_hostname_type_on_launch": s(dns.get("HostnameType")),
        "tags": tags,
        "tags_all": dict(tags),
        "vpc_id": s(subnet.get("VpcId")),
    }


def security_group_attributes(
    group: Mapping[str, Any], *, partition: str, region: str
) -> dict[str, JSON]:
    gid, owner = s(group.get("GroupId")), s(group.get("OwnerId"))
    tags = tag_map(group.get("Tags"))
    return {
        "arn": f"arn:{partition}:ec2:{region}:{owner}:security-group/{gid}",
        "description": s(group.get("Description")),
        "egress": rule_objects(gather(gid, group.get("IpPermissionsEgress") or (), owner)),
        "id": gid,
        "ingress": rule_objects(gather(gid, group.get("IpPermissions") or (), owner)),
        "name": s(group.get("GroupName")),
        "name_prefix": name_prefix_from_name(s(group.get("GroupName"))),
        "owner_id": owner,
        "tags": tags,
        "tags_all": dict(tags),
        "vpc_id": s(group.get("VpcId")),
    }


def attribute_plan(needs: Needs | None) -> Callable[[str], Iterable[str]]:
    """VPC id -> the DescribeVpcAttribute calls a scan needs for it (all three without `needs`).

    enable_dns_hostnames and enable_network_address_usage_metrics are Optional+Computed: a
    configuration that leaves them out does not manage them (`terraform plan` would not
    revert a change), and a state that holds them false is such a configuration's, so they are
    read only where the state holds them true, or for an aws_default_vpc (read whole, as
    network.py shapes it). enable_dns_support (ALWAYS_READ) is read on every VPC. An
    attribute not read is None, which `match` leaves at the state's value (VPC_KEEP_UNSET)."""
    if needs is None:
        return lambda _vid: VPC_ATTRIBUTES
    managed = needs.of_type("aws_vpc")
    whole = frozenset(needs.of_type(DEFAULT_TYPES["aws_vpc"]))

    def plan(vid: str) -> Iterable[str]:
        if vid in whole:
            return VPC_ATTRIBUTES
        state = managed.get(vid, {})
        return [
            name
            for name, (_key, attr) in VPC_ATTRIBUTES.items()
            if name in ALWAYS_READ or state.get(attr) is True
        ]

    return plan


class VpcReader(Reader):
    """VPCs, subnets and security groups in bulk; security group rules derived from state."""

    types: ClassVar[tuple[str, ...]] = (
        "aws_vpc",
        "aws_subnet",
        "aws_security_group",
        "aws_security_group_rule",
    )
    service: ClassVar[str] = "ec2"
    derived_types: ClassVar[frozenset[str]] = frozenset({"aws_security_group_rule"})
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        # IPAM allocation inputs: the provider never reads them back.
        "aws_vpc": frozenset({"ipv4_ipam_pool_id", "ipv4_netmask_length"}),
        "aws_subnet": frozenset({"timeouts"}),
        "aws_security_group": frozenset({"revoke_rules_on_delete", "timeouts"}),
        "aws_security_group_rule": frozenset({"timeouts"}),
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        result = self._read(ctx)
        defaults = {DEFAULT_TYPES[t] for t in result.incomplete_types if t in DEFAULT_TYPES}
        return replace(result, incomplete_types=result.incomplete_types | defaults)

    def _read(self, ctx: ReadContext) -> ReadResult:
        client = ctx.client("ec2")
        partition = str(getattr(client.meta, "partition", "aws") or "aws")
        failures = Failures(f"{self.service}/{ctx.region}")
        out: list[LiveResource] = []

        default_groups: dict[str, str] = {}
        try:
            for group in paginate(client, "describe_security_groups", "SecurityGroups"):
                attrs = security_group_attributes(group, partition=partition, region=ctx.region)
                is_default = attrs["name"] == "default"
                if is_default and attrs["vpc_id"]:
                    default_groups[str(attrs["vpc_id"])] = str(attrs["id"])
                out.append(
                    LiveResource(
                        "aws_security_group", str(attrs["id"]), ctx.region, attrs, is_default
                    )
                )
        except AWS_ERRORS as exc:
            failures.add(exc, "aws_security_group", "aws_security_group_rule", "aws_vpc")

        try:
            out.extend(
                LiveResource(
                    "aws_subnet",
                    str(sub["SubnetId"]),
                    ctx.region,
                    subnet_attributes(sub),
                    bool(sub.get("DefaultForAz")),
                )
                for sub in paginate(client, "describe_subnets", "Subnets")
            )
        except AWS_ERRORS as exc:
            failures.add(exc, "aws_subnet")

        try:
            vpcs = paginate(client, "describe_vpcs", "Vpcs")
        except AWS_ERRORS as exc:
            failures.add(exc, "aws_vpc")
            return failures.result(out)
        plan = attribute_plan(ctx.needs)
        out.extend(
            self._vpcs(ctx, client, vpcs, default_groups, failures, partition, ctx.region, plan)
        )
        return failures.result(out)

    def _vpcs(
        self,
        ctx: ReadContext,
        client: Any,
        vpcs: list[Mapping[str, Any]],
        default_groups: Mapping[str, str],
        failures: Failures,
        partition: str,
        region: str,
        plan: Callable[[str], Iterable[str]],
    ) -> list[LiveResource]:
        if not vpcs:
            return []
        nacls: dict[str, str] = {}
        main_tables: dict[str, str] = {}
        try:
            # The network reader lists every ACL and route table of the region anyway: the
            # default ACLs and main tables are picked from that one read (`shared_listing`).
            for acl in shared_listing(ctx, "ec2", "describe_network_acls", "NetworkAcls"):
                if acl.get("IsDefault"):
                    nacls.setdefault(s(acl.get("VpcId")), s(acl.get("NetworkAclId")))
            for table in shared_listing(ctx, "ec2", "describe_route_tables", "RouteTables"):
                if any(a.get("Main") for a in table.get("Associations") or ()):
                    main_tables.setdefault(s(table.get("VpcId")), s(table.get("RouteTableId")))
        except AWS_ERRORS as exc:
            failures.add(exc, "aws_vpc")
        calls = [(str(v["VpcId"]), name) for v in vpcs for name in plan(str(v["VpcId"]))]
        results = parallel(
            lambda call: client.describe_vpc_attribute(VpcId=call[0], Attribute=call[1]), calls
        )
        flags: dict[str, dict[str, JSON]] = {}
        for (vid, name), result in zip(calls, results, strict=True):
            if isinstance(result, Exception):
                failures.add(result, "aws_vpc")
                continue
            key, attr = VPC_ATTRIBUTES[name]
            value = (result.get(key) or {}).get("Value")
            flags.setdefault(vid, {})[attr] = bool(value) if value is not None else None
        out: list[LiveResource] = []
        for vpc in vpcs:
            vid, owner = str(vpc["VpcId"]), s(vpc.get("OwnerId"))
            tags = tag_map(vpc.get("Tags"))
            attrs: dict[str, JSON] = {
                "arn": f"arn:{partition}:ec2:{region}:{owner}:vpc/{vid}",
                "cidr_block": s(vpc.get("CidrBlock")),
                "default_network_acl_id": nacls.get(vid),
                "default_route_table_id": main_tables.get(vid, ""),
                "default_security_group_id": default_groups.get(vid, ""),
                "dhcp_options_id": s(vpc.get("DhcpOptionsId")),
                "id": vid,
                "instance_tenancy": s(vpc.get("InstanceTenancy")),
                "main_route_table_id": main_tables.get(vid, ""),
                "owner_id": owner,
                "tags": tags,
                "tags_all": dict(tags),
            }
            for _key, attr in VPC_ATTRIBUTES.values():
                attrs[attr] = flags.get(vid, {}).get(attr)
            attrs.update(_ipv6(vpc))
            out.append(
                LiveResource(
                    "aws_vpc", vid, region, dict(sorted(attrs.items())), bool(vpc.get("IsDefault"))
                )
            )
        return out

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        if type_ == "aws_security_group_rule":
            return match_security_group_rule(state_id, state_attributes, live)
        found = live.get(type_, state_id)
        if found is None:
            return None
        if type_ == "aws_security_group":
            attrs = match_security_group(
                conform_live(found, RULE_SETS), conform_state(type_, state_attributes, RULE_SETS)
            )
        elif type_ == "aws_vpc":
            attrs = keep_unset(found.attributes, state_attributes, VPC_KEEP_UNSET)
        else:
            return found
        return LiveResource(found.type, found.id, found.region, attrs, found.account_default)
