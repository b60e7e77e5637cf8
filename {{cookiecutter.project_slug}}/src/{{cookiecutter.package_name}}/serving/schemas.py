"""Request and response bodies: `{"instances": [...]}` in, one prediction per instance out.

What an instance is comes from the model's input (`instances`), and what a prediction is from its target
(`prediction`). A missing or unknown field, a wrong type, an empty batch or one above the size limit is a 422 that
names the problem.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from .instances import INSTANCES, InputSpec, instance_model
from .prediction import Prediction, TargetInfo


class PredictResponse(BaseModel):
    predictions: list[Prediction] = Field(description="one per instance, in the order sent")
    model_version: str = Field(description="md5 of the model file, as dvc.lock records it")


class Problem(BaseModel):
    """The body of an error response other than a 422."""

    message: str = Field(description="what went wrong: 'no model loaded: ...'")
    detail: str = Field(description="the same, where FastAPI clients look for it")


class InvalidRequest(BaseModel):
    """A 422: the request does not match the request schema."""

    message: str = Field(description="each problem with the field it is about: 'instances.0.<field>: Field required'")
    detail: list[dict[str, Any]] = Field(description="pydantic's validation errors, one per problem")


class ModelInfo(TargetInfo):
    name: str
    version: str = Field(description="md5 of the model file, as dvc.lock records it")
    commit: str = Field(description="the git commit the model was trained from")
    features: list[str]
    metrics: dict[str, Any] = Field(description="the evaluation stage's metrics/metrics.json")
    card: str | None = Field(default=None, description="where the model card is served; none without a card")


def predict_request_model(features: InputSpec, max_batch_size: int) -> type[BaseModel]:
    """`{"instances": [...]}` with between 1 and `max_batch_size` instances."""
    instance = instance_model(features)
    instances = Field(min_length=1, max_length=max_batch_size, description=INSTANCES)
    config = ConfigDict(json_schema_extra={"examples": [{"instances": [features.example()]}]})
    return create_model("PredictRequest", __config__=config, instances=(list[instance], instances))
