"""Stage 3: score the classifier on the test texts.

Writes the same outputs as every task of this template: the metrics DVC diffs, the predictions DVC draws its
confusion plot from, and a confusion-matrix picture for the pull-request report.

Usage: python -m {{ cookiecutter.package_name }} evaluate MODEL_DIR PREPARED_DIR METRICS_DIR
"""

import argparse
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.hashing import output_md5, row_hashes
from ..data.texts import TEST_FILE, read_split
from ..modeling.classifier import load_classifier, predict_labels
from ..modeling.scoring import summarize, write_evaluation

logger = logging.getLogger(__name__)


def evaluate(model_dir: Path, prepared_dir: Path, metrics_dir: Path) -> dict[str, Any]:
    """Predict the test texts and write metrics, predictions and the confusion matrix into `metrics_dir`."""
    texts, labels = read_split(prepared_dir / TEST_FILE)
    classifier = load_classifier(model_dir)
    actual = pd.Series(labels, name="actual")
    predicted = pd.Series(predict_labels(classifier, texts), name="predicted")
    rows = row_hashes(pd.DataFrame({"text": texts, "label": labels}))
    metrics = write_evaluation(actual, predicted, rows, output_md5(model_dir), metrics_dir)
    logger.info("%s on %d test texts", summarize(metrics), len(texts))
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description="Score the classifier on the test split.")
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("prepared_dir", type=Path)
    parser.add_argument("metrics_dir", type=Path)
    args = parser.parse_args()
    evaluate(args.model_dir, args.prepared_dir, args.metrics_dir)
