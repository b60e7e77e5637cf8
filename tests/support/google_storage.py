"""Google Cloud Storage on 127.0.0.1, for the rehearsal of a `gs://` DVC remote.

PyPI's `gcp-storage-emulator` serves the storage JSON API, which DVC's GCS client (gcsfs) reaches through
STORAGE_EMULATOR_HOST, as it reaches Google through the default. Two parts of Google it does not have stand in:
- the workflow hands DVC a service-account key; with one, Google's auth library first trades a signed token for an
  access token at the key's `token_uri`. The key made here points that at a stand-in of Google's OAuth token
  endpoint on 127.0.0.1, which answers what Google answers (an access token and its lifetime) and refuses any
  grant but the JWT bearer grant a service account makes;
- gcsfs also asks Google's Storage Control API (gRPC) whether a bucket is hierarchical, and the emulator has no
  such service: GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false (`EMULATOR_ENV`) turns that question off, as it is for a
  bucket of the flat kind a DVC remote is.
"""

import contextlib
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .helpers import VENV_BIN
from .processes import HOST, answers, free_port, running

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class TokenEndpoint(BaseHTTPRequestHandler):
    """Google's OAuth token endpoint as a service account meets it: a JWT bearer grant in, an access token out."""

    def do_POST(self) -> None:
        body = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        if body.get("grant_type") != [JWT_BEARER] or body.get("assertion", [""])[0].count(".") != 2:
            self.answer(400, {"error": "invalid_grant"})
            return
        self.answer(200, {"access_token": "a-rehearsal-token", "expires_in": 3600, "token_type": "Bearer"})

    def answer(self, status: int, payload: dict[str, object]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads answers, not a request log."""


@dataclass(frozen=True)
class GoogleStorage:
    emulator_host: str  # what STORAGE_EMULATOR_HOST holds
    service_account_key: str  # the JSON text a GOOGLE_APPLICATION_CREDENTIALS_DATA secret holds

    @property
    def env(self) -> dict[str, str]:
        """Where DVC finds this storage, for a job or a shell."""
        return {"STORAGE_EMULATOR_HOST": self.emulator_host, "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false"}

    def objects(self, bucket: str) -> list[str]:
        response = httpx.get(f"{self.emulator_host}/storage/v1/b/{bucket}/o", timeout=10)
        return [item["name"] for item in response.json().get("items", [])]


def service_account_key(token_uri: str) -> str:
    """A service account's key file, as Google issues it, with a fresh RSA key and its token endpoint."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "rehearsal",
            "private_key_id": "rehearsal-key",
            "private_key": pem.decode(),
            "client_email": "ci@rehearsal.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": token_uri,
        }
    )


@contextlib.contextmanager
def running_google_storage(folder: Path, bucket: str) -> Iterator[GoogleStorage]:
    tokens = ThreadingHTTPServer((HOST, 0), TokenEndpoint)
    threading.Thread(target=tokens.serve_forever, daemon=True).start()
    port = free_port()
    command = [VENV_BIN / "gcp-storage-emulator", "start", "--host", HOST, "--port", str(port)]
    command += ["--default-bucket", bucket, "--in-memory"]
    try:
        with running(command, folder / "gcs-emulator.log", folder, {"PATH": f"{VENV_BIN}:/usr/bin:/bin"}) as process:
            host = f"http://{HOST}:{port}"
            if not answers(process, f"{host}/storage/v1/b/{bucket}"):
                raise AssertionError("the GCS emulator did not start:\n" + (folder / "gcs-emulator.log").read_text())
            yield GoogleStorage(host, service_account_key(f"http://{HOST}:{tokens.server_port}/token"))
    finally:
        tokens.shutdown()
        tokens.server_close()
