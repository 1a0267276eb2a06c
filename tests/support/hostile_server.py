"""A small programmable HTTP server on 127.0.0.1: a registry that lies.

Each test gives a function ``answer(request) -> Reply`` and gets a running server
(``with hostile(answer) as server``).  The server records every request (method, path,
headers, body) in ``server.requests``, so a test can check what pinlint sent where:
a token to the wrong host, a refresh token to a redirect target.  A reply body may be an
iterator of chunks, sent with chunked transfer encoding as they come: an endless body, a
slow drip.

A real registry cannot be made to misbehave like this; the mocks stop at the socket, so
pinlint's own transport (httpx, streaming, redirects, timeouts) is what is attacked.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import socketserver
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any


@dataclasses.dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclasses.dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""
    # Close the connection after this answer without saying so (no "Connection: close"),
    # as a server whose keep-alive timeout ran out does.
    hang_up: bool = False


class Server:
    def __init__(self, httpd: socketserver.TCPServer) -> None:
        self.httpd = httpd
        self.requests: list[Request] = []
        self.connections = 0  # TCP connections accepted
        self.closed = 0  # and closed by the server
        self.lock = threading.Lock()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def seen(self, method: str | None = None, prefix: str = "") -> list[Request]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(prefix)
            ]


class _ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    on_closed: Callable[[], None] = staticmethod(lambda: None)

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        self.on_closed()


@contextlib.contextmanager
def hostile(answer: Callable[[Request], Reply]) -> Iterator[Server]:
    """Run a server that answers each request with ``answer(request)``."""
    holder: list[Server] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            server = holder[0]
            with server.lock:
                server.connections += 1

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(self.command, self.path, dict(self.headers.items()), body)
            server = holder[0]
            with server.lock:
                server.requests.append(request)
            reply = answer(request)
            if reply.hang_up:
                self.close_connection = True
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            try:
                if isinstance(reply.body, bytes):
                    if "Content-Length" not in reply.headers:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(reply.body)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for chunk in reply.body:
                    if chunk:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        do_GET = do_HEAD = do_POST = _handle

    httpd = _ThreadingServer(("127.0.0.1", 0), Handler)
    holder.append(Server(httpd))

    def closed() -> None:
        with holder[0].lock:
            holder[0].closed += 1

    httpd.on_closed = closed
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
