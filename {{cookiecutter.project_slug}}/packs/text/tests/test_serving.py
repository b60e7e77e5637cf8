"""The prediction server as it runs for real: a trained model folder, `python -m <package> serve`, requests over HTTP.

Three servers start together and answer the module's tests: one serves the baseline and refuses texts over the
model's length (`serve.long_text: refuse` in its params.yaml), one serves the tiny transformer and cuts them
(`truncate`), and one was started without a model.
"""

import json
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
import pytest
import yaml

import {{ cookiecutter.package_name }}
from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.hashing import output_md5
from {{ cookiecutter.package_name }}.modeling.classifier import TextClassifier, load_classifier
from {{ cookiecutter.package_name }}.serving.app import ServingSettings
from {{ cookiecutter.package_name }}.serving.instances import MAX_TEXT_CHARACTERS

HOST = "127.0.0.1"
MAX_BATCH_SIZE = 8  # small, so that a batch above the limit is quick to send
MAX_LENGTH = 32  # train.max_length of the models of conftest.py
START_TIMEOUT_S = 90.0  # importing torch and transformers takes seconds, more on a busy CI machine
STOP_TIMEOUT_S = 10.0
CLASSES = ["negative", "neutral", "positive"]
PROJECT_PARAMS = Path(__file__).parents[1] / "params.yaml"
SRC_DIR = Path({{ cookiecutter.package_name }}.__file__).resolve().parents[1]
SERVE_COMMAND = [sys.executable, "-m", {{ cookiecutter.package_name }}.__name__, "serve"]
TEXTS = [
    "The kettle: works perfectly. Highly recommended.",
    "The webcam: arrived broken. Returned it at once.",
    "The toaster: does the job. Nothing special.",
    "The backpack: sturdy and well made. My kids love it.",
    "The blender: feels cheap and flimsy. A complete waste of money.",
    "The desk lamp: average quality. Exactly as described.",
    "Something else entirely, with words the model never saw.",
    "headphones",
]
# Near-ties are avoided: a label must not flip with the float noise of batching texts of other lengths together.
CLEAR_MARGIN = 1e-4


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
    """A server with a model, and that model loaded here, to compute the expected answers."""

    server: Server
    folder: Path
    classifier: TextClassifier

    @property
    def client(self) -> httpx.Client:
        return self.server.client

    def expected(self, texts: list[str]) -> list[tuple[str, float]]:
        """What the model itself says for these texts: the most probable class and its probability."""
        wanted = []
        for probabilities in self.classifier.predict_proba(texts):
            second, top = sorted(probabilities)[-2:]
            assert top - second > CLEAR_MARGIN, f"a near-tie ({probabilities}): pick another text"
            wanted.append((CLASSES[probabilities.argmax()], float(top)))
        return wanted


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def write_params(folder: Path, long_text: str) -> Path:
    """The project's params.yaml with `serve.long_text` set, as the image carries it."""
    params = yaml.safe_load(PROJECT_PARAMS.read_text(encoding="utf-8"))
    params["serve"] = {"long_text": long_text}
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path


