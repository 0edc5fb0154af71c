"""Auto Scaling groups and launch configurations (per region), shaped as hashicorp/aws
5.100.0 writes aws_autoscaling_group and aws_launch_configuration to state after a refresh.

- Calls: DescribeAutoScalingGroups pages (bulk, up to 100 groups a page): the group's tags,
  metrics, suspended processes, traffic sources and warm pool come with it, so no per-group
  call is needed.
- The provider keeps from configuration what AWS cannot say (the `unreadable` set): wait and
  delete behaviour (`wait_for_*`, `min_elb_capacity`, `force_delete*`,
  `ignore_failed_scaling_activities`), `initial_lifecycle_hook` (create-time only),
  `instance_refresh` and timeouts.
- Given the prior state (`match`): a group whose termination policies are AWS's lone "Default"
  is written with none unless state listed some, as the provider does.
- Tags are the `tag` blocks (key, value, propagate_at_launch), `aws:` keys left out; the
  resource has no `tags` map.
- Groups AWS creates for other services (Elastic Beanstalk, EKS managed node groups) are ordinary
  groups here: they are managed by those services' resources, not by anyone's aws_* group, and
  show as unmanaged unless a state owns them (no AWS-default groups exist).
- Launch configurations: DescribeLaunchConfigurations pages (bulk) and one EC2 DescribeImages
  listing (filtered by image id, so a deregistered image is no error) for the images' root
  device names, which decide which block device is the `root_block_device` (the provider's
  heuristic: the image's RootDeviceName, or its first mapping's device when the name is not
  among its mappings; none for instance-store images). Launch configurations cannot change:
  drift on one is its deletion. `user_data` is the provider's SHA-1 of it, or the base64 text
  when the state uses `user_data_base64`.
- moto (5.x) hosts both types well enough for real Terraform (tests/aws/
  test_autoscaling_oracle.py); it ignores max_instance_lifetime (and DefaultCooldown in
  updates) and answers DisableMetricsCollection with an internal error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    name_prefix_from_name,
    paginate,
    pstr,
)
from driftpatch.aws.readers.ec2 import user_data_hash
from driftpatch.aws.readers.interface import LiveResource, ReadContext, Reader, ReadResult
from driftpatch.model import JSON, LiveIndex

GROUP = "aws_autoscaling_group"
LAUNCH_CONFIGURATION = "aws_launch_configuration"
PAGE_SIZE = 100  # DescribeAutoScalingGroups MaxRecords maximum
DEFAULT_GRANULARITY = "1Minute"
DEFAULT_TERMINATION = "Default"


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _launch_template(spec: Mapping[str, Any] | None) -> list[JSON]:
    if not spec:
        return []
    return [
        {
            "id": pstr(spec.get("LaunchTemplateId")),
            "name": pstr(spec.get("LaunchTemplateName")),
            "version": pstr(spec.get("Version")),
        }
    ]


def _instance_maintenance(policy: Mapping[str, Any] | None) -> list[JSON]:
    if not policy:
        return []
    return [
        {
            "max_healthy_percentage": _int(policy.get("MaxHealthyPercentage")),
            "min_healthy_percentage": _int(policy.get("MinHealthyPercentage")),
        }
    ]


def _warm_pool(pool: Mapping[str, Any] | None) -> list[JSON]:
    if not pool:
        return []
    reuse = pool.get("InstanceReusePolicy")
    return [
        {
            "instance_reuse_policy": (
                [{"reuse_on_scale_in": bool(reuse.get("ReuseOnScaleIn"))}] if reuse else []
            ),
            "max_group_prepared_capacity": _int(pool.get("MaxGroupPreparedCapacity")),
            "min_size": _int(pool.get("MinSize")),
            "pool_state": pstr(pool.get("PoolState")),
        }
    ]


def _tags(tags: Iterable[Mapping[str, Any]] | None) -> list[JSON]:
    rows = [
        {
            "key": pstr(t.get("Key")),
            "propagate_at_launch": bool(t.get("PropagateAtLaunch")),
            "value": pstr(t.get("Value")),
        }
        for t in tags or ()
        if not pstr(t.get("Key")).startswith("aws:")
    ]
    return sorted(rows, key=lambda r: str(r["key"]))


def _az_distribution(value: Mapping[str, Any] | None) -> list[JSON]:
    """Always one block; its field null when AWS says nothing (the provider flattens nil so)."""
    strategy = (value or {}).get("CapacityDistributionStrategy")
    return [{"capacity_distribution_strategy": None if strategy is None else str(strategy)}]


def _capacity_reservation(value: Mapping[str, Any] | None) -> list[JSON]:
    """Always one block, as _az_distribution."""
    if not value:
        return [{"capacity_reservation_preference": None, "capacity_reservation_target": []}]
    target = value.get("CapacityReservationTarget")
    return [
        {
            "capacity_reservation_preference": pstr(value.get("CapacityReservationPreference")),
            "capacity_reservation_target": (
                [
                    {
                        "capacity_reservation_ids": sorted(
                            str(i) for i in target.get("CapacityReservationIds") or ()
                        ),
                        "capacity_reservation_resource_group_arns": sorted(
                            str(i) for i in target.get("CapacityReservationResourceGroupArns") or ()
                        ),
                    }
                ]
                if target
                else []
            ),
        }
    ]


def group_attributes(group: Mapping[str, Any]) -> dict[str, JSON]:
    """aws_autoscaling_group from one DescribeAutoScalingGroups entry."""
    name = pstr(group.get("AutoScalingGroupName"))
    metrics = list(group.get("EnabledMetrics") or ())
    zones = pstr(group.get("VPCZoneIdentifier"))
    out: dict[str, JSON] = {
        "arn": pstr(group.get("AutoScalingGroupARN")),
        "availability_zone_distribution": _az_distribution(
            group.get("AvailabilityZoneDistribution")
        ),
        "availability_zones": sorted(str(z) for z in group.get("AvailabilityZones") or ()),
        "capacity_rebalance": bool(group.get("CapacityRebalance")),
        "capacity_reservation_specification": _capacity_reservation(
            group.get("CapacityReservationSpecification")
        ),
        "context": pstr(group.get("Context")),
        "default_cooldown": _int(group.get("DefaultCooldown")),
        "default_instance_warmup": _int(group.get("DefaultInstanceWarmup")),
        "desired_capacity": _int(group.get("DesiredCapacity")),
        "desired_capacity_type": pstr(group.get("DesiredCapacityType")),
        "enabled_metrics": sorted(pstr(m.get("Metric")) for m in metrics),
        "health_check_grace_period": _int(group.get("HealthCheckGracePeriod")),
        "health_check_type": pstr(group.get("HealthCheckType")),
        "id": name,
        "instance_maintenance_policy": _instance_maintenance(
            group.get("InstanceMaintenancePolicy")
        ),
        "launch_configuration": pstr(group.get("LaunchConfigurationName")),
        "launch_template": _launch_template(group.get("LaunchTemplate")),
        "load_balancers": sorted(str(n) for n in group.get("LoadBalancerNames") or ()),
        "max_instance_lifetime": _int(group.get("MaxInstanceLifetime")),
        "max_size": _int(group.get("MaxSize")),
        "metrics_granularity": (
            pstr(metrics[0].get("Granularity")) if metrics else DEFAULT_GRANULARITY
        ),
        "min_size": _int(group.get("MinSize")),
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "placement_group": pstr(group.get("PlacementGroup")),
        "predicted_capacity": _int(group.get("PredictedCapacity")),
        "protect_from_scale_in": bool(group.get("NewInstancesProtectedFromScaleIn")),
        "service_linked_role_arn": pstr(group.get("ServiceLinkedRoleARN")),
        "suspended_processes": sorted(
            pstr(p.get("ProcessName")) for p in group.get("SuspendedProcesses") or ()
        ),
        "tag": _tags(group.get("Tags")),
        "target_group_arns": sorted(str(a) for a in group.get("TargetGroupARNs") or ()),
        "termination_policies": [str(p) for p in group.get("TerminationPolicies") or ()],
        "traffic_source": [
            {"identifier": pstr(s.get("Identifier")), "type": pstr(s.get("Type"))}
            for s in group.get("TrafficSources") or ()
        ],
        "vpc_zone_identifier": sorted(zones.split(",")) if zones else [],
        "warm_pool": _warm_pool(group.get("WarmPoolConfiguration")),
        "warm_pool_size": _int(group.get("WarmPoolSize")),
    }
    return out


def group_view(live: Mapping[str, JSON], state: Mapping[str, JSON]) -> dict[str, JSON]:
    """The provider's refresh given the prior state: AWS's lone "Default" termination policy is
    written as none unless state had policies."""
    out = dict(live)
    if out.get("termination_policies") == [DEFAULT_TERMINATION] and not state.get(
        "termination_policies"
    ):
        out["termination_policies"] = []
    return out


# -- launch configurations ----------------------------------------------------------------------


def root_device_name(image: Mapping[str, Any]) -> str:
    """The provider's findImageRootDeviceName: "" for instance-store images; the image's root
    device, or its first mapping's device when the root is not among its mappings."""
    if image.get("RootDeviceType") == "instance-store":
        return ""
    root = pstr(image.get("RootDeviceName"))
    mappings = list(image.get("BlockDeviceMappings") or ())
    if mappings and all(pstr(m.get("DeviceName")) != root for m in mappings):
        root = pstr(mappings[0].get("DeviceName"))
    return root


