"""EKS clusters and managed node groups (per region), shaped as hashicorp/aws 5.100.0 writes
aws_eks_cluster and aws_eks_node_group to state after a refresh.

- Listing is bulk (ListClusters pages of up to 100 names), but names are all it returns: the
  provider's state comes from DescribeCluster, one call per cluster in a bounded pool (tags
  included, so nothing else is asked).
- Nil handling follows the provider's flatteners: an absent block (access, compute, storage,
  remote network, outpost, upgrade policy, zonal shift, encryption, identity, network config)
  is `[]`; no enabled log type is `[]`; `cluster_id` (the Outposts id) is written as the
  SDK's nil pointer, null, when AWS has none.
- Unreadable (the provider keeps them from configuration; DescribeCluster has no such field):
  `bootstrap_self_managed_addons` (a create-time choice), `force_update_version` and
  `timeouts`. `access_config[0].bootstrap_cluster_creator_admin_permissions` is create-time
  too: the provider keeps the state's value inside the block it reads, and so does `match`.
- Node groups: ListNodegroups per cluster, DescribeNodegroup per group (same pool); the id is
  "cluster:node group", as the provider's. `force_update_version` and `timeouts` are config
  only; an absent block is `[]`, a nil disk size 0.
- Every cluster and node group is someone's: none is an account default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    name_prefix_from_name,
    paginate,
    pool_map,
    pstr,
    rfc3339,
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

CLUSTER = "aws_eks_cluster"
NODE_GROUP = "aws_eks_node_group"
PAGE_SIZE = 100  # ListClusters maxResults (EKS's maximum)
CREATOR_ADMIN = "bootstrap_cluster_creator_admin_permissions"


def map_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    """A tag map (EKS answers a map, not pairs) as the provider writes it: `aws:` keys out."""
    return {
        str(k): pstr(v) for k, v in sorted((tags or {}).items()) if not str(k).startswith("aws:")
    }


def _set(values: Any) -> list[str]:
    """A set of strings as Terraform writes it to state: sorted, without duplicates."""
    return sorted({str(v) for v in values or []})


def _block(value: Mapping[str, Any] | None, shape: Any) -> list[dict[str, JSON]]:
    """A MaxItems:1 block: `[]` when AWS has none, else the one element `shape` builds."""
    return [] if not value else [shape(value)]


def _access(a: Mapping[str, Any]) -> dict[str, JSON]:
    # The creator-admin flag is create-time only (AWS never returns it): kept from state by
    # `match`; False is what a fresh read without state would write.
    return {"authentication_mode": pstr(a.get("authenticationMode")), CREATOR_ADMIN: False}


def _compute(c: Mapping[str, Any]) -> dict[str, JSON]:
    return {
        "enabled": bool(c.get("enabled")),
        "node_pools": _set(c.get("nodePools")),
        "node_role_arn": pstr(c.get("nodeRoleArn")),
    }


def _encryption(e: Mapping[str, Any]) -> dict[str, JSON]:
    provider = e.get("provider") or {}
    return {
        "provider": [{"key_arn": pstr(provider.get("keyArn"))}] if provider else [],
        "resources": _set(e.get("resources")),
    }


def _network(n: Mapping[str, Any]) -> dict[str, JSON]:
    elb = n.get("elasticLoadBalancing")
    return {
        "elastic_load_balancing": [{"enabled": bool(elb.get("enabled"))}] if elb else [],
        "ip_family": pstr(n.get("ipFamily")),
        "service_ipv4_cidr": pstr(n.get("serviceIpv4Cidr")),
        "service_ipv6_cidr": pstr(n.get("serviceIpv6Cidr")),
    }


def _outpost(o: Mapping[str, Any]) -> dict[str, JSON]:
    placement = o.get("controlPlanePlacement") or {}
    return {
        "control_plane_instance_type": pstr(o.get("controlPlaneInstanceType")),
        "control_plane_placement": (
            [{"group_name": pstr(placement.get("groupName"))}] if placement else []
        ),
        "outpost_arns": _set(o.get("outpostArns")),
    }


def _remote(r: Mapping[str, Any]) -> dict[str, JSON]:
    return {
        "remote_node_networks": [
            {"cidrs": _set(n.get("cidrs"))} for n in r.get("remoteNodeNetworks") or []
        ],
        "remote_pod_networks": [
            {"cidrs": _set(n.get("cidrs"))} for n in r.get("remotePodNetworks") or []
        ],
    }


def _storage(s: Mapping[str, Any]) -> dict[str, JSON]:
    block = s.get("blockStorage") or {}
    return {"block_storage": [{"enabled": bool(block.get("enabled"))}] if block else []}


def _vpc(v: Mapping[str, Any]) -> dict[str, JSON]:
    return {
        "cluster_security_group_id": pstr(v.get("clusterSecurityGroupId")),
        "endpoint_private_access": bool(v.get("endpointPrivateAccess")),
        "endpoint_public_access": bool(v.get("endpointPublicAccess")),
        "public_access_cidrs": _set(v.get("publicAccessCidrs")),
        "security_group_ids": _set(v.get("securityGroupIds")),
        "subnet_ids": _set(v.get("subnetIds")),
        "vpc_id": pstr(v.get("vpcId")),
    }


def _log_types(logging: Mapping[str, Any] | None) -> list[str]:
    """The provider's flattenLogging: the types of every enabled setup."""
    return [
        str(t)
        for setup in (logging or {}).get("clusterLogging") or []
        if setup.get("enabled")
        for t in setup.get("types") or []
    ]


