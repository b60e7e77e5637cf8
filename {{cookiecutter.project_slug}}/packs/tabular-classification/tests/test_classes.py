"""A table's classes: learnt well above the majority guess, kept on both sides of the split, read as text."""

import json
from pathlib import Path

import joblib
import pandas as pd
import pytest
from example_target import TARGET, TARGET_INFO

from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.task_params import DataParams
from {{ cookiecutter.package_name }}.data.schema import read_raw_table
from {{ cookiecutter.package_name }}.stages.prepare import prepare


def test_the_model_beats_the_majority_guess_and_draws_its_confusion(
    pipeline_run: Path, mixed_frame: pd.DataFrame
) -> None:
    metrics = json.loads((pipeline_run / "metrics" / "metrics.json").read_text())
    majority_share = mixed_frame[TARGET].value_counts(normalize=True).max()
    assert metrics["accuracy"] > majority_share + 0.2
    assert metrics["baseline"]["accuracy"] == pytest.approx(
        pd.read_csv(pipeline_run / "prepared" / "test.csv")[TARGET].value_counts(normalize=True).max(), abs=1e-4
    )
    assert sorted(metrics["per_class"]) == TARGET_INFO["classes"]
    assert (pipeline_run / "metrics" / "confusion_matrix.png").read_bytes().startswith(b"\x89PNG")


def test_a_record_with_holes_gets_the_class_its_known_values_decide(pipeline_run: Path) -> None:
    model = joblib.load(pipeline_run / "model.joblib")
    assert model.predict(pd.DataFrame([{"size": None, "colour": "red"}]))[0] == "apple"


@pytest.mark.parametrize("test_size", [0.1, 0.25, 0.75, 0.9])
def test_split_keeps_every_class_on_both_sides(mixed_frame: pd.DataFrame, params: Params, test_size: float) -> None:
    mixed_frame.loc[[0, 1], TARGET] = "kiwi"
    split_params = params.prepare.model_copy(update={"test_size": test_size})
    prepared = prepare(mixed_frame, params.data, split_params, params.seed)

    assert set(prepared.train[TARGET]) == set(prepared.test[TARGET]) == {"apple", "kiwi", "melon", "plum"}
    assert len(prepared.train) + len(prepared.test) == len(mixed_frame)
    assert len(prepared.test) == pytest.approx(test_size * len(mixed_frame), abs=4)
    assert not set(prepared.train.index) & set(prepared.test.index)


def test_a_label_with_one_example_is_refused(mixed_frame: pd.DataFrame, params: Params) -> None:
    mixed_frame.loc[0, TARGET] = "kiwi"
    with pytest.raises(ProjectError, match="'kiwi' have a single example"):
        prepare(mixed_frame, params.data, params.prepare, params.seed)


def test_numeric_looking_labels_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("x,label\n1,007\n2,010\n")
    frame = read_raw_table(path, DataParams(raw=path, target="label"))
    assert list(frame["label"]) == ["007", "010"]
