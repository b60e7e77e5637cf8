"""Small tables and parameters made in the test, so the tests need neither the sample data nor DVC."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from example_target import TARGET, make_target

from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.stages.evaluate import evaluate
from {{ cookiecutter.package_name }}.stages.prepare import prepare, save
from {{ cookiecutter.package_name }}.stages.train import save_model, train

# Runs the three stages on `mixed_frame` into a folder (prepared/, model.joblib, metrics/); returns the metrics.
PipelineRun = Callable[[Path], dict[str, Any]]


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    """120 rows: a numeric and a text feature that both decide the target (`example_target`), with holes in both."""
    rng = np.random.default_rng(0)
    size = rng.normal(10, 3, 120)
    colour = rng.choice(["red", "green", "blue"], 120)
    target = make_target(size, colour)
    size[::15] = np.nan
    colour = colour.astype(object)
    colour[::17] = None
    return pd.DataFrame({"row_id": range(120), "size": size, "colour": colour, TARGET: target})


@pytest.fixture
def params(tmp_path: Path) -> Params:
    return Params.model_validate(
        {
            "seed": 7,
            "data": {"raw": str(tmp_path / "fruit.csv"), "target": TARGET, "drop": ["row_id"]},
            "prepare": {"test_size": 0.25},
            "train": {
                "model": "random_forest",
                "random_forest": {"n_estimators": 20, "max_depth": 4},
            },
        }
    )


@pytest.fixture
def run_pipeline(mixed_frame: pd.DataFrame, params: Params) -> PipelineRun:
    """The stages chained as DVC runs them, in one process."""

    def run(root: Path) -> dict[str, Any]:
        save(prepare(mixed_frame, params.data, params.prepare, params.seed), root / "prepared")
        save_model(train(root / "prepared", params.train, params.seed), root / "model.joblib")
        return evaluate(root / "model.joblib", root / "prepared", root / "metrics")

    return run


@pytest.fixture
def pipeline_run(tmp_path: Path, run_pipeline: PipelineRun) -> Path:
    """A folder after one run of the pipeline on `mixed_frame`."""
    run_pipeline(tmp_path)
    return tmp_path
