"""Stage 2: fit the model on the training rows and save it.

Usage: python -m {{ cookiecutter.package_name }} train PREPARED_DIR MODEL_PATH
"""

import argparse
import logging
from pathlib import Path

import joblib
import pandas as pd
from sklearn.pipeline import Pipeline

from ..core.atomic import atomic_file
from ..core.config import load_params
from ..core.train_params import TrainParams
from ..data.expectations import EXPECTATIONS_FILE, Expectations
from ..data.schema import SCHEMA_FILE, TRAIN_FILE, FeatureSchema, read_split
from ..modeling.pipeline import build_model

logger = logging.getLogger(__name__)


def fit_with_progress(model: Pipeline, features: pd.DataFrame, labels: pd.Series) -> None:
    """Fit, with the estimator's own progress lines where it iterates: a forest's, one per batch of trees; gradient
    boosting's, its binning and then how many trees its rounds grew, in how long. A linear model has none to show.

    They are on for the fit only: evaluate and the API predict with the saved model, and would print them too.
    """
    estimator = model.steps[-1][1]
    quiet = estimator.get_params().get("verbose")
    if quiet is not None:
        estimator.set_params(verbose=1)
    model.fit(features, labels)
    if quiet is not None:
        estimator.set_params(verbose=quiet)


def train(prepared_dir: Path, params: TrainParams, seed: int) -> Pipeline:
    """Fit a fresh pipeline on the prepared training split."""
    schema = FeatureSchema.load(prepared_dir / SCHEMA_FILE)
    features, labels = read_split(prepared_dir / TRAIN_FILE, schema)
    expectations = Expectations.load(prepared_dir / EXPECTATIONS_FILE)
    model = build_model(schema, expectations, params, seed)
    logger.info("fitting on %d rows and %d features", len(features), len(schema.features))
    fit_with_progress(model, features, labels)
    logger.info("trained on %d rows and %d features", len(features), len(schema.features))
    return model


def save_model(model: Pipeline, path: Path) -> None:
    with atomic_file(path) as temporary:
        joblib.dump(model, temporary)


def main() -> None:
    parser = argparse.ArgumentParser(description="Fit the model on the training split.")
    parser.add_argument("prepared_dir", type=Path)
    parser.add_argument("model_path", type=Path)
    args = parser.parse_args()
    params = load_params()
    save_model(train(args.prepared_dir, params.train, params.seed), args.model_path)
