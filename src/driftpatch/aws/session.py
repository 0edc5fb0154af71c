"""One place where driftpatch touches AWS: read-only, counted, retried, concurrent.

- Read-only is enforced, not promised: every client gets a `before-call` hook that refuses any
  operation not in aws/allowlist.py (read-only calls the readers use), before a request is signed.
- Every call is counted per service (the report's stats) and per operation (the benchmark's
  calls against the floor).
- Requests in flight are bounded per service and region by an adaptive limit (`Aimd`): up to
  the client's connection pool (DEFAULT_CONCURRENCY, so every request in flight reuses a
  kept-alive connection), halved once per window when AWS throttles, grown back by 1/limit per
  answer. Readers may run wider thread pools; the limiter, not the pool, sets the pace.
- Retries have a budget per call, not per client (see `RetryPolicy`): botocore's own retry
  handler draws every retry from one quota shared by all calls of a client (500 units, 5 per
  throttled retry, 14 per other retry), so a burst where every request needs three attempts
  drains it after a few dozen calls and every later call fails on its first error
  (`RetryQuotaReached`), however many attempts it was allowed. Its adaptive mode adds one
  client-wide token bucket that a burst of throttles shrinks to half a request per second. We
  keep botocore's transport and classification of errors, and replace only the decision: each
  call may make `max_attempts` attempts, spaced by exponential backoff with full jitter, and none
  starts a wait that would end past the run's deadline.
- Every attempt has a connect and a read timeout; a timed-out attempt is retried once only (a
  hung endpoint costs two read timeouts, not eight).
- An overall deadline: once it passes, no call starts (`DeadlineExceeded`, a value the readers
  record as an error like any failed read).
- A 2xx response that cannot be parsed, or lacks a field the service model marks required, is
  an error (`MalformedResponse`), never an empty answer.
- Clients are created once per (service, region) under a lock; boto3 clients are thread-safe,
  sessions are not, so readers share clients, never the session.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.config
import botocore.exceptions
import botocore.loaders
import botocore.parsers
import botocore.session
import botocore.utils

from driftpatch.aws.allowlist import ALLOWED, READ_ONLY_PREFIXES, guard
from driftpatch.aws.modelcache import ModelCache, cache_dir
from driftpatch.errors import AwsError, ReadOnlyViolation
from driftpatch.heap import settle

DEFAULT_MAX_ATTEMPTS = 10
# Requests in flight per service and region (and the connection pool of its client, so every
# request in flight has a kept-alive connection): the ceiling the adaptive limit starts at.
DEFAULT_CONCURRENCY = 32
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 20.0
# A call that timed out is tried this many times in all: a hung endpoint answers no better later.
TIMEOUT_ATTEMPTS = 2
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


# Server-side failures worth another attempt (botocore's transient class).
TRANSIENT_CODES = frozenset(
    {
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "IDPCommunicationError",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
        "TransactionInProgressException",
    }
)
TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
JSON_PROTOCOLS = frozenset({"json", "rest-json"})


class MalformedResponse(botocore.exceptions.BotoCoreError):
    """A 2xx answer that is not what the service model says it is: an error, not "nothing"."""

    fmt = "{operation}: malformed response from AWS: {detail}"


class DeadlineExceeded(botocore.exceptions.BotoCoreError):
    """The run's --deadline passed before this call started: it was not made."""

    fmt = "{operation}: not read: the {deadline:g} s deadline passed"


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts one call may make and how long it waits between them.

    Waits are full-jitter exponential: attempt n (1-based) is followed by a wait drawn from
    [0, min(base * 2 ** (n - 1), max_backoff)], with `throttle_base` for throttling errors and
    `base` for other transient ones (botocore's formula; its throttling base is 1 s). Ours is
    50 ms: a call that meets a throttling burst waits 0.18 s on average over its first three
    retries, so a burst failing three attempts of every request costs a scan less than twice
    its clean time (benchmarks/fault_retries.py: 1.6-1.9x on the demo world), while the
    10-attempt budget still rides out about 13 s (up to 25 s) of sustained throttling per call.
    """

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    timeout_attempts: int = TIMEOUT_ATTEMPTS
    base: float = 0.05
    throttle_base: float = 0.05
    max_backoff: float = 20.0

    def delay(self, attempt: int, throttled: bool, rand: Callable[[], float]) -> float:
        scale = self.throttle_base if throttled else self.base
        return float(rand() * min(scale * 2 ** (attempt - 1), self.max_backoff))


def retry_kind(response: Any, caught: BaseException | None) -> str | None:
    """How one attempt failed, as far as retrying goes: throttled, transient (5xx, a broken
    connection), timed out, or None when another attempt would answer the same (denied,
    invalid, or a success)."""
    if caught is not None:
        if isinstance(
            caught,
            botocore.exceptions.ReadTimeoutError | botocore.exceptions.ConnectTimeoutError,
        ):
            return "timeout"
        if isinstance(
            caught, botocore.exceptions.ConnectionError | botocore.exceptions.HTTPClientError
        ):
            return "transient"
        return None
    if response is None:
        return None
    http, parsed = response
    status = int(getattr(http, "status_code", 0) or 0)
    if 200 <= status < 300:
        return None
    code = str(((parsed or {}).get("Error") or {}).get("Code") or "")
    if is_throttle(status, code):
        return "throttle"
    if code in TRANSIENT_CODES or status in TRANSIENT_STATUS:
        return "transient"
    return None


def is_read_only(operation: str) -> bool:
    """Named like a read. Necessary, not sufficient: the guard is the allow-list."""
    return operation.startswith(READ_ONLY_PREFIXES)


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "") or None
    return None


# What a call to AWS can raise besides our own errors: botocore's two roots, and the parser's
# error for an answer that is not the protocol's XML/JSON at all (a proxy's HTML page with a
# 200 or a 5xx), which botocore derives from neither.
AWS_ERRORS: tuple[type[Exception], ...] = (
    botocore.exceptions.BotoCoreError,
    botocore.exceptions.ClientError,
    botocore.parsers.ResponseParserError,
)


def describe_error(exc: BaseException) -> str:
    """One line for the report: the AWS error code and message, or the connection failure."""
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        op = getattr(exc, "operation_name", "")
        return f"{op}: {err.get('Code', 'Error')}: {err.get('Message', '')}".strip().rstrip(":")
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        text = " ".join(str(exc).split())
        op = getattr(exc, "operation_name", "")
        return f"{op}: {text}" if op and not text.startswith(f"{op}:") else text
    if isinstance(exc, botocore.parsers.ResponseParserError):
        first = str(exc).splitlines()[0] if str(exc) else ""
        return f"malformed response from AWS: {first}"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


@dataclass(frozen=True)
class TemporaryCredentials:
    """Credentials sts:AssumeRole returned (aws/roles.py): a session built on them reads the
    role's account instead of the one of the profile or default chain."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)


class Aimd:
    """Requests in flight to one service in one region: at most `limit`, adapted AIMD-style.

    Every answer that is not a throttle lets the limit grow by 1/limit (one more request in
    flight per window of `limit` answers), up to `ceiling`; a throttle halves it, down to
    `floor`, once per window: a burst of throttles answering requests that were all in flight
    together counts as one signal (the `epoch` a request started in must be the current one),
    as TCP halves once per round trip. So a scan runs at the connection pool's width while AWS
    answers, and backs off to what the account's rate limit allows when it does not, without
    one slow service holding back the others (one limiter per service and region)."""

    def __init__(self, ceiling: int, floor: int = 1) -> None:
        self.ceiling = max(1, ceiling)
        self.floor = max(1, min(floor, self.ceiling))
        self.limit = float(self.ceiling)
        self.in_flight = 0
        self.epoch = 0
        self.throttles = 0
        self._cond = threading.Condition()

    def acquire(self) -> int:
        """Wait for a slot; returns the epoch the request starts in (for `release`)."""
        with self._cond:
            while self.in_flight >= int(self.limit):
                self._cond.wait()
            self.in_flight += 1
            return self.epoch

    def release(self, epoch: int, throttled: bool) -> None:
        with self._cond:
            self.in_flight -= 1
            if throttled:
                self.throttles += 1
                if epoch == self.epoch:
                    self.limit = max(float(self.floor), self.limit / 2)
                    self.epoch += 1
            else:
                self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)
            self._cond.notify_all()


