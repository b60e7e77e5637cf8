"""Every model family `train.model` offers, trained on the project's sample with its settings from params.yaml: the
saved pipeline serves raw records, and only the linear family sees its numbers standardised."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from {{ cookiecutter.package_name }}.core.config import Params, load_params
from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.train_params import FAMILIES
from {{ cookiecutter.package_name }}.data.schema import TEST_FILE, TRAIN_FILE, read_raw_table, read_split
from {{ cookiecutter.package_name }}.modeling.estimator import SCALED_FAMILIES, STEP
from {{ cookiecutter.package_name }}.serving.loaded_model import load_model
from {{ cookiecutter.package_name }}.stages.prepare import prepare, save
from {{ cookiecutter.package_name }}.stages.train import save_model, train

PROJECT = Path(__file__).parents[1]
PROJECT_PARAMS = PROJECT / "params.yaml"


@pytest.fixture(scope="module")
def project_params() -> Params:
    return load_params(PROJECT_PARAMS)


@pytest.fixture(scope="module")
def sample(project_params: Params) -> pd.DataFrame:
    return read_raw_table(PROJECT / project_params.data.raw, project_params.data)


@pytest.fixture(scope="module")
def prepared_sample(tmp_path_factory: pytest.TempPathFactory, sample: pd.DataFrame, project_params: Params) -> Path:
    """The sample split as the prepare stage splits it, once for every family."""
    folder = tmp_path_factory.mktemp("prepared")
    save(prepare(sample, project_params.data, project_params.prepare, project_params.seed), folder)
    return folder


@pytest.fixture(scope="module", params=FAMILIES)
def trained(request: pytest.FixtureRequest, prepared_sample: Path, project_params: Params) -> Pipeline:
    """The model of each family, trained once on the sample with the family's settings in params.yaml."""
    settings = project_params.train.model_copy(update={"model": request.param})
    return train(prepared_sample, settings, project_params.seed)


def test_each_family_trains_on_the_sample_and_its_saved_model_serves_raw_records(
    tmp_path: Path, trained: Pipeline, sample: pd.DataFrame, project_params: Params
) -> None:
    save_model(trained, tmp_path / "model.joblib")
    loaded = load_model(tmp_path / "model.joblib", tmp_path / "metrics.json")
    rows = sample.drop(columns=project_params.data.target).head(4)
    rows.iloc[0, 0] = None
    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    predictions = [prediction.model_dump() for prediction in loaded.predict(records)]

    assert len(predictions) == len(records)
    classes = loaded.target.model_dump().get("classes")
    for prediction in predictions:
        assert prediction["label"] in classes if classes else math.isfinite(prediction["value"])
    as_text = rows.astype(object)
    as_text.iloc[1, 1] = str(rows.iloc[1, 1])
    assert list(loaded.pipeline.predict(as_text)) == list(loaded.pipeline.predict(rows)), "numbers sent as text"


def test_the_api_serves_what_the_evaluation_scored(tmp_path: Path, trained: Pipeline, prepared_sample: Path) -> None:
    """Each test row gets the label (or value) the evaluate stage scored, and the very floats scikit-learn computes:
    the API calls a forest's trees without joblib (`serving.forest`), which must change nothing but the time. On
    several threads a forest adds its trees up in whatever order they finish, so the evaluated probabilities can
    differ from one run to the next in their last bit; in one thread, as served, the order is fixed."""
    save_model(trained, tmp_path / "model.joblib")
    loaded = load_model(tmp_path / "model.joblib", tmp_path / "metrics.json")
    features, _ = read_split(prepared_sample / TEST_FILE, trained.named_steps["inputs"].schema)
    records = features.astype(object).where(features.notna(), None).to_dict("records")
    answers = [prediction.model_dump(exclude={"warnings"}) for prediction in loaded.predict(records)]

    evaluated, in_one_thread = trained.predict(features), loaded.pipeline  # `load_model` set it to one thread
    if hasattr(trained, "predict_proba"):
        assert [answer["label"] for answer in answers] == [str(label) for label in evaluated]
        scores = in_one_thread.predict_proba(features).max(axis=1)
        assert [answer["score"] for answer in answers] == scores.tolist()
    else:
        values = [answer["value"] for answer in answers]
        assert values == in_one_thread.predict(features).tolist()
        assert values == pytest.approx(evaluated.tolist(), rel=1e-12)


def test_only_the_linear_family_sees_standardised_numbers(trained: Pipeline, prepared_sample: Path) -> None:
    """A linear model weighs a feature by its size; a tree compares it with thresholds, so it takes numbers as they
    are."""
    model = trained
    linear = hasattr(model.named_steps[STEP], "coef_")
    numeric = next(steps for name, steps, _ in model.named_steps["preprocess"].transformers_ if name == "numeric")
    assert any(isinstance(step, StandardScaler) for step in numeric) == linear

    features, _ = read_split(prepared_sample / TRAIN_FILE, model.named_steps["inputs"].schema)
    names = model.named_steps["preprocess"].get_feature_names_out()
    numbers = model[:-1].transform(features)[:, [name.startswith("numeric__") for name in names]]
    if linear:
        assert np.allclose(numbers.mean(axis=0), 0) and np.allclose(numbers.std(axis=0), 1)
    else:
        assert numbers.std(axis=0).max() > 1, "a tree's numbers are the raw ones, medians imputed"


def test_the_linear_family_sees_dates_standardised_too(
    tmp_path: Path, mixed_frame: pd.DataFrame, params: Params
) -> None:
    """Days since 1970 run to tens of thousands: a linear model would weigh them by that size."""
    frame = mixed_frame.assign(signed=pd.date_range("2020-01-30", periods=len(mixed_frame), freq="5D").astype(str))
    save(prepare(frame, params.data, params.prepare, params.seed), tmp_path)
    linear = params.train.model_copy(update={"model": next(iter(SCALED_FAMILIES))})
    model = train(tmp_path, linear, params.seed)

    features, _ = read_split(tmp_path / TRAIN_FILE, model.named_steps["inputs"].schema)
    names = model.named_steps["preprocess"].get_feature_names_out()
    dates = model[:-1].transform(features)[:, [name.startswith("dates__") for name in names]]
    assert dates.shape[1] == 3
    assert np.allclose(dates.mean(axis=0), 0) and np.allclose(dates.std(axis=0), 1)


def test_an_unknown_family_is_refused_in_one_line_naming_every_family(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text(PROJECT_PARAMS.read_text().replace("model: random_forest", "model: xgboost"))
    with pytest.raises(ProjectError) as raised:
        load_params(params)
    message = str(raised.value)
    assert "\n" not in message
    assert "train.model: Input should be " in message and "(got 'xgboost')" in message
    assert all(f"'{family}'" in message for family in FAMILIES)


def test_the_settings_of_a_family_not_chosen_are_checked_too(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text(PROJECT_PARAMS.read_text().replace("learning_rate: 0.1", "learning_rate: 0"))
    with pytest.raises(ProjectError, match=r"train.hist_gradient_boosting.learning_rate: .* greater than 0 \(got 0\)"):
        load_params(params)


def test_a_setting_outside_its_family_names_the_family_section(tmp_path: Path) -> None:
    """`train.max_depth`, as a project with one model had it, points at where the setting lives now."""
    params = tmp_path / "params.yaml"
    params.write_text(PROJECT_PARAMS.read_text().replace("train:\n", "train:\n  max_depth: 4\n"))
    nearest = r"train.max_depth: unknown key, did you mean train.random_forest.max_depth\?"
    with pytest.raises(ProjectError, match=nearest):
        load_params(params)
