"""The column the model learns to predict: a class label, kept as text whatever it looks like.

Labels such as `1`, `2`, `3` stay categories: a classifier has no use for their order.
"""

import pandas as pd

from ..core.task_params import FeatureType

# How the drift check compares the model's predictions on new inputs with those on the training rows.
PREDICTION_TYPE: FeatureType = "categorical"


def parse_target(labels: pd.Series) -> pd.Series:
    """The labels as read, as text: every value is a class."""
    return labels


def describe_target(labels: pd.Series) -> str:
    """The classes, for the prepare stage's log line."""
    return "classes: " + ", ".join(sorted(labels.unique()))
