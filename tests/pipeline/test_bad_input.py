"""Bad parameters and bad data, run through `dvc repro` in a project that already has a good model.

Each case must stop the pipeline with a non-zero exit and one `error:` line that names the problem and the fix,
without a traceback, and lose nothing: `dvc.lock` stays byte for byte as it was, no half-written file is left,
and `dvc checkout` brings back every earlier output exactly (DVC removes the outputs of the stage it is about to
run; the failing stage never replaces them).
"""

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from ..support.helpers import VENV_BIN, run

pytestmark = pytest.mark.slow

OUTPUT_FOLDERS = ("data/prepared", "models", "metrics")
SAMPLE = "data/raw/wine.csv"


def replace_in(path: str, old: str, new: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        text = (project / path).read_text()
        assert old in text, f"{path} has no {old!r}"
        (project / path).write_text(text.replace(old, new))

    return change


def rewrite_sample(edit: Callable[[pd.DataFrame], pd.DataFrame], **to_csv: object) -> Callable[[Path], None]:
    """Replace the sample's content (DVC sees a changed dependency, as after a user's `dvc add`)."""

    def change(project: Path) -> None:
        path = project / SAMPLE
        frame = pd.read_csv(path, dtype={"cultivar": str})
        path.unlink()  # the workspace file is a link into the DVC cache: never write through it
        edit(frame).to_csv(path, index=False, **to_csv)

    return change


def write_sample(content: bytes) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        path = project / SAMPLE
        path.unlink()
        path.write_bytes(content)

    return change


def without_labels(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[[0, 1], "cultivar"] = None
    return frame


def with_a_lonely_label(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[0, "cultivar"] = "class_9"
    return frame


def text_in_hue(frame: pd.DataFrame) -> pd.DataFrame:
    frame["hue"] = frame["hue"].astype(object)
    frame.loc[[0, 1], "hue"] = "unknown"
    return frame


def mostly_missing_hue(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[: len(frame) * 2 // 3, "hue"] = None
    return frame


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "unknown params key": (
        replace_in("params.yaml", "    n_estimators: 100", "    n_estimators: 100\n    n_estimator: 50"),
        "error: params.yaml: train.random_forest.n_estimator: unknown key, did you mean "
        "train.random_forest.n_estimators?",
    ),
    "wrong params type": (
        replace_in("params.yaml", "n_estimators: 100", "n_estimators: many"),
        "error: params.yaml: train.random_forest.n_estimators: Input should be a valid integer",
    ),
    "out-of-range test size": (
        replace_in("params.yaml", "test_size: 0.25", "test_size: 1.5"),
        "error: params.yaml: prepare.test_size: Input should be less than 1 (got 1.5)",
    ),
    # DVC checks its dependencies before the stage runs: this one is DVC's own error line.
    "missing data file": (
        replace_in("params.yaml", "raw: data/raw/wine.csv", "raw: data/raw/wines.csv"),
        "ERROR: failed to reproduce 'prepare': [Errno 2] No such file or directory:",
    ),
    "empty data file": (write_sample(b""), "error: data/raw/wine.csv is empty: it needs a header row"),
    "label column missing": (
        replace_in("params.yaml", "target: cultivar", "target: variety"),
        "error: label column 'variety' is not in data/raw/wine.csv; set data.target in params.yaml to one of:",
    ),
    "missing labels": (
        rewrite_sample(without_labels),
        "error: label column 'cultivar' in data/raw/wine.csv has 2 missing value(s); drop or label those rows",
    ),
    "label with one example": (rewrite_sample(with_a_lonely_label), "error: label(s) 'class_9' have a single example"),
    "mostly missing feature": (
        rewrite_sample(mostly_missing_hue),
        "error: data/raw/wine.csv: more than data.max_missing_share (50%) missing in hue (67%); drop the column",
    ),
    "text in a numeric column": (
        rewrite_sample(text_in_hue),
        "error: data/raw/wine.csv: column 'hue' holds numbers in 99% of rows but also text such as 'unknown'",
    ),
    "semicolon-separated file": (
        rewrite_sample(lambda frame: frame, sep=";"),
        "error: data/raw/wine.csv reads as one column 'alcohol;malic_acid;",
    ),
    "not a CSV": (
        write_sample(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U0#\xf4"),
        "error: data/raw/wine.csv is not a text CSV (not UTF-8): export it as a UTF-8, comma-separated CSV",
    ),
}


def outputs(project: Path) -> dict[str, bytes]:
    """Every file of the pipeline's outputs, and dvc.lock."""
    files = [path for folder in OUTPUT_FOLDERS for path in (project / folder).rglob("*") if path.is_file()]
    return {path.relative_to(project).as_posix(): path.read_bytes() for path in [*files, project / "dvc.lock"]}


@pytest.mark.parametrize(("change", "message"), CASES.values(), ids=CASES.keys())
def test_bad_input_stops_with_one_line_and_loses_nothing(
    reproduced_project: Path, change: Callable[[Path], None], message: str
) -> None:
    project = reproduced_project
    before = outputs(project)
    change(project)

    result = run([VENV_BIN / "dvc", "repro"], cwd=project, check=False)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output
    prefix = message.split(":")[0] + ": "  # the stage's `error: ` or, for what DVC checks itself, `ERROR: `
    errors = [line for line in output.splitlines() if line.startswith(prefix)]
    assert len(errors) == 1, output
    assert message in errors[0], output
    assert (project / "dvc.lock").read_bytes() == before["dvc.lock"]
    left_over = [path for folder in OUTPUT_FOLDERS for path in (project / folder).parent.rglob(".tmp-*")]
    assert left_over == []
    run([VENV_BIN / "dvc", "checkout"], cwd=project)
    assert outputs(project) == before
