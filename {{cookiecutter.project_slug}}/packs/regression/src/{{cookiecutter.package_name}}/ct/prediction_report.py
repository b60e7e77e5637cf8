"""A regressor's part of the pull-request report: how large the errors are, for both models, on the test rows.

The report fetches both models' predictions (the evaluate stage's metrics/predictions.csv, one row per test row
with its actual and predicted value) and pictures; this module sums the errors up in a table that reads anywhere.
"""

import io

import pandas as pd

from ..core.paths import PREDICTED_VS_ACTUAL_FILE, RESIDUALS_FILE

TITLE = "Errors on the test rows"
# The evaluate stage's pictures, shown in the report beside the base's.
PICTURES = (PREDICTED_VS_ACTUAL_FILE, RESIDUALS_FILE)
# What the data section says of the target's values at the base and here.
STATISTICS = ("mean", "std", "min", "max")


def error_summary(predictions_csv: str) -> dict[str, float]:
    """The test rows' errors (predicted minus actual) summed up: their bias, and how large they are."""
    predictions = pd.read_csv(io.StringIO(predictions_csv))
    errors = predictions["predicted"] - predictions["actual"]
    size = errors.abs()
    return {
        "test rows": float(len(errors)),
        "mean error (bias)": float(errors.mean()),
        "median absolute error": float(size.median()),
        "90th percentile of absolute error": float(size.quantile(0.9)),
        "largest absolute error": float(size.max()),
    }


def format_figure(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.4f}"


def target_summary(values: pd.Series) -> dict[str, str]:
    """How a table's target column (read as text) is spread, for the report's data section."""
    numbers = pd.to_numeric(values, errors="coerce")
    return {f"{statistic} of `{values.name}`": format_figure(numbers.agg(statistic)) for statistic in STATISTICS}


def caveats(predictions_csv: str) -> list[str]:
    """How far the errors reach, for the model card: the figures rest on the test rows' own range of values."""
    predictions = pd.read_csv(io.StringIO(predictions_csv))
    low, high = predictions["actual"].min(), predictions["actual"].max()
    return [
        f"Scored on {len(predictions)} test rows whose actual values run from {format_figure(low)} to "
        f"{format_figure(high)}: outside that range, the figures say nothing.",
        "",
    ]


def prediction_section(new_predictions: str, base_predictions: str | None, base: str) -> list[str]:
    """Both models' error summaries side by side (this change's alone when the base has none)."""
    new = error_summary(new_predictions)
    old = error_summary(base_predictions) if base_predictions is not None else {}
    lines = [f"Errors are predicted minus actual values{'' if old else f' (`{base}` has none to compare)'}.", ""]
    lines += [f"| | `{base}` | This change |", "|---|---:|---:|"]
    lines += [f"| {name} | {format_figure(old.get(name))} | {format_figure(value)} |" for name, value in new.items()]
    return lines
