"""The default project's server under bodies too large to serve: refused with 413 before they are read, and no
client's body holds up another client's answer.

Each big body goes over a raw socket, so that the test sees when the server answers relative to what was sent:
the refusal must come while most of the body is still unsent. Meanwhile one-instance requests are timed; before
the size limit, a 29 MB body was read and validated on the event loop for 4.6 s and a small request waited 4.1 s
behind it. The bound asserted here (1 s) is a tenth of that on a shared 2-core machine: it fails when a big body
blocks the loop, not when the machine is slow (bench/serving_stall.py measures the figures).
"""

import json
import select
import socket
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ..support.helpers import DEFAULT_PACKAGE, VENV_BIN, project_env
from ..support.processes import HOST, answers, free_port, running
from ..support.runs import FirstRun

pytestmark = pytest.mark.slow

OVERSIZED_BYTES = 30_000_000  # the size of the body that stalled the server: 100,000 instances
CHUNK = b"x" * 65_536
SMALL_REQUESTS = 30
MAX_SMALL_LATENCY_S = 1.0
SOCKET_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Api:
    url: str
    port: int
    instance: dict[str, float]  # the OpenAPI document's example
    max_batch_size: int


@pytest.fixture(scope="module")
def api(first_run: FirstRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The reproduced default project's server, with its default limits, on a free loopback port."""
    project = first_run.project
    log_path = tmp_path_factory.mktemp("serving-stall") / "server.log"
    port = free_port()
    settings = {
        "MODEL_PATH": str(project / "models/model.joblib"),
        "METRICS_PATH": str(project / "metrics/metrics.json"),
    }
    command = [VENV_BIN / "python", "-m", DEFAULT_PACKAGE, "serve", "--host", HOST, "--port", str(port)]
    with running(command, log_path, cwd=project, env=project_env(project, settings)) as process:
        url = f"http://{HOST}:{port}"
        if not answers(process, f"{url}/health"):
            pytest.fail(f"the server did not answer /health (exit code {process.poll()}):\n{log_path.read_text()}")
        request = httpx.get(f"{url}/openapi.json").json()["components"]["schemas"]["PredictRequest"]
        (instance,) = request["examples"][0]["instances"]
        yield Api(url=url, port=port, instance=instance, max_batch_size=request["properties"]["instances"]["maxItems"])


def head(api: Api, framing: str) -> bytes:
    return (
        f"POST /predict HTTP/1.1\r\nHost: {HOST}:{api.port}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()


def send_until_answered(api: Api, chunked: bool) -> tuple[int, dict[str, str], int]:
    """Send a body of OVERSIZED_BYTES, a chunk whenever the socket takes one, until the server answers: its status,
    its JSON body, and how many body bytes had been sent by then."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {OVERSIZED_BYTES}"
    piece = b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK
    sent = 0
    with socket.create_connection((HOST, api.port), timeout=SOCKET_TIMEOUT_S) as connection:
        connection.sendall(head(api, framing))
        pending = memoryview(piece)
        while sent < OVERSIZED_BYTES:
            readable, writable, _ = select.select([connection], [connection], [], SOCKET_TIMEOUT_S)
            if readable or not writable:
                break
            try:
                pending = pending[connection.send(pending) :]
            except (BrokenPipeError, ConnectionResetError):  # refused and closed while we were sending
                break
            if not pending:
                sent, pending = sent + len(CHUNK), memoryview(piece)
        return (*read_answer(connection), sent)


def read_answer(connection: socket.socket) -> tuple[int, dict[str, str]]:
    """The status and JSON body of the response waiting on `connection`."""
    answer = b""
    while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < length(answer):
        chunk = connection.recv(65_536)
        if not chunk:
            break
        answer += chunk
    head_text, _, body = answer.partition(b"\r\n\r\n")
    return int(head_text.split()[1]), json.loads(body)


def length(answer: bytes) -> int:
    """The Content-Length of a response whose head `answer` starts with."""
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_above_the_limit_is_refused_before_it_is_sent(api: Api, chunked: bool) -> None:
    status, problem, sent = send_until_answered(api, chunked)
    assert status == 413
    assert "(MAX_BODY_BYTES)" in problem["message"] and f"at most {api.max_batch_size} instances" in problem["message"]
    assert sent < OVERSIZED_BYTES / 2, f"the refusal came after {sent} of {OVERSIZED_BYTES} bytes"


def timed_small_request(client: httpx.Client, api: Api) -> float:
    started = time.perf_counter()
    response = client.post(f"{api.url}/predict", json={"instances": [api.instance]})
    assert response.status_code == 200, response.text
    return time.perf_counter() - started


def test_big_bodies_do_not_hold_up_a_small_request(api: Api) -> None:
    """Two clients keep sending oversized bodies (one with Content-Length, one chunked) and two the largest valid
    batch, while a fifth sends one instance at a time."""
    largest_valid = {"instances": [api.instance] * api.max_batch_size}
    done = False

    def oversized(chunked: bool) -> list[int]:
        statuses = []
        while not done:
            statuses.append(send_until_answered(api, chunked)[0])
        return statuses

    def maximal() -> list[int]:
        with httpx.Client(timeout=SOCKET_TIMEOUT_S) as client:
            statuses = []
            while not done:
                statuses.append(client.post(f"{api.url}/predict", json=largest_valid).status_code)
            return statuses

    with ThreadPoolExecutor(max_workers=4) as pool:
        big = [pool.submit(oversized, False), pool.submit(oversized, True), pool.submit(maximal), pool.submit(maximal)]
        time.sleep(0.5)  # the big clients are under way
        try:
            with httpx.Client(timeout=SOCKET_TIMEOUT_S) as client:
                latencies = [timed_small_request(client, api) for _ in range(SMALL_REQUESTS)]
        finally:
            done = True
        refused_by_length, refused_chunked, *answered = [future.result() for future in big]

    assert set(refused_by_length) == set(refused_chunked) == {413}
    assert all(set(statuses) == {200} for statuses in answered)
    assert max(latencies) < MAX_SMALL_LATENCY_S, (
        f"a one-instance request waited {max(latencies):.2f} s (median {statistics.median(latencies):.3f} s) "
        "beside big bodies"
    )


def test_the_limit_is_a_setting(first_run: FirstRun, tmp_path: Path) -> None:
    """MAX_BODY_BYTES lowers the limit below a valid batch's size: that batch is refused too, by the limit."""
    project = first_run.project
    port = free_port()
    settings = {
        "MODEL_PATH": str(project / "models/model.joblib"),
        "METRICS_PATH": str(project / "metrics/metrics.json"),
        "MAX_BODY_BYTES": "100",
    }
    command = [VENV_BIN / "python", "-m", DEFAULT_PACKAGE, "serve", "--host", HOST, "--port", str(port)]
    with running(command, tmp_path / "server.log", cwd=project, env=project_env(project, settings)) as process:
        url = f"http://{HOST}:{port}"
        assert answers(process, f"{url}/health"), (tmp_path / "server.log").read_text()
        instance = httpx.get(f"{url}/openapi.json").json()["components"]["schemas"]["Instance"]["examples"][0]
        response = httpx.post(f"{url}/predict", json={"instances": [instance]})
    assert response.status_code == 413
    assert response.json()["message"].startswith("the body is larger than 100 bytes (MAX_BODY_BYTES)")
