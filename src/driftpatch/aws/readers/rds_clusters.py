"""RDS (Aurora and Multi-AZ) DB clusters, shaped as hashicorp/aws 5.100.0 writes
aws_rds_cluster to state on refresh (listed with the Neptune clusters in rds.py: one
DescribeDBClusters, split by engine).

From resourceClusterRead: the DescribeDBClusters entry (its TagList for tags), and
`global_cluster_identifier` from DescribeGlobalClusters. Kept from the prior state:
`ca_certificate_identifier` / `ca_certificate_valid_till` when AWS returns no certificate
details, and a configured `engine_version` the running one extends (as for DB instances).
`scaling_configuration` is written whenever AWS returns a ScalingConfigurationInfo (even an
empty one, as moto does), each missing field as the schema's default. Configuration only (or
secret): allow_major_version_upgrade, apply_immediately, db_instance_parameter_group_name,
delete_automated_backups, final_snapshot_identifier, manage_master_user_password,
master_password*, master_user_secret_kms_key_id, restore_to_point_in_time, s3_import,
skip_final_snapshot, snapshot_identifier, source_region, timeouts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftpatch.aws.readers.common import name_prefix_from_name, provider_tags, rfc3339
from driftpatch.aws.readers.common import pstr as _s
from driftpatch.aws.readers.rds_instances import keeps_configured, master_user_secret, strings
from driftpatch.model import JSON

RDS_CLUSTER = "aws_rds_cluster"
RDS_CLUSTER_UNREADABLE = frozenset(
    {
        "allow_major_version_upgrade",
        "apply_immediately",
        "db_instance_parameter_group_name",
        "delete_automated_backups",
        "final_snapshot_identifier",
        "manage_master_user_password",
        "master_password",
        "master_password_wo",
        "master_password_wo_version",
        "master_user_secret_kms_key_id",
        "restore_to_point_in_time",
        "s3_import",
        "skip_final_snapshot",
        "snapshot_identifier",
        "source_region",
        "timeouts",
    }
)
KEPT_WHEN_ABSENT = ("ca_certificate_identifier", "ca_certificate_valid_till")
# The schema's defaults of scaling_configuration's fields (what an absent field reads as).
SCALING_DEFAULTS: Mapping[str, JSON] = {
    "auto_pause": True,
    "max_capacity": 16,
    "min_capacity": 1,
    "seconds_before_timeout": 300,
    "seconds_until_auto_pause": 300,
    "timeout_action": "RollbackCapacityChange",
}
_SCALING_FIELDS = {
    "auto_pause": "AutoPause",
    "max_capacity": "MaxCapacity",
    "min_capacity": "MinCapacity",
    "seconds_before_timeout": "SecondsBeforeTimeout",
    "seconds_until_auto_pause": "SecondsUntilAutoPause",
    "timeout_action": "TimeoutAction",
}


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def cluster_attributes(cluster: Mapping[str, Any], global_cluster: str) -> dict[str, JSON]:
    identifier = str(cluster["DBClusterIdentifier"])
    tags = provider_tags(cluster.get("TagList"))
    domain = (cluster.get("DomainMemberships") or [None])[0] or {}
    scaling = cluster.get("ScalingConfigurationInfo")
    v2 = cluster.get("ServerlessV2ScalingConfiguration")
    out: dict[str, JSON] = {
        "allocated_storage": _int(cluster.get("AllocatedStorage")),
        "arn": _s(cluster.get("DBClusterArn")),
        "availability_zones": strings(cluster.get("AvailabilityZones")),
        "backtrack_window": _int(cluster.get("BacktrackWindow")),
        "backup_retention_period": _int(cluster.get("BackupRetentionPeriod")),
        "cluster_identifier": identifier,
        "cluster_identifier_prefix": name_prefix_from_name(identifier),
        "cluster_members": strings(
            m.get("DBInstanceIdentifier") for m in cluster.get("DBClusterMembers") or ()
        ),
        "cluster_resource_id": _s(cluster.get("DbClusterResourceId")),
        "cluster_scalability_type": _s(cluster.get("ClusterScalabilityType")),
        "copy_tags_to_snapshot": bool(cluster.get("CopyTagsToSnapshot")),
        "database_insights_mode": _s(cluster.get("DatabaseInsightsMode")),
        "database_name": _s(cluster.get("DatabaseName")),
        "db_cluster_instance_class": _s(cluster.get("DBClusterInstanceClass")),
        "db_cluster_parameter_group_name": _s(cluster.get("DBClusterParameterGroup")),
        "db_subnet_group_name": _s(cluster.get("DBSubnetGroup")),
        "db_system_id": _s(cluster.get("DBSystemId")),
        "deletion_protection": bool(cluster.get("DeletionProtection")),
        "domain": _s(domain.get("Domain")),
        "domain_iam_role_name": _s(domain.get("IAMRoleName")),
        "enable_global_write_forwarding": bool(cluster.get("GlobalWriteForwardingRequested")),
        "enable_http_endpoint": bool(cluster.get("HttpEndpointEnabled")),
        "enable_local_write_forwarding": str(cluster.get("LocalWriteForwardingStatus") or "")
        in ("enabled", "requested"),
        "enabled_cloudwatch_logs_exports": strings(cluster.get("EnabledCloudwatchLogsExports")),
        "endpoint": _s(cluster.get("Endpoint")),
        "engine": _s(cluster.get("Engine")),
        "engine_lifecycle_support": _s(cluster.get("EngineLifecycleSupport")),
        "engine_mode": _s(cluster.get("EngineMode")),
        "engine_version": _s(cluster.get("EngineVersion")),
        "engine_version_actual": _s(cluster.get("EngineVersion")),
        "global_cluster_identifier": global_cluster,
        "hosted_zone_id": _s(cluster.get("HostedZoneId")),
        "iam_database_authentication_enabled": bool(
            cluster.get("IAMDatabaseAuthenticationEnabled")
        ),
        "iam_roles": strings(r.get("RoleArn") for r in cluster.get("AssociatedRoles") or ()),
        "id": identifier,
        "iops": _int(cluster.get("Iops")),
        "kms_key_id": _s(cluster.get("KmsKeyId")),
        "master_user_secret": master_user_secret(cluster.get("MasterUserSecret")),
        "master_username": _s(cluster.get("MasterUsername")),
        "monitoring_interval": _int(cluster.get("MonitoringInterval")),
        "monitoring_role_arn": _s(cluster.get("MonitoringRoleArn")),
        "network_type": _s(cluster.get("NetworkType")),
        "performance_insights_enabled": bool(cluster.get("PerformanceInsightsEnabled")),
        "performance_insights_kms_key_id": _s(cluster.get("PerformanceInsightsKMSKeyId")),
        "performance_insights_retention_period": _int(
            cluster.get("PerformanceInsightsRetentionPeriod")
        ),
        "port": _int(cluster.get("Port")),
        "preferred_backup_window": _s(cluster.get("PreferredBackupWindow")),
        "preferred_maintenance_window": _s(cluster.get("PreferredMaintenanceWindow")),
        "reader_endpoint": _s(cluster.get("ReaderEndpoint")),
        "replication_source_identifier": _s(cluster.get("ReplicationSourceIdentifier")),
        "scaling_configuration": [
            {
                name: default if scaling.get(field) is None else scaling[field]
                for name, default in SCALING_DEFAULTS.items()
                for field in (_SCALING_FIELDS[name],)
            }
        ]
        if scaling is not None
        else [],
        "serverlessv2_scaling_configuration": [
            {
                "max_capacity": float(v2.get("MaxCapacity") or 0),
                "min_capacity": float(v2.get("MinCapacity") or 0),
                "seconds_until_auto_pause": _int(v2.get("SecondsUntilAutoPause")),
            }
        ]
        if v2
        else [],
        "storage_encrypted": bool(cluster.get("StorageEncrypted")),
        "storage_type": _s(cluster.get("StorageType")),
        "tags": dict(tags),
        "tags_all": dict(tags),
        "vpc_security_group_ids": strings(
            g.get("VpcSecurityGroupId") for g in cluster.get("VpcSecurityGroups") or ()
        ),
    }
    certificate = cluster.get("CertificateDetails")
    if certificate:
        out["ca_certificate_identifier"] = _s(certificate.get("CAIdentifier"))
        out["ca_certificate_valid_till"] = rfc3339(certificate.get("ValidTill"))
    return out


def match_cluster(live: Mapping[str, JSON], state: Mapping[str, JSON]) -> dict[str, JSON]:
    out = dict(live)
    for name in KEPT_WHEN_ABSENT:
        if name not in live and name in state:
            out[name] = state[name]
    configured = state.get("engine_version")
    actual = str(live.get("engine_version_actual") or "")
    if isinstance(configured, str) and configured and keeps_configured(configured, actual):
        out["engine_version"] = configured
    return out
