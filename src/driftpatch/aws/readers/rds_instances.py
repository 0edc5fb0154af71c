"""RDS DB instances and DB option groups, shaped as hashicorp/aws 5.100.0 writes
aws_db_instance and aws_db_option_group to state on refresh (the listing is in rds.py).

`aws_db_instance` (resourceInstanceRead): everything comes from the DescribeDBInstances entry,
tags included (its TagList; no per-instance call). The state's id is the DbiResourceId since
provider 5.0 (`identifier` holds the name); states written by 4.x use the identifier, so
`match_instance` accepts both. What the read takes from the prior state, not from AWS:
- `db_subnet_group_name`, `option_group_name`, `parameter_group_name`, and `address`,
  `endpoint`, `hosted_zone_id`: set only when AWS returns the subnet group / the memberships /
  the endpoint; otherwise the prior value stays (`KEPT_WHEN_ABSENT`).
- `engine_version`: the configured version stays when the running one extends it ("8.0" for
  "8.0.35", dbSetResourceDataEngineVersionFromInstance); `engine_version_actual` is AWS's.
Never read (configuration only, the arguments of API calls, or secret): password, password_wo*,
manage_master_user_password, master_user_secret_kms_key_id, apply_immediately,
allow_major_version_upgrade, skip_final_snapshot, final_snapshot_identifier,
delete_automated_backups, snapshot_identifier, replicate_source_db's restore/import blocks,
blue_green_update, upgrade_storage_config, timeouts (`INSTANCE_UNREADABLE`). The managed
master password's secret is described by its ARN and status only (`master_user_secret`).
`latest_restorable_time` moves every few minutes by itself: it is never compared.

`aws_db_option_group` (resourceOptionGroupRead + flattenOptions): arn, engine_name,
major_engine_version, name, name_prefix, option_group_description, tags (ListTagsForResource),
and `option`, a set of {option_name, port, version, db_security_group_memberships,
vpc_security_group_memberships, option_settings}. AWS lists every setting of an option (its
defaults too); the provider writes only the settings the configuration names, and an option's
`version` only when the configuration sets one (`match_option_group`); a port AWS does not
return is 0 after a refresh, null after an apply (both kept as the state has them).
`skip_destroy` and `timeouts` are configuration only.

Account defaults: option groups named `default:*` (AWS's own, one per engine version).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftpatch.aws.readers.common import name_prefix_from_name, provider_tags, rfc3339
from driftpatch.aws.readers.common import pstr as _s
from driftpatch.model import JSON

INSTANCE = "aws_db_instance"
OPTION_GROUP = "aws_db_option_group"

INSTANCE_UNREADABLE = frozenset(
    {
        "allow_major_version_upgrade",
        "apply_immediately",
        "blue_green_update",
        "delete_automated_backups",
        "final_snapshot_identifier",
        "latest_restorable_time",
        "manage_master_user_password",
        "master_user_secret_kms_key_id",
        "password",
        "password_wo",
        "password_wo_version",
        "restore_to_point_in_time",
        "s3_import",
        "skip_final_snapshot",
        "snapshot_identifier",
        "timeouts",
        "upgrade_storage_config",
    }
)
OPTION_GROUP_UNREADABLE = frozenset({"skip_destroy", "timeouts"})
KEPT_WHEN_ABSENT = (
    "address",
    "db_subnet_group_name",
    "endpoint",
    "hosted_zone_id",
    "option_group_name",
    "parameter_group_name",
)


def strings(values: Any) -> list[JSON]:
    """A sorted list of the non-null values, as the provider's set of strings reads back."""
    return sorted(str(v) for v in values or () if v is not None)


def master_user_secret(secret: Mapping[str, Any] | None) -> list[JSON]:
    """The RDS-managed master password's secret, described by ARN, key and status only."""
    if not secret:
        return []
    return [
        {
            "kms_key_id": _s(secret.get("KmsKeyId")),
            "secret_arn": _s(secret.get("SecretArn")),
            "secret_status": _s(secret.get("SecretStatus")),
        }
    ]


def is_default_option_group(name: str) -> bool:
    return name.startswith("default:")


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def _bool(value: Any) -> bool:
    return bool(value) if value is not None else False