def cluster_attributes(c: Mapping[str, Any]) -> dict[str, JSON]:
    """aws_eks_cluster from one DescribeCluster `cluster`."""
    oidc = ((c.get("identity") or {}).get("oidc") or {}).get("issuer")
    tags = map_tags(c.get("tags"))
    ca = c.get("certificateAuthority")
    return {
        "access_config": _block(c.get("accessConfig"), _access),
        "arn": pstr(c.get("arn")),
        "certificate_authority": [{"data": pstr(ca.get("data"))}] if ca else [],
        "cluster_id": c.get("id"),
        "compute_config": _block(c.get("computeConfig"), _compute),
        "created_at": rfc3339(c.get("createdAt")),
        "enabled_cluster_log_types": _set(_log_types(c.get("logging"))),
        "encryption_config": [_encryption(e) for e in c.get("encryptionConfig") or []][:1],
        "endpoint": pstr(c.get("endpoint")),
        "id": pstr(c.get("name")),
        "identity": [{"oidc": [{"issuer": pstr(oidc)}]}] if c.get("identity") else [],
        "kubernetes_network_config": _block(c.get("kubernetesNetworkConfig"), _network),
        "name": pstr(c.get("name")),
        "outpost_config": _block(c.get("outpostConfig"), _outpost),
        "platform_version": pstr(c.get("platformVersion")),
        "remote_network_config": _block(c.get("remoteNetworkConfig"), _remote),
        "role_arn": pstr(c.get("roleArn")),
        "status": pstr(c.get("status")),
        "storage_config": _block(c.get("storageConfig"), _storage),
        "tags": tags,
        "tags_all": dict(tags),
        "upgrade_policy": _block(
            c.get("upgradePolicy"), lambda u: {"support_type": pstr(u.get("supportType"))}
        ),
        "version": pstr(c.get("version")),
        "vpc_config": _block(c.get("resourcesVpcConfig"), _vpc),
        "zonal_shift_config": _block(
            c.get("zonalShiftConfig"), lambda z: {"enabled": bool(z.get("enabled"))}
        ),
    }


def node_group_attributes(g: Mapping[str, Any]) -> dict[str, JSON]:
    """aws_eks_node_group from one DescribeNodegroup `nodegroup`."""
    tags = map_tags(g.get("tags"))
    name = pstr(g.get("nodegroupName"))
    resources = g.get("resources")
    template = g.get("launchTemplate")
    remote = g.get("remoteAccess")
    update = g.get("updateConfig")
    return {
        "ami_type": pstr(g.get("amiType")),
        "arn": pstr(g.get("nodegroupArn")),
        "capacity_type": pstr(g.get("capacityType")),
        "cluster_name": pstr(g.get("clusterName")),
        "disk_size": int(g.get("diskSize") or 0),
        "id": f"{pstr(g.get('clusterName'))}:{name}",
        "instance_types": [str(i) for i in g.get("instanceTypes") or []],
        "labels": {str(k): pstr(v) for k, v in sorted((g.get("labels") or {}).items())},
        "launch_template": (
            [
                {
                    "id": pstr(template.get("id")),
                    "name": pstr(template.get("name")),
                    "version": pstr(template.get("version")),
                }
            ]
            if template
            else []
        ),
        "node_group_name": name,
        "node_group_name_prefix": name_prefix_from_name(name),
        "node_repair_config": _block(
            g.get("nodeRepairConfig"), lambda r: {"enabled": bool(r.get("enabled"))}
        ),
        "node_role_arn": pstr(g.get("nodeRole")),
        "release_version": pstr(g.get("releaseVersion")),
        "remote_access": (
            [
                {
                    "ec2_ssh_key": pstr(remote.get("ec2SshKey")),
                    "source_security_group_ids": _set(remote.get("sourceSecurityGroups")),
                }
            ]
            if remote
            else []
        ),
        "resources": (
            [
                {
                    "autoscaling_groups": [
                        {"name": pstr(a.get("name"))}
                        for a in resources.get("autoScalingGroups") or []
                    ],
                    "remote_access_security_group_id": pstr(
                        resources.get("remoteAccessSecurityGroup")
                    ),
                }
            ]
            if resources
            else []
        ),
        "scaling_config": _block(
            g.get("scalingConfig"),
            lambda s: {
                "desired_size": int(s.get("desiredSize") or 0),
                "max_size": int(s.get("maxSize") or 0),
                "min_size": int(s.get("minSize") or 0),
            },
        ),
        "status": pstr(g.get("status")),
        "subnet_ids": _set(g.get("subnets")),
        "tags": tags,
        "tags_all": dict(tags),
        "taint": [
            {
                "effect": pstr(x.get("effect")),
                "key": pstr(x.get("key")),
                "value": pstr(x.get("value")),
            }
            for x in g.get("taints") or []
        ],
        "update_config": (
            [
                {
                    "max_unavailable": int(update.get("maxUnavailable") or 0),
                    "max_unavailable_percentage": int(update.get("maxUnavailablePercentage") or 0),
                }
            ]
            if update
            else []
        ),
        "version": pstr(g.get("version")),
    }


