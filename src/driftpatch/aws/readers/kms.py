"""KMS keys and aliases (per region), shaped as hashicorp/aws 5.100.0 writes aws_kms_key and
aws_kms_alias to state.

- Listing is bulk (ListKeys pages of up to PAGE_SIZE), but ListKeys returns only ids: what the
  provider reads comes per key, so per-key calls run in a bounded thread pool:
  DescribeKey + GetKeyPolicy("default") + GetKeyRotationStatus + ListResourceTags = 4 calls
  (3 for keys not of AWS_KMS origin, whose rotation the provider does not read).
- Which keys are `aws_kms_key`s: keys pending (replica) deletion are gone for the provider and
  are skipped; keys of EXTERNAL origin are `aws_kms_external_key`s and multi-Region replicas
  `aws_kms_replica_key`s (the provider refuses both as aws_kms_key), so neither is emitted.
- AWS-managed keys are emitted `account_default`: AWS creates them on a service's first use; no
  code owns them. A key is AWS-managed when DescribeKey says KeyManager AWS or when an alias in
  the reserved `alias/aws/` namespace targets it (one ListAliases listing per region: no one
  else can create those names; moto reports its aws/ebs key as CUSTOMER).
- aws_kms_alias comes from the same ListAliases listing (no extra call): `target_key_arn` is the
  alias ARN with its resource replaced by key/<target id>, as the provider builds it; the
  reserved `alias/aws/...` aliases are account defaults.
- `policy` is Go-normalised JSON (see common.normalize_json); on refresh the provider keeps the
  state's string instead when equivalent, which the comparer's semantic policy compare covers.
- GetKeyRotationStatus answering UnsupportedOperationException (asymmetric/HMAC keys on some
  endpoints) reads as rotation off: nothing can be rotating there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    is_not_found,
    listing,
    name_prefix_from_name,
    normalize_json,
    paginate,
    provider_tags,
    read_each,
)
from driftpatch.aws.readers.interface import LiveResource, ReadContext, Reader, ReadResult
from driftpatch.aws.session import error_code
from driftpatch.model import JSON

KEY = "aws_kms_key"
ALIAS = "aws_kms_alias"
AWS_ALIAS_PREFIX = "alias/aws/"  # reserved: only AWS creates these
PAGE_SIZE = 1000  # ListKeys Limit (KMS's maximum)
POOL_SIZE = 8
GONE_STATES = frozenset({"PendingDeletion", "PendingReplicaDeletion"})


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def is_key_resource(meta: Mapping[str, Any]) -> bool:
    """Whether the provider would read this key as an aws_kms_key at all."""
    if meta.get("KeyState") in GONE_STATES or meta.get("Origin") == "EXTERNAL":
        return False
    region_config = meta.get("MultiRegionConfiguration") or {}
    return not (meta.get("MultiRegion") and region_config.get("MultiRegionKeyType") != "PRIMARY")


def key_attributes(
    meta: Mapping[str, Any],
    policy: str,
    rotation: tuple[bool, int],
    tags: dict[str, str],
) -> dict[str, JSON]:
    key_id = str(meta["KeyId"])
    enabled, period = rotation
    return {
        "arn": _s(meta.get("Arn")),
        "custom_key_store_id": _s(meta.get("CustomKeyStoreId")),
        "customer_master_key_spec": _s(meta.get("CustomerMasterKeySpec") or meta.get("KeySpec")),
        "description": _s(meta.get("Description")),
        "enable_key_rotation": enabled,
        "id": key_id,
        "is_enabled": bool(meta.get("Enabled")),
        "key_id": key_id,
        "key_usage": _s(meta.get("KeyUsage")),
        "multi_region": bool(meta.get("MultiRegion")),
        "policy": normalize_json(policy),
        "rotation_period_in_days": period,
        "tags": tags,
        "tags_all": dict(tags),
        "xks_key_id": _s((meta.get("XksKeyConfiguration") or {}).get("Id")),
    }


def _rotation(client: Any, key_id: str, meta: Mapping[str, Any]) -> tuple[bool, int]:
    if meta.get("Origin") != "AWS_KMS":
        return False, 0  # the provider does not ask; nil writes false / 0
    try:
        resp = client.get_key_rotation_status(KeyId=key_id)
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) == "UnsupportedOperationException":
            return False, 0
        raise
    return bool(resp.get("KeyRotationEnabled")), int(resp.get("RotationPeriodInDays") or 0)


def aws_managed_key_ids(aliases: list[Mapping[str, Any]]) -> frozenset[str]:
    """Keys targeted by a reserved `alias/aws/...` alias."""
    return frozenset(
        str(a["TargetKeyId"])
        for a in aliases
        if str(a.get("AliasName", "")).startswith(AWS_ALIAS_PREFIX) and a.get("TargetKeyId")
    )


def alias_attributes(alias: Mapping[str, Any]) -> dict[str, JSON]:
    """The provider's aws_kms_alias read: the target key's ARN is the alias ARN with its
    resource replaced by key/<target id>."""
    arn = _s(alias.get("AliasArn"))
    name = _s(alias.get("AliasName"))
    target = _s(alias.get("TargetKeyId"))
    prefix = arn.rsplit(":", 1)[0] if ":" in arn else arn
    return {
        "arn": arn,
        "id": name,
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "target_key_arn": f"{prefix}:key/{target}" if target else "",
        "target_key_id": target,
    }


def alias_resources(aliases: list[Mapping[str, Any]], region: str) -> list[LiveResource]:
    """Every alias of the region; AWS's own (`alias/aws/...`) are account defaults."""
    return [
        LiveResource(
            ALIAS,
            str(attrs["id"]),
            region,
            attrs,
            account_default=str(attrs["name"]).startswith(AWS_ALIAS_PREFIX),
        )
        for attrs in (alias_attributes(a) for a in aliases)
    ]


