from pathlib import Path

import pandas as pd
import pytest
from example_target import TARGET

from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.task_params import DataParams
from {{ cookiecutter.package_name }}.data.schema import infer_schema, read_raw_table


def test_types_are_inferred_and_overridable(mixed_frame: pd.DataFrame) -> None:
    inferred = infer_schema(mixed_frame, DataParams(raw=Path("x.csv"), target=TARGET))
    assert inferred.numeric == ["row_id", "size"]
    assert inferred.categorical == ["colour"]

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
