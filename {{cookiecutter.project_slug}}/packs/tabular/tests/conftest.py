"""Small tables and parameters made in the test, so the tests need neither the sample data nor DVC."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.core.config import Params


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    """120 rows: a numeric and a text feature that both decide the label, with holes in both."""
    rng = np.random.default_rng(0)
    size = rng.normal(10, 3, 120)
    colour = rng.choice(["red", "green", "blue"], 120)
    label = np.where(colour == "red", "apple", np.where(size > 10, "melon", "plum"))
    size[::15] = np.nan
    colour = colour.astype(object)
    colour[::17] = None
    return pd.DataFrame({"row_id": range(120), "size": size, "colour": colour, "fruit": label})


@pytest.fixture
def params(tmp_path: Path) -> Params:
    return Params.model_validate(
        {
            "seed": 7,
            "data": {"raw": str(tmp_path / "fruit.csv"), "target": "fruit", "drop": ["row_id"]},
            "prepare": {"test_size": 0.25},
            "train": {"n_estimators": 20, "max_depth": 4},
        }
    )
