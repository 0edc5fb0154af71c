"""The session's response timestamp parser: botocore's instants, without dateutil's cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import botocore.utils
import pytest

from driftpatch.aws.readers.common import rfc3339
from driftpatch.aws.session import AwsSession, fast_timestamp

FORMS = [
    "2024-05-01T12:00:00.000Z",  # EC2, IAM, S3 bodies
    "2024-05-01T12:00:00Z",
    "2024-05-01T12:00:00.123456789Z",  # more digits than microseconds
    "2024-05-01T14:00:00+02:00",
    "2024-05-01T12:00:00",  # naive in, naive out
    1714564800,  # JSON protocols: epoch seconds
    1714564800.25,
    "1714564800",  # an epoch as text: botocore's path
    "Wed, 01 May 2024 12:00:00 GMT",  # RFC 822 (S3 headers): botocore's path
]


@pytest.mark.parametrize("value", FORMS, ids=str)
def test_same_instant_as_botocore(value: object) -> None:
    ours, theirs = fast_timestamp(value), botocore.utils.parse_timestamp(value)
    assert ours == theirs
    assert (ours.tzinfo is None) == (theirs.tzinfo is None)
    assert rfc3339(ours) == rfc3339(theirs)


def test_iso_forms_parse_without_dateutil() -> None:
    assert fast_timestamp("2024-05-01T12:00:00.000Z") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    moment = fast_timestamp("2024-05-01T14:00:00+02:00")
    assert moment.utcoffset() == timedelta(hours=2)
    assert moment.tzinfo == timezone(timedelta(hours=2))
    assert fast_timestamp(0) == datetime(1970, 1, 1, tzinfo=UTC)


def test_bad_timestamp_is_botocores_error() -> None:
    with pytest.raises(ValueError, match="Invalid timestamp"):
        fast_timestamp("not a date")


def test_session_responses_use_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(region="us-east-1", endpoint_url="http://127.0.0.1:9")
    client = session.client("iam", "us-east-1")
    model = client.meta.service_model.operation_model("GetRole")
    parser = session._session._session.get_component("response_parser_factory").create_parser(
        "query"
    )
    body = (
        b'<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult>'
        b"<Role><Path>/</Path><RoleName>r</RoleName><RoleId>AROA1</RoleId>"
        b"<Arn>arn:aws:iam::123456789012:role/r</Arn>"
        b"<CreateDate>2024-05-01T12:00:00Z</CreateDate></Role></GetRoleResult>"
        b"<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetRoleResponse>"
    )
    parsed = parser.parse({"status_code": 200, "headers": {}, "body": body}, model.output_shape)
    created = parsed["Role"]["CreateDate"]
    assert created == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert created.tzinfo is UTC  # ours, not dateutil's tzutc/tzlocal
