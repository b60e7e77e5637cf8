"""The text task's sections of params.yaml: the labelled texts, their split, the models and the API's long texts."""

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from .section import Section


class DataParams(Section):
    """Which table to learn from: one column of text, one of labels."""

    raw: Path
    text: str = Field(min_length=1)
    target: str = Field(min_length=1)


class PrepareParams(Section):
    """How the table is split into training, validation and test rows."""

    validation_size: float = Field(gt=0, lt=1)
    test_size: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def leaves_training_rows(self) -> "PrepareParams":
        if self.validation_size + self.test_size >= 1:
            raise ValueError("validation_size + test_size must be below 1, to leave rows to train on")
        return self


class BaselineParams(Section):
    """The scikit-learn baseline: TF-IDF over word n-grams, then logistic regression."""

    ngram_max: int = Field(default=2, ge=1, le=3)
    c: float = Field(default=10.0, gt=0, description="inverse regularisation strength")


class TrainParams(Section):
    """Which model to train, and the fine-tuning hyperparameters of the transformer."""

    model: Literal["transformer", "baseline"]
    pretrained_model: str = Field(min_length=1, description="a model hub name, or a folder holding a checkpoint")
    max_length: int = Field(ge=8, le=512, description="tokens per text the model reads")
    epochs: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    learning_rate: float = Field(gt=0, lt=1)
    baseline: BaselineParams = BaselineParams()


class ServeParams(Section):
    """How the API answers a text longer than the model reads."""

    long_text: Literal["truncate", "refuse"] = "truncate"


class TaskParams(Section):
    """The sections of params.yaml that belong to the text task."""

    data: DataParams
    prepare: PrepareParams
    train: TrainParams
    serve: ServeParams = ServeParams()
