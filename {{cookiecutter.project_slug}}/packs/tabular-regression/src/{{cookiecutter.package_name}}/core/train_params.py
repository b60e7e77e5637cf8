"""The `train` section of params.yaml for a table's numeric target: which family of model, and each one's settings.

The linear family is ridge regression: a logistic regression models the odds of classes, not numbers.
"""

from typing import Literal, get_args

from pydantic import Field

from .section import Section
from .tree_params import HistGradientBoostingParams, RandomForestParams

# The families `train.model` may name, each with a section of its own settings under `train`.
Family = Literal["random_forest", "hist_gradient_boosting", "ridge"]
FAMILIES: tuple[str, ...] = get_args(Family)


class RidgeParams(Section):
    """A linear model fitted by least squares with an L2 penalty, on standardised numbers."""

    alpha: float = Field(default=1.0, ge=0, description="regularisation strength: higher is simpler")


class TrainParams(Section):
    """The family to train and the settings of every family: all are checked, the chosen one's are used."""

    model: Family
    random_forest: RandomForestParams = RandomForestParams()
    hist_gradient_boosting: HistGradientBoostingParams = HistGradientBoostingParams()
    ridge: RidgeParams = RidgeParams()
