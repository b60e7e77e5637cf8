"""Swap in your own data: a CSV unlike the sample, and only params.yaml edited, gives a working pipeline.

The tables are made here, not taken from the sample: string labels under another column name, numeric and text
features with gaps in both, an ID column to drop, a numeric-looking code that is really a category, and column
names with spaces, parentheses and accents beside an identifier and a date that only the prepare stage's guess
deals with. Each label follows from the features through a noisy rule, so a model can beat the majority-class
guess clearly but not perfectly.
"""

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from ..support.helpers import DEFAULT_PACKAGE, VENV_BIN, commit_all, dvc_repro, project_env, render, run, stages_run
from ..support.processes import HOST, answers, free_port, running
from ..support.runs import set_tool_identity

pytestmark = pytest.mark.slow

STAGES = ["prepare", "train", "evaluate"]
OUTPUTS = ("metrics/metrics.json", "metrics/predictions.csv", "metrics/confusion_matrix.png", "models/model.joblib")
MARGIN = 0.10  # how far above the majority-class share the test accuracy must be


def with_gaps(values: pd.Series, share: float, rng: np.random.Generator) -> pd.Series:
    """`values` with a random `share` of them missing."""
    return values.mask(rng.random(len(values)) < share)


def churn_table(rows: int = 400, seed: int = 7) -> pd.DataFrame:
    """Customers who churned ("yes"/"no"): short tenure, monthly contracts and support calls drive it."""
    rng = np.random.default_rng(seed)
    contract = pd.Series(rng.choice(["month-to-month", "one-year", "two-year"], rows, p=[0.5, 0.3, 0.2]))
    tenure = pd.Series(rng.integers(1, 72, rows)).astype(float)
    monthly_charges = pd.Series(rng.normal(70, 20, rows).round(2))
    support_calls = pd.Series(rng.poisson(1.5, rows))
    score = (
        2.0 * (contract == "month-to-month")
        - 1.5 * (contract == "two-year")
        - 0.05 * tenure
        + 0.6 * support_calls
        + 0.01 * (monthly_charges - 70)
        + rng.normal(0, 0.8, rows)
    )
    return pd.DataFrame(
        {
            "customer_id": np.arange(10_001, 10_001 + rows),
            "tenure_months": with_gaps(tenure, 0.06, rng),
            "monthly_charges": with_gaps(monthly_charges, 0.06, rng),
            "support_calls": support_calls,
            "contract": with_gaps(contract, 0.06, rng),
            "region": rng.choice(["north", "south", "east", "west"], rows),  # noise
            "churned": np.where(score > 0, "yes", "no"),
        }
    )


def tier_table(rows: int = 360, seed: int = 11) -> pd.DataFrame:
    """Three tiers, mostly set by a numeric-looking plan code (a category: 404 is not 'more' than 303)."""
    rng = np.random.default_rng(seed)
    plan_code = pd.Series(rng.choice([101, 202, 303, 404], rows))
    usage_gb = pd.Series(rng.gamma(2.0, 10.0, rows).round(1))
    by_plan = {101: "bronze", 202: "gold", 303: "silver"}
    tier = [
        by_plan.get(code) or ("gold" if usage > 20 else "bronze")
        for code, usage in zip(plan_code, usage_gb, strict=True)
    ]
    noisy = rng.random(rows) < 0.12
    tier = np.where(noisy, rng.choice(["bronze", "silver", "gold"], rows), tier)
    return pd.DataFrame(
        {
            "account": [f"A{number:05d}" for number in range(rows)],
            "plan_code": with_gaps(plan_code, 0.04, rng).astype("Int64"),
            "usage_gb": with_gaps(usage_gb, 0.05, rng),
            "tier": tier,
        }
    )


def majority_share(table: pd.DataFrame, target: str) -> float:
    return float(table[target].value_counts(normalize=True).max())


def edit_params(project: Path, replacements: dict[str, str]) -> None:
    """Edit params.yaml as a user would, in place, keeping its comments; each old text must be there once."""
    path = project / "params.yaml"
    text = path.read_text()
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{old!r} is not in params.yaml exactly once"
        text = text.replace(old, new)
    path.write_text(text)


