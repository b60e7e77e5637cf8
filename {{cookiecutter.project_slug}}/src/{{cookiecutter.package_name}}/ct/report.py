"""The pull-request report: what this change did to the model, against a base revision.

DVC computes the metric and parameter differences (see `diffs`); this module lays them out as Markdown: a
one-line verdict on the primary metric, the model's hash as dvc.lock records it (the serving image carries the
same hash, so a running container can be traced to this report), the quality gate's rules, the tables, and both
models' predictions as the task shows them (`prediction_report`: a table that reads anywhere and, for a reader
of the file, pictures). CI posts
the file as the pull-request comment without the pictures: they would have to be uploaded to an image host
outside the repository's access rules, so CI keeps them with the run instead, and the report links there.

Usage: python -m {{ cookiecutter.package_name }} report --base main --output report.md
"""

import argparse
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ..core.config import load_params
from ..core.errors import ProjectError
from ..core.paths import LOCK_FILE, MODEL_PATH, PREDICTIONS_FILE
from ..core.workspace import require_current_outputs
from .confidence import (
    CONFIDENCE_LEVEL,
    ChangeInterval,
    change_intervals,
    read_predictions,
    same_rows,
)
from .data_changes import data_section
from .diffs import TOLERANCE, MetricRow, ParamRow, metric_rows, param_rows, read_dvc_diffs
from .figures import NEW_LABEL, format_change, format_metric, format_param
from .gate import RuleResult, check_gate
from .input_report import input_section
from .leaderboard import leaderboard_section
from .lockfile import locked_md5
from .prediction_report import PICTURES, TITLE, prediction_section
from .revision_files import read_at_base

logger = logging.getLogger(__name__)

ASSETS_DIR = "report_assets"


@dataclass(frozen=True)
class Picture:
    """One picture of the evaluation for both models, as paths relative to the report (None: the base has none)."""

    name: str
    new: str
    base: str | None


@dataclass(frozen=True)
class PredictionOutputs:
    """Both models' predictions as CSV text (None where there are none), and the pictures of them.

    `pictures` are for a report read as a file; `pictures_url` is a page that holds them, for a report posted
    where local paths mean nothing.
    """

    new_predictions: str | None
    base_predictions: str | None
    pictures: tuple[Picture, ...] = ()
    pictures_url: str | None = None


def baseline_warning(rows: list[MetricRow], primary: MetricRow) -> str:
    """A flag when this change's model does not beat the constant guess (`baseline.<metric>` of the metrics)."""
    baseline = next((row for row in rows if row.name == f"baseline.{primary.name}"), None)
    if baseline is None or baseline.new is None or primary.new is None:
        return ""
    # The model against the guess, as a change from the guess: `gain` knows which way is better.
    against_guess = MetricRow(primary.name, old=baseline.new, new=primary.new).gain
    if against_guess is not None and against_guess > TOLERANCE:
        return ""
    guess = f"a constant guess scores {baseline.new:.4f} (`baseline.{primary.name}`)"
    return f" **It does not beat the baseline:** {guess}."


def verdict(rows: list[MetricRow], primary_metric: str, base: str, interval: ChangeInterval | None = None) -> str:
    """Better, worse, no clear change or unchanged, judged on the primary metric alone and on its interval when
    both models' predictions are at hand; flagged when no better than a guess.
    """
    row = next((row for row in rows if row.name == primary_metric), None)
    if row is None or row.new is None:
        return f"**Verdict: no result.** This change has no `{primary_metric}`; did the pipeline run?"
    return verdict_on(row, base, interval) + baseline_warning(rows, row)


def verdict_word(row: MetricRow, interval: ChangeInterval | None) -> str:
    """Better or worse only when the interval of the change excludes zero; without an interval, by the values."""
    assert row.gain is not None
    if interval is not None and not interval.clear:
        return "unchanged" if abs(interval.low) <= TOLERANCE and abs(interval.high) <= TOLERANCE else "no clear change"
    if row.gain > TOLERANCE:
        return "better"
    return "worse" if row.gain < -TOLERANCE else "unchanged"


