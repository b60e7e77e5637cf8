"""The report's "Experiments" section: every planned experiment of this commit, ranked by the primary metric.

The base revision and this change are the reference rows; each experiment shows the parameters it changed and
its metrics as DVC recorded them (`dvc exp show`), a failed one says so, and one not run yet gives the command
that runs it. The best one is marked, with the interval of its gain over this change when both models'
predictions are at hand (the same paired bootstrap as the report's metrics).
"""

from dataclasses import dataclass

from ..core.config import load_params
from ..core.paths import PREDICTIONS_FILE
from .confidence import ChangeInterval, change_intervals
from .diffs import TOLERANCE, MetricRow, metric_rows, read_dvc_diffs
from .experiment_plan import EXPERIMENTS_FILE, Experiment, plan_experiments
from .experiment_results import FAILED, NOT_RUN, SUCCESS, ExperimentResult, current_results
from .figures import NEW_LABEL, cell, format_change, format_metric
from .revision_files import read_at_base

COMMAND = f"python -m {__package__.partition('.')[0]} experiments run --name"


@dataclass(frozen=True)
class Reference:
    """A row the experiments are read against: the base revision or this change, and its metrics."""

    label: str
    metrics: dict[str, float]


def metric_columns(primary: str, rows: list[dict[str, float]]) -> list[str]:
    """The primary metric first, then the other overall metrics (no per-class nor baseline ones), by name."""
    names = {name for metrics in rows for name in metrics if "." not in name}
    return [primary, *sorted(names - {primary})]


def ranked(plan: list[Experiment], results: dict[str, ExperimentResult], primary: str) -> list[Experiment]:
    """The experiments with a primary metric, best first; then the others in the plan's order."""
    scored = [experiment for experiment in plan if primary in result_for(experiment, results).metrics]
    sign = 1 if MetricRow(primary, None, None).lower_is_better else -1
    scored.sort(key=lambda experiment: sign * results[experiment.name].metrics[primary])
    return scored + [experiment for experiment in plan if experiment not in scored]


def result_for(
    experiment: Experiment, results: dict[str, ExperimentResult], unrecorded: str = NOT_RUN
) -> ExperimentResult:
    """What DVC recorded of the experiment, else the `unrecorded` state."""
    return results.get(experiment.name) or ExperimentResult(name=experiment.name, state=unrecorded, metrics={})


def best_of(plan: list[Experiment], results: dict[str, ExperimentResult], primary: str) -> ExperimentResult | None:
    """The succeeded experiment with the best primary metric; none before one has succeeded."""
    order = ranked(plan, results, primary)
    best = result_for(order[0], results) if order else None
    return best if best is not None and best.state == SUCCESS else None


def status(result: ExperimentResult, ran_in_ci: bool) -> str:
    if result.state == FAILED and ran_in_ci:
        return "**failed**: its job's log in this run shows why"
    if result.state == FAILED:
        return f"**failed**: `dvc queue logs {result.name}` shows why"
    if result.state == NOT_RUN:
        return f"not run: `{COMMAND} {result.name}`"
    return result.state


def best_line(best: ExperimentResult, primary: str, change: Reference, interval: ChangeInterval | None) -> str:
    """Which experiment wins, whether it beats this change (by how much, how surely), and how to adopt it."""
    row = MetricRow(primary, old=change.metrics.get(primary), new=best.metrics[primary])
    line = f"**Best: `{best.name}`**, `{primary}` {format_metric(row.new)}"
    if row.gain is not None:
        line += f" ({format_change(row.change, interval)} against {NEW_LABEL.lower()})"
        if row.gain <= TOLERANCE:
            line += f"; no experiment beats {NEW_LABEL.lower()}"
    return f"{line}. `make promote EXP={best.name}` applies it to the workspace."


def render_leaderboard(
    plan: list[Experiment],
    results: dict[str, ExperimentResult],
    references: list[Reference],
    primary: str,
    best_interval: ChangeInterval | None = None,
    ran_in_ci: bool = False,
) -> list[str]:
    """The section's lines: a summary, then one row per reference and per planned experiment.

    `ran_in_ci`: each experiment ran in a CI job of its own, whose log (not DVC's queue) says why one failed.
    """
    direction = "lower" if MetricRow(primary, None, None).lower_is_better else "higher"
    columns = metric_columns(primary, [result_for(e, results).metrics for e in plan] + [r.metrics for r in references])
    best = best_of(plan, results, primary)
    lines = [
        "### Experiments",
        "",
        f"{len(plan)} experiments of `{EXPERIMENTS_FILE}` on this commit, ranked by `{primary}` "
        f"({direction} is better).",
        "",
    ]
    if best is not None:
        change = next((reference for reference in references if reference.label == NEW_LABEL), Reference("", {}))
        lines += [best_line(best, primary, change, best_interval), ""]
    lines += [
        f"| Experiment | Parameters | {' | '.join(f'`{name}`' for name in columns)} | Status |",
        f"|---|---|{'---:|' * len(columns)}---|",
    ]
    for reference in references:
        values = " | ".join(format_metric(reference.metrics.get(name)) for name in columns)
        lines.append(f"| {cell(reference.label)} | — | {values} | reference |")
    for experiment in ranked(plan, results, primary):
        result = result_for(experiment, results)
        name = f"**{experiment.name}** (best)" if best is not None and result is best else experiment.name
        values = " | ".join(format_metric(result.metrics.get(column)) for column in columns)
        overrides = ", ".join(f"`{override}`" for override in experiment.overrides)
        lines.append(f"| {cell(name)} | {cell(overrides)} | {values} | {cell(status(result, ran_in_ci))} |")
    return [*lines, ""]


def references_from(metrics: list[MetricRow], base: str) -> list[Reference]:
    """The base's and this change's metrics, out of the report's rows (old and new)."""
    base_metrics = {row.name: row.old for row in metrics if row.old is not None}
    new_metrics = {row.name: row.new for row in metrics if row.new is not None}
    return [Reference(f"`{base}`", base_metrics), Reference(NEW_LABEL, new_metrics)]


def interval_of_best(best: ExperimentResult | None, primary: str) -> ChangeInterval | None:
    """The interval of the best experiment's gain over this change, from both models' predictions."""
    if best is None or best.rev is None or not PREDICTIONS_FILE.is_file():
        return None
    best_predictions = read_at_base((PREDICTIONS_FILE,), best.rev)[PREDICTIONS_FILE]
    if best_predictions is None:
        return None
    current = PREDICTIONS_FILE.read_text(encoding="utf-8")
    return change_intervals(best_predictions.decode("utf-8"), current, [primary]).get(primary)


def leaderboard_section(base: str, metrics: list[MetricRow] | None = None, all_ran: bool = False) -> list[str]:
    """The section for this commit's experiments; empty when there is no experiments.yaml.

    `metrics` are the report's rows when the report is being written; alone, they are read from DVC. `all_ran`:
    every planned experiment has been run elsewhere and its result pushed (CI, once its jobs have ended), so one
    that DVC has no record of failed rather than waits to be run.
    """
    plan = plan_experiments()
    if not plan:
        return []
    primary = load_params().report.primary_metric
    if metrics is None:
        metrics = metric_rows(read_dvc_diffs(base)[0])
    results = current_results()
    if all_ran:
        results = {experiment.name: result_for(experiment, results, FAILED) for experiment in plan}
    interval = interval_of_best(best_of(plan, results, primary), primary)
    return render_leaderboard(plan, results, references_from(metrics, base), primary, interval, ran_in_ci=all_ran)