def _block_devices(
    mappings: Sequence[Mapping[str, Any]], root: str
) -> tuple[list[JSON], list[JSON], list[JSON]]:
    """(ebs_block_device, ephemeral_block_device, root_block_device) from the mappings."""
    ebs_list: list[JSON] = []
    ephemeral: list[JSON] = []
    roots: list[JSON] = []
    for mapping in mappings:
        item: dict[str, JSON] = {}
        if mapping.get("NoDevice") is not None:
            item["no_device"] = bool(mapping["NoDevice"])
        ebs = mapping.get("Ebs")
        if ebs is not None:
            item["delete_on_termination"] = (
                True if ebs.get("DeleteOnTermination") is None else bool(ebs["DeleteOnTermination"])
            )
            for key, api in (
                ("iops", "Iops"),
                ("throughput", "Throughput"),
                ("volume_size", "VolumeSize"),
            ):
                if ebs.get(api) is not None:
                    item[key] = int(ebs[api])
            if ebs.get("Encrypted") is not None:
                item["encrypted"] = bool(ebs["Encrypted"])
            if ebs.get("VolumeType") is not None:
                item["volume_type"] = str(ebs["VolumeType"])
        device = pstr(mapping.get("DeviceName"))
        if device == root:
            roots.append(item)
            continue
        item["device_name"] = device
        if mapping.get("VirtualName") is not None:
            item["virtual_name"] = str(mapping["VirtualName"])
            ephemeral.append(item)
            continue
        if ebs is not None and ebs.get("SnapshotId") is not None:
            item["snapshot_id"] = str(ebs["SnapshotId"])
        ebs_list.append(item)
    # The SDK writes every field of a block element; what the flatten left out is its zero.
    return (
        [_zeros(EBS_FIELDS, b) for b in ebs_list],
        [_zeros(EPHEMERAL_FIELDS, b) for b in ephemeral],
        [_zeros(ROOT_FIELDS, b) for b in roots],
    )