def verdict_on(row: MetricRow, base: str, interval: ChangeInterval | None) -> str:
    """The change of the primary metric against the base, with how sure it is."""
    primary_metric = row.name
    assert row.new is not None
    if row.old is None or row.change is None:
        return (
            f"**Verdict: first result.** `{base}` has no `{primary_metric}` to compare; "
            f"this change scores {row.new:.4f}."
        )
    direction = " (lower is better)" if row.lower_is_better else ""
    sureness = interval.describe() if interval else f"no interval: `{base}` has no predictions to compare"
    line = (
        f"**Verdict: {verdict_word(row, interval)}.** `{primary_metric}`{direction} {row.old:.4f} on `{base}` → "
        f"{row.new:.4f} ({row.change:+.4f}; {sureness})."
    )
    if interval is not None and not interval.paired:
        line += f" The test rows differ from `{base}`'s, so the two figures are measured on different rows."
    return line


def test_rows_line(predictions: PredictionOutputs, base: str) -> list[str]:
    """How many test rows the figures rest on, and whether the base's model was scored on the same ones."""
    if predictions.new_predictions is None:
        return []
    new = read_predictions(predictions.new_predictions)
    line = f"Scored on {len(new)} test rows"
    if predictions.base_predictions is not None:
        base_rows = read_predictions(predictions.base_predictions)
        same = same_rows(new, base_rows)
        line += f"; `{base}`'s model on {'the same rows' if same else f'a different set of {len(base_rows)}'}"
    share = f"{CONFIDENCE_LEVEL:.0%}"
    return [f"{line}. A change's {share} interval is in brackets where both models' predictions give one.", ""]


def render_report(
    base: str,
    metrics: list[MetricRow],
    params: list[ParamRow],
    primary_metric: str,
    predictions: PredictionOutputs,
    gate: list[RuleResult] | None = None,
    model_md5: str | None = None,
    intervals: dict[str, ChangeInterval] | None = None,
    data: list[str] | None = None,
    experiments: list[str] | None = None,
) -> str:
    """The whole report as Markdown; `experiments` is the leaderboard section, when experiments.yaml plans some."""
    intervals = intervals or {}
    lines = ["## Model report", "", verdict(metrics, primary_metric, base, intervals.get(primary_metric)), ""]
    lines += [*model_section(model_md5), *input_section(), *gate_section(gate or [])]
    lines += ["### Metrics", "", *test_rows_line(predictions, base)]
    if metrics:
        lines += [f"| Metric | `{base}` | {NEW_LABEL} | Change |", "|---|---:|---:|---:|"]
        lines += [
            f"| {row.name} | {format_metric(row.old)} | {format_metric(row.new)} | "
            f"{format_change(row.change, intervals.get(row.name))} |"
            for row in metrics
        ]
    else:
        lines.append("No metrics found: run `dvc repro` first.")
    lines += ["", "### Parameters", ""]
    if params:
        lines += [f"| Parameter | `{base}` | {NEW_LABEL} |", "|---|---|---|"]
        lines += [f"| {row.name} | {format_param(row.old)} | {format_param(row.new)} |" for row in params]
    else:
        lines.append(f"No parameter differs from `{base}`.")
    lines += ["", *(experiments or [])]
    lines += ["### Data", "", *(data or [f"No DVC-tracked data differs from `{base}`.", ""])]
    lines += [f"### {TITLE}", "", *predictions_section(predictions, base)]
    return "\n".join(lines) + "\n"


def model_section(model_md5: str | None) -> list[str]:
    """Which model this is, by the hash that the deploy checks and labels the serving image with."""
    if model_md5 is None:
        return []
    return [
        f"Model `{MODEL_PATH}`: md5 `{model_md5}` in `{LOCK_FILE}`. The serving image deployed from this model is "
        f"labelled `ai.dvc.model.md5={model_md5}`.",
        "",
    ]


def gate_section(results: list[RuleResult]) -> list[str]:
    """The quality gate's outcome, then each rule's value and result."""
    lines = ["### Quality gate", ""]
    if not results:
        return [*lines, "No rules: add them under `gate` in params.yaml.", ""]
    failed = [result for result in results if not result.passed]
    lines.append(f"**Failed:** {'; '.join(result.reason for result in failed)}." if failed else "**Passed.**")
    lines += ["", "| Rule | Value | Result |", "|---|---:|---|"]
    lines += [f"| {r.rule} | {r.value} | {'pass' if r.passed else '**fail**'} |" for r in results]
    return [*lines, ""]