def swap_in(project: Path, table: pd.DataFrame, name: str, target: str, drop: str, extra: dict[str, str]) -> None:
    """Write the table under data/raw, `dvc add` it, and point params.yaml at it: nothing else changes."""
    table.to_csv(project / "data/raw" / name, index=False)
    run([VENV_BIN / "dvc", "add", "--quiet", f"data/raw/{name}"], cwd=project)
    edit_params(
        project,
        {
            "raw: data/raw/wine.csv": f"raw: data/raw/{name}",
            "target: cultivar": f"target: {target}",
            "drop: []": f"drop: [{drop}]",
            **extra,
        },
    )


def changed_paths(project: Path) -> set[str]:
    return {line[3:] for line in run(["git", "status", "--porcelain"], cwd=project).stdout.splitlines()}


@dataclass(frozen=True)
class SwappedRun:
    project: Path
    table: pd.DataFrame
    changed_before_repro: set[str]
    log: str


@pytest.fixture(scope="module")
def churn_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SwappedRun]:
    """A default project switched to the churn table, reproduced once; read-only for the tests."""
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        project = render(tmp_path_factory.mktemp("churn"))
        commit_all(project, "Rendered from the template")
        table = churn_table()
        swap_in(project, table, "churn.csv", "churned", "customer_id", {})
        changed = changed_paths(project)
        yield SwappedRun(project, table, changed, dvc_repro(project).stdout)


def test_own_table_with_string_labels_runs_every_stage_and_beats_the_majority(churn_run: SwappedRun) -> None:
    """A churn CSV (yes/no labels, gaps in numeric and text features, an ID to drop) trains and scores well.

    Only params.yaml and the DVC pointer of the new file change before `dvc repro`, which runs every stage; the
    test accuracy beats always answering the majority class by a clear margin.
    """
    project, table = churn_run.project, churn_run.table
    assert table[["tenure_months", "monthly_charges", "contract"]].isna().any().all()
    assert churn_run.changed_before_repro == {"params.yaml", "data/raw/churn.csv.dvc", "data/raw/.gitignore"}
    assert stages_run(churn_run.log) == STAGES

    metrics = json.loads((project / "metrics/metrics.json").read_text())
    baseline = majority_share(table, "churned")
    assert 0.5 <= baseline < 0.8
    assert metrics["accuracy"] >= baseline + MARGIN, (metrics, baseline)
    assert metrics["accuracy"] < 1.0  # the rule is noisy: a perfect score would mean a leak, such as the ID
    assert set(metrics["per_class"]) == {"no", "yes"}
    assert all(set(scores) == {"precision", "recall", "f1"} for scores in metrics["per_class"].values())


