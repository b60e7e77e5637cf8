"""A table's sections of params.yaml: the table, its split, the model (`train_params`) and drift checks."""

from pathlib import Path
from typing import Literal

from pydantic import Field

from .section import Section
from .train_params import TrainParams

FeatureType = Literal["numeric", "categorical"]


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


class DriftParams(Section):
    """When a batch of new inputs counts as drifted from the training data (`make drift`)."""

    p_value: float = Field(default=0.01, gt=0, lt=1)
    psi: float = Field(default=0.2, gt=0)
    unexpected_share: float = Field(default=0.1, ge=0, le=1)
    missing_share_increase: float = Field(default=0.1, ge=0, le=1)


class TaskParams(Section):
    """The sections of params.yaml that belong to a table."""

    data: DataParams
    prepare: PrepareParams
    train: TrainParams
    drift: DriftParams = DriftParams()
