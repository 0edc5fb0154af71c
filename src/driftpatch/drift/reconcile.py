"""Inline vs separate resources: one setting, two places in state.

A bucket's versioning can live inline (`aws_s3_bucket.versioning`, v3-provider states) or in an
`aws_s3_bucket_versioning`; a security group's rules inline (`ingress`) or as
`aws_security_group_rule`s; a role's policies inline (`managed_policy_arns`, `inline_policy`) or
as attachments. After an apply, the parent's copy in state is stale (written before the
separate resources existed), and after a refresh it also shows what the separate resources
manage. Comparing it as-is reports the same change twice, or phantom changes (Terraform's own
refresh-only plan does). So: where a separate resource in state owns a setting, the parent's
copy is not compared; for rule/policy sets, the entries owned elsewhere are removed from both
sides and the rest is compared. The same holds for a route table's routes (`route` vs
`aws_route`), and for an EIP whose association a NAT gateway or an `aws_eip_association` in
state makes (its `instance`/`network_interface` are then that resource's doing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from driftpatch.model import JSON

# Split S3 resource type -> the aws_s3_bucket attributes it owns.
S3_SPLIT: Mapping[str, tuple[str, ...]] = {
    "aws_s3_bucket_versioning": ("versioning",),
    "aws_s3_bucket_server_side_encryption_configuration": ("server_side_encryption_configuration",),
    "aws_s3_bucket_policy": ("policy",),
    "aws_s3_bucket_acl": ("acl", "grant"),
    "aws_s3_bucket_logging": ("logging",),
    "aws_s3_bucket_lifecycle_configuration": ("lifecycle_rule",),
    "aws_s3_bucket_cors_configuration": ("cors_rule",),
    "aws_s3_bucket_website_configuration": ("website",),
    "aws_s3_bucket_replication_configuration": ("replication_configuration",),
    "aws_s3_bucket_object_lock_configuration": ("object_lock_configuration",),
    "aws_s3_bucket_request_payment_configuration": ("request_payer",),
    "aws_s3_bucket_accelerate_configuration": ("acceleration_status",),
}
_ROUTE_DESTINATIONS = (
    "destination_cidr_block",
    "destination_ipv6_cidr_block",
    "destination_prefix_list_id",
)
_TABLE_ROUTE_DESTINATIONS = ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")
_TABLE_TYPES = ("aws_route_table", "aws_default_route_table")
# What an association made by another resource changes on the EIP (the provider reads it back).
_EIP_ASSOCIATION = ("instance", "network_interface", "associate_with_private_ip")
_SOURCE_KEYS = ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups")
_PROTOCOLS = {"-1": "-1", "all": "-1", "tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}


def _protocol(value: JSON) -> str:
    text = str(value).lower()
    return _PROTOCOLS.get(text, text)


@dataclass(frozen=True)
class RuleSources:
    """The sources one separately managed rule adds to (direction, protocol, from, to)."""

    direction: str
    protocol: str
    from_port: int
    to_port: int
    sources: frozenset[tuple[str, str]]  # ("cidr_blocks", "10.0.0.0/8"), ("self", "true")

    def key(self) -> tuple[str, str, int, int]:
        return (self.direction, self.protocol, self.from_port, self.to_port)


def _port(value: JSON) -> int:
    """A port number; anything else (a hand-edited state or plan) counts as 0, not a crash."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return 0
    return 0


def _ports(attrs: Mapping[str, JSON]) -> tuple[int, int]:
    return _port(attrs.get("from_port")), _port(attrs.get("to_port"))


def _rule_from_sg_rule(attrs: Mapping[str, JSON]) -> RuleSources:
    sources: set[tuple[str, str]] = set()
    for key in ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"):
        values = attrs.get(key)
        if isinstance(values, list):
            sources.update((key, str(v)) for v in values)
    if attrs.get("source_security_group_id"):
        sources.add(("security_groups", str(attrs["source_security_group_id"])))
    if attrs.get("self"):
        sources.add(("self", "true"))
    protocol = _protocol(attrs.get("protocol"))
    # all traffic: ports mean nothing (configurations say -1, AWS returns none, read as 0)
    lo, hi = (0, 0) if protocol == "-1" else _ports(attrs)
    return RuleSources(str(attrs.get("type")), protocol, lo, hi, frozenset(sources))


def _rule_from_vpc_rule(direction: str, attrs: Mapping[str, JSON]) -> RuleSources:
    """aws_vpc_security_group_{ingress,egress}_rule: one source each."""
    pairs = (
        ("cidr_ipv4", "cidr_blocks"),
        ("cidr_ipv6", "ipv6_cidr_blocks"),
        ("prefix_list_id", "prefix_list_ids"),
        ("referenced_security_group_id", "security_groups"),
    )
    sources = frozenset((key, str(attrs[src])) for src, key in pairs if attrs.get(src))
    protocol = _protocol(attrs.get("ip_protocol"))
    lo, hi = (0, 0) if protocol == "-1" else _ports(attrs)
    return RuleSources(direction, protocol, lo, hi, sources)


