"""params.yaml of the text task: the project's own loads, and a bad value is one line naming its key."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package_name }}.core.config import load_params
from {{ cookiecutter.package_name }}.core.errors import ProjectError

PROJECT_PARAMS = Path(__file__).parents[1] / "params.yaml"


def write_params(tmp_path: Path, key: str, value: Any) -> Path:
    """The project's params.yaml with one dotted key set to `value`."""
    params = yaml.safe_load(PROJECT_PARAMS.read_text(encoding="utf-8"))
    *sections, name = key.split(".")
    section = params
    for part in sections:
        section = section.setdefault(part, {})
    section[name] = value
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path


def test_project_params_load() -> None:
    params = load_params(PROJECT_PARAMS)
    assert params.data.text and params.data.target
    assert 0 < params.prepare.validation_size + params.prepare.test_size < 1
    assert params.train.model in {"transformer", "baseline"}
    assert params.serve.long_text in {"truncate", "refuse"}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("unknown_section", 1, "unknown_section: unknown key"),
        ("train.model", "bert", "train.model: Input should be 'transformer' or 'baseline' (got 'bert')"),
        ("train.max_length", 4, "train.max_length: Input should be greater than or equal to 8 (got 4)"),
        ("train.max_length", 1024, "train.max_length: Input should be less than or equal to 512 (got 1024)"),
        ("train.epochs", 0, "train.epochs: Input should be greater than or equal to 1 (got 0)"),
        ("train.learning_rate", "fast", "train.learning_rate: Input should be a valid number"),
        ("train.pretrained_model", "", "train.pretrained_model: String should have at least 1 character"),
        ("train.baseline.ngram_max", 5, "train.baseline.ngram_max: Input should be less than or equal to 3 (got 5)"),
        ("train.baseline.min_df", 2, "train.baseline.min_df: unknown key"),
        ("prepare.validation_size", 0, "prepare.validation_size: Input should be greater than 0 (got 0)"),
        ("prepare.test_size", 1.5, "prepare.test_size: Input should be less than 1 (got 1.5)"),
        ("data.text", "", "data.text: String should have at least 1 character"),
        ("data.drop", ["id"], "data.drop: unknown key"),
        ("serve.long_text", "cut", "serve.long_text: Input should be 'truncate' or 'refuse' (got 'cut')"),
    ],
)
def test_bad_params_name_the_key(tmp_path: Path, key: str, value: Any, expected: str) -> None:
    with pytest.raises(ProjectError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        load_params(write_params(tmp_path, key, value))


def test_the_tabular_sections_are_refused(tmp_path: Path) -> None:
    """A params.yaml copied from a tabular project is refused by name, not half used."""
    with pytest.raises(ProjectError, match="drift: unknown key"):
        load_params(write_params(tmp_path, "drift.psi", 0.2))


def test_missing_section_is_named(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\n")
    with pytest.raises(ProjectError, match="params.yaml: data: Field required"):
        load_params(path)


def test_missing_file_says_where_to_run(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="run the command from the project root"):
        load_params(tmp_path / "params.yaml")
