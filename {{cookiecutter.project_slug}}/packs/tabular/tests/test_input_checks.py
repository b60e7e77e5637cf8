import pandas as pd

from {{ cookiecutter.package_name }}.data.expectations import (
    CategoricalExpectation,
    DateExpectation,
    Expectations,
    NumericExpectation,
)
from {{ cookiecutter.package_name }}.serving.input_checks import record_warnings, unusual_rows

EXPECTED = Expectations(
    numeric={"size": NumericExpectation(minimum=2.0, maximum=20.0, missing_share=0.1)},
    categorical={
        "code": CategoricalExpectation(categories=["101", "202"], missing_share=0.0),
        "name": CategoricalExpectation(categories=None, missing_share=0.0),  # too many to list: anything goes
    },
    dates={"signed": DateExpectation(earliest="2020-01-01", latest="2021-12-31", missing_share=0.0)},
    labels=["a", "b"],
    rows=100,
)
MEDIANS = {"size": 10.5}


def kinds(record: dict[str, object]) -> list[tuple[str, str]]:
    return [(warning.feature, warning.kind) for warning in record_warnings(record, EXPECTED, MEDIANS)]


def test_a_record_like_the_training_rows_has_no_warning() -> None:
    """The range's ends count as inside; a code sent as a number is its text; a later date is no warning."""
    assert kinds({"size": 20, "code": 202, "name": "anything", "signed": "2030-01-01"}) == []


def test_each_value_training_never_showed_is_named() -> None:
    record = {"size": 1.5, "code": "303", "name": None, "signed": None}
    assert kinds(record) == [
        ("size", "out_of_range"),
        ("code", "unseen_category"),
        ("name", "imputed"),
        ("signed", "imputed"),
    ]
    (missing_size,) = record_warnings({**record, "size": None}, EXPECTED, MEDIANS)[:1]
    assert missing_size.message == "missing: the model used the training median, 10.5"


def test_the_batch_screen_flags_exactly_the_records_with_warnings() -> None:
    """The API checks only the records the column-wise screen flags: it must flag every one that has a warning, and
    none that has not."""
    usual = {"size": 20.0, "code": 202, "name": "anything", "signed": "2030-01-01"}
    records = [
        usual,
        {**usual, "size": 1.5},
        {**usual, "size": None},
        {**usual, "code": "303"},
        {**usual, "code": "101"},
        {**usual, "name": None},
        {**usual, "signed": None},
        {**usual, "size": 2.0},
    ]
    flagged = unusual_rows(pd.DataFrame.from_records(records, columns=["size", "code", "name", "signed"]), EXPECTED)
    assert flagged.tolist() == [bool(record_warnings(record, EXPECTED, MEDIANS)) for record in records]
    assert flagged.tolist() == [False, True, True, True, False, True, True, False]
