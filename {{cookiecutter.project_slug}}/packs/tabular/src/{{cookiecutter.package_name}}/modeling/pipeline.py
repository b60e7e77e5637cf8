"""The model: one scikit-learn Pipeline from raw columns to a prediction.

Imputation and encoding live inside the pipeline, so the saved model takes records as they come: missing values,
numbers sent as text, dates as text, and categories never seen in training (ignored) included.
"""

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from ..core.train_params import TrainParams
from ..data.expectations import Expectations
from ..data.schema import FeatureSchema
from .dates import date_encoder
from .estimator import STEP, build_estimator
from .inputs import STEP as INPUTS_STEP
from .inputs import ModelInputs

MISSING_CATEGORY = "<missing>"


def as_category_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories compare as text, so a code sent as 12345 or "12345" is the same category."""
    text = frame.astype("string").astype(object)
    return text.where(text.notna(), np.nan)


def build_preprocessor(schema: FeatureSchema) -> ColumnTransformer:
    """Median-impute numbers; impute a 'missing' category and one-hot encode categories; turn dates into numbers."""
    transformers = []
    if schema.numeric:
        transformers.append(("numeric", SimpleImputer(strategy="median"), schema.numeric))
    if schema.categorical:
        categorical = make_pipeline(
            FunctionTransformer(as_category_text, feature_names_out="one-to-one"),
            SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY),
            OneHotEncoder(handle_unknown="ignore"),
        )
        transformers.append(("categorical", categorical, schema.categorical))
    if schema.dates:
        transformers.append(("dates", date_encoder(schema.dates), list(schema.dates)))
    return ColumnTransformer(transformers, remainder="drop")


def build_model(schema: FeatureSchema, expectations: Expectations, params: TrainParams, seed: int) -> Pipeline:
    """The untrained pipeline: the record's features (`inputs`), the preprocessing, then the task's estimator."""
    return Pipeline(
        [
            (INPUTS_STEP, ModelInputs(schema, expectations)),
            ("preprocess", build_preprocessor(schema)),
            (STEP, build_estimator(params, seed)),
        ]
    )
