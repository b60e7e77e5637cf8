"""The settings of the tree families every table task offers: `train.random_forest`, `train.hist_gradient_boosting`.

Each key is the scikit-learn parameter of the same name, so the estimator takes a section as it is; the defaults
are scikit-learn's. The task's `train_params` adds its linear family and `train.model`, which picks one.
"""

from typing import Literal

from pydantic import Field

from .section import Section


class RandomForestParams(Section):
    """Many trees, each grown on a bootstrap sample of the rows; they vote (or average)."""

    n_estimators: int = Field(default=100, ge=1, description="how many trees")
    max_depth: int | None = Field(default=None, ge=1, description="levels per tree; None: until leaves are pure")
    min_samples_leaf: int = Field(default=1, ge=1, description="fewest training rows a leaf holds")


class HistGradientBoostingParams(Section):
    """Trees grown one after another, each correcting the ones before, on numbers binned into 255 steps."""

    max_iter: int = Field(default=100, ge=1, description="boosting rounds (a tree per class in each round)")
    learning_rate: float = Field(default=0.1, gt=0, description="how much of each round's correction is kept")
    max_depth: int | None = Field(default=None, ge=1, description="levels per tree; None: max_leaf_nodes alone")
    max_leaf_nodes: int | None = Field(default=31, ge=2, description="leaves per tree")
    min_samples_leaf: int = Field(default=20, ge=1, description="fewest training rows a leaf holds")
    l2_regularization: float = Field(default=0.0, ge=0, description="shrinks each leaf's value towards zero")
    early_stopping: Literal["auto"] | bool = Field(
        default="auto", description="hold out 10% and stop when 10 rounds bring nothing; auto: above 10,000 rows"
    )
