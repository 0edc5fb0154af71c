"""Route 53 hosted zones and record sets (global), shaped as hashicorp/aws 5.100.0 writes
aws_route53_zone and aws_route53_record to state after a refresh.

Calls: ListHostedZones pages; per zone, in a bounded pool, GetHostedZone (delegation set and
VPCs, which the listing lacks) and ListResourceRecordSets pages (every record of the zone, once,
instead of the provider's one lookup per record); tags in batches of ten zones per
ListTagsForResources.

Zones. `name` loses the trailing dot and is lower-cased; `primary_name_server` is the first
delegation-set name server *before* sorting, `name_servers` sorted; a private zone's name
servers are its apex NS record's values (as the provider reads them). `force_destroy` and
`timeouts` are config-only.

Records. The provider's id is ZONEID_NAME_TYPE[_SETID] with NAME as written in the
configuration (short or full), so live records are emitted under a canonical id (the full name,
lower-case, no trailing dot) and `match` finds a state instance's record by (zone, expanded
name, type, set identifier), as the provider's own lookup does. The provider's read keeps from
the prior state what it does not set: `name`, `zone_id`, `type`, `allow_overwrite`, and every
routing-policy block AWS no longer returns (it only sets those present); `match` does the same.
TXT/SPF values lose their outer quotes. The apex NS and SOA records Route 53 creates with a
zone are account defaults (no code creates them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    paginate,
    pool_map,
    provider_tags,
    pstr,
)
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.aws.session import error_code
from driftpatch.model import JSON

ZONE = "aws_route53_zone"
RECORD = "aws_route53_record"
TAG_BATCH = 10  # ListTagsForResources takes at most 10 ids
# Blocks the provider sets only when AWS returns them; otherwise the state's value stays.
ROUTING = (
    "alias",
    "cidr_routing_policy",
    "failover_routing_policy",
    "geolocation_routing_policy",
    "geoproximity_routing_policy",
    "latency_routing_policy",
    "weighted_routing_policy",
)
_OCTAL = re.compile(r"\\([0-7]{3})")


def clean_zone_id(zone_id: str) -> str:
    return zone_id.removeprefix("/hostedzone/")


def zone_name(name: str) -> str:
    """The provider's normalizeZoneName: lower-case, no trailing dot."""
    return name if name == "." else name.lower().removesuffix(".")


def clean_record_name(name: str) -> str:
    """Route 53 escapes some characters as \\ddd octal (`*` is \\052)."""
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), name)


def expand_record_name(name: str, zone: str) -> str:
    """The provider's expandRecordName: a short name gets the zone appended."""
    record = name.lower().removesuffix(".")
    zone = zone.removesuffix(".")
    if not record.endswith(zone):
        record = f"{record}.{zone}" if name else zone
    return record


def record_key(zone_id: str, fqdn: str, type_: str, set_id: str) -> str:
    """The canonical id live records are emitted under."""
    parts = [clean_zone_id(zone_id), fqdn.lower().removesuffix("."), type_.upper()]
    return "_".join([*parts, set_id] if set_id else parts)


