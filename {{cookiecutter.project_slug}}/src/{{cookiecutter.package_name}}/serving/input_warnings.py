"""What the API says about an instance's input that the model never saw in training.

The model answers anyway: it imputes a missing value, ignores a category it does not know, and treats a number
beyond the training range as the nearest one it saw. Each prediction lists these as warnings, so a client can
weigh the answer; Prometheus counts them by feature and kind, so a dashboard shows a column going wrong in
production before a drift check does. The model's input says which warnings apply (`instances`): a table checks
each column against what the training rows showed; a text has no such columns and gets none.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Literal, Protocol

from prometheus_client import Counter as PrometheusCounter
from pydantic import BaseModel, Field

WarningKind = Literal["unseen_category", "out_of_range", "imputed"]


class InputWarning(BaseModel):
    feature: str = Field(description="the column the warning is about")
    kind: WarningKind = Field(
        description="unseen_category: a category no training row had; out_of_range: a number outside the training "
        "rows' range; imputed: a missing value, which the model filled in"
    )
    message: str = Field(description="the same in words, with the value and what training showed")


class Warned(Protocol):
    warnings: list[InputWarning]


INPUT_WARNINGS = PrometheusCounter(
    "model_input_warnings_total", "Inputs unlike the training data, by feature and kind", ["feature", "kind"]
)


def record_input_warnings(predictions: Iterable[Warned]) -> None:
    """The warnings counted by feature and kind first, then added once per pair, as `record_predictions` does."""
    pairs = Counter((warning.feature, warning.kind) for prediction in predictions for warning in prediction.warnings)
    for (feature, kind), count in pairs.items():
        INPUT_WARNINGS.labels(feature=feature, kind=kind).inc(count)
