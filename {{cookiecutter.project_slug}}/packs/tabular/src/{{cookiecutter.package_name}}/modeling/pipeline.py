"""The model: one scikit-learn Pipeline from raw columns to a prediction.

Imputation, encoding and (for a linear model) scaling live inside the pipeline, so the saved model takes records as
they come: missing values, numbers sent as text, dates as text, and categories never seen in training (ignored)
included.
"""

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from ..core.train_params import TrainParams
from ..data.expectations import Expectations
from ..data.schema import FeatureSchema
from .dates import date_encoder
from .estimator import SCALED_FAMILIES, STEP, build_estimator
from .inputs import STEP as INPUTS_STEP
from .inputs import ModelInputs

MISSING_CATEGORY = "<missing>"


def as_category_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories compare as text, so a code sent as 12345 or "12345" is the same category."""
    text = frame.astype("string").astype(object)
    return text.where(text.notna(), np.nan)


def build_preprocessor(schema: FeatureSchema, scale: bool = False) -> ColumnTransformer:
    """Median-impute numbers; impute a 'missing' category and one-hot encode categories; turn dates into numbers.

    With `scale`, numbers and dates are then standardised (mean 0, variance 1 over the training rows), for a model
    that weighs a feature by its size; the one-hot columns stay 0 or 1.
    """
    transformers = []
    if schema.numeric:
        numeric = make_pipeline(SimpleImputer(strategy="median"), *([StandardScaler()] if scale else []))
        transformers.append(("numeric", numeric, schema.numeric))
    if schema.categorical:
        categorical = make_pipeline(
            FunctionTransformer(as_category_text, feature_names_out="one-to-one"),
            SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY),
            OneHotEncoder(handle_unknown="ignore"),
        )
        transformers.append(("categorical", categorical, schema.categorical))
    if schema.dates:
        dates = date_encoder(schema.dates)
        transformers.append(("dates", make_pipeline(dates, StandardScaler()) if scale else dates, list(schema.dates)))
    return ColumnTransformer(transformers, remainder="drop")


def build_model(schema: FeatureSchema, expectations: Expectations, params: TrainParams, seed: int) -> Pipeline:
    """The untrained pipeline: the record's features (`inputs`), the preprocessing, then the estimator of the family
    `train.model` names."""
    return Pipeline(
        [
            (INPUTS_STEP, ModelInputs(schema, expectations)),
            ("preprocess", build_preprocessor(schema, scale=params.model in SCALED_FAMILIES)),
            (STEP, build_estimator(params, seed)),
        ]
    )
