"""S3 split resources read from calls the bucket reader already makes: `aws_s3_bucket_acl`
(GetBucketAcl) and `aws_s3_bucket_lifecycle_configuration` (GetBucketLifecycleConfiguration),
shaped as hashicorp/aws 5.100.0 writes them after a refresh. No call of its own: s3.py hands
each bucket's responses here (see its `split_resources`), so one bucket costs what it did.

- aws_s3_bucket_acl: every bucket has an ACL, so every bucket has one; like the other split
  types it is a part of its bucket, never "unmanaged" on its own. `acl` (a canned ACL name) is
  never read back by the provider: it keeps the configured value, and so it is `unreadable`.
  The provider's id is "bucket[,expected owner][,acl]"; `match` finds the bucket by name and
  writes the state's id and owner.
- aws_s3_bucket_lifecycle_configuration: emitted when the bucket has rules. The resource is a
  plugin-framework one: an argument AWS does not return is null (object sizes, newer noncurrent
  versions, dates), the legacy-valued ones are their zero values (`prefix` "", `days` 0,
  `expired_object_delete_marker` false), and an absent block is `[]`. `timeouts` is config
  only. `transition_default_minimum_object_size` comes from the response header.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftpatch.aws.readers.common import pstr, rfc3339
from driftpatch.aws.readers.interface import LiveResource
from driftpatch.model import JSON

ACL = "aws_s3_bucket_acl"
LIFECYCLE = "aws_s3_bucket_lifecycle_configuration"
EXTRA_TYPES = (ACL, LIFECYCLE)
UNREADABLE: Mapping[str, frozenset[str]] = {
    ACL: frozenset({"acl"}),
    LIFECYCLE: frozenset({"timeouts"}),
}


# --------------------------------------------------------------------------- ACL


def acl_attributes(bucket: str, acl: Mapping[str, Any]) -> dict[str, JSON]:
    """aws_s3_bucket_acl from one GetBucketAcl response (the state-free read)."""
    owner = acl.get("Owner") or {}
    grants = [
        {
            "grantee": [
                {
                    "display_name": pstr((g.get("Grantee") or {}).get("DisplayName")),
                    "email_address": pstr((g.get("Grantee") or {}).get("EmailAddress")),
                    "id": pstr((g.get("Grantee") or {}).get("ID")),
                    "type": pstr((g.get("Grantee") or {}).get("Type")),
                    "uri": pstr((g.get("Grantee") or {}).get("URI")),
                }
            ]
            if g.get("Grantee")
            else [],
            "permission": pstr(g.get("Permission")),
        }
        for g in acl.get("Grants") or []
    ]
    grants.sort(key=lambda g: (str(g["permission"]), str(g["grantee"])))  # a set: one order
    return {
        "access_control_policy": [
            {
                "grant": grants,
                "owner": [
                    {"display_name": pstr(owner.get("DisplayName")), "id": pstr(owner.get("ID"))}
                ]
                if owner
                else [],
            }
        ],
        "bucket": bucket,
        "expected_bucket_owner": "",
        "id": bucket,
    }


def acl_state_id(state_id: str, state_attributes: Mapping[str, JSON]) -> tuple[str, str]:
    """(bucket, expected owner) of an aws_s3_bucket_acl state instance: its id is
    "bucket[,owner][,acl]", and the owner, when there, is a 12-digit account id."""
    bucket = pstr(state_attributes.get("bucket")) or state_id.split(",")[0]
    owner = pstr(state_attributes.get("expected_bucket_owner"))
    return bucket, owner


# --------------------------------------------------------------------------- lifecycle


def _date(value: Any) -> str | None:
    return rfc3339(value) if value is not None else None


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _tag(tag: Mapping[str, Any] | None) -> list[dict[str, JSON]]:
    if not tag:
        return []
    return [{"key": pstr(tag.get("Key")), "value": pstr(tag.get("Value"))}]


def _filter(flt: Mapping[str, Any] | None) -> list[dict[str, JSON]]:
    if flt is None:
        return []
    and_ = flt.get("And")
    return [
        {
            "and": (
                [
                    {
                        "object_size_greater_than": int(and_.get("ObjectSizeGreaterThan") or 0),
                        "object_size_less_than": int(and_.get("ObjectSizeLessThan") or 0),
                        "prefix": pstr(and_.get("Prefix")),
                        "tags": {
                            pstr(t.get("Key")): pstr(t.get("Value")) for t in and_.get("Tags") or []
                        }
                        or None,
                    }
                ]
                if and_ is not None
                else []
            ),
            "object_size_greater_than": _int(flt.get("ObjectSizeGreaterThan")),
            "object_size_less_than": _int(flt.get("ObjectSizeLessThan")),
            "prefix": pstr(flt.get("Prefix")),
            "tag": _tag(flt.get("Tag")),
        }
    ]


def lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, JSON]:
    abort = rule.get("AbortIncompleteMultipartUpload")
    exp = rule.get("Expiration")
    nve = rule.get("NoncurrentVersionExpiration")
    return {
        "abort_incomplete_multipart_upload": (
            [{"days_after_initiation": _int(abort.get("DaysAfterInitiation"))}]
            if abort is not None
            else []
        ),
        "expiration": (
            [
                {
                    "date": _date(exp.get("Date")),
                    "days": int(exp.get("Days") or 0),
                    "expired_object_delete_marker": bool(exp.get("ExpiredObjectDeleteMarker")),
                }
            ]
            if exp is not None
            else []
        ),
        "filter": _filter(rule.get("Filter")),
        "id": pstr(rule.get("ID")),
        "noncurrent_version_expiration": (
            [
                {
                    "newer_noncurrent_versions": _int(nve.get("NewerNoncurrentVersions")),
                    "noncurrent_days": _int(nve.get("NoncurrentDays")),
                }
            ]
            if nve is not None
            else []
        ),
        "noncurrent_version_transition": [
            {
                "newer_noncurrent_versions": _int(t.get("NewerNoncurrentVersions")),
                "noncurrent_days": _int(t.get("NoncurrentDays")),
                "storage_class": pstr(t.get("StorageClass")),
            }
            for t in rule.get("NoncurrentVersionTransitions") or []
        ],
        "prefix": pstr(rule.get("Prefix")),
        "status": pstr(rule.get("Status")),
        "transition": [
            {
                "date": _date(t.get("Date")),
                "days": _int(t.get("Days")),
                "storage_class": pstr(t.get("StorageClass")),
            }
            for t in rule.get("Transitions") or []
        ],
    }


def lifecycle_attributes(bucket: str, response: Mapping[str, Any]) -> dict[str, JSON]:
    """aws_s3_bucket_lifecycle_configuration from one GetBucketLifecycleConfiguration."""
    return {
        "bucket": bucket,
        "expected_bucket_owner": "",
        "id": bucket,
        "rule": [lifecycle_rule(r) for r in response.get("Rules") or []],
        "transition_default_minimum_object_size": pstr(
            response.get("TransitionDefaultMinimumObjectSize")
        ),
    }


# --------------------------------------------------------------------------- emission


def extra_split_resources(
    bucket: str,
    region: str | None,
    acl: Mapping[str, Any] | None,
    lifecycle: Mapping[str, Any] | None,
) -> list[LiveResource]:
    """What the provider would find for this bucket, from the responses s3.py already has
    (None: not configured, or that call failed)."""
    out: list[LiveResource] = []
    if acl is not None:
        out.append(LiveResource(ACL, bucket, region, acl_attributes(bucket, acl)))
    if lifecycle is not None and lifecycle.get("Rules"):
        out.append(LiveResource(LIFECYCLE, bucket, region, lifecycle_attributes(bucket, lifecycle)))
    return out
