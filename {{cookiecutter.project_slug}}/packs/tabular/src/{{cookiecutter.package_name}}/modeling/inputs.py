"""The pipeline's first step: the record's columns the model uses, and what training showed of each.

It passes on the feature columns alone, so a record may carry others (an identifier, a column of `data.drop`)
without them reaching the model. It also carries the prepared schema and the training expectations inside the
model file: the API builds its request schema, accepts the ignored columns and warns about values training never
showed from the model alone, as the serving image holds nothing else.
"""

import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from ..data.expectations import Expectations
from ..data.schema import FeatureSchema

STEP = "inputs"


class ModelInputs(TransformerMixin, BaseEstimator):
    """Select the schema's features; learns nothing."""

    def __init__(self, schema: FeatureSchema, expectations: Expectations) -> None:
        self.schema = schema
        self.expectations = expectations

    def fit(self, frame: pd.DataFrame, target: pd.Series | None = None) -> "ModelInputs":
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame[self.schema.features]
