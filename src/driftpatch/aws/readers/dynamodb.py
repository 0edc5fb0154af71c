"""DynamoDB tables (per region), shaped as hashicorp/aws 5.100.0 writes aws_dynamodb_table to
state after a refresh.

- Listing is bulk (ListTables pages of 100 names); the provider's state needs, per table, in a
  bounded pool: DescribeTable + DescribeContinuousBackups (point-in-time recovery) +
  DescribeTimeToLive + ListTagsOfResource = 4 calls.
- Nil handling as the provider's read: no billing summary -> PROVISIONED, no table class
  summary -> STANDARD, no stream specification -> stream off and the state's
  `stream_view_type` kept, capacities and `range_key` only set when AWS returns them (else the
  state's stay), no SSE description -> `[]`.
- Not read: `replica` (a global table's replicas need calls in each replica's region; the
  provider makes them, this reader does not yet, so the attribute is unreadable rather than
  reported as drift), and the config-only restore/import arguments and `timeouts`. An SSE key
  equal to the account's AWS-managed DynamoDB key is written "" by the provider
  (clearSSEDefaultKey); so does the reader: when a table's SSE names a key, it resolves
  `alias/aws/dynamodb` once (KMS DescribeKey) and clears that key's ARN.
- No table is created by AWS itself, so none is an account default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    listing,
    paginate,
    provider_tags,
    pstr,
    read_each,
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

TABLE = "aws_dynamodb_table"
# Set from the prior state when AWS returns nothing for them (see the module docstring).
KEPT_WHEN_ABSENT = ("range_key", "read_capacity", "write_capacity", "stream_view_type")


def _keys(schema: Any) -> tuple[str, str]:
    hash_key = range_key = ""
    for key in schema or ():
        if key.get("KeyType") == "HASH":
            hash_key = pstr(key.get("AttributeName"))
        elif key.get("KeyType") == "RANGE":
            range_key = pstr(key.get("AttributeName"))
    return hash_key, range_key


def _projection(index: Mapping[str, Any]) -> tuple[str, list[JSON]]:
    projection = index.get("Projection") or {}
    return pstr(projection.get("ProjectionType")), [
        str(a) for a in projection.get("NonKeyAttributes") or ()
    ]


def _on_demand(value: Mapping[str, Any] | None) -> list[JSON]:
    if value is None:
        return []
    return [
        {
            "max_read_request_units": int(value.get("MaxReadRequestUnits") or 0),
            "max_write_request_units": int(value.get("MaxWriteRequestUnits") or 0),
        }
    ]


def _gsi(index: Mapping[str, Any]) -> dict[str, JSON]:
    hash_key, range_key = _keys(index.get("KeySchema"))
    projection_type, non_key = _projection(index)
    throughput = index.get("ProvisionedThroughput") or {}
    return {
        "hash_key": hash_key,
        "name": pstr(index.get("IndexName")),
        "non_key_attributes": sorted(str(a) for a in non_key),
        "on_demand_throughput": _on_demand(index.get("OnDemandThroughput")),
        "projection_type": projection_type,
        "range_key": range_key,
        "read_capacity": int(throughput.get("ReadCapacityUnits") or 0),
        "write_capacity": int(throughput.get("WriteCapacityUnits") or 0),
    }


def _lsi(index: Mapping[str, Any]) -> dict[str, JSON]:
    _, range_key = _keys(index.get("KeySchema"))
    projection_type, non_key = _projection(index)
    return {
        "name": pstr(index.get("IndexName")),
        "non_key_attributes": non_key,
        "projection_type": projection_type,
        "range_key": range_key,
    }


def table_attributes(
    table: Mapping[str, Any],
    backups: Mapping[str, Any] | None,
    ttl: Mapping[str, Any] | None,
    tags: dict[str, str],
) -> dict[str, JSON]:
    """The provider's resourceTableRead of one DescribeTable answer and its side calls."""
    hash_key, range_key = _keys(table.get("KeySchema"))
    billing = (table.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    table_class = (table.get("TableClassSummary") or {}).get("TableClass") or "STANDARD"
    stream = table.get("StreamSpecification")
    sse = table.get("SSEDescription")
    pitr = ((backups or {}).get("ContinuousBackupsDescription") or {}).get(
        "PointInTimeRecoveryDescription"
    ) or {}
    ttl_description = (ttl or {}).get("TimeToLiveDescription") or {}
    attrs: dict[str, JSON] = {
        "arn": pstr(table.get("TableArn")),
        "attribute": [
            {"name": pstr(a.get("AttributeName")), "type": pstr(a.get("AttributeType"))}
            for a in table.get("AttributeDefinitions") or ()
        ],
        "billing_mode": str(billing),
        "deletion_protection_enabled": bool(table.get("DeletionProtectionEnabled")),
        "global_secondary_index": [_gsi(i) for i in table.get("GlobalSecondaryIndexes") or ()],
        "hash_key": hash_key,
        "id": pstr(table.get("TableName")),
        "local_secondary_index": [_lsi(i) for i in table.get("LocalSecondaryIndexes") or ()],
        "name": pstr(table.get("TableName")),
        "on_demand_throughput": _on_demand(table.get("OnDemandThroughput")),
        "point_in_time_recovery": [
            {
                "enabled": pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
                "recovery_period_in_days": int(pitr.get("RecoveryPeriodInDays") or 0),
            }
        ],
        "server_side_encryption": []
        if sse is None
        else [
            {
                "enabled": sse.get("Status") == "ENABLED",
                "kms_key_arn": pstr(sse.get("KMSMasterKeyArn")),
            }
        ],
        "stream_arn": pstr(table.get("LatestStreamArn")),
        "stream_enabled": bool((stream or {}).get("StreamEnabled")),
        "stream_label": pstr(table.get("LatestStreamLabel")),
        "table_class": str(table_class),
        "tags": tags,
        "tags_all": dict(tags),
        "ttl": [
            {
                "attribute_name": pstr(ttl_description.get("AttributeName")),
                "enabled": ttl_description.get("TimeToLiveStatus") == "ENABLED",
            }
        ],
    }
    if range_key:
        attrs["range_key"] = range_key
    if stream is not None:
        attrs["stream_view_type"] = pstr(stream.get("StreamViewType"))
    throughput = table.get("ProvisionedThroughput")
    if throughput is not None:
        attrs["read_capacity"] = int(throughput.get("ReadCapacityUnits") or 0)
        attrs["write_capacity"] = int(throughput.get("WriteCapacityUnits") or 0)
    return attrs


def _read_table(client: Any, region: str, name: str) -> LiveResource | None:
    """One table's four calls; None when it was deleted since the listing."""
    try:
        table = client.describe_table(TableName=name)["Table"]
        try:
            backups = client.describe_continuous_backups(TableName=name)
        except botocore.exceptions.ClientError as exc:
            # An archived table answers TableNotFound here; the provider reads no PITR then.
            if error_code(exc) not in ("TableNotFoundException", "UnknownOperationException"):
                raise
            backups = None
        ttl = client.describe_time_to_live(TableName=name)
        tags = provider_tags(
            paginate(client, "list_tags_of_resource", "Tags", ResourceArn=table["TableArn"])
        )
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    attrs = table_attributes(table, backups, ttl, tags)
    return LiveResource(TABLE, str(attrs["id"]), region, attrs)


def _sse_key(attrs: Mapping[str, JSON]) -> str:
    sse = attrs.get("server_side_encryption")
    if isinstance(sse, list) and sse and isinstance(sse[0], dict):
        return str(sse[0].get("kms_key_arn") or "")
    return ""


def _aws_managed_key(ctx: ReadContext) -> str:
    """The ARN of the account's AWS-managed DynamoDB key in this region, "" if none (or not
    readable: then a table encrypted with it shows its ARN, which the state may not have)."""
    try:
        meta = ctx.client("kms").describe_key(KeyId="alias/aws/dynamodb")["KeyMetadata"]
    except AWS_ERRORS:
        return ""
    return pstr(meta.get("Arn"))


def _clear_default_key(resource: LiveResource, default_key: str) -> LiveResource:
    if not default_key or _sse_key(resource.attributes) != default_key:
        return resource
    blocks = resource.attributes["server_side_encryption"]
    if not isinstance(blocks, list) or not isinstance(blocks[0], dict):
        return resource
    sse: list[JSON] = [{**blocks[0], "kms_key_arn": ""}]
    return replace(resource, attributes={**resource.attributes, "server_side_encryption": sse})


class DynamoDbReader(Reader):
    """DynamoDB tables of one region."""

    types: ClassVar[tuple[str, ...]] = (TABLE,)
    service: ClassVar[str] = "dynamodb"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        TABLE: frozenset(
            {
                "import_table",
                "replica",
                "restore_date_time",
                "restore_source_name",
                "restore_source_table_arn",
                "restore_to_latest_time",
                "timeouts",
            }
        )
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"dynamodb/{ctx.region}", "tables")
        client = ctx.client("dynamodb")
        names = listing(fails, lambda: paginate(client, "list_tables", "TableNames"), TABLE)
        if names is None:
            return fails.result(())
        resources = read_each(
            fails, map(str, names), lambda name: _read_table(client, ctx.region, name), TABLE
        )
        if any(_sse_key(r.attributes) for r in resources):
            default_key = _aws_managed_key(ctx)
            resources = [_clear_default_key(r, default_key) for r in resources]
        return fails.result(resources)

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        """By name, with what the provider keeps from the prior state when AWS is silent."""
        found = live.get(type_, state_id)
        if found is None:
            return None
        kept = {
            k: state_attributes[k]
            for k in KEPT_WHEN_ABSENT
            if k not in found.attributes and k in state_attributes
        }
        if not kept:
            return found
        return replace(found, attributes={**found.attributes, **kept})
