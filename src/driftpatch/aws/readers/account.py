"""Account-wide logging and security services, and the account itself.

Log groups named /aws/... are created by AWS services themselves (Lambda, RDS, ...) and are
flagged `account_default` like service-linked roles.

Two readers, because their scopes differ:
- `AccountLoggingReader` (per region): aws_cloudtrail, aws_flow_log, aws_cloudwatch_log_group,
  aws_guardduty_detector, aws_config_configuration_recorder(_status), shaped as the
  hashicorp/aws 5.100.0 provider writes them to state.
- `AccountIamReader` (global, once): aws_iam_account_password_policy (GetAccountPasswordPolicy;
  NoSuchEntity means no policy, so no resource) and the global `aws_account` subject.

`aws_account` is a pseudo-type for account-level rules (root MFA, GuardDuty in every region...).
It is never in any state and always `account_default=True`, so it is never "unmanaged":
- one global subject: id = the account id, region None, scope "global", carrying
  GetAccountSummary facts (account_mfa_enabled, account_access_keys_present) and whether a
  password policy exists (password_policy_present);
- one subject per scanned region: id = "<account id>/<region>" (distinct ids keep finding
  fingerprints distinct per region), region set, scope "region", carrying guardduty_enabled,
  config_recorder_enabled, cloudtrail_logging (a logging trail covers the region) and
  cloudtrail_multi_region_logging (a logging multi-region trail covers it). These regional
  subjects come from the logging reader; the type is registered by the IAM reader.
A fact is None when the call behind it failed: unknown, never a violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import botocore.exceptions

from driftpatch.aws.readers.common import AWS_ERRORS as _AWS_ERRORS
from driftpatch.aws.readers.common import name_prefix_from_name, pool_map
from driftpatch.aws.readers.common import pstr as _s
from driftpatch.aws.readers.interface import LiveResource, ReadContext, Reader, ReadResult
from driftpatch.aws.session import describe_error, error_code
from driftpatch.model import JSON, ScanError

ACCOUNT_TYPE = "aws_account"
# Types emitted here that are not provider resource types (never in state, never unmanaged).
PSEUDO_TYPES = frozenset({ACCOUNT_TYPE})
PASSWORD_POLICY_ID = "iam-account-password-policy"  # the provider's fixed id
AWS_CREATED_LOG_GROUP_PREFIX = "/aws/"
_UNIQUE_SUFFIX = re.compile(r"[0-9a-fA-F]{26}$")  # terraform's PrefixedUniqueId suffix
_POOL = 4
T = TypeVar("T")


@dataclass
class _Acc:
    """What one read collects: resources, failures as values, incomplete types."""

    resources: list[LiveResource] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    incomplete: set[str] = field(default_factory=set)

    def fail(self, scope: str, exc: BaseException, *types: str) -> None:
        self.errors.append(ScanError(scope, describe_error(exc)))
        self.incomplete.update(types)

    def result(self) -> ReadResult:
        return ReadResult(
            resources=tuple(self.resources),
            errors=tuple(self.errors),
            incomplete_types=frozenset(self.incomplete),
        )


def _tags(
    pairs: Iterable[Mapping[str, Any]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    return {str(t[key]): str(t.get(value, "")) for t in pairs or ()}


# -- CloudTrail ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailFacts:
    """What the regional aws_account subject needs from CloudTrail (None: unknown)."""

    logging: bool | None
    multi_region_logging: bool | None


def _read_trails(ctx: ReadContext, acc: _Acc) -> TrailFacts:
    scope = f"cloudtrail/{ctx.region}"
    client = ctx.client("cloudtrail")
    try:
        # Shadow trails (multi-region trails homed elsewhere) count for the account facts;
        # only trails homed here are resources of this region.
        trails = client.describe_trails(includeShadowTrails=True).get("trailList", [])
    except _AWS_ERRORS as exc:
        acc.fail(scope, exc, "aws_cloudtrail")
        return TrailFacts(None, None)
    home = [t for t in trails if t.get("HomeRegion", ctx.region) == ctx.region]
    shadow = [t for t in trails if t not in home]

    def status(trail: Mapping[str, Any]) -> bool | BaseException:
        try:
            return bool(client.get_trail_status(Name=trail["TrailARN"]).get("IsLogging"))
        except _AWS_ERRORS as exc:
            return exc

    home_status = pool_map(status, home, _POOL)
    found: dict[str, dict[str, str]] = {}
    tags: dict[str, dict[str, str]] | None = found
    arns = [t["TrailARN"] for t in home]
    try:
        for i in range(0, len(arns), 20):  # ListTags takes up to 20 trails per call
            resp = client.list_tags(ResourceIdList=arns[i : i + 20])
            for item in resp.get("ResourceTagList", []):
                found[item["ResourceId"]] = _tags(item.get("TagsList"))
    except _AWS_ERRORS as exc:
        acc.fail(scope, exc, "aws_cloudtrail")
        tags = None  # no trail can be emitted without its tags
    for trail, logging in zip(home, home_status, strict=True):
        if tags is None:
            break
        if isinstance(logging, BaseException):
            acc.fail(scope, logging, "aws_cloudtrail")
            continue
        attrs = _trail_attributes(ctx, client, trail, logging, tags.get(trail["TrailARN"], {}))
        if isinstance(attrs, BaseException):
            acc.fail(scope, attrs, "aws_cloudtrail")
            continue
        acc.resources.append(LiveResource("aws_cloudtrail", trail["TrailARN"], ctx.region, attrs))

    known = [(t, s) for t, s in zip(home, home_status, strict=True) if isinstance(s, bool)]
    unknown = len(known) < len(home)
    multi = any(s and t.get("IsMultiRegionTrail") for t, s in known)
    any_logging = any(s for _, s in known)
    if not multi:  # a multi-region trail homed elsewhere may cover this region
        for trail in shadow:
            if not trail.get("IsMultiRegionTrail"):
                continue
            s = status(trail)
            if isinstance(s, BaseException):
                unknown = True
                continue
            multi = multi or s
            any_logging = any_logging or s
    return TrailFacts(
        logging=True if any_logging else (None if unknown else False),
        multi_region_logging=True if multi else (None if unknown else False),
    )


def _trail_attributes(
    ctx: ReadContext,
    client: Any,
    trail: Mapping[str, Any],
    logging: bool,
    tags: dict[str, str],
) -> dict[str, JSON] | BaseException:
    arn = trail["TrailARN"]
    event_selectors: list[JSON] = []
    advanced: list[JSON] = []
    insights: list[JSON] = []
    try:
        if trail.get("HasCustomEventSelectors"):
            resp = client.get_event_selectors(TrailName=arn)
            event_selectors = flatten_event_selectors(resp.get("EventSelectors") or [])
            advanced = flatten_advanced_selectors(resp.get("AdvancedEventSelectors") or [])
        if trail.get("HasInsightSelectors"):
            try:
                resp = client.get_insight_selectors(TrailName=arn)
                insights = [
                    {"insight_type": s["InsightType"]} for s in resp.get("InsightSelectors") or []
                ]
            except botocore.exceptions.ClientError as exc:
                if error_code(exc) != "InsightNotEnabledException":
                    raise
    except _AWS_ERRORS as exc:
        return exc
    return {
        "advanced_event_selector": advanced,
        "arn": arn,
        "cloud_watch_logs_group_arn": _s(trail.get("CloudWatchLogsLogGroupArn")),
        "cloud_watch_logs_role_arn": _s(trail.get("CloudWatchLogsRoleArn")),
        "enable_log_file_validation": bool(trail.get("LogFileValidationEnabled")),
        "enable_logging": logging,
        "event_selector": event_selectors,
        "home_region": _s(trail.get("HomeRegion")),
        "id": arn,
        "include_global_service_events": bool(trail.get("IncludeGlobalServiceEvents")),
        "insight_selector": insights,
        "is_multi_region_trail": bool(trail.get("IsMultiRegionTrail")),
        "is_organization_trail": bool(trail.get("IsOrganizationTrail")),
        "kms_key_id": _s(trail.get("KmsKeyId")),
        "name": _s(trail.get("Name")),
        "s3_bucket_name": _s(trail.get("S3BucketName")),
        "s3_key_prefix": _s(trail.get("S3KeyPrefix")),
        "sns_topic_arn": _s(trail.get("SnsTopicARN")),
        "sns_topic_name": _sns_topic_name(trail, ctx.account_id),
        "tags": tags,
        "tags_all": dict(tags),
    }


def _sns_topic_name(trail: Mapping[str, Any], account_id: str) -> str:
    """The provider writes the topic's name when it is in the trail's region and account,
    else the whole ARN."""
    topic_arn = trail.get("SnsTopicARN")
    if not topic_arn:
        return ""
    parts = str(topic_arn).split(":", 5)
    if len(parts) == 6 and parts[3] == trail.get("HomeRegion") and parts[4] == account_id:
        return parts[5]
    return str(topic_arn)


def flatten_event_selectors(selectors: list[Mapping[str, Any]]) -> list[JSON]:
    """As the provider: the single default selector (all, no data, no exclusions) is []."""
    if (
        len(selectors) == 1
        and not selectors[0].get("DataResources")
        and selectors[0].get("ReadWriteType") == "All"
        and not selectors[0].get("ExcludeManagementEventSources")
    ):
        return []
    return [
        {
            "data_resource": [
                {"type": _s(d.get("Type")), "values": list(d.get("Values") or [])}
                for d in s.get("DataResources") or []
            ],
            "exclude_management_event_sources": sorted(
                s.get("ExcludeManagementEventSources") or []
            ),
            "include_management_events": bool(s.get("IncludeManagementEvents")),
            "read_write_type": _s(s.get("ReadWriteType")),
        }
        for s in selectors
    ]


_FIELD_OPS = (
    ("Equals", "equals"),
    ("NotEquals", "not_equals"),
    ("StartsWith", "starts_with"),
    ("NotStartsWith", "not_starts_with"),
    ("EndsWith", "ends_with"),
    ("NotEndsWith", "not_ends_with"),
)


def flatten_advanced_selectors(selectors: list[Mapping[str, Any]]) -> list[JSON]:
    out: list[JSON] = []
    for s in selectors:
        fields = []
        for f in s.get("FieldSelectors") or []:
            item: dict[str, JSON] = {"field": _s(f.get("Field"))}
            for api, attr in _FIELD_OPS:
                item[attr] = list(f[api]) if f.get(api) is not None else None
            fields.append(item)
        out.append({"field_selector": fields, "name": _s(s.get("Name"))})
    return out


# -- VPC flow logs ------------------------------------------------------------------------------

# The provider sets exactly one of these from the flow log's ResourceId, by its prefix.
_FLOW_LOG_TARGETS = (
    ("tgw-attach-", "transit_gateway_attachment_id"),
    ("tgw-", "transit_gateway_id"),
    ("vpc-", "vpc_id"),
    ("subnet-", "subnet_id"),
    ("eni-", "eni_id"),
)


def _read_flow_logs(ctx: ReadContext, acc: _Acc) -> None:
    client = ctx.client("ec2")
    try:
        logs = [
            fl
            for page in client.get_paginator("describe_flow_logs").paginate()
            for fl in page.get("FlowLogs", [])
        ]
    except _AWS_ERRORS as exc:
        acc.fail(f"ec2/{ctx.region}", exc, "aws_flow_log")
        return
    for fl in logs:
        fid = fl["FlowLogId"]
        tags = _tags(fl.get("Tags"))
        attrs: dict[str, JSON] = {
            "arn": _arn(ctx, "ec2", f"vpc-flow-log/{fid}"),
            "deliver_cross_account_role": _s(fl.get("DeliverCrossAccountRole")),
            "destination_options": _destination_options(fl.get("DestinationOptions")),
            "iam_role_arn": _s(fl.get("DeliverLogsPermissionArn")),
            "id": fid,
            "log_destination": _s(fl.get("LogDestination")),
            "log_destination_type": _s(fl.get("LogDestinationType")),
            "log_format": _s(fl.get("LogFormat")),
            "log_group_name": _s(fl.get("LogGroupName")),
            "max_aggregation_interval": int(fl.get("MaxAggregationInterval") or 0),
            "tags": tags,
            "tags_all": dict(tags),
            "traffic_type": _s(fl.get("TrafficType")),
        }
        resource_id = str(fl.get("ResourceId") or "")
        target = next((a for p, a in _FLOW_LOG_TARGETS if resource_id.startswith(p)), None)
        for _, attr in _FLOW_LOG_TARGETS:
            attrs[attr] = resource_id if attr == target else None
        acc.resources.append(
            LiveResource("aws_flow_log", fid, ctx.region, dict(sorted(attrs.items())))
        )


def _destination_options(opts: Mapping[str, Any] | None) -> list[JSON]:
    if not opts:
        return []
    return [
        {
            "file_format": _s(opts.get("FileFormat")),
            "hive_compatible_partitions": bool(opts.get("HiveCompatiblePartitions")),
            "per_hour_partition": bool(opts.get("PerHourPartition")),
        }
    ]


def _arn(ctx: ReadContext, service: str, resource: str) -> str:
    return f"arn:{_partition(ctx.region)}:{service}:{ctx.region}:{ctx.account_id}:{resource}"


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# -- CloudWatch Logs ----------------------------------------------------------------------------


def _read_log_groups(ctx: ReadContext, acc: _Acc) -> None:
    scope = f"logs/{ctx.region}"
    client = ctx.client("logs")
    try:
        groups = [
            g
            for page in client.get_paginator("describe_log_groups").paginate()
            for g in page.get("logGroups", [])
        ]
    except _AWS_ERRORS as exc:
        acc.fail(scope, exc, "aws_cloudwatch_log_group")
        return

    def tags(group: Mapping[str, Any]) -> dict[str, str] | BaseException:
        # No bulk tag API for log groups: one ListTagsForResource each, as the provider does.
        try:
            resp = client.list_tags_for_resource(resourceArn=_trim_arn(group["arn"]))
        except _AWS_ERRORS as exc:
            return exc
        return {str(k): str(v) for k, v in (resp.get("tags") or {}).items()}

    for group, group_tags in zip(groups, pool_map(tags, groups, _POOL), strict=True):
        if isinstance(group_tags, BaseException):
            acc.fail(scope, group_tags, "aws_cloudwatch_log_group")
            continue
        name = str(group["logGroupName"])
        attrs: dict[str, JSON] = {
            "arn": _trim_arn(group.get("arn", "")),
            "id": name,
            "kms_key_id": _s(group.get("kmsKeyId")),
            "log_group_class": _s(group.get("logGroupClass")),
            "name": name,
            "name_prefix": name_prefix_from_name(name),
            "retention_in_days": int(group.get("retentionInDays") or 0),
            "tags": group_tags,
            "tags_all": dict(group_tags),
        }
        acc.resources.append(
            LiveResource(
                "aws_cloudwatch_log_group",
                name,
                ctx.region,
                attrs,
                # /aws/lambda/..., /aws/rds/...: created by the service on first write, like a
                # service-linked role; still compared when a state owns it, never "unmanaged".
                account_default=name.startswith(AWS_CREATED_LOG_GROUP_PREFIX),
            )
        )


def _trim_arn(arn: str) -> str:
    """DescribeLogGroups returns the ARN with a trailing `:*`; the provider trims it."""
    return arn.removesuffix(":*")


# -- GuardDuty ----------------------------------------------------------------------------------


def _read_guardduty(ctx: ReadContext, acc: _Acc) -> bool | None:
    scope = f"guardduty/{ctx.region}"
    client = ctx.client("guardduty")
    try:
        ids = [
            d
            for page in client.get_paginator("list_detectors").paginate()
            for d in page.get("DetectorIds", [])
        ]
    except _AWS_ERRORS as exc:
        acc.fail(scope, exc, "aws_guardduty_detector")
        return None

    def get(detector_id: str) -> Mapping[str, Any] | BaseException:
        try:
            return dict(client.get_detector(DetectorId=detector_id))
        except _AWS_ERRORS as exc:
            return exc

    enabled: bool | None = False
    for detector_id, det in zip(ids, pool_map(get, ids, _POOL), strict=True):
        if isinstance(det, BaseException):
            acc.fail(scope, det, "aws_guardduty_detector")
            enabled = enabled or None
            continue
        is_on = det.get("Status") == "ENABLED"
        enabled = True if is_on else enabled
        tags = {str(k): str(v) for k, v in (det.get("Tags") or {}).items()}
        attrs: dict[str, JSON] = {
            "account_id": ctx.account_id,
            "arn": _arn(ctx, "guardduty", f"detector/{detector_id}"),
            "datasources": _datasources(det.get("DataSources")),
            "enable": is_on,
            "finding_publishing_frequency": _s(det.get("FindingPublishingFrequency")),
            "id": detector_id,
            "tags": tags,
            "tags_all": dict(tags),
        }
        acc.resources.append(LiveResource("aws_guardduty_detector", detector_id, ctx.region, attrs))
    return enabled


def _enabled(status: Any) -> bool:
    return bool(status == "ENABLED")


def _datasources(ds: Mapping[str, Any] | None) -> list[JSON]:
    if not ds:
        return []
    out: dict[str, JSON] = {"kubernetes": [], "malware_protection": [], "s3_logs": []}
    k8s = ds.get("Kubernetes")
    if k8s:
        audit = (k8s.get("AuditLogs") or {}).get("Status")
        out["kubernetes"] = [{"audit_logs": [{"enable": _enabled(audit)}]}]
    malware = ds.get("MalwareProtection")
    if malware:
        ebs = ((malware.get("ScanEc2InstanceWithFindings") or {}).get("EbsVolumes") or {}).get(
            "Status"
        )
        out["malware_protection"] = [
            {"scan_ec2_instance_with_findings": [{"ebs_volumes": [{"enable": _enabled(ebs)}]}]}
        ]
    s3 = ds.get("S3Logs")
    if s3:
        out["s3_logs"] = [{"enable": _enabled(s3.get("Status"))}]
    return [out]


# -- AWS Config ---------------------------------------------------------------------------------


def _read_config(ctx: ReadContext, acc: _Acc) -> bool | None:
    scope = f"config/{ctx.region}"
    client = ctx.client("config")
    types = ("aws_config_configuration_recorder", "aws_config_configuration_recorder_status")
    try:
        recorders = client.describe_configuration_recorders().get("ConfigurationRecorders", [])
        statuses = client.describe_configuration_recorder_status().get(
            "ConfigurationRecordersStatus", []
        )
    except _AWS_ERRORS as exc:
        acc.fail(scope, exc, *types)
        return None
    for rec in recorders:
        name = str(rec["name"])
        attrs: dict[str, JSON] = {
            "id": name,
            "name": name,
            "recording_group": _recording_group(rec.get("recordingGroup")),
            "recording_mode": _recording_mode(rec.get("recordingMode")),
            "role_arn": _s(rec.get("roleARN")),
        }
        acc.resources.append(LiveResource(types[0], name, ctx.region, attrs))
    recording = False
    for st in statuses:
        name = str(st["name"])
        is_on = bool(st.get("recording"))
        recording = recording or is_on
        attrs = {"id": name, "is_enabled": is_on, "name": name}
        acc.resources.append(LiveResource(types[1], name, ctx.region, attrs))
    return recording


def _recording_group(group: Mapping[str, Any] | None) -> list[JSON]:
    if not group:
        return []
    item: dict[str, JSON] = {
        "all_supported": bool(group.get("allSupported")),
        "exclusion_by_resource_types": [],
        "include_global_resource_types": bool(group.get("includeGlobalResourceTypes")),
        "recording_strategy": [],
        "resource_types": sorted(group.get("resourceTypes") or []),
    }
    excl = group.get("exclusionByResourceTypes")
    if excl is not None:
        item["exclusion_by_resource_types"] = [
            {"resource_types": sorted(excl.get("resourceTypes") or [])}
        ]
    strategy = group.get("recordingStrategy")
    if strategy is not None:
        item["recording_strategy"] = [{"use_only": _s(strategy.get("useOnly"))}]
    return [item]


def _recording_mode(mode: Mapping[str, Any] | None) -> list[JSON]:
    if not mode:
        return []
    overrides = [
        {
            "description": _s(o.get("description")),
            "recording_frequency": _s(o.get("recordingFrequency")),
            "resource_types": sorted(o.get("resourceTypes") or []),
        }
        for o in mode.get("recordingModeOverrides") or []
    ]
    return [
        {
            "recording_frequency": _s(mode.get("recordingFrequency")),
            "recording_mode_override": overrides[:1],
        }
    ]


# -- the readers --------------------------------------------------------------------------------


class AccountLoggingReader(Reader):
    """CloudTrail, flow logs, log groups, GuardDuty and Config in one region, plus the
    region's aws_account subject (which of them is on)."""

    types: ClassVar[tuple[str, ...]] = (
        "aws_cloudtrail",
        "aws_flow_log",
        "aws_cloudwatch_log_group",
        "aws_guardduty_detector",
        "aws_config_configuration_recorder",
        "aws_config_configuration_recorder_status",
    )
    service: ClassVar[str] = "cloudtrail"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        # Config-only: whether `terraform destroy` deletes the group.
        "aws_cloudwatch_log_group": frozenset({"skip_destroy"}),
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        accs = [_Acc() for _ in range(5)]
        # Five independent services: read them side by side, each into its own accumulator.
        with ThreadPoolExecutor(max_workers=5) as pool:
            trails = pool.submit(_read_trails, ctx, accs[0])
            guardduty = pool.submit(_read_guardduty, ctx, accs[1])
            config = pool.submit(_read_config, ctx, accs[2])
            flows = pool.submit(_read_flow_logs, ctx, accs[3])
            groups = pool.submit(_read_log_groups, ctx, accs[4])
            flows.result()
            groups.result()
            facts = trails.result()
            attrs: dict[str, JSON] = {
                "account_id": ctx.account_id,
                "cloudtrail_logging": facts.logging,
                "cloudtrail_multi_region_logging": facts.multi_region_logging,
                "config_recorder_enabled": config.result(),
                "guardduty_enabled": guardduty.result(),
                "region": ctx.region,
                "scope": "region",
            }
        acc = _Acc()
        for part in accs:
            acc.resources.extend(part.resources)
            acc.errors.extend(part.errors)
            acc.incomplete.update(part.incomplete)
        acc.resources.append(
            LiveResource(
                ACCOUNT_TYPE,
                f"{ctx.account_id}/{ctx.region}",
                ctx.region,
                attrs,
                account_default=True,
            )
        )
        return acc.result()


