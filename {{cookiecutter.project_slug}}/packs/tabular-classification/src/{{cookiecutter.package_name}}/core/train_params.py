"""The `train` section of params.yaml for a table's classes: which family of model, and each family's settings."""

from typing import Literal, get_args

from pydantic import Field

from .section import Section
from .tree_params import HistGradientBoostingParams, RandomForestParams

# The families `train.model` may name, each with a section of its own settings under `train`.
Family = Literal["random_forest", "hist_gradient_boosting", "logistic_regression"]
FAMILIES: tuple[str, ...] = get_args(Family)


class LogisticRegressionParams(Section):
    """A linear model of each class's log-odds, on standardised numbers."""

    c: float = Field(default=1.0, gt=0, description="inverse regularisation strength: lower is simpler")
    max_iter: int = Field(default=1000, ge=1, description="the solver's iterations at most")


class TrainParams(Section):
    """The family to train, the settings of every family (all are checked, the chosen one's are used), and the
    class weighting all three take."""

    model: Family
    random_forest: RandomForestParams = RandomForestParams()
    hist_gradient_boosting: HistGradientBoostingParams = HistGradientBoostingParams()
    logistic_regression: LogisticRegressionParams = LogisticRegressionParams()
    class_weight: Literal["balanced"] | None = None
