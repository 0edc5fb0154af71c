"""EC2 compute: `aws_instance` and `aws_ebs_volume`, shaped as hashicorp/aws 5.100.0 writes them.

Calls per region (N instances, V volumes):
  DescribeInstances and DescribeVolumes pages (bulk, independent of N);
  when N > 0: one DescribeVpcs page set, DescribeInstanceTypes per 100 distinct types,
  DescribeInstanceCreditSpecifications per 1000 burstable instances, DescribeSpotInstanceRequests
  per 1000 spot instances, DescribeLaunchTemplates per distinct launch template and
  DescribeLaunchTemplateVersions per distinct (template, version);
  and 4 DescribeInstanceAttribute per instance (userData, disableApiTermination, disableApiStop,
  instanceInitiatedShutdownBehavior): EC2 has no bulk form of these, so they run in a bounded
  thread pool. The provider's own refresh makes ~11 calls per instance.

The provider's instance read depends on the prior state in places (user_data vs
user_data_base64, volume_tags, network_interface, launch_template.version, anything it only sets
when AWS returns a value). `read` emits the state-free shape, with None for "the provider would
not set this"; `match` applies the state-dependent rules the way the provider's read does.

Volumes that are part of an instance's block device mapping (its root and ebs_block_device
volumes) are still emitted as `aws_ebs_volume` (that is the provider's data model), but they
are described by the `aws_instance` object too: `instance_volume_ids` names them so an inventory
can leave them out of "unmanaged" (see its docstring).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import botocore.exceptions

from driftpatch.aws.readers.common import shared_listing
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.aws.session import AWS_ERRORS, describe_error
from driftpatch.model import JSON, ScanError
from driftpatch.typed import conform_live, conform_state

# Per-object calls (DescribeInstanceAttribute, DescribeVpcAttribute) run in this many threads.
MAX_WORKERS = 8
# Page size for list calls; None lets AWS choose. Tests shrink it to exercise pagination.
PAGE_SIZE: int | None = None

T = TypeVar("T")
R = TypeVar("R")


# --------------------------------------------------------------------------- shared helpers


def paginate(
    client: Any, operation: str, key: str, *, sized: bool = True, **kwargs: Any
) -> list[Any]:
    """Every item of `key` across all pages of `operation`."""
    config = {"PageSize": PAGE_SIZE} if sized and PAGE_SIZE else {}
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs, PaginationConfig=config):
        items.extend(page.get(key) or [])
    return items


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parallel(fn: Callable[[T], R], items: Sequence[T]) -> list[R | Exception]:
    """`fn` over `items` in a bounded pool; AWS errors come back as values, in order."""

    def call(item: T) -> R | Exception:
        try:
            return fn(item)
        except AWS_ERRORS as exc:
            return exc

    if not items:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(items))) as pool:
        return list(pool.map(call, items))


@dataclass
class Failures:
    """Errors of one reader run: one ScanError per distinct message, and the types they cover."""

    scope: str
    errors: list[ScanError] = field(default_factory=list)
    incomplete: set[str] = field(default_factory=set)

    def add(self, exc: BaseException, *types: str) -> None:
        message = describe_error(exc)
        if all(e.message != message for e in self.errors):
            self.errors.append(ScanError(self.scope, message))
        self.incomplete.update(types)

    def result(self, resources: Iterable[LiveResource]) -> ReadResult:
        return ReadResult(tuple(resources), tuple(self.errors), frozenset(self.incomplete))


def tag_map(tags: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """AWS tags as the provider stores them: a map without AWS-reserved `aws:` keys."""
    return {
        str(t["Key"]): str(t.get("Value") or "")
        for t in tags or ()
        if not str(t.get("Key", "")).startswith("aws:")
    }


def rfc3339(value: datetime | None) -> str:
    """Go's time.Format(time.RFC3339) of an SDK timestamp (UTC, whole seconds)."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def s(value: Any) -> str:
    """A Go string pointer read with d.Set: nil becomes ""."""
    return "" if value is None else str(value)


def keep_unset(
    live: Mapping[str, JSON], state: Mapping[str, JSON], names: Iterable[str]
) -> dict[str, JSON]:
    """Live attributes where None means "the provider's read leaves this alone": take state's."""
    out = dict(live)
    for name in names:
        if out.get(name) is None and name in state:
            out[name] = state[name]
    return out