class EksReader(Reader):
    """EKS clusters of one region."""

    types: ClassVar[tuple[str, ...]] = (CLUSTER, NODE_GROUP)
    service: ClassVar[str] = "eks"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        CLUSTER: frozenset({"bootstrap_self_managed_addons", "force_update_version", "timeouts"}),
        NODE_GROUP: frozenset({"force_update_version", "timeouts"}),
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"eks/{ctx.region}", "clusters")
        client = ctx.client("eks")
        try:
            names = paginate(
                client, "list_clusters", "clusters", PaginationConfig={"PageSize": PAGE_SIZE}
            )
        except AWS_ERRORS as exc:
            fails.add(exc, CLUSTER, NODE_GROUP)
            return fails.result(())

        def describe(name: str) -> Mapping[str, Any] | BaseException | None:
            try:
                cluster: Mapping[str, Any] = client.describe_cluster(name=name)["cluster"]
            except botocore.exceptions.ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None  # deleted since the listing
                return exc
            except AWS_ERRORS as exc:
                return exc
            return cluster

        def groups(cluster: str) -> list[LiveResource] | BaseException:
            try:
                listed = paginate(client, "list_nodegroups", "nodegroups", clusterName=cluster)
                out = []
                for group in listed:
                    try:
                        found = client.describe_nodegroup(
                            clusterName=cluster, nodegroupName=str(group)
                        )["nodegroup"]
                    except botocore.exceptions.ClientError as exc:
                        if error_code(exc) == "ResourceNotFoundException":
                            continue  # deleted since the listing
                        raise
                    attrs = node_group_attributes(found)
                    out.append(LiveResource(NODE_GROUP, str(attrs["id"]), ctx.region, attrs))
            except botocore.exceptions.ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return []  # the cluster is gone
                return exc
            except AWS_ERRORS as exc:
                return exc
            return out

        resources: list[LiveResource] = []
        clusters = [str(n) for n in names]
        for found in pool_map(describe, clusters):
            if isinstance(found, BaseException):
                fails.add(found, CLUSTER, NODE_GROUP)  # its node groups are unknown too
            elif found is not None:
                attrs = cluster_attributes(found)
                resources.append(LiveResource(CLUSTER, str(attrs["id"]), ctx.region, attrs))
        for listed in pool_map(groups, clusters):
            if isinstance(listed, BaseException):
                fails.add(listed, NODE_GROUP)
            else:
                resources.extend(listed)
        return fails.result(resources)

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        """By name; the create-time creator-admin flag comes from the state, as the provider
        keeps it."""
        found = live.get(type_, state_id)
        if type_ != CLUSTER or found is None or not found.attributes.get("access_config"):
            return found
        state_access = state_attributes.get("access_config")
        if not (isinstance(state_access, list) and state_access):
            return found
        flag = state_access[0].get(CREATOR_ADMIN) if isinstance(state_access[0], Mapping) else None
        attrs = dict(found.attributes)
        attrs["access_config"] = [{**attrs["access_config"][0], CREATOR_ADMIN: flag}]
        return LiveResource(found.type, found.id, found.region, attrs, found.account_default)
