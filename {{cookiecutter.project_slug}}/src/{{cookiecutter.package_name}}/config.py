"""params.yaml as typed, validated settings: a typo or an out-of-range value stops a stage before any work."""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator{% if cookiecutter.task == "text-classification" %}, model_validator{% endif %}

from .errors import ProjectError

PARAMS_PATH = Path("params.yaml")
{% if cookiecutter.task != "text-classification" %}
FeatureType = Literal["numeric", "categorical"]
{% endif %}

class Section(BaseModel):
    """Unknown keys are refused, so a misspelt parameter cannot be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

{% if cookiecutter.task == "text-classification" %}
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

{% else %}
class DataParams(Section):
    """Which table to learn from and how to read its columns."""

    raw: Path
    target: str = Field(min_length=1)
    drop: list[str] = []
    feature_types: dict[str, FeatureType] = {}
    max_missing_share: float = Field(default=0.5, ge=0, le=1)


class PrepareParams(Section):
    """How the table is split into training and test rows."""

    test_size: float = Field(gt=0, lt=1)


class TrainParams(Section):
    """Hyperparameters of the random forest."""

    n_estimators: int = Field(ge=1)
    max_depth: int | None = Field(default=None, ge=1)
    min_samples_leaf: int = Field(default=1, ge=1)
    class_weight: Literal["balanced"] | None = None

{% endif %}
class ReportParams(Section):
    """How the pull-request report judges a change."""

    primary_metric: Literal["accuracy", "macro_f1"] = "macro_f1"


class GateParams(Section):
    """The quality gate: what a change must reach, and how far it may fall against the base."""

    minimum: dict[str, float] = {}
    max_drop: dict[str, float] = Field(default={}, description="largest allowed fall of each metric; 0 or more")

    @field_validator("max_drop")
    @classmethod
    def drops_are_not_negative(cls, drops: dict[str, float]) -> dict[str, float]:
        negative = [name for name, drop in drops.items() if drop < 0]
        if negative:
            raise ValueError(f"a drop is 0 or more, and {', '.join(negative)} has a negative one")
        return drops

{% if cookiecutter.task != "text-classification" %}
class DriftParams(Section):
    """When a batch of new inputs counts as drifted from the training data (`make drift`)."""

    p_value: float = Field(default=0.01, gt=0, lt=1)
    psi: float = Field(default=0.2, gt=0)
    unexpected_share: float = Field(default=0.1, ge=0, le=1)
    missing_share_increase: float = Field(default=0.1, ge=0, le=1)

{% endif %}
class Params(Section):
    """Everything in params.yaml."""

    seed: int
    data: DataParams
    prepare: PrepareParams
    train: TrainParams
    report: ReportParams = ReportParams()
    gate: GateParams = GateParams()
{%- if cookiecutter.task == "text-classification" %}
    serve: ServeParams = ServeParams()
{%- else %}
    drift: DriftParams = DriftParams()
{%- endif %}


def describe_error(error: ValidationError, path: Path) -> str:
    """The first validation problem as `params.yaml: train.n_estimators: <what is wrong> (got 0)`."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "top level"
    message = f"{path}: {location}: {first['msg']}"
    if first["type"] not in {"missing", "extra_forbidden"}:
        message += f" (got {first['input']!r})"
    return message


def load_params(path: Path = PARAMS_PATH) -> Params:
    """Read and validate params.yaml; raise `ProjectError` naming the offending key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{path} not found: run the command from the project root") from None
    except yaml.YAMLError as error:
        raise ProjectError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    try:
        return Params.model_validate(raw or {})
    except ValidationError as error:
        raise ProjectError(describe_error(error, path)) from None
