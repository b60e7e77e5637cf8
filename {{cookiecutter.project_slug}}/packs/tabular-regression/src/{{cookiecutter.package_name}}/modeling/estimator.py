"""The estimator at the end of the tabular pipeline: a model of the family `train.model` names, that predicts a
number."""

from sklearn.base import RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import Ridge

from ..core.train_params import TrainParams

# The pipeline step's name, by which the API finds the estimator to tune it for serving.
STEP = "regressor"
# The families that weigh a feature by its size: numbers reach them standardised (`pipeline.build_preprocessor`).
# Trees only compare a feature with thresholds, so scaling would change nothing for them.
SCALED_FAMILIES = frozenset({"ridge"})


def build_estimator(params: TrainParams, seed: int) -> RegressorMixin:
    """The untrained model; the seed makes two trainings on the same rows identical."""
    match params.model:
        case "hist_gradient_boosting":
            return HistGradientBoostingRegressor(**params.hist_gradient_boosting.model_dump(), random_state=seed)
        case "ridge":
            return Ridge(alpha=params.ridge.alpha)
        case _:  # random_forest
            # Its trees are grown on every core; the API sets one per prediction (`serving.loaded_model`).
            return RandomForestRegressor(**params.random_forest.model_dump(), random_state=seed, n_jobs=-1)