ROOT_FIELDS: Mapping[str, JSON] = {
    "delete_on_termination": False,
    "encrypted": False,
    "iops": 0,
    "throughput": 0,
    "volume_size": 0,
    "volume_type": "",
}
EBS_FIELDS: Mapping[str, JSON] = {
    **ROOT_FIELDS,
    "device_name": "",
    "no_device": False,
    "snapshot_id": "",
}
EPHEMERAL_FIELDS: Mapping[str, JSON] = {"device_name": "", "no_device": False, "virtual_name": ""}


def _zeros(fields: Mapping[str, JSON], item: Mapping[str, JSON]) -> JSON:
    return {**fields, **{k: v for k, v in item.items() if k in fields}}


def launch_configuration_attributes(lc: Mapping[str, Any], root: str) -> dict[str, JSON]:
    """aws_launch_configuration from one DescribeLaunchConfigurations entry and the root device
    name of its image. `user_data` is the provider's hash (`match` switches to
    `user_data_base64` when state uses it)."""
    name = pstr(lc.get("LaunchConfigurationName"))
    monitoring = lc.get("InstanceMonitoring")
    metadata = lc.get("MetadataOptions")
    ebs_list, ephemeral, roots = _block_devices(list(lc.get("BlockDeviceMappings") or ()), root)
    user_data = pstr(lc.get("UserData"))
    out: dict[str, JSON] = {
        "arn": pstr(lc.get("LaunchConfigurationARN")),
        "associate_public_ip_address": bool(lc.get("AssociatePublicIpAddress")),
        "ebs_block_device": ebs_list,
        "ebs_optimized": bool(lc.get("EbsOptimized")),
        "enable_monitoring": bool(monitoring.get("Enabled")) if monitoring else False,
        "ephemeral_block_device": ephemeral,
        "iam_instance_profile": pstr(lc.get("IamInstanceProfile")),
        "id": name,
        "image_id": pstr(lc.get("ImageId")),
        "instance_type": pstr(lc.get("InstanceType")),
        "key_name": pstr(lc.get("KeyName")),
        "metadata_options": (
            [
                {
                    "http_endpoint": pstr(metadata.get("HttpEndpoint")),
                    "http_put_response_hop_limit": _int(metadata.get("HttpPutResponseHopLimit")),
                    "http_tokens": pstr(metadata.get("HttpTokens")),
                }
            ]
            if metadata
            else []
        ),
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "placement_tenancy": pstr(lc.get("PlacementTenancy")),
        "root_block_device": roots,
        "security_groups": sorted(str(g) for g in lc.get("SecurityGroups") or ()),
        "spot_price": pstr(lc.get("SpotPrice")),
    }
    if user_data:
        out["user_data"] = user_data_hash(user_data)  # only its hash: user data holds secrets
    return out


