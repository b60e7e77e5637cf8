"""The prediction server as it runs for real: a saved model, `python -m <package> serve`, requests over HTTP.

One server (with a model trained here on the small fruit table) answers most tests; a second one, started
without a model file, answers the tests about a server that has nothing to serve.
"""

import hashlib
import json
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import joblib
import pandas as pd
import pytest
from example_target import TARGET_INFO
from prometheus_client.parser import text_string_to_metric_families
from sklearn.pipeline import Pipeline

import {{ cookiecutter.package_name }}
from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.data.expectations import derive_expectations
from {{ cookiecutter.package_name }}.data.schema import infer_schema
from {{ cookiecutter.package_name }}.modeling.pipeline import build_model
from {{ cookiecutter.package_name }}.serving.answers import answer
from {{ cookiecutter.package_name }}.serving.instances import INSTANCE_BYTES
from {{ cookiecutter.package_name }}.serving.loaded_model import serve_in_one_thread

HOST = "127.0.0.1"
MAX_BATCH_SIZE = 8  # small, so that a batch above the limit is quick to send
START_TIMEOUT_S = 60.0  # importing scikit-learn takes seconds, more on a busy CI machine
STOP_TIMEOUT_S = 10.0
FEATURES = ["size", "colour"]
METRICS = {"accuracy": 0.9, "macro_f1": 0.88}
CARD = "# Model card: test\n\n## Intended use (by hand)\n\nNaming wines, not pricing them.\n"
SRC_DIR = Path({{ cookiecutter.package_name }}.__file__).resolve().parents[1]
SERVE_COMMAND = [sys.executable, "-m", {{ cookiecutter.package_name }}.__name__, "serve"]


@dataclass
class Server:
    """A server process, started, and an HTTP client for it."""

    process: subprocess.Popen[bytes]
    client: httpx.Client
    log_path: Path
    answered: bool = False

    def wait_until_healthy(self) -> None:
        """Return once /health answers; fail with the server's log if it exits or does not answer in time."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.answered and time.monotonic() < deadline and self.process.poll() is None:
            try:
                self.answered = self.client.get("/health").status_code == 200
            except httpx.TransportError:
                time.sleep(0.1)
        if not self.answered:
            self.stop()
            log = self.log_path.read_text(errors="replace")
            pytest.fail(f"the server did not answer /health (exit code {self.process.poll()}):\n{log}")

    def stop(self) -> None:
        """Terminate, then kill if it does not stop in time."""
        self.client.close()
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)


@dataclass(frozen=True)
class Served:
    """The server with a model, and that model as the test saved it, to compute the expected answers."""

    server: Server
    model: Pipeline
    model_path: Path

    @property
    def client(self) -> httpx.Client:
        return self.server.client


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def launch(folder: Path, settings: dict[str, str]) -> Server:
    """Start `python -m ... serve` on a free port with `settings` in its environment, without waiting for it."""
    port = free_port()
    python_path = os.pathsep.join(filter(None, [str(SRC_DIR), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": python_path, "GIT_COMMIT": "test-commit", **settings}
    log_path = folder / "server.log"
    command = [*SERVE_COMMAND, "--host", HOST, "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    return Server(process, httpx.Client(base_url=f"http://{HOST}:{port}", timeout=10.0), log_path)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    """The module's servers, always stopped at the end. The one without a model starts now, so that it loads
    while the model is trained; the one with a model, on first use."""
    folder = tmp_path_factory.mktemp("no-model")
    settings = {"MODEL_PATH": str(folder / "missing.joblib"), "METRICS_PATH": str(folder / "metrics.json")}
    running = {"no model": launch(folder, settings)}
    yield running
    for server in running.values():
        server.stop()


@pytest.fixture
def no_model_server(servers: dict[str, Server]) -> Server:
    """A server whose MODEL_PATH names no file."""
    servers["no model"].wait_until_healthy()
    return servers["no model"]


@pytest.fixture
def served(
    servers: dict[str, Server], tmp_path_factory: pytest.TempPathFactory, mixed_frame: pd.DataFrame, params: Params
) -> Served:
    """The server with a model trained on `mixed_frame` (the same table in every test: it is seeded)."""
    folder = tmp_path_factory.getbasetemp() / "served-model"
    if "model" not in servers:
        folder.mkdir()
        schema = infer_schema(mixed_frame, params.data)
        assert schema.features == FEATURES
        model = build_model(schema, derive_expectations(mixed_frame, schema), params.train, params.seed)
        model.fit(mixed_frame[schema.features], mixed_frame[schema.target])
        joblib.dump(model, folder / "model.joblib")
        (folder / "metrics.json").write_text(json.dumps(METRICS))
        (folder / "MODEL_CARD.md").write_text(CARD, encoding="utf-8")  # where the image has it: beside the app
        settings = {
            "MODEL_PATH": str(folder / "model.joblib"),
            "METRICS_PATH": str(folder / "metrics.json"),
            "MAX_BATCH_SIZE": str(MAX_BATCH_SIZE),
        }
        servers["model"] = launch(folder, settings)
    servers["model"].wait_until_healthy()
    model = joblib.load(folder / "model.joblib")
    serve_in_one_thread(model)  # as the server runs it: many small calls are quicker
    return Served(servers["model"], model, folder / "model.joblib")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON objects, a missing value as null."""
    features = frame[FEATURES].astype(object)
    return features.where(features.notna(), None).to_dict("records")