@dataclass(frozen=True)
class Owners:
    """What separately managed resources in state own, indexed by their parent."""

    s3: Mapping[str, frozenset[str]] = field(default_factory=dict)  # bucket -> inline attrs
    sg_rules: Mapping[str, tuple[RuleSources, ...]] = field(default_factory=dict)  # sg id
    role_arns: Mapping[str, frozenset[str]] = field(default_factory=dict)  # role -> policy arns
    role_inline: Mapping[str, frozenset[str]] = field(default_factory=dict)  # role -> names
    # route table id -> destinations of its aws_route resources
    routes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # EIP allocation ids another resource associates (a NAT gateway, aws_eip_association)
    eip_associated: frozenset[str] = frozenset()
    # network ACL id -> (direction, rule number) of its aws_network_acl_rule resources, and
    # the subnets its aws_network_acl_association resources attach
    nacl_rules: Mapping[str, frozenset[tuple[str, int]]] = field(default_factory=dict)
    nacl_subnets: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_state(cls, instances: Iterable[tuple[str, Mapping[str, JSON]]]) -> Owners:
        s3: dict[str, set[str]] = {}
        rules: dict[str, list[RuleSources]] = {}
        arns: dict[str, set[str]] = {}
        inline: dict[str, set[str]] = {}
        routes: dict[str, set[str]] = {}
        eips: set[str] = set()
        nacl_rules: dict[str, set[tuple[str, int]]] = {}
        nacl_subnets: dict[str, set[str]] = {}
        for type_, attrs in instances:
            if type_ in S3_SPLIT and attrs.get("bucket"):
                s3.setdefault(str(attrs["bucket"]), set()).update(S3_SPLIT[type_])
            elif type_ == "aws_security_group_rule" and attrs.get("security_group_id"):
                rules.setdefault(str(attrs["security_group_id"]), []).append(
                    _rule_from_sg_rule(attrs)
                )
            elif type_ in (
                "aws_vpc_security_group_ingress_rule",
                "aws_vpc_security_group_egress_rule",
            ) and attrs.get("security_group_id"):
                direction = "ingress" if type_.endswith("ingress_rule") else "egress"
                rules.setdefault(str(attrs["security_group_id"]), []).append(
                    _rule_from_vpc_rule(direction, attrs)
                )
            elif type_ == "aws_iam_role_policy_attachment" and attrs.get("role"):
                arns.setdefault(str(attrs["role"]), set()).add(str(attrs.get("policy_arn")))
            elif type_ == "aws_iam_role_policy" and attrs.get("role"):
                inline.setdefault(str(attrs["role"]), set()).add(str(attrs.get("name")))
            elif type_ == "aws_route" and attrs.get("route_table_id"):
                destination = next((str(attrs[k]) for k in _ROUTE_DESTINATIONS if attrs.get(k)), "")
                routes.setdefault(str(attrs["route_table_id"]), set()).add(destination)
            elif type_ in ("aws_nat_gateway", "aws_eip_association"):
                eips.update(_allocations(attrs))
            elif type_ == "aws_network_acl_rule" and attrs.get("network_acl_id"):
                direction = "egress" if attrs.get("egress") is True else "ingress"
                nacl_rules.setdefault(str(attrs["network_acl_id"]), set()).add(
                    (direction, _port(attrs.get("rule_number")))
                )
            elif type_ == "aws_network_acl_association" and attrs.get("network_acl_id"):
                nacl_subnets.setdefault(str(attrs["network_acl_id"]), set()).add(
                    str(attrs.get("subnet_id"))
                )
        return cls(
            {k: frozenset(v) for k, v in s3.items()},
            {k: tuple(v) for k, v in rules.items()},
            {k: frozenset(v) for k, v in arns.items()},
            {k: frozenset(v) for k, v in inline.items()},
            {k: frozenset(v) for k, v in routes.items()},
            frozenset(eips),
            {k: frozenset(v) for k, v in nacl_rules.items()},
            {k: frozenset(v) for k, v in nacl_subnets.items()},
        )


