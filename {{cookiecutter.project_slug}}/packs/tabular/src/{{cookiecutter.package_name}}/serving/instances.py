"""What one instance of a request is for a table: a record with one field per feature column.

Each instance is an object with one field per feature column: finite JSON numbers for numeric columns, text (or a
whole number used as a code) for categorical ones; `null` means missing, which the model imputes. Types are strict,
as the OpenAPI document states them: `true` or `"6.5"` is not a number. The fields come from the model's own
columns, so bad input is refused by name.

The shared API reads this module's names alone: `InputSpec`, `instance_model`, `INSTANCES` and
`InputSettings` (the settings instances take, and how the model is loaded with them).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, create_model

from .loaded_model import FeatureSpec, LoadedModel, load_model
from .request_log import RequestLog

InputSpec = FeatureSpec
# What a request's `instances` hold, for the OpenAPI document.
INSTANCES = "feature records, one field per column"
# The forest computes in 32-bit floats: a larger number would overflow to infinity inside the model.
LARGEST_NUMBER = 3.4e38


def instance_model(features: FeatureSpec) -> type[BaseModel]:
    """One pydantic field per column; columns are aliases, so any CSV header works as a field name."""
    fields: dict[str, Any] = {}
    for index, (column, typical) in enumerate(features.numeric.items()):
        number = Field(
            alias=column, examples=[typical], strict=True, allow_inf_nan=False, ge=-LARGEST_NUMBER, le=LARGEST_NUMBER
        )
        fields[f"numeric_{index}"] = (float | None, number)
    for index, (column, typical) in enumerate(features.categorical.items()):
        fields[f"categorical_{index}"] = (StrictStr | StrictInt | None, Field(alias=column, examples=[typical]))
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
