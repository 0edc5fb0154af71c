"""The session's retry decision, timeouts, deadline and response checks (issue 10, item 5).

The fault suite (tests/aws/faults/) proves the behaviour over real HTTP; these pin the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest

from driftpatch.aws.inventory import take_inventory
from driftpatch.aws.session import (
    AwsSession,
    DeadlineExceeded,
    RetryPolicy,
    describe_error,
    retry_kind,
)
from driftpatch.embedded import free_port


@dataclass
class Http:
    status_code: int


def _error(status: int, code: str) -> tuple[Http, dict[str, Any]]:
    return Http(status), {"Error": {"Code": code, "Message": "m"}}


@pytest.mark.parametrize(
    ("response", "caught", "kind"),
    [
        (_error(503, "SlowDown"), None, "throttle"),
        (_error(400, "ThrottlingException"), None, "throttle"),
        (_error(503, "RequestLimitExceeded"), None, "throttle"),
        (_error(429, "Whatever"), None, "throttle"),
        (_error(500, "InternalError"), None, "transient"),
        (_error(502, ""), None, "transient"),
        (_error(403, "AccessDenied"), None, None),
        (_error(400, "ValidationError"), None, None),
        ((Http(200), {}), None, None),
        (None, botocore.exceptions.ReadTimeoutError(endpoint_url="u"), "timeout"),
        (None, botocore.exceptions.ConnectTimeoutError(endpoint_url="u"), "timeout"),
        (None, botocore.exceptions.EndpointConnectionError(endpoint_url="u"), "transient"),
        (None, botocore.exceptions.ConnectionClosedError(endpoint_url="u"), "transient"),
        (None, ValueError("not a transport error"), None),
    ],
)
def test_retry_kind(response: Any, caught: BaseException | None, kind: str | None) -> None:
    assert retry_kind(response, caught) == kind


def test_backoff_is_full_jitter_exponential_and_capped() -> None:
    policy = RetryPolicy(base=0.05, throttle_base=0.5, max_backoff=20)
    assert [policy.delay(n, False, lambda: 1.0) for n in (1, 2, 3)] == [0.05, 0.1, 0.2]
    assert [policy.delay(n, True, lambda: 1.0) for n in (1, 2, 7)] == [0.5, 1.0, 20]
    assert policy.delay(5, True, lambda: 0.0) == 0.0


def test_every_call_has_its_own_budget() -> None:
    session = AwsSession(
        region="us-east-1", retry=RetryPolicy(max_attempts=4, base=0, throttle_base=0)
    )
    throttled = _error(503, "SlowDown")
    # No shared quota: the thousandth throttled call may retry as the first did.
    for _ in range(1000):
        assert session._retry(response=throttled, attempts=1) == 0.0
    assert session._retry(response=throttled, attempts=3) == 0.0
    assert session._retry(response=throttled, attempts=4) is False
    timeout = botocore.exceptions.ReadTimeoutError(endpoint_url="u")
    assert session._retry(caught_exception=timeout, attempts=1) == 0.0
    assert session._retry(caught_exception=timeout, attempts=2) is False
    assert session._retry(response=_error(403, "AccessDenied"), attempts=1) is False


def test_no_wait_ends_past_the_deadline() -> None:
    session = AwsSession(region="us-east-1", deadline_s=0.0)
    assert session.deadline_passed()
    assert session._retry(response=_error(503, "SlowDown"), attempts=1) is False


def test_no_call_starts_after_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # Nothing listens there: a call that started would fail to connect instead.
    session = AwsSession(
        region="us-east-1", endpoint_url=f"http://127.0.0.1:{free_port()}", deadline_s=0.0
    )
    with pytest.raises(DeadlineExceeded) as err:
        session.client("s3", "us-east-1").list_buckets()
    assert describe_error(err.value) == "ListBuckets: not read: the 0 s deadline passed"
    inventory = take_inventory(session, ["us-east-1"])
    assert [(e.scope, e.message) for e in inventory.errors] == [
        (
            "aws",
            "cannot identify the AWS account: GetCallerIdentity: not read: the 0 s deadline passed",
        )
    ]
    assert inventory.resources == ()
    assert not inventory.complete_for("aws_vpc", "us-east-1")
    assert session.calls() == {}
