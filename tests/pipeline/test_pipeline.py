"""The default project, rendered and run for real: its own tests, `dvc repro`, and the PR report."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ..support.families import each_family_reproduced, served_predictions
from ..support.helpers import DEFAULT_PACKAGE, VENV_BIN, commit_all, dvc_repro, make, run, stages_run
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
    assert (project / "metrics/predictions.csv").read_text().startswith("actual,predicted,row_hash\n")
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
    old_depth = yaml.safe_load((project / "params.yaml").read_text())["train"]["random_forest"]["max_depth"]
    params_text = (project / "params.yaml").read_text()
    (project / "params.yaml").write_text(params_text.replace(f"max_depth: {old_depth}", "max_depth: 1"))
    assert stages_run(dvc_repro(project).stdout) == ["train", "evaluate"]
    new_metrics = json.loads((project / "metrics/metrics.json").read_text())
    commit_all(project, "Shallower trees")

    make(project, "report")

    report = (project / "report.md").read_text()
    assert f"| train.random_forest.max_depth | `{old_depth}` | `1` |" in report
    old, new = base_metrics["accuracy"], new_metrics["accuracy"]
    assert f"| accuracy | {old:.4f} | {new:.4f} |" in report
    assert "**Verdict: " in report
    assert "Scored on 45 test rows; `main`'s model on the same rows." in report
    assert re.search(r"\| macro_f1 \| [0-9.]+ \| [0-9.]+ \| [-+0-9.]+ \[[-+0-9.]+, [-+0-9.]+\] \|", report)
    assert "No DVC-tracked data differs from `main`." in report
    assert "| actual ╲ predicted | class_0 | class_1 | class_2 | support |" in report
    for image in ("report_assets/base_confusion_matrix.png", "metrics/confusion_matrix.png"):
        assert f"]({image})" in report
        assert (project / image).read_bytes().startswith(b"\x89PNG")


def test_every_other_model_family_is_trained_reported_and_served(reproduced_project: Path, tmp_path: Path) -> None:
    """`train.model` set to each other family in turn: `dvc repro` retrains, the report shows the switch, the model
    card the family's own settings, and the API answers what the evaluate stage predicted."""
    project = reproduced_project
    trained = []
    for family in each_family_reproduced(project):
        assert f"| train.model | `random_forest` | `{family}` |" in (project / "report.md").read_text()
        make(project, "model-card")
        card = (project / "MODEL_CARD.md").read_text()
        assert f"| train.{family}." in card and "| train.random_forest." not in card
        served = served_predictions(project, DEFAULT_PACKAGE, 3, tmp_path / f"{family}.log")
        predicted = pd.read_csv(project / "metrics/predictions.csv")["predicted"].head(3).tolist()
        assert [prediction["label"] for prediction in served] == predicted
        trained.append(family)
    assert trained == ["hist_gradient_boosting", "logistic_regression"]


def test_a_data_only_change_is_reported_with_the_table_before_and_after(reproduced_project: Path) -> None:
    """Rows cut from the raw table and `dvc add`: no parameter differs, yet the metrics rest on other test rows."""
    project = reproduced_project
    run(["git", "checkout", "--quiet", "-b", "fewer-rows"], cwd=project)
    raw = project / "data/raw/wine.csv"
    table = pd.read_csv(raw)
    table.iloc[30:].to_csv(raw, index=False)
    run([VENV_BIN / "dvc", "add", "--quiet", "data/raw/wine.csv"], cwd=project)
    dvc_repro(project)
    commit_all(project, "Fewer rows")

    make(project, "report")

    report = (project / "report.md").read_text()
    assert "No parameter differs from `main`." in report
    assert "- `data/raw/wine.csv`: changed" in report
    assert f"| rows | {len(table)} | {len(table) - 30} |" in report
    counts = table["cultivar"].value_counts()
    cut = table.iloc[:30]["cultivar"].value_counts()
    for label in sorted(counts.index):
        assert f"| rows of class `{label}` | {counts[label]} | {counts[label] - cut.get(label, 0)} |" in report
    test_rows = len(pd.read_csv(project / "metrics/predictions.csv"))
    assert f"Scored on {test_rows} test rows; `main`'s model on a different set of 45." in report
    assert "The test rows differ from `main`'s, so the two figures are measured on different rows." in report
    assert "unpaired" in report


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
