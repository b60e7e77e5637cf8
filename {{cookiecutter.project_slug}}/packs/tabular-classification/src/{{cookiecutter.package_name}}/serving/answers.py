"""The API's answer from the tabular pipeline: the most probable class, with its probability."""

import pandas as pd
from sklearn.pipeline import Pipeline

from .forest import pipeline_output
from .prediction import Prediction, TargetInfo, from_probabilities


def target_info(pipeline: Pipeline) -> TargetInfo:
    """The classes the fitted pipeline chooses from."""
    return TargetInfo(classes=[str(label) for label in pipeline.classes_])


def answer(pipeline: Pipeline, frame: pd.DataFrame) -> list[Prediction]:
    probabilities = pipeline_output(pipeline, frame, "predict_proba")
    return from_probabilities(probabilities, [str(label) for label in pipeline.classes_])
