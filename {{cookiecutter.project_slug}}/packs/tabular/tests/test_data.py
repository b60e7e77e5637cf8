from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from example_target import TARGET

from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.task_params import DataParams
from {{ cookiecutter.package_name }}.data.column_roles import ISO_FORMAT, MIN_VALUES_TO_JUDGE
from {{ cookiecutter.package_name }}.data.schema import infer_schema, read_raw_table


def test_types_are_inferred_and_overridable(mixed_frame: pd.DataFrame) -> None:
    inferred = infer_schema(mixed_frame, DataParams(raw=Path("x.csv"), target=TARGET))
    assert inferred.numeric == ["size"]
    assert inferred.categorical == ["colour"]
    assert inferred.identifiers == ["row_id"]  # whole numbers, a different one in every row

    overridden = infer_schema(
        mixed_frame,
        DataParams(raw=Path("x.csv"), target=TARGET, drop=["size"], feature_types={"row_id": "categorical"}),
    )
    assert overridden.numeric == []
    assert overridden.categorical == ["row_id", "colour"]


def test_unknown_columns_in_params_are_refused(mixed_frame: pd.DataFrame) -> None:
    with pytest.raises(ProjectError, match="not in x.csv: weight"):
        infer_schema(mixed_frame, DataParams(raw=Path("x.csv"), target=TARGET, drop=["weight"]))


def test_missing_labels_are_refused_with_their_count(tmp_path: Path, mixed_frame: pd.DataFrame) -> None:
    mixed_frame.loc[[3, 4, 5], TARGET] = None
    path = tmp_path / "fruit.csv"
    mixed_frame.to_csv(path, index=False)
    with pytest.raises(ProjectError, match=f"'{TARGET}' .* has 3 missing value"):
        read_raw_table(path, DataParams(raw=path, target=TARGET))


def test_missing_label_column_lists_the_columns(tmp_path: Path, mixed_frame: pd.DataFrame) -> None:
    path = tmp_path / "fruit.csv"
    mixed_frame.to_csv(path, index=False)
    with pytest.raises(ProjectError, match=f"one of: row_id, size, colour, {TARGET}"):
        read_raw_table(path, DataParams(raw=path, target="species"))


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="file not found; set data.raw"):
        read_raw_table(tmp_path / "none.csv", DataParams(raw=tmp_path / "none.csv", target="y"))


def test_a_semicolon_separated_file_is_named_as_such(tmp_path: Path, mixed_frame: pd.DataFrame) -> None:
    path = tmp_path / "fruit.csv"
    mixed_frame.to_csv(path, index=False, sep=";")
    with pytest.raises(ProjectError, match="looks semicolon-separated; save it as a comma-separated CSV"):
        read_raw_table(path, DataParams(raw=path, target=TARGET))


def test_a_binary_file_is_refused_as_not_a_text_csv(tmp_path: Path) -> None:
    path = tmp_path / "fruit.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U0#\xf4\x00\x00\x00L\x02\x00\x00")
    with pytest.raises(ProjectError, match="is not a text CSV"):
        read_raw_table(path, DataParams(raw=path, target=TARGET))


