"""Stage 2: fit the model on the training rows and save it.

Usage: python -m {{ cookiecutter.package_name }} train PREPARED_DIR MODEL_PATH
"""

import argparse
import logging
from pathlib import Path

import joblib
from sklearn.pipeline import Pipeline

from ..core.atomic import atomic_file
from ..core.config import load_params
from ..core.train_params import TrainParams
from ..data.expectations import EXPECTATIONS_FILE, Expectations
from ..data.schema import SCHEMA_FILE, TRAIN_FILE, FeatureSchema, read_split
from ..modeling.pipeline import build_model
from ..modeling.progress import progress_shown

logger = logging.getLogger(__name__)


def train(prepared_dir: Path, params: TrainParams, seed: int) -> Pipeline:
    """Fit a fresh pipeline on the prepared training split."""
    schema = FeatureSchema.load(prepared_dir / SCHEMA_FILE)
    features, labels = read_split(prepared_dir / TRAIN_FILE, schema)
    expectations = Expectations.load(prepared_dir / EXPECTATIONS_FILE)
    model = build_model(schema, expectations, params, seed)
    logger.info("fitting on %d rows and %d features", len(features), len(schema.features))
    with progress_shown(model.steps[-1][1]):
        model.fit(features, labels)
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
