"""The regression task, rendered and run for real: `dvc repro`, its own tests, a change on a branch reported and
gated against main, DVC's plots, and the served model answering numbers over HTTP.

The task exists only as an entry of cookiecutter.json's task table and its packs, so this module is also the
proof that a task is added without touching the shared code.
"""

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest
import yaml

from ..support.families import each_family_reproduced, served_predictions
from ..support.helpers import VENV_BIN, commit_all, dvc_repro, make, project_env, render, run, stages_run
from ..support.processes import HOST, answers, free_port, running
from ..support.runs import set_tool_identity
from ..support.tasks import REGRESSION, TASKS

pytestmark = pytest.mark.slow

TASK = REGRESSION
PACKAGE = "diabetes_progression"
SAMPLE = TASKS[TASK]["sample"]
TARGET = TASKS[TASK]["target"]
PICTURES = ("metrics/predicted_vs_actual.png", "metrics/residuals.png")


@dataclass(frozen=True)
class RegressionRun:
    """The regression project after its first `dvc repro`, committed on main, and what that run printed."""

    project: Path
    log: str


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegressionRun]:
    """Shared and read-only: tests that change the project take a copy."""
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        root = tmp_path_factory.mktemp("regression")
        project = render(root, project_name="Diabetes Progression", task=TASK, dvc_remote_url=str(root / "remote"))
        result = dvc_repro(project)
        commit_all(project, "First model")
        yield RegressionRun(project=project, log=result.stdout)


@pytest.fixture
def regression_copy(regression_run: RegressionRun, tmp_path: Path) -> Path:
    """A private copy of the reproduced project, git history and DVC cache included."""
    copy = tmp_path / regression_run.project.name
    shutil.copytree(regression_run.project, copy, symlinks=True)
    return copy


def test_first_repro_beats_the_mean_guess(regression_run: RegressionRun) -> None:
    assert stages_run(regression_run.log) == ["prepare", "train", "evaluate"]
    project = regression_run.project
    metrics = json.loads((project / "metrics/metrics.json").read_text())
    assert set(metrics) == {"r2", "mae", "rmse", "baseline"}
    assert metrics["r2"] > TASKS[TASK]["gate"]["minimum"]
    assert metrics["mae"] < metrics["baseline"]["mae"] and metrics["rmse"] < metrics["baseline"]["rmse"]
    predictions = pd.read_csv(project / "metrics/predictions.csv")
    assert list(predictions.columns) == ["actual", "predicted", "row_hash"]
    assert predictions["predicted"].dtype == float and predictions["predicted"].nunique() > 10
    for picture in PICTURES:
        assert (project / picture).read_bytes().startswith(b"\x89PNG")


def test_generated_tests_pass(regression_run: RegressionRun) -> None:
    result = run([VENV_BIN / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=regression_run.project)
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_dvc_plots_show_predicted_against_actual(regression_run: RegressionRun) -> None:
    result = run([VENV_BIN / "dvc", "plots", "show", "--json"], cwd=regression_run.project)
    plots = json.loads(result.stdout)["data"]
    assert set(plots) == {"predicted_vs_actual", *PICTURES}
    values = plots["predicted_vs_actual"][0]["content"]["data"]["values"]
    assert len(values) == len(pd.read_csv(regression_run.project / "metrics/predictions.csv"))


def test_a_change_on_a_branch_is_reported_and_gated_on_r2(regression_copy: Path) -> None:
    project = regression_copy
    base = json.loads((project / "metrics/metrics.json").read_text())
    run(["git", "checkout", "--quiet", "-b", "shallow"], cwd=project)
    params = (project / "params.yaml").read_text()
    depth = yaml.safe_load(params)["train"]["random_forest"]["max_depth"]
    (project / "params.yaml").write_text(params.replace(f"max_depth: {depth}", "max_depth: 1"))
    assert stages_run(dvc_repro(project).stdout) == ["train", "evaluate"]
    new = json.loads((project / "metrics/metrics.json").read_text())
    commit_all(project, "Shallow trees")

    make(project, "report")
    report = (project / "report.md").read_text()
    assert f"| train.random_forest.max_depth | `{depth}` | `1` |" in report
    assert f"| r2 | {base['r2']:.4f} | {new['r2']:.4f} |" in report
    test_rows = len(pd.read_csv(project / "metrics/predictions.csv"))
    assert new["r2"] < base["r2"]
    verdict = rf"\*\*Verdict: (worse|no clear change)\.\*\* `r2` .*paired on the same {test_rows} test rows"
    assert re.search(verdict, report)
    assert "### Errors on the test rows" in report
    assert "| largest absolute error |" in report
    for picture in PICTURES:
        for shown in (f"report_assets/base_{Path(picture).name}", picture):
            assert f"]({shown})" in report
            assert (project / shown).read_bytes().startswith(b"\x89PNG")
    gate = run(["make", "--no-print-directory", "gate", f"VENV={VENV_BIN.parent}"], cwd=project, check=False)
    fell = base["r2"] - new["r2"] > TASKS[TASK]["gate"]["max_drop"]
    assert (gate.returncode != 0) == fell, gate.stdout + gate.stderr
    assert ("r2 fell by" in gate.stderr) == fell


def test_every_other_model_family_is_trained_reported_and_served(regression_copy: Path, tmp_path: Path) -> None:
    """`train.model` set to each other family in turn: `dvc repro` retrains, the report shows the switch, and the
    API answers what the evaluate stage predicted."""
    project = regression_copy
    trained = []
    for family in each_family_reproduced(project):
        assert f"| train.model | `random_forest` | `{family}` |" in (project / "report.md").read_text()
        served = served_predictions(project, PACKAGE, 3, tmp_path / f"{family}.log")
        predicted = pd.read_csv(project / "metrics/predictions.csv")["predicted"].head(3).tolist()
        assert [prediction["value"] for prediction in served] == pytest.approx(predicted)
        trained.append(family)
    assert trained == ["hist_gradient_boosting", "ridge"]


def test_the_served_model_answers_numbers_and_the_model_it_is(regression_run: RegressionRun, tmp_path: Path) -> None:
    project = regression_run.project
    port = free_port()
    command = [VENV_BIN / "python", "-m", PACKAGE, "serve", "--host", HOST, "--port", str(port)]
    rows = pd.read_csv(project / "data/prepared/test.csv").head(3)
    instances = json.loads(rows.drop(columns=TARGET).to_json(orient="records"))
    with running(command, tmp_path / "server.log", cwd=project, env=project_env(project)) as process:
        url = f"http://{HOST}:{port}"
        assert answers(process, f"{url}/health"), (tmp_path / "server.log").read_text()
        response = httpx.post(f"{url}/predict", json={"instances": instances})
        info = httpx.get(f"{url}/model").json()
        metrics_page = httpx.get(f"{url}/metrics").text
    assert response.status_code == 200, response.text
    served = [prediction["value"] for prediction in response.json()["predictions"]]
    predicted = pd.read_csv(project / "metrics/predictions.csv")["predicted"].head(3).tolist()
    assert served == pytest.approx(predicted)
    lock = yaml.safe_load((project / "dvc.lock").read_text())
    assert info["version"] == lock["stages"]["train"]["outs"][0]["md5"]
    assert "classes" not in info and info["metrics"]["r2"] > 0
    assert "model_prediction_value_count 3.0" in metrics_page
