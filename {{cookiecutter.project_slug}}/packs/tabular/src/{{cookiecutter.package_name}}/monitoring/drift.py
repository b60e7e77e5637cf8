"""Data drift: does a batch of production inputs still look like what the model was trained on?

`make drift BATCH=inputs.csv` (for instance the API's request log, see REQUEST_LOG in the README) compares the
batch with the training split and its expectations (written by the prepare stage):

- schema: missing and extra columns, text in numeric columns, values outside the training range, categories
  never seen in training, more missing values than in training;
- each feature's distribution: a two-sample Kolmogorov-Smirnov test for numeric columns, the population
  stability index (PSI) for categorical ones (dates have none: new inputs are later than training by nature);
- the predictions: the model's predictions on the batch against its predictions on the training rows, compared
  as a feature of the same type (`data.target`: PSI for labels, KS for numbers).

It writes `drift_report.md` with a plot per drifted feature, and exits non-zero when the thresholds in the `drift`
section of params.yaml are passed, so a scheduled workflow can open a retraining pull request.

Usage: python -m {{ cookiecutter.package_name }} drift BATCH_CSV [--output drift_report.md]
"""

import argparse
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from ..core.config import load_params
from ..core.errors import ProjectError
from ..core.paths import MODEL_PATH, PREPARED_DIR
from ..core.plotting import pyplot
from ..core.step_outputs import write_step_outputs
from ..core.task_params import DriftParams
from ..data.expectations import EXPECTATIONS_FILE, Expectations
from ..data.schema import SCHEMA_FILE, TRAIN_FILE, FeatureSchema, read_split
from ..data.target import PREDICTION_TYPE

logger = logging.getLogger(__name__)

PLOTS_DIR = "drift_report"
# PSI compares shares; a category absent on one side gets this share instead of 0, which has no logarithm.
SMALLEST_SHARE = 1e-4


@dataclass(frozen=True)
class FeatureDrift:
    name: str
    test: str
    statistic: float
    p_value: float | None
    drifted: bool

    def describe(self) -> str:
        p_value = f", p-value {self.p_value:.2g}" if self.p_value is not None else ""
        return f"{self.test} {self.statistic:.3f}{p_value}"


def read_batch(path: Path) -> pd.DataFrame:
    """The batch as text columns, so that a column's type is judged here rather than guessed by pandas."""
    if not path.is_file():
        raise ProjectError(f"{path}: file not found; give the batch of inputs to check with BATCH=<csv>")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=True)
    except pd.errors.EmptyDataError:
        raise ProjectError(f"{path} is empty: it needs a header row and at least one row of inputs") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ProjectError(f"{path} is not a readable UTF-8 CSV: {str(error).strip()}") from None


def check_schema(
    batch: pd.DataFrame, expected: Expectations, limits: DriftParams, label: str, ignored: tuple[str, ...] = ()
) -> list[str]:
    """Every way the batch's columns break what training showed, one line each (the label column and the columns
    the model ignores, such as identifiers, are allowed)."""
    problems = [f"`{name}`: missing column" for name in expected.columns if name not in batch.columns]
    known = {*expected.columns, label, *ignored}
    problems += [f"`{name}`: extra column, unknown to the model" for name in batch.columns if name not in known]
    for name, numeric in expected.numeric.items():
        if name not in batch.columns:
            continue
        values = pd.to_numeric(batch[name], errors="coerce")
        text = int((values.isna() & batch[name].notna()).sum())
        if text:
            problems.append(f"`{name}`: {text} value(s) are text in a numeric column")
        if numeric.minimum is not None and numeric.maximum is not None:
            outside = float(((values < numeric.minimum) | (values > numeric.maximum)).mean())
            if outside > limits.unexpected_share:
                problems.append(
                    f"`{name}`: {outside:.0%} of rows outside the training range "
                    f"[{numeric.minimum:g}, {numeric.maximum:g}]"
                )
    for name, categorical in expected.categorical.items():
        if name not in batch.columns or categorical.categories is None:
            continue
        present = batch[name].dropna()
        unknown = present[~present.isin(categorical.categories)]
        if len(present) and len(unknown) / len(present) > limits.unexpected_share:
            examples = ", ".join(map(repr, sorted(unknown.unique())[:3]))
            problems.append(f"`{name}`: {len(unknown) / len(present):.0%} of values are new categories ({examples})")
    for name, missing_share in expected_missing_shares(expected).items():
        if name in batch.columns:
            now = float(batch[name].isna().mean())
            if now - missing_share > limits.missing_share_increase:
                problems.append(f"`{name}`: {now:.0%} missing values, {missing_share:.0%} in training")
    return problems


