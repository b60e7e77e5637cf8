"""A request's JSON body read into its pydantic model: straight from the bytes, in a worker thread.

FastAPI would parse a body with Python's `json` module and then validate the objects, both on the event loop, so
that a large body holds every other request up while it is read. Here pydantic validates the bytes itself, several
times faster, in a thread; only a body that its parser refuses goes FastAPI's way (Python's parser also reads `NaN`
and `Infinity`), so that every refusal is the same 400 or 422 that FastAPI gives.

`request_body` and `component_schemas` put the model in the OpenAPI document, where FastAPI would have put it.
"""

import json
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.openapi.constants import REF_TEMPLATE
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

# What FastAPI reads as JSON: `application/json` and `application/<anything>+json`.
JSON_SUBTYPE = "json"


def is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    kind, _, subtype = media_type.partition("/")
    return kind == "application" and (subtype == JSON_SUBTYPE or subtype.endswith(f"+{JSON_SUBTYPE}"))


def in_body(error: ValidationError) -> RequestValidationError:
    """pydantic's errors located in the body, as FastAPI locates them: ('body', 'instances', 0, ...)."""
    return RequestValidationError([{**item, "loc": ("body", *item["loc"])} for item in error.errors(include_url=False)])


def parse_body(model: type[BaseModel], body: bytes, content_type: str | None) -> BaseModel:
    """`body` as `model`, or the RequestValidationError (422) or HTTPException (400) FastAPI would raise."""
    if not body:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}])
    if not is_json(content_type):  # FastAPI validates such a body as bytes, which no model accepts
        return validate(model, body)
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        if all(item["type"] != "json_invalid" for item in error.errors()):
            raise in_body(error) from None
    try:
        document = json.loads(body)
    except UnicodeDecodeError:
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from None
    except json.JSONDecodeError as error:
        problem = dict(type="json_invalid", loc=("body", error.pos), msg="JSON decode error", input=dict())
        raise RequestValidationError([dict(problem, ctx=dict(error=error.msg))]) from None
    return validate(model, document)


def validate(model: type[BaseModel], document: Any) -> BaseModel:
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise in_body(error) from None


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The operation's `requestBody` in the OpenAPI document: a required JSON body of `model`."""
    json_body = dict(schema={"$ref": REF_TEMPLATE.format(model=model.__name__)})
    return dict(required=True, content={"application/json": json_body})


def component_schemas(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON schema and those of the models it holds, as OpenAPI components."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    return {**schema.pop("$defs", {}), model.__name__: schema}
