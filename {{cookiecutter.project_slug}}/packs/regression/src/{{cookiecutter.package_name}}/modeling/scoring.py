"""What a regressor's evaluate stage writes: the metrics DVC diffs, the predictions DVC draws its scatter plot
from, and two pictures for the pull-request report (predicted against actual values, and the residuals).

The metrics carry the mean guess as a baseline: a model whose errors are not well below the errors of always
answering the test rows' mean has learnt little, whatever its R² says about the rest.
"""

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import PredictionErrorDisplay, mean_absolute_error, r2_score, root_mean_squared_error

from ..core.atomic import atomic_file
from ..core.paths import METRICS_FILE, PREDICTED_VS_ACTUAL_FILE, PREDICTIONS_FILE, RESIDUALS_FILE
from ..core.plotting import pyplot

DIGITS = 4
# The length of the model's md5 in the pictures' titles, as `git` shortens commits.
MD5_SHOWN = 8
# The pictures, by file, and how scikit-learn's display draws each one.
PICTURE_KINDS = {PREDICTED_VS_ACTUAL_FILE: "actual_vs_predicted", RESIDUALS_FILE: "residual_vs_predicted"}


# The headline metrics from actual and predicted values: what metrics.json holds, and what the report recomputes on
# resampled test rows to tell how sure a change is.
SCORERS: dict[str, Callable[[Sequence[float], Sequence[float]], float]] = {
    "r2": r2_score,
    "mae": mean_absolute_error,
    "rmse": root_mean_squared_error,
}


def batch_r2(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """R² of each row of values, as scikit-learn's `r2_score` gives it: 1 when a constant is predicted exactly, 0
    when it is not.
    """
    residual = ((actual - predicted) ** 2).sum(axis=-1)
    total = ((actual - actual.mean(axis=-1, keepdims=True)) ** 2).sum(axis=-1)
    constant = np.where(residual == 0, 1.0, 0.0)
    return np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), constant)


def batch_mae(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return np.abs(actual - predicted).mean(axis=-1)


def batch_rmse(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return np.sqrt(((actual - predicted) ** 2).mean(axis=-1))


# The same metrics over many rows of values at once (the last axis holds one set of test rows), equal to SCORERS on
# each row: the report's bootstrap rescores a thousand resamples, which scikit-learn, one call each, takes seconds
# to do.
BATCH_SCORERS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "r2": batch_r2,
    "mae": batch_mae,
    "rmse": batch_rmse,
}


def headline_scores(actual: pd.Series, predicted: pd.Series) -> dict[str, float]:
    return {name: round(float(score(actual, predicted)), DIGITS) for name, score in SCORERS.items()}


def compute_metrics(actual: pd.Series, predicted: pd.Series) -> dict[str, Any]:
    """R², mean absolute error and root mean squared error, and the same for the mean guess.

    The mean guess scores an R² of 0 by definition: R² measures a model against it.
    """
    mean_guess = pd.Series(np.full(len(actual), actual.mean()), index=actual.index)
    return {**headline_scores(actual, predicted), "baseline": headline_scores(actual, mean_guess)}


def save_picture(actual: pd.Series, predicted: pd.Series, kind: str, model_md5: str, path: Path) -> None:
    """One of scikit-learn's prediction-error displays, every test row shown; the title names the model by its md5,
    as the report does, so that the base's picture and this change's cannot be taken for each other.
    """
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(5, 5))
    PredictionErrorDisplay.from_predictions(actual, predicted, kind=kind, subsample=None, ax=axes)
    title = f"{path.stem.replace('_', ' ').capitalize()} of model {model_md5[:MD5_SHOWN]}"
    axes.set_title(f"{title}\n({len(actual)} test rows)")
    figure.tight_layout()
    with atomic_file(path) as temporary:
        figure.savefig(temporary, dpi=100, metadata={"Software": None, "Title": title})
    plt.close(figure)


def write_evaluation(
    actual: pd.Series, predicted: pd.Series, row_hashes: pd.Series, model_md5: str, metrics_dir: Path
) -> dict[str, Any]:
    """Write metrics, predictions and both pictures into `metrics_dir`; return the metrics.

    Each prediction keeps its test row's hash (`core.hashing.row_hashes`): the report pairs two revisions'
    predictions by it, and knows when their test rows differ.
    """
    metrics = compute_metrics(actual, predicted)
    with atomic_file(metrics_dir / METRICS_FILE.name) as temporary:
        temporary.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    with atomic_file(metrics_dir / PREDICTIONS_FILE.name) as temporary:
        pd.DataFrame({"actual": actual, "predicted": predicted, "row_hash": row_hashes}).to_csv(temporary, index=False)
    for picture, kind in PICTURE_KINDS.items():
        save_picture(actual, predicted, kind, model_md5, metrics_dir / picture.name)
    return metrics


def summarize(metrics: dict[str, Any]) -> str:
    """The headline figures, for the evaluate stage's log line."""
    return (
        f"R² {metrics['r2']:.4f}, MAE {metrics['mae']:.4f} (mean guess {metrics['baseline']['mae']:.4f}), "
        f"RMSE {metrics['rmse']:.4f}"
    )
