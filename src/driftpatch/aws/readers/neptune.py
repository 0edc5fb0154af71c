"""Neptune clusters, cluster instances and cluster snapshots, shaped as hashicorp/aws 5.100.0
writes aws_neptune_cluster, aws_neptune_cluster_instance and aws_neptune_cluster_snapshot to
state on refresh. Neptune's management API is RDS's (same endpoint, Engine "neptune"): the
RDS reader lists them with its own pages (rds.py) and this module shapes them.

From the provider's read functions:
- cluster: DescribeDBClusters entry + ListTagsForResource, and `global_cluster_identifier` from
  DescribeGlobalClusters (the global cluster listing this cluster's ARN as a member; one bulk
  listing per region here, one per cluster in the provider). Configuration only:
  allow_major_version_upgrade, apply_immediately, final_snapshot_identifier,
  skip_final_snapshot, snapshot_identifier, neptune_instance_parameter_group_name (an argument
  of the upgrade call), timeouts.
- cluster instance: DescribeDBInstances entry (Engine "neptune") + ListTagsForResource, and
  `writer` from its cluster's member list. `neptune_subnet_group_name` is kept from the prior
  state when AWS returns no subnet group. Configuration only: apply_immediately,
  skip_final_snapshot, timeouts.
- cluster snapshot: DescribeDBClusterSnapshots entry (no tags in the provider's schema).
  Automated snapshots (`rds:*`, SnapshotType "automated") are AWS's: account defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftpatch.aws.readers.common import name_prefix_from_name
from driftpatch.aws.readers.common import pstr as _s
from driftpatch.aws.readers.rds_instances import strings
from driftpatch.model import JSON

CLUSTER = "aws_neptune_cluster"
CLUSTER_INSTANCE = "aws_neptune_cluster_instance"
CLUSTER_SNAPSHOT = "aws_neptune_cluster_snapshot"
ENGINE = "neptune"

UNREADABLE: Mapping[str, frozenset[str]] = {
    CLUSTER: frozenset(
        {
            "allow_major_version_upgrade",
            "apply_immediately",
            "final_snapshot_identifier",
            "neptune_instance_parameter_group_name",
            "skip_final_snapshot",
            "snapshot_identifier",
            "timeouts",
        }
    ),
    CLUSTER_INSTANCE: frozenset({"apply_immediately", "skip_final_snapshot", "timeouts"}),
    CLUSTER_SNAPSHOT: frozenset({"timeouts"}),
}
INSTANCE_KEPT_WHEN_ABSENT = ("neptune_subnet_group_name",)


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def is_automated_snapshot(snapshot: Mapping[str, Any]) -> bool:
    return str(snapshot.get("SnapshotType") or "") == "automated"


def cluster_attributes(
    cluster: Mapping[str, Any], tags: Mapping[str, str], global_cluster: str
) -> dict[str, JSON]:
    identifier = str(cluster["DBClusterIdentifier"])
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    return {
        "arn": _s(cluster.get("DBClusterArn")),
        "availability_zones": strings(cluster.get("AvailabilityZones")),
        "backup_retention_period": _int(cluster.get("BackupRetentionPeriod")),
        "cluster_identifier": identifier,
        "cluster_identifier_prefix": name_prefix_from_name(identifier),
        "cluster_members": strings(
            m.get("DBInstanceIdentifier") for m in cluster.get("DBClusterMembers") or ()
        ),
        "cluster_resource_id": _s(cluster.get("DbClusterResourceId")),
        "copy_tags_to_snapshot": bool(cluster.get("CopyTagsToSnapshot")),
        "deletion_protection": bool(cluster.get("DeletionProtection")),
        "enable_cloudwatch_logs_exports": strings(cluster.get("EnabledCloudwatchLogsExports")),
        "endpoint": _s(cluster.get("Endpoint")),
        "engine": _s(cluster.get("Engine")),
        "engine_version": _s(cluster.get("EngineVersion")),
        "global_cluster_identifier": global_cluster,
        "hosted_zone_id": _s(cluster.get("HostedZoneId")),
        "iam_database_authentication_enabled": bool(
            cluster.get("IAMDatabaseAuthenticationEnabled")
        ),
        "iam_roles": strings(r.get("RoleArn") for r in cluster.get("AssociatedRoles") or ()),
        "id": identifier,
        "kms_key_arn": _s(cluster.get("KmsKeyId")),
        "neptune_cluster_parameter_group_name": _s(cluster.get("DBClusterParameterGroup")),
        "neptune_subnet_group_name": _s(cluster.get("DBSubnetGroup")),
        "port": _int(cluster.get("Port")),
        "preferred_backup_window": _s(cluster.get("PreferredBackupWindow")),
        "preferred_maintenance_window": _s(cluster.get("PreferredMaintenanceWindow")),
        "reader_endpoint": _s(cluster.get("ReaderEndpoint")),
        "replication_source_identifier": _s(cluster.get("ReplicationSourceIdentifier")),
        "serverless_v2_scaling_configuration": [
            {
                "max_capacity": float(scaling.get("MaxCapacity") or 0),
                "min_capacity": float(scaling.get("MinCapacity") or 0),
            }
        ]
        if scaling
        else [],
        "storage_encrypted": bool(cluster.get("StorageEncrypted")),
        "storage_type": _s(cluster.get("StorageType")),
        "tags": dict(tags),
        "tags_all": dict(tags),
        "vpc_security_group_ids": strings(
            g.get("VpcSecurityGroupId") for g in cluster.get("VpcSecurityGroups") or ()
        ),
    }


def cluster_instance_attributes(
    db: Mapping[str, Any], tags: Mapping[str, str], writer: bool
) -> dict[str, JSON]:
    identifier = str(db["DBInstanceIdentifier"])
    out: dict[str, JSON] = {
        "arn": _s(db.get("DBInstanceArn")),
        "auto_minor_version_upgrade": bool(db.get("AutoMinorVersionUpgrade")),
        "availability_zone": _s(db.get("AvailabilityZone")),
        "cluster_identifier": _s(db.get("DBClusterIdentifier")),
        "dbi_resource_id": _s(db.get("DbiResourceId")),
        "engine": _s(db.get("Engine")),
        "engine_version": _s(db.get("EngineVersion")),
        "id": identifier,
        "identifier": identifier,
        "identifier_prefix": name_prefix_from_name(identifier),
        "instance_class": _s(db.get("DBInstanceClass")),
        "kms_key_arn": _s(db.get("KmsKeyId")),
        "neptune_parameter_group_name": "",
        "preferred_backup_window": _s(db.get("PreferredBackupWindow")),
        "preferred_maintenance_window": _s(db.get("PreferredMaintenanceWindow")),
        "promotion_tier": _int(db.get("PromotionTier")),
        "publicly_accessible": bool(db.get("PubliclyAccessible")),
        "storage_encrypted": bool(db.get("StorageEncrypted")),
        "storage_type": _s(db.get("StorageType")),
        "tags": dict(tags),
        "tags_all": dict(tags),
        "writer": writer,
    }
    parameters = db.get("DBParameterGroups") or []
    if parameters and parameters[0]:
        out["neptune_parameter_group_name"] = _s(parameters[0].get("DBParameterGroupName"))
    subnet_group = db.get("DBSubnetGroup")
    if subnet_group:
        out["neptune_subnet_group_name"] = _s(subnet_group.get("DBSubnetGroupName"))
    endpoint = db.get("Endpoint") or {}
    address, port = endpoint.get("Address"), endpoint.get("Port")
    out["address"] = _s(address)
    out["port"] = _int(port)
    out["endpoint"] = f"{address}:{int(port)}" if address is not None and port is not None else ""
    return out


def match_cluster_instance(live: Mapping[str, JSON], state: Mapping[str, JSON]) -> dict[str, JSON]:
    out = dict(live)
    for name in INSTANCE_KEPT_WHEN_ABSENT:
        if name not in live and name in state:
            out[name] = state[name]
    return out


def cluster_snapshot_attributes(snapshot: Mapping[str, Any]) -> dict[str, JSON]:
    identifier = str(snapshot["DBClusterSnapshotIdentifier"])
    return {
        "allocated_storage": _int(snapshot.get("AllocatedStorage")),
        "availability_zones": [str(z) for z in snapshot.get("AvailabilityZones") or ()],
        "db_cluster_identifier": _s(snapshot.get("DBClusterIdentifier")),
        "db_cluster_snapshot_arn": _s(snapshot.get("DBClusterSnapshotArn")),
        "db_cluster_snapshot_identifier": identifier,
        "engine": _s(snapshot.get("Engine")),
        "engine_version": _s(snapshot.get("EngineVersion")),
        "id": identifier,
        "kms_key_id": _s(snapshot.get("KmsKeyId")),
        "license_model": _s(snapshot.get("LicenseModel")),
        "port": _int(snapshot.get("Port")),
        "snapshot_type": _s(snapshot.get("SnapshotType")),
        "source_db_cluster_snapshot_arn": _s(snapshot.get("SourceDBClusterSnapshotArn")),
        "status": _s(snapshot.get("Status")),
        "storage_encrypted": bool(snapshot.get("StorageEncrypted")),
        "vpc_id": _s(snapshot.get("VpcId")),
    }


def global_members(global_clusters: list[Mapping[str, Any]]) -> dict[str, str]:
    """Cluster ARN -> the identifier of the global cluster it is a member of."""
    return {
        str(m["DBClusterArn"]): str(g.get("GlobalClusterIdentifier") or "")
        for g in global_clusters
        for m in g.get("GlobalClusterMembers") or ()
        if m.get("DBClusterArn")
    }
