"""The model card (MODEL_CARD.md): what someone deploying or relying on the current model needs to know.

Most of it is written from the pipeline's outputs, and written again for each model: the data it learnt from
(the file, its hash in dvc.lock, its rows and target), its features and the columns it left out, its parameters,
its metrics with their 95% intervals beside the constant guess's, the classes with too few test rows to trust, and
the previous version's metrics. Intended use and limits are a person's to write: those sections are kept as they
are each time the card is written again. `make model-card` writes it; Deploy writes it again for the released
model, bakes it into the serving image, and the API serves it at `/model/card`.

Usage: python -m {{ cookiecutter.package_name }} model-card [--base main] [--output MODEL_CARD.md]
"""

import argparse
import json
import logging
from pathlib import Path
from typing import Any, get_args

from ..core.config import Params, load_params
from ..core.dotted_names import flatten
from ..core.paths import LOCK_FILE, METRICS_FILE, MODEL_CARD_FILE, MODEL_PATH, PREDICTIONS_FILE
from ..serving.provenance import git_commit
from .confidence import CONFIDENCE_LEVEL, value_intervals
from .data_changes import TableShape
from .input_report import feature_lines, input_section
from .lockfile import locked_dependency_md5, locked_md5
from .prediction_report import caveats
from .revision_files import read_at_base

logger = logging.getLogger(__name__)

PROJECT_NAME = "{{ cookiecutter.project_name }}"
# The sections a person writes, with what each asks for until then; kept as written when the card is rewritten.
HAND_WRITTEN = {
    "Intended use": "_To be written: who should use this model, for which decisions, and for which not._",
    "Limits": "_To be written: inputs, groups or conditions the model was not tested on, or is known to fail on._",
}
BY_HAND = " (by hand)"
# The settings that shape the model; the report's, the gate's and serving's do not.
TRAINING_SECTIONS = ("seed", "data", "prepare", "train")


def training_settings(params: Params) -> dict[str, Any]:
    """The settings that shape the model, as dotted names. Of the model families `train.model` chooses from, only
    the chosen one's section: the others' are in params.yaml too, checked but unused."""
    sections = {name: params.model_dump(mode="json")[name] for name in TRAINING_SECTIONS}
    choice = type(params.train).model_fields.get("model")
    unused = set(get_args(choice.annotation)) - {sections["train"]["model"]} if choice else set()
    sections["train"] = {key: value for key, value in sections["train"].items() if key not in unused}
    return flatten(sections)


def hand_written_sections(card: str) -> dict[str, str]:
    """The bodies of the sections a person writes, from an earlier card (the placeholders where there is none)."""
    sections = dict(HAND_WRITTEN)
    for part in card.split("\n## ")[1:]:
        heading, _, body = part.partition("\n")
        name = heading.strip().removesuffix(BY_HAND)
        if name in sections and body.strip():
            sections[name] = body.strip()
    return sections


def read_json(content: bytes | None) -> dict[str, Any]:
    return json.loads(content) if content else {}


def model_lines() -> list[str]:
    """Which model the card describes: its hash, as dvc.lock and the serving image's label record it."""
    md5 = locked_md5(MODEL_PATH)
    return [
        f"`{MODEL_PATH}`, md5 `{md5}` in `{LOCK_FILE}` (the serving image's label `ai.dvc.model.md5`), trained from "
        f"commit `{git_commit()}`.",
        "",
    ]


def data_lines(params: Params) -> list[str]:
    """The raw table: where it is, its hash as the pipeline last read it, and its rows and target if it is here."""
    raw, target = params.data.raw, params.data.target
    lines = [f"Source: `{raw}`, md5 `{locked_dependency_md5(raw) or 'not recorded'}` in `{LOCK_FILE}`.", ""]
    if not raw.is_file():
        return [*lines, f"_`{raw}` is not in the workspace (`dvc pull {raw}`): its rows are not counted here._", ""]
    table = TableShape.read(raw.read_bytes(), target)
    lines += [f"{table.rows} rows and {len(table.columns)} columns; the target, `{target}`:", ""]
    lines += ["| | rows |" if all(name.startswith("rows") for name in table.target) else "| | value |", "|---|---:|"]
    return [*lines, *[f"| {name} | {value} |" for name, value in table.target.items()], ""]


def metrics_lines(metrics: dict[str, Any], previous: dict[str, Any], base: str | None) -> list[str]:
    """The headline metrics with their intervals, the constant guess's, and the previous version's."""
    headline = {name: value for name, value in metrics.items() if isinstance(value, int | float)}
    predictions = PREDICTIONS_FILE.read_text(encoding="utf-8") if PREDICTIONS_FILE.is_file() else None
    intervals = value_intervals(predictions, list(headline)) if predictions else {}
    share = f"{CONFIDENCE_LEVEL:.0%}"
    before_label = f"Previous version (`{base}`)" if base else "Previous version"
    lines = [f"| Metric | Value | {share} interval | Constant guess | {before_label} |"]
    lines.append("|---|---:|---:|---:|---:|")
    for name, value in headline.items():
        low_high = intervals.get(name)
        interval = f"{low_high[0]:.4f} to {low_high[1]:.4f}" if low_high else "—"
        guess, before = metrics.get("baseline", {}).get(name), previous.get(name)
        cells = [f"{value:.4f}", interval, *("—" if cell is None else f"{cell:.4f}" for cell in (guess, before))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if not previous:
        lines += ["", f"_No metrics of a previous version{f' at `{base}`' if base else ''}: this is the first._"]
    return [*lines, ""]


def render_card(title: str, params: Params, base: str | None, existing: str) -> str:
    """The whole card as Markdown: the sections a person wrote kept, the rest from the pipeline's outputs."""
    metrics = read_json(METRICS_FILE.read_bytes() if METRICS_FILE.is_file() else None)
    previous = read_json(read_at_base((METRICS_FILE,), base)[METRICS_FILE]) if base else {}
    predictions = PREDICTIONS_FILE.read_text(encoding="utf-8") if PREDICTIONS_FILE.is_file() else ""
    lines = [
        f"# Model card: {title}",
        "",
        "_`make model-card` writes this card from the pipeline's outputs. The sections marked (by hand) are yours: "
        "they are kept as you write them when the card is written again._",
        "",
    ]
    for heading, body in hand_written_sections(existing).items():
        lines += [f"## {heading}{BY_HAND}", "", body, ""]
    lines += ["## Model", "", *model_lines(), "## Data", "", *data_lines(params)]
    lines += ["## Features", "", *feature_lines(), *input_section()]
    lines += ["## Parameters", "", "| Parameter | Value |", "|---|---|"]
    lines += [f"| {name} | `{value}` |" for name, value in training_settings(params).items()]
    lines += ["", "## Metrics", "", *metrics_lines(metrics, previous, base)]
    lines += ["## Caveats", "", *(caveats(predictions) if predictions else ["_No predictions: run `dvc repro`._"])]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_model_card(base: str | None, output: Path = MODEL_CARD_FILE) -> str:
    """Write the card for the workspace's model, keeping what a person wrote in the one at `output`; `base` is the
    revision of the previous version (None: there is none).
    """
    existing = output.read_text(encoding="utf-8") if output.is_file() else ""
    text = render_card(PROJECT_NAME, load_params(), base, existing)
    output.write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the model card for the current model.")
    parser.add_argument("--base", default="main", help="the revision of the previous version (default: main)")
    parser.add_argument("--output", type=Path, default=MODEL_CARD_FILE)
    args = parser.parse_args()
    write_model_card(args.base, args.output)
    logger.info("model card written to %s", args.output.resolve())
