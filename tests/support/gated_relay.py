"""A loopback HTTP relay in front of a server that lets a fixed number of uploads through, then holds the rest.

Killing a server "in the middle of" a client's upload is a race: on a fast day the upload ends first. With this
relay between them it cannot: once `passes` requests of the gated kind have been answered, every further one is
held unanswered until `cut()`, so the test can kill the server while the client provably still waits on it, and
knows exactly what arrived. `cut()` then behaves as a server that went away: the relay stops listening and closes
every connection it has, held requests included, without an answer.

HTTP/1.1 with keep-alive and `Expect: 100-continue` (the standard library's request handler answers it), bodies by
Content-Length or chunked; each request is sent upstream on a connection of its own, its headers (Host included,
which request signatures cover) as the client sent them.
"""

import contextlib
import http.client
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOST = "127.0.0.1"
UPSTREAM_TIMEOUT_S = 60.0
# Hop-by-hop headers (RFC 9110, 7.6.1), and Expect, which the relay answers itself.
NOT_FORWARDED = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
NOT_FORWARDED_UPSTREAM = NOT_FORWARDED | {"expect"}


@dataclass(frozen=True)
class Answer:
    """The upstream server's whole answer to one request."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def content_length(self) -> str | None:
        return next((value for name, value in self.headers if name.lower() == "content-length"), None)


class GatedRelay:
    """Relays to `upstream`; lets `passes` requests with `method` and a path under `gated_prefix` through."""

    def __init__(self, upstream: str, method: str, gated_prefix: str, passes: int) -> None:
        target = urlsplit(upstream)
        self._upstream = (target.hostname or HOST, target.port or 80)
        self._method = method
        self._gated_prefix = gated_prefix
        self._passes = passes
        self._state = threading.Condition()
        self._admitted = 0
        self._in_flight = 0
        self._held = 0
        self._cut = False
        self._connections: set[socket.socket] = set()
        self._server = ThreadingHTTPServer((HOST, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="gated-relay", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def wait_until_holding(self, timeout: float) -> bool:
        """True once a gated request is held and every admitted one has had its answer; False on time-out."""
        with self._state:
            return self._state.wait_for(lambda: self._held > 0 and self._in_flight == 0, timeout)

    def cut(self) -> None:
        """Stop listening and drop every connection, answering none of the held requests."""
        with self._state:
            self._cut = True
            self._state.notify_all()
            connections = list(self._connections)
        self._server.shutdown()
        self._server.server_close()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _admit(self, method: str, path: str) -> bool:
        """Whether the request may go upstream; a gated request past the limit waits here for `cut()`."""
        if method != self._method or not path.startswith(self._gated_prefix):
            return not self._cut
        with self._state:
            if self._cut:
                return False
            if self._admitted < self._passes:
                self._admitted += 1
                self._in_flight += 1
                return True
            self._held += 1
            self._state.notify_all()
            self._state.wait_for(lambda: self._cut)
            return False

    def _answered(self, method: str, path: str) -> None:
        if method == self._method and path.startswith(self._gated_prefix):
            with self._state:
                self._in_flight -= 1
                self._state.notify_all()

    def _forward(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> "Answer":
        upstream = http.client.HTTPConnection(*self._upstream, timeout=UPSTREAM_TIMEOUT_S)
        upstream.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            if name.lower() not in NOT_FORWARDED_UPSTREAM and name.lower() != "content-length":
                upstream.putheader(name, value)
        if body or method in ("PUT", "POST"):
            upstream.putheader("Content-Length", str(len(body)))
        upstream.endheaders(body or None)
        try:
            response = upstream.getresponse()
            return Answer(response.status, response.reason, response.getheaders(), response.read())
        finally:
            upstream.close()

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._state:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                relay._track(self.connection, open_=True)

            def finish(self) -> None:
                relay._track(self.connection, open_=False)
                super().finish()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the client's own log says what happened."""

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except OSError:
                    self.close_connection = True

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):
                    return self._relay
                raise AttributeError(name)

            def _relay(self) -> None:
                body = b"".join(self._body())
                if not relay._admit(self.command, self.path):
                    self.close_connection = True
                    return
                try:
                    answer = relay._forward(self.command, self.path, list(self.headers.items()), body)
                except OSError:
                    self.close_connection = True
                    return
                finally:
                    relay._answered(self.command, self.path)
                self.send_response_only(answer.status, answer.reason)
                for name, value in answer.headers:
                    if name.lower() not in NOT_FORWARDED and name.lower() != "content-length":
                        self.send_header(name, value)
                if self.command == "HEAD":
                    self.send_header("Content-Length", answer.content_length or "0")
                else:
                    self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer.body)

            def _body(self) -> Iterator[bytes]:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    while size := int(self.rfile.readline().split(b";")[0], 16):
                        yield self.rfile.read(size)
                        self.rfile.readline()
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailer fields
                    return
                yield self.rfile.read(int(self.headers.get("Content-Length") or 0))

        return Handler


@contextlib.contextmanager
def gated_relay(upstream: str, method: str, gated_prefix: str, passes: int) -> Iterator[GatedRelay]:
    """A started relay, cut on exit whatever happened."""
    relay = GatedRelay(upstream, method, gated_prefix, passes)
    relay.start()
    try:
        yield relay
    finally:
        relay.cut()
