"""A trained text classifier, whichever kind `train.model` chose, saved as one folder.

The folder holds the model's own files (a transformers checkpoint with its tokenizer and label names, or the
scikit-learn baseline) and `classifier.json`, which says which kind it is and how many tokens it reads. The
evaluate stage and the API load it through `load_classifier` alone, so they work the same for both kinds.
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, ValidationError

from ..core.atomic import atomic_folder
from ..core.config import describe_error
from ..core.errors import ProjectError

DESCRIPTION_FILE = "classifier.json"
READABLE_BY_ALL = 0o644
Kind = Literal["transformer", "baseline"]


class Description(BaseModel):
    kind: Kind
    classes: list[str]
    max_length: int


class TextClassifier(Protocol):
    """What the pipeline and the API need of a trained model."""

    kind: Kind
    classes: list[str]
    max_length: int

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per class; a text over `max_length` tokens is cut to that length."""
        ...

    def count_tokens(self, text: str) -> int:
        """How many tokens of `text` the model would read without the `max_length` cut."""
        ...

    def save_files(self, folder: Path) -> None:
        """Write the model's own files into an empty folder."""
        ...


def predict_labels(classifier: TextClassifier, texts: Sequence[str]) -> list[str]:
    """The most probable class of each text."""
    return [classifier.classes[index] for index in classifier.predict_proba(texts).argmax(axis=1)]


def save_classifier(classifier: TextClassifier, folder: Path) -> None:
    """The model's files and its description, as one folder that appears whole."""
    description = Description(kind=classifier.kind, classes=classifier.classes, max_length=classifier.max_length)
    with atomic_folder(folder) as temporary:
        classifier.save_files(temporary)
        # Readable by every user: safetensors writes its weights for the owner only, and the serving image runs
        # as a user of its own.
        for file in temporary.iterdir():
            file.chmod(READABLE_BY_ALL)
        (temporary / DESCRIPTION_FILE).write_text(description.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load_classifier(folder: Path) -> TextClassifier:
    """Load a folder written by `save_classifier`; raise `ProjectError` when it is not one."""
    description_file = folder / DESCRIPTION_FILE
    if not description_file.is_file():
        raise ProjectError(f"no model at {folder} ({DESCRIPTION_FILE} missing): run `dvc repro` (or `dvc pull`) first")
    try:
        description = Description.model_validate(json.loads(description_file.read_text(encoding="utf-8")))
    except ValidationError as error:  # one line, as every ProjectError: pydantic's own message takes four
        raise ProjectError(
            f"{describe_error(error, description_file)}; not a model description: retrain with `dvc repro`"
        ) from None
    except ValueError as error:
        raise ProjectError(
            f"{description_file} is not a model description ({error}): retrain with `dvc repro`"
        ) from None
    # Imported here: the baseline needs no torch, and loading torch costs seconds.
    if description.kind == "baseline":
        from .baseline import BaselineClassifier

        return BaselineClassifier.load(folder, description.classes, description.max_length)
    from .transformer import TransformerClassifier

    return TransformerClassifier.load(folder, description.classes, description.max_length)