def predictions_section(outputs: PredictionOutputs, base: str) -> list[str]:
    """The task's own view of both models' predictions, then the pictures or where to find them."""
    if outputs.new_predictions is None:
        return ["_No predictions: run `dvc repro` first._"]
    lines = prediction_section(outputs.new_predictions, outputs.base_predictions, base)
    if outputs.pictures_url:
        lines += ["", f"The pictures are in the `model-report` artifact of [this run]({outputs.pictures_url})."]
    elif outputs.pictures:
        lines += ["", f"| `{base}` | {NEW_LABEL} |", "|---|---|"]
        for picture in outputs.pictures:
            base_cell = f"![{picture.name}]({picture.base})" if picture.base else "_not available_"
            lines.append(f"| {base_cell} | ![{picture.name}]({picture.new}) |")
    return lines


def relative_to_report(path: Path, output: Path) -> str:
    return Path(os.path.relpath(path.resolve(), output.resolve().parent)).as_posix()


def gather_predictions(base: str, output: Path, pictures_url: str | None) -> PredictionOutputs:
    """Both models' predictions, and their pictures beside the report (the base's fetched into report_assets/)."""
    base_outputs = read_at_base((PREDICTIONS_FILE, *PICTURES), base)
    pictures = []
    for picture in PICTURES:
        if not picture.is_file():
            continue
        base_bytes, base_copy = base_outputs[picture], output.parent / ASSETS_DIR / f"base_{picture.name}"
        if base_bytes is not None:
            base_copy.parent.mkdir(parents=True, exist_ok=True)
            base_copy.write_bytes(base_bytes)
        pictures.append(
            Picture(
                name=picture.stem.replace("_", " "),
                new=relative_to_report(picture, output),
                base=relative_to_report(base_copy, output) if base_bytes is not None else None,
            )
        )
    base_predictions = base_outputs[PREDICTIONS_FILE]
    return PredictionOutputs(
        new_predictions=PREDICTIONS_FILE.read_text(encoding="utf-8") if PREDICTIONS_FILE.is_file() else None,
        base_predictions=base_predictions.decode("utf-8") if base_predictions is not None else None,
        pictures=tuple(pictures),
        pictures_url=pictures_url,
    )


def prediction_intervals(predictions: PredictionOutputs, metrics: list[str]) -> dict[str, ChangeInterval]:
    """The intervals of the verdict's metric and the gate's drop rules, when both models' predictions are at hand."""
    if predictions.new_predictions is None or predictions.base_predictions is None:
        return {}
    return change_intervals(predictions.new_predictions, predictions.base_predictions, metrics)


def recorded_model_md5() -> str | None:
    """The model's md5 in the workspace's dvc.lock; none before the pipeline has run."""
    try:
        return locked_md5(MODEL_PATH)
    except ProjectError:
        return None


def write_report(base: str, output: Path, pictures_url: str | None = None) -> str:
    """Gather the differences and both models' predictions, write the report, and return its text.

    With `pictures_url`, the report links to that page for the pictures instead of showing them.
    """
    params = load_params()
    metrics_diff, params_diff = read_dvc_diffs(base)
    metrics = metric_rows(metrics_diff)
    has_results = any(row.new is not None for row in metrics)
    predictions = gather_predictions(base, output, pictures_url)
    intervals = prediction_intervals(predictions, [params.report.primary_metric, *params.gate.max_drop])
    text = render_report(
        base=base,
        metrics=metrics,
        params=param_rows(params_diff),
        primary_metric=params.report.primary_metric,
        gate=check_gate(params.gate, metrics, base, intervals) if has_results else [],
        predictions=predictions,
        model_md5=recorded_model_md5(),
        intervals=intervals,
        data=data_section(base, params.data.raw, params.data.target),
        experiments=leaderboard_section(base, metrics),
    )
    output.write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the model report against a base revision.")
    parser.add_argument("--base", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--output", type=Path, default=Path("report.md"))
    parser.add_argument(
        "--pictures-url", help="link to this page for the pictures instead of showing them, as the CI comment does"
    )
    args = parser.parse_args()
    require_current_outputs()
    text = write_report(args.base, args.output, args.pictures_url)
    logger.info("%s", text.splitlines()[2])
    logger.info("report written to %s", args.output.resolve())
