"""What a regressor's API answers: one number per instance, and what Prometheus records of them.

The API's shared modules use this module's names alone: `Prediction` (one per instance), `TargetInfo` (what
`/model` says the model predicts) and `record_predictions` (the model's own metrics at `/metrics`), so a
classifier and a regressor are served by the same app.
"""

from collections.abc import Iterable

from prometheus_client import Summary
from pydantic import BaseModel, Field

from .input_warnings import InputWarning


class Prediction(BaseModel):
    value: float = Field(description="the predicted value")
    warnings: list[InputWarning] = Field(default=[], description="what the model never saw in this instance's input")


class TargetInfo(BaseModel):
    """A regressor predicts one number per instance: there is nothing to list."""


# The count and sum of the predicted values: their mean over any window (sum rate over count rate) shows on a
# dashboard when what the model says shifts. Buckets would need the target's scale, which the app does not know.
PREDICTED_VALUES = Summary("model_prediction_value", "Values predicted")


def from_values(values: Iterable[float]) -> list[Prediction]:
    # `warnings=[]` given, not defaulted: pydantic deep-copies a mutable default for every instance.
    return [Prediction(value=float(value), warnings=[]) for value in values]


def record_predictions(predictions: list[Prediction]) -> None:
    for prediction in predictions:
        PREDICTED_VALUES.observe(prediction.value)
