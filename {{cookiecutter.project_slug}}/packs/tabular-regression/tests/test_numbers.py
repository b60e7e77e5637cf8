"""A table's numeric target: learnt well below the mean guess's errors, split across its range, read as numbers."""

import json
from pathlib import Path

import pandas as pd
import pytest
from example_target import TARGET

from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.task_params import DataParams
from {{ cookiecutter.package_name }}.data.schema import read_raw_table
from {{ cookiecutter.package_name }}.stages.prepare import prepare


def test_the_model_beats_the_mean_guess_and_draws_its_errors(pipeline_run: Path) -> None:
    metrics = json.loads((pipeline_run / "metrics" / "metrics.json").read_text())
    assert metrics["r2"] > 0.8
    assert metrics["mae"] < metrics["baseline"]["mae"] / 2
    assert metrics["rmse"] < metrics["baseline"]["rmse"] / 2
    for picture in ("predicted_vs_actual.png", "residuals.png"):
        assert (pipeline_run / "metrics" / picture).read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("test_size", [0.1, 0.25, 0.75, 0.9])
def test_the_split_spans_the_target_range(mixed_frame: pd.DataFrame, params: Params, test_size: float) -> None:
    split_params = params.prepare.model_copy(update={"test_size": test_size})
    prepared = prepare(mixed_frame, params.data, split_params, params.seed)

    assert len(prepared.train) + len(prepared.test) == len(mixed_frame)
    assert len(prepared.test) == pytest.approx(test_size * len(mixed_frame), abs=4)
    assert not set(prepared.train.index) & set(prepared.test.index)
    deciles = mixed_frame[TARGET].quantile([0.1, 0.9])
    for side in (prepared.train, prepared.test):
        assert side[TARGET].min() <= deciles[0.1] and side[TARGET].max() >= deciles[0.9]


def test_a_split_that_leaves_a_side_empty_is_refused(mixed_frame: pd.DataFrame, params: Params) -> None:
    tiny = mixed_frame.head(3)
    with pytest.raises(ProjectError, match="leaves no test rows in a table of 3 rows"):
        prepare(tiny, params.data, params.prepare.model_copy(update={"test_size": 0.01}), params.seed)


def test_text_in_the_target_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("size,price\n1,10.5\n2,dear\n3,unknown\n")
    with pytest.raises(ProjectError, match=r"target column 'price' holds text such as 'dear', 'unknown' in 2 row"):
        read_raw_table(path, DataParams(raw=path, target="price"))
