"""Secrets Manager secrets (per region), shaped as hashicorp/aws 5.100.0 writes
aws_secretsmanager_secret to state after a refresh. Never the secret's value: no
GetSecretValue (it is not even allow-listed), so no value can reach a LiveResource.

- Calls: ListSecrets pages (100 a page; secrets scheduled for deletion are left out, and the
  provider calls those gone too); per secret, in a bounded pool, DescribeSecret (replication
  status, tags) + GetResourcePolicy.
- `policy` is Go-normalised JSON, "" without one (the provider keeps the state's text when
  equivalent, which the comparer's semantic policy compare covers).
- `replica` is the replication status as the provider flattens it (keys only where AWS
  returns them).
- Unreadable (config-only): `recovery_window_in_days`, `force_overwrite_replica_secret`.
- No secret is an account default here: secrets other services manage for you (RDS, ...) are
  still secrets someone's code or console created in the account.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    Failures,
    name_prefix_from_name,
    normalize_json,
    paginate,
    provider_tags,
    pstr,
    read_listed,
    rfc3339,
)
from driftpatch.aws.readers.interface import LiveResource, ReadContext, Reader, ReadResult
from driftpatch.aws.session import error_code
from driftpatch.model import JSON

SECRET = "aws_secretsmanager_secret"
PAGE_SIZE = 100  # ListSecrets MaxResults


def _replica(status: Mapping[str, Any]) -> dict[str, JSON]:
    out: dict[str, JSON] = {"status": pstr(status.get("Status"))}
    if status.get("KmsKeyId") is not None:
        out["kms_key_id"] = str(status["KmsKeyId"])
    if status.get("LastAccessedDate") is not None:
        out["last_accessed_date"] = rfc3339(status["LastAccessedDate"])
    if status.get("Region") is not None:
        out["region"] = str(status["Region"])
    if status.get("StatusMessage") is not None:
        out["status_message"] = str(status["StatusMessage"])
    return out


def secret_attributes(described: Mapping[str, Any], policy: str | None) -> dict[str, JSON]:
    """The provider's resourceSecretRead of one DescribeSecret answer and its policy."""
    name = pstr(described.get("Name"))
    tags = provider_tags(described.get("Tags"))
    return {
        "arn": pstr(described.get("ARN")),
        "description": pstr(described.get("Description")),
        "id": pstr(described.get("ARN")),
        "kms_key_id": pstr(described.get("KmsKeyId")),
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "policy": "" if policy is None else normalize_json(policy),
        "replica": [_replica(s) for s in described.get("ReplicationStatus") or ()],
        "tags": tags,
        "tags_all": dict(tags),
    }


def _read_secret(client: Any, region: str, arn: str) -> LiveResource | None:
    """One secret's two calls; None when it is gone (or scheduled for deletion)."""
    try:
        described = client.describe_secret(SecretId=arn)
        if described.get("DeletedDate") is not None:
            return None
        policy = client.get_resource_policy(SecretId=arn).get("ResourcePolicy")
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    attrs = secret_attributes(described, policy)
    return LiveResource(SECRET, str(attrs["id"]), region, attrs)


class SecretsManagerReader(Reader):
    """Secrets Manager secrets of one region (their metadata, never their values)."""

    types: ClassVar[tuple[str, ...]] = (SECRET,)
    service: ClassVar[str] = "secretsmanager"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        SECRET: frozenset({"force_overwrite_replica_secret", "recovery_window_in_days"})
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"secretsmanager/{ctx.region}", "secrets")
        client = ctx.client("secretsmanager")
        config = {"PageSize": PAGE_SIZE}
        return read_listed(
            fails,
            lambda: (
                str(s["ARN"])
                for s in paginate(client, "list_secrets", "SecretList", PaginationConfig=config)
            ),
            functools.partial(_read_secret, client, ctx.region),
            SECRET,
        )
