"""The pipeline's predictions, with a random forest's trees called one after the other rather than through joblib.

A scikit-learn forest hands each tree to joblib, even with `n_jobs=1`; for the few hundred rows a server predicts
at a time, that bookkeeping costs more than the trees themselves (about 10 ms a call against 2 ms for a hundred
shallow trees). Adding up the trees' own predictions in the forest's order and dividing by their number is the
forest's own arithmetic, so the answers are the same floats the evaluation scored (`tests/test_serving.py` checks
it on test rows). Other estimators, and a forest given sparse features, are called as they are.
"""

from typing import Literal

import numpy as np
import pandas as pd
from scipy.sparse import issparse
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.pipeline import Pipeline

from ..modeling.estimator import STEP

Method = Literal["predict_proba", "predict"]


def pipeline_output(pipeline: Pipeline, frame: pd.DataFrame, method: Method) -> np.ndarray:
    """What `pipeline.predict_proba(frame)` (or `predict`) returns, a forest's trees summed in a plain loop."""
    estimator = pipeline.named_steps[STEP]
    if not isinstance(estimator, RandomForestClassifier | RandomForestRegressor) or estimator.n_outputs_ != 1:
        return getattr(pipeline, method)(frame)
    features = pipeline[:-1].transform(frame)
    if issparse(features):
        return getattr(estimator, method)(features)
    features = np.ascontiguousarray(features, dtype=np.float32)  # the trees' own dtype, as the forest converts
    total = np.zeros((len(features), estimator.n_classes_) if method == "predict_proba" else len(features))
    for tree in estimator.estimators_:
        total += getattr(tree, method)(features, check_input=False)
    total /= len(estimator.estimators_)
    return total
