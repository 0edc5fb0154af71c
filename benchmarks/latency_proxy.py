"""A loopback HTTP proxy that adds a fixed delay to every request, in front of a moto server.

Both tools of a benchmark talk to it as their AWS endpoint, so both pay the same round trip
(25 ms is about what a client in the same region sees from AWS) and are counted the same way:
requests per service (the SigV4 credential scope) and per operation (X-Amz-Target, the query
protocol's Action, or for S3 the method and sub-resource). Benchmark tooling, not a test fake:
tests/aws/faults/proxy.py injects faults; this only waits and counts.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_S3_SUBRESOURCES = (
    "accelerate", "acl", "cors", "encryption", "lifecycle", "location", "logging",
    "object-lock", "ownershipControls", "policy", "publicAccessBlock", "replication",
    "requestPayment", "tagging", "versioning", "website", "notification", "analytics",
    "intelligent-tiering", "inventory", "metrics", "policyStatus",
)  # fmt: skip
_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "proxy-connection", "host"})


def operation(method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> str:
    target = headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    action = params.get("Action")
    if not action and body and method == "POST":
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
    if action:
        return action[0]
    bucket_level = path.strip("/").count("/") == 0
    for key in params:
        if key in _S3_SUBRESOURCES:
            return f"{method} ?{key}"
    if path.strip("/") == "":
        return f"{method} /"
    return f"{method} {'bucket' if bucket_level else 'object'}"


class _Server(ThreadingHTTPServer):
    """socketserver listens with a backlog of 5: a client opening 32 connections at once (both
    tools do) overflows it, the kernel drops the extra SYNs and each of those requests waits
    out a 1 s SYN retransmit -- a stall AWS's endpoints never cause. 128 as moto's server."""

    request_queue_size = 128


class LatencyProxy:
    def __init__(self, upstream: str, delay_s: float) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self._host, self._port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.delay_s = delay_s
        self.calls: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                path, _, query = self.path.partition("?")
                found = _SCOPE.search(headers.get("authorization", ""))
                key = (
                    found.group(1) if found else "?",
                    operation(self.command, path, query, headers, body),
                )
                with proxy._lock:
                    proxy.calls[key] += 1
                if proxy.delay_s:
                    time.sleep(proxy.delay_s)
                conn = http.client.HTTPConnection(proxy._host, proxy._port, timeout=120)
                try:
                    out = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                    out["Host"] = f"{proxy._host}:{proxy._port}"
                    conn.request(self.command, self.path, body=body or None, headers=out)
                    resp = conn.getresponse()
                    data = resp.read()
                finally:
                    conn.close()
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in _HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def reset(self) -> Counter[tuple[str, str]]:
        """The counts so far, and start again from zero."""
        with self._lock:
            counts, self.calls = self.calls, Counter()
        return counts

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def latency_proxy(upstream: str, delay_s: float) -> Iterator[LatencyProxy]:
    proxy = LatencyProxy(upstream, delay_s)
    try:
        yield proxy
    finally:
        proxy.stop()