class AccountIamReader(Reader):
    """The account password policy and the account's IAM summary (global, read once)."""

    types: ClassVar[tuple[str, ...]] = ("aws_iam_account_password_policy", ACCOUNT_TYPE)
    service: ClassVar[str] = "iam"
    is_global: ClassVar[bool] = True

    def read(self, ctx: ReadContext) -> ReadResult:
        acc = _Acc()
        client = ctx.client("iam")
        present: bool | None
        try:
            policy = client.get_account_password_policy()["PasswordPolicy"]
        except botocore.exceptions.ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                present = False
            else:
                acc.fail("iam/global", exc, "aws_iam_account_password_policy")
                present = None
        except _AWS_ERRORS as exc:
            acc.fail("iam/global", exc, "aws_iam_account_password_policy")
            present = None
        else:
            present = True
            acc.resources.append(
                LiveResource(
                    "aws_iam_account_password_policy",
                    PASSWORD_POLICY_ID,
                    None,
                    password_policy_attributes(policy),
                )
            )
        mfa: bool | None = None
        keys: bool | None = None
        try:
            summary = client.get_account_summary()["SummaryMap"]
        except _AWS_ERRORS as exc:
            acc.fail("iam/global", exc, ACCOUNT_TYPE)
        else:
            mfa = bool(summary.get("AccountMFAEnabled")) if "AccountMFAEnabled" in summary else None
            keys = (
                bool(summary.get("AccountAccessKeysPresent"))
                if "AccountAccessKeysPresent" in summary
                else None
            )
        acc.resources.append(
            LiveResource(
                ACCOUNT_TYPE,
                ctx.account_id,
                None,
                {
                    "account_access_keys_present": keys,
                    "account_id": ctx.account_id,
                    "account_mfa_enabled": mfa,
                    "password_policy_present": present,
                    "region": None,
                    "scope": "global",
                },
                account_default=True,
            )
        )
        return acc.result()


def password_policy_attributes(policy: Mapping[str, Any]) -> dict[str, JSON]:
    return {
        "allow_users_to_change_password": bool(policy.get("AllowUsersToChangePassword")),
        "expire_passwords": bool(policy.get("ExpirePasswords")),
        "hard_expiry": bool(policy.get("HardExpiry")),
        "id": PASSWORD_POLICY_ID,
        "max_password_age": int(policy.get("MaxPasswordAge") or 0),
        "minimum_password_length": int(policy.get("MinimumPasswordLength") or 0),
        "password_reuse_prevention": int(policy.get("PasswordReusePrevention") or 0),
        "require_lowercase_characters": bool(policy.get("RequireLowercaseCharacters")),
        "require_numbers": bool(policy.get("RequireNumbers")),
        "require_symbols": bool(policy.get("RequireSymbols")),
        "require_uppercase_characters": bool(policy.get("RequireUppercaseCharacters")),
    }


READERS: tuple[Reader, ...] = (AccountLoggingReader(), AccountIamReader())
