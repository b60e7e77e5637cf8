"""A real S3-compatible server for tests: SeaweedFS's `weed mini`, on loopback only, on free ports.

`weed mini` runs a master, a volume server, a filer, the S3 gateway and an admin server in one process, each
with an HTTP port and a gRPC port. Every HTTP port is given explicitly (the defaults, such as 8888 or 9333, would
clash with anything else on the machine), and the optional Iceberg, Lance and WebDAV servers are turned off.

Each gRPC port is left at its default, HTTP port + 10000: setting `-admin.port.grpc` to anything else breaks
weed 4.48's embedded maintenance worker, which dials admin.port + 10000 regardless (it retries for ever, and the
server then takes over ten seconds to stop). So ports are chosen in pairs, P and P + 10000, both below the
kernel's ephemeral range (32768 and up here), where no outgoing connection can take one. A port checked free
can still be taken by another program before the server binds it: a server that exits or never answers is
started again on other ports, a few times.
"""

import ctypes
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
import psutil
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .helpers import VENV_BIN
from .processes import stop

WEED = VENV_BIN / "weed"
HOST = "127.0.0.1"

# The HTTP port of every server `weed mini` runs once Iceberg, Lance and WebDAV are off; each also listens on its
# HTTP port + GRPC_OFFSET. The admin server listens even with -admin.ui=false.
PORT_FLAGS = ("s3.port", "master.port", "volume.port", "filer.port", "admin.port")
GRPC_OFFSET = 10000
HTTP_PORT_RANGE = (10000, 22000)  # so P + GRPC_OFFSET stays below 32768
FIXED_FLAGS = (
    f"-ip={HOST}",
    f"-ip.bind={HOST}",  # without it, every server binds all interfaces
    "-admin.ui=false",
    "-webdav=false",
    "-s3.port.iceberg=0",
    "-s3.port.lance=0",
    "-master.telemetry=false",
)
# Unix socket paths are limited to 108 bytes; a longer data folder puts the sockets in a folder of their own.
MAX_SOCKET_PATH = 100
START_ATTEMPTS = 3
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class S3Server:
    """A running server with one bucket, and the credentials it accepts."""

    endpoint_url: str
    bucket: str
    access_key_id: str
    secret_access_key: str
    pid: int
    log_path: Path
    empty_aws_config: Path

    def credentials_env(self) -> dict[str, str]:
        """What a user exports for DVC (and any AWS client) to reach this server with its credentials.

        Only the credentials are given this way: the shared AWS config files are pointed at an empty one (botocore
        refuses /dev/null), so that neither a developer's ~/.aws nor an instance-metadata lookup can change what
        the test sees. Clear AWS_PROFILE too, where the environment has one.
        """
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SHARED_CREDENTIALS_FILE": str(self.empty_aws_config),
            "AWS_CONFIG_FILE": str(self.empty_aws_config),
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self) -> Any:
        """A botocore S3 client for this server (boto3 is not installed; dvc-s3 brings botocore)."""
        return s3_client(self.endpoint_url, self.access_key_id, self.secret_access_key)

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key in the bucket under `prefix`."""
        paginator = self.client().get_paginator("list_objects_v2")
        return [
            item["Key"]
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]

    def listening_hosts(self) -> set[str]:
        """The local addresses of every socket the server listens on."""
        connections = psutil.Process(self.pid).net_connections(kind="inet")
        return {conn.laddr.ip for conn in connections if conn.status == psutil.CONN_LISTEN}


def s3_client(endpoint_url: str, access_key_id: str, secret_access_key: str) -> Any:
    config = Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10, s3={"addressing_style": "path"})
    return botocore.session.get_session().create_client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=config,
    )


def die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the test process dies without stopping the server (Linux)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port_pairs(count: int) -> list[int]:
    """`count` distinct ports P such that P and P + GRPC_OFFSET can both be bound on HOST now."""
    chosen: list[int] = []
    with ExitStack() as stack:
        for _ in range(1000):
            if len(chosen) == count:
                return chosen
            port = random.randrange(*HTTP_PORT_RANGE)
            if port in chosen:
                continue
            sockets = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) for _ in range(2)]
            try:
                sockets[0].bind((HOST, port))
                sockets[1].bind((HOST, port + GRPC_OFFSET))
            except OSError:
                continue
            chosen.append(port)  # the sockets stay bound until all are chosen, so no pair is picked twice
    raise RuntimeError(f"found only {len(chosen)} of {count} free port pairs in {HTTP_PORT_RANGE}")


def wait_until_ready(process: subprocess.Popen[bytes], server: S3Server) -> bool:
    """True once the server answers an authenticated request for its bucket; False if it exits or times out."""
    client = server.client()
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            client.head_bucket(Bucket=server.bucket)
            return True
        except (BotoCoreError, ClientError):
            time.sleep(0.25)
    return False


def log_tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


@contextmanager
def launched(
    data_dir: Path, bucket: str, access_key_id: str, secret_access_key: str, reuse: bool = False
) -> Iterator[tuple[subprocess.Popen[bytes], S3Server]]:
    """`weed mini` started on fresh free ports, its data, log and local sockets in `data_dir`; stopped on exit.

    With `reuse`, `data_dir` may already hold what a stopped server left there: the new one serves those objects
    (on new ports), and appends to the same log.
    """
    data_dir.mkdir(parents=True, exist_ok=reuse)
    ports = dict(zip(PORT_FLAGS, free_port_pairs(len(PORT_FLAGS)), strict=True))
    own_socket_dir = len(str(data_dir)) > MAX_SOCKET_PATH - len("/filer.sock")
    socket_dir = Path(tempfile.mkdtemp(prefix="weed-")) if own_socket_dir else data_dir
    command = [
        str(WEED),
        "mini",
        f"-dir={data_dir / 'data'}",
        f"-bucket={bucket}",
        *FIXED_FLAGS,
        *(f"-{flag}={port}" for flag, port in ports.items()),
        # The defaults are /tmp/seaweedfs-<name>-<port>.sock, and the S3 one outlives the server.
        f"-s3.localSocket={socket_dir / 's3.sock'}",
        f"-filer.localSocket={socket_dir / 'filer.sock'}",
    ]
    log_path = data_dir / "weed.log"
    empty_aws_config = data_dir / "empty-aws-config"
    empty_aws_config.touch()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": access_key_id, "AWS_SECRET_ACCESS_KEY": secret_access_key}
    with log_path.open("ab" if reuse else "wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
    try:
        yield (
            process,
            S3Server(
                endpoint_url=f"http://{HOST}:{ports['s3.port']}",
                bucket=bucket,
                access_key_id=access_key_id,
                secret_access_key=secret_access_key,
                pid=process.pid,
                log_path=log_path,
                empty_aws_config=empty_aws_config,
            ),
        )
    finally:
        stop(process, STOP_TIMEOUT_S)
        if own_socket_dir:
            shutil.rmtree(socket_dir, ignore_errors=True)


@contextmanager
def running_s3_server(
    work_dir: Path,
    bucket: str = "ct-tests",
    access_key_id: str = "test-access-key",
    secret_access_key: str = "test-secret-key",
) -> Iterator[S3Server]:
    """A `weed mini` S3 server with `bucket` created, answering on loopback; always stopped on exit."""
    failures: list[str] = []
    for attempt in range(1, START_ATTEMPTS + 1):
        with launched(work_dir / f"attempt-{attempt}", bucket, access_key_id, secret_access_key) as (process, server):
            if wait_until_ready(process, server):
                yield server
                return
            failures.append(f"attempt {attempt} (exit code {process.poll()}):\n{log_tail(server.log_path)}")
    raise RuntimeError("weed mini did not start:\n" + "\n\n".join(failures))