def _read_key(
    client: Any, region: str, key_id: str, aws_managed: frozenset[str] = frozenset()
) -> LiveResource | None:
    """One key's four calls; None when it is not (or no longer) an aws_kms_key."""
    try:
        meta = client.describe_key(KeyId=key_id)["KeyMetadata"]
        if not is_key_resource(meta):
            return None
        policy = client.get_key_policy(KeyId=key_id, PolicyName="default").get("Policy")
        rotation = _rotation(client, key_id, meta)
        tags = provider_tags(
            paginate(client, "list_resource_tags", "Tags", KeyId=key_id), key="TagKey"
        )
    except botocore.exceptions.ClientError as exc:
        if is_not_found(exc):  # deleted since ListKeys
            return None
        raise
    attrs = key_attributes(meta, _s(policy), rotation, tags)
    default = meta.get("KeyManager") == "AWS" or key_id in aws_managed
    return LiveResource(KEY, str(attrs["id"]), region, attrs, account_default=default)


class KmsReader(Reader):
    """Customer and AWS-managed KMS keys, and their aliases, of one region."""

    types: ClassVar[tuple[str, ...]] = (KEY, ALIAS)
    service: ClassVar[str] = "kms"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        # Config-only: create/delete-time arguments and the create timeout.
        KEY: frozenset(
            {"bypass_policy_lockout_safety_check", "deletion_window_in_days", "timeouts"}
        )
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"kms/{ctx.region}", "keys")
        client = ctx.client("kms")
        listed = listing(
            fails,
            lambda: paginate(client, "list_keys", "Keys", PaginationConfig={"PageSize": PAGE_SIZE}),
            KEY,
            ALIAS,
        )
        if listed is None:
            return fails.result(())
        try:
            aliases: list[Mapping[str, Any]] = paginate(client, "list_aliases", "Aliases")
        except AWS_ERRORS as exc:
            # The aliases are unread; keys still are (KeyManager alone says which are AWS's).
            fails.add(exc, ALIAS)
            aliases = []
        aws_managed = aws_managed_key_ids(aliases)

        def read(key_id: str) -> LiveResource | None:
            return _read_key(client, ctx.region, key_id, aws_managed)

        keys = read_each(fails, [str(k["KeyId"]) for k in listed], read, KEY, size=POOL_SIZE)
        return fails.result([*alias_resources(aliases, ctx.region), *keys])
