"""Reading tables and working out what each column is.

The raw table is read once, in the prepare stage, which infers a `FeatureSchema` and saves it beside the split.
Later stages read the split through that schema, so a column keeps one type from training to serving.
"""

import logging
from pathlib import Path

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from pydantic import BaseModel, Field

from ..core.errors import ProjectError
from ..core.task_params import ColumnKind, DataParams, FeatureType
from .column_roles import date_format, looks_like_identifier
from .tables import check_target, read_csv_table
from .target import parse_target

logger = logging.getLogger(__name__)

# A text column whose values are numbers in at least this share of rows is a numeric column with stray text.
NUMERIC_WITH_TEXT_SHARE = 0.9
# What the prepare stage writes into its output folder, and the later stages read.
TRAIN_FILE = "train.csv"
TEST_FILE = "test.csv"
SCHEMA_FILE = "schema.json"


class FeatureSchema(BaseModel):
    """The target column, the feature columns by type, and the columns that are not features.

    Dates are features: the model turns each into numbers (`modeling.dates`), reading it in the format recorded
    here. Identifiers (guessed or declared in `data.feature_types`) and the columns of `data.drop` are left out of
    the model; they are recorded so that the API can accept them in a record, and the report can name them.
    """

    target: str
    numeric: list[str]
    categorical: list[str]
    dates: dict[str, str] = Field(default={}, description="each date column and the format its values are in")
    identifiers: list[str] = Field(default=[], description="dropped: a different value in almost every row")
    dropped: list[str] = Field(default=[], description="dropped by data.drop")

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical, *self.dates]

    @property
    def ignored(self) -> list[str]:
        """Columns a record may hold that the model does not use."""
        return [*self.dropped, *self.identifiers]

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "FeatureSchema":
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


def read_raw_table(path: Path, data: DataParams) -> pd.DataFrame:
    """Read the user's CSV, with any column declared other than numeric kept as text, and the target as the task
    reads it."""
    text_columns = {data.target} | {name for name, kind in data.feature_types.items() if kind != "numeric"}
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


def infer_column_kind(column: pd.Series) -> ColumnKind:
    """A date, an identifier, or a feature of the type its values have (`column_roles` says how each is told)."""
    if date_format(column):
        return "date"
    if looks_like_identifier(column):
        return "identifier"
    return infer_feature_type(column)


def declared_date_format(column: pd.Series, name: str, path: Path) -> str:
    """The format of a column that params.yaml declares a date; one line naming it if its values are not dates."""
    layout = date_format(column)
    if layout is None:
        example = column.dropna().astype(str).iloc[0] if column.notna().any() else "nothing"
        raise ProjectError(
            f"{path}: column {name!r} is declared a date but its values (such as {example!r}) do not all read as "
            f"dates in one format; fix them, or set data.feature_types.{name} to categorical"
        )
    return layout


# What the prepare stage does with a column it guessed to be of a kind, and how a user keeps it as it was.
GUESS_WARNINGS: dict[ColumnKind, str] = dict(
    identifier="dropped as identifiers (a different value in almost every row): %s; to keep one, set "
    "data.feature_types.<column> to categorical or numeric in params.yaml",
    date="read as dates and turned into numbers (days since 1970, month, day of the week): %s; to keep one "
    "as text, set data.feature_types.<column> to categorical in params.yaml",
)


def warn_about_guesses(kinds: dict[str, ColumnKind], declared: dict[str, ColumnKind], path: Path) -> None:
    """Name the columns the prepare stage dropped or turned into numbers on a guess, and how to undo it."""
    for kind, message in GUESS_WARNINGS.items():
        names = [name for name, guess in kinds.items() if guess == kind and name not in declared]
        if names:
            logger.warning("%s: " + message, path, ", ".join(map(repr, names)))


def infer_schema(frame: pd.DataFrame, data: DataParams) -> FeatureSchema:
    """Type every column but the label and the dropped ones; `data.feature_types` overrides the guess."""
    named = {*data.drop, *data.feature_types}
    unknown = sorted(named - set(map(str, frame.columns)))
    if unknown:
        raise ProjectError(
            f"params.yaml names columns that are not in {data.raw}: {', '.join(unknown)}; "
            "fix data.drop or data.feature_types"
        )
    candidates = [name for name in map(str, frame.columns) if name != data.target and name not in data.drop]
    for name in candidates:
        if name not in data.feature_types:
            check_numbers_with_stray_text(frame[name], name, data.raw)
    kinds: dict[str, ColumnKind] = {
        name: data.feature_types.get(name) or infer_column_kind(frame[name]) for name in candidates
    }
    features = [name for name, kind in kinds.items() if kind != "identifier"]
    if not features:
        raise ProjectError(
            f"{data.raw} has no feature columns besides the label {data.target!r} and identifiers "
            f"({', '.join(candidates) or 'none'}); declare a column in data.feature_types to keep it"
        )
    check_missing_shares(frame, features, data.max_missing_share, data.raw)
    warn_about_guesses(kinds, data.feature_types, data.raw)
    return FeatureSchema(
        target=data.target,
        numeric=[name for name, kind in kinds.items() if kind == "numeric"],
        categorical=[name for name, kind in kinds.items() if kind == "categorical"],
        dates={
            name: declared_date_format(frame[name], name, data.raw) for name, kind in kinds.items() if kind == "date"
        },
        identifiers=[name for name, kind in kinds.items() if kind == "identifier"],
        dropped=list(data.drop),
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
    """Read a prepared split as features and target, typed by the schema (dates as the text they were)."""
    text_columns = [*schema.categorical, *schema.dates, schema.target]
    frame = pd.read_csv(path, dtype=dict.fromkeys(text_columns, str))
    return frame[schema.features], read_target(frame[schema.target], schema.target, path)
