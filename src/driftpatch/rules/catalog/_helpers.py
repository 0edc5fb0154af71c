"""Shared reading helpers for catalogue rules: policy statements, security-group openings,
partner resources. Pure functions of subjects; every one treats UNKNOWN as "cannot say"."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from driftpatch.drift.policy import parse_policy
from driftpatch.model import JSON
from driftpatch.rules.interface import UNKNOWN, Origin, Subject, World

WORLD_CIDRS = ("0.0.0.0/0", "::/0")
# Every resource type that can carry an ingress permission.
SG_TYPES = (
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
)
# Separate rule resources and the side of their group each adds a rule to (None: the older
# resource's own `type` says which).
SEPARATE_RULES: Mapping[str, str | None] = {
    "aws_security_group_rule": None,
    "aws_vpc_security_group_ingress_rule": "ingress",
    "aws_vpc_security_group_egress_rule": "egress",
}
_PROTOCOLS = {"-1": "-1", "all": "-1", "tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}


def known(value: JSON) -> bool:
    return value is not UNKNOWN


def given(value: JSON) -> bool:
    """Set to something, possibly not known yet (UNKNOWN is falsy: do not test it with `if`)."""
    return value is UNKNOWN or value not in (None, "", [], {})


def as_list(value: JSON) -> list[Any]:
    """A string-or-list IAM value as a list; UNKNOWN and None as []."""
    if value is None or value is UNKNOWN:
        return []
    return list(value) if isinstance(value, list) else [value]


def blocks(value: JSON) -> list[Mapping[str, Any]]:
    """A nested-block value as its list of objects ([] when absent or UNKNOWN)."""
    if not isinstance(value, list):
        return []
    return [b for b in value if isinstance(b, Mapping)]


# -- Policies ---------------------------------------------------------------------------------


def statements(policy: JSON) -> list[Mapping[str, Any]]:
    """The statements of a policy document (JSON text or decoded data); [] if unreadable."""
    if policy is UNKNOWN:
        return []
    doc = parse_policy(policy)
    if not isinstance(doc, Mapping):
        return []
    stmts = doc.get("Statement")
    items = stmts if isinstance(stmts, list) else [stmts]
    return [s for s in items if isinstance(s, Mapping)]


def allows(stmt: Mapping[str, Any]) -> bool:
    return stmt.get("Effect") == "Allow"


def any_principal(principal: Any) -> bool:
    """Principal "*", {"AWS": "*"}, or a list holding "*": anyone at all."""
    if principal == "*":
        return True
    if isinstance(principal, list):
        return "*" in principal
    if isinstance(principal, Mapping):
        return any("*" in as_list(v) for k, v in principal.items() if k == "AWS")
    return False


def unconditioned(stmt: Mapping[str, Any]) -> bool:
    """No Condition restricts the statement (an UNKNOWN condition counts as restricting)."""
    condition = stmt.get("Condition")
    return condition is None or condition == {}


# Condition keys that narrow who may act, or from where, to a set the owner controls.
_RESTRICTING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:vpceaccount",
        "aws:userid",
        "aws:sourceip",
        "aws:vpcsourceip",
    }
)
_POSITIVE_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
_OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})


def restricted(stmt: Mapping[str, Any]) -> bool:
    """A Condition limits the statement to principals or sources the owner controls: a
    positive operator (StringEquals, StringLike, ArnEquals, ArnLike, IpAddress; not a negated
    one, not ...IfExists, not ForAllValues:, which hold when the key is absent) on a key such
    as aws:SourceArn, aws:SourceAccount, aws:SourceVpc(e), aws:PrincipalOrgID,
    aws:PrincipalAccount or aws:PrincipalArn, with concrete values: no wildcard account
    (`arn:aws:iam::*` allows every account), no `*`, no 0.0.0.0/0. Any other condition
    (aws:SecureTransport, aws:UserAgent, aws:Referer, ...) lets anyone through who meets it.
    An UNKNOWN condition or value counts as restricting: never a finding on an unknown."""
    condition = stmt.get("Condition")
    if condition is None or condition == {}:
        return False
    if not isinstance(condition, Mapping):
        return True  # UNKNOWN, or a shape we cannot read
    for operator, tests in condition.items():
        if not isinstance(operator, str):
            continue
        if tests is UNKNOWN:
            return True
        if not isinstance(tests, Mapping):
            continue
        op = operator.lower()
        if op.startswith("forallvalues:"):
            continue
        op = op.removeprefix("foranyvalue:")
        if op not in _POSITIVE_OPERATORS:
            continue  # negated, IfExists, Bool, Null, numeric, date: no restriction
        for key, values in tests.items():
            if not isinstance(key, str) or key.lower() not in _RESTRICTING_KEYS:
                continue
            items = as_list(values) if values is not UNKNOWN else [UNKNOWN]
            if items and all(_concrete(key.lower(), v) for v in items):
                return True
    return False


def _concrete(key: str, value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if not isinstance(value, str) or not value or value == "*":
        return False
    if key in ("aws:sourceip", "aws:vpcsourceip"):
        return value not in _OPEN_CIDRS and not value.endswith("/0") and "*" not in value
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        if len(parts) < 6:
            return False
        account, resource = parts[4], parts[5]
        if account:
            return not any(c in account for c in "*?")
        return bool(resource) and not resource.startswith(("*", "?"))
    return not any(c in value for c in "*?")


def label(stmt: Mapping[str, Any], index: int) -> str:
    sid = stmt.get("Sid")
    return f'"{sid}"' if isinstance(sid, str) and sid else f"#{index + 1}"


# -- Partner resources ------------------------------------------------------------------------


@dataclass(frozen=True)
class Partners:
    found: tuple[Subject, ...]
    # Some resource of the type may point at this subject without our being able to tell
    # (see `partners`), so its absence cannot be concluded.
    undecided: bool

    def __bool__(self) -> bool:
        return bool(self.found)


def partners(
    world: World,
    type_: str,
    subject: Subject,
    attribute: str = "bucket",
    keys: Sequence[str] = ("id", "bucket"),
) -> Partners:
    """The resources of `type_` whose `attribute` names `subject` (by value, or by reference
    to its instance or block), and whether another one might.

    Which unknown may name the subject (issue 11: one `bucket = var.x` silenced every bucket):
    - a reference (`aws_s3_bucket.b.id`, `each.value.id`) names exactly what it refers to;
    - in code, any other unknown is a value decided outside the configuration (a variable
      without a value, a data source). It may name a subject whose own name is decided
      outside too (unknown, not a reference), and no other: a resource this configuration
      creates under a name it writes, or lets AWS choose, is named by a reference, since
      Terraform could not otherwise order the two. Likewise a known value that names no
      subject of this configuration may name one whose name is unknown;
    - on live, state and plan values, an unknown (a failed read, a value known after apply
      that we cannot trace) may name anything, as before.
    """
    found = world.linked(type_, subject, attribute, keys)
    if type_ in subject.unread:  # the subject's read of this partner failed
        return Partners(found, True)
    if found:
        return Partners(found, False)
    others = [s for s in world.of_type(type_) if attribute not in s.refs]
    if subject.origin is not Origin.CODE:
        return Partners(found, any(s.get(attribute) is UNKNOWN for s in others))
    if not _named_outside(subject, keys):
        return Partners(found, False)
    known = _known_names(world, subject.type, keys)
    undecided = any(
        (v := s.get(attribute)) is UNKNOWN or (isinstance(v, str | int) and v not in known)
        for s in others
    )
    return Partners(found, undecided)


def _named_outside(subject: Subject, keys: Sequence[str]) -> bool:
    """In code: the subject's name is an unknown that is not a reference (a variable without
    a value, a data source), so a value given elsewhere may be it."""
    return any(subject.get(k) is UNKNOWN and k not in subject.refs for k in keys)


def _known_names(world: World, type_: str, keys: Sequence[str]) -> set[str | int]:
    return {v for s in world.of_type(type_) for k in keys if isinstance(v := s.get(k), str | int)}


# -- Security groups --------------------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    """One ingress permission that admits the whole internet."""

    attribute: str  # where it is written: "ingress", "cidr_blocks", "cidr_ipv4"
    protocol: str  # "-1" (all), "6" (tcp), "17" (udp), ...
    from_port: int
    to_port: int
    cidrs: tuple[str, ...]  # the world-open ones among the sources

    @property
    def all_traffic(self) -> bool:
        """Every protocol, or every port of a protocol."""
        return self.protocol == "-1" or (self.from_port <= 1 and self.to_port >= 65535)

    def permission(self, cidr: str) -> tuple[str, int, int, str]:
        return (self.protocol, self.from_port, self.to_port, cidr)

    def covers(self, port: int) -> bool:
        """Reaches `port` over TCP or UDP (an all-traffic opening covers every port)."""
        if self.protocol == "-1":
            return True
        return self.protocol in ("6", "17") and self.from_port <= port <= self.to_port


def protocol(value: JSON) -> str:
    text = str(value).lower()
    return _PROTOCOLS.get(text, text)


def _port(value: JSON, default: int) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _world(values: JSON) -> tuple[str, ...]:
    return tuple(c for c in as_list(values) if c in WORLD_CIDRS)


def openings(subject: Subject, world: World | None = None) -> Iterator[Opening]:
    """World-open ingress permissions of a security group or rule, whatever its resource
    type; permissions with UNKNOWN protocol or ports are skipped (cannot say). A group's
    inline copy of a permission that a separate rule resource in `world` manages is left to
    that resource (state refreshed after apply shows it in both places)."""
    a = subject.attributes
    if subject.type in ("aws_security_group", "aws_default_security_group"):
        owned = _separately_managed(subject, world) if world is not None else set()
        for entry in blocks(a.get("ingress")):
            for attr in ("cidr_blocks", "ipv6_cidr_blocks"):
                for o in _opening("ingress", entry, _world(entry.get(attr))):
                    free = tuple(c for c in o.cidrs if o.permission(c) not in owned)
                    if free:
                        yield replace(o, cidrs=free)
    elif subject.type == "aws_security_group_rule":
        if a.get("type") != "ingress":
            return
        for attr in ("cidr_blocks", "ipv6_cidr_blocks"):
            yield from _opening(attr, a, _world(a.get(attr)))
    elif subject.type == "aws_vpc_security_group_ingress_rule":
        for attr in ("cidr_ipv4", "cidr_ipv6"):
            cidr = a.get(attr)
            if cidr in WORLD_CIDRS:
                yield from _opening(attr, a, (str(cidr),), protocol_key="ip_protocol")


def _separately_managed(group: Subject, world: World) -> set[tuple[str, int, int, str]]:
    owned: set[tuple[str, int, int, str]] = set()
    for type_ in ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule"):
        for rule in world.linked(type_, group, "security_group_id"):
            owned.update(o.permission(c) for o in openings(rule) for c in o.cidrs)
    return owned


def _opening(
    attribute: str,
    entry: Mapping[str, Any],
    cidrs: tuple[str, ...],
    protocol_key: str = "protocol",
) -> Iterator[Opening]:
    if not cidrs:
        return
    proto = entry.get(protocol_key)
    if proto is UNKNOWN or proto is None:
        return
    proto = protocol(proto)
    low = _port(entry.get("from_port"), 0)
    high = _port(entry.get("to_port"), 65535)
    if low is None or high is None:
        return
    if proto == "-1":
        low, high = 0, 65535
    yield Opening(attribute, proto, low, high, cidrs)


def port_violations(
    subject: Subject, world: World, ports: Mapping[int, str], describe: str
) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """(attribute, open CIDRs, detail) per attribute where one of `ports` is world-open by
    a permission narrower than all traffic (all traffic is DP-VPC-004's finding)."""
    hits: dict[str, tuple[set[int], set[str]]] = {}
    for o in openings(subject, world):
        if o.all_traffic:
            continue
        for port in ports:
            if o.covers(port):
                found_ports, found_cidrs = hits.setdefault(o.attribute, (set(), set()))
                found_ports.add(port)
                found_cidrs.update(o.cidrs)
    for attribute, (found_ports, found_cidrs) in hits.items():
        cidrs = tuple(sorted(found_cidrs))
        names = ", ".join(f"{p} ({ports[p]})" if ports[p] else str(p) for p in sorted(found_ports))
        noun = "port" if len(found_ports) == 1 else "ports"
        yield attribute, cidrs, f"{describe}{noun} {names} open to {', '.join(cidrs)}"


# -- EBS --------------------------------------------------------------------------------------


def ebs_encrypted_by_default(world: World) -> bool:
    """The configuration turns on EBS encryption by default (absent `enabled` means true)."""
    return any(
        s.get("enabled", True) is True for s in world.of_type("aws_ebs_encryption_by_default")
    )
