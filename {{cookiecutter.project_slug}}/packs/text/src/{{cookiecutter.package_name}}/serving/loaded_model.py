"""The served text classifier, loaded once, and what the API accepts, read from the model folder itself.

The folder the train stage wrote holds the weights, the tokenizer, the label names and the number of tokens the
model reads, so the image needs nothing but that folder and, for `/model`, the metrics of its evaluation.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..core.errors import ProjectError
from ..core.hashing import output_md5
from ..modeling.classifier import TextClassifier, load_classifier
from .prediction import Prediction, TargetInfo, from_probabilities
from .provenance import git_commit, read_metrics

LongText = Literal["truncate", "refuse"]
TEXT_FIELD = "text"
EXAMPLE_TEXT = "Arrived a day early and works perfectly."


@dataclass(frozen=True)
class TextSpec:
    """One instance is one text; a text over `max_length` tokens is cut or refused, as `long_text` says."""

    max_length: int
    long_text: LongText
    count_tokens: Callable[[str], int]

    @property
    def columns(self) -> list[str]:
        return [TEXT_FIELD]

    def example(self) -> dict[str, Any]:
        return {TEXT_FIELD: EXAMPLE_TEXT}


# Before a model is loaded: nothing is counted, since the API answers 503 anyway.
NO_FEATURES = TextSpec(max_length=0, long_text="truncate", count_tokens=len)


@dataclass(frozen=True)
class LoadedModel:
    classifier: TextClassifier
    features: TextSpec
    target: TargetInfo
    version: str
    commit: str
    metrics: dict[str, Any] = field(default_factory=dict)

    def predict(self, rows: list[dict[str, Any]]) -> list[Prediction]:
        """The most probable class of each text, with its probability."""
        probabilities = self.classifier.predict_proba([row[TEXT_FIELD] for row in rows])
        return from_probabilities(probabilities, self.target.classes)


def load_model(model_path: Path, metrics_path: Path, long_text: LongText = "truncate") -> LoadedModel:
    """Load the classifier folder for serving; raise `ProjectError` when it is missing or not this project's."""
    if not model_path.is_dir():
        raise ProjectError(f"no model at {model_path}: run `dvc repro` (or `dvc pull`) first")
    classifier = load_classifier(model_path)
    return LoadedModel(
        classifier=classifier,
        features=TextSpec(max_length=classifier.max_length, long_text=long_text, count_tokens=classifier.count_tokens),
        target=TargetInfo(classes=classifier.classes),
        version=output_md5(model_path),
        commit=git_commit(),
        metrics=read_metrics(metrics_path),
    )
