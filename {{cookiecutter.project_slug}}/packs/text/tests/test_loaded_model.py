"""What the server loads from a model folder: its version, classes, predictions and what requests it accepts."""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.hashing import output_md5
from {{ cookiecutter.package_name }}.modeling.classifier import DESCRIPTION_FILE, load_classifier
from {{ cookiecutter.package_name }}.serving.loaded_model import load_model
from {{ cookiecutter.package_name }}.serving.schemas import predict_request_model

CLASSES = ["negative", "neutral", "positive"]
TEXTS = [
    "The kettle: works perfectly. Highly recommended.",
    "The webcam: arrived broken. Returned it at once.",
    "The toaster: does the job. Nothing special.",
    "Something else entirely, with words the model never saw.",
]


def metrics_path(model_folder: Path) -> Path:
    """Where the evaluate stage wrote the metrics of a model of `trained_models`."""
    return model_folder.parent / "metrics" / "metrics.json"


@pytest.mark.parametrize("kind", ["baseline", "transformer"])
def test_a_folder_loads_with_its_version_classes_and_metrics(trained_models: dict[str, Path], kind: str) -> None:
    folder = trained_models[kind]
    loaded = load_model(folder, metrics_path(folder))
    assert loaded.version == output_md5(folder)
    assert loaded.version.endswith(".dir")  # a folder's hash, as dvc.lock writes it
    assert loaded.target.classes == CLASSES
    assert loaded.features.columns == ["text"]
    assert loaded.features.max_length == 32
    assert loaded.metrics == json.loads(metrics_path(folder).read_text())
    assert loaded.metrics["per_class"].keys() == set(CLASSES)


@pytest.mark.parametrize("kind", ["baseline", "transformer"])
def test_predictions_are_the_classifiers_own(trained_models: dict[str, Path], kind: str) -> None:
    """The served label is the most probable class, and its score that class's probability."""
    loaded = load_model(trained_models[kind], metrics_path(trained_models[kind]))
    probabilities = load_classifier(trained_models[kind]).predict_proba(TEXTS)

    predictions = loaded.predict([{"text": text} for text in TEXTS])
    assert [p.label for p in predictions] == [CLASSES[index] for index in probabilities.argmax(axis=1)]
    assert [p.score for p in predictions] == pytest.approx(probabilities.max(axis=1).tolist(), abs=1e-6)
    assert all(1 / len(CLASSES) <= p.score <= 1 for p in predictions)


def test_the_version_is_the_hash_dvc_records(
    tmp_path: Path, trained_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/model` reports this version and the deploy labels the image with dvc.lock's: they must be one string,
    or a running model cannot be traced back to its report."""
    from dvc.repo import Repo

    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    monkeypatch.setenv("DVC_SITE_CACHE_DIR", str(tmp_path / "site_cache"))
    monkeypatch.chdir(tmp_path)
    shutil.copytree(trained_models["transformer"], tmp_path / "model")
    Repo.init(str(tmp_path), no_scm=True).close()
    with Repo(str(tmp_path)) as repo:
        repo.add("model")
    recorded = yaml.safe_load((tmp_path / "model.dvc").read_text())["outs"][0]["md5"]

    assert load_model(tmp_path / "model", tmp_path / "metrics.json").version == recorded


@pytest.mark.parametrize("kind", ["baseline", "transformer"])
def test_long_texts_are_refused_by_the_models_own_count_or_cut(trained_models: dict[str, Path], kind: str) -> None:
    """Under `refuse` the request schema counts tokens as the model does (words for the baseline, WordPiece
    tokens with [CLS] and [SEP] for the transformer); under `truncate` the same text is accepted."""
    folder = trained_models[kind]
    classifier = load_classifier(folder)
    fitting = " ".join(["kettle"] * (32 - classifier.count_tokens("")))  # the transformer adds [CLS] and [SEP]
    too_long = fitting + " kettle"
    assert classifier.count_tokens(fitting) == 32
    assert classifier.count_tokens(too_long) == 33

    refusing = predict_request_model(load_model(folder, metrics_path(folder), long_text="refuse").features, 8)
    refusing.model_validate({"instances": [{"text": fitting}]})
    with pytest.raises(ValidationError, match="the text is 33 tokens long and the model reads at most 32"):
        refusing.model_validate({"instances": [{"text": too_long}]})
    truncating = predict_request_model(load_model(folder, metrics_path(folder), long_text="truncate").features, 8)
    truncating.model_validate({"instances": [{"text": too_long}]})


def test_a_missing_model_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no model at .*: run `dvc repro` \\(or `dvc pull`\\) first"):
        load_model(tmp_path / "model", tmp_path / "metrics.json")
    (tmp_path / "model.joblib").write_bytes(b"a file where the folder should be")
    with pytest.raises(ProjectError, match="no model at"):
        load_model(tmp_path / "model.joblib", tmp_path / "metrics.json")


def test_a_folder_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.safetensors").write_bytes(b"half a download")
    with pytest.raises(ProjectError, match=f"{DESCRIPTION_FILE} missing"):
        load_model(tmp_path / "model", tmp_path / "metrics.json")


def test_a_model_whose_description_names_other_classes_is_refused(
    tmp_path: Path, trained_models: dict[str, Path]
) -> None:
    """Labels served under the wrong names would be worse than no answer; the server reports the error."""
    folder = tmp_path / "model"
    shutil.copytree(trained_models["baseline"], folder)
    description = json.loads((folder / DESCRIPTION_FILE).read_text())
    (folder / DESCRIPTION_FILE).write_text(json.dumps({**description, "classes": ["bad", "good", "meh"]}))
    with pytest.raises(ValueError, match="predicts \\['negative', 'neutral', 'positive'\\], its description says"):
        load_model(folder, tmp_path / "metrics.json")
