"""The three stages chained on a small table, as DVC would run them, but in one process."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from PIL import Image

from {{ cookiecutter.package_name }}.core.hashing import file_md5
from {{ cookiecutter.package_name }}.core.paths import METRICS_FILE, PREDICTIONS_FILE
from {{ cookiecutter.package_name }}.ct.prediction_report import PICTURES


def test_pipeline_writes_every_output(pipeline_run: Path) -> None:
    metrics = json.loads((pipeline_run / "metrics" / METRICS_FILE.name).read_text())
    assert metrics, "the evaluation wrote no metrics"
    predictions = pd.read_csv(pipeline_run / "metrics" / PREDICTIONS_FILE.name)
    assert list(predictions.columns) == ["actual", "predicted", "row_hash"]
    assert len(predictions) == len(pd.read_csv(pipeline_run / "prepared" / "test.csv"))
    model_md5 = file_md5(pipeline_run / "model.joblib")
    for picture in PICTURES:
        with Image.open(pipeline_run / "metrics" / picture.name) as image:
            assert image.text["Title"].endswith(f"of model {model_md5[:8]}"), "the report shows it beside the base's"


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
