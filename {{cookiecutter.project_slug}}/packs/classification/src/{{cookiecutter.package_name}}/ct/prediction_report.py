"""A classifier's part of the pull-request report: both models' confusion counts in one table.

The report fetches both models' predictions (the evaluate stage's metrics/predictions.csv, one row per test row
with its actual and predicted class) and pictures; this module says what the predictions show.
"""

import io

import pandas as pd

from ..core.paths import CONFUSION_MATRIX_FILE

TITLE = "Confusion matrix"
# Fewer test rows than this in a class, and its precision and recall move by 0.1 or more with one row.
LITTLE_SUPPORT = 10
# The evaluate stage's pictures, shown in the report beside the base's.
PICTURES = (CONFUSION_MATRIX_FILE,)


def target_summary(labels: pd.Series) -> dict[str, str]:
    """The rows of each class in a table's target column (read as text), for the report's data section."""
    counts = labels.value_counts().sort_index()
    return {f"rows of class `{label}`": str(count) for label, count in counts.items()}


def caveats(predictions_csv: str) -> list[str]:
    """The classes whose figures rest on too few test rows to trust, for the model card."""
    actual = pd.read_csv(io.StringIO(predictions_csv), dtype=str, keep_default_na=False)["actual"]
    support = actual.value_counts().sort_index()
    thin = [f"`{label}` ({count})" for label, count in support.items() if count < LITTLE_SUPPORT]
    if not thin:
        return [f"Every class has at least {LITTLE_SUPPORT} test rows.", ""]
    few = f"Classes with fewer than {LITTLE_SUPPORT} test rows"
    return [f"{few}, whose figures are not to be trusted: {', '.join(thin)}.", ""]


def confusion_counts(predictions_csv: str) -> pd.DataFrame:
    """Test rows counted by actual class (rows) and predicted class (columns), from the evaluate stage's output."""
    predictions = pd.read_csv(io.StringIO(predictions_csv), dtype=str, keep_default_na=False)
    return pd.crosstab(predictions["actual"], predictions["predicted"])


def count(table: pd.DataFrame | None, actual: str, predicted: str | None) -> int:
    """Test rows of class `actual` predicted as `predicted`, or of class `actual` in all (`predicted` None)."""
    if table is None or actual not in table.index:
        return 0
    if predicted is None:
        return int(table.loc[actual].sum())
    return int(table.at[actual, predicted]) if predicted in table.columns else 0


def count_cell(new: pd.DataFrame, base: pd.DataFrame | None, actual: str, predicted: str | None) -> str:
    """This change's count; `base → new` where the base's differs."""
    new_count = count(new, actual, predicted)
    if base is None or count(base, actual, predicted) == new_count:
        return str(new_count)
    return f"{count(base, actual, predicted)} → {new_count}"


def confusion_table(new: pd.DataFrame, base: pd.DataFrame | None) -> list[str]:
    """One Markdown table for both models: each cell holds this change's count, and the base's where it differs;
    the last column is each class's support, the test rows the class's figures rest on.
    """
    tables = [table for table in (new, base) if table is not None]
    classes = sorted({str(label) for table in tables for label in [*table.index, *table.columns]})
    lines = [
        "| actual ╲ predicted | " + " | ".join(classes) + " | support |",
        "|---|" + "---:|" * (len(classes) + 1),
    ]
    for actual in classes:
        cells = [count_cell(new, base, actual, predicted) for predicted in [*classes, None]]
        lines.append(f"| **{actual}** | " + " | ".join(cells) + " |")
    return lines


def prediction_section(new_predictions: str, base_predictions: str | None, base: str) -> list[str]:
    """The counts as a table that reads anywhere, with the base's where they differ."""
    new = confusion_counts(new_predictions)
    if base_predictions is None:
        lines = [f"Test rows by actual and predicted class (`{base}` has none to compare).", ""]
        return lines + confusion_table(new, None)
    lines = [f"Test rows by actual and predicted class; `a → b` where `{base}` had a and this change has b.", ""]
    return lines + confusion_table(new, confusion_counts(base_predictions))
