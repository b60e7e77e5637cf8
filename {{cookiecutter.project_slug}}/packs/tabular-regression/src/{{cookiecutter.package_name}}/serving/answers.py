"""The API's answer from the tabular pipeline: the predicted value."""

import pandas as pd
from sklearn.pipeline import Pipeline

from .forest import pipeline_output
from .prediction import Prediction, TargetInfo, from_values


def target_info(pipeline: Pipeline) -> TargetInfo:
    """A regressor has no classes to list, whatever pipeline it is."""
    return TargetInfo()


def answer(pipeline: Pipeline, frame: pd.DataFrame) -> list[Prediction]:
    return from_values(pipeline_output(pipeline, frame, "predict"))
