from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.core.config import load_params
from {{ cookiecutter.package_name }}.core.errors import ProjectError

PROJECT_PARAMS = Path(__file__).parents[1] / "params.yaml"


def write_params(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(PROJECT_PARAMS.read_text() + text)
    return path


def test_project_params_load() -> None:
    params = load_params(PROJECT_PARAMS)
    assert params.data.target
    assert 0 < params.prepare.test_size < 1


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("\nunknown_section: 1\n", "unknown_section: unknown key"),
        (
            "\ntrain:\n  model: random_forest\n  random_forest: {n_estimators: 0}\n",
            "train.random_forest.n_estimators: Input should be greater than or equal to 1 (got 0)",
        ),
        ("\nprepare: {test_size: 1.5}\n", "prepare.test_size: Input should be less than 1 (got 1.5)"),
        (
            "\ntrain:\n  model: random_forest\n  random_forest: {n_estimators: many}\n",
            "train.random_forest.n_estimators: Input should be a valid integer",
        ),
        (
            "\ndata:\n  raw: x.csv\n  target: y\n  feature_types:\n    a: datetime\n",
            "data.feature_types.a: Input should be 'numeric', 'categorical', 'date' or 'identifier' (got 'datetime')",
        ),
    ],
)
def test_bad_params_name_the_key(tmp_path: Path, extra: str, expected: str) -> None:
    with pytest.raises(ProjectError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        load_params(write_params(tmp_path, extra))


def test_every_problem_is_named_at_once_and_a_misspelt_key_gets_the_nearest(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    misspelt = PROJECT_PARAMS.read_text().replace("  target:", "  targt:")
    path.write_text(misspelt.replace("test_size: 0.25", "test_size: 2"))
    with pytest.raises(ProjectError) as raised:
        load_params(path)
    message = str(raised.value)
    assert "\n" not in message
    assert "data.targt: unknown key, did you mean data.target?" in message
    assert "data.target: Field required" in message
    assert "prepare.test_size: Input should be less than 1 (got 2)" in message


def test_missing_section_is_named(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\n")
    with pytest.raises(ProjectError, match="params.yaml: data: Field required"):
        load_params(path)


def test_missing_file_says_where_to_run(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="run the command from the project root"):
        load_params(tmp_path / "params.yaml")
