"""The default project, rendered and run for real: its own tests, `dvc repro`, and the PR report."""

import json
from pathlib import Path

import pytest
import yaml

from ..support.helpers import VENV_BIN, commit_all, dvc_repro, make, run, stages_run
from ..support.runs import FirstRun

pytestmark = pytest.mark.slow


def test_generated_tests_pass(first_run: FirstRun) -> None:
    result = run([VENV_BIN / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=first_run.project)
    assert " passed" in result.stdout
    assert "failed" not in result.stdout


def test_first_repro_runs_every_stage_and_writes_outputs(first_run: FirstRun) -> None:
    assert stages_run(first_run.log) == ["prepare", "train", "evaluate"]
    project = first_run.project
    metrics = json.loads((project / "metrics/metrics.json").read_text())
    assert {"accuracy", "macro_f1", "per_class"} <= set(metrics)
    assert set(metrics["per_class"]) == {"class_0", "class_1", "class_2"}
    assert {"precision", "recall"} <= set(metrics["per_class"]["class_0"])
    assert (project / "metrics/confusion_matrix.png").read_bytes().startswith(b"\x89PNG")
    assert (project / "metrics/predictions.csv").read_text().startswith("actual,predicted\n")
    assert (project / "models/model.joblib").stat().st_size > 0


def test_dvc_plots_include_the_confusion_plot(reproduced_project: Path) -> None:
    result = run([VENV_BIN / "dvc", "plots", "show", "--json"], cwd=reproduced_project)
    plots = json.loads(result.stdout)["data"]
    assert set(plots) == {"confusion", "metrics/confusion_matrix.png"}
    vega = plots["confusion"][0]["content"]
    assert {row["actual"] for row in vega["data"]["values"]} == {"class_0", "class_1", "class_2"}


def test_second_repro_runs_nothing(reproduced_project: Path) -> None:
    result = dvc_repro(reproduced_project)
    assert stages_run(result.stdout) == []
    assert run(["git", "status", "--porcelain"], cwd=reproduced_project).stdout == ""


def test_repro_is_deterministic(reproduced_project: Path) -> None:
    before = (reproduced_project / "metrics/metrics.json").read_text()
    result = dvc_repro(reproduced_project, "--force")
    assert stages_run(result.stdout) == ["prepare", "train", "evaluate"]
    assert (reproduced_project / "metrics/metrics.json").read_text() == before


def test_param_change_on_a_branch_is_reported_against_main(reproduced_project: Path) -> None:
    project = reproduced_project
    base_metrics = json.loads((project / "metrics/metrics.json").read_text())
    run(["git", "checkout", "--quiet", "-b", "shallower-trees"], cwd=project)
    old_depth = yaml.safe_load((project / "params.yaml").read_text())["train"]["max_depth"]
    params_text = (project / "params.yaml").read_text()
    (project / "params.yaml").write_text(params_text.replace(f"max_depth: {old_depth}", "max_depth: 1"))
    assert stages_run(dvc_repro(project).stdout) == ["train", "evaluate"]
    new_metrics = json.loads((project / "metrics/metrics.json").read_text())
    commit_all(project, "Shallower trees")

    make(project, "report")

    report = (project / "report.md").read_text()
    assert f"| train.max_depth | `{old_depth}` | `1` |" in report
    old, new = base_metrics["accuracy"], new_metrics["accuracy"]
    assert f"| accuracy | {old:.4f} | {new:.4f} |" in report
    assert "**Verdict: " in report
    for image in ("report_assets/base_confusion_matrix.png", "metrics/confusion_matrix.png"):
        assert f"]({image})" in report
        assert (project / image).read_bytes().startswith(b"\x89PNG")


def test_report_names_an_unknown_base(reproduced_project: Path) -> None:
    result = run(
        ["make", "--no-print-directory", "report", f"VENV={VENV_BIN.parent}", "BASE=no-such-branch"],
        cwd=reproduced_project,
        check=False,
    )
    assert result.returncode != 0
    assert "error: cannot compare with 'no-such-branch'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (reproduced_project / "report.md").exists()
