"""Dates as numbers the model can split on, computed inside the saved pipeline.

scikit-learn has no date encoder, so a FunctionTransformer does it, as a step of the pipeline: the API then takes a
date as the text a record holds, in the format training saw, and no stage has to convert it beforehand. Each date
becomes three numbers: days since 1970-01-01 (the trend: later or earlier than what the model saw), the month
(seasons) and the day of the week (weekly cycles). Year, month and day as separate numbers would say the first
again, less directly; a date that does not read is missing, and imputed like any number.
"""

import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from ..data.column_roles import parse_dates

PARTS = ("days since 1970", "month", "day of week")
EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def date_parts(frame: pd.DataFrame, layouts: list[str]) -> pd.DataFrame:
    """Each date column (in its format) as its three numbers."""
    parts: dict[str, pd.Series] = {}
    for (name, column), layout in zip(frame.items(), layouts, strict=True):
        when = parse_dates(column, layout)
        parts[f"{name} {PARTS[0]}"] = (when - EPOCH) / pd.Timedelta(days=1)
        parts[f"{name} {PARTS[1]}"] = when.dt.month.astype(float)
        parts[f"{name} {PARTS[2]}"] = when.dt.day_of_week.astype(float)
    return pd.DataFrame(parts, index=frame.index)


def part_names(_: FunctionTransformer, columns: list[str]) -> list[str]:
    return [f"{name} {part}" for name in columns for part in PARTS]


def date_encoder(dates: dict[str, str]) -> Pipeline:
    """Date columns (name: format) to numbers, with a missing date imputed by the median of each number."""
    return make_pipeline(
        FunctionTransformer(date_parts, kw_args={"layouts": list(dates.values())}, feature_names_out=part_names),
        SimpleImputer(strategy="median", keep_empty_features=True),
    )
