"""The pull-request report: what this change did to the model, against a base revision.

DVC computes the metric and parameter differences (see `diffs`); this module lays them out as Markdown: a
one-line verdict on the primary metric, the quality gate's rules, the tables, and the confusion matrices of
both models. CI posts the same file as the pull-request comment.

Usage: python -m {{ cookiecutter.package_name }}.report --base main --output report.md
"""

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from .cli import run
from .config import load_params
from .diffs import TOLERANCE, MetricRow, ParamRow, metric_rows, param_rows, read_dvc_diffs
from .gate import RuleResult, check_gate

logger = logging.getLogger(__name__)

CONFUSION_MATRIX = Path("metrics/confusion_matrix.png")
ASSETS_DIR = "report_assets"
NEW_LABEL = "This change"


def verdict(rows: list[MetricRow], primary_metric: str, base: str) -> str:
    """Better, worse or unchanged, judged on the primary metric alone."""
    row = next((row for row in rows if row.name == primary_metric), None)
    if row is None or row.new is None:
        return f"**Verdict: no result.** This change has no `{primary_metric}`; did the pipeline run?"
    if row.old is None or row.change is None:
        return (
            f"**Verdict: first result.** `{base}` has no `{primary_metric}` to compare; "
            f"this change scores {row.new:.4f}."
        )
    if row.change > TOLERANCE:
        word = "better"
    elif row.change < -TOLERANCE:
        word = "worse"
    else:
        word = "unchanged"
    return f"**Verdict: {word}.** `{primary_metric}` {row.old:.4f} on `{base}` → {row.new:.4f} ({row.change:+.4f})."


def format_metric(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def format_param(value: Any) -> str:
    return "—" if value is None else f"`{value}`"


def format_change(change: float | None) -> str:
    if change is None:
        return "—"
    return "0" if abs(change) <= TOLERANCE else f"{change:+.4f}"


def render_report(
    base: str,
    metrics: list[MetricRow],
    params: list[ParamRow],
    primary_metric: str,
    new_confusion: str | None,
    base_confusion: str | None,
    gate: list[RuleResult] | None = None,
) -> str:
    """The whole report as Markdown; image arguments are paths relative to the report."""
    lines = ["## Model report", "", verdict(metrics, primary_metric, base), "", *gate_section(gate or [])]
    lines += ["### Metrics", ""]
    if metrics:
        lines += [f"| Metric | `{base}` | {NEW_LABEL} | Change |", "|---|---:|---:|---:|"]
        lines += [
            f"| {row.name} | {format_metric(row.old)} | {format_metric(row.new)} | {format_change(row.change)} |"
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
    lines += ["", "### Confusion matrix", "", f"| `{base}` | {NEW_LABEL} |", "|---|---|"]
    lines.append(
        f"| {image_cell(base_confusion, f'{base}: not available')} | {image_cell(new_confusion, 'not available')} |"
    )
    return "\n".join(lines) + "\n"


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


def image_cell(path: str | None, missing_text: str) -> str:
    return f"![confusion matrix]({path})" if path else f"_{missing_text}_"


def fetch_base_confusion(base: str, destination: Path) -> bool:
    """Copy the base revision's confusion matrix from the DVC cache or remote; False when it cannot be had."""
    import dvc.api
    from dvc.exceptions import DvcException

    try:
        content = dvc.api.read(str(CONFUSION_MATRIX), repo=".", rev=base, mode="rb")
    except (DvcException, OSError) as error:
        logger.warning("no confusion matrix for %s: %s", base, error)
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(content)
    return True


def relative_to_report(path: Path, output: Path) -> str:
    return Path(os.path.relpath(path.resolve(), output.resolve().parent)).as_posix()


def write_report(base: str, output: Path) -> str:
    """Gather the differences and images, write the report, and return its text."""
    params = load_params()
    metrics_diff, params_diff = read_dvc_diffs(base)
    metrics = metric_rows(metrics_diff)
    has_results = any(row.new is not None for row in metrics)
    base_image = output.parent / ASSETS_DIR / "base_confusion_matrix.png"
    has_base_image = fetch_base_confusion(base, base_image)
    text = render_report(
        base=base,
        metrics=metrics,
        params=param_rows(params_diff),
        primary_metric=params.report.primary_metric,
        gate=check_gate(params.gate, metrics, base) if has_results else [],
        new_confusion=relative_to_report(CONFUSION_MATRIX, output) if CONFUSION_MATRIX.is_file() else None,
        base_confusion=relative_to_report(base_image, output) if has_base_image else None,
    )
    output.write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the model report against a base revision.")
    parser.add_argument("--base", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--output", type=Path, default=Path("report.md"))
    args = parser.parse_args()
    text = write_report(args.base, args.output)
    logger.info("%s", text.splitlines()[2])
    logger.info("report written to %s", args.output.resolve())


if __name__ == "__main__":
    run(main)
