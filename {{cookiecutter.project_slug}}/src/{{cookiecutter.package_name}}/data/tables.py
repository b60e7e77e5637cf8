"""Reading the user's CSV: one clear line for each way a table goes wrong, before any stage works on it."""

from pathlib import Path

import pandas as pd

from ..core.errors import ProjectError

# Separators a table may have been saved with instead of commas, and how to name them in a message.
OTHER_SEPARATORS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def read_csv_table(path: Path, text_columns: set[str]) -> pd.DataFrame:
    """Read a comma-separated UTF-8 table, with `text_columns` kept as text whatever they look like."""
    if not path.is_file():
        raise ProjectError(f"{path}: file not found; set data.raw in params.yaml to your CSV and `dvc add` it")
    try:
        frame = pd.read_csv(path, dtype=dict.fromkeys(text_columns, str))
    except pd.errors.EmptyDataError:
        raise ProjectError(f"{path} is empty: it needs a header row and at least one data row") from None
    except pd.errors.ParserError as error:
        raise ProjectError(f"{path} is not a readable CSV: {str(error).strip()}") from None
    except UnicodeDecodeError:
        raise ProjectError(f"{path} is not a text CSV (not UTF-8): export it as a UTF-8, comma-separated CSV") from None
    check_delimiter(frame, path)
    return frame


def check_delimiter(frame: pd.DataFrame, path: Path) -> None:
    """One column whose name holds a `;`, tab or `|` is a table written with another separator."""
    if len(frame.columns) != 1:
        return
    header = str(frame.columns[0])
    for separator, name in OTHER_SEPARATORS.items():
        if separator in header:
            raise ProjectError(
                f"{path} reads as one column {header[:60]!r}: it looks {name}-separated; "
                "save it as a comma-separated CSV"
            )


def check_target(frame: pd.DataFrame, target: str, path: Path) -> None:
    """Every row needs a label: a missing one cannot be imputed without inventing the answer."""
    if target not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise ProjectError(
            f"label column {target!r} is not in {path}; set data.target in params.yaml to one of: {columns}"
        )
    missing = int(frame[target].isna().sum())
    if missing:
        raise ProjectError(
            f"label column {target!r} in {path} has {missing} missing value(s); drop or label those rows"
        )
