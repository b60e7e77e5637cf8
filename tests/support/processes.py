"""Servers that tests start: a free loopback port, a process that is always stopped, nothing left behind."""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import httpx

HOST = "127.0.0.1"
STOP_TIMEOUT_S = 10.0
START_TIMEOUT_S = 60.0
POLL_INTERVAL_S = 0.1


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_S) -> None:
    """Terminate, and kill if it does not stop in time; return only once the process is gone."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def answers(
    process: subprocess.Popen[bytes], url: str, status: int | None = 200, timeout: float = START_TIMEOUT_S
) -> bool:
    """Poll `url` until it answers `status` (any status for None); False once `process` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            answered = httpx.get(url, timeout=2).status_code
        except httpx.TransportError:
            answered = None
        if answered is not None and status in (None, answered):
            return True
        time.sleep(POLL_INTERVAL_S)
    return False


@contextlib.contextmanager
def running(
    command: Sequence[str | Path], log: Path, cwd: Path, env: Mapping[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """A server in its own process group, its output in `log`; the whole group is stopped on exit."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(part) for part in command],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        stop(process)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # anything the server started and left behind