def test_own_table_outputs_use_its_labels_and_columns(churn_run: SwappedRun) -> None:
    """Predictions hold the string labels, the ID column is dropped, and the confusion matrix is drawn."""
    project = churn_run.project
    predictions = pd.read_csv(project / "metrics/predictions.csv", dtype=str)
    assert list(predictions.columns) == ["actual", "predicted", "row_hash"]
    assert set(predictions["actual"]) == {"no", "yes"}
    assert set(predictions["predicted"]) <= {"no", "yes"}
    assert len(predictions) == 100  # test_size 0.25 of 400 rows

    schema = json.loads((project / "data/prepared/schema.json").read_text())
    assert schema["target"] == "churned"
    assert set(schema["numeric"]) == {"tenure_months", "monthly_charges", "support_calls"}
    assert set(schema["categorical"]) == {"contract", "region"}
    assert "customer_id" not in pd.read_csv(project / "data/prepared/train.csv").columns

    assert (project / "metrics/confusion_matrix.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def readme_request_program(project: Path) -> str:
    """The Python the README's serving example runs to write request.json."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    program = re.search(r"python -c '(.+?)' > request\.json", readme, flags=re.DOTALL)
    assert program, "the README's serving example no longer writes request.json with python -c"
    return program[1]


def test_the_readmes_serving_example_works_on_the_swapped_table(churn_run: SwappedRun) -> None:
    """The example reads the target's name from params.yaml, so it still leaves the label out after a swap."""
    project = churn_run.project
    result = run([VENV_BIN / "python", "-c", readme_request_program(project)], cwd=project)
    instances = json.loads(result.stdout)["instances"]
    assert len(instances) == 2
    features = pd.read_csv(project / "data/prepared/test.csv").columns.drop("churned")
    assert all(sorted(instance) == sorted(features) for instance in instances)


def test_numeric_looking_column_declared_categorical(tmp_path: Path) -> None:
    """`data.feature_types: {plan_code: categorical}` makes a column of numbers a category, end to end.

    The prepared schema and the trained model's one-hot encoder both treat plan_code's codes as text (a missing
    code included), and three string classes are learned well above the majority share.
    """
    project = render(tmp_path)
    table = tier_table()
    swap_in(
        project,
        table,
        "accounts.csv",
        "tier",
        "account",
        {"feature_types: {}": "feature_types: {plan_code: categorical}"},
    )

    assert stages_run(dvc_repro(project).stdout) == STAGES

    schema = json.loads((project / "data/prepared/schema.json").read_text())
    assert schema["categorical"] == ["plan_code"]
    assert schema["numeric"] == ["usage_gb"]
    metrics = json.loads((project / "metrics/metrics.json").read_text())
    assert set(metrics["per_class"]) == {"bronze", "gold", "silver"}
    assert metrics["accuracy"] >= majority_share(table, "tier") + MARGIN, metrics
    predictions = pd.read_csv(project / "metrics/predictions.csv", dtype=str)
    assert set(predictions["actual"]) == {"bronze", "gold", "silver"}
    categories = run(
        [
            VENV_BIN / "python",
            "-c",
            "import joblib; model = joblib.load('models/model.joblib'); "
            "encoder = model.named_steps['preprocess'].named_transformers_['categorical'][-1]; "
            "print(*encoder.categories_[0], sep=',')",
        ],
        cwd=project,
    ).stdout.split()
    assert categories == ["101,202,303,404,<missing>"]


def test_missing_labels_stop_the_pipeline_with_one_line_and_keep_previous_outputs(
    churn_run: SwappedRun, tmp_path: Path
) -> None:
    """A new export with blank labels fails `dvc repro` on one line that counts them, no traceback.

    The outputs of the last good run (metrics, predictions, model, dvc.lock) are left as they were.
    """
    project = tmp_path / churn_run.project.name
    shutil.copytree(churn_run.project, project, symlinks=True)
    before = {name: (project / name).read_bytes() for name in (*OUTPUTS, "dvc.lock")}
    table = churn_table(rows=420, seed=8)
    unlabelled = [3, 50, 51, 199, 300]
    table.loc[unlabelled, "churned"] = None
    table.to_csv(project / "data/raw/churn.csv", index=False)
    run([VENV_BIN / "dvc", "add", "--quiet", "data/raw/churn.csv"], cwd=project)

    result = run([VENV_BIN / "dvc", "repro"], cwd=project, check=False)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert stages_run(result.stdout) == ["prepare"]
    counted = [line for line in output.splitlines() if re.search(r"has \d+ missing value\(s\)", line)]
    assert len(counted) == 1, output
    assert f"label column 'churned' in data/raw/churn.csv has {len(unlabelled)} missing value(s)" in counted[0]
    assert "Traceback" not in output
    assert {name: (project / name).read_bytes() for name in before} == before


def tasting_table(rows: int = 300, seed: int = 3) -> pd.DataFrame:
    """Wines rated good or plain, under names a spreadsheet gives: spaces, parentheses, accents, and two names
    (`a b`, `a_b`) that one file-name-safe spelling would merge. `Name` is unique but for one repeat; `Bottled on`
    is a date."""
    rng = np.random.default_rng(seed)
    alcohol = pd.Series(rng.normal(12, 1.5, rows).round(2))
    sugar = pd.Series(rng.gamma(2.0, 3.0, rows).round(1))
    colour = pd.Series(rng.choice(["red", "white", "rosé"], rows))
    score = (alcohol - 12) + 0.3 * (sugar - 6) + (colour == "red") + rng.normal(0, 0.7, rows)
    names = [f"Château {number}" for number in range(rows)]
    names[5] = names[6]
    return pd.DataFrame(
        {
            "Name": names,
            "Bottled on": pd.date_range("2019-01-01", periods=rows, freq="3D").strftime("%Y-%m-%d"),
            "Alcohol (%)": alcohol,
            "Teneur en sucre é": with_gaps(sugar, 0.05, rng),
            "pH level": rng.normal(3.3, 0.2, rows).round(2),
            "a b": rng.normal(0, 1, rows).round(3),
            "a_b": rng.normal(0, 1, rows).round(3),
            "Colour": colour,
            "Quality": np.where(score > 0.5, "good", "plain"),
        }
    )


def test_odd_column_names_an_identifier_and_a_date_work_from_repro_to_serving_and_drift(tmp_path: Path) -> None:
    """Only data.raw and data.target set: `dvc repro` warns that `Name` is dropped as an identifier and that
    `Bottled on` is turned into numbers, and records both in the schema; the report names them; the API takes
    a whole record (`Name` included) under its odd names and warns about a colour it never saw; the drift check
    draws `a b` and `a_b` in files of their own."""
    project = render(tmp_path)
    table = tasting_table()
    swap_in(project, table, "tasting.csv", "Quality", "", {})
    log = dvc_repro(project)
    assert stages_run(log.stdout) == STAGES
    output = log.stdout + log.stderr
    assert "dropped as identifiers (a different value in almost every row): 'Name'" in output
    assert "read as dates and turned into numbers (days since 1970, month, day of the week): 'Bottled on'" in output

    schema = json.loads((project / "data/prepared/schema.json").read_text(encoding="utf-8"))
    assert schema["identifiers"] == ["Name"] and schema["dates"] == {"Bottled on": "%Y-%m-%d"}
    assert schema["numeric"] == ["Alcohol (%)", "Teneur en sucre é", "pH level", "a b", "a_b"]
    metrics = json.loads((project / "metrics/metrics.json").read_text())
    assert metrics["accuracy"] >= majority_share(table, "Quality") + MARGIN, metrics

    commit_all(project, "Trained on the tasting notes")
    run([VENV_BIN / "python", "-m", DEFAULT_PACKAGE, "report", "--base", "HEAD", "--output", "report.md"], cwd=project)
    report = (project / "report.md").read_text(encoding="utf-8")
    assert "Columns dropped as identifiers (a different value in almost every row): `Name`." in report
    assert "Dates turned into numbers (days since 1970, month, day of the week): `Bottled on`." in report

    record = table.drop(columns="Quality").iloc[0].to_dict()
    record["Colour"] = "orange"
    record["Teneur en sucre é"] = None
    port = free_port()
    command = [VENV_BIN / "python", "-m", DEFAULT_PACKAGE, "serve", "--host", HOST, "--port", str(port)]
    with running(command, tmp_path / "server.log", cwd=project, env=project_env(project)) as server:
        assert answers(server, f"http://{HOST}:{port}/ready"), (tmp_path / "server.log").read_text()
        response = httpx.post(f"http://{HOST}:{port}/predict", json={"instances": [record]}, timeout=10)
        unknown = httpx.post(f"http://{HOST}:{port}/predict", json={"instances": [{**record, "Nom": "x"}]}, timeout=10)
    assert response.status_code == 200, response.text
    (prediction,) = response.json()["predictions"]
    assert prediction["label"] in {"good", "plain"}
    assert [(warning["feature"], warning["kind"]) for warning in prediction["warnings"]] == [
        ("Teneur en sucre é", "imputed"),
        ("Colour", "unseen_category"),
    ]
    assert unknown.status_code == 422 and "instances.0.Nom: Extra inputs are not permitted" in unknown.text

    batch = table.drop(columns="Quality")
    batch[["a b", "a_b"]] += 3
    batch.to_csv(project / "batch.csv", index=False)
    drift = run([VENV_BIN / "python", "-m", DEFAULT_PACKAGE, "drift", "batch.csv"], cwd=project, check=False)
    assert drift.returncode != 0, drift.stdout + drift.stderr
    plots = sorted(path.name for path in (project / "drift_report").glob("*.png"))
    assert len(plots) == 2 and plots[0] != plots[1], plots
    drift_report = (project / "drift_report.md").read_text(encoding="utf-8")
    assert "`Name`" not in drift_report  # an identifier in the batch is no extra column
