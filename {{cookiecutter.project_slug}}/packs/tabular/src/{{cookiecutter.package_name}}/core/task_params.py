"""A table's sections of params.yaml: the table, its split, the model (`train_params`) and drift checks."""

from pathlib import Path
from typing import Literal

from pydantic import Field

from .section import Section
from .train_params import TrainParams

# What a feature column is to the model.
FeatureType = Literal["numeric", "categorical"]
# What `data.feature_types` may declare a column to be: a feature type, a date (turned into numbers), or an
# identifier (dropped, as by `data.drop`, but accepted by the API). Declaring a column also stops the prepare
# stage's guess for it, so `categorical` keeps a column that was taken for an identifier or a date.
ColumnKind = Literal["numeric", "categorical", "date", "identifier"]


class DataParams(Section):
    """Which table to learn from and how to read its columns."""

    raw: Path
    target: str = Field(min_length=1)
    drop: list[str] = []
    feature_types: dict[str, ColumnKind] = {}
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
