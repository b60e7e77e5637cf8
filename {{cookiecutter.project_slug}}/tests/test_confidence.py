"""How sure the report is of a change: the bootstrap interval, and the verdict and gate that heed it.

The predictions are 0s and 1s, which every task scores: as classes or as values.
"""

from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.core.config import GateParams, load_params
from {{ cookiecutter.package_name }}.core.hashing import row_hashes
from {{ cookiecutter.package_name }}.ct import confidence
from {{ cookiecutter.package_name }}.ct.confidence import ChangeInterval, change_intervals
from {{ cookiecutter.package_name }}.ct.diffs import MetricRow
from {{ cookiecutter.package_name }}.ct.gate import check_gate
from {{ cookiecutter.package_name }}.ct.report import verdict

PRIMARY = load_params(Path(__file__).parents[1] / "params.yaml").report.primary_metric


def predictions_csv(actual: list[int], predicted: list[int], first_row: int = 0) -> str:
    """The evaluate stage's predictions file, for test rows numbered from `first_row` (their content)."""
    rows = pd.DataFrame({"row": range(first_row, first_row + len(actual))})
    frame = pd.DataFrame({"actual": actual, "predicted": predicted, "row_hash": row_hashes(rows)})
    return frame.to_csv(index=False)


def alternating(rows: int) -> list[int]:
    return [row % 2 for row in range(rows)]


def flipped(values: list[int], rows: int) -> list[int]:
    """The values with the first `rows` of them wrong."""
    return [1 - value if row < rows else value for row, value in enumerate(values)]


def interval_of(new_csv: str, base_csv: str) -> ChangeInterval:
    return change_intervals(new_csv, base_csv, [PRIMARY])[PRIMARY]


def test_one_row_of_45_is_no_clear_change() -> None:
    """On the sample's 45 test rows, one row is 0.02 of accuracy: no reason to call the change worse."""
    actual = alternating(45)
    interval = interval_of(predictions_csv(actual, flipped(actual, 1)), predictions_csv(actual, actual))
    assert interval.paired and interval.low < 0 <= interval.high and not interval.clear
    row = MetricRow(PRIMARY, old=1.0, new=0.97)
    assert "**Verdict: no clear change.**" in verdict([row], PRIMARY, "main", interval)
    assert "paired on the same 45 test rows" in verdict([row], PRIMARY, "main", interval)


def test_many_rows_put_right_is_a_clear_gain_and_the_same_every_time() -> None:
    actual = alternating(200)
    new, base = predictions_csv(actual, actual), predictions_csv(actual, flipped(actual, 60))
    interval = interval_of(new, base)
    assert interval.low > 0 and interval.clear
    assert interval == interval_of(new, base), "the bootstrap is seeded: the same predictions, the same interval"
    assert "**Verdict: better.**" in verdict([MetricRow(PRIMARY, old=0.7, new=1.0)], PRIMARY, "main", interval)


def test_the_same_predictions_are_unchanged() -> None:
    actual = alternating(45)
    interval = interval_of(predictions_csv(actual, flipped(actual, 5)), predictions_csv(actual, flipped(actual, 5)))
    assert (interval.low, interval.high) == (0, 0)
    assert "**Verdict: unchanged.**" in verdict([MetricRow(PRIMARY, old=0.9, new=0.9)], PRIMARY, "main", interval)


def test_other_test_rows_are_compared_unpaired_and_the_verdict_says_so() -> None:
    """The data changed: the metrics rest on other rows, and the interval must carry their own spread."""
    actual = alternating(60)
    new = predictions_csv(actual, actual, first_row=1000)
    interval = interval_of(new, predictions_csv(actual[:45], flipped(actual[:45], 10)))
    assert not interval.paired and (interval.new_rows, interval.base_rows) == (60, 45)
    assert "unpaired: 60 test rows against the base's 45" in interval.describe()
    text = verdict([MetricRow(PRIMARY, old=0.7, new=1.0)], PRIMARY, "main", interval)
    assert "The test rows differ from `main`'s, so the two figures are measured on different rows." in text


def test_row_hashes_follow_content_not_position() -> None:
    rows = pd.DataFrame({"size": [1.5, 2.5, 3.5], "colour": ["red", "green", "red"]})
    reordered = rows.iloc[[2, 0, 1]]
    assert sorted(row_hashes(rows)) == sorted(row_hashes(reordered))
    changed = rows.assign(size=[1.5, 2.5, 9.5])
    assert list(row_hashes(changed))[:2] == list(row_hashes(rows))[:2]
    assert list(row_hashes(changed))[2] != list(row_hashes(rows))[2]


def test_the_gate_can_fail_only_on_a_clear_drop() -> None:
    """A drop beyond max_drop that the interval cannot tell from noise passes when the gate is told so."""
    rows = [MetricRow(PRIMARY, old=1.0, new=0.9)]
    unclear = ChangeInterval(low=-0.2, high=0.01, paired=True, new_rows=45, base_rows=45)
    clear = ChangeInterval(low=-0.2, high=-0.05, paired=True, new_rows=45, base_rows=45)
    rule = {"max_drop": dict([(PRIMARY, 0.05)])}

    (strict,) = check_gate(GateParams(**rule), rows, "main", {PRIMARY: unclear})
    (lenient,) = check_gate(GateParams(**rule, only_clear_drops=True), rows, "main", {PRIMARY: unclear})
    (clear_drop,) = check_gate(GateParams(**rule, only_clear_drops=True), rows, "main", {PRIMARY: clear})
    assert not strict.passed, "by default every drop beyond the limit fails"
    assert lenient.passed and lenient.value.startswith("-0.1000, not clear (95% interval -0.2000 to +0.0100")
    assert not clear_drop.passed


def test_a_large_test_set_is_resampled_in_batches_with_the_same_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches bound the memory a large test set takes; they must not change the report's figures."""
    actual = alternating(300)
    new, base = predictions_csv(actual, flipped(actual, 20)), predictions_csv(actual, flipped(actual, 35))
    at_once = interval_of(new, base)
    monkeypatch.setattr(confidence, "ROWS_PER_BATCH", 7 * 300)  # 7 resamples a batch, the last one short
    assert interval_of(new, base) == at_once
