"""A loopback HTTP proxy that injects AWS faults in front of a moto server.

boto3 talks to the proxy (as its endpoint URL); the proxy forwards each request to moto over
real HTTP, unless a `Fault` matches it, in which case it answers as AWS does when it throttles,
denies, breaks the connection, sends garbage or hangs. Faults match on the operation name (from
the X-Amz-Target header, the query protocol's `Action`, or the S3 method, path and query), the
service (from the request's SigV4 credential scope) and the attempt number botocore sends in
`amz-sdk-request: attempt=N`, so "the first N attempts of every request" is exact whatever the
timing.

Everything is bounded: the server binds 127.0.0.1 on a free port, a hang sleeps a fixed number
of seconds, and `stop()` ends the server thread.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# S3 sub-resources (query keys) -> the GET operation reading them.
S3_GETS = {
    "accelerate": "GetBucketAccelerateConfiguration",
    "acl": "GetBucketAcl",
    "cors": "GetBucketCors",
    "encryption": "GetBucketEncryption",
    "lifecycle": "GetBucketLifecycleConfiguration",
    "location": "GetBucketLocation",
    "logging": "GetBucketLogging",
    "object-lock": "GetObjectLockConfiguration",
    "policy": "GetBucketPolicy",
    "publicAccessBlock": "GetPublicAccessBlock",
    "replication": "GetBucketReplication",
    "requestPayment": "GetBucketRequestPayment",
    "tagging": "GetBucketTagging",
    "versioning": "GetBucketVersioning",
    "website": "GetBucketWebsite",
}
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_ATTEMPT = re.compile(r"attempt=(\d+)")

# (HTTP status, error code) per service, as AWS answers.
THROTTLE = {
    "ec2": (503, "RequestLimitExceeded"),
    "s3": (503, "SlowDown"),
    "iam": (400, "Throttling"),
    "sts": (400, "Throttling"),
}
THROTTLE_JSON = (400, "ThrottlingException")
DENY = {
    "ec2": (403, "UnauthorizedOperation"),
    "s3": (403, "AccessDenied"),
    "iam": (403, "AccessDenied"),
    "sts": (403, "AccessDenied"),
}
DENY_JSON = (400, "AccessDeniedException")
MESSAGES = {
    "throttle": "Rate exceeded",
    "deny": "Access Denied",
}
# What a misbehaving middlebox sends with a 200: neither JSON nor XML.
GARBAGE = b"<html><body>upstream temporarily unavailable</body></html"
# Services speaking rest-json (no X-Amz-Target header, JSON errors).
REST_JSON = frozenset({"guardduty"})


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    @property
    def service(self) -> str:
        found = _SCOPE.search(self.headers.get("authorization", ""))
        return found.group(1) if found else ""

    @property
    def attempt(self) -> int:
        found = _ATTEMPT.search(self.headers.get("amz-sdk-request", ""))
        return int(found.group(1)) if found else 1

    @property
    def is_json(self) -> bool:
        return "x-amz-target" in self.headers or self.service in REST_JSON

    @property
    def operation(self) -> str:
        target = self.headers.get("x-amz-target")
        if target:
            return target.rsplit(".", 1)[-1]
        action = self.query.get("Action")
        if not action and self.body and self.method == "POST":
            form = urllib.parse.parse_qs(self.body.decode("utf-8", "replace"))
            action = form.get("Action")
        if action:
            return action[0]
        if self.service == "s3" and self.method == "GET":
            if self.path.strip("/") == "":
                return "ListBuckets"
            for key in self.query:
                if key in S3_GETS:
                    return S3_GETS[key]
            return "ListObjects"
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Fault:
    """Inject `kind` into requests matching `operation` (None: any) of `service` (None: any),
    and `bucket` for S3, on attempts 1..`attempts` of each call."""

    kind: str  # throttle | deny | reset | garbage | html500 | empty | hang
    operation: str | None = None
    service: str | None = None
    attempts: int = 1_000
    hang_s: float = 3.0
    bucket: str | None = None  # S3: only requests for this bucket (path style)
    body_contains: bytes | None = None  # only requests whose body holds this (a role's account)

    def matches(self, req: Request) -> bool:
        return (
            (self.operation is None or req.operation == self.operation)
            and (self.body_contains is None or self.body_contains in req.body)
            and (self.bucket is None or req.path.strip("/").split("/")[0] == self.bucket)
            and (self.service is None or req.service == self.service)
            and req.attempt <= self.attempts
        )


@dataclass(frozen=True)
class Injected:
    operation: str
    service: str
    kind: str
    attempt: int


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self._upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.faults: tuple[Fault, ...] = ()
        self.injected: list[Injected] = []
        self.forwarded = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def set(self, *faults: Fault) -> None:
        with self._lock:
            self.faults = faults
            self.injected = []
            self.forwarded = 0

    # -- serving ---------------------------------------------------------------------------------

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        split = urllib.parse.urlsplit(h.path)
        req = Request(
            method=h.command,
            path=split.path,
            query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in h.headers.items()},
            body=body,
        )
        with self._lock:
            fault = next((f for f in self.faults if f.matches(req)), None)
            if fault is not None:
                self.injected.append(Injected(req.operation, req.service, fault.kind, req.attempt))
            else:
                self.forwarded += 1
        try:
            self._reply(h, req, fault)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True  # the client gave up first (its read timeout)

    def _reply(self, h: BaseHTTPRequestHandler, req: Request, fault: Fault | None) -> None:
        if fault is None:
            self._forward(h, req)
        elif fault.kind == "reset":
            _reset(h)
        elif fault.kind == "hang":
            time.sleep(fault.hang_s)
            h.close_connection = True
        elif fault.kind == "garbage":
            _send(h, 200, GARBAGE, "application/x-amz-json-1.1")
        elif fault.kind == "html500":  # a load balancer's error page in front of the API
            _send(h, 500, GARBAGE, "text/html")
        elif fault.kind == "empty":
            _send_empty(h, req)
        else:
            _send_error(h, req, fault.kind)

    def _forward(self, h: BaseHTTPRequestHandler, req: Request) -> None:
        conn = http.client.HTTPConnection(*self._upstream, timeout=60)
        try:
            self._relay(h, req, conn)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True  # the client gave up first (its read timeout)
        finally:
            conn.close()

    @staticmethod
    def _relay(h: BaseHTTPRequestHandler, req: Request, conn: http.client.HTTPConnection) -> None:
        headers = {k: v for k, v in h.headers.items() if k.lower() != "connection"}
        conn.request(req.method, h.path, body=req.body or None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        h.send_response(resp.status)
        for key, value in resp.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                h.send_header(key, value)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if req.method != "HEAD":
            h.wfile.write(data)


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    h.send_header("x-amzn-RequestId", "fault-proxy")
    h.end_headers()
    h.wfile.write(body)


def _send_error(h: BaseHTTPRequestHandler, req: Request, kind: str) -> None:
    message = MESSAGES[kind]
    if req.is_json:
        status, code = THROTTLE_JSON if kind == "throttle" else DENY_JSON
        body = json.dumps({"__type": code, "message": message}).encode()
        _send(h, status, body, "application/x-amz-json-1.1")
        return
    status, code = (THROTTLE if kind == "throttle" else DENY)[req.service]
    if req.service == "ec2":
        xml = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            "</Error></Errors><RequestID>fault-proxy</RequestID></Response>"
        )
    elif req.service == "s3":
        xml = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    else:
        xml = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>fault-proxy</RequestId>"
            "</ErrorResponse>"
        )
    _send(h, status, xml.encode(), "text/xml")


def _send_empty(h: BaseHTTPRequestHandler, req: Request) -> None:
    """A well-formed 200 that carries none of the operation's fields."""
    if req.is_json:
        _send(h, 200, b"{}", "application/x-amz-json-1.1")
        return
    op = req.operation
    xml = f"<{op}Response><{op}Result></{op}Result></{op}Response>"
    _send(h, 200, xml.encode(), "text/xml")


def _reset(h: BaseHTTPRequestHandler) -> None:
    """Close with a TCP RST (SO_LINGER 0): the client sees 'connection reset by peer'."""
    sock = h.connection
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    sock.close()


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
