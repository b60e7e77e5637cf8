"""What a regressor's evaluate stage writes: the metrics DVC diffs, the predictions DVC draws its scatter plot
from, and two pictures for the pull-request report (predicted against actual values, and the residuals).

The metrics carry the mean guess as a baseline: a model whose errors are not well below the errors of always
answering the test rows' mean has learnt little, whatever its R² says about the rest.
"""

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display in CI

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import PredictionErrorDisplay, mean_absolute_error, r2_score, root_mean_squared_error

from ..core.atomic import atomic_file
from ..core.paths import METRICS_FILE, PREDICTED_VS_ACTUAL_FILE, PREDICTIONS_FILE, RESIDUALS_FILE

DIGITS = 4
# The pictures, by file, and how scikit-learn's display draws each one.
PICTURE_KINDS = {PREDICTED_VS_ACTUAL_FILE: "actual_vs_predicted", RESIDUALS_FILE: "residual_vs_predicted"}


def compute_metrics(actual: pd.Series, predicted: pd.Series) -> dict[str, Any]:
    """R², mean absolute error and root mean squared error, and the same errors of the mean guess."""
    mean_guess = np.full(len(actual), actual.mean())
    return {
        "r2": round(r2_score(actual, predicted), DIGITS),
        "mae": round(mean_absolute_error(actual, predicted), DIGITS),
        "rmse": round(root_mean_squared_error(actual, predicted), DIGITS),
        "baseline": {
            "r2": 0.0,  # the mean guess is what R² measures against
            "mae": round(mean_absolute_error(actual, mean_guess), DIGITS),
            "rmse": round(root_mean_squared_error(actual, mean_guess), DIGITS),
        },
    }


def save_picture(actual: pd.Series, predicted: pd.Series, kind: str, path: Path) -> None:
    """One of scikit-learn's prediction-error displays, every test row shown."""
    figure, axes = plt.subplots(figsize=(5, 5))
    PredictionErrorDisplay.from_predictions(actual, predicted, kind=kind, subsample=None, ax=axes)
    axes.set_title(f"{path.stem.replace('_', ' ').capitalize()} (test rows)")
    figure.tight_layout()
    with atomic_file(path) as temporary:
        figure.savefig(temporary, dpi=100, metadata={"Software": None})
    plt.close(figure)


def write_evaluation(actual: pd.Series, predicted: pd.Series, metrics_dir: Path) -> dict[str, Any]:
    """Write metrics, predictions and both pictures into `metrics_dir`; return the metrics."""
    metrics = compute_metrics(actual, predicted)
    with atomic_file(metrics_dir / METRICS_FILE.name) as temporary:
        temporary.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    with atomic_file(metrics_dir / PREDICTIONS_FILE.name) as temporary:
        pd.DataFrame({"actual": actual, "predicted": predicted}).to_csv(temporary, index=False)
    for picture, kind in PICTURE_KINDS.items():
        save_picture(actual, predicted, kind, metrics_dir / picture.name)
    return metrics


def summarize(metrics: dict[str, Any]) -> str:
    """The headline figures, for the evaluate stage's log line."""
    return (
        f"R² {metrics['r2']:.4f}, MAE {metrics['mae']:.4f} (mean guess {metrics['baseline']['mae']:.4f}), "
        f"RMSE {metrics['rmse']:.4f}"
    )
