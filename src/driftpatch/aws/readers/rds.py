"""RDS DB subnet, parameter and option groups, DB instances and DB clusters, and Neptune
clusters, cluster instances and cluster snapshots (per region), shaped as hashicorp/aws 5.100.0
writes them to state on refresh: aws_db_subnet_group and aws_db_parameter_group here,
aws_db_option_group and aws_db_instance in rds_instances.py, aws_rds_cluster in rds_clusters.py,
aws_neptune_* in neptune.py (Neptune's management API is RDS's).

Calls: DescribeDBSubnetGroups, DescribeDBParameterGroups, DescribeOptionGroups,
DescribeDBInstances, DescribeDBClusters (split by engine), DescribeGlobalClusters (only when
there are clusters) and DescribeDBClusterSnapshots pages (bulk; DB instances and RDS clusters
carry their tags); per object, in a bounded pool, what the listings leave out and the provider
reads: ListTagsForResource (tags of groups, Neptune clusters and cluster instances), and
DescribeDBParameters(Source=user) for each parameter group.

Shapes, from the provider's read functions:
- `aws_db_subnet_group`: arn, description, name, name_prefix (NamePrefixFromName), subnet_ids
  (a set), supported_network_types, vpc_id, tags = tags_all without `aws:` keys.
- `aws_db_parameter_group`: arn, description, family, name, name_prefix, and `parameter` = the
  parameters whose source is "user", each {apply_method, name, value} with apply_method and
  name lower-cased and a nil value written "" (flattenParameters). `skip_destroy` is
  configuration only.
  Not reproduced: when the configuration lists a parameter whose value equals the engine
  default (its source is then "system"/"engine-default", not "user"), the provider writes that
  parameter too, with its current value; knowing it takes the group's full parameter listing
  (hundreds per group), so such a parameter reads as absent here.

Account defaults: AWS's own groups, `default` (subnet group of the default VPC), `default.*`
parameter groups and `default:*` option groups; they cannot be changed and no code creates them.

moto 5.2 answers DescribeOptionGroups without a name with a 500 and gives every DB instance the
same DbiResourceId; the tests mend both in the test process (tests/aws/rds_moto.py), the reader
calls what AWS answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    name_prefix_from_name,
    paginate,
    pool_map,
    provider_tags,
)
from driftpatch.aws.readers.common import (
    pstr as _s,
)
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.aws.readers.neptune import (
    CLUSTER,
    CLUSTER_INSTANCE,
    CLUSTER_SNAPSHOT,
    ENGINE,
    cluster_attributes,
    cluster_instance_attributes,
    cluster_snapshot_attributes,
    global_members,
    is_automated_snapshot,
    match_cluster_instance,
)
from driftpatch.aws.readers.neptune import UNREADABLE as NEPTUNE_UNREADABLE
from driftpatch.aws.readers.rds_clusters import (
    RDS_CLUSTER,
    RDS_CLUSTER_UNREADABLE,
    match_cluster,
)
from driftpatch.aws.readers.rds_clusters import cluster_attributes as rds_cluster_attributes
from driftpatch.aws.readers.rds_instances import (
    INSTANCE,
    INSTANCE_UNREADABLE,
    OPTION_GROUP,
    OPTION_GROUP_UNREADABLE,
    instance_attributes,
    is_default_option_group,
    match_instance,
    match_option_group,
    option_group_attributes,
)
from driftpatch.aws.session import error_code
from driftpatch.model import JSON

SUBNET_GROUP = "aws_db_subnet_group"
PARAMETER_GROUP = "aws_db_parameter_group"
PAGE_SIZE = 100
# DescribeDBInstances also lists the instances of Aurora, Neptune and DocumentDB clusters:
# those are aws_rds_cluster_instance / aws_neptune_cluster_instance / aws_docdb_cluster_instance
# in state, not aws_db_instance.
NOT_INSTANCE_ENGINES = ("aurora", "neptune", "docdb")  # Describe* MaxRecords (RDS's maximum)
GONE_CODES = frozenset(
    {"DBSubnetGroupNotFoundFault", "DBParameterGroupNotFound", "OptionGroupNotFoundFault"}
)


def is_default_subnet_group(name: str) -> bool:
    return name == "default"


def is_default_parameter_group(name: str) -> bool:
    return name.startswith("default.")


def subnet_group_attributes(group: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, JSON]:
    name = str(group["DBSubnetGroupName"])
    subnets: list[JSON] = sorted(
        {
            str(s["SubnetIdentifier"])
            for s in group.get("Subnets") or ()
            if s.get("SubnetIdentifier")
        }
    )
    network_types: list[JSON] = sorted({str(t) for t in group.get("SupportedNetworkTypes") or ()})
    return {
        "arn": _s(group.get("DBSubnetGroupArn")),
        "description": _s(group.get("DBSubnetGroupDescription")),
        "id": name,
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "subnet_ids": subnets,
        "supported_network_types": network_types,
        "tags": dict(tags),
        "tags_all": dict(tags),
        "vpc_id": _s(group.get("VpcId")),
    }


def parameter_attributes(parameters: list[Mapping[str, Any]]) -> list[JSON]:
    """flattenParameters: names and apply methods lower-cased, a nil value as ""."""
    out: list[JSON] = []
    for p in parameters:
        if p.get("ParameterName") is None:
            continue
        out.append(
            {
                "apply_method": _s(p.get("ApplyMethod")).lower(),
                "name": str(p["ParameterName"]).lower(),
                "value": _s(p.get("ParameterValue")),
            }
        )
    return out


def parameter_group_attributes(
    group: Mapping[str, Any], parameters: list[Mapping[str, Any]], tags: Mapping[str, str]
) -> dict[str, JSON]:
    name = str(group["DBParameterGroupName"])
    return {
        "arn": _s(group.get("DBParameterGroupArn")),
        "description": _s(group.get("Description")),
        "family": _s(group.get("DBParameterGroupFamily")),
        "id": name,
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "parameter": parameter_attributes(parameters),
        "tags": dict(tags),
        "tags_all": dict(tags),
    }


def _tags(client: Any, arn: str) -> dict[str, str]:
    return provider_tags(client.list_tags_for_resource(ResourceName=arn).get("TagList"))


def _gone(exc: BaseException) -> bool:
    return error_code(exc) in GONE_CODES


def _read_subnet_groups(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    client = ctx.client("rds")
    try:
        listed = paginate(
            client, "describe_db_subnet_groups", "DBSubnetGroups", MaxRecords=PAGE_SIZE
        )
    except AWS_ERRORS as exc:
        fails.add(exc, SUBNET_GROUP)
        return []

    def read(group: Mapping[str, Any]) -> LiveResource | BaseException | None:
        try:
            tags = _tags(client, str(group.get("DBSubnetGroupArn")))
        except botocore.exceptions.ClientError as exc:
            return None if _gone(exc) else exc
        except AWS_ERRORS as exc:
            return exc
        attrs = subnet_group_attributes(group, tags)
        name = str(attrs["name"])
        default = is_default_subnet_group(name)
        return LiveResource(SUBNET_GROUP, name, ctx.region, attrs, account_default=default)

    return _collect(pool_map(read, listed), fails, SUBNET_GROUP)


def _read_parameter_groups(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    client = ctx.client("rds")
    try:
        listed = paginate(
            client, "describe_db_parameter_groups", "DBParameterGroups", MaxRecords=PAGE_SIZE
        )
    except AWS_ERRORS as exc:
        fails.add(exc, PARAMETER_GROUP)
        return []

    def read(group: Mapping[str, Any]) -> LiveResource | BaseException | None:
        name = str(group["DBParameterGroupName"])
        try:
            parameters = paginate(
                client,
                "describe_db_parameters",
                "Parameters",
                DBParameterGroupName=name,
                Source="user",
            )
            tags = _tags(client, str(group.get("DBParameterGroupArn")))
        except botocore.exceptions.ClientError as exc:
            return None if _gone(exc) else exc
        except AWS_ERRORS as exc:
            return exc
        attrs = parameter_group_attributes(group, parameters, tags)
        default = is_default_parameter_group(name)
        return LiveResource(PARAMETER_GROUP, name, ctx.region, attrs, account_default=default)

    return _collect(pool_map(read, listed), fails, PARAMETER_GROUP)


def _read_option_groups(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    client = ctx.client("rds")
    try:
        listed = paginate(
            client, "describe_option_groups", "OptionGroupsList", MaxRecords=PAGE_SIZE
        )
    except AWS_ERRORS as exc:
        fails.add(exc, OPTION_GROUP)
        return []

    def read(group: Mapping[str, Any]) -> LiveResource | BaseException | None:
        try:
            tags = _tags(client, str(group.get("OptionGroupArn")))
        except botocore.exceptions.ClientError as exc:
            return None if _gone(exc) else exc
        except AWS_ERRORS as exc:
            return exc
        attrs = option_group_attributes(group, tags)
        name = str(attrs["name"])
        default = is_default_option_group(name)
        return LiveResource(OPTION_GROUP, name, ctx.region, attrs, account_default=default)

    return _collect(pool_map(read, listed), fails, OPTION_GROUP)


def _read_instances(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    """DB instances, and Neptune clusters with their instances (one DescribeDBInstances listing
    for both; a cluster instance's `writer` comes from its cluster's member list)."""
    client = ctx.client("rds")
    try:
        listed = paginate(client, "describe_db_instances", "DBInstances", MaxRecords=PAGE_SIZE)
    except AWS_ERRORS as exc:
        fails.add(exc, INSTANCE, CLUSTER_INSTANCE)
        listed = []  # the clusters are still read
    out: list[LiveResource] = []
    for db in listed:
        if str(db.get("Engine") or "").startswith(NOT_INSTANCE_ENGINES):
            continue
        attrs = instance_attributes(db)
        out.append(LiveResource(INSTANCE, str(attrs["id"]), ctx.region, attrs))
    every_cluster = _read_clusters(ctx, fails)
    members = [db for db in listed if db.get("Engine") == ENGINE]
    if every_cluster is None:  # no cluster, no `writer`: the cluster instances are unread too
        fails.incomplete.add(CLUSTER_INSTANCE)
        every_cluster, members = [], []
    clusters = [c for c in every_cluster if c.get("Engine") == ENGINE]
    rds_clusters = [
        c for c in every_cluster if not str(c.get("Engine") or "").startswith(("neptune", "docdb"))
    ]
    writers = {
        str(m.get("DBInstanceIdentifier")): bool(m.get("IsClusterWriter"))
        for c in clusters
        for m in c.get("DBClusterMembers") or ()
    }

    def read_member(db: Mapping[str, Any]) -> LiveResource | BaseException | None:
        try:
            tags = _tags(client, str(db.get("DBInstanceArn")))
        except botocore.exceptions.ClientError as exc:
            return None if error_code(exc) == "DBInstanceNotFound" else exc
        except AWS_ERRORS as exc:
            return exc
        writer = writers.get(str(db["DBInstanceIdentifier"]), False)
        attrs = cluster_instance_attributes(db, tags, writer)
        return LiveResource(CLUSTER_INSTANCE, str(attrs["id"]), ctx.region, attrs)

    def read_cluster(cluster: Mapping[str, Any]) -> LiveResource | BaseException | None:
        try:
            tags = _tags(client, str(cluster.get("DBClusterArn")))
        except botocore.exceptions.ClientError as exc:
            return None if error_code(exc) == "DBClusterNotFoundFault" else exc
        except AWS_ERRORS as exc:
            return exc
        glob = global_of.get(str(cluster.get("DBClusterArn")), "")
        attrs = cluster_attributes(cluster, tags, glob)
        return LiveResource(CLUSTER, str(attrs["id"]), ctx.region, attrs)

    global_of = _global_members(client, fails) if clusters or rds_clusters else {}
    out += _collect(pool_map(read_member, members), fails, CLUSTER_INSTANCE)
    out += _collect(pool_map(read_cluster, clusters), fails, CLUSTER)
    for cluster in rds_clusters:
        attrs = rds_cluster_attributes(cluster, global_of.get(str(cluster.get("DBClusterArn")), ""))
        out.append(LiveResource(RDS_CLUSTER, str(attrs["id"]), ctx.region, attrs))
    return out


def _read_clusters(ctx: ReadContext, fails: Failures) -> list[Mapping[str, Any]] | None:
    """Every DB cluster (Aurora, Multi-AZ, Neptune, DocumentDB); None when the listing failed
    (recorded in `fails`)."""
    try:
        return paginate(
            ctx.client("rds"), "describe_db_clusters", "DBClusters", MaxRecords=PAGE_SIZE
        )
    except AWS_ERRORS as exc:
        fails.add(exc, CLUSTER, RDS_CLUSTER)
        return None


def _global_members(client: Any, fails: Failures) -> dict[str, str]:
    try:
        listed = paginate(client, "describe_global_clusters", "GlobalClusters")
    except AWS_ERRORS as exc:
        fails.add(exc, CLUSTER, RDS_CLUSTER)
        return {}
    return global_members(listed)


def _read_cluster_snapshots(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    try:
        listed = paginate(
            ctx.client("rds"),
            "describe_db_cluster_snapshots",
            "DBClusterSnapshots",
            MaxRecords=PAGE_SIZE,
        )
    except AWS_ERRORS as exc:
        fails.add(exc, CLUSTER_SNAPSHOT)
        return []
    out: list[LiveResource] = []
    for snapshot in listed:
        if snapshot.get("Engine") != ENGINE:
            continue
        attrs = cluster_snapshot_attributes(snapshot)
        default = is_automated_snapshot(snapshot)
        out.append(LiveResource(CLUSTER_SNAPSHOT, str(attrs["id"]), ctx.region, attrs, default))
    return out


def _collect(
    results: list[LiveResource | BaseException | None], fails: Failures, type_: str
) -> list[LiveResource]:
    out: list[LiveResource] = []
    for result in results:
        if isinstance(result, BaseException):
            fails.add(result, type_)
        elif result is not None:
            out.append(result)
    return out


class RdsReader(Reader):
    """DB subnet, parameter and option groups, DB instances, RDS clusters, and Neptune
    clusters, cluster instances and cluster snapshots."""

    types: ClassVar[tuple[str, ...]] = (
        SUBNET_GROUP,
        PARAMETER_GROUP,
        OPTION_GROUP,
        INSTANCE,
        CLUSTER,
        CLUSTER_INSTANCE,
        CLUSTER_SNAPSHOT,
        RDS_CLUSTER,
    )
    service: ClassVar[str] = "rds"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        # Config-only: whether `terraform destroy` keeps the group.
        PARAMETER_GROUP: frozenset({"skip_destroy"}),
        OPTION_GROUP: OPTION_GROUP_UNREADABLE,
        INSTANCE: INSTANCE_UNREADABLE,
        **NEPTUNE_UNREADABLE,
        RDS_CLUSTER: RDS_CLUSTER_UNREADABLE,
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        scope = f"rds/{ctx.region}"
        fails = (
            Failures(scope, "subnet groups"),
            Failures(scope, "parameter groups"),
            Failures(scope, "option groups"),
            Failures(scope, "DB instances and clusters"),
            Failures(scope, "cluster snapshots"),
        )
        readers = (
            _read_subnet_groups,
            _read_parameter_groups,
            _read_option_groups,
            _read_instances,
            _read_cluster_snapshots,
        )
        with ThreadPoolExecutor(max_workers=len(readers)) as pool:
            futures = [pool.submit(fn, ctx, f) for fn, f in zip(readers, fails, strict=True)]
            resources = [r for future in futures for r in future.result()]
        return ReadResult(
            resources=tuple(resources),
            errors=tuple(e for f in fails for e in f.errors()),
            incomplete_types=frozenset().union(*(f.incomplete for f in fails)),
        )

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        """By id; a DB instance also by its identifier (4.x states), read given the prior
        state as the provider reads it (rds_instances.match_*)."""
        found = live.get(type_, state_id)
        if type_ == INSTANCE:
            if found is None:
                identifier = state_attributes.get("identifier") or state_id
                found = next(
                    (
                        r
                        for r in live.of_type(INSTANCE)
                        if r.attributes.get("identifier") == identifier
                    ),
                    None,
                )
            if found is None:
                return None
            view = match_instance(found.attributes, state_attributes)
        elif type_ == OPTION_GROUP and found is not None:
            view = match_option_group(found.attributes, state_attributes)
        elif type_ == RDS_CLUSTER and found is not None:
            view = match_cluster(found.attributes, state_attributes)
        elif type_ == CLUSTER_INSTANCE and found is not None:
            view = match_cluster_instance(found.attributes, state_attributes)
        else:
            return found
        return LiveResource(found.type, found.id, found.region, view, found.account_default)
