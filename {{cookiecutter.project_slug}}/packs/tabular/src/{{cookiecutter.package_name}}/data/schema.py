"""Reading tables and working out what each column is.

The raw table is read once, in the prepare stage, which infers a `FeatureSchema` and saves it beside the split.
Later stages read the split through that schema, so a column keeps one type from training to serving.
"""

from pathlib import Path

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from pydantic import BaseModel

from ..core.errors import ProjectError
from ..core.task_params import DataParams, FeatureType
from .tables import check_target, read_csv_table
from .target import parse_target

# A text column whose values are numbers in at least this share of rows is a numeric column with stray text.
NUMERIC_WITH_TEXT_SHARE = 0.9
# What the prepare stage writes into its output folder, and the later stages read.
TRAIN_FILE = "train.csv"
TEST_FILE = "test.csv"
SCHEMA_FILE = "schema.json"


class FeatureSchema(BaseModel):
    """The target column and the feature columns by type."""

    target: str
    numeric: list[str]
    categorical: list[str]

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "FeatureSchema":
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


def read_raw_table(path: Path, data: DataParams) -> pd.DataFrame:
    """Read the user's CSV, with any column declared categorical kept as text, and the target as the task reads it."""
    text_columns = {data.target} | {name for name, kind in data.feature_types.items() if kind == "categorical"}
    frame = read_csv_table(path, text_columns)
    check_target(frame, data.target, path)
    frame[data.target] = read_target(frame[data.target], data.target, path)
    return frame


def read_target(column: pd.Series, name: str, path: Path) -> pd.Series:
    """The target column (read as text) as the task learns it; one line naming the column if it cannot be."""
    try:
        return parse_target(column)
    except ValueError as error:
        raise ProjectError(f"{path}: target column {name!r} {error}") from None


def check_numbers_with_stray_text(column: pd.Series, name: str, path: Path) -> None:
    """A column of numbers with a few text values (a new 'n/a', '12kg') would silently become categorical."""
    present = column.dropna()
    if present.empty or is_numeric_dtype(present):
        return
    parsed = pd.to_numeric(present, errors="coerce")
    numeric_share = float(parsed.notna().mean())
    if NUMERIC_WITH_TEXT_SHARE <= numeric_share < 1:
        examples = ", ".join(map(repr, present[parsed.isna()].astype(str).unique()[:3]))
        raise ProjectError(
            f"{path}: column {name!r} holds numbers in {numeric_share:.0%} of rows but also text such as {examples}; "
            f"clean those values, or set data.feature_types.{name} to categorical if it is a category"
        )


def check_missing_shares(frame: pd.DataFrame, features: list[str], limit: float, path: Path) -> None:
    """A feature mostly made of holes would be mostly imputed values: refuse it rather than learn from guesses."""
    shares = frame[features].isna().mean()
    over = shares[shares > limit]
    if not over.empty:
        columns = ", ".join(f"{name} ({share:.0%})" for name, share in over.items())
        raise ProjectError(
            f"{path}: more than data.max_missing_share ({limit:.0%}) missing in {columns}; "
            "drop the column (data.drop) or raise the limit in params.yaml"
        )


def infer_feature_type(column: pd.Series) -> FeatureType:
    """Numbers are numeric; text, booleans and anything else are categories."""
    if is_numeric_dtype(column) and not is_bool_dtype(column):
        return "numeric"
    return "categorical"


def infer_schema(frame: pd.DataFrame, data: DataParams) -> FeatureSchema:
    """Type every column but the label and the dropped ones; `data.feature_types` overrides the guess."""
    named = {*data.drop, *data.feature_types}
    unknown = sorted(named - set(map(str, frame.columns)))
    if unknown:
        raise ProjectError(
            f"params.yaml names columns that are not in {data.raw}: {', '.join(unknown)}; "
            "fix data.drop or data.feature_types"
        )
    types: dict[str, FeatureType] = {
        name: data.feature_types.get(name) or infer_feature_type(frame[name])
        for name in map(str, frame.columns)
        if name != data.target and name not in data.drop
    }
    if not types:
        raise ProjectError(f"{data.raw} has no feature columns besides the label {data.target!r}")
    check_missing_shares(frame, list(types), data.max_missing_share, data.raw)
    for name, kind in types.items():
        if kind == "categorical" and name not in data.feature_types:
            check_numbers_with_stray_text(frame[name], name, data.raw)
    return FeatureSchema(
        target=data.target,
        numeric=[name for name, kind in types.items() if kind == "numeric"],
        categorical=[name for name, kind in types.items() if kind == "categorical"],
    )


def apply_schema(frame: pd.DataFrame, schema: FeatureSchema) -> pd.DataFrame:
    """Keep the schema's columns, with numeric ones as numbers (a column declared numeric must parse)."""
    selected = frame[[*schema.features, schema.target]].copy()
    for name in schema.numeric:
        try:
            selected[name] = pd.to_numeric(selected[name])
        except (ValueError, TypeError) as error:
            raise ProjectError(
                f"column {name!r} is declared numeric but holds text ({error}); "
                f"set data.feature_types.{name} to categorical in params.yaml"
            ) from None
    return selected


def read_split(path: Path, schema: FeatureSchema) -> tuple[pd.DataFrame, pd.Series]:
    """Read a prepared split as features and target, typed by the schema."""
    text_columns = [*schema.categorical, schema.target]
    frame = pd.read_csv(path, dtype=dict.fromkeys(text_columns, str))
    return frame[schema.features], read_target(frame[schema.target], schema.target, path)
