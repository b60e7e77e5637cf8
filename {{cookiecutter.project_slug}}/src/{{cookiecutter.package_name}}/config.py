"""params.yaml as typed, validated settings: a typo or an out-of-range value stops a stage before any work."""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ProjectError

PARAMS_PATH = Path("params.yaml")

FeatureType = Literal["numeric", "categorical"]


class Section(BaseModel):
    """Unknown keys are refused, so a misspelt parameter cannot be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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


class DriftParams(Section):
    """When a batch of new inputs counts as drifted from the training data (`make drift`)."""

    p_value: float = Field(default=0.01, gt=0, lt=1)
    psi: float = Field(default=0.2, gt=0)
    unexpected_share: float = Field(default=0.1, ge=0, le=1)
    missing_share_increase: float = Field(default=0.1, ge=0, le=1)


class Params(Section):
    """Everything in params.yaml."""

    seed: int
    data: DataParams
    prepare: PrepareParams
    train: TrainParams
    report: ReportParams = ReportParams()
    gate: GateParams = GateParams()
    drift: DriftParams = DriftParams()


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
