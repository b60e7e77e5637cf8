"""Columns that cannot help as they are read: identifiers and dates, recognised by their values.

An identifier (a customer number, a name) holds a different value in almost every row. As a category it gives
the model one column per row, each seen once in training and never again, so it learns nothing it can use on a
new row; as a number it is an arbitrary key. A date read as text is a category too, with a new value every day.
The prepare stage drops identifiers and turns dates into numbers (`modeling.dates`); a column declared in
`data.feature_types` is never guessed at.
"""

import warnings
from typing import TypeGuard

import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_float_dtype, is_integer_dtype
from pandas.tseries.api import guess_datetime_format

# With fewer values than this, any column may look unique by chance: nothing is taken for an identifier.
MIN_VALUES_TO_JUDGE = 50
# A text column is an identifier when at least this share of its rows hold a value that no other row has. Past
# half, most rows' categories are seen once in training: the encoder learns nothing from them, and a new row's
# value is almost never one the model knows. A useful category (a city, a product) repeats far more.
TEXT_IDENTIFIER_UNIQUE_SHARE = 0.5
# The format pandas reads ISO 8601 dates and times with: what a column that is already a datetime is written as.
ISO_FORMAT = "ISO8601"
# A date names at least a year and a month: "%Y" alone (2020) is a number, "%H:%M" a time of day.
YEAR_CODES = ("%Y", "%y")
MONTH_CODES = ("%m", "%b", "%B")


def unique_share(values: pd.Series) -> float:
    """The share of values that no other value equals."""
    counts = values.value_counts()
    return float((counts == 1).sum() / len(values))


def looks_like_identifier(column: pd.Series) -> bool:
    """Text mostly unique per row, or whole numbers unique in every row (a measurement such as a price repeats
    in a table of this size; a key never does). Decimals and booleans are never identifiers."""
    present = column.dropna()
    if len(present) < MIN_VALUES_TO_JUDGE or is_bool_dtype(present) or is_float_dtype(present):
        return False
    if is_integer_dtype(present):
        return present.is_unique
    return unique_share(present.astype(str)) >= TEXT_IDENTIFIER_UNIQUE_SHARE


def date_format(column: pd.Series) -> str | None:
    """The format every present value of the column is a date in (a year and a month at least), or None.

    The format is guessed from the first value, month first then day first (`03/04/2021`), and must read them all.
    """
    if is_datetime64_any_dtype(column):
        return ISO_FORMAT
    present = column.dropna()
    if present.empty or present.dtype.kind in "biufc":
        return None
    text = present.astype(str)
    for day_first in (False, True):
        with warnings.catch_warnings(action="ignore", category=UserWarning):  # "day first, though not asked"
            guessed = guess_datetime_format(text.iloc[0], dayfirst=day_first)
        if is_date_format(guessed) and parse_dates(text, guessed).notna().all():
            return guessed
    return None


def is_date_format(layout: str | None) -> TypeGuard[str]:
    """A format that names a year and a month."""
    if layout is None:
        return False
    return any(code in layout for code in YEAR_CODES) and any(code in layout for code in MONTH_CODES)


def parse_dates(values: pd.Series, layout: str) -> pd.Series:
    """Dates as UTC timestamps, read in the column's training format; a value that is not one is missing."""
    return pd.to_datetime(values, format=layout, errors="coerce", utc=True)
