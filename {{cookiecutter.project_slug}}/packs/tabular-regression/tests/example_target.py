"""What the table tests learn to predict: a fruit's price, from its size and colour."""

import numpy as np

TARGET = "price"
# What `/model` says the model trained on `conftest.mixed_frame` predicts: one number, nothing to list.
TARGET_INFO: dict[str, list[str]] = {}


def make_target(size: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Ten cents per unit of size, red fruit thirty cents dearer; a missing size costs as an average one."""
    return np.round(10 * np.nan_to_num(size, nan=10.0) + np.where(colour == "red", 30.0, 0.0), 1)
