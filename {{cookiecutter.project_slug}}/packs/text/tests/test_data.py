"""Reading the labelled texts and splitting them: every way a table goes wrong is one clear line."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from {{ cookiecutter.package_name }}.core.config import Params, load_params
from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.task_params import DataParams, PrepareParams
from {{ cookiecutter.package_name }}.data.texts import LABEL, TEXT, read_labelled_texts
from {{ cookiecutter.package_name }}.stages.prepare import split

COLUMNS = DataParams(raw=Path("reviews.csv"), text="review", target="sentiment")


def write(frame: pd.DataFrame, folder: Path, **options: str) -> Path:
    path = folder / "reviews.csv"
    frame.to_csv(path, index=False, **options)
    return path


@pytest.fixture
def labelled(tmp_path: Path, reviews: pd.DataFrame) -> pd.DataFrame:
    """The reviews as the prepare stage reads them."""
    return read_labelled_texts(write(reviews, tmp_path), COLUMNS)


def test_the_columns_named_in_params_become_text_and_label(tmp_path: Path, reviews: pd.DataFrame) -> None:
    """Later stages read fixed column names, whatever the user's CSV calls them; other columns are left out."""
    frame = read_labelled_texts(write(reviews, tmp_path), COLUMNS)
    assert list(frame.columns) == [TEXT, LABEL]
    assert frame[TEXT].tolist() == reviews["review"].tolist()
    assert frame[LABEL].tolist() == reviews["sentiment"].tolist()


def test_texts_and_labels_that_look_like_numbers_stay_text(tmp_path: Path) -> None:
    """Star ratings as labels are class names ('5', not 5.0), and a text of digits is still that text."""
    path = tmp_path / "ratings.csv"
    path.write_text("review,stars\n007,5\nGreat,1\n1e3,5\n", encoding="utf-8")
    frame = read_labelled_texts(path, DataParams(raw=path, text="review", target="stars"))
    assert frame[TEXT].tolist() == ["007", "Great", "1e3"]
    assert frame[LABEL].tolist() == ["5", "1", "5"]


def test_a_missing_text_column_names_data_text_and_the_columns(tmp_path: Path, reviews: pd.DataFrame) -> None:
    path = write(reviews, tmp_path)
    with pytest.raises(ProjectError, match="'body' is not in .*; set data.text .* one of: id, review, sentiment"):
        read_labelled_texts(path, COLUMNS.model_copy(update={"text": "body"}))


def test_a_missing_label_column_names_data_target(tmp_path: Path, reviews: pd.DataFrame) -> None:
    path = write(reviews, tmp_path)
    with pytest.raises(ProjectError, match="label column 'stars' is not in .*set data.target"):
        read_labelled_texts(path, COLUMNS.model_copy(update={"target": "stars"}))


def test_missing_labels_are_refused_with_their_count(tmp_path: Path, reviews: pd.DataFrame) -> None:
    """A text without a label cannot be learnt from, and guessing one would invent the answer."""
    reviews.loc[[3, 4, 5], "sentiment"] = None
    with pytest.raises(ProjectError, match="label column 'sentiment' .* has 3 missing value"):
        read_labelled_texts(write(reviews, tmp_path), COLUMNS)


def test_empty_and_blank_texts_are_refused_with_their_count(tmp_path: Path, reviews: pd.DataFrame) -> None:
    """A blank text would teach the model that nothing means its label."""
    reviews.loc[[0, 1, 2, 3], "review"] = ["", "   ", None, "\t\n"]
    with pytest.raises(ProjectError, match="text column 'review' .* has 4 empty or missing text"):
        read_labelled_texts(write(reviews, tmp_path), COLUMNS)


def test_a_semicolon_separated_file_is_named_as_such(tmp_path: Path, reviews: pd.DataFrame) -> None:
    path = write(reviews, tmp_path, sep=";")
    with pytest.raises(ProjectError, match="looks semicolon-separated; save it as a comma-separated CSV"):
        read_labelled_texts(path, COLUMNS)


def test_a_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="file not found; set data.raw"):
        read_labelled_texts(tmp_path / "none.csv", COLUMNS)


@pytest.mark.parametrize(("validation_size", "test_size"), [(0.1, 0.1), (0.2, 0.2), (0.15, 0.3), (0.3, 0.45)])
def test_the_split_is_stratified_disjoint_and_complete(
    labelled: pd.DataFrame, validation_size: float, test_size: float
) -> None:
    """Every row lands in exactly one part, and every label is in each part in about its share of the rows."""
    sizes = PrepareParams(validation_size=validation_size, test_size=test_size)
    prepared = split(labelled, sizes, seed=7)
    parts = {"train": prepared.train, "validation": prepared.validation, "test": prepared.test}

    indexes = [set(part.index) for part in parts.values()]
    assert sum(map(len, indexes)) == len(labelled)
    assert set.union(*indexes) == set(labelled.index)
    for part in parts.values():
        pd.testing.assert_frame_equal(part, labelled.loc[part.index])  # rows as they were, text with its label
    counts = labelled[LABEL].value_counts()
    for name, share in [("validation", validation_size), ("test", test_size)]:
        in_part = parts[name][LABEL].value_counts()
        for label, count in counts.items():
            assert abs(in_part[label] - count * share) <= 1, (name, label)
    assert set(prepared.train[LABEL]) == set(counts.index)


def test_the_split_is_the_same_under_a_seed_and_another_under_another(labelled: pd.DataFrame, params: Params) -> None:
    """`dvc repro` must not move rows between parts (and change the metrics) unless the seed changes."""
    first = split(labelled, params.prepare, seed=7)
    again = split(labelled, params.prepare, seed=7)
    other = split(labelled, params.prepare, seed=8)
    for part in ("train", "validation", "test"):
        pd.testing.assert_frame_equal(getattr(first, part), getattr(again, part))
    assert set(first.test.index) != set(other.test.index)


def test_a_label_too_rare_for_three_parts_is_refused(labelled: pd.DataFrame, params: Params) -> None:
    rare = labelled.copy()
    rare.loc[[0, 1], LABEL] = "mixed"
    with pytest.raises(ProjectError, match="'mixed' have fewer than 3 examples"):
        split(rare, params.prepare, params.seed)

    rare.loc[2, LABEL] = "mixed"  # three: one for each part
    prepared = split(rare, params.prepare, params.seed)
    assert all("mixed" in set(part[LABEL]) for part in (prepared.train, prepared.validation, prepared.test))


def test_sizes_that_leave_nothing_to_train_on_are_a_params_error(tmp_path: Path) -> None:
    """Caught when params.yaml is read, before any stage works: the key and the rule are named."""
    raw = yaml.safe_load((Path(__file__).parents[1] / "params.yaml").read_text(encoding="utf-8"))
    raw["prepare"] = {"validation_size": 0.4, "test_size": 0.6}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ProjectError, match="params.yaml: prepare: .*validation_size \\+ test_size must be below 1"):
        load_params(path)


def test_sizes_that_leave_a_small_label_no_training_rows_are_refused(labelled: pd.DataFrame) -> None:
    """Below 1 in sum, but rounding gives all four rows of a label to validation and test."""
    small = labelled.copy()
    small.loc[small.index[:4], LABEL] = "mixed"
    sizes = PrepareParams(validation_size=0.45, test_size=0.45)
    with pytest.raises(ProjectError, match="leave a label without training rows: lower them in params.yaml"):
        split(small, sizes, seed=7)