def _txt(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def record_attributes(zone_id: str, rrset: Mapping[str, Any]) -> dict[str, JSON]:
    """What the provider's resourceRecordRead sets from one ResourceRecordSet; the match adds
    what it keeps from state."""
    type_ = pstr(rrset.get("Type"))
    name = clean_record_name(pstr(rrset.get("Name"))).lower().removesuffix(".")
    values = [pstr(r.get("Value")) for r in rrset.get("ResourceRecords") or ()]
    if type_ in ("TXT", "SPF"):
        values = [_txt(v) for v in values]
    set_id = pstr(rrset.get("SetIdentifier"))
    attrs: dict[str, JSON] = {
        "fqdn": name,
        "health_check_id": pstr(rrset.get("HealthCheckId")),
        "id": record_key(zone_id, name, type_, set_id),
        "multivalue_answer_routing_policy": bool(rrset.get("MultiValueAnswer")),
        "name": name,
        "records": sorted(values),
        "set_identifier": set_id,
        "ttl": int(rrset.get("TTL") or 0),
        "type": type_,
        "zone_id": clean_zone_id(zone_id),
    }
    alias = rrset.get("AliasTarget")
    if alias is not None:
        attrs["alias"] = [
            {
                "evaluate_target_health": bool(alias.get("EvaluateTargetHealth")),
                "name": zone_name(pstr(alias.get("DNSName"))),
                "zone_id": pstr(alias.get("HostedZoneId")),
            }
        ]
    if rrset.get("Failover"):
        attrs["failover_routing_policy"] = [{"type": pstr(rrset["Failover"])}]
    if rrset.get("Region"):
        attrs["latency_routing_policy"] = [{"region": pstr(rrset["Region"])}]
    if rrset.get("Weight") is not None:
        attrs["weighted_routing_policy"] = [{"weight": int(rrset["Weight"])}]
    geo = rrset.get("GeoLocation")
    if geo is not None:
        attrs["geolocation_routing_policy"] = [
            {
                "continent": pstr(geo.get("ContinentCode")),
                "country": pstr(geo.get("CountryCode")),
                "subdivision": pstr(geo.get("SubdivisionCode")),
            }
        ]
    cidr = rrset.get("CidrRoutingConfig")
    if cidr is not None:
        attrs["cidr_routing_policy"] = [
            {
                "collection_id": pstr(cidr.get("CollectionId")),
                "location_name": pstr(cidr.get("LocationName")),
            }
        ]
    return attrs


def zone_attributes(
    got: Mapping[str, Any], records: list[Mapping[str, Any]], tags: dict[str, str]
) -> dict[str, JSON]:
    """The provider's resourceZoneRead of one GetHostedZone answer (and, for a private zone,
    its apex NS record)."""
    zone = got["HostedZone"]
    zone_id = clean_zone_id(pstr(zone.get("Id")))
    name = zone_name(pstr(zone.get("Name")))
    delegation = got.get("DelegationSet")
    servers = [str(s) for s in (delegation or {}).get("NameServers") or ()]
    config = zone.get("Config") or {}
    if config.get("PrivateZone"):
        servers = sorted(
            pstr(r.get("Value"))
            for rr in records
            if rr.get("Type") == "NS" and zone_name(pstr(rr.get("Name"))) == name
            for r in rr.get("ResourceRecords") or ()
        )
    return {
        "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
        "comment": pstr(config.get("Comment")),
        "delegation_set_id": ""
        if delegation is None
        else pstr(delegation.get("Id")).removeprefix("/delegationset/"),
        "id": zone_id,
        "name": name,
        "name_servers": sorted(servers),
        "primary_name_server": servers[0] if servers else "",
        "tags": tags,
        "tags_all": dict(tags),
        "vpc": [
            {"vpc_id": pstr(v.get("VPCId")), "vpc_region": pstr(v.get("VPCRegion"))}
            for v in got.get("VPCs") or ()
        ],
        "zone_id": zone_id,
    }


def _zone_tags(client: Any, zone_ids: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for start in range(0, len(zone_ids), TAG_BATCH):
        batch = zone_ids[start : start + TAG_BATCH]
        answer = client.list_tags_for_resources(ResourceType="hostedzone", ResourceIds=batch)
        for tag_set in answer.get("ResourceTagSets") or ():
            out[str(tag_set.get("ResourceId"))] = provider_tags(tag_set.get("Tags"))
    return out


def _is_default(record: Mapping[str, JSON], zone: str) -> bool:
    return record["type"] in ("NS", "SOA") and record["name"] == zone


class Route53Reader(Reader):
    """Hosted zones and their record sets (global)."""

    types: ClassVar[tuple[str, ...]] = (ZONE, RECORD)
    service: ClassVar[str] = "route53"
    is_global: ClassVar[bool] = True
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        ZONE: frozenset({"force_destroy", "timeouts"}),
        RECORD: frozenset({"allow_overwrite", "timeouts"}),
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures("route53", "zones")
        client = ctx.client("route53")
        try:
            listed = paginate(client, "list_hosted_zones", "HostedZones")
        except AWS_ERRORS as exc:
            fails.add(exc, ZONE, RECORD)
            return ReadResult(errors=fails.errors(), incomplete_types=frozenset(fails.incomplete))
        ids = [clean_zone_id(str(z["Id"])) for z in listed]
        try:
            tags = _zone_tags(client, ids)
        except AWS_ERRORS as exc:
            fails.add(exc, ZONE)
            tags = {}

        def read(zone_id: str) -> list[LiveResource] | BaseException:
            try:
                got = client.get_hosted_zone(Id=zone_id)
                records = paginate(
                    client, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone_id
                )
            except botocore.exceptions.ClientError as exc:
                if error_code(exc) == "NoSuchHostedZone":
                    return []  # deleted since the listing
                return exc
            except AWS_ERRORS as exc:
                return exc
            attrs = zone_attributes(got, records, tags.get(zone_id, {}))
            out = [LiveResource(ZONE, zone_id, None, attrs)]
            for rrset in records:
                rec = record_attributes(zone_id, rrset)
                default = _is_default(rec, str(attrs["name"]))
                out.append(LiveResource(RECORD, str(rec["id"]), None, rec, account_default=default))
            return out

        resources: list[LiveResource] = []
        for found in pool_map(read, ids):
            if isinstance(found, BaseException):
                fails.add(found, ZONE, RECORD)
            else:
                resources.extend(found)
        return fails.result(resources)

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        """Zones by id; records by (zone, expanded name, type, set identifier), with what the
        provider keeps from the prior state."""
        if type_ != RECORD:
            return live.get(type_, state_id)
        zone_id = clean_zone_id(str(state_attributes.get("zone_id") or ""))
        zone = live.get(ZONE, zone_id)
        if zone is None:
            return None
        name = str(state_attributes.get("name") or "")
        fqdn = expand_record_name(name, str(zone.attributes.get("name") or ""))
        key = record_key(
            zone_id,
            fqdn,
            str(state_attributes.get("type") or ""),
            str(state_attributes.get("set_identifier") or ""),
        )
        found = live.get(RECORD, key)
        if found is None:
            return None
        attrs = dict(found.attributes)
        attrs["id"] = state_id
        attrs["fqdn"] = fqdn
        for kept in ("name", "zone_id", "type"):
            attrs[kept] = state_attributes.get(kept, attrs[kept])
        for block in ROUTING:
            if block not in attrs and block in state_attributes:
                attrs[block] = state_attributes[block]
        return replace(found, attributes=attrs)