def instance_attributes(db: Mapping[str, Any]) -> dict[str, JSON]:
    """One DescribeDBInstances entry as the provider's read writes it (before the prior
    state's part, see `match_instance`)."""
    identifier = str(db["DBInstanceIdentifier"])
    tags = provider_tags(db.get("TagList"))
    domain = (db.get("DomainMemberships") or [None])[0] or {}
    listener = db.get("ListenerEndpoint")
    out: dict[str, JSON] = {
        "allocated_storage": _int(db.get("AllocatedStorage")),
        "arn": _s(db.get("DBInstanceArn")),
        "auto_minor_version_upgrade": _bool(db.get("AutoMinorVersionUpgrade")),
        "availability_zone": _s(db.get("AvailabilityZone")),
        "backup_retention_period": _int(db.get("BackupRetentionPeriod")),
        "backup_target": _s(db.get("BackupTarget")),
        "backup_window": _s(db.get("PreferredBackupWindow")),
        "ca_cert_identifier": _s(db.get("CACertificateIdentifier")),
        "character_set_name": _s(db.get("CharacterSetName")),
        "copy_tags_to_snapshot": _bool(db.get("CopyTagsToSnapshot")),
        "custom_iam_instance_profile": _s(db.get("CustomIamInstanceProfile")),
        "customer_owned_ip_enabled": _bool(db.get("CustomerOwnedIpEnabled")),
        "database_insights_mode": _s(db.get("DatabaseInsightsMode")),
        "db_name": _s(db.get("DBName")),
        "dedicated_log_volume": _bool(db.get("DedicatedLogVolume")),
        "deletion_protection": _bool(db.get("DeletionProtection")),
        "domain": _s(domain.get("Domain")),
        "domain_auth_secret_arn": _s(domain.get("AuthSecretArn")),
        "domain_dns_ips": [str(ip) for ip in domain.get("DnsIps") or ()],
        "domain_fqdn": _s(domain.get("FQDN")),
        "domain_iam_role_name": _s(domain.get("IAMRoleName")),
        "domain_ou": _s(domain.get("OU")),
        "enabled_cloudwatch_logs_exports": sorted(
            str(x) for x in db.get("EnabledCloudwatchLogsExports") or ()
        ),
        "engine": _s(db.get("Engine")),
        "engine_lifecycle_support": _s(db.get("EngineLifecycleSupport")),
        "engine_version": _s(db.get("EngineVersion")),
        "engine_version_actual": _s(db.get("EngineVersion")),
        "iam_database_authentication_enabled": _bool(db.get("IAMDatabaseAuthenticationEnabled")),
        "id": _s(db.get("DbiResourceId")) or identifier,
        "identifier": identifier,
        "identifier_prefix": name_prefix_from_name(identifier),
        "instance_class": _s(db.get("DBInstanceClass")),
        "iops": _int(db.get("Iops")),
        "kms_key_id": _s(db.get("KmsKeyId")),
        "latest_restorable_time": rfc3339(db.get("LatestRestorableTime")),
        "license_model": _s(db.get("LicenseModel")),
        "listener_endpoint": [
            {
                "address": _s(listener.get("Address")),
                "hosted_zone_id": _s(listener.get("HostedZoneId")),
                "port": _int(listener.get("Port")),
            }
        ]
        if listener
        else [],
        "maintenance_window": _s(db.get("PreferredMaintenanceWindow")),
        "master_user_secret": master_user_secret(db.get("MasterUserSecret")),
        "max_allocated_storage": _int(db.get("MaxAllocatedStorage")),
        "monitoring_interval": _int(db.get("MonitoringInterval")),
        "monitoring_role_arn": _s(db.get("MonitoringRoleArn")),
        "multi_az": _bool(db.get("MultiAZ")),
        "nchar_character_set_name": _s(db.get("NcharCharacterSetName")),
        "network_type": _s(db.get("NetworkType")),
        "performance_insights_enabled": _bool(db.get("PerformanceInsightsEnabled")),
        "performance_insights_kms_key_id": _s(db.get("PerformanceInsightsKMSKeyId")),
        "performance_insights_retention_period": _int(db.get("PerformanceInsightsRetentionPeriod")),
        "port": _int(db.get("DbInstancePort")),
        "publicly_accessible": _bool(db.get("PubliclyAccessible")),
        "replica_mode": _s(db.get("ReplicaMode")),
        "replicas": [str(r) for r in db.get("ReadReplicaDBInstanceIdentifiers") or ()],
        "replicate_source_db": _s(db.get("ReadReplicaSourceDBInstanceIdentifier")),
        "resource_id": _s(db.get("DbiResourceId")),
        "status": _s(db.get("DBInstanceStatus")),
        "storage_encrypted": _bool(db.get("StorageEncrypted")),
        "storage_throughput": _int(db.get("StorageThroughput")),
        "storage_type": _s(db.get("StorageType")),
        "tags": dict(tags),
        "tags_all": dict(tags),
        "timezone": _s(db.get("Timezone")),
        "username": _s(db.get("MasterUsername")),
        "vpc_security_group_ids": sorted(
            str(g["VpcSecurityGroupId"])
            for g in db.get("VpcSecurityGroups") or ()
            if g.get("VpcSecurityGroupId")
        ),
    }
    subnet_group = db.get("DBSubnetGroup")
    if subnet_group:
        out["db_subnet_group_name"] = _s(subnet_group.get("DBSubnetGroupName"))
    options = db.get("OptionGroupMemberships") or []
    if options and options[0]:
        out["option_group_name"] = _s(options[0].get("OptionGroupName"))
    parameters = db.get("DBParameterGroups") or []
    if parameters and parameters[0]:
        out["parameter_group_name"] = _s(parameters[0].get("DBParameterGroupName"))
    endpoint = db.get("Endpoint")
    if endpoint:
        address, port = endpoint.get("Address"), endpoint.get("Port")
        out["address"] = _s(address)
        if address is not None and port is not None:
            out["endpoint"] = f"{address}:{int(port)}"
        out["hosted_zone_id"] = _s(endpoint.get("HostedZoneId"))
        if port is not None:
            out["port"] = int(port)
    return out