def expected_missing_shares(expected: Expectations) -> dict[str, float]:
    return {
        **{name: numeric.missing_share for name, numeric in expected.numeric.items()},
        **{name: categorical.missing_share for name, categorical in expected.categorical.items()},
        **{name: date.missing_share for name, date in expected.dates.items()},
    }


def population_stability(reference: pd.Series, batch: pd.Series) -> float:
    """PSI of two samples of categories: the sum of (batch share - reference share) x ln(batch / reference)."""
    categories = sorted(set(reference) | set(batch))
    expected = reference.value_counts(normalize=True).reindex(categories, fill_value=0).clip(lower=SMALLEST_SHARE)
    actual = batch.value_counts(normalize=True).reindex(categories, fill_value=0).clip(lower=SMALLEST_SHARE)
    return float(((actual - expected) * np.log(actual / expected)).sum())


def numeric_drift(name: str, reference: pd.Series, batch: pd.Series, limits: DriftParams) -> FeatureDrift:
    from scipy.stats import ks_2samp

    reference_values, batch_values = reference.dropna(), pd.to_numeric(batch, errors="coerce").dropna()
    if reference_values.empty or batch_values.empty:
        return FeatureDrift(name, "KS", 0.0, None, drifted=False)
    result = ks_2samp(reference_values, batch_values)
    return FeatureDrift(name, "KS", float(result.statistic), float(result.pvalue), result.pvalue < limits.p_value)


def categorical_drift(name: str, reference: pd.Series, batch: pd.Series, limits: DriftParams) -> FeatureDrift:
    # Present values only: a change in the share of missing values is the schema check's to report.
    psi = population_stability(reference.dropna().astype(str), batch.dropna().astype(str))
    return FeatureDrift(name, "PSI", psi, None, psi > limits.psi)


def feature_drifts(
    reference: pd.DataFrame, batch: pd.DataFrame, schema: FeatureSchema, limits: DriftParams
) -> list[FeatureDrift]:
    """One test per feature the batch has."""
    drifts = [
        numeric_drift(name, reference[name], batch[name], limits) for name in schema.numeric if name in batch.columns
    ]
    drifts += [
        categorical_drift(name, reference[name], batch[name], limits)
        for name in schema.categorical
        if name in batch.columns
    ]
    return drifts


def prediction_drift(
    model_path: Path, reference: pd.DataFrame, batch: pd.DataFrame, schema: FeatureSchema, limits: DriftParams
) -> FeatureDrift | None:
    """The model's predictions on the batch against on the training rows; None if the batch lacks columns."""
    if not set(schema.features) <= set(batch.columns) or not model_path.is_file():
        return None
    model = joblib.load(model_path)
    typed = batch[schema.features].copy()
    for name in schema.numeric:
        typed[name] = pd.to_numeric(typed[name], errors="coerce")
    on_reference = pd.Series(model.predict(reference[schema.features]))
    on_batch = pd.Series(model.predict(typed))
    compare = numeric_drift if PREDICTION_TYPE == "numeric" else categorical_drift
    return compare(f"predicted {schema.target}", on_reference, on_batch, limits)


