"""How sure a change is: a bootstrap interval for the change of a metric between the base's model and this one.

A few test rows move a metric a lot (on 45 rows, one row is 0.022 of accuracy), so the report calls a change better
or worse only when the interval of its change excludes zero. The interval comes from both models' predictions
(`metrics/predictions.csv` of each revision), rescored on test rows drawn again with replacement, by scipy's
bootstrap with a fixed seed, so the same predictions always give the same report.

When both revisions scored the same test rows (the same row hashes), each resample draws the same rows for both
models (a paired bootstrap): how hard the drawn rows are cancels out, and the interval measures the models alone.
When the rows differ (the data or the split changed), the two sets are drawn apart, and the interval is wider: the
metrics compare different rows, and the report says so.
"""

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import bootstrap

from ..modeling.scoring import BATCH_SCORERS
from .diffs import TOLERANCE

CONFIDENCE_LEVEL = 0.95
RESAMPLES = 1000
SEED = 0
ROW_HASH = "row_hash"
# Row numbers held at once across the resamples scored together: a batch of resamples of a large test set would
# otherwise take gigabytes (1,000 resamples of 3.5 million rows, 28 GB). Smaller test sets take all 1,000 at once.
ROWS_PER_BATCH = 5_000_000

# A metric of many resamples at once: actual and predicted values, one resample per row, to one score per row.
BatchScore = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ChangeInterval:
    """The interval of a metric's change (this change's value minus the base's), in the metric's own units."""

    low: float
    high: float
    paired: bool
    new_rows: int
    base_rows: int

    @property
    def clear(self) -> bool:
        """Whether the change is clear: the interval holds no zero, so both ends agree on its direction."""
        return self.low > TOLERANCE or self.high < -TOLERANCE

    def describe(self) -> str:
        """The interval as the report prints it, with how it was drawn."""
        share = f"{CONFIDENCE_LEVEL:.0%}"
        if self.paired:
            rows = f"paired on the same {self.new_rows} test rows"
        else:
            rows = f"unpaired: {self.new_rows} test rows against the base's {self.base_rows}, not the same rows"
        return f"{share} interval {self.low:+.4f} to {self.high:+.4f}, {rows}"


def read_predictions(predictions_csv: str) -> pd.DataFrame:
    """The evaluate stage's predictions: one row per test row, its actual and predicted value and its hash."""
    return pd.read_csv(io.StringIO(predictions_csv), dtype={ROW_HASH: str}, keep_default_na=False)


def same_rows(new: pd.DataFrame, base: pd.DataFrame) -> bool:
    """Whether both revisions scored the same test rows (as a multiset: a row may appear twice)."""
    if ROW_HASH not in new or ROW_HASH not in base or len(new) != len(base):
        return False
    return sorted(new[ROW_HASH]) == sorted(base[ROW_HASH])


def paired_interval(new: pd.DataFrame, base: pd.DataFrame, score: BatchScore) -> tuple[float, float]:
    """Each resample draws the same test rows for both models."""
    new = new.sort_values(ROW_HASH, kind="stable").reset_index(drop=True)
    base = base.sort_values(ROW_HASH, kind="stable").reset_index(drop=True)
    actual, new_predicted, base_predicted = new.actual.to_numpy(), new.predicted.to_numpy(), base.predicted.to_numpy()

    def change(rows: np.ndarray, axis: int = -1) -> np.ndarray:
        return score(actual[rows], new_predicted[rows]) - score(actual[rows], base_predicted[rows])

    return draw(change, np.arange(len(new)))


def unpaired_interval(new: pd.DataFrame, base: pd.DataFrame, score: BatchScore) -> tuple[float, float]:
    """Each resample draws each revision's own test rows apart."""
    new_actual, new_predicted = new.actual.to_numpy(), new.predicted.to_numpy()
    base_actual, base_predicted = base.actual.to_numpy(), base.predicted.to_numpy()

    def change(new_rows: np.ndarray, base_rows: np.ndarray, axis: int = -1) -> np.ndarray:
        new_score = score(new_actual[new_rows], new_predicted[new_rows])
        return new_score - score(base_actual[base_rows], base_predicted[base_rows])

    return draw(change, np.arange(len(new)), np.arange(len(base)))


def draw(change: Callable[..., np.ndarray], *rows: np.ndarray) -> tuple[float, float]:
    """scipy's percentile bootstrap of `change` over row numbers, many resamples scored at once: scipy hands the
    statistic an array of resampled row numbers, one resample per row of it (its last axis), in batches of as
    many resamples as ROWS_PER_BATCH row numbers allow; the draws, and so the interval, are the same whatever the
    batch.
    """
    result = bootstrap(
        rows,
        change,
        n_resamples=RESAMPLES,
        batch=max(1, ROWS_PER_BATCH // sum(len(sample) for sample in rows)),
        vectorized=True,
        confidence_level=CONFIDENCE_LEVEL,
        method="percentile",
        rng=np.random.default_rng(SEED),
    )
    interval = result.confidence_interval
    return float(interval.low), float(interval.high)


def change_intervals(new_csv: str, base_csv: str, metrics: Sequence[str]) -> dict[str, ChangeInterval]:
    """The interval of each named metric's change that the evaluation can rescore; none with under two rows."""
    new, base = read_predictions(new_csv), read_predictions(base_csv)
    if min(len(new), len(base)) < 2:
        return {}
    paired = same_rows(new, base)
    intervals = {}
    for metric in dict.fromkeys(metrics):
        if metric not in BATCH_SCORERS:
            continue
        interval = paired_interval if paired else unpaired_interval
        low, high = interval(new, base, BATCH_SCORERS[metric])
        intervals[metric] = ChangeInterval(low, high, paired, new_rows=len(new), base_rows=len(base))
    return intervals


def value_interval(actual: np.ndarray, predicted: np.ndarray, score: BatchScore) -> tuple[float, float]:
    """The interval of one metric's own value on these test rows."""

    def value(rows: np.ndarray, axis: int = -1) -> np.ndarray:
        return score(actual[rows], predicted[rows])

    return draw(value, np.arange(len(actual)))


def value_intervals(predictions_csv: str, metrics: Sequence[str]) -> dict[str, tuple[float, float]]:
    """The interval of each named metric's value, for the model card; none with under two test rows."""
    predictions = read_predictions(predictions_csv)
    if len(predictions) < 2:
        return {}
    actual, predicted = predictions.actual.to_numpy(), predictions.predicted.to_numpy()
    scored = [metric for metric in metrics if metric in BATCH_SCORERS]
    return {metric: value_interval(actual, predicted, BATCH_SCORERS[metric]) for metric in scored}
