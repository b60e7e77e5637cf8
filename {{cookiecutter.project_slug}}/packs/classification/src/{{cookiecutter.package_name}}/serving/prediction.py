"""What a classifier's API answers: the most probable class with its probability, and what Prometheus counts.

The API's shared modules use this module's names alone: `Prediction` (one per instance), `TargetInfo` (what
`/model` says the model predicts) and `record_predictions` (the model's own metrics at `/metrics`), so a
classifier and a regressor are served by the same app.
"""

from collections import Counter

import numpy as np
from prometheus_client import Counter as PrometheusCounter
from prometheus_client import Histogram
from pydantic import BaseModel, Field

from .input_warnings import InputWarning


class Prediction(BaseModel):
    label: str = Field(description="the most probable class")
    score: float = Field(description="its probability, between 0 and 1")
    warnings: list[InputWarning] = Field(default=[], description="what the model never saw in this instance's input")


class TargetInfo(BaseModel):
    classes: list[str] = Field(description="the classes the model chooses from")


def from_probabilities(probabilities: np.ndarray, classes: list[str]) -> list[Prediction]:
    """Each row's most probable class, from a (rows x classes) array of probabilities: the class and its probability
    are found for all rows at once, since numpy's per-call cost on one row is most of a large batch's time."""
    best, scores = probabilities.argmax(axis=1).tolist(), probabilities.max(axis=1).tolist()
    # `warnings=[]` given, not defaulted: pydantic deep-copies a mutable default for every instance.
    return [
        Prediction(label=classes[index], score=score, warnings=[]) for index, score in zip(best, scores, strict=True)
    ]


# A histogram of the predicted class's probability and a counter per predicted label, so that a shift in what the
# model says shows on a dashboard before anyone reads the logs.
PREDICTION_SCORE = Histogram(
    "model_prediction_score",
    "Probability of the predicted class",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
)
PREDICTED_LABELS = PrometheusCounter("model_predictions_total", "Predictions made, by predicted label", ["label"])


def record_predictions(predictions: list[Prediction]) -> None:
    """Each score observed; the labels counted first, then added once per label: looking a label's counter up
    costs more than the rest of its recording, for every instance of every request."""
    for prediction in predictions:
        PREDICTION_SCORE.observe(prediction.score)
    for label, count in Counter(prediction.label for prediction in predictions).items():
        PREDICTED_LABELS.labels(label=label).inc(count)