def expected(model: Pipeline, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """What the model itself answers for these rows, called in this process."""
    return [prediction.model_dump() for prediction in answer(model, frame[FEATURES])]


def assert_predictions(response: httpx.Response, wanted: list[dict[str, Any]]) -> None:
    """The response has exactly the predictions `wanted`, in order (numbers to float precision); their warnings
    are `test_what_training_never_showed_is_warned_about_and_counted`'s."""
    assert response.status_code == 200, response.text
    approximately = [
        {key: pytest.approx(value) if isinstance(value, float) else value for key, value in prediction.items()}
        for prediction in wanted
    ]
    answered = [{**prediction, "warnings": []} for prediction in response.json()["predictions"]]
    assert answered == approximately


def file_md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def test_health_and_ready(served: Served) -> None:
    assert served.client.get("/health").json() == {"status": "ok"}
    ready = served.client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "model_version": file_md5(served.model_path)}


def test_model_describes_what_is_served(served: Served) -> None:
    response = served.client.get("/model")
    assert response.status_code == 200
    info = response.json()
    assert info["version"] == file_md5(served.model_path)
    assert info["commit"] == "test-commit"
    assert {key: info[key] for key in TARGET_INFO} == TARGET_INFO
    assert info["features"] == FEATURES
    assert info["metrics"] == METRICS
    assert info["card"] == "/model/card"
    card = served.client.get(info["card"])
    assert card.headers["content-type"] == "text/markdown; charset=utf-8"
    assert card.text == CARD


def test_predictions_are_the_models(served: Served, mixed_frame: pd.DataFrame) -> None:
    rows = mixed_frame.iloc[[1, 2, 3, 4, 5, 6, 15, 17]]  # 15 and 17 have a missing size and colour
    response = served.client.post("/predict", json={"instances": records(rows)})
    assert_predictions(response, expected(served.model, rows))
    assert response.json()["model_version"] == file_md5(served.model_path)


def test_a_batch_of_one(served: Served, mixed_frame: pd.DataFrame) -> None:
    row = mixed_frame.iloc[[7]]
    assert_predictions(served.client.post("/predict", json={"instances": records(row)}), expected(served.model, row))


def test_missing_values_and_unseen_categories(served: Served) -> None:
    rows = pd.DataFrame(
        {
            "size": [None, None, 12.5, 6.0, 14.0, 9.0],
            "colour": [None, "red", None, "purple", "", "12345"],
        }
    )
    rows["size"] = rows["size"].astype(float)
    instances = records(rows)
    instances[5]["colour"] = 12345  # a category sent as a number is the same as its text
    assert_predictions(served.client.post("/predict", json={"instances": instances}), expected(served.model, rows))


def test_what_training_never_showed_is_warned_about_and_counted(served: Served, mixed_frame: pd.DataFrame) -> None:
    """A missing value, a number outside the training range and an unseen category each get a warning naming
    the column, and the counter at /metrics counts them by feature and kind."""
    before = warning_counts(served.client.get("/metrics").text)
    largest = float(mixed_frame["size"].max())
    instances = [
        {"size": 10.0, "colour": "red"},
        {"size": None, "colour": "purple"},
        {"size": largest + 100, "colour": None},
    ]
    response = served.client.post("/predict", json={"instances": instances})
    assert response.status_code == 200, response.text
    warnings = [prediction["warnings"] for prediction in response.json()["predictions"]]
    assert warnings[0] == []
    assert [(warning["feature"], warning["kind"]) for warning in warnings[1]] == [
        ("size", "imputed"),
        ("colour", "unseen_category"),
    ]
    assert "'purple' is a category no training row had" in warnings[1][1]["message"]
    assert [(warning["feature"], warning["kind"]) for warning in warnings[2]] == [
        ("size", "out_of_range"),
        ("colour", "imputed"),
    ]
    assert f"{largest + 100:g} is outside the training range" in warnings[2][0]["message"]
    after = warning_counts(served.client.get("/metrics").text)
    increase = {key: after[key] - before.get(key, 0.0) for key in after}
    assert increase == {
        ("size", "imputed"): 1,
        ("colour", "unseen_category"): 1,
        ("size", "out_of_range"): 1,
        ("colour", "imputed"): 1,
    }


