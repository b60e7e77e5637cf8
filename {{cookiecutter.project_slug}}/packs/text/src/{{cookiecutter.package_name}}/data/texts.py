"""Reading the labelled texts.

The prepare stage reads the user's CSV once, through the column names in params.yaml, and writes the splits with
the fixed columns `text` and `label`, so later stages (and tests) need no column names.
"""

from pathlib import Path

import pandas as pd

from ..core.errors import ProjectError
from ..core.task_params import DataParams
from .tables import check_target, read_csv_table

TEXT = "text"
LABEL = "label"
# What the prepare stage writes into its output folder, and the later stages read.
TRAIN_FILE = "train.csv"
VALIDATION_FILE = "validation.csv"
TEST_FILE = "test.csv"


def read_labelled_texts(path: Path, data: DataParams) -> pd.DataFrame:
    """The user's CSV as a `text` and a `label` column; a row without a label or without text is refused."""
    frame = read_csv_table(path, {data.text, data.target})
    if data.text not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise ProjectError(
            f"text column {data.text!r} is not in {path}; set data.text in params.yaml to one of: {columns}"
        )
    check_target(frame, data.target, path)
    texts = frame[data.text].fillna("")
    empty = int((texts.str.strip() == "").sum())
    if empty:
        raise ProjectError(f"text column {data.text!r} in {path} has {empty} empty or missing text(s); drop those rows")
    return pd.DataFrame({TEXT: texts, LABEL: frame[data.target]})


def read_split(path: Path) -> tuple[list[str], list[str]]:
    """A prepared split as its texts and their labels."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame[TEXT].tolist(), frame[LABEL].tolist()
