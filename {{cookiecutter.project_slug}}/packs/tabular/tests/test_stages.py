"""The three stages chained on a small table, as DVC would run them, but in one process."""

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.core.paths import METRICS_FILE, PREDICTIONS_FILE
from {{ cookiecutter.package_name }}.stages.prepare import prepare, save
from {{ cookiecutter.package_name }}.stages.train import train


def test_pipeline_writes_every_output(pipeline_run: Path) -> None:
    metrics = json.loads((pipeline_run / "metrics" / METRICS_FILE.name).read_text())
    assert metrics, "the evaluation wrote no metrics"
    predictions = pd.read_csv(pipeline_run / "metrics" / PREDICTIONS_FILE.name)
    assert list(predictions.columns) == ["actual", "predicted"]
    assert len(predictions) == len(pd.read_csv(pipeline_run / "prepared" / "test.csv"))


def test_training_shows_the_forests_progress_and_predicting_does_not(
    tmp_path: Path, mixed_frame: pd.DataFrame, params: Params, capfd: pytest.CaptureFixture[str]
) -> None:
    save(prepare(mixed_frame, params.data, params.prepare, params.seed), tmp_path)
    model = train(tmp_path, params.train, params.seed)
    fitting = capfd.readouterr()
    trees = params.train.n_estimators
    assert re.search(rf"Done +{trees} out of +{trees}", fitting.out + fitting.err), fitting.err

    model.predict(mixed_frame.head())
    predicting = capfd.readouterr()
    assert predicting.out + predicting.err == "", "evaluate and the API would print progress on every prediction"


def test_same_seed_gives_same_metrics(tmp_path: Path, run_pipeline: Callable[[Path], dict[str, Any]]) -> None:
    assert run_pipeline(tmp_path / "first") == run_pipeline(tmp_path / "second")


def test_model_takes_raw_records_with_holes_and_unseen_categories(pipeline_run: Path) -> None:
    model = joblib.load(pipeline_run / "model.joblib")
    records = pd.DataFrame(
        [
            {"size": 14.0, "colour": "green"},
            {"size": None, "colour": "red"},
            {"size": "6.5", "colour": "purple"},
            {"size": 12, "colour": None},
        ]
    )
    predictions = pd.Series(model.predict(records))
    assert len(predictions) == len(records) and predictions.notna().all()