def plot_file_name(name: str) -> str:
    """A file name any system and Markdown link take, from any column name: unsafe characters become `_`, and a
    short hash of the name itself keeps `a b` and `a_b` (or `é` and `e`) from sharing one file."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}-{digest}.png"


def plot_feature(name: str, reference: pd.Series, batch: pd.Series, numeric: bool, path: Path) -> None:
    """The training and batch distributions of one feature, drawn over each other."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.5))
    if numeric:
        values = pd.to_numeric(batch, errors="coerce").dropna()
        bins = np.histogram_bin_edges(pd.concat([reference.dropna(), values]), bins=30)
        axes.hist(reference.dropna(), bins=bins, density=True, alpha=0.5, label="training")
        axes.hist(values, bins=bins, density=True, alpha=0.5, label="batch")
    else:
        shares = pd.DataFrame(
            {
                "training": reference.astype(str).value_counts(normalize=True),
                "batch": batch.astype(str).value_counts(normalize=True),
            }
        ).fillna(0)
        shares.head(20).plot.bar(ax=axes)
    axes.set_title(name)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80, metadata={"Software": None})
    plt.close(figure)


def render_drift_report(
    batch_path: Path, rows: int, problems: list[str], drifts: list[FeatureDrift], plots: dict[str, str]
) -> str:
    drifted = [drift for drift in drifts if drift.drifted]
    verdict = "**Drift detected.**" if drifted or problems else "**No drift.**"
    lines = ["## Data drift", "", f"{verdict} `{batch_path}` ({rows} rows) against the training rows.", ""]
    lines += ["### Schema", ""]
    lines += [f"- {problem}" for problem in problems] or ["Every column is as in training."]
    lines += ["", "### Distributions", "", "| Feature | Test | Drifted |", "|---|---|---|"]
    lines += [f"| {drift.name} | {drift.describe()} | {'**yes**' if drift.drifted else 'no'} |" for drift in drifts]
    for drift in drifted:
        if drift.name in plots:
            lines += ["", f"![{drift.name}]({plots[drift.name]})"]
    return "\n".join(lines) + "\n"


def check_drift(batch_path: Path, output: Path) -> bool:
    """Write the report; True when the batch drifted past the thresholds."""
    limits = load_params().drift
    logger.info("1/4 reading the training rows (%s) and the batch (%s)", PREPARED_DIR / TRAIN_FILE, batch_path)
    schema = FeatureSchema.load(PREPARED_DIR / SCHEMA_FILE)
    expected = Expectations.load(PREPARED_DIR / EXPECTATIONS_FILE)
    reference, _ = read_split(PREPARED_DIR / TRAIN_FILE, schema)
    batch = read_batch(batch_path)
    logger.info("2/4 checking the batch's %d rows against the training schema", len(batch))
    problems = check_schema(batch, expected, limits, schema.target, tuple(schema.ignored))
    logger.info("3/4 comparing %d features' distributions, then the model's predictions", len(schema.features))
    drifts = feature_drifts(reference, batch, schema, limits)
    if predictions := prediction_drift(MODEL_PATH, reference, batch, schema, limits):
        drifts.append(predictions)
    logger.info("4/4 writing %s", output)
    plots = {}
    for drift in drifts:
        if drift.drifted and drift.name in reference.columns:
            relative = f"{PLOTS_DIR}/{plot_file_name(drift.name)}"
            plot_feature(
                drift.name,
                reference[drift.name],
                batch[drift.name],
                drift.name in schema.numeric,
                output.parent / relative,
            )
            plots[drift.name] = relative
    output.write_text(render_drift_report(batch_path, len(batch), problems, drifts, plots), encoding="utf-8")
    for problem in problems:
        logger.warning("schema: %s", problem)
    for drift in drifts:
        logger.info("%s %s: %s", "DRIFT" if drift.drifted else "ok", drift.name, drift.describe())
    return bool(problems) or any(drift.drifted for drift in drifts)


def main() -> None:
    parser = argparse.ArgumentParser(description="Check a batch of inputs for drift from the training data.")
    parser.add_argument("batch", type=Path, help="CSV of inputs, one column per feature (the label is not needed)")
    parser.add_argument("--output", type=Path, default=Path("drift_report.md"))
    args = parser.parse_args()
    drifted = check_drift(args.batch, args.output)
    write_step_outputs({"drifted": str(drifted).lower()}, os.environ)
    logger.info("report written to %s", args.output.resolve())
    if drifted:
        raise ProjectError(f"{args.batch} drifted from the training data: see {args.output}")
