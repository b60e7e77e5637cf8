"""The default project's prediction server, after `dvc repro`, against its own OpenAPI document.

Schemathesis generates requests from the document (valid ones and invalid ones) and checks every answer: no 5xx,
only documented status codes, content types and bodies, invalid data refused and valid data accepted.
"""

import csv
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ..support.helpers import DEFAULT_PACKAGE, VENV_BIN, project_env, run
from ..support.processes import HOST, answers, free_port, running
from ..support.runs import FirstRun

pytestmark = pytest.mark.slow

# What applies to an API without authentication or resources that are created and deleted.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "unsupported_method",
)
MAX_EXAMPLES = 30  # per operation and phase: about ten seconds in all
SEED = 1


@dataclass(frozen=True)
class Api:
    url: str
    project: Path
    log_path: Path


@pytest.fixture(scope="module")
def api(first_run: FirstRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The server of the reproduced default project, serving its models/model.joblib, on a free loopback port."""
    project = first_run.project
    folder = tmp_path_factory.mktemp("serving-api")
    log_path = folder / "server.log"
    card = folder / "MODEL_CARD.md"  # beside the shared project, not in it
    run([VENV_BIN / "python", "-m", DEFAULT_PACKAGE, "model-card", "--output", card], cwd=project)
    port = free_port()
    settings = {
        "MODEL_PATH": str(project / "models/model.joblib"),
        "METRICS_PATH": str(project / "metrics/metrics.json"),
        "MODEL_CARD_PATH": str(card),
    }
    command = [VENV_BIN / "python", "-m", DEFAULT_PACKAGE, "serve", "--host", HOST, "--port", str(port)]
    env = project_env(project, settings)
    with running(command, log_path, cwd=project, env=env) as process:
        url = f"http://{HOST}:{port}"
        if not answers(process, f"{url}/health"):
            pytest.fail(f"the server did not answer /health (exit code {process.poll()}):\n{log_path.read_text()}")
        yield Api(url=url, project=project, log_path=log_path)


def wine_columns(project: Path) -> list[str]:
    with (project / "data/raw/wine.csv").open(newline="") as table:
        header = next(csv.reader(table))
    return [name for name in header if name != "cultivar"]


def test_openapi_example_is_a_wine_and_is_predicted(api: Api) -> None:
    document = httpx.get(f"{api.url}/openapi.json").json()
    schemas = document["components"]["schemas"]
    request_body = document["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert request_body == {"$ref": "#/components/schemas/PredictRequest"}
    example = schemas["PredictRequest"]["examples"][0]
    (instance,) = example["instances"]
    assert {"alcohol", "proline"} <= set(instance)
    assert sorted(instance) == sorted(wine_columns(api.project))
    assert list(schemas["Instance"]["properties"]) == wine_columns(api.project)
    assert all(isinstance(value, float) for value in instance.values())

    response = httpx.post(f"{api.url}/predict", json=example)
    assert response.status_code == 200, response.text
    (prediction,) = response.json()["predictions"]
    assert prediction["label"] in {"class_0", "class_1", "class_2"}


def test_model_is_the_one_dvc_lock_records(api: Api) -> None:
    lock = yaml.safe_load((api.project / "dvc.lock").read_text())
    (model_out,) = [out for out in lock["stages"]["train"]["outs"] if out["path"] == "models/model.joblib"]
    info = httpx.get(f"{api.url}/model").json()
    assert info["version"] == model_out["md5"]
    assert httpx.get(f"{api.url}/ready").json() == {"status": "ready", "model_version": model_out["md5"]}
    assert info["classes"] == ["class_0", "class_1", "class_2"]
    assert info["metrics"] == json.loads((api.project / "metrics/metrics.json").read_text())
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=api.project, capture_output=True, text=True, check=True)
    assert info["commit"] == head.stdout.strip()
    assert info["card"] == "/model/card"
    assert httpx.get(f"{api.url}/model/card").text.startswith("# Model card: Wine Classifier\n")


def test_schemathesis_finds_nothing(api: Api, tmp_path: Path) -> None:
    """Generated requests, valid and invalid, against every operation: no 5xx and nothing undocumented."""
    report = tmp_path / "schemathesis.json"
    command: list[Any] = [
        VENV_BIN / "schemathesis",
        "--no-color",
        "run",
        f"{api.url}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--generation-database",
        "none",
        "--request-timeout",
        10,
        "--report",
        "json",
        "--report-json-path",
        report,
    ]
    # In a folder of its own: Schemathesis reads a schemathesis.toml from where it runs.
    result = subprocess.run(
        [str(part) for part in command], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300
    )
    output = f"{result.stdout}\n{result.stderr}\nserver log:\n{api.log_path.read_text(errors='replace')[-5000:]}"
    assert report.is_file(), output
    summary = json.loads(report.read_text())
    assert summary["failures"] == [], output
    assert summary["errors"] == [], output
    assert result.returncode == 0, output
    assert summary["complete"], output
    assert summary["operations"]["tested"] == summary["operations"]["total"] == 5, output
    assert summary["test_cases"]["generated"] > MAX_EXAMPLES, output
    # Both kinds of request reached /predict: some predicted, some refused.
    metrics = httpx.get(f"{api.url}/metrics").text.splitlines()
    posts = [line for line in metrics if line.startswith('http_requests_total{handler="/predict",method="POST"')]
    counts = {status: sum(float(line.split()[-1]) for line in posts if status in line) for status in ("2xx", "4xx")}
    assert counts["2xx"] >= 10 and counts["4xx"] >= 10, counts