def match_instance(live: Mapping[str, JSON], state: Mapping[str, JSON]) -> dict[str, JSON]:
    """The provider's read of `live` given the prior `state`: what AWS leaves out stays, and a
    configured engine version that the running one extends stays."""
    out = dict(live)
    for name in KEPT_WHEN_ABSENT:
        if name not in live and name in state:
            out[name] = state[name]
    configured = state.get("engine_version")
    actual = str(live.get("engine_version_actual") or "")
    if isinstance(configured, str) and configured and keeps_configured(configured, actual):
        out["engine_version"] = configured
    # A 4.x state's id is the identifier: the live object is the same one.
    if state.get("id") == live.get("identifier"):
        out["id"] = live["identifier"]
    return out


def keeps_configured(configured: str, actual: str) -> bool:
    """compareActualEngineVersion: "8.0" (a major.minor pinned in configuration) is kept while
    the instance runs any "8.0.x"; a full version different from the running one is not."""
    return configured != actual and actual.startswith(configured + ".")


def option_group_attributes(group: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, JSON]:
    name = str(group["OptionGroupName"])
    return {
        "arn": _s(group.get("OptionGroupArn")),
        "engine_name": _s(group.get("EngineName")),
        "id": name,
        "major_engine_version": _s(group.get("MajorEngineVersion")),
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "option": [_option(o) for o in group.get("Options") or () if o.get("OptionName")],
        "option_group_description": _s(group.get("OptionGroupDescription")),
        "tags": dict(tags),
        "tags_all": dict(tags),
    }


def _option(option: Mapping[str, Any]) -> dict[str, JSON]:
    """Every setting AWS lists (the match keeps only the configured ones) and the version."""
    settings: list[JSON] = [
        {"name": str(s["Name"]), "value": _s(s.get("Value"))}
        for s in option.get("OptionSettings") or ()
        if s.get("Name") is not None
    ]
    return {
        "db_security_group_memberships": sorted(
            str(m["DBSecurityGroupName"])
            for m in option.get("DBSecurityGroupMemberships") or ()
            if m.get("DBSecurityGroupName")
        ),
        "option_name": str(option["OptionName"]),
        "option_settings": settings,
        "port": _int(option.get("Port")),
        "version": _s(option.get("OptionVersion")),
        "vpc_security_group_memberships": sorted(
            str(m["VpcSecurityGroupId"])
            for m in option.get("VpcSecurityGroupMemberships") or ()
            if m.get("VpcSecurityGroupId")
        ),
    }


def match_option_group(live: Mapping[str, JSON], state: Mapping[str, JSON]) -> dict[str, JSON]:
    """flattenOptions given the configuration (as the prior state records it): of each option,
    the settings whose names the state's same option lists; its version only if the state's
    option has one."""
    configured: dict[str, Mapping[str, Any]] = {}
    for option in state.get("option") or ():
        if isinstance(option, Mapping) and option.get("option_name"):
            configured[str(option["option_name"])] = option
    options: list[JSON] = []
    for option in live.get("option") or ():
        if not isinstance(option, Mapping):
            continue
        mine = configured.get(str(option.get("option_name")), {})
        names = {s.get("name") for s in mine.get("option_settings") or () if isinstance(s, Mapping)}
        settings = [
            s
            for s in option.get("option_settings") or ()
            if isinstance(s, Mapping) and s.get("name") in names
        ]
        version = option.get("version") if mine.get("version") else ""
        view = {**option, "option_settings": settings, "version": version}
        if mine and mine.get("port") is None and not option.get("port"):
            # The SDK cannot tell an unset number from 0: an apply writes the option's port
            # null, a refresh 0 (the same value to the provider; no drift).
            view["port"] = None
        options.append(view)
    return {**live, "option": options}
