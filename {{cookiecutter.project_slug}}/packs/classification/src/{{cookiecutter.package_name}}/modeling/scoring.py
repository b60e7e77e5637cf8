"""What a classifier's evaluate stage writes: the metrics DVC diffs, the predictions DVC draws its confusion plot
from, and a confusion-matrix picture for the pull-request report. Every input (tables, texts) writes the same
files, so `make report` and `make gate` read one format whatever the model reads.
"""

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display in CI

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score, classification_report, f1_score

from ..core.atomic import atomic_file
from ..core.paths import CONFUSION_MATRIX_FILE, METRICS_FILE, PREDICTIONS_FILE

DIGITS = 4


def headline_scores(actual: pd.Series, predicted: pd.Series, classes: list[str]) -> dict[str, float]:
    return {
        "accuracy": round(accuracy_score(actual, predicted), DIGITS),
        "macro_f1": round(f1_score(actual, predicted, labels=classes, average="macro", zero_division=0), DIGITS),
    }


def compute_metrics(actual: pd.Series, predicted: pd.Series, classes: list[str]) -> dict[str, Any]:
    """Accuracy, macro F1, the same for the majority-class guess, and precision, recall and F1 per class.

    The baseline always answers the test rows' most common class: a model that does not beat it has learnt
    nothing the class balance does not already say, and the report flags it.
    """
    report = classification_report(actual, predicted, labels=classes, output_dict=True, zero_division=0)
    majority_guess = pd.Series(actual.mode().sort_values().iloc[0], index=actual.index)
    return {
        **headline_scores(actual, predicted, classes),
        "baseline": headline_scores(actual, majority_guess, classes),
        "per_class": {
            label: {
                "precision": round(report[label]["precision"], DIGITS),
                "recall": round(report[label]["recall"], DIGITS),
                "f1": round(report[label]["f1-score"], DIGITS),
            }
            for label in classes
        },
    }


def save_confusion_matrix(actual: pd.Series, predicted: pd.Series, classes: list[str], path: Path) -> None:
    """Counts of actual against predicted class, drawn with scikit-learn's display."""
    size = max(4.0, 0.6 * len(classes) + 2.5)
    figure, axes = plt.subplots(figsize=(size, size))
    ConfusionMatrixDisplay.from_predictions(
        actual, predicted, labels=classes, ax=axes, colorbar=False, cmap="Blues", xticks_rotation="vertical"
    )
    axes.set_title("Confusion matrix (test rows)")
    figure.tight_layout()
    with atomic_file(path) as temporary:
        figure.savefig(temporary, dpi=100, metadata={"Software": None})
    plt.close(figure)


def write_evaluation(actual: pd.Series, predicted: pd.Series, metrics_dir: Path) -> dict[str, Any]:
    """Write metrics, predictions and the confusion matrix into `metrics_dir`; return the metrics.

    The classes are those of the test rows and of the predictions: the split puts every class in the test rows.
    """
    classes = sorted({*map(str, actual), *map(str, predicted)})
    metrics = compute_metrics(actual, predicted, classes)
    with atomic_file(metrics_dir / METRICS_FILE.name) as temporary:
        temporary.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    with atomic_file(metrics_dir / PREDICTIONS_FILE.name) as temporary:
        pd.DataFrame({"actual": actual, "predicted": predicted}).to_csv(temporary, index=False)
    save_confusion_matrix(actual, predicted, classes, metrics_dir / CONFUSION_MATRIX_FILE.name)
    return metrics


def summarize(metrics: dict[str, Any]) -> str:
    """The headline figures, for the evaluate stage's log line."""
    return f"accuracy {metrics['accuracy']:.4f}, macro F1 {metrics['macro_f1']:.4f}"