# --------------------------------------------------------------------------- instance helpers


def user_data_hash(value: str) -> str:
    """SHA-1 hex of the user data, as the provider stores `user_data`.

    AWS returns user data base64-encoded; the provider hashes the decoded bytes, or the text
    itself when it is not valid base64 (Go's StdEncoding, which skips CR and LF).
    """
    try:
        raw = base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raw = value.encode()
    return hashlib.sha1(raw).hexdigest()  # the provider's own fingerprint


def instance_profile_name(arn: str) -> str:
    """`arn:aws:iam::1:instance-profile/path/name` -> `name`."""
    resource = arn.split(":", 5)[-1]
    return resource.rsplit("/", 1)[-1]


def instance_volume_ids(resources: Iterable[LiveResource]) -> dict[str, str]:
    """Volume id -> instance id, for volumes inside an instance's block device mapping.

    These are the volumes the provider describes in `aws_instance.root_block_device` and
    `ebs_block_device` (launch-time devices, and volumes attached later); the same volumes are
    also `aws_ebs_volume` objects. This is the marker for "part of an instance": an inventory
    should not call them unmanaged, because a managed instance owns them (a change shows as
    drift on the instance) and an unmanaged instance is reported once, as the instance. It is
    derived from the emitted instances, so it survives a saved snapshot; state instances of
    aws_instance carry the same attribute paths.
    """
    out: dict[str, str] = {}
    for res in resources:
        if res.type != "aws_instance":
            continue
        for block in ("root_block_device", "ebs_block_device"):
            for bd in res.attributes.get(block) or ():
                if isinstance(bd, Mapping) and bd.get("volume_id"):
                    out[str(bd["volume_id"])] = res.id
    return out


def _is_snowball(instance_id: str) -> bool:
    return "s." in instance_id


INSTANCE_ATTRIBUTES = (
    "userData",
    "disableApiTermination",
    "disableApiStop",
    "instanceInitiatedShutdownBehavior",
)
LAUNCH_TEMPLATE_DEFAULT = "$Default"
LAUNCH_TEMPLATE_LATEST = "$Latest"


@dataclass(frozen=True)
class _InstanceFacts:
    """Everything besides the instance itself that shapes its attributes."""

    volumes: Mapping[str, Mapping[str, Any]]
    default_vpcs: frozenset[str]
    burstable: Mapping[str, bool]
    credits: Mapping[str, str]
    spot_requests: Mapping[str, Mapping[str, Any]]
    launch_templates: Mapping[str, Mapping[str, Any]]
    template_versions: frozenset[tuple[str, str]]
    attributes: Mapping[str, Mapping[str, Any]]


def _flatten_block_devices(
    instance: Mapping[str, Any], volumes: Mapping[str, Mapping[str, Any]]
) -> tuple[list[dict[str, JSON]], list[dict[str, JSON]]]:
    """(root_block_device, ebs_block_device) as the provider's readBlockDevicesFromInstance."""
    root: list[dict[str, JSON]] = []
    ebs: list[dict[str, JSON]] = []
    root_name = instance.get("RootDeviceName")
    for mapping in instance.get("BlockDeviceMappings") or ():
        attachment = mapping.get("Ebs")
        if not attachment:
            continue
        vol = volumes.get(str(attachment.get("VolumeId")))
        if vol is None:
            continue
        tags = tag_map(vol.get("Tags"))
        bd: dict[str, JSON] = {
            "delete_on_termination": bool(attachment.get("DeleteOnTermination")),
            "device_name": s(mapping.get("DeviceName")),
            "encrypted": bool(vol.get("Encrypted")),
            "iops": int(vol.get("Iops") or 0),
            "kms_key_id": s(vol.get("KmsKeyId")),
            "tags": tags,
            "tags_all": dict(tags),
            "throughput": int(vol.get("Throughput") or 0),
            "volume_id": s(vol.get("VolumeId")),
            "volume_size": int(vol.get("Size") or 0),
            "volume_type": s(vol.get("VolumeType")),
        }
        if root_name is not None and mapping.get("DeviceName") == root_name:
            root = [bd]
        else:
            bd["snapshot_id"] = s(vol.get("SnapshotId"))
            ebs.append(bd)
    ebs.sort(key=lambda b: (str(b["device_name"]), str(b["snapshot_id"])))
    return root, ebs


