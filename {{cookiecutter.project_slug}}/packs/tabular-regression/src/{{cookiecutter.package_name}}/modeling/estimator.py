"""The estimator at the end of the tabular pipeline: a random forest that predicts a number."""

from sklearn.ensemble import RandomForestRegressor

from ..core.train_params import TrainParams

# The pipeline step's name, by which the API finds the estimator to tune it for serving.
STEP = "regressor"


def build_estimator(params: TrainParams, seed: int) -> RandomForestRegressor:
    """The untrained forest; the seed makes two trainings on the same rows identical."""
    return RandomForestRegressor(
        n_estimators=params.n_estimators,
        max_depth=params.max_depth,
        min_samples_leaf=params.min_samples_leaf,
        random_state=seed,
        n_jobs=-1,
    )
