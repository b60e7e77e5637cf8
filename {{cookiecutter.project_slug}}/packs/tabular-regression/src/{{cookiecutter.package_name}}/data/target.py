"""The column the model learns to predict: a number, such as a price, a duration or a measurement."""

import pandas as pd

from ..core.task_params import FeatureType

# How the drift check compares the model's predictions on new inputs with those on the training rows.
PREDICTION_TYPE: FeatureType = "numeric"


def parse_target(values: pd.Series) -> pd.Series:
    """The values (read as text) as numbers; a value that is not one raises `ValueError` naming examples."""
    numbers = pd.to_numeric(values, errors="coerce")
    text = values[numbers.isna()]
    if not text.empty:
        examples = ", ".join(map(repr, text.unique()[:3]))
        raise ValueError(
            f"holds text such as {examples} in {len(text)} row(s); a regression learns numbers: "
            "clean those values, or drop those rows"
        )
    return numbers.astype(float)


def describe_target(values: pd.Series) -> str:
    """The range and mean of the target, for the prepare stage's log line."""
    return f"target from {values.min():g} to {values.max():g}, mean {values.mean():g}"