def _primary_interface(instance: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for eni in instance.get("NetworkInterfaces") or ():
        if int((eni.get("Attachment") or {}).get("DeviceIndex") or 0) == 0:
            return eni  # type: ignore[no-any-return]
    return None


def _network(instance: Mapping[str, Any]) -> dict[str, JSON]:
    """subnet, primary ENI, addresses: the provider's primary-network-interface block."""
    enis = instance.get("NetworkInterfaces") or []
    out: dict[str, JSON] = {
        "associate_public_ip_address": None,
        "enable_primary_ipv6": None,
        "ipv6_address_count": None,
        "primary_network_interface_id": None,
        "source_dest_check": None,
        "subnet_id": None,
        "network_interface": sorted(
            (
                {
                    "delete_on_termination": bool(eni["Attachment"].get("DeleteOnTermination")),
                    "device_index": int(eni["Attachment"].get("DeviceIndex") or 0),
                    "network_card_index": int(eni["Attachment"].get("NetworkCardIndex") or 0),
                    "network_interface_id": s(eni.get("NetworkInterfaceId")),
                }
                for eni in enis
                if eni.get("Attachment")
            ),
            key=lambda n: (n["device_index"], n["network_interface_id"]),
        ),
    }
    secondary: list[str] = []
    ipv6: list[str] = []
    if enis:
        primary = _primary_interface(instance)
        if primary is not None and primary.get("NetworkInterfaceId"):
            if primary.get("SubnetId") is not None:
                out["subnet_id"] = str(primary["SubnetId"])
            out["primary_network_interface_id"] = str(primary["NetworkInterfaceId"])
            out["ipv6_address_count"] = len(primary.get("Ipv6Addresses") or [])
            if primary.get("SourceDestCheck") is not None:
                out["source_dest_check"] = bool(primary["SourceDestCheck"])
            out["associate_public_ip_address"] = primary.get("Association") is not None
            secondary = [
                s(a.get("PrivateIpAddress"))
                for a in primary.get("PrivateIpAddresses") or ()
                if not a.get("Primary")
            ]
            ipv6 = [s(a.get("Ipv6Address")) for a in primary.get("Ipv6Addresses") or ()]
            if any(a.get("IsPrimaryIpv6") for a in primary.get("Ipv6Addresses") or ()):
                out["enable_primary_ipv6"] = True
    else:
        out["associate_public_ip_address"] = instance.get("PublicIpAddress") is not None
        out["ipv6_address_count"] = 0
        out["primary_network_interface_id"] = ""
        out["subnet_id"] = s(instance.get("SubnetId"))
    out["secondary_private_ips"] = sorted(secondary)
    out["ipv6_addresses"] = ipv6
    if instance.get("SubnetId"):
        out["source_dest_check"] = bool(instance.get("SourceDestCheck"))
    return out


def _options(instance: Mapping[str, Any]) -> dict[str, JSON]:
    """The single nested blocks the provider flattens straight from DescribeInstances."""
    out: dict[str, JSON] = {}
    cpu = instance.get("CpuOptions")
    out["cpu_options"] = (
        [
            {
                "amd_sev_snp": s(cpu.get("AmdSevSnp")),
                "core_count": int(cpu.get("CoreCount") or 0),
                "threads_per_core": int(cpu.get("ThreadsPerCore") or 0),
            }
        ]
        if cpu is not None
        else []
    )
    out["cpu_core_count"] = int(cpu.get("CoreCount") or 0) if cpu is not None else None
    out["cpu_threads_per_core"] = int(cpu.get("ThreadsPerCore") or 0) if cpu is not None else None
    enclave = instance.get("EnclaveOptions")
    out["enclave_options"] = [{"enabled": bool(enclave.get("Enabled"))}] if enclave else []
    maintenance = instance.get("MaintenanceOptions")
    out["maintenance_options"] = (
        [{"auto_recovery": s(maintenance.get("AutoRecovery"))}] if maintenance else []
    )
    meta = instance.get("MetadataOptions")
    out["metadata_options"] = (
        [
            {
                "http_endpoint": s(meta.get("HttpEndpoint")),
                "http_protocol_ipv6": s(meta.get("HttpProtocolIpv6")),
                "http_put_response_hop_limit": int(meta.get("HttpPutResponseHopLimit") or 0),
                "http_tokens": s(meta.get("HttpTokens")),
                "instance_metadata_tags": s(meta.get("InstanceMetadataTags")),
            }
        ]
        if meta is not None
        else []
    )
    dns = instance.get("PrivateDnsNameOptions")
    out["private_dns_name_options"] = (
        [
            {
                "enable_resource_name_dns_a_record": bool(dns.get("EnableResourceNameDnsARecord")),
                "enable_resource_name_dns_aaaa_record": bool(
                    dns.get("EnableResourceNameDnsAAAARecord")
                ),
                "hostname_type": s(dns.get("HostnameType")),
            }
        ]
        if dns is not None
        else []
    )
    crs = instance.get("CapacityReservationSpecification")
    if crs is not None:
        target = crs.get("CapacityReservationTarget")
        out["capacity_reservation_specification"] = [
            {
                "capacity_reservation_preference": s(crs.get("CapacityReservationPreference")),
                "capacity_reservation_target": (
                    [
                        {
                            "capacity_reservation_id": s(target.get("CapacityReservationId")),
                            "capacity_reservation_resource_group_arn": s(
                                target.get("CapacityReservationResourceGroupArn")
                            ),
                        }
                    ]
                    if target is not None
                    else []
                ),
            }
        ]
    else:
        out["capacity_reservation_specification"] = []
    hibernation = instance.get("HibernationOptions")
    out["hibernation"] = bool(hibernation.get("Configured")) if hibernation is not None else None
    return out


def _launch_template(instance: Mapping[str, Any], facts: _InstanceFacts) -> list[dict[str, JSON]]:
    tags = {str(t.get("Key")): str(t.get("Value") or "") for t in instance.get("Tags") or ()}
    template_id = tags.get("aws:ec2launchtemplate:id", "")
    template = facts.launch_templates.get(template_id) if template_id else None
    if template is None:
        return []
    block: dict[str, JSON] = {"id": template_id, "name": s(template.get("LaunchTemplateName"))}
    version = tags.get("aws:ec2launchtemplate:version", "")
    if (template_id, version) in facts.template_versions:
        block["version"] = version
    else:
        block["version"] = ""
    return [block]


def _spot(instance: Mapping[str, Any], facts: _InstanceFacts) -> dict[str, JSON]:
    request_id = s(instance.get("SpotInstanceRequestId"))
    lifecycle = s(instance.get("InstanceLifecycle"))
    request = facts.spot_requests.get(request_id) if request_id and lifecycle else None
    if request is None:
        return {
            "instance_lifecycle": "",
            "instance_market_options": [],
            "spot_instance_request_id": "",
        }
    options: dict[str, JSON] = {
        "instance_interruption_behavior": s(request.get("InstanceInterruptionBehavior")),
        "max_price": s(request.get("SpotPrice")),
        "spot_instance_type": s(request.get("Type")),
        "valid_until": rfc3339(request.get("ValidUntil")) if request.get("ValidUntil") else "",
    }
    return {
        "instance_lifecycle": lifecycle,
        "instance_market_options": [{"market_type": "spot", "spot_options": [options]}],
        "spot_instance_request_id": request_id,
    }


def instance_attributes(
    instance: Mapping[str, Any], facts: _InstanceFacts, *, region: str, partition: str, account: str
) -> dict[str, JSON]:
    """The state-free provider shape of one instance (see `Ec2Reader.match` for the rest)."""
    iid = str(instance["InstanceId"])
    placement = instance.get("Placement") or {}
    profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
    tags = tag_map(instance.get("Tags"))
    root, ebs = _flatten_block_devices(instance, facts.volumes)
    attrs_raw = facts.attributes.get(iid, {})
    user_data = (attrs_raw.get("UserData") or {}).get("Value")
    shutdown = (attrs_raw.get("InstanceInitiatedShutdownBehavior") or {}).get("Value")
    termination = (attrs_raw.get("DisableApiTermination") or {}).get("Value")
    stop = (attrs_raw.get("DisableApiStop") or {}).get("Value")
    vpc_id = s(instance.get("VpcId"))
    has_subnet = bool(instance.get("SubnetId"))
    use_id, use_name = has_subnet, not has_subnet
    if vpc_id:
        use_name = vpc_id in facts.default_vpcs
    groups = instance.get("SecurityGroups") or []
    itype = s(instance.get("InstanceType"))
    if facts.burstable.get(itype):
        credits: JSON = [{"cpu_credits": facts.credits[iid]}] if iid in facts.credits else []
    else:
        credits = None  # the provider leaves credit_specification alone
    monitoring = (instance.get("Monitoring") or {}).get("State")
    attrs: dict[str, JSON] = {
        "ami": s(instance.get("ImageId")),
        "arn": f"arn:{partition}:ec2:{region}:{account}:instance/{iid}",
        "availability_zone": s(placement.get("AvailabilityZone")),
        "credit_specification": credits,
        "disable_api_stop": bool(stop) if stop is not None else None,
        "disable_api_termination": bool(termination) if termination is not None else None,
        "ebs_block_device": ebs,
        "ebs_optimized": bool(instance.get("EbsOptimized")),
        "host_id": s(placement.get("HostId")),
        "host_resource_group_arn": placement.get("HostResourceGroupArn"),
        "iam_instance_profile": instance_profile_name(str(profile)) if profile else "",
        "id": iid,
        "instance_initiated_shutdown_behavior": shutdown,
        "instance_state": s((instance.get("State") or {}).get("Name")),
        "instance_type": itype,
        "key_name": s(instance.get("KeyName")),
        "launch_template": _launch_template(instance, facts),
        "monitoring": monitoring in ("enabled", "pending") if monitoring else None,
        "outpost_arn": s(instance.get("OutpostArn")),
        "password_data": "",
        "placement_group": s(placement.get("GroupName")),
        "placement_partition_number": int(placement.get("PartitionNumber") or 0),
        "private_dns": s(instance.get("PrivateDnsName")),
        "private_ip": s(instance.get("PrivateIpAddress")),
        "public_dns": s(instance.get("PublicDnsName")),
        "public_ip": s(instance.get("PublicIpAddress")),
        "root_block_device": root,
        "security_groups": sorted(s(g.get("GroupName")) for g in groups) if use_name else [],
        "tags": tags,
        "tags_all": dict(tags),
        "tenancy": s(placement.get("Tenancy")),
        "user_data": user_data_hash(str(user_data)) if user_data is not None else None,
        "user_data_base64": None,
        "volume_tags": None,
        "vpc_security_group_ids": sorted(s(g.get("GroupId")) for g in groups) if use_id else [],
    }
    attrs.update(_network(instance))
    attrs.update(_options(instance))
    attrs.update(_spot(instance, facts))
    return dict(sorted(attrs.items()))


# Instance attributes the provider's read only sets when AWS returns something; otherwise the
# prior state's value stays. `read` marks them None; `match` takes the state's value.
INSTANCE_KEEP_UNSET = (
    "associate_public_ip_address",
    "cpu_core_count",
    "cpu_threads_per_core",
    "credit_specification",
    "disable_api_stop",
    "disable_api_termination",
    "enable_primary_ipv6",
    "hibernation",
    "host_resource_group_arn",
    "instance_initiated_shutdown_behavior",
    "ipv6_address_count",
    "monitoring",
    "primary_network_interface_id",
    "source_dest_check",
    "subnet_id",
)


# What `match_instance` reads, typed by the schema first (typed.py): from state, and from the
# live object (a `--live` snapshot may hold anything).
INSTANCE_STATE_READS = (
    "ebs_block_device",
    "get_password_data",
    "launch_template",
    "network_interface",
    "password_data",
    "root_block_device",
    "user_data",
    "user_data_base64",
    "volume_tags",
)
INSTANCE_LIVE_READS = (
    "ebs_block_device",
    "launch_template",
    "network_interface",
    "root_block_device",
    "user_data",
)


def _block_device_tags_defined(state: Mapping[str, JSON]) -> bool:
    return any(
        isinstance(bd, Mapping) and bd.get("tags")
        for block in ("root_block_device", "ebs_block_device")
        for bd in state.get(block) or ()
    )


def match_instance(
    live: Mapping[str, JSON], state: Mapping[str, JSON], index: LiveIndex | None = None
) -> dict[str, JSON]:
    """The provider's read of `live` given the prior `state` (its state-dependent rules).

    Both are typed by the schema on INSTANCE_*_READS first (Ec2Reader.match)."""
    out = keep_unset(live, state, INSTANCE_KEEP_UNSET)
    # user_data / user_data_base64: the provider refreshes whichever one the state uses.
    live_hash = live.get("user_data")
    if live_hash is None:
        out["user_data"] = state.get("user_data")
        out["user_data_base64"] = state.get("user_data_base64")
    elif state.get("user_data_base64"):
        stored = str(state["user_data_base64"])
        out["user_data"] = state.get("user_data")
        # The read stores AWS's base64 text; the reader keeps only its hash, so an unchanged
        # value is the state's, a changed one is shown by its SHA-1.
        out["user_data_base64"] = stored if user_data_hash(stored) == live_hash else live_hash
    else:
        out["user_data_base64"] = state.get("user_data_base64")
    # volume_tags: refreshed only when the state uses it and no block device carries tags.
    root = [dict(b) for b in out.get("root_block_device") or () if isinstance(b, Mapping)]
    ebs = [dict(b) for b in out.get("ebs_block_device") or () if isinstance(b, Mapping)]
    volume_tags = state.get("volume_tags")
    if volume_tags and not _block_device_tags_defined(state):
        merged: dict[str, JSON] = {}
        for bd in (*root, *ebs):
            merged.update(bd.get("tags") or {})
        volume_tags = merged
    out["volume_tags"] = volume_tags
    if volume_tags:
        for bd in (*root, *ebs):
            bd["tags"], bd["tags_all"] = {}, {}
    # A root-only instance whose state lists the root device under ebs_block_device.
    if state.get("ebs_block_device") and not ebs and root:
        copy = dict(root[0])
        vol = index.get("aws_ebs_volume", str(copy.get("volume_id") or "")) if index else None
        snapshot = conform_live(vol, ("snapshot_id",)).get("snapshot_id") if vol else None
        copy["snapshot_id"] = str(snapshot or "")
        ebs = [copy]
    out["root_block_device"], out["ebs_block_device"] = root, ebs
    # network_interface: only the device indexes the configuration manages.
    wanted = {
        int(n.get("device_index") or 0)
        for n in state.get("network_interface") or ()
        if isinstance(n, Mapping)
    }
    out["network_interface"] = [
        n
        for n in live.get("network_interface") or ()
        if isinstance(n, Mapping) and int(n.get("device_index") or 0) in wanted
    ]
    # launch_template.version: "$Default"/"$Latest" stay symbolic while they still resolve to
    # the instance's version (an instance's template version never changes after launch).
    state_lt = state.get("launch_template") or []
    live_lt = [dict(b) for b in out.get("launch_template") or () if isinstance(b, Mapping)]
    if live_lt and state_lt and isinstance(state_lt[0], Mapping):
        symbolic = state_lt[0].get("version")
        if symbolic in (LAUNCH_TEMPLATE_DEFAULT, LAUNCH_TEMPLATE_LATEST) and live_lt[0].get(
            "version"
        ):
            live_lt[0]["version"] = symbolic
    out["launch_template"] = live_lt
    # password_data is only read (GetPasswordData) when get_password_data is set.
    if state.get("get_password_data"):
        out["password_data"] = state.get("password_data")
    return out


# --------------------------------------------------------------------------- the reader


def volume_attributes(
    vol: Mapping[str, Any], *, region: str, partition: str, account: str
) -> dict[str, JSON]:
    vid = str(vol["VolumeId"])
    tags = tag_map(vol.get("Tags"))
    return {
        "arn": f"arn:{partition}:ec2:{region}:{account}:volume/{vid}",
        "availability_zone": s(vol.get("AvailabilityZone")),
        "create_time": rfc3339(vol.get("CreateTime")),
        "encrypted": bool(vol.get("Encrypted")),
        "id": vid,
        "iops": int(vol.get("Iops") or 0),
        "kms_key_id": s(vol.get("KmsKeyId")),
        "multi_attach_enabled": bool(vol.get("MultiAttachEnabled")),
        "outpost_arn": s(vol.get("OutpostArn")),
        "size": int(vol.get("Size") or 0),
        "snapshot_id": s(vol.get("SnapshotId")),
        "tags": tags,
        "tags_all": dict(tags),
        "throughput": int(vol.get("Throughput") or 0),
        "type": s(vol.get("VolumeType")),
    }


class Ec2Reader(Reader):
    """aws_instance and aws_ebs_volume, in bulk; four attribute calls per instance."""

    types: ClassVar[tuple[str, ...]] = ("aws_instance", "aws_ebs_volume")
    service: ClassVar[str] = "ec2"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        # Kept from configuration: AWS has no such setting, or cannot return it.
        "aws_instance": frozenset(
            {
                "ephemeral_block_device",
                "get_password_data",
                "timeouts",
                "user_data_replace_on_change",
            }
        ),
        "aws_ebs_volume": frozenset({"final_snapshot", "timeouts"}),
    }

    part_owners: ClassVar[Mapping[str, tuple[str, ...]]] = {"aws_ebs_volume": ("aws_instance",)}

    def parts(self, resources: Iterable[LiveResource]) -> frozenset[tuple[str, str]]:
        return frozenset(("aws_ebs_volume", v) for v in instance_volume_ids(resources))

    def read(self, ctx: ReadContext) -> ReadResult:
        client = ctx.client("ec2")
        partition = str(getattr(client.meta, "partition", "aws") or "aws")
        failures = Failures(f"{self.service}/{ctx.region}")
        out: list[LiveResource] = []
        volumes: dict[str, Mapping[str, Any]] = {}
        unread: frozenset[str] = frozenset()
        try:
            for vol in shared_listing(ctx, "ec2", "describe_volumes", "Volumes"):
                volumes[str(vol["VolumeId"])] = vol
        except AWS_ERRORS as exc:
            # Instances read their block devices from the same listing.
            failures.add(exc, "aws_ebs_volume", "aws_instance")
            unread = frozenset({"root_block_device", "ebs_block_device"})
        else:
            out.extend(
                LiveResource(
                    "aws_ebs_volume",
                    vid,
                    ctx.region,
                    volume_attributes(
                        vol, region=ctx.region, partition=partition, account=ctx.account_id
                    ),
                )
                for vid, vol in volumes.items()
            )
        try:
            instances = [
                inst
                for reservation in paginate(client, "describe_instances", "Reservations")
                for inst in reservation.get("Instances") or ()
                # A terminated instance is gone for the provider (it removes it from state).
                if (inst.get("State") or {}).get("Name") != "terminated"
            ]
        except AWS_ERRORS as exc:
            failures.add(exc, "aws_instance")
            return failures.result(out)
        if instances:
            facts = self._facts(client, instances, volumes, failures)
            out.extend(
                LiveResource(
                    "aws_instance",
                    str(inst["InstanceId"]),
                    ctx.region,
                    instance_attributes(
                        inst, facts, region=ctx.region, partition=partition, account=ctx.account_id
                    ),
                    unread=unread,
                )
                for inst in instances
            )
        return failures.result(out)

    def _facts(
        self,
        client: Any,
        instances: list[Mapping[str, Any]],
        volumes: Mapping[str, Mapping[str, Any]],
        failures: Failures,
    ) -> _InstanceFacts:
        """The bulk side calls (and the per-instance attribute calls) instances need."""
        default_vpcs: set[str] = set()
        burstable: dict[str, bool] = {}
        credits: dict[str, str] = {}
        spot: dict[str, Mapping[str, Any]] = {}
        templates: dict[str, Mapping[str, Any]] = {}
        versions: set[tuple[str, str]] = set()
        try:
            default_vpcs = {
                str(v["VpcId"])
                for v in paginate(
                    client,
                    "describe_vpcs",
                    "Vpcs",
                    Filters=[{"Name": "is-default", "Values": ["true"]}],
                )
            }
            kinds = sorted({str(i.get("InstanceType")) for i in instances if i.get("InstanceType")})
            for batch in chunks(kinds, 100):
                for info in paginate(
                    client,
                    "describe_instance_types",
                    "InstanceTypes",
                    sized=False,
                    InstanceTypes=list(batch),
                ):
                    burstable[str(info["InstanceType"])] = bool(
                        info.get("BurstablePerformanceSupported")
                    )
            t_ids = [
                str(i["InstanceId"]) for i in instances if burstable.get(str(i.get("InstanceType")))
            ]
            for batch in chunks(t_ids, 1000):
                for spec in paginate(
                    client,
                    "describe_instance_credit_specifications",
                    "InstanceCreditSpecifications",
                    sized=False,
                    InstanceIds=list(batch),
                ):
                    credits[str(spec["InstanceId"])] = s(spec.get("CpuCredits"))
            spot_ids = sorted(
                {
                    str(i["SpotInstanceRequestId"])
                    for i in instances
                    if i.get("SpotInstanceRequestId") and i.get("InstanceLifecycle")
                }
            )
            for batch in chunks(spot_ids, 1000):
                for req in paginate(
                    client,
                    "describe_spot_instance_requests",
                    "SpotInstanceRequests",
                    sized=False,
                    SpotInstanceRequestIds=list(batch),
                ):
                    spot[str(req["SpotInstanceRequestId"])] = req
            templates, versions = self._launch_templates(client, instances)
        except AWS_ERRORS as exc:
            failures.add(exc, "aws_instance")
        attributes: dict[str, dict[str, Any]] = {str(i["InstanceId"]): {} for i in instances}
        calls = [
            (iid, name)
            for iid in attributes
            for name in INSTANCE_ATTRIBUTES
            if not (name == "disableApiTermination" and _is_snowball(iid))
        ]
        results = parallel(
            lambda call: client.describe_instance_attribute(InstanceId=call[0], Attribute=call[1]),
            calls,
        )
        for (iid, _name), result in zip(calls, results, strict=True):
            if isinstance(result, Exception):
                failures.add(result, "aws_instance")
                continue
            attributes[iid].update(
                (k, v) for k, v in result.items() if k not in ("InstanceId", "ResponseMetadata")
            )
        return _InstanceFacts(
            volumes=volumes,
            default_vpcs=frozenset(default_vpcs),
            burstable=burstable,
            credits=credits,
            spot_requests=spot,
            launch_templates=templates,
            template_versions=frozenset(versions),
            attributes=attributes,
        )

    @staticmethod
    def _launch_templates(
        client: Any, instances: list[Mapping[str, Any]]
    ) -> tuple[dict[str, Mapping[str, Any]], set[tuple[str, str]]]:
        """Templates the instances were launched from, and which of their versions still exist.

        One call per distinct template and per distinct (template, version): a batched call
        fails as a whole when one of them was deleted, which the provider treats as "none".
        """
        wanted: dict[str, set[str]] = {}
        for inst in instances:
            tags = {str(t.get("Key")): str(t.get("Value") or "") for t in inst.get("Tags") or ()}
            if tags.get("aws:ec2launchtemplate:id"):
                wanted.setdefault(tags["aws:ec2launchtemplate:id"], set()).add(
                    tags.get("aws:ec2launchtemplate:version", "")
                )
        templates: dict[str, Mapping[str, Any]] = {}
        versions: set[tuple[str, str]] = set()
        for template_id, numbers in sorted(wanted.items()):
            try:
                found = client.describe_launch_templates(LaunchTemplateIds=[template_id])
            except botocore.exceptions.ClientError as exc:
                if "NotFound" in str(exc.response.get("Error", {}).get("Code", "")):
                    continue
                raise
            for template in found.get("LaunchTemplates") or ():
                templates[template_id] = template
            for number in sorted(n for n in numbers if n):
                try:
                    client.describe_launch_template_versions(
                        LaunchTemplateId=template_id, Versions=[number]
                    )
                except botocore.exceptions.ClientError as exc:
                    if "NotFound" in str(exc.response.get("Error", {}).get("Code", "")):
                        continue
                    raise
                versions.add((template_id, number))
        return templates, versions

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        found = live.get(type_, state_id)
        if found is None or type_ != "aws_instance":
            return found
        attrs = match_instance(
            conform_live(found, INSTANCE_LIVE_READS),
            conform_state(type_, state_attributes, INSTANCE_STATE_READS),
            live,
        )
        return LiveResource(found.type, found.id, found.region, attrs, found.account_default)
