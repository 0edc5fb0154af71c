"""A loopback HTTP proxy that adds a fixed delay to every request, in front of a moto server.

Both tools of a benchmark talk to it as their AWS endpoint, so both pay the same round trip
(25 ms is about what a client in the same region sees from AWS) and are counted the same way:
requests per service (the SigV4 credential scope) and per operation (X-Amz-Target, the query
protocol's Action, or for S3 the method and sub-resource). Benchmark tooling, not a test fake:
tests/aws/faults/proxy.py injects faults; this only waits and counts.

`MotoProcess` runs the emulated AWS (driftpatch's embedded moto) in a child process, so moto
and this proxy each have a GIL of their own, and `cpu_seconds(pid)` tells what each side of the
instrument cost while a tool was measured.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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
    """The proxy: a thread per client connection (as AWS's endpoints, it keeps a client's
    connection alive), each holding ONE kept-alive connection to the upstream.

    Why that matters for the figures: a new upstream connection per request made moto's server
    (werkzeug) start a new thread per request and both sides pay a TCP handshake; ~5 ms of the
    server side's CPU per request, on the same cores the measured tool runs on. The client sees
    the same answers either way; only the emulated AWS's overhead shrinks.
    """

    def __init__(self, upstream: str, delay_s: float) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self._host, self._port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self._upstream_host = f"{self._host}:{self._port}"
        self.delay_s = delay_s
        self.calls: Counter[tuple[str, str]] = Counter()
        self.reconnects = 0  # kept-alive upstream connections found closed and opened again
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The answer goes out in one write; without TCP_NODELAY a second small write would
            # wait for the client's delayed ACK (up to 40 ms on Linux): not AWS-like.
            disable_nagle_algorithm = True
            upstream: http.client.HTTPConnection | None = None

            def log_message(self, format: str, *args: object) -> None:
                pass

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    if self.upstream is not None:
                        self.upstream.close()

            def _exchange(self, body: bytes) -> tuple[http.client.HTTPResponse, bytes]:
                """The request upstream on this handler's kept-alive connection; once more on a
                new one if the kept one was closed by the server before it answered."""
                out = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                out["Host"] = proxy._upstream_host
                for attempt in (0, 1):
                    reused = self.upstream is not None
                    if self.upstream is None:
                        self.upstream = http.client.HTTPConnection(
                            proxy._host, proxy._port, timeout=120
                        )
                    try:
                        self.upstream.request(
                            self.command, self.path, body=body or None, headers=out
                        )
                        resp = self.upstream.getresponse()
                        data = resp.read()
                    except (ConnectionError, http.client.BadStatusLine):
                        self.upstream.close()
                        self.upstream = None
                        if not reused or attempt:
                            raise
                        with proxy._lock:
                            proxy.reconnects += 1
                        continue
                    if resp.will_close:
                        self.upstream.close()
                        self.upstream = None
                    return resp, data
                raise AssertionError("unreachable")

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
                resp, data = self._exchange(body)
                head = [f"{self.protocol_version} {resp.status} {resp.reason}\r\n"]
                for k, v in resp.getheaders():
                    if k.lower() not in _HOP and k.lower() != "content-length":
                        head.append(f"{k}: {v}\r\n")
                head.append(f"Content-Length: {len(data)}\r\n\r\n")
                out = "".join(head).encode("latin-1")
                self.wfile.write(out if self.command == "HEAD" else out + data)

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


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of a process, all its threads (Linux /proc; this process's
    own when `pid` is None; NaN where /proc is not there)."""
    if pid is None:
        return time.process_time()
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The child: driftpatch's embedded AWS (moto's threaded server, mended and warmed as the tests
# have it: embedded.py's _mend_moto lists moto's package directory once, not twice a request),
# its URL on stdout, stopped when its stdin closes (the parent ended, however).
_CHILD = """
import sys
from driftpatch.embedded import embedded_aws
with embedded_aws() as aws:
    print(aws.endpoint_url, flush=True)
    sys.stdin.read()
"""


class MotoProcess:
    """What `EmbeddedAws.stop()` stops: the child process running moto."""

    def __init__(self, src: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(src)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError("the moto child process did not start")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
