"""A git server over smart HTTP on loopback that, like GitHub's, answers only requests carrying its credential.

Git's own `git http-backend` (a CGI program) serves the repositories under a folder; in front of it, a small HTTP
server refuses with 401 every request whose `Authorization` header is not the expected one, as GitHub does for a
push without a token, and records the header each request carried, so that a test can tell what a client sent.
"""

import base64
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

USER = "x-access-token"  # the user name GitHub takes with GITHUB_TOKEN as the password


def basic_authorization(token: str) -> str:
    return "basic " + base64.b64encode(f"{USER}:{token}".encode()).decode()


@dataclass
class GitHttpServer:
    """Where the server listens, and every request it saw: (method, path, Authorization header or None)."""

    url: str
    root: Path
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)

    def bare_repository(self, name: str) -> Path:
        """A new bare repository under the served folder, which accepts pushes over HTTP."""
        path = self.root / name
        subprocess.run(["git", "init", "--quiet", "--bare", str(path)], check=True)
        subprocess.run(["git", "config", "http.receivepack", "true"], cwd=path, check=True)
        return path


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request's body, sent with a Content-Length or in chunks (dulwich streams a push's pack)."""
    if handler.headers.get("Transfer-Encoding", "").lower() != "chunked":
        return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    chunks = []
    while size := int(handler.rfile.readline().split(b";")[0].strip(), 16):
        chunks.append(handler.rfile.read(size))
        handler.rfile.readline()  # the CRLF after each chunk
    while handler.rfile.readline().strip():  # trailers, up to the empty line
        pass
    return b"".join(chunks)


def handler_for(server: GitHttpServer, authorization: str) -> type[BaseHTTPRequestHandler]:
    class GitHttpHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.serve()

        def do_POST(self) -> None:
            self.serve()

        def serve(self) -> None:
            sent = self.headers.get("Authorization")
            path, _, query = self.path.partition("?")
            server.requests.append((self.command, path, sent))
            body = read_body(self)
            if sent is None or sent.lower() != authorization.lower():
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.run_backend(path, query, body)

        def run_backend(self, path: str, query: str, body: bytes) -> None:
            """`git http-backend` for this request, its CGI answer relayed as the HTTP response."""
            env = {
                "PATH": os.environ["PATH"],
                "GIT_PROJECT_ROOT": str(server.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                "REMOTE_USER": USER,
                "REMOTE_ADDR": "127.0.0.1",
            }
            answer = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=True)
            head, _, payload = answer.stdout.partition(b"\r\n\r\n")
            headers = [line.split(":", 1) for line in head.decode().splitlines() if ":" in line]
            status = next((int(value.split()[0]) for name, value in headers if name.lower() == "status"), 200)
            self.send_response(status)
            for name, value in headers:
                if name.lower() != "status":
                    self.send_header(name, value.strip())
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the requests are in `server.requests`."""

    return GitHttpHandler


@contextmanager
def running_git_http_server(root: Path, token: str) -> Iterator[GitHttpServer]:
    """A server for the repositories under `root` that accepts only `token`, on a free loopback port."""
    root.mkdir(parents=True, exist_ok=True)
    server = GitHttpServer(url="", root=root)
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(server, basic_authorization(token)))
    server.url = f"http://127.0.0.1:{http.server_address[1]}"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        http.shutdown()
        http.server_close()
        thread.join()
