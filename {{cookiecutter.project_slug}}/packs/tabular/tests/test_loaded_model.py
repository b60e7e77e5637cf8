"""What the server refuses to serve: no file, a file that is not a model, a model of another shape."""

from pathlib import Path

import joblib
import pandas as pd
import pytest
from example_target import TARGET, TARGET_INFO
from sklearn.preprocessing import StandardScaler

from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.hashing import file_md5
from {{ cookiecutter.package_name }}.data.expectations import derive_expectations
from {{ cookiecutter.package_name }}.data.schema import infer_schema
from {{ cookiecutter.package_name }}.modeling.pipeline import build_model
from {{ cookiecutter.package_name }}.serving.loaded_model import load_model


def test_a_missing_model_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no model at .*: run `dvc repro` \\(or `dvc pull`\\) first"):
        load_model(tmp_path / "model.joblib", tmp_path / "metrics.json")


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(ProjectError, match="cannot be loaded .*; retrain it with `dvc repro`"):
        load_model(path, tmp_path / "metrics.json")


def test_a_model_of_another_shape_is_refused(tmp_path: Path, mixed_frame: pd.DataFrame) -> None:
    """A fitted scikit-learn object without this project's preprocessing has no column schema to serve."""
    path = tmp_path / "model.joblib"
    bare = StandardScaler().fit(mixed_frame[["row_id"]])
    joblib.dump(bare, path)
    with pytest.raises(ProjectError, match="is not a pipeline of this project's shape"):
        load_model(path, tmp_path / "metrics.json")


def test_the_project_model_loads_with_its_columns_target_and_version(
    tmp_path: Path, mixed_frame: pd.DataFrame, params: Params
) -> None:
    schema = infer_schema(mixed_frame, params.data)
    model = build_model(schema, derive_expectations(mixed_frame, schema), params.train, params.seed)
    model.fit(mixed_frame[schema.features], mixed_frame[TARGET])
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    loaded = load_model(path, tmp_path / "metrics.json")
    assert loaded.features.columns == schema.features
    assert loaded.target.model_dump() == TARGET_INFO
    assert loaded.version == file_md5(path)
    assert loaded.metrics == {}
