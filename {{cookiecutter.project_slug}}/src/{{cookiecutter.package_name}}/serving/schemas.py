{%- set task = cookiecutter._tasks[cookiecutter.task] -%}
{% if task.input == "text" -%}
"""Request and response bodies: each instance is one text, and bad input is refused by name.

An instance is `{"text": "..."}`: a non-empty string. A text longer than the model reads (`train.max_length`
tokens) is cut to that length, or refused when params.yaml says `serve.long_text: refuse`. A missing or unknown
field, a wrong type, an empty text or batch, or one above the size limit is a 422 that names the problem.
"""

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, create_model

from .loaded_model import TextSpec
from .prediction import Prediction, TargetInfo

# Texts longer than this are refused before tokenizing: even cutting a text to its first tokens reads all of it.
MAX_TEXT_CHARACTERS = 100_000


{% else -%}
"""Request and response bodies, built from the model's own columns so that bad input is refused by name.

Each instance is an object with one field per feature column: finite JSON numbers for numeric columns, text (or a
whole number used as a code) for categorical ones; `null` means missing, which the model imputes. Types are strict,
as the OpenAPI document states them: `true` or `"6.5"` is not a number. A missing or unknown field, a wrong type, an
empty batch or one above the size limit is a 422 that names the problem.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, create_model

from .loaded_model import FeatureSpec
from .prediction import Prediction, TargetInfo

# The forest computes in 32-bit floats: a larger number would overflow to infinity inside the model.
LARGEST_NUMBER = 3.4e38


{% endif -%}
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


class ModelInfo(TargetInfo):
    name: str
    version: str = Field(description="md5 of the model file, as dvc.lock records it")
    commit: str = Field(description="the git commit the model was trained from")
    features: list[str]
    metrics: dict[str, Any] = Field(description="the evaluation stage's metrics/metrics.json")


{% if task.input == "text" -%}
def instance_model(features: TextSpec) -> type[BaseModel]:
    """`{"text": ...}`, checked for emptiness and, when long texts are refused, for its length in tokens."""

    def readable(text: str) -> str:
        if not text.strip():
            raise ValueError("the text is empty; send the text to classify")
        if features.long_text == "refuse" and (tokens := features.count_tokens(text)) > features.max_length:
            raise ValueError(
                f"the text is {tokens} tokens long and the model reads at most {features.max_length} "
                "(serve.long_text: refuse); send a shorter text"
            )
        return text

    text = Field(
        max_length=MAX_TEXT_CHARACTERS, description="the text to classify", examples=[features.example()["text"]]
    )
    config = ConfigDict(extra="forbid", json_schema_extra={"examples": [features.example()]})
    return create_model("Instance", __config__=config, text=(Annotated[StrictStr, AfterValidator(readable)], text))


{% else -%}
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


{% endif -%}
def predict_request_model(features: {{ 'TextSpec' if task.input == 'text' else 'FeatureSpec' }}, max_batch_size: int) -> type[BaseModel]:
    """`{"instances": [...]}` with between 1 and `max_batch_size` instances."""
    instance = instance_model(features)
    instances = Field(min_length=1, max_length=max_batch_size, description="{{ 'texts' if task.input == 'text' else 'feature records' }} to classify")
    config = ConfigDict(json_schema_extra={"examples": [{"instances": [features.example()]}]})
    return create_model("PredictRequest", __config__=config, instances=(list[instance], instances))
