"""A small real HTTP(S) server on a loopback address, for the state-source tests: routes by
path, records each request's path and headers, can answer chunked or behind TLS."""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Route = Callable[["Seen"], tuple[int, dict[str, str], bytes]]


@dataclass
class Seen:
    """What the server was asked (path and headers of each request)."""

    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Server:
    base: str
    routes: dict[str, Route]
    requests: list[Seen] = field(default_factory=list)


def serve(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    server_state = Server("", {})

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()})
            server_state.requests.append(seen)
            route = server_state.routes.get(self.path.split("?")[0])
            if route is None:
                status, headers, body = 404, {}, b'{"errors":[{"status":"404"}]}'
            else:
                status, headers, body = route(seen)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if headers.get("Transfer-Encoding") == "chunked":
                for start in range(0, len(body), 1000):
                    part = body[start : start + 1000]
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((host, 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    server_state.base = f"{scheme}://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()
