"""The estimator at the end of the tabular pipeline: a random forest that picks a class."""

from sklearn.ensemble import RandomForestClassifier

from ..core.train_params import TrainParams

# The pipeline step's name, by which the API finds the estimator to tune it for serving.
STEP = "classifier"


def build_estimator(params: TrainParams, seed: int) -> RandomForestClassifier:
    """The untrained forest; the seed makes two trainings on the same rows identical."""
    return RandomForestClassifier(
        n_estimators=params.n_estimators,
        max_depth=params.max_depth,
        min_samples_leaf=params.min_samples_leaf,
        class_weight=params.class_weight,
        random_state=seed,
        n_jobs=-1,
    )
