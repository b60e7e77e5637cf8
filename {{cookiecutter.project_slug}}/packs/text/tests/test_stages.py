"""The three stages chained on the reviews, as DVC would run them but in one process, for each kind of model.

The transformer is the tiny checkpoint of conftest.py, fine-tuned for an epoch: it learns little, so these tests
check what the stages write and how they train, and only the baseline is asked to be right.
"""

import json
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from {{ cookiecutter.package_name }}.core.config import Params
from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.hashing import folder_md5
from {{ cookiecutter.package_name }}.data.texts import (
    TEST_FILE,
    TRAIN_FILE,
    VALIDATION_FILE,
    read_labelled_texts,
    read_split,
)
from {{ cookiecutter.package_name }}.modeling.classifier import (
    DESCRIPTION_FILE,
    load_classifier,
    predict_labels,
    save_classifier,
)
from {{ cookiecutter.package_name }}.stages.evaluate import evaluate
from {{ cookiecutter.package_name }}.stages.prepare import save, split
from {{ cookiecutter.package_name }}.stages.train import train

CLASSES = ["negative", "neutral", "positive"]
# What each kind saves besides classifier.json: the baseline's pipeline, or a checkpoint with its tokenizer.
MODEL_FILES = {
    "baseline": {"baseline.joblib"},
    "transformer": {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"},
}


def prepare_stage(reviews: pd.DataFrame, params: Params, root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    reviews.to_csv(root / "reviews.csv", index=False)
    labelled = read_labelled_texts(root / "reviews.csv", params.data)
    save(split(labelled, params.prepare, params.seed), root / "prepared")
    return root / "prepared"


def run_pipeline(reviews: pd.DataFrame, params: Params, root: Path) -> dict[str, Any]:
    prepared = prepare_stage(reviews, params, root)
    save_classifier(train(prepared, params.train, params.seed), root / "model")
    return evaluate(root / "model", prepared, root / "metrics")


@pytest.fixture(params=["baseline", "transformer"])
def model_params(request: pytest.FixtureRequest, params: Params) -> Params:
    """The parameters of each kind of model (the tiny checkpoint is built only for the transformer)."""
    return params if request.param == "baseline" else request.getfixturevalue("transformer_params")


def test_the_pipeline_writes_every_output(tmp_path: Path, reviews: pd.DataFrame, model_params: Params) -> None:
    metrics = run_pipeline(reviews, model_params, tmp_path)

    kind = model_params.train.model
    model_files = {path.name for path in (tmp_path / "model").iterdir()}
    assert model_files >= MODEL_FILES[kind] | {DESCRIPTION_FILE}
    description = json.loads((tmp_path / "model" / DESCRIPTION_FILE).read_text())
    assert description == {"kind": kind, "classes": CLASSES, "max_length": model_params.train.max_length}

    assert set(metrics) == {"accuracy", "macro_f1", "baseline", "per_class"}
    assert set(metrics["baseline"]) == {"accuracy", "macro_f1"}
    assert set(metrics["per_class"]) == set(CLASSES)
    assert 0 <= metrics["macro_f1"] <= 1
    assert json.loads((tmp_path / "metrics" / "metrics.json").read_text()) == metrics
    predictions = pd.read_csv(tmp_path / "metrics" / "predictions.csv", dtype=str)
    texts, labels = read_split(tmp_path / "prepared" / TEST_FILE)
    assert list(predictions.columns) == ["actual", "predicted", "row_hash"]
    assert predictions["actual"].tolist() == labels
    assert predictions["predicted"].tolist() == predict_labels(load_classifier(tmp_path / "model"), texts)
    assert np.mean(predictions["actual"] == predictions["predicted"]) == pytest.approx(metrics["accuracy"], abs=1e-4)
    with Image.open(tmp_path / "metrics" / "confusion_matrix.png") as picture:
        assert picture.text["Title"] == f"Confusion matrix of model {folder_md5(tmp_path / 'model')[:8]}"


def test_the_baseline_learns_the_reviews(tmp_path: Path, reviews: pd.DataFrame, params: Params) -> None:
    metrics = run_pipeline(reviews, params, tmp_path)
    majority_share = reviews["sentiment"].value_counts(normalize=True).max()
    assert metrics["accuracy"] > majority_share + 0.2
    assert metrics["macro_f1"] > 0.6


def test_a_saved_model_predicts_as_the_trained_one(tmp_path: Path, reviews: pd.DataFrame, model_params: Params) -> None:
    """The API and the evaluate stage load the folder: it must hold the fine-tuned weights and the label names."""
    prepared = prepare_stage(reviews, model_params, tmp_path)
    trained = train(prepared, model_params.train, model_params.seed)
    save_classifier(trained, tmp_path / "model")
    loaded = load_classifier(tmp_path / "model")

    texts, _ = read_split(prepared / TEST_FILE)
    assert (loaded.kind, loaded.classes, loaded.max_length) == (trained.kind, CLASSES, model_params.train.max_length)
    np.testing.assert_allclose(loaded.predict_proba(texts), trained.predict_proba(texts), rtol=0, atol=1e-6)


def test_the_same_seed_gives_the_same_model(tmp_path: Path, reviews: pd.DataFrame, model_params: Params) -> None:
    """Retraining on unchanged data and parameters must not change the metrics a pull request reports."""
    prepared = prepare_stage(reviews, model_params, tmp_path)
    texts, _ = read_split(prepared / TEST_FILE)
    first = train(prepared, model_params.train, model_params.seed).predict_proba(texts)
    second = train(prepared, model_params.train, model_params.seed).predict_proba(texts)
    np.testing.assert_array_equal(first, second)


def test_the_best_validation_epoch_is_kept(
    tmp_path: Path, reviews: pd.DataFrame, transformer_params: Params, caplog: pytest.LogCaptureFixture
) -> None:
    """Validation labels that are the training texts' labels moved to the next class: the model that has learnt
    the training texts scores low on them, an earlier one that guesses scores higher by chance. The model returned
    must be the epoch of the best score, not the last one."""
    prepared = prepare_stage(reviews, transformer_params, tmp_path)
    texts, labels = read_split(prepared / TRAIN_FILE)
    moved = [CLASSES[(CLASSES.index(label) + 1) % len(CLASSES)] for label in labels]
    pd.DataFrame({"text": texts, "label": moved}).to_csv(prepared / VALIDATION_FILE, index=False)
    settings = transformer_params.train.model_copy(update={"epochs": 8, "learning_rate": 5e-3})

    with caplog.at_level(logging.INFO):
        classifier = train(prepared, settings, transformer_params.seed)

    scores = [float(score) for score in re.findall(r"validation accuracy (\d\.\d+)", caplog.text)]
    assert len(scores) == settings.epochs
    assert scores[-1] < max(scores), f"the last epoch is the best here, so this proves nothing: {scores}"
    kept = np.mean([guess == label for guess, label in zip(predict_labels(classifier, texts), moved, strict=True)])
    assert kept == pytest.approx(max(scores), abs=1e-4)


@pytest.mark.parametrize("checkpoint", ["empty folder", "missing folder", "no-such-org/no-such-model"])
def test_a_checkpoint_that_cannot_be_loaded_names_train_pretrained_model(
    tmp_path: Path, reviews: pd.DataFrame, transformer_params: Params, checkpoint: str
) -> None:
    """A typo in the folder, or a hub name without network, is one line naming the parameter, not a traceback."""
    (tmp_path / "empty folder").mkdir()
    name = checkpoint if "/" in checkpoint else str(tmp_path / checkpoint)
    prepared = prepare_stage(reviews, transformer_params, tmp_path / "run")
    settings = transformer_params.train.model_copy(update={"pretrained_model": name})
    with pytest.raises(ProjectError, match=f"train.pretrained_model '{re.escape(name)}' could not be loaded"):
        train(prepared, settings, transformer_params.seed)


def test_a_folder_without_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=f"no model at .* \\({DESCRIPTION_FILE} missing\\): run `dvc repro`"):
        load_classifier(tmp_path)
    (tmp_path / DESCRIPTION_FILE).write_text("<html>not found</html>")
    with pytest.raises(ProjectError, match="is not a model description .*: retrain with `dvc repro`"):
        load_classifier(tmp_path)
    (tmp_path / DESCRIPTION_FILE).write_text('{"kind": "forest", "classes": ["a"], "max_length": 8}')
    with pytest.raises(ProjectError, match="kind: Input should be .*'forest'.*: retrain with `dvc repro`") as error:
        load_classifier(tmp_path)
    assert "\n" not in str(error.value)  # the command line prints it as one line


@pytest.mark.parametrize("kind", ["baseline", "transformer"])
def test_a_text_is_read_up_to_max_length_tokens(trained_models: dict[str, Path], kind: str) -> None:
    """What follows the first `max_length` tokens changes nothing, and a text longer than the transformer has
    positions for is cut, not an error."""
    classifier = load_classifier(trained_models[kind])
    positions = json.loads((trained_models["transformer"] / "config.json").read_text())["max_position_embeddings"]
    start = "The kettle: works perfectly. " * 20
    texts = [start + "Arrived broken. " * 30, start + "Does the job. " * 30]
    assert all(classifier.count_tokens(text) > positions > classifier.max_length for text in texts)
    probabilities = classifier.predict_proba(texts)
    np.testing.assert_allclose(probabilities[0], probabilities[1], rtol=0, atol=1e-6)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