def launch(folder: Path, settings: dict[str, str]) -> Server:
    """Start `python -m ... serve` on a free port with `settings` in its environment, without waiting for it."""
    port = free_port()
    python_path = os.pathsep.join(filter(None, [str(SRC_DIR), os.environ.get("PYTHONPATH")]))
    # One thread: the tiny model is quicker on one, and the servers share the machine with the tests.
    env = {**os.environ, "PYTHONPATH": python_path, "GIT_COMMIT": "test-commit", "OMP_NUM_THREADS": "1", **settings}
    log_path = folder / "server.log"
    command = [*SERVE_COMMAND, "--host", HOST, "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    return Server(process, httpx.Client(base_url=f"http://{HOST}:{port}", timeout=30.0), log_path)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, trained_models: dict[str, Path]) -> Iterator[dict[str, Server]]:
    """The module's servers, started at once so that they load together, and always stopped at the end."""
    running: dict[str, Server] = {}
    try:
        for kind, long_text in [("transformer", "truncate"), ("baseline", "refuse")]:
            folder = tmp_path_factory.mktemp(f"serve-{kind}")
            settings = {
                "MODEL_PATH": str(trained_models[kind]),
                "METRICS_PATH": str(trained_models[kind].parent / "metrics" / "metrics.json"),
                "MAX_BATCH_SIZE": str(MAX_BATCH_SIZE),
                "PARAMS_PATH": str(write_params(folder, long_text)),
            }
            running[kind] = launch(folder, settings)
        folder = tmp_path_factory.mktemp("no-model")
        settings = {"MODEL_PATH": str(folder / "missing"), "METRICS_PATH": str(folder / "metrics.json")}
        running["no model"] = launch(folder, settings)
        yield running
    finally:
        for server in running.values():
            server.stop()


@pytest.fixture(scope="module")
def served(servers: dict[str, Server], trained_models: dict[str, Path]) -> dict[str, Served]:
    """The two servers with a model, by kind, once they answer."""
    for kind in ("transformer", "baseline"):
        servers[kind].wait_until_healthy()
    return {
        kind: Served(servers[kind], trained_models[kind], load_classifier(trained_models[kind]))
        for kind in ("transformer", "baseline")
    }


def instances(texts: list[str]) -> dict[str, Any]:
    return {"instances": [{"text": text} for text in texts]}


def assert_predictions(response: httpx.Response, wanted: list[tuple[str, float]]) -> None:
    """The response has exactly the labels and scores `wanted`, in order."""
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert [p["label"] for p in predictions] == [label for label, _ in wanted]
    assert [p["score"] for p in predictions] == pytest.approx([score for _, score in wanted], rel=1e-5)


def assert_refused(response: httpx.Response, *named: str) -> None:
    """A 422 (never a 500) whose message names each of `named`."""
    assert response.status_code == 422, response.text
    for part in named:
        assert part in response.json()["message"]


KINDS = pytest.mark.parametrize("kind", ["baseline", "transformer"])


@KINDS
def test_ready_and_model_describe_what_is_served(served: dict[str, Served], kind: str) -> None:
    client, folder = served[kind].client, served[kind].folder
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready", "model_version": output_md5(folder)}
    response = client.get("/model")
    assert response.status_code == 200
    info = response.json()
    assert info["version"] == output_md5(folder)
    assert info["version"].endswith(".dir")
    assert info["commit"] == "test-commit"
    assert info["classes"] == CLASSES
    assert info["features"] == ["text"]
    assert info["metrics"] == json.loads((folder.parent / "metrics" / "metrics.json").read_text())


@KINDS
def test_a_batch_is_answered_with_the_models_predictions_in_order(served: dict[str, Served], kind: str) -> None:
    response = served[kind].client.post("/predict", json=instances(TEXTS))
    assert_predictions(response, served[kind].expected(TEXTS))
    assert response.json()["model_version"] == output_md5(served[kind].folder)
    one = served[kind].client.post("/predict", json=instances(TEXTS[1:2]))
    assert_predictions(one, served[kind].expected(TEXTS[1:2]))


@KINDS
def test_concurrent_requests_each_get_their_own_answers(served: dict[str, Served], kind: str) -> None:
    """Requests that the server joins into one model call (the transformer pads them to one length) still get
    the predictions for their own texts."""
    requests = [[TEXTS[(index + offset) % len(TEXTS)] for offset in range(1 + index % 3)] for index in range(20)]

    def ask(texts: list[str]) -> httpx.Response:
        return served[kind].client.post("/predict", json=instances(texts))

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        responses = list(pool.map(ask, requests))
    for texts, response in zip(requests, responses, strict=True):
        assert_predictions(response, served[kind].expected(texts))


def test_a_long_text_is_cut_under_truncate(served: dict[str, Served]) -> None:
    """Longer than the tiny transformer has positions for: read up to train.max_length tokens, not an error."""
    transformer = served["transformer"]
    positions = json.loads((transformer.folder / "config.json").read_text())["max_position_embeddings"]
    long_text = "The kettle: works perfectly. " * 50 + "Arrived broken. " * 50
    assert transformer.classifier.count_tokens(long_text) > positions > MAX_LENGTH
    response = transformer.client.post("/predict", json=instances([long_text, TEXTS[0]]))
    assert response.status_code == 200, response.text  # uncut, the text would fail in the model: a 500
    assert_predictions(response, transformer.expected([long_text, TEXTS[0]]))


def test_a_text_over_the_model_length_is_refused_under_refuse(served: dict[str, Served]) -> None:
    """The baseline counts words: 32 are read, 33 are refused with the limit named, and the batch with them."""
    client = served["baseline"].client
    fitting = " ".join(["great"] * MAX_LENGTH)
    assert client.post("/predict", json=instances([fitting])).status_code == 200
    response = client.post("/predict", json=instances([TEXTS[0], fitting + " value"]))
    assert_refused(response, "instances.1.text", f"33 tokens long and the model reads at most {MAX_LENGTH}")


def test_the_longest_text_allowed_is_answered(served: dict[str, Served]) -> None:
    text = ("Works perfectly. " * MAX_TEXT_CHARACTERS)[:MAX_TEXT_CHARACTERS]
    response = served["transformer"].client.post("/predict", json=instances([text]))
    assert_predictions(response, served["transformer"].expected([text]))


def test_odd_but_valid_texts_are_answered(served: dict[str, Served]) -> None:
    """Text the tokenizer may never have seen, or reads as its own special tokens: answered, not a 500."""
    texts = ["😀👍", "\u0000 null byte", "?!...", "x", "12345", "מוצר מצוין", "[PAD] [CLS] [SEP] [MASK]", "<b>bad</b>"]
    response = served["transformer"].client.post("/predict", json=instances(texts))
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert len(predictions) == len(texts)
    assert all(prediction["label"] in CLASSES and 0 < prediction["score"] <= 1 for prediction in predictions)


VALID = {"text": TEXTS[0]}


@KINDS
@pytest.mark.parametrize(
    ("body", "named"),
    [
        pytest.param({"instances": [{"text": ""}]}, ["instances.0.text", "the text is empty"], id="empty text"),
        pytest.param({"instances": [VALID, {"text": " \n\t "}]}, ["instances.1.text", "empty"], id="blank text"),
        pytest.param(
            {"instances": [{"txt": "Great"}]},
            ["instances.0.txt: Extra inputs are not permitted", "instances.0.text: Field required"],
            id="wrong field",
        ),
        pytest.param({"instances": [{**VALID, "lang": "en"}]}, ["instances.0.lang"], id="extra field"),
        pytest.param({"instances": [{"text": 5}]}, ["instances.0.text", "valid string"], id="number for text"),
        pytest.param({"instances": [{"text": None}]}, ["instances.0.text"], id="null text"),
        pytest.param({"instances": [{"text": ["a", "b"]}]}, ["instances.0.text"], id="list for text"),
        pytest.param({"instances": ["Great"]}, ["instances.0"], id="bare string instance"),
        pytest.param(
            {"instances": [{"text": "a" * (MAX_TEXT_CHARACTERS + 1)}]},
            ["instances.0.text", f"at most {MAX_TEXT_CHARACTERS} characters"],
            id="text over 100,000 characters",
        ),
        pytest.param({"instances": []}, ["instances"], id="empty batch"),
        pytest.param({"instances": [VALID] * (MAX_BATCH_SIZE + 1)}, ["instances"], id="batch above the limit"),
        pytest.param({"texts": ["Great"]}, ["instances: Field required"], id="instances missing"),
        pytest.param([VALID], ["body"], id="body is a list"),
    ],
)
def test_bad_input_is_refused_by_name(served: dict[str, Served], kind: str, body: Any, named: list[str]) -> None:
    assert_refused(served[kind].client.post("/predict", json=body), *named)


def test_without_a_model_the_server_runs_but_is_not_ready(servers: dict[str, Server]) -> None:
    server = servers["no model"]
    server.wait_until_healthy()
    client = server.client
    assert client.get("/health").status_code == 200
    for response in (client.get("/ready"), client.get("/model"), client.post("/predict", json={"instances": [VALID]})):
        assert response.status_code == 503, response.text
        assert response.json()["message"].startswith("no model loaded: no model at ")


def test_the_long_text_policy_comes_from_params(tmp_path: Path) -> None:
    """The image carries params.yaml; without it, long texts are cut. A bad value stops the server at start."""
    refusing = ServingSettings.from_environment({"PARAMS_PATH": str(write_params(tmp_path, "refuse"))})
    assert refusing.inputs.long_text == "refuse"
    absent = ServingSettings.from_environment({"PARAMS_PATH": str(tmp_path / "absent.yaml")})
    assert absent.inputs.long_text == "truncate"
    with pytest.raises(ProjectError, match="serve.long_text: Input should be 'truncate' or 'refuse'"):
        ServingSettings.from_environment({"PARAMS_PATH": str(write_params(tmp_path, "cut"))})
