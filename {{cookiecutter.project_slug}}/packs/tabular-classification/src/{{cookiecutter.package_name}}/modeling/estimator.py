"""The estimator at the end of the tabular pipeline: a model of the family `train.model` names, that picks a class."""

from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from ..core.train_params import TrainParams

# The pipeline step's name, by which the API finds the estimator to tune it for serving.
STEP = "classifier"
# The families that weigh a feature by its size: numbers reach them standardised (`pipeline.build_preprocessor`).
# Trees only compare a feature with thresholds, so scaling would change nothing for them.
SCALED_FAMILIES = frozenset({"logistic_regression"})


def build_estimator(params: TrainParams, seed: int) -> ClassifierMixin:
    """The untrained model; the seed makes two trainings on the same rows identical."""
    match params.model:
        case "hist_gradient_boosting":
            return HistGradientBoostingClassifier(
                **params.hist_gradient_boosting.model_dump(), class_weight=params.class_weight, random_state=seed
            )
        case "logistic_regression":
            return LogisticRegression(
                C=params.logistic_regression.c,
                max_iter=params.logistic_regression.max_iter,
                class_weight=params.class_weight,
                random_state=seed,
            )
        case _:  # random_forest
            # Its trees are grown on every core; the API sets one per prediction (`serving.loaded_model`).
            return RandomForestClassifier(
                **params.random_forest.model_dump(), class_weight=params.class_weight, random_state=seed, n_jobs=-1
            )