def is_throttle(status: int, code: str) -> bool:
    return code in THROTTLING_CODES or status == 429


class PlainJsonLoader(botocore.loaders.JSONFileLoader):
    """botocore's data files (service models, paginators, endpoint rules) parsed into plain
    dicts instead of OrderedDicts.

    botocore asks for OrderedDict for key order, which plain dicts keep since Python 3.7, and
    nothing in it uses an OrderedDict's own methods on loaded data. The models of the twenty-odd
    services a scan reads are the largest thing it holds; as plain dicts they take a third less
    memory (EC2 + RDS + SSM: 22.0 -> 14.5 MB) and parse in two thirds of the time, since the
    C decoder no longer calls back into Python for every JSON object."""

    def load_file(self, file_path: str) -> Any:
        for ext, opener in ((".json", open), (".json.gz", gzip.open)):
            path = Path(file_path + ext)
            if path.is_file():
                with opener(path, "rb") as fp:
                    return json.loads(fp.read().decode("utf-8"))
        return None


def pruning(load: Callable[..., Any], cache: ModelCache | None = None) -> Callable[..., Any]:
    """A loader's `load_service_model` that hands out API models cut down by `prune_model`.

    After botocore's own step, which merges a service's sdk-extras file into its model (RDS
    adds SourceRegion to its copy operations' inputs): pruning the file alone would leave those
    shapes half there. Each model is pruned once, under a lock (reader threads create their
    clients at the same time), and handed out as one object from then on. With a `cache`
    (aws/modelcache.py), a pruned model kept by an earlier run is read instead of the whole
    model, and a model pruned here is kept for the next run."""
    lock = threading.Lock()
    pruned: dict[tuple[str, str | None], Any] = {}

    def load_service_model(
        service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        allowed = ALLOWED.get(service_name)
        if type_name != "service-2" or not allowed:
            return load(service_name, type_name, api_version)
        with lock:
            key = (service_name, api_version)
            if key in pruned:
                return pruned[key]
            entry = cache.entry(service_name, api_version, allowed) if cache else None
            doc = cache.get(entry) if cache and entry else None
            if doc is None:
                doc = load(service_name, type_name, api_version)
                if isinstance(doc, dict):
                    fresh = REFUSED_KEY not in (doc.get("metadata") or {})
                    prune_model(doc, allowed)
                    if cache and entry and fresh:
                        cache.put(entry, doc)
            pruned[key] = doc
            return doc

    return load_service_model


# An ISO 8601 date-time as AWS writes them in XML and JSON bodies (2024-05-01T12:00:00.000Z):
# the one form `fast_timestamp` parses itself.
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")


def fast_timestamp(value: Any) -> datetime:
    """botocore's response timestamp parser, without dateutil for the forms AWS sends.

    botocore hands every timestamp of every response to dateutil's general parser (~50 us
    each, against ~2 us for `datetime.fromisoformat`): on the 1,000-resource benchmark world
    2,200 of them (moto's DescribeSnapshots lists its AMIs' snapshots; IAM, EC2 and S3 dates),
    ~0.1 s of the scan's CPU (5%) spent reading dates no reader keeps but as UTC text. The
    same instant comes out either way (the readers format timestamps through
    `astimezone(UTC)`); only the tzinfo object differs (timezone.utc for dateutil's
    tzutc/tzlocal). Epoch numbers are read as UTC instants, anything else goes to botocore."""
    if isinstance(value, str) and ISO_TIMESTAMP.fullmatch(value):
        return datetime.fromisoformat(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return botocore.utils.parse_timestamp(value)


REFUSED_KEY = "driftpatchRefused"  # model metadata: the operations pruned away (their names)


def prune_model(doc: dict[str, Any], allowed: frozenset[str]) -> None:
    """Cut a service's API model down to the operations the allow-list lets us call and the
    shapes they reach (in place).

    A client makes one method per operation of its model and the model is held as long as the
    client: EC2's has 700-odd operations and 4,000 shapes, of which a scan may call 29. The
    allow-list already refuses every other operation before it is signed, so a client without
    them can do nothing less; their names stay in the metadata (`REFUSED_KEY`) so that calling
    one still raises ReadOnlyViolation (`_refuse_pruned`), not AttributeError. On the
    1,000-resource world: the twenty-odd models of a scan from ~40 MB to a few."""
    operations = doc.get("operations")
    shapes = doc.get("shapes")
    metadata = doc.setdefault("metadata", {})
    if not isinstance(operations, dict) or not isinstance(shapes, dict):
        return
    if not isinstance(metadata, dict) or REFUSED_KEY in metadata:
        return  # pruned already
    refused = sorted(name for name in operations if name not in allowed)
    for name in refused:
        del operations[name]
    reached: set[str] = set()
    todo = [
        str(ref["shape"])
        for op in operations.values()
        for ref in (op.get("input"), op.get("output"), *(op.get("errors") or ()))
        if isinstance(ref, dict) and "shape" in ref
    ]
    while todo:
        name = todo.pop()
        if name in reached or name not in shapes:
            continue
        reached.add(name)
        shape = shapes[name]
        refs = [shape.get(k) for k in ("member", "key", "value")]
        refs.extend((shape.get("members") or {}).values())
        todo.extend(str(r["shape"]) for r in refs if isinstance(r, dict) and "shape" in r)
    for name in [n for n in shapes if n not in reached]:
        del shapes[name]
    metadata[REFUSED_KEY] = refused


def _refuse_pruned(client: Any) -> Callable[..., Any]:
    """getattr (botocore asks before raising AttributeError): a pruned operation's method,
    which refuses as the allow-list would have. The method names are made at the first
    lookup, not per client: most scans never look one up, and EC2 alone refuses 700-odd."""
    model = client.meta.service_model
    names: dict[str, str] | None = None

    def lookup(event_name: str, **_: Any) -> Callable[..., Any] | None:
        nonlocal names
        if names is None:  # two threads racing here build the same dict: harmless
            refused = model.metadata.get(REFUSED_KEY) or ()
            names = {botocore.xform_name(op): op for op in refused}
        op = names.get(event_name.rsplit(".", 1)[-1])
        if op is None:
            return None

        def refuse(*_args: Any, **_kwargs: Any) -> Any:
            raise ReadOnlyViolation(
                f"refused {model.service_name}:{op}: driftpatch only makes the read-only calls "
                "listed in driftpatch/aws/allowlist.py"
            )

        return refuse

    return lookup


class AwsSession:
    def __init__(
        self,
        *,
        profile: str | None = None,
        credentials: TemporaryCredentials | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_pool_connections: int = DEFAULT_CONCURRENCY,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        deadline_s: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """`deadline_s`: seconds from now after which no call starts (None: no deadline);
        `credentials`: a role's, instead of the profile's or the default chain's."""
        core = botocore.session.Session()
        # Before any model is loaded (the loader caches what it loads): plain dicts, and only
        # the allow-listed part of each API model (PlainJsonLoader, pruning).
        loader = core.get_component("data_loader")
        loader.file_loader = PlainJsonLoader()
        directory = cache_dir()
        cache = ModelCache(loader, directory) if directory is not None else None
        loader.load_service_model = pruning(loader.load_service_model, cache)
        core.get_component("response_parser_factory").set_parser_defaults(
            timestamp_parser=fast_timestamp
        )
        try:
            self._session = boto3.Session(
                aws_access_key_id=credentials.access_key_id if credentials else None,
                aws_secret_access_key=credentials.secret_access_key if credentials else None,
                aws_session_token=credentials.session_token if credentials else None,
                profile_name=profile,
                region_name=region,
                botocore_session=core,
            )
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsError(f"AWS profile {profile!r} not found") from exc
        self.endpoint_url = endpoint_url
        self.retry = retry or RetryPolicy(max_attempts=max_attempts)
        self.deadline_s = deadline_s
        self._deadline = None if deadline_s is None else time.monotonic() + deadline_s
        self._config = botocore.config.Config(
            # "standard" only for botocore's error parsing and retry headers: its retry decision
            # (and the shared quota behind it) is replaced per client, see `_retry`.
            retries={"mode": "standard", "total_max_attempts": self.retry.max_attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            user_agent_extra="driftpatch",
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._limiters: dict[tuple[str, str], Aimd] = {}
        self._held = threading.local()  # the (limiter, epoch) of this thread's request
        self.concurrency = max_pool_connections
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._operations: Counter[tuple[str, str]] = Counter()
        self._made: list[tuple[str, str]] = []  # every call (see `_count`)
        self._tallied = 0  # how many of them are in the counters
        self._account_id: str | None = None
        self._random = random.Random()

    def deadline_passed(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    @property
    def default_region(self) -> str | None:
        return self._session.region_name

    def client(self, service: str, region: str) -> Any:
        """A read-only, counted client; created once per (service, region)."""
        key = (service, region)
        found = self._clients.get(key)  # the common case, without the lock every call took
        if found is not None:
            return found
        with self._lock:
            if key not in self._clients:
                client = self._session.client(
                    service,  # type: ignore[call-overload]
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=self._config,
                )
                guard(client)
                events = client.meta.events
                events.register(
                    f"getattr.{client.meta.service_model.service_id.hyphenize()}",
                    _refuse_pruned(client),
                )
                events.register("before-call.*.*", self._check_deadline)
                events.register("after-call.*.*", self._count)
                events.register("after-call.*.*", self._validator(client))
                service_id = client.meta.service_model.service_id.hyphenize()
                # botocore's standard handler draws on one per-client quota: replace it. Ours
                # runs first and always answers (a delay, or False for "no retry"), so botocore's
                # answer would be ignored even if a future version renamed its handler.
                events.unregister(
                    f"needs-retry.{service_id}", unique_id=f"retry-config-{service_id}"
                )
                events.register_first(f"needs-retry.{service_id}", self._retry)
                limiter = self._limiters.setdefault(key, Aimd(self.concurrency))
                events.register(f"before-send.{service_id}", self._acquire(limiter))
                events.register(f"response-received.{service_id}", self._release)
                events.register(f"after-call-error.{service_id}", self._release)
                self._clients[key] = client
                settle()  # its service model lives as long as the scan
            return self._clients[key]

    def _acquire(self, limiter: Aimd) -> Callable[..., None]:
        """before-send (every attempt): a slot of the client's limiter, held until its answer."""

        def acquire(**_: Any) -> None:  # returns None: an answer here would replace the send
            self._held.slot = (limiter, limiter.acquire())

        return acquire

    def _release(
        self,
        parsed_response: Any = None,
        response_dict: Any = None,
        **_: Any,
    ) -> None:
        """response-received (every attempt, answered or failed), and after-call-error (an
        attempt that failed past it): the slot back, and whether AWS said "slow down"."""
        slot = getattr(self._held, "slot", None)
        if slot is None:
            return
        self._held.slot = None
        status = int((response_dict or {}).get("status_code") or 0)
        code = str(((parsed_response or {}).get("Error") or {}).get("Code") or "")
        slot[0].release(slot[1], is_throttle(status, code))

    def limiters(self) -> Mapping[tuple[str, str], Aimd]:
        """(service, region) -> its adaptive limiter (the benchmark prints their state)."""
        with self._lock:
            return dict(self._limiters)

    def _check_deadline(self, model: Any, **_: Any) -> None:
        if self.deadline_passed():
            raise DeadlineExceeded(operation=model.name, deadline=self.deadline_s or 0)

    def _retry(
        self,
        response: Any = None,
        attempts: int = 1,
        caught_exception: BaseException | None = None,
        operation: Any = None,
        **_: Any,
    ) -> float | bool:
        """needs-retry: a wait in seconds before the next attempt of this call, or False (no
        retry: botocore then returns the last answer or raises the last error)."""
        delay = self._next_delay(response, attempts, caught_exception)
        if delay is None and caught_exception is not None and operation is not None:
            # A connection-level failure does not name its call; the report should.
            with contextlib.suppress(AttributeError):
                caught_exception.operation_name = operation.name  # type: ignore[attr-defined]
        return False if delay is None else delay

    def _next_delay(
        self, response: Any, attempts: int, caught_exception: BaseException | None
    ) -> float | None:
        kind = retry_kind(response, caught_exception)
        if kind is None:
            return None
        budget = self.retry.timeout_attempts if kind == "timeout" else self.retry.max_attempts
        if attempts >= budget:
            return None
        with self._lock:
            delay = self.retry.delay(attempts, kind == "throttle", self._random.random)
        if self._deadline is not None and time.monotonic() + delay >= self._deadline:
            return None  # the answer we have (an error) is the answer
        return delay

    def _validator(self, client: Any) -> Callable[..., None]:
        """after-call for one client: a 2xx answer must parse and carry its required fields.

        Required: what the service model marks so, and for a paginated List/Describe call of a
        JSON service the collection it pages over (KMS ListKeys' `Keys`): those services send
        an empty list, never nothing, so an answer without it is broken, not "no keys". (XML
        services may leave an empty list out, so only the model's marks apply there.)"""
        paging: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
        lock = threading.Lock()

        def pages(model: Any) -> tuple[tuple[str, ...], frozenset[str]]:
            """A paginated call's collections (ListKeys' `Keys`) and input tokens, from the
            client's own paginator model (its loader's cache: a fresh botocore session, as
            before, costs ~50 ms of CPU per operation)."""
            with lock:
                if model.name not in paging:
                    method = botocore.xform_name(model.name)
                    keys: tuple[str, ...] = ()
                    tokens: frozenset[str] = frozenset()
                    if client.can_paginate(method):
                        paginator = client.get_paginator(method)
                        exprs = paginator.result_keys or ()
                        keys = tuple(re.split(r"[.\[]", e.expression)[0] for e in exprs)
                        config = getattr(paginator, "_pagination_cfg", None) or {}
                        token = config.get("input_token") or ()
                        tokens = frozenset([token] if isinstance(token, str) else token)
                    paging[model.name] = (keys, tokens)
                return paging[model.name]

        def echoed(model: Any) -> frozenset[str]:
            """A paginated call's input token, echoed in the answer (Route 53 ListHostedZones'
            `Marker`): absent, not malformed, when the request sent none (the first page)."""
            return pages(model)[1]

        def collections(model: Any) -> tuple[str, ...]:
            return pages(model)[0]

        def validate(http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
            status = int(getattr(http_response, "status_code", 0) or 0)
            shape = model.output_shape
            if not 200 <= status < 300 or shape is None:
                return
            required = list(getattr(shape, "required_members", ()))
            if model.service_model.protocol in JSON_PROTOCOLS:
                body = bytes(getattr(http_response, "content", b"") or b"").strip()
                try:
                    doc = json.loads(body) if body else {}
                except ValueError:
                    doc = None
                if not isinstance(doc, dict):
                    raise MalformedResponse(operation=model.name, detail="the body is not JSON")
                required.extend(k for k in collections(model) if k not in required)
            if not isinstance(parsed, Mapping):
                return
            missing = [m for m in required if m not in parsed and m not in echoed(model)]
            if missing:
                raise MalformedResponse(
                    operation=model.name,
                    detail=f"required field {', '.join(missing)} is missing",
                )

        return validate

    def _count(self, model: Any, **_: Any) -> None:
        # list.append is atomic: no lock on the path of every call (the session's lock, taken
        # here by 32 threads at once, queued them behind each other). Summed when asked.
        self._made.append((model.service_model.endpoint_prefix, model.name))

    def _tally(self) -> None:
        with self._lock:
            # Never swapped for a new list: an append racing the swap would be lost.
            upto = len(self._made)
            for service, name in self._made[self._tallied : upto]:
                self._calls[service] += 1
                self._operations[(service, name)] += 1
            self._tallied = upto

    def calls(self) -> Mapping[str, int]:
        self._tally()
        with self._lock:
            return dict(sorted(self._calls.items()))

    def operations(self) -> Mapping[tuple[str, str], int]:
        """Calls per (service, operation): what the benchmark sets against the floor."""
        self._tally()
        with self._lock:
            return dict(sorted(self._operations.items()))

    def account_id(self) -> str:
        """The scanned account (sts:GetCallerIdentity), cached."""
        if self._account_id is None:
            region = self.default_region or "us-east-1"
            try:
                ident = self.client("sts", region).get_caller_identity()
            except AWS_ERRORS as exc:
                raise AwsError(f"cannot identify the AWS account: {describe_error(exc)}") from exc
            self._account_id = str(ident["Account"])
        return self._account_id
