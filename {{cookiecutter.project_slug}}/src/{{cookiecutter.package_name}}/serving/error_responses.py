"""Error responses with a `message` that says what is wrong, and where, in one line.

FastAPI's own 422 lists pydantic's errors; the handlers here add a `message` that names each bad field
(`instances.0.alcohol: Field required`), and give 400, 404, 405, 413 and 503 responses the same shape.
"""

import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


def describe_problem(error: dict[str, Any]) -> str:
    """One problem as 'instances.0.alcohol: Field required', or 'body: ...' for the body as a whole."""
    location = list(error.get("loc", ()))
    if location[:1] == ["body"]:
        location = location[1:]
    message = error.get("msg", "invalid")
    if error.get("type") == "json_invalid":  # its location is the character where parsing stopped
        reason = error.get("ctx", {}).get("error", "invalid")
        return f"body: not valid JSON ({reason} at character {location[-1] if location else 0})"
    if error.get("type") == "finite_number":
        message += " (send null for a missing value)"
    return f"{'.'.join(map(str, location)) or 'body'}: {message}"


def validation_message(errors: list[dict[str, Any]]) -> str:
    """'instances.0.alcohol: Field required; ...': each problem with the field it is about."""
    return "; ".join(describe_problem(error) for error in errors)


def json_safe(value: Any) -> Any:
    """`value` with infinite and NaN floats as text: the input echoed in an error may hold them (Python's JSON
    parser reads `Infinity`, `NaN` and `1e400`), and a JSON response cannot."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    return value


async def refuse_invalid_request(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = json_safe(jsonable_encoder(error.errors()))
    return JSONResponse(status_code=422, content={"message": validation_message(errors), "detail": errors})


async def explain_http_error(_: Request, error: Exception) -> JSONResponse:
    """Every error has a `message`, as a 422 does: 503 without a model, 404, 405, and 400 for a body that is not
    UTF-8 (FastAPI's own)."""
    assert isinstance(error, StarletteHTTPException)
    content = {"message": str(error.detail), "detail": error.detail}
    return JSONResponse(status_code=error.status_code, content=content, headers=error.headers)


def too_large(max_body_bytes: int, max_batch_size: int) -> JSONResponse:
    """The 413 for a body above the limit, which says what the limit is and how to stay under it."""
    message = (
        f"the body is larger than {max_body_bytes} bytes (MAX_BODY_BYTES): send at most {max_batch_size} instances "
        "per request"
    )
    return JSONResponse(status_code=413, content={"message": message, "detail": message})
