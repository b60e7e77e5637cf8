"""The `train` section of params.yaml for a table's numeric target: the random forest's settings."""

from pydantic import Field

from .section import Section


class TrainParams(Section):
    """Hyperparameters of the random forest."""

    n_estimators: int = Field(ge=1)
    max_depth: int | None = Field(default=None, ge=1)
    min_samples_leaf: int = Field(default=1, ge=1)
