"""The warnings for one record: its values checked against what the training rows showed.

The reference is the training expectations the prepare stage recorded (`data.expectations`, the same that
`make drift` checks batches against), carried inside the model by its first step: a missing value (imputed), a
number outside the training range, a category no training row had. Dates are checked for holes only: a date
later than training is what production data is.

Most records hold nothing unusual, so a batch is first screened column by column (`unusual_rows`), and only the
records it flags are checked value by value for their messages.
"""

from typing import Any

import numpy as np
import pandas as pd

from ..data.expectations import Expectations, NumericExpectation
from .input_warnings import InputWarning

Medians = dict[str, float]


def outside(value: float, expected: NumericExpectation) -> bool:
    if expected.minimum is None or expected.maximum is None:  # no value in training: no range to be outside of
        return False
    return not expected.minimum <= value <= expected.maximum


def numeric_warnings(record: dict[str, Any], expectations: Expectations, medians: Medians) -> list[InputWarning]:
    warnings = []
    for name, expected in expectations.numeric.items():
        value = record.get(name)
        if value is None:
            message = f"missing: the model used the training median, {medians.get(name, float('nan')):g}"
            warnings.append(InputWarning(feature=name, kind="imputed", message=message))
        elif outside(value, expected):
            message = f"{value:g} is outside the training range [{expected.minimum:g}, {expected.maximum:g}]"
            warnings.append(InputWarning(feature=name, kind="out_of_range", message=message))
    return warnings


def categorical_warnings(record: dict[str, Any], expectations: Expectations) -> list[InputWarning]:
    warnings = []
    for name, expected in expectations.categorical.items():
        value = record.get(name)
        if value is None:
            message = "missing: the model read it as a category of its own"
            warnings.append(InputWarning(feature=name, kind="imputed", message=message))
        elif expected.categories is not None and str(value) not in expected.categories:
            message = f"{str(value)!r} is a category no training row had: the model ignored it"
            warnings.append(InputWarning(feature=name, kind="unseen_category", message=message))
    return warnings


def date_warnings(record: dict[str, Any], expectations: Expectations) -> list[InputWarning]:
    message = "missing: the model used the training median date"
    return [
        InputWarning(feature=name, kind="imputed", message=message)
        for name in expectations.dates
        if record.get(name) is None
    ]


def record_warnings(record: dict[str, Any], expectations: Expectations, medians: Medians) -> list[InputWarning]:
    """Every value of the record that the training rows never showed, column by column."""
    return [
        *numeric_warnings(record, expectations, medians),
        *categorical_warnings(record, expectations),
        *date_warnings(record, expectations),
    ]


def unusual_rows(frame: pd.DataFrame, expectations: Expectations) -> np.ndarray:
    """Which rows of a batch hold a value that `record_warnings` warns about: whole columns at once, so that a
    batch of ordinary records costs a few array operations instead of a check per value."""
    flagged = np.zeros(len(frame), dtype=bool)
    for name, expected in expectations.numeric.items():
        values = pd.to_numeric(frame[name]).to_numpy(dtype=float, na_value=np.nan)
        flagged |= np.isnan(values)
        if expected.minimum is not None and expected.maximum is not None:
            flagged |= (values < expected.minimum) | (values > expected.maximum)
    for name, categorical in expectations.categorical.items():
        flagged |= frame[name].isna().to_numpy()
        if categorical.categories is not None:
            flagged |= ~frame[name].astype(str).isin(categorical.categories).to_numpy()
    for name in expectations.dates:
        flagged |= frame[name].isna().to_numpy()
    return flagged
