"""The quality gate: the rules in params.yaml's `gate` section, applied to this change's metrics.

A rule is a minimum (`gate.minimum.macro_f1: 0.8`: the metric must reach 0.8), a maximum for an error
(`gate.maximum.rmse: 60`) or a largest drop against the base (`gate.max_drop.macro_f1: 0.05`: it may not worsen by
more than 0.05; for an error, worsening is rising). A drop rule passes when the base has no value to compare
with, so the first run of a repository is judged on the minimums and maximums alone. With
`gate.only_clear_drops: true`, a drop beyond its limit fails only when it is clear: when the interval of the
change (`confidence`, from both models' predictions) holds no zero; on a small test set, a few rows can move a
metric by more than the limit. The report shows every
rule's result; `make gate` exits non-zero when one fails, which turns the pull request's check red.

Usage: python -m {{ cookiecutter.package_name }} gate --base main
"""

import argparse
import logging
from dataclasses import dataclass

from ..core.config import GateParams, load_params
from ..core.errors import ProjectError
from ..core.paths import METRICS_FILE, PREDICTIONS_FILE
from ..core.workspace import require_current_outputs
from .confidence import ChangeInterval, change_intervals
from .diffs import TOLERANCE, MetricRow, metric_rows, read_dvc_diffs
from .revision_files import read_at_base

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleResult:
    rule: str
    value: str
    passed: bool
    reason: str = ""


def check_known_metrics(gate: GateParams, rows: list[MetricRow]) -> None:
    """A rule on a metric the evaluation does not write would never fail: refuse it instead."""
    known = {row.name for row in rows if row.new is not None}
    if not known:
        raise ProjectError("metrics/metrics.json has no metrics yet: run `make repro` first")
    unknown = sorted((set(gate.minimum) | set(gate.maximum) | set(gate.max_drop)) - known)
    if unknown:
        raise ProjectError(
            f"params.yaml: gate names {', '.join(unknown)}, which metrics/metrics.json does not have; "
            f"use one of: {', '.join(sorted(known))}"
        )


def minimum_result(row: MetricRow, minimum: float) -> RuleResult:
    assert row.new is not None
    passed = row.new >= minimum - TOLERANCE
    reason = "" if passed else f"{row.name} is {row.new:.4f}, below the minimum {minimum:g}"
    return RuleResult(rule=f"{row.name} ≥ {minimum:g}", value=f"{row.new:.4f}", passed=passed, reason=reason)


def maximum_result(row: MetricRow, maximum: float) -> RuleResult:
    assert row.new is not None
    passed = row.new <= maximum + TOLERANCE
    reason = "" if passed else f"{row.name} is {row.new:.4f}, above the maximum {maximum:g}"
    return RuleResult(rule=f"{row.name} ≤ {maximum:g}", value=f"{row.new:.4f}", passed=passed, reason=reason)


def drop_result(row: MetricRow, max_drop: float, base: str, clear_only: ChangeInterval | None = None) -> RuleResult:
    """A drop beyond `max_drop` fails; given `clear_only`, the change's interval, only when that holds no zero."""
    moves, moved = ("rises", "rose") if row.lower_is_better else ("falls", "fell")
    rule = f"{row.name} {moves} by at most {max_drop:g}"
    if row.change is None or row.gain is None:
        return RuleResult(rule=rule, value=f"no value on `{base}`", passed=True)
    value = f"{row.change:+.4f}"
    if -row.gain <= max_drop + TOLERANCE:
        return RuleResult(rule=rule, value=value, passed=True)
    if clear_only is not None and not clear_only.clear:
        return RuleResult(rule=rule, value=f"{value}, not clear ({clear_only.describe()})", passed=True)
    reason = f"{row.name} {moved} by {-row.gain:.4f} against {base}, more than {max_drop:g}"
    return RuleResult(rule=rule, value=value, passed=False, reason=reason)


def clear_only_intervals(gate: GateParams, intervals: dict[str, ChangeInterval]) -> dict[str, ChangeInterval]:
    """The intervals the drop rules heed: none unless `only_clear_drops` is set."""
    return intervals if gate.only_clear_drops else {}


def check_gate(
    gate: GateParams, rows: list[MetricRow], base: str, intervals: dict[str, ChangeInterval] | None = None
) -> list[RuleResult]:
    """Every rule's result, minimums, then maximums, then drops, each in the order params.yaml lists them.

    `intervals` are the changes' intervals by metric (the report has them); the drop rules heed them only with
    `gate.only_clear_drops`.
    """
    check_known_metrics(gate, rows)
    by_name = {row.name: row for row in rows}
    heeded = clear_only_intervals(gate, intervals or {})
    return (
        [minimum_result(by_name[name], minimum) for name, minimum in gate.minimum.items()]
        + [maximum_result(by_name[name], maximum) for name, maximum in gate.maximum.items()]
        + [drop_result(by_name[name], drop, base, heeded.get(name)) for name, drop in gate.max_drop.items()]
    )


def drop_intervals(gate: GateParams, base: str) -> dict[str, ChangeInterval]:
    """The intervals of the drop rules' metrics, from both models' predictions; none unless the gate heeds them."""
    if not gate.only_clear_drops or not PREDICTIONS_FILE.is_file():
        return {}
    base_predictions = read_at_base((PREDICTIONS_FILE,), base)[PREDICTIONS_FILE]
    if base_predictions is None:
        return {}
    new_predictions = PREDICTIONS_FILE.read_text(encoding="utf-8")
    return change_intervals(new_predictions, base_predictions.decode("utf-8"), list(gate.max_drop))


def main() -> None:
    parser = argparse.ArgumentParser(description="Apply the quality gate of params.yaml to this change.")
    parser.add_argument("--base", default="main", help="git revision to compare with (default: main)")
    args = parser.parse_args()
    # What the gate reads: CI pulls these alone when no stage had to run, leaving the model and the data remote.
    require_current_outputs({METRICS_FILE, PREDICTIONS_FILE})
    metrics_diff, _ = read_dvc_diffs(args.base)
    gate = load_params().gate
    results = check_gate(gate, metric_rows(metrics_diff), args.base, drop_intervals(gate, args.base))
    for result in results:
        logger.info("%s %s: %s", "pass" if result.passed else "FAIL", result.rule, result.value)
    failures = [result.reason for result in results if not result.passed]
    if failures:
        raise ProjectError("quality gate failed: " + "; ".join(failures))
    logger.info("quality gate passed (%d rules)", len(results))
