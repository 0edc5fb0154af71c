"""The session's botocore data loader: plain dicts, the same content as botocore's own."""

from __future__ import annotations

from collections import OrderedDict

import botocore.loaders

from driftpatch.aws.session import AwsSession, PlainJsonLoader


def test_plain_loader_reads_what_botocore_reads() -> None:
    ours = botocore.loaders.Loader(file_loader=PlainJsonLoader())
    theirs = botocore.loaders.Loader()
    for service, kind in (("s3", "service-2"), ("iam", "paginators-1"), ("ec2", "waiters-2")):
        mine, reference = (
            ours.load_service_model(service, kind),
            theirs.load_service_model(service, kind),
        )
        assert type(mine) is dict and type(reference) is OrderedDict
        assert mine == reference
        assert list(mine) == list(reference)  # key order kept


def test_session_clients_use_it() -> None:
    session = AwsSession(region="us-east-1", endpoint_url="http://127.0.0.1:9")
    client = session.client("sts", "us-east-1")
    assert type(client.meta.service_model._service_description) is dict
    assert session.client("sts", "us-east-1") is client  # one per (service, region)
