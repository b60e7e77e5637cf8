"""The served model, loaded once, and what it expects, read from the fitted pipeline itself.

The saved pipeline knows its own columns (numeric ones with their training medians, categorical ones with the
categories seen in training, dates with their format, and the columns it ignores) and what it predicts, so the
image needs nothing from the pipeline but the model file and, for `/model`, the metrics of its evaluation.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ..core.errors import ProjectError
from ..core.hashing import output_md5
from ..data.expectations import Expectations
from ..modeling.estimator import STEP
from ..modeling.inputs import STEP as INPUTS_STEP
from .answers import answer, target_info
from .input_checks import record_warnings, unusual_rows
from .prediction import Prediction, TargetInfo
from .provenance import git_commit, read_metrics


@dataclass(frozen=True)
class FeatureSpec:
    """The model's input columns by type, with a typical value for each (for the API's examples), the format of
    each date, and the columns a record may hold that the model does not use."""

    numeric: dict[str, float]
    categorical: dict[str, str]
    dates: dict[str, str | None] = field(default_factory=dict)
    date_layouts: dict[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical, *self.dates]

    def example(self) -> dict[str, Any]:
        return {**self.numeric, **self.categorical, **self.dates}


@dataclass(frozen=True)
class LoadedModel:
    pipeline: Pipeline
    features: FeatureSpec
    target: TargetInfo
    version: str
    commit: str
    expectations: Expectations
    metrics: dict[str, Any] = field(default_factory=dict)

    def predict(self, rows: list[dict[str, Any]]) -> list[Prediction]:
        """The model's answer for each row, with a warning for each value unlike the training rows'."""
        frame = pd.DataFrame.from_records(rows, columns=self.features.columns)
        predictions = answer(self.pipeline, frame)
        for index in np.flatnonzero(unusual_rows(frame, self.expectations)):
            predictions[index].warnings = record_warnings(rows[index], self.expectations, self.features.numeric)
        return predictions


# Before a model is loaded: a request schema without fields (the API answers 503 anyway).
NO_FEATURES = FeatureSpec(numeric={}, categorical={})


def feature_spec(pipeline: Pipeline) -> FeatureSpec:
    """Columns and typical values from the fitted ColumnTransformer built by `pipeline.build_preprocessor`, and
    the rest from what the model's first step (`modeling.inputs`) recorded of training."""
    inputs = pipeline.named_steps[INPUTS_STEP]
    numeric: dict[str, float] = {}
    categorical: dict[str, str] = {}
    for name, transformer, columns in pipeline.named_steps["preprocess"].transformers_:
        if name == "numeric":
            medians = zip(columns, transformer.named_steps["simpleimputer"].statistics_, strict=True)
            numeric = {column: round(float(median), 4) for column, median in medians}
        elif name == "categorical":
            categories = transformer.named_steps["onehotencoder"].categories_
            categorical = {column: str(seen[0]) for column, seen in zip(columns, categories, strict=True)}
    return FeatureSpec(
        numeric=numeric,
        categorical=categorical,
        dates={name: inputs.expectations.dates[name].latest for name in inputs.schema.dates},
        date_layouts=dict(inputs.schema.dates),
        ignored=tuple(inputs.schema.ignored),
    )


def serve_in_one_thread(pipeline: Pipeline) -> None:
    """An estimator that spreads its work over the cores (a forest's `n_jobs`) uses one: requests are already
    batched, and many small calls are quicker in one thread. The other families have no `n_jobs` to set: a linear
    model's does nothing since scikit-learn 1.8, and gradient boosting predicts on OpenMP's threads, which
    `OMP_NUM_THREADS` caps."""
    estimator = pipeline.named_steps[STEP]
    if estimator.get_params().get("n_jobs") is not None:
        estimator.set_params(n_jobs=1)


def load_model(model_path: Path, metrics_path: Path) -> LoadedModel:
    """Load the pipeline for serving, in one thread per prediction."""
    if not model_path.is_file():
        raise ProjectError(f"no model at {model_path}: run `dvc repro` (or `dvc pull`) first")
    retrain = "retrain it with `dvc repro`, or point MODEL_PATH at a model this project trained"
    try:
        pipeline = joblib.load(model_path)
    except Exception as error:  # unpickling runs arbitrary code paths: any failure means "not a model"
        raise ProjectError(f"{model_path} cannot be loaded ({type(error).__name__}: {error}); {retrain}") from None
    try:
        serve_in_one_thread(pipeline)
        features, target = feature_spec(pipeline), target_info(pipeline)
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ProjectError(
            f"{model_path} is not a pipeline of this project's shape ({INPUTS_STEP!r}, a 'preprocess' column "
            f"transformer, then {STEP!r}): {retrain}"
        ) from None
    return LoadedModel(
        pipeline=pipeline,
        features=features,
        target=target,
        version=output_md5(model_path),
        commit=git_commit(),
        expectations=pipeline.named_steps[INPUTS_STEP].expectations,
        metrics=read_metrics(metrics_path),
    )
