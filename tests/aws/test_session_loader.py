"""The session's botocore data loader: plain dicts, the allow-listed part of each API model."""

from __future__ import annotations

from collections import OrderedDict

import botocore.loaders
import pytest

from driftpatch.aws.allowlist import ALLOWED
from driftpatch.aws.session import REFUSED_KEY, AwsSession, PlainJsonLoader, pruning
from driftpatch.errors import ReadOnlyViolation


def test_plain_loader_reads_what_botocore_reads() -> None:
    ours = botocore.loaders.Loader(file_loader=PlainJsonLoader())
    theirs = botocore.loaders.Loader()
    for service, kind in (
        ("iam", "paginators-1"),
        ("ec2", "waiters-2"),
        ("s3", "endpoint-rule-set-1"),
    ):
        mine, reference = (
            ours.load_service_model(service, kind),
            theirs.load_service_model(service, kind),
        )
        assert type(mine) is dict and type(reference) is OrderedDict
        assert mine == reference
        assert list(mine) == list(reference)  # key order kept


def test_api_models_keep_the_allowed_operations_and_the_shapes_they_reach() -> None:
    ours = botocore.loaders.Loader(file_loader=PlainJsonLoader())
    full = botocore.loaders.Loader().load_service_model("s3", "service-2")
    model = pruning(ours.load_service_model)("s3", "service-2")
    assert set(model["operations"]) == set(ALLOWED["s3"])
    for name in ALLOWED["s3"]:
        assert model["operations"][name] == full["operations"][name]
    assert pruning(ours.load_service_model)("s3", "service-2") is model  # pruned once
    assert set(model["metadata"][REFUSED_KEY]) == set(full["operations"]) - ALLOWED["s3"]
    # GetBucketTagging's output reaches TagSet -> Tag -> ObjectKey: kept, unchanged.
    for shape in ("GetBucketTaggingOutput", "TagSet", "Tag", "ObjectKey"):
        assert model["shapes"][shape] == full["shapes"][shape]
    assert "PutObjectRequest" not in model["shapes"]
    assert len(model["shapes"]) < len(full["shapes"]) / 2


def test_session_clients_refuse_pruned_operations_as_the_guard_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(region="us-east-1", endpoint_url="http://127.0.0.1:9")
    client = session.client("s3", "us-east-1")
    assert type(client.meta.service_model._service_description) is dict
    assert session.client("s3", "us-east-1") is client  # one per (service, region)
    assert not hasattr(client, "no_such_operation")
    with pytest.raises(ReadOnlyViolation, match="refused s3:DeleteBucket"):
        client.delete_bucket(Bucket="b")
    assert session.calls() == {}


def test_sdk_extras_merge_into_whole_shapes() -> None:
    """RDS's sdk-extras add SourceRegion to the copy operations' inputs: after pruning, no
    shape is left half there (every shape has its type), so error shapes still resolve."""
    session = AwsSession(region="us-east-1", endpoint_url="http://127.0.0.1:9")
    model = session.client("rds", "us-east-1").meta.service_model
    assert all("type" in shape for shape in model._shape_resolver._shape_map.values())
    assert {s.name for s in model.error_shapes} >= {"DBInstanceNotFoundFault"}