def _without_rules(elements: JSON, direction: str, owned: tuple[RuleSources, ...]) -> JSON:
    """Security group `ingress`/`egress` elements minus the sources separate rules own."""
    if not isinstance(elements, list):
        return elements
    by_key: dict[tuple[str, str, int, int], set[tuple[str, str]]] = {}
    for rule in owned:
        if rule.direction == direction:
            by_key.setdefault(rule.key(), set()).update(rule.sources)
    out: list[Any] = []
    for element in elements:
        if not isinstance(element, Mapping):
            out.append(element)
            continue
        lo, hi = _ports(element)
        proto = _protocol(element.get("protocol"))
        if proto == "-1":
            lo, hi = 0, 0
        taken = by_key.get((direction, proto, lo, hi), set())
        if not taken:
            out.append(element)
            continue
        kept = dict(element)
        for key in _SOURCE_KEYS:
            values = element.get(key)
            # Not a list (a hand-edited plan's `cidr_blocks = 5`): kept as it is, and compared.
            if isinstance(values, list):
                kept[key] = [v for v in values if (key, str(v)) not in taken]
        if ("self", "true") in taken:
            kept["self"] = False
        if any(kept.get(k) for k in _SOURCE_KEYS) or kept.get("self"):
            out.append(kept)
    return out


def _allocations(attrs: Mapping[str, JSON]) -> set[str]:
    out = {str(attrs["allocation_id"])} if attrs.get("allocation_id") else set()
    secondary = attrs.get("secondary_allocation_ids")
    if isinstance(secondary, list):
        out.update(str(v) for v in secondary if v)
    return out


def _without_entries(elements: JSON, direction: str, owned: frozenset[tuple[str, int]]) -> JSON:
    """A network ACL's entries minus those aws_network_acl_rule resources own (by number)."""
    if not isinstance(elements, list):
        return elements
    return [
        e
        for e in elements
        if not (isinstance(e, Mapping) and (direction, _port(e.get("rule_no"))) in owned)
    ]


def _without_routes(elements: JSON, owned: frozenset[str]) -> JSON:
    """A route table's `route` elements minus the destinations aws_route resources own."""
    if not isinstance(elements, list):
        return elements
    return [
        e
        for e in elements
        if not (
            isinstance(e, Mapping)
            and any(str(e.get(k) or "") in owned for k in _TABLE_ROUTE_DESTINATIONS if e.get(k))
        )
    ]


def _without(values: JSON, owned: frozenset[str], key: str | None = None) -> JSON:
    if not isinstance(values, list):
        return values
    if key is None:
        return [v for v in values if str(v) not in owned]
    return [v for v in values if not (isinstance(v, Mapping) and str(v.get(key)) in owned)]


def reconcile(
    type_: str,
    expected: Mapping[str, JSON],
    actual: Mapping[str, JSON],
    owners: Owners,
) -> tuple[dict[str, JSON], dict[str, JSON], frozenset[str]]:
    """(state attrs, live attrs, attributes not to compare) for one resource instance."""
    want, have = dict(expected), dict(actual)
    skip: set[str] = set()
    if type_ == "aws_s3_bucket":
        skip.update(owners.s3.get(str(want.get("bucket") or want.get("id")), ()))
    elif type_ in _TABLE_TYPES:
        owned_routes = owners.routes.get(str(want.get("id")), frozenset())
        if owned_routes:
            want["route"] = _without_routes(want.get("route"), owned_routes)
            have["route"] = _without_routes(have.get("route"), owned_routes)
    elif type_ in ("aws_network_acl", "aws_default_network_acl"):
        acl = str(want.get("id"))
        rules = owners.nacl_rules.get(acl, frozenset())
        for direction in ("ingress", "egress") if rules else ():
            want[direction] = _without_entries(want.get(direction), direction, rules)
            have[direction] = _without_entries(have.get(direction), direction, rules)
        subnets = owners.nacl_subnets.get(acl, frozenset())
        if subnets:
            want["subnet_ids"] = _without(want.get("subnet_ids"), subnets)
            have["subnet_ids"] = _without(have.get("subnet_ids"), subnets)
    elif type_ == "aws_eip":
        if str(want.get("allocation_id") or want.get("id")) in owners.eip_associated:
            skip.update(_EIP_ASSOCIATION)
    elif type_ in ("aws_security_group", "aws_default_security_group"):
        owned = owners.sg_rules.get(str(want.get("id")), ())
        if owned:
            for direction in ("ingress", "egress"):
                want[direction] = _without_rules(want.get(direction), direction, owned)
                have[direction] = _without_rules(have.get(direction), direction, owned)
    elif type_ == "aws_iam_role":
        role = str(want.get("name") or want.get("id"))
        arns = owners.role_arns.get(role, frozenset())
        if arns:
            want["managed_policy_arns"] = _without(want.get("managed_policy_arns"), arns)
            have["managed_policy_arns"] = _without(have.get("managed_policy_arns"), arns)
        names = owners.role_inline.get(role, frozenset())
        if names:
            want["inline_policy"] = _without(want.get("inline_policy"), names, "name")
            have["inline_policy"] = _without(have.get("inline_policy"), names, "name")
    return want, have, frozenset(skip)
