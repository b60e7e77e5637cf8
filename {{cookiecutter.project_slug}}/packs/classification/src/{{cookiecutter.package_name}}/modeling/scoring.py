"""What a classifier's evaluate stage writes: the metrics DVC diffs, the predictions DVC draws its confusion plot
from, and a confusion-matrix picture for the pull-request report. Every input (tables, texts) writes the same
files, so `make report` and `make gate` read one format whatever the model reads.
"""

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score, classification_report, f1_score

from ..core.atomic import atomic_file
from ..core.paths import CONFUSION_MATRIX_FILE, METRICS_FILE, PREDICTIONS_FILE
from ..core.plotting import pyplot

DIGITS = 4
# The length of the model's md5 in the pictures' titles, as `git` shortens commits.
MD5_SHOWN = 8


def macro_f1(actual: Sequence[str], predicted: Sequence[str]) -> float:
    """F1 averaged over the classes present in the actual or the predicted labels, each class counting the same."""
    return float(f1_score(actual, predicted, average="macro", zero_division=0))


# The headline metrics from actual and predicted labels: what metrics.json holds, and what the report recomputes on
# resampled test rows to tell how sure a change is.
SCORERS: dict[str, Callable[[Sequence[str], Sequence[str]], float]] = {
    "accuracy": accuracy_score,
    "macro_f1": macro_f1,
}


def batch_accuracy(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return (actual == predicted).mean(axis=-1)


def batch_macro_f1(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Macro F1 of each row of labels, as scikit-learn's `f1_score(average="macro", zero_division=0)` gives it: the
    mean over the classes present in that row's actual or predicted labels of 2·TP / (2·TP + FP + FN).
    """
    f1_sum = np.zeros(actual.shape[:-1])
    present = np.zeros(actual.shape[:-1])
    for label in np.unique(np.concatenate([actual.ravel(), predicted.ravel()])):
        is_actual, is_predicted = actual == label, predicted == label
        hits = (is_actual & is_predicted).sum(axis=-1)
        counted = is_actual.sum(axis=-1) + is_predicted.sum(axis=-1)  # 2·TP + FP + FN
        f1_sum += np.where(counted > 0, 2 * hits / np.maximum(counted, 1), 0.0)
        present += counted > 0
    return f1_sum / np.maximum(present, 1)


# The same metrics over many rows of labels at once (the last axis holds one set of test rows), equal to SCORERS on
# each row: the report's bootstrap rescores a thousand resamples, which scikit-learn, one call each, takes seconds
# to do.
BATCH_SCORERS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "accuracy": batch_accuracy,
    "macro_f1": batch_macro_f1,
}


def headline_scores(actual: pd.Series, predicted: pd.Series) -> dict[str, float]:
    return {name: round(float(score(actual, predicted)), DIGITS) for name, score in SCORERS.items()}


def compute_metrics(actual: pd.Series, predicted: pd.Series, classes: list[str]) -> dict[str, Any]:
    """Accuracy, macro F1, the same for the majority-class guess, and precision, recall and F1 per class.

    The baseline always answers the test rows' most common class: a model that does not beat it has learnt
    nothing the class balance does not already say, and the report flags it.
    """
    report = classification_report(actual, predicted, labels=classes, output_dict=True, zero_division=0)
    majority_guess = pd.Series(actual.mode().sort_values().iloc[0], index=actual.index)
    return {
        **headline_scores(actual, predicted),
        "baseline": headline_scores(actual, majority_guess),
        "per_class": {
            label: {
                "precision": round(report[label]["precision"], DIGITS),
                "recall": round(report[label]["recall"], DIGITS),
                "f1": round(report[label]["f1-score"], DIGITS),
            }
            for label in classes
        },
    }


def save_confusion_matrix(
    actual: pd.Series, predicted: pd.Series, classes: list[str], model_md5: str, path: Path
) -> None:
    """Counts of actual against predicted class, drawn with scikit-learn's display; the title names the model by
    its md5, as the report does, so that the base's picture and this change's cannot be taken for each other.
    """
    size = max(4.0, 0.6 * len(classes) + 2.5)
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(size, size))
    ConfusionMatrixDisplay.from_predictions(
        actual, predicted, labels=classes, ax=axes, colorbar=False, cmap="Blues", xticks_rotation="vertical"
    )
    title = f"Confusion matrix of model {model_md5[:MD5_SHOWN]}"
    axes.set_title(f"{title}\n({len(actual)} test rows)")
    figure.tight_layout()
    with atomic_file(path) as temporary:
        figure.savefig(temporary, dpi=100, metadata={"Software": None, "Title": title})
    plt.close(figure)


def write_evaluation(
    actual: pd.Series, predicted: pd.Series, row_hashes: pd.Series, model_md5: str, metrics_dir: Path
) -> dict[str, Any]:
    """Write metrics, predictions and the confusion matrix into `metrics_dir`; return the metrics.

    Each prediction keeps its test row's hash (`core.hashing.row_hashes`): the report pairs two revisions'
    predictions by it, and knows when their test rows differ. The classes are those of the test rows and of the
    predictions: the split puts every class in the test rows.
    """
    classes = sorted({*map(str, actual), *map(str, predicted)})
    metrics = compute_metrics(actual, predicted, classes)
    with atomic_file(metrics_dir / METRICS_FILE.name) as temporary:
        temporary.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    with atomic_file(metrics_dir / PREDICTIONS_FILE.name) as temporary:
        pd.DataFrame({"actual": actual, "predicted": predicted, "row_hash": row_hashes}).to_csv(temporary, index=False)
    save_confusion_matrix(actual, predicted, classes, model_md5, metrics_dir / CONFUSION_MATRIX_FILE.name)
    return metrics


def summarize(metrics: dict[str, Any]) -> str:
    """The headline figures, for the evaluate stage's log line."""
    return f"accuracy {metrics['accuracy']:.4f}, macro F1 {metrics['macro_f1']:.4f}"
