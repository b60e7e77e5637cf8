"""The three stages chained on a small table, as DVC would run them, but in one process."""

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pytest
from PIL import Image

from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.core.hashing import file_md5
from {{ cookiecutter.package_name }}.core.paths import METRICS_FILE, PREDICTIONS_FILE
from {{ cookiecutter.package_name }}.ct.prediction_report import PICTURES
from {{ cookiecutter.package_name }}.data.schema import SCHEMA_FILE, TRAIN_FILE
from {{ cookiecutter.package_name }}.stages.prepare import prepare, save
from {{ cookiecutter.package_name }}.stages.train import train


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


@pytest.mark.parametrize(
    ("family", "progress"),
    [
        ("random_forest", r"Done +20 out of +20"),  # joblib's line for the last batch of the forest's 20 trees
        ("hist_gradient_boosting", r"Fit \d+ trees in [0-9.]+ s"),  # the rounds' summary
    ],
)
def test_training_shows_the_estimators_progress_and_predicting_does_not(
    tmp_path: Path,
    mixed_frame: pd.DataFrame,
    params: Params,
    capfd: pytest.CaptureFixture[str],
    family: str,
    progress: str,
) -> None:
    train_params = params.train.model_copy(update={"model": family})
    save(prepare(mixed_frame, params.data, params.prepare, params.seed), tmp_path)
    model = train(tmp_path, train_params, params.seed)
    fitting = capfd.readouterr()
    assert re.search(progress, fitting.out + fitting.err), fitting.out + fitting.err

    model.predict(mixed_frame.head())
    predicting = capfd.readouterr()
    assert predicting.out + predicting.err == "", "evaluate and the API would print progress on every prediction"


def test_gradient_boosting_shows_one_round_in_ten(
    tmp_path: Path, mixed_frame: pd.DataFrame, params: Params, capfd: pytest.CaptureFixture[str]
) -> None:
    """A line per round would bury the log: the first round's, one every tenth, and the last's are shown."""
    boosting = params.train.model_copy(update={"model": "hist_gradient_boosting"})
    save(prepare(mixed_frame, params.data, params.prepare, params.seed), tmp_path)
    train(tmp_path, boosting, params.seed)
    round_lines = [line for line in capfd.readouterr().err.splitlines() if re.search(r"\d+ trees?, \d+ leaves", line)]
    rounds = [re.match(r"\[(\d+)/100\] ", line) for line in round_lines]
    assert [done[1] if done else line for done, line in zip(rounds, round_lines, strict=True)] == [
        "1",
        *(str(done) for done in range(10, 101, 10)),
    ]


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


def test_dates_become_numbers_inside_the_model_and_identifiers_go_nowhere(
    tmp_path: Path, mixed_frame: pd.DataFrame, params: Params
) -> None:
    """The prepared schema records the guesses; the saved model reads a raw date in its format and ignores an ID."""
    frame = mixed_frame.assign(
        signed=pd.date_range("2020-01-30", periods=len(mixed_frame), freq="7D").strftime("%d/%m/%Y"),
        reference=[f"REF-{number:04d}" for number in range(len(mixed_frame))],
    )
    save(prepare(frame, params.data, params.prepare, params.seed), tmp_path / "prepared")
    schema = json.loads((tmp_path / "prepared" / SCHEMA_FILE).read_text())
    assert schema["dates"] == {"signed": "%d/%m/%Y"}
    assert schema["identifiers"] == ["reference"]
    assert schema["dropped"] == ["row_id"]
    assert "reference" not in pd.read_csv(tmp_path / "prepared" / TRAIN_FILE).columns

    model = train(tmp_path / "prepared", params.train, params.seed)
    parts = model.named_steps["preprocess"].get_feature_names_out()
    assert {"dates__signed days since 1970", "dates__signed month", "dates__signed day of week"} <= set(parts)
    record = pd.DataFrame([{"reference": "REF-9999", "size": 10.0, "colour": "red", "signed": "13/03/2024"}])
    numbers = model[:-1].transform(record)
    encoded = dict(zip(parts, numbers.toarray()[0] if hasattr(numbers, "toarray") else numbers[0], strict=True))
    assert encoded["dates__signed days since 1970"] == (pd.Timestamp("2024-03-13") - pd.Timestamp("1970-01-01")).days
    assert encoded["dates__signed month"] == 3
    assert encoded["dates__signed day of week"] == 2  # a Wednesday
    assert len(model.predict(record)) == 1
