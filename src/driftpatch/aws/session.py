"""One place where driftpatch touches AWS: read-only, counted, retried, concurrent.

- Read-only is enforced, not promised: every client gets a `before-call` hook that refuses any
  operation not in aws/allowlist.py (read-only calls the readers use), before a request is signed.
- Every call is counted per service (the report's stats, and the benchmark's API-call figures).
- Retries are botocore's adaptive mode (client-side rate limiting on throttles).
- Clients are created once per (service, region) under a lock; boto3 clients are thread-safe,
  sessions are not, so readers share clients, never the session.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from driftpatch.aws.allowlist import READ_ONLY_PREFIXES, guard
from driftpatch.errors import AwsError

DEFAULT_MAX_ATTEMPTS = 8
# botocore error codes that mean "you may not read this": the service is skipped, not retried.
ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "OptInRequired",
        "SignatureDoesNotMatch",
    }
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "RequestThrottled",
        "RequestThrottledException",
    }
)


def is_read_only(operation: str) -> bool:
    """Named like a read. Necessary, not sufficient: the guard is the allow-list."""
    return operation.startswith(READ_ONLY_PREFIXES)


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "") or None
    return None


def describe_error(exc: BaseException) -> str:
    """One line for the report: the AWS error code and message, or the connection failure."""
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        op = getattr(exc, "operation_name", "")
        return f"{op}: {err.get('Code', 'Error')}: {err.get('Message', '')}".strip().rstrip(":")
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return " ".join(str(exc).split())
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


class AwsSession:
    def __init__(
        self,
        *,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_pool_connections: int = 16,
        connect_timeout: float = 5,
        read_timeout: float = 30,
    ) -> None:
        try:
            self._session = boto3.Session(profile_name=profile, region_name=region)
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsError(f"AWS profile {profile!r} not found") from exc
        self.endpoint_url = endpoint_url
        self._config = botocore.config.Config(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            user_agent_extra="driftpatch",
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._account_id: str | None = None

    @property
    def default_region(self) -> str | None:
        return self._session.region_name

    def client(self, service: str, region: str) -> Any:
        """A read-only, counted client; created once per (service, region)."""
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                client = self._session.client(
                    service,  # type: ignore[call-overload]
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=self._config,
                )
                guard(client)
                client.meta.events.register("after-call.*.*", self._count)
                self._clients[key] = client
            return self._clients[key]

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self._calls[model.service_model.endpoint_prefix] += 1

    def calls(self) -> Mapping[str, int]:
        with self._lock:
            return dict(sorted(self._calls.items()))

    def account_id(self) -> str:
        """The scanned account (sts:GetCallerIdentity), cached."""
        if self._account_id is None:
            region = self.default_region or "us-east-1"
            try:
                ident = self.client("sts", region).get_caller_identity()
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                raise AwsError(f"cannot identify the AWS account: {describe_error(exc)}") from exc
            self._account_id = str(ident["Account"])
        return self._account_id
