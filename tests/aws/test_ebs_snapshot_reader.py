"""The EBS snapshot reader's shape, owner filter and failures as values (the oracle is
test_autoscaling_oracle.py's stack)."""

from __future__ import annotations

import boto3
import pytest

from driftpatch.aws.readers import READERS, ReadContext, reader_for
from driftpatch.aws.readers.ec2_snapshots import SNAPSHOT, EbsSnapshotReader, snapshot_attributes
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import EmbeddedAws, free_port

REGION = "us-east-1"


def test_shape() -> None:
    attrs = snapshot_attributes(
        {
            "SnapshotId": "snap-1",
            "VolumeId": "vol-1",
            "VolumeSize": 8,
            "OwnerId": "123456789012",
            "Description": "nightly",
            "Encrypted": True,
            "KmsKeyId": "arn:key",
            "StorageTier": "standard",
            "Tags": [{"Key": "Env", "Value": "prod"}, {"Key": "aws:backup:source", "Value": "x"}],
        },
        REGION,
    )
    assert attrs["arn"] == "arn:aws:ec2:us-east-1::snapshot/snap-1"  # no account, as the provider
    assert attrs["tags"] == {"Env": "prod"} and attrs["volume_size"] == 8
    assert [t for r in READERS for t in r.types].count(SNAPSHOT) == 1
    assert isinstance(reader_for(SNAPSHOT), EbsSnapshotReader)


def test_only_the_accounts_own_snapshots(aws: EmbeddedAws) -> None:
    ec2 = boto3.client("ec2", endpoint_url=aws.endpoint_url, region_name=REGION)
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    mine = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    result = EbsSnapshotReader().read(ReadContext(session, REGION, session.account_id()))
    # moto also lists the snapshots behind its public AMIs, whatever the owner filter says.
    assert [r.id for r in result.resources] == [mine]


def test_unreachable_endpoint_is_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region=REGION,
        max_attempts=1,
        connect_timeout=1,
    )
    result = EbsSnapshotReader().read(ReadContext(session, REGION, "1"))
    assert result.resources == () and result.incomplete_types == {SNAPSHOT}
