"""A reproduced table project retrained with each model family it offers: what params.yaml offers, the switch,
and what the served model answers."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import yaml

from .helpers import VENV_BIN, commit_all, dvc_repro, make, project_env, run, stages_run
from .processes import HOST, answers, free_port, running


def other_families(project: Path) -> list[str]:
    """The families params.yaml offers besides the chosen one: the sections under `train` that `train.model` may
    name."""
    train = yaml.safe_load((project / "params.yaml").read_text())["train"]
    return [name for name, value in train.items() if isinstance(value, dict) and name != train["model"]]


def served_predictions(project: Path, package: str, rows: int, log: Path) -> list[dict[str, Any]]:
    """What the project's API answers for the first rows of its test split."""
    test_rows = pd.read_csv(project / "data/prepared/test.csv").head(rows)
    target = yaml.safe_load((project / "params.yaml").read_text())["data"]["target"]
    instances = json.loads(test_rows.drop(columns=target).to_json(orient="records"))
    port = free_port()
    command = [VENV_BIN / "python", "-m", package, "serve", "--host", HOST, "--port", str(port)]
    with running(command, log, cwd=project, env=project_env(project)) as process:
        assert answers(process, f"http://{HOST}:{port}/health"), log.read_text()
        response = httpx.post(f"http://{HOST}:{port}/predict", json={"instances": instances})
    assert response.status_code == 200, response.text
    return response.json()["predictions"]


def each_family_reproduced(project: Path) -> Iterator[str]:
    """On a branch of its own, the project retrained with each other family in turn, committed and reported
    against main; yields the family once its report is written."""
    run(["git", "checkout", "--quiet", "-b", "model-families"], cwd=project)
    chosen = yaml.safe_load((project / "params.yaml").read_text())["train"]["model"]
    for family in other_families(project):
        params = project / "params.yaml"
        params.write_text(params.read_text().replace(f"model: {chosen}", f"model: {family}", 1))
        chosen = family
        assert stages_run(dvc_repro(project).stdout) == ["train", "evaluate"]
        commit_all(project, f"Train a {family}")
        make(project, "report")
        yield family
