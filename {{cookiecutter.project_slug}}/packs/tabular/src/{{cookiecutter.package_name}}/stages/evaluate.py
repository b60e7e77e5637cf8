"""Stage 3: score the model on the test rows.

Writes the metrics DVC diffs, the predictions DVC draws its plots from, and the pictures of them for the
pull-request report (`modeling.scoring` says which).

Usage: python -m {{ cookiecutter.package_name }} evaluate MODEL_PATH PREPARED_DIR METRICS_DIR
"""

import argparse
import logging
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from ..core.hashing import output_md5, row_hashes
from ..data.schema import SCHEMA_FILE, TEST_FILE, FeatureSchema, read_split
from ..modeling.scoring import summarize, write_evaluation

logger = logging.getLogger(__name__)


def evaluate(model_path: Path, prepared_dir: Path, metrics_dir: Path) -> dict[str, Any]:
    """Predict the test rows and write metrics, predictions and their pictures into `metrics_dir`."""
    schema = FeatureSchema.load(prepared_dir / SCHEMA_FILE)
    features, actual = read_split(prepared_dir / TEST_FILE, schema)
    model = joblib.load(model_path)
    predicted = pd.Series(model.predict(features), index=actual.index, name="predicted")
    rows = row_hashes(pd.concat([features, actual], axis="columns"))
    metrics = write_evaluation(actual, predicted, rows, output_md5(model_path), metrics_dir)
    logger.info("%s on %d test rows", summarize(metrics), len(actual))
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description="Score the model on the test split.")
    parser.add_argument("model_path", type=Path)
    parser.add_argument("prepared_dir", type=Path)
    parser.add_argument("metrics_dir", type=Path)
    args = parser.parse_args()
    evaluate(args.model_path, args.prepared_dir, args.metrics_dir)
