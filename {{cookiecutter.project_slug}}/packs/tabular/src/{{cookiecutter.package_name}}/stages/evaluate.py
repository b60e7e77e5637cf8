"""Stage 3: score the model on the test rows.

Writes the metrics DVC diffs, the predictions DVC draws its confusion plot from, and a confusion-matrix picture
for the pull-request report.

Usage: python -m {{ cookiecutter.package_name }} evaluate MODEL_PATH PREPARED_DIR METRICS_DIR
"""

import argparse
import logging
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from ..data.schema import SCHEMA_FILE, TEST_FILE, FeatureSchema, read_split
from ..modeling.scoring import write_evaluation

logger = logging.getLogger(__name__)


def evaluate(model_path: Path, prepared_dir: Path, metrics_dir: Path) -> dict[str, Any]:
    """Predict the test rows and write metrics, predictions and the confusion matrix into `metrics_dir`."""
    schema = FeatureSchema.load(prepared_dir / SCHEMA_FILE)
    features, actual = read_split(prepared_dir / TEST_FILE, schema)
    model = joblib.load(model_path)
    predicted = pd.Series(model.predict(features), index=actual.index, name="predicted")
    metrics = write_evaluation(actual, predicted, schema.classes, metrics_dir)
    logger.info("accuracy %.4f, macro F1 %.4f on %d test rows", metrics["accuracy"], metrics["macro_f1"], len(actual))
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description="Score the model on the test split.")
    parser.add_argument("model_path", type=Path)
    parser.add_argument("prepared_dir", type=Path)
    parser.add_argument("metrics_dir", type=Path)
    args = parser.parse_args()
    evaluate(args.model_path, args.prepared_dir, args.metrics_dir)
