"""What one instance of a request is for a table: a record with one field per feature column.

Each instance is an object with one field per feature column: finite JSON numbers for numeric columns, text (or a
whole number used as a code) for categorical ones, text in the training data's format for dates; `null` means
missing, which the model imputes. A column the model ignores (an identifier, one of `data.drop`) may be sent too,
so a record can go as it is. Types are strict, as the OpenAPI document states them: `true` or `"6.5"` is not a
number. The fields come from the model's own columns, so bad input is refused by name.

The shared API reads this module's names alone: `InputSpec`, `instance_model`, `INSTANCES`, `INSTANCE_BYTES`,
`ROWS_PER_CALL` and `InputSettings` (the settings instances take, and how the model is loaded with them).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr, create_model

from ..data.column_roles import parse_dates
from .loaded_model import FeatureSpec, LoadedModel, load_model
from .request_log import RequestLog

InputSpec = FeatureSpec
# What a request's `instances` hold, for the OpenAPI document.
INSTANCES = "feature records, one field per column"
# What one instance may take in a request body, for the body's size limit: a record of a hundred or so columns.
INSTANCE_BYTES = 4096
# Rows per model call, at most (one request is never split): a forest predicts 2,048 rows in little more time than
# 256, so a busy server answers more by joining more requests.
ROWS_PER_CALL = 2048
# The forest computes in 32-bit floats: a larger number would overflow to infinity inside the model.
LARGEST_NUMBER = 3.4e38


def date_check(layout: str) -> AfterValidator:
    """Refuse a date that does not read in the format of the training data (`null` is a missing date)."""

    def check(value: str | None) -> str | None:
        if value is not None and parse_dates(pd.Series([value]), layout).isna().all():
            raise ValueError(f"not a date in the format of the training data ({layout}); send null if missing")
        return value

    return AfterValidator(check)


def instance_model(features: FeatureSpec) -> type[BaseModel]:
    """One pydantic field per column; columns are aliases, so any CSV header works as a field name. Columns the
    model ignores (identifiers, `data.drop`) are accepted with any value and left out of the record."""
    fields: dict[str, Any] = {}
    for index, (column, typical) in enumerate(features.numeric.items()):
        number = Field(
            alias=column,
            title=column,
            examples=[typical],
            strict=True,
            allow_inf_nan=False,
            ge=-LARGEST_NUMBER,
            le=LARGEST_NUMBER,
        )
        fields[f"numeric_{index}"] = (float | None, number)
    for index, (column, typical) in enumerate(features.categorical.items()):
        category = Field(alias=column, title=column, examples=[typical])
        fields[f"categorical_{index}"] = (StrictStr | StrictInt | None, category)
    for index, (column, typical) in enumerate(features.dates.items()):
        date = Annotated[StrictStr | None, date_check(features.date_layouts[column])]
        fields[f"date_{index}"] = (date, Field(alias=column, title=column, examples=[typical]))
    for index, column in enumerate(features.ignored):
        ignored = Field(default=None, alias=column, title=column, exclude=True, description="not used by the model")
        fields[f"ignored_{index}"] = (Any, ignored)
    config = ConfigDict(extra="forbid", json_schema_extra={"examples": [features.example()]})
    return create_model("Instance", __config__=config, **fields)


@dataclass(frozen=True)
class InputSettings:
    """REQUEST_LOG: a CSV to append every answered input to, for `make drift` (unset: none)."""

    request_log: Path | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> "InputSettings":
        return cls(request_log=Path(environ["REQUEST_LOG"]) if environ.get("REQUEST_LOG") else None)

    def load(self, model_path: Path, metrics_path: Path) -> LoadedModel:
        return load_model(model_path, metrics_path)

    def recorder(self, model: LoadedModel) -> Callable[[list[dict[str, Any]]], None] | None:
        """What keeps each answered batch of inputs: the request log, when one is set."""
        return RequestLog(self.request_log, model.features.columns).append if self.request_log else None