def test_a_mostly_missing_feature_is_refused_with_its_share(mixed_frame: pd.DataFrame) -> None:
    mixed_frame.loc[: len(mixed_frame) * 3 // 4, "size"] = None
    with pytest.raises(ProjectError, match=r"max_missing_share \(50%\) missing in size \(77%\); drop the column"):
        infer_schema(mixed_frame, DataParams(raw=Path("x.csv"), target=TARGET))
    allowed = infer_schema(mixed_frame, DataParams(raw=Path("x.csv"), target=TARGET, max_missing_share=0.8))
    assert "size" in allowed.numeric


def test_numbers_with_stray_text_are_refused_not_turned_into_categories(mixed_frame: pd.DataFrame) -> None:
    """A new version of the data with 'n/a' in a numeric column must not silently change the column's type."""
    mixed_frame["size"] = mixed_frame["size"].astype(object)
    mixed_frame.loc[[1, 2], "size"] = "n/a"
    with pytest.raises(ProjectError, match=r"column 'size' holds numbers in 98% of rows but also text such as 'n/a'"):
        infer_schema(mixed_frame, DataParams(raw=Path("x.csv"), target=TARGET))
    declared = infer_schema(
        mixed_frame, DataParams(raw=Path("x.csv"), target=TARGET, feature_types={"size": "categorical"})
    )
    assert "size" in declared.categorical


def with_columns(frame: pd.DataFrame, **columns: object) -> pd.DataFrame:
    return frame.assign(**columns)


def test_identifiers_are_dropped_with_a_warning_that_names_them(
    mixed_frame: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    """Names unique but for a few repeats, and whole numbers unique in every row, are identifiers; decimals unique
    in every row (a measurement) and a text column whose values repeat are not."""
    rows = len(mixed_frame)
    names = [f"customer {number}" for number in range(rows)]
    names[1] = names[2] = names[3]
    frame = with_columns(
        mixed_frame,
        **{"Full name": names, "weight": np.linspace(1.0, 2.0, rows), "city": [f"town {n % 30}" for n in range(rows)]},
    )
    with caplog.at_level("WARNING"):
        schema = infer_schema(frame, DataParams(raw=Path("x.csv"), target=TARGET))
    assert schema.identifiers == ["row_id", "Full name"]
    assert schema.numeric == ["size", "weight"]
    assert schema.categorical == ["colour", "city"]
    assert "Full name" not in schema.features
    (warning,) = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert "dropped as identifiers" in warning and "'row_id', 'Full name'" in warning
    assert "data.feature_types.<column> to categorical" in warning


def test_declaring_a_column_keeps_it_and_a_declared_identifier_is_dropped(mixed_frame: pd.DataFrame) -> None:
    schema = infer_schema(
        mixed_frame,
        DataParams(raw=Path("x.csv"), target=TARGET, feature_types={"row_id": "numeric", "colour": "identifier"}),
    )
    assert schema.numeric == ["row_id", "size"]
    assert schema.identifiers == ["colour"]
    assert schema.ignored == ["colour"]


def test_a_small_table_has_no_identifiers(mixed_frame: pd.DataFrame) -> None:
    """With few rows every column may look unique by chance: nothing is dropped on a guess."""
    small = mixed_frame.head(MIN_VALUES_TO_JUDGE - 1)
    assert infer_schema(small, DataParams(raw=Path("x.csv"), target=TARGET)).identifiers == []


def test_dates_are_recognised_with_their_format(mixed_frame: pd.DataFrame, caplog: pytest.LogCaptureFixture) -> None:
    days = pd.date_range("2021-01-01", periods=len(mixed_frame), freq="D")
    frame = with_columns(
        mixed_frame,
        signed=days.strftime("%Y-%m-%d"),
        shipped=days.strftime("%m/%d/%Y").where(np.arange(len(days)) % 9 != 0),  # with holes
        stamped=days,  # a datetime column, as a frame made in code has
        year=2000 + np.arange(len(days)) % 20,  # a year alone is a number
    )
    with caplog.at_level("WARNING"):
        schema = infer_schema(frame, DataParams(raw=Path("x.csv"), target=TARGET))
    assert schema.dates == {"signed": "%Y-%m-%d", "shipped": "%m/%d/%Y", "stamped": ISO_FORMAT}
    assert schema.numeric == ["size", "year"]
    assert schema.features == ["size", "year", "colour", "signed", "shipped", "stamped"]
    warnings = [record.getMessage() for record in caplog.records if "read as dates" in record.getMessage()]
    assert len(warnings) == 1 and "'signed', 'shipped', 'stamped'" in warnings[0]


def test_a_date_declared_categorical_stays_text(mixed_frame: pd.DataFrame) -> None:
    frame = with_columns(mixed_frame, signed=["2021-03-04"] * len(mixed_frame))
    schema = infer_schema(frame, DataParams(raw=Path("x.csv"), target=TARGET, feature_types={"signed": "categorical"}))
    assert schema.dates == {}
    assert "signed" in schema.categorical


def test_a_declared_date_that_does_not_read_is_refused(mixed_frame: pd.DataFrame) -> None:
    frame = with_columns(mixed_frame, signed=["2021-03-04", "soon"] * (len(mixed_frame) // 2))
    with pytest.raises(ProjectError, match="column 'signed' is declared a date but its values"):
        infer_schema(frame, DataParams(raw=Path("x.csv"), target=TARGET, feature_types={"signed": "date"}))
