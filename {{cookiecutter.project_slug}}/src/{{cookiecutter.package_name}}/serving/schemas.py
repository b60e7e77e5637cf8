"""Request and response bodies, built from the model's own columns so that bad input is refused by name.

Each instance is an object with one field per feature column: finite JSON numbers for numeric columns, text (or a
whole number used as a code) for categorical ones; `null` means missing, which the model imputes. Types are strict,
as the OpenAPI document states them: `true` or `"6.5"` is not a number. A missing or unknown field, a wrong type, an
empty batch or one above the size limit is a 422 that names the problem.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, create_model

from .loaded_model import FeatureSpec

# The forest computes in 32-bit floats: a larger number would overflow to infinity inside the model.
LARGEST_NUMBER = 3.4e38


class Prediction(BaseModel):
    label: str = Field(description="the most probable class")
    score: float = Field(description="its probability, between 0 and 1")


class PredictResponse(BaseModel):
    predictions: list[Prediction] = Field(description="one per instance, in the order sent")
    model_version: str = Field(description="md5 of the model file, as dvc.lock records it")


class Problem(BaseModel):
    """The body of an error response other than a 422."""

    message: str = Field(description="what went wrong: 'no model loaded: ...'")
    detail: str = Field(description="the same, where FastAPI clients look for it")


class InvalidRequest(BaseModel):
    """A 422: the request does not match the request schema."""

    message: str = Field(description="each problem with the field it is about: 'instances.0.alcohol: Field required'")
    detail: list[dict[str, Any]] = Field(description="pydantic's validation errors, one per problem")


class ModelInfo(BaseModel):
    name: str
    version: str = Field(description="md5 of the model file, as dvc.lock records it")
    commit: str = Field(description="the git commit the model was trained from")
    classes: list[str]
    features: list[str]
    metrics: dict[str, Any] = Field(description="the evaluation stage's metrics/metrics.json")


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


def predict_request_model(features: FeatureSpec, max_batch_size: int) -> type[BaseModel]:
    """`{"instances": [...]}` with between 1 and `max_batch_size` instances."""
    instance = instance_model(features)
    instances = Field(min_length=1, max_length=max_batch_size, description="feature records to classify")
    config = ConfigDict(json_schema_extra={"examples": [{"instances": [features.example()]}]})
    return create_model("PredictRequest", __config__=config, instances=(list[instance], instances))
