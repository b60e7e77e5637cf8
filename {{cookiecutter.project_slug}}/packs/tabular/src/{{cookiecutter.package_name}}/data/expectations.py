"""What the training data looked like, written by the prepare stage as `data/prepared/expectations.json`.

The expectations are the reference that new data is checked against (`make drift`, and the API's warnings): the
columns and their types, the range of each numeric column and date, the categories of each categorical one, the
share of missing values, and the labels. They come from the training split only, so the test split and production
data are judged by what the model learned from.
"""

from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from .column_roles import parse_dates
from .schema import FeatureSchema

EXPECTATIONS_FILE = "expectations.json"
# More categories than this are recorded as "any": an identifier-like column has no useful allowed set.
MAX_RECORDED_CATEGORIES = 1000


class NumericExpectation(BaseModel):
    minimum: float | None
    maximum: float | None
    missing_share: float


class CategoricalExpectation(BaseModel):
    categories: list[str] | None  # None: too many to list, any value is allowed
    missing_share: float


class DateExpectation(BaseModel):
    earliest: str | None  # as written in the table
    latest: str | None
    missing_share: float


class Expectations(BaseModel):
    numeric: dict[str, NumericExpectation]
    categorical: dict[str, CategoricalExpectation]
    dates: dict[str, DateExpectation] = {}
    labels: list[str]
    rows: int

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical, *self.dates]

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Expectations":
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


def finite_or_none(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


def derive_expectations(train: pd.DataFrame, schema: FeatureSchema) -> Expectations:
    """The training split's columns, ranges, categories, missing shares and labels."""
    numeric = {
        name: NumericExpectation(
            minimum=finite_or_none(train[name].min()),
            maximum=finite_or_none(train[name].max()),
            missing_share=float(train[name].isna().mean()),
        )
        for name in schema.numeric
    }
    categorical = {}
    for name in schema.categorical:
        seen = sorted(train[name].dropna().astype(str).unique())
        categorical[name] = CategoricalExpectation(
            categories=seen if len(seen) <= MAX_RECORDED_CATEGORIES else None,
            missing_share=float(train[name].isna().mean()),
        )
    labels = sorted(train[schema.target].astype(str).unique())
    return Expectations(
        numeric=numeric,
        categorical=categorical,
        dates={name: date_expectation(train[name], layout) for name, layout in schema.dates.items()},
        labels=labels,
        rows=len(train),
    )


def date_expectation(column: pd.Series, layout: str) -> DateExpectation:
    """The earliest and latest dates of a column, as the table writes them."""
    when = parse_dates(column, layout)
    if when.isna().all():
        return DateExpectation(earliest=None, latest=None, missing_share=float(column.isna().mean()))
    return DateExpectation(
        earliest=str(column.loc[when.idxmin()]),
        latest=str(column.loc[when.idxmax()]),
        missing_share=float(column.isna().mean()),
    )
