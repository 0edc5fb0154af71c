"""EBS snapshots (per region): aws_ebs_snapshot, as hashicorp/aws 5.100.0 writes it to state after
a refresh.

- Calls: DescribeSnapshots pages owned by this account (bulk, up to 1000 a page; tags come
  with them). Public and shared snapshots of other accounts are never emitted: no code here
  owns them (the owner is checked too: moto ignores the OwnerIds filter and lists the
  snapshots behind its public AMIs).
- `permanent_restore` and `temporary_restore_days` are requests made at apply time (archive
  restores) that AWS does not echo; kept from state (`unreadable`).
- Snapshots AWS makes for AMIs it registers for you, or for AWS Backup, are ordinary snapshots
  of the account here; no AWS-default snapshots exist.
- moto hosts the type for real Terraform (tests/aws/test_autoscaling_oracle.py's stack).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from driftpatch.aws.readers.common import AWS_ERRORS, Failures, paginate, provider_tags, pstr
from driftpatch.aws.readers.interface import LiveResource, ReadContext, Reader, ReadResult
from driftpatch.aws.readers.s3 import partition_of
from driftpatch.model import JSON

SNAPSHOT = "aws_ebs_snapshot"
PAGE_SIZE = 1000


def snapshot_attributes(snapshot: Mapping[str, Any], region: str) -> dict[str, JSON]:
    """aws_ebs_snapshot from one DescribeSnapshots entry. The provider's ARN has no account."""
    sid = pstr(snapshot.get("SnapshotId"))
    tags = provider_tags(snapshot.get("Tags"))
    return {
        "arn": f"arn:{partition_of(region)[0]}:ec2:{region}::snapshot/{sid}",
        "data_encryption_key_id": pstr(snapshot.get("DataEncryptionKeyId")),
        "description": pstr(snapshot.get("Description")),
        "encrypted": bool(snapshot.get("Encrypted")),
        "id": sid,
        "kms_key_id": pstr(snapshot.get("KmsKeyId")),
        "outpost_arn": pstr(snapshot.get("OutpostArn")),
        "owner_alias": pstr(snapshot.get("OwnerAlias")),
        "owner_id": pstr(snapshot.get("OwnerId")),
        "storage_tier": pstr(snapshot.get("StorageTier")),
        "tags": tags,
        "tags_all": dict(tags),
        "volume_id": pstr(snapshot.get("VolumeId")),
        "volume_size": int(snapshot.get("VolumeSize") or 0),
    }


class EbsSnapshotReader(Reader):
    """The account's own EBS snapshots of one region."""

    types: ClassVar[tuple[str, ...]] = (SNAPSHOT,)
    service: ClassVar[str] = "ec2"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        SNAPSHOT: frozenset({"permanent_restore", "temporary_restore_days", "timeouts"})
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"ec2/{ctx.region}", "snapshots")
        try:
            snapshots = paginate(
                ctx.client("ec2"),
                "describe_snapshots",
                "Snapshots",
                OwnerIds=["self"],
                PaginationConfig={"PageSize": PAGE_SIZE},
            )
        except AWS_ERRORS as exc:
            fails.add(exc, SNAPSHOT)
            return ReadResult(errors=fails.errors(), incomplete_types=frozenset(fails.incomplete))
        return ReadResult(
            resources=tuple(
                LiveResource(
                    SNAPSHOT, str(s["SnapshotId"]), ctx.region, snapshot_attributes(s, ctx.region)
                )
                for s in snapshots
                if pstr(s.get("OwnerId")) in ("", ctx.account_id)
            )
        )