def warning_counts(exposition: str) -> dict[tuple[str, str], float]:
    """`model_input_warnings_total` by (feature, kind), from a /metrics page."""
    return {
        (sample.labels["feature"], sample.labels["kind"]): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "model_input_warnings_total"
    }


def test_a_record_may_hold_the_columns_the_model_ignores(served: Served) -> None:
    """A column of `data.drop` (or an identifier) is accepted and makes no difference; an unknown one is refused."""
    alone = served.client.post("/predict", json={"instances": [VALID]})
    with_id = served.client.post("/predict", json={"instances": [{**VALID, "row_id": "customer 12"}]})
    assert with_id.status_code == 200, with_id.text
    assert with_id.json()["predictions"] == alone.json()["predictions"]
    unknown = served.client.post("/predict", json={"instances": [{**VALID, "row_ids": 12}]})
    assert unknown.status_code == 422
    assert "instances.0.row_ids: Extra inputs are not permitted" in unknown.json()["message"]


def test_concurrent_requests_each_get_their_own_answers(served: Served, mixed_frame: pd.DataFrame) -> None:
    """Requests that the server joins into one model call still get the predictions for their own rows."""
    requests = [[index, *range(index + 40, 120, 40)][: 1 + index % 3] for index in range(40)]
    wanted = expected(served.model, mixed_frame)

    def ask(rows: list[int]) -> httpx.Response:
        return served.client.post("/predict", json={"instances": records(mixed_frame.iloc[rows])})

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        responses = list(pool.map(ask, requests))
    for rows, response in zip(requests, responses, strict=True):
        assert_predictions(response, [wanted[row] for row in rows])


VALID = {"size": 10.0, "colour": "red"}


@pytest.mark.parametrize(
    ("body", "named"),
    [
        pytest.param({"instances": [{"size": 10.0}]}, "instances.0.colour", id="missing feature"),
        pytest.param({"instances": [VALID, {**VALID, "weight": 3}]}, "instances.1.weight", id="unknown field"),
        pytest.param({"instances": [{**VALID, "size": "large"}]}, "instances.0.size", id="text for a number"),
        pytest.param({"instances": [{**VALID, "size": "6.5"}]}, "instances.0.size", id="number as text"),
        pytest.param({"instances": [{**VALID, "size": True}]}, "instances.0.size", id="boolean for a number"),
        pytest.param({"instances": [{**VALID, "colour": False}]}, "instances.0.colour", id="boolean for a category"),
        pytest.param({"instances": [{**VALID, "colour": 1.5}]}, "instances.0.colour", id="fraction for a category"),
        pytest.param({"instances": [{**VALID, "size": [1.0]}]}, "instances.0.size", id="list for a number"),
        pytest.param({"instances": [{**VALID, "colour": dict(name="red")}]}, "instances.0.colour", id="object"),
        pytest.param({"instances": [{**VALID, "size": 1e39}]}, "instances.0.size", id="above float32"),
        pytest.param({"instances": [{**VALID, "size": -1e39}]}, "instances.0.size", id="below float32"),
        pytest.param({"instances": [{**VALID, "size": "inf"}]}, "instances.0.size", id="infinity as text"),
        pytest.param({"instances": [{**VALID, "size": "NaN"}]}, "instances.0.size", id="nan as text"),
        pytest.param({"instances": [{**VALID, "size": 10**400}]}, "instances.0.size", id="huge integer"),
        pytest.param({"instances": []}, "instances", id="empty batch"),
        pytest.param({"instances": [VALID] * (MAX_BATCH_SIZE + 1)}, "instances", id="batch above the limit"),
        pytest.param({"instances": VALID}, "instances", id="instances not a list"),
        pytest.param({"rows": [VALID]}, "instances", id="instances missing"),
        pytest.param([VALID], "body", id="body is a list"),
    ],
)
def test_bad_input_is_refused_by_name(served: Served, body: Any, named: str) -> None:
    response = served.client.post("/predict", json=body)
    assert response.status_code == 422, response.text
    assert named in response.json()["message"]


