"""What the table tests learn to predict: a fruit, told apart by its size and colour."""

import numpy as np

TARGET = "fruit"
# What `/model` says the model trained on `conftest.mixed_frame` predicts.
TARGET_INFO = {"classes": ["apple", "melon", "plum"]}


def make_target(size: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Red is an apple; otherwise a size above 10 is a melon, and the rest are plums."""
    return np.where(colour == "red", "apple", np.where(size > 10, "melon", "plum"))
