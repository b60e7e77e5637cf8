"""The three stages chained on a small table, as DVC would run them, but in one process."""

import json
from pathlib import Path

import joblib
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.stages.evaluate import evaluate
from {{ cookiecutter.package_name }}.stages.prepare import prepare, save
from {{ cookiecutter.package_name }}.stages.train import save_model, train


def run_pipeline(frame: pd.DataFrame, params: Params, root: Path) -> dict:
    prepared = prepare(frame, params.data, params.prepare, params.seed)
    save(prepared, root / "prepared")
    save_model(train(root / "prepared", params.train, params.seed), root / "model.joblib")
    return evaluate(root / "model.joblib", root / "prepared", root / "metrics")


def test_pipeline_learns_and_writes_every_output(tmp_path: Path, mixed_frame: pd.DataFrame, params: Params) -> None:
    metrics = run_pipeline(mixed_frame, params, tmp_path)

    majority_share = mixed_frame["fruit"].value_counts(normalize=True).max()
    assert metrics["accuracy"] > majority_share + 0.2
    assert set(metrics["per_class"]) == {"apple", "melon", "plum"}
    assert json.loads((tmp_path / "metrics" / "metrics.json").read_text()) == metrics
    predictions = pd.read_csv(tmp_path / "metrics" / "predictions.csv")
    assert list(predictions.columns) == ["actual", "predicted"]
    assert set(predictions["actual"]) <= {"apple", "melon", "plum"}
    assert (tmp_path / "metrics" / "confusion_matrix.png").read_bytes().startswith(b"\x89PNG")


def test_same_seed_gives_same_metrics(tmp_path: Path, mixed_frame: pd.DataFrame, params: Params) -> None:
    first = run_pipeline(mixed_frame, params, tmp_path / "first")
    second = run_pipeline(mixed_frame, params, tmp_path / "second")
    assert first == second


def test_model_takes_raw_records_with_holes_and_unseen_categories(
    tmp_path: Path, mixed_frame: pd.DataFrame, params: Params
) -> None:
    run_pipeline(mixed_frame, params, tmp_path)
    model = joblib.load(tmp_path / "model.joblib")
    records = pd.DataFrame(
        [
            {"size": 14.0, "colour": "green"},
            {"size": None, "colour": "red"},
            {"size": "6.5", "colour": "purple"},
            {"size": 12, "colour": None},
        ]
    )
    predictions = model.predict(records)
    assert set(predictions) <= {"apple", "melon", "plum"}
    assert predictions[1] == "apple"


@pytest.mark.parametrize("test_size", [0.1, 0.25, 0.75, 0.9])
def test_split_keeps_every_class_on_both_sides(mixed_frame: pd.DataFrame, params: Params, test_size: float) -> None:
    mixed_frame.loc[[0, 1], "fruit"] = "kiwi"
    split_params = params.prepare.model_copy(update={"test_size": test_size})
    prepared = prepare(mixed_frame, params.data, split_params, params.seed)

    assert set(prepared.train["fruit"]) == set(prepared.test["fruit"]) == {"apple", "kiwi", "melon", "plum"}
    assert len(prepared.train) + len(prepared.test) == len(mixed_frame)
    assert len(prepared.test) == pytest.approx(test_size * len(mixed_frame), abs=4)
    assert not set(prepared.train.index) & set(prepared.test.index)


def test_a_label_with_one_example_is_refused(mixed_frame: pd.DataFrame, params: Params) -> None:
    mixed_frame.loc[0, "fruit"] = "kiwi"
    with pytest.raises(ProjectError, match="'kiwi' have a single example"):
        prepare(mixed_frame, params.data, params.prepare, params.seed)