def launch_configuration_view(
    live: Mapping[str, JSON], state: Mapping[str, JSON]
) -> dict[str, JSON]:
    """The provider's refresh given the prior state: user data goes to `user_data_base64` when
    state uses that (the reader keeps only its hash: an unchanged value is the state's, a
    changed one shows as its SHA-1), else to `user_data`; without user data both keep state's."""
    out = dict(live)
    live_hash = live.get("user_data")
    if live_hash is None:
        out["user_data"] = state.get("user_data")
        out["user_data_base64"] = state.get("user_data_base64")
    elif state.get("user_data_base64"):
        stored = str(state["user_data_base64"])
        out["user_data"] = state.get("user_data")
        out["user_data_base64"] = stored if user_data_hash(stored) == live_hash else live_hash
    else:
        out["user_data_base64"] = state.get("user_data_base64")
    return out


def _image_roots(ec2: Any, image_ids: Iterable[str]) -> dict[str, str]:
    ids = sorted(set(image_ids))
    if not ids:
        return {}
    images = paginate(
        ec2, "describe_images", "Images", Filters=[{"Name": "image-id", "Values": ids}]
    )
    return {pstr(i.get("ImageId")): root_device_name(i) for i in images}


class AutoScalingReader(Reader):
    """Auto Scaling groups and launch configurations of one region."""

    types: ClassVar[tuple[str, ...]] = (GROUP, LAUNCH_CONFIGURATION)
    service: ClassVar[str] = "autoscaling"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        GROUP: frozenset(
            {
                "force_delete",
                "force_delete_warm_pool",
                "ignore_failed_scaling_activities",
                "initial_lifecycle_hook",
                "instance_refresh",
                "min_elb_capacity",
                "timeouts",
                "wait_for_capacity_timeout",
                "wait_for_elb_capacity",
                # The provider reads it as the policy it created the group with (launch
                # template overrides and distribution); not modelled here yet.
                "mixed_instances_policy",
            }
        ),
        LAUNCH_CONFIGURATION: frozenset(),
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"autoscaling/{ctx.region}", "launch configurations")
        client = ctx.client("autoscaling")
        resources: list[LiveResource] = []
        try:
            groups = paginate(
                client,
                "describe_auto_scaling_groups",
                "AutoScalingGroups",
                PaginationConfig={"PageSize": PAGE_SIZE},
            )
        except AWS_ERRORS as exc:
            fails.add(exc, GROUP)
            groups = []
        resources.extend(
            LiveResource(GROUP, str(g["AutoScalingGroupName"]), ctx.region, group_attributes(g))
            for g in groups
        )
        try:
            configurations = paginate(
                client,
                "describe_launch_configurations",
                "LaunchConfigurations",
                PaginationConfig={"PageSize": PAGE_SIZE},
            )
            roots = _image_roots(
                ctx.client("ec2"), (pstr(c.get("ImageId")) for c in configurations)
            )
        except AWS_ERRORS as exc:
            fails.add(exc, LAUNCH_CONFIGURATION)
            configurations = []
        for lc in configurations:
            name = str(lc["LaunchConfigurationName"])
            shaped = launch_configuration_attributes(lc, roots.get(pstr(lc.get("ImageId")), ""))
            resources.append(LiveResource(LAUNCH_CONFIGURATION, name, ctx.region, shaped))
        return fails.result(resources)

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        found = live.get(type_, state_id)
        if found is None:
            return None
        if type_ == LAUNCH_CONFIGURATION:
            view = launch_configuration_view(found.attributes, state_attributes)
        else:
            view = group_view(found.attributes, state_attributes)
        return LiveResource(found.type, found.id, found.region, view)