@pytest.mark.parametrize(
    "size_text", ["Infinity", "-Infinity", "NaN", "1e400", "-1e400", "1e39"], ids=lambda text: f"size={text}"
)
def test_numbers_json_cannot_hold_are_refused(served: Served, size_text: str) -> None:
    """Python's JSON parser reads these as float infinities or NaN; the model must never see them."""
    content = '{"instances": [{"size": ' + size_text + ', "colour": "red"}]}'
    response = served.client.post("/predict", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert "instances.0.size" in response.json()["message"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param("instances: [size: 10]", "application/json", id="not JSON"),
        pytest.param('{"instances": [', "application/json", id="truncated JSON"),
        pytest.param("", "application/json", id="empty body"),
        pytest.param(json.dumps({"instances": [VALID]}), "text/plain", id="JSON sent as text"),
    ],
)
def test_a_body_that_is_not_json_is_refused(served: Served, content: str, content_type: str) -> None:
    response = served.client.post("/predict", content=content, headers={"content-type": content_type})
    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith("body: ")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_above_the_size_limit_is_refused_with_413(served: Served, chunked: bool) -> None:
    """MAX_BATCH_SIZE instances of INSTANCE_BYTES each is the default limit; a body past it is never read whole."""
    body = json.dumps({"instances": [VALID] * 10_000}).encode()
    assert len(body) > MAX_BATCH_SIZE * INSTANCE_BYTES
    content = iter([body[:50_000], body[50_000:]]) if chunked else body  # an iterator is sent in chunks
    response = served.client.post("/predict", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.json()["message"] == (
        f"the body is larger than {MAX_BATCH_SIZE * INSTANCE_BYTES} bytes (MAX_BODY_BYTES): "
        f"send at most {MAX_BATCH_SIZE} instances per request"
    )


def test_metrics_count_requests_and_predictions(served: Served, mixed_frame: pd.DataFrame) -> None:
    rows = mixed_frame.iloc[:4]
    response = served.client.post("/predict", json={"instances": records(rows)})
    assert response.status_code == 200

    metrics = served.client.get("/metrics")
    assert metrics.status_code == 200
    lines = metrics.text.splitlines()
    counts = [line for line in lines if line.startswith("model_prediction") and "_count" in line.split()[0]]
    assert counts and all(float(line.split()[-1]) >= len(rows) for line in counts), counts
    requests = [line for line in lines if line.startswith("http_requests_total{") and 'handler="/predict"' in line]
    assert any('method="POST"' in line and 'status="2xx"' in line for line in requests), requests


def test_without_a_model_the_server_runs_but_is_not_ready(no_model_server: Server) -> None:
    client = no_model_server.client
    assert client.get("/health").status_code == 200
    for response in (client.get("/ready"), client.get("/model"), client.post("/predict", json={"instances": [VALID]})):
        assert response.status_code == 503, response.text
        assert response.json()["message"].startswith("no model loaded: ")
        assert "missing.joblib" in response.json()["message"]
    card = client.get("/model/card")
    assert card.status_code == 404
    assert card.json()["message"] == "no model card: MODEL_CARD.md is not in the image"


def test_extreme_but_valid_values_are_predicted(served: Served) -> None:
    """The largest numbers float32 holds, long and odd text, huge and negative codes: answered, not a 500."""
    instances = [
        {"size": 3.4e38, "colour": "x" * 10_000},
        {"size": -3.4e38, "colour": "\u00e9\u0000"},
        {"size": 0, "colour": 10**30},
        {"size": math.pi, "colour": -1},
    ]
    response = served.client.post("/predict", json={"instances": instances})
    assert response.status_code == 200, response.text
    numbers = [value for prediction in response.json()["predictions"] for value in prediction.values()]
    assert all(math.isfinite(value) for value in numbers if isinstance(value, float))


def test_other_errors_have_a_message_too(served: Served) -> None:
    not_found = served.client.get("/nowhere")
    assert not_found.status_code == 404
    assert not_found.json()["message"] == "Not Found"
    wrong_method = served.client.get("/predict")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["message"] == "Method Not Allowed"
    latin_1 = '{"instances": [{"size": 1, "colour": "r\u00f6d"}]}'.encode("latin-1")
    not_text = served.client.post("/predict", content=latin_1, headers={"content-type": "application/json"})
    assert not_text.status_code == 400
    assert not_text.json()["message"] == "There was an error parsing the body"
