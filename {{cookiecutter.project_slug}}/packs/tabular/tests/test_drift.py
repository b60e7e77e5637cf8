"""Drift checks on batches made in the test: one like the training data, one that moved, one with broken columns."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from example_target import TARGET

from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.core.task_params import DriftParams
from {{ cookiecutter.package_name }}.data.expectations import derive_expectations
from {{ cookiecutter.package_name }}.data.schema import infer_schema
from {{ cookiecutter.package_name }}.monitoring.drift import (
    check_drift,
    check_schema,
    plot_file_name,
    population_stability,
)
from {{ cookiecutter.package_name }}.serving.request_log import RequestLog
from {{ cookiecutter.package_name }}.stages.prepare import prepare, save
from {{ cookiecutter.package_name }}.stages.train import save_model, train

LIMITS = DriftParams()


def fruit_inputs(rows: int, seed: int) -> pd.DataFrame:
    """New inputs drawn the way conftest's `mixed_frame` draws its rows, without the label."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"row_id": range(rows), "size": rng.normal(10, 3, rows), "colour": rng.choice(["red", "green", "blue"], rows)}
    )


@pytest.fixture
def trained_project(tmp_path: Path, mixed_frame: pd.DataFrame, params: Params, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder after the pipeline: params.yaml, data/prepared (with expectations) and the model."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params.model_dump(mode="json")))
    prepared = prepare(mixed_frame, params.data, params.prepare, params.seed)
    save(prepared, tmp_path / "data/prepared")
    save_model(train(tmp_path / "data/prepared", params.train, params.seed), tmp_path / "models/model.joblib")
    return tmp_path


def test_inputs_like_the_training_data_do_not_drift(trained_project: Path) -> None:
    """A batch of whole records, with the column `data.drop` leaves out, is as in training."""
    fruit_inputs(300, seed=1).to_csv("batch.csv", index=False)
    assert not check_drift(Path("batch.csv"), Path("drift_report.md"))
    report = Path("drift_report.md").read_text()
    assert "**No drift.**" in report
    assert "| size | KS " in report and "| colour | PSI " in report and f"| predicted {TARGET} | " in report


def test_the_check_says_which_step_it_is_on(trained_project: Path, caplog: pytest.LogCaptureFixture) -> None:
    fruit_inputs(50, seed=1).drop(columns="row_id").to_csv("batch.csv", index=False)
    with caplog.at_level("INFO", logger="{{ cookiecutter.package_name }}"):
        check_drift(Path("batch.csv"), Path("drift_report.md"))
    steps = [record.getMessage()[:3] for record in caplog.records if record.getMessage()[1:3] == "/4"]
    assert steps == ["1/4", "2/4", "3/4", "4/4"]


def test_moved_inputs_drift_and_the_report_plots_them(trained_project: Path) -> None:
    moved = fruit_inputs(300, seed=2).drop(columns="row_id")
    moved["size"] += 8
    moved["colour"] = "red"
    moved.to_csv("batch.csv", index=False)
    assert check_drift(Path("batch.csv"), Path("drift_report.md"))
    report = Path("drift_report.md").read_text()
    assert "**Drift detected.**" in report
    assert "| size | KS " in report and "| **yes** |" in report
    assert f"![size](drift_report/{plot_file_name('size')})" in report
    assert Path("drift_report", plot_file_name("size")).read_bytes().startswith(b"\x89PNG")
    assert Path("drift_report", plot_file_name("colour")).is_file()


def test_every_column_name_gets_a_plot_file_of_its_own() -> None:
    names = ["a b", "a_b", "a/b", "Teneur en sucre é", "Teneur en sucre e", "Alcohol (%)"]
    files = [plot_file_name(name) for name in names]
    assert len(set(files)) == len(names)
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+\.png", file) for file in files)


def test_schema_problems_are_named_one_per_line(trained_project: Path, mixed_frame: pd.DataFrame) -> None:
    params = Params.model_validate(yaml.safe_load(Path("params.yaml").read_text()))
    prepared = prepare(mixed_frame, params.data, params.prepare, params.seed)
    expected = derive_expectations(prepared.train, prepared.schema)
    batch = pd.DataFrame({"size": ["12.5", "big", None, None], "weight": ["1", "2", "3", "4"], TARGET: ["a"] * 4})
    problems = check_schema(batch, expected, LIMITS, label=TARGET)
    assert problems == [
        "`colour`: missing column",
        "`weight`: extra column, unknown to the model",
        "`size`: 1 value(s) are text in a numeric column",
        f"`size`: 50% missing values, {expected.numeric['size'].missing_share:.0%} in training",
    ]


def test_unknown_categories_and_out_of_range_values_count_past_the_share(
    params: Params, mixed_frame: pd.DataFrame
) -> None:
    training = fruit_inputs(100, seed=3).assign(**{TARGET: mixed_frame[TARGET].iloc[:100].to_numpy()})
    schema = infer_schema(training, params.data)
    expected = derive_expectations(training, schema)
    batch = training.drop(columns=["row_id", TARGET]).astype(str)
    batch.loc[:19, "colour"] = "purple"
    batch.loc[:19, "size"] = "1000"
    problems = check_schema(batch, expected, LIMITS, label=TARGET)
    assert "`colour`: 20% of values are new categories ('purple')" in problems
    assert any(problem.startswith("`size`: 20% of rows outside the training range") for problem in problems)


def test_population_stability_is_zero_for_equal_shares_and_grows_with_the_shift() -> None:
    same = pd.Series(["a", "b"] * 50)
    assert population_stability(same, same) == pytest.approx(0.0)
    assert population_stability(same, pd.Series(["a"] * 70 + ["b"] * 30)) < population_stability(
        same, pd.Series(["a"] * 95 + ["b"] * 5)
    )


def test_the_request_log_is_a_batch_drift_can_read(trained_project: Path) -> None:
    log = RequestLog(Path("logs/requests.csv"), ["size", "colour"])
    log.append([{"size": 9.5, "colour": "red"}, {"size": None, "colour": "blue"}])
    log.append([{"size": 11.0, "colour": None}])
    table = pd.read_csv("logs/requests.csv")
    assert list(table.columns) == ["size", "colour"]
    assert table["size"].isna().tolist() == [False, True, False]
    assert len(table) == 3
