{%- set task = cookiecutter._tasks[cookiecutter.task] -%}
"""The FastAPI application: prediction, model information and card, health, readiness and metrics.

The model is loaded once, when the app is created, because the request schema (and the OpenAPI examples) come
from its columns. A server whose model failed to load still starts and answers `/health`, but `/ready` and
`/predict` say 503 with the reason, so an orchestrator keeps traffic away without restarting it in a loop.
"""

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..core.errors import ProjectError
from ..core.paths import METRICS_FILE, MODEL_CARD_FILE, MODEL_PATH
from .batching import MicroBatcher
from .body_limit import BodyLimit
from .error_responses import explain_http_error, refuse_invalid_request, too_large
from .input_warnings import record_input_warnings
from .instances import INSTANCE_BYTES, ROWS_PER_CALL, InputSettings
from .loaded_model import NO_FEATURES, LoadedModel
from .prediction import record_predictions
from .prometheus import instrument
from .request_body import component_schemas, parse_body, request_body
from .schemas import InvalidRequest, ModelInfo, PredictResponse, Problem, predict_request_model

logger = logging.getLogger(__name__)

NAME = "{{ cookiecutter.project_slug }}"
# Instances per request, from the task table: what the model answers well within a second on two CPU cores.
DEFAULT_MAX_BATCH_SIZE = {{ task.max_batch_size }}
CARD_ROUTE = "/model/card"


def whole_number(environ: Mapping[str, str], name: str, default: int, example: str) -> int:
    """The setting `name` as a whole number of at least 1, or one line saying what to set it to."""
    text = environ.get(name, str(default))
    if not text.isdigit() or int(text) < 1:
        raise ProjectError(f"{name}={text!r} must be a whole number of at least 1, such as {example}")
    return int(text)


@dataclass(frozen=True)
class ServingSettings:
    """Where the model is, how much one request may ask, and the inputs' own settings; read from the environment:
    MODEL_PATH, METRICS_PATH, MODEL_CARD_PATH, MAX_BATCH_SIZE, MAX_BODY_BYTES, and those `instances.InputSettings`
    reads. A body above MAX_BODY_BYTES (by default, room for MAX_BATCH_SIZE instances of `INSTANCE_BYTES` each) is
    refused before it is read, so that no client can hold the server up with a body it would refuse anyway."""

    model_path: Path = MODEL_PATH
    metrics_path: Path = METRICS_FILE
    card_path: Path = MODEL_CARD_FILE
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE
    max_body_bytes: int = DEFAULT_MAX_BATCH_SIZE * INSTANCE_BYTES
    inputs: InputSettings = InputSettings()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> "ServingSettings":
        max_batch_size = whole_number(environ, "MAX_BATCH_SIZE", DEFAULT_MAX_BATCH_SIZE, "256")
        max_body_bytes = whole_number(environ, "MAX_BODY_BYTES", max_batch_size * INSTANCE_BYTES, "1048576")
        return cls(
            model_path=Path(environ.get("MODEL_PATH", cls.model_path)),
            metrics_path=Path(environ.get("METRICS_PATH", cls.metrics_path)),
            card_path=Path(environ.get("MODEL_CARD_PATH", cls.card_path)),
            max_batch_size=max_batch_size,
            max_body_bytes=max_body_bytes,
            inputs=InputSettings.from_environment(environ),
        )


def try_load(settings: ServingSettings) -> tuple[LoadedModel | None, str]:
    """The model, or None and why not."""
    try:
        return settings.inputs.load(settings.model_path, settings.metrics_path), ""
    except (ProjectError, OSError, ValueError) as error:
        logger.error("error: the model could not be loaded: %s", error)
        return None, str(error)


def create_app(settings: ServingSettings | None = None) -> FastAPI:
    """The app for `settings` (by default, from the environment)."""
    settings = settings or ServingSettings.from_environment(os.environ)
    model, load_error = try_load(settings)
    features = model.features if model else NO_FEATURES
    PredictRequest = predict_request_model(features, settings.max_batch_size)  # noqa: N806 (a class)
    batcher = MicroBatcher(model.predict, max(ROWS_PER_CALL, settings.max_batch_size)) if model else None
    record_inputs = settings.inputs.recorder(model) if model else None
    card = settings.card_path.read_text(encoding="utf-8") if settings.card_path.is_file() else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if batcher is None:
            yield
            return
        worker = asyncio.create_task(batcher.run())
        yield
        worker.cancel()
        with suppress(asyncio.CancelledError):
            await worker

    app = FastAPI(
        title=NAME,
        description="Predictions from the model that the CT pipeline trained and the pull request's report evaluated.",
        version=model.version if model else "no model",
        lifespan=lifespan,
    )
    app.add_exception_handler(RequestValidationError, refuse_invalid_request)
    app.add_exception_handler(StarletteHTTPException, explain_http_error)
    refusal = partial(too_large, settings.max_body_bytes, settings.max_batch_size)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, refusal=refusal)  # inside the request metrics
    instrument(app)

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with the request body's schemas, which FastAPI finds only in a body it reads."""
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)
            document.setdefault("components", {}).setdefault("schemas", {}).update(component_schemas(PredictRequest))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    async def require_model() -> tuple[LoadedModel, MicroBatcher]:
        """A dependency, so that it runs before the body is validated: without a model, the request schema has no
        fields, and a valid request would otherwise be refused as if its fields were unknown."""
        if model is None or batcher is None:
            raise HTTPException(status_code=503, detail=f"no model loaded: {load_error}")
        return model, batcher

    Served = Annotated[tuple[LoadedModel, MicroBatcher], Depends(require_model)]  # noqa: N806 (a type)
    no_model: dict[int | str, dict[str, Any]] = {503: dict(model=Problem, description="no model loaded")}
    refused: dict[int | str, dict[str, Any]] = {
        400: dict(model=Problem, description="the body is not UTF-8 text"),
        413: dict(model=Problem, description="the body is larger than MAX_BODY_BYTES: too many instances"),
        422: dict(model=InvalidRequest, description="the body does not match the request schema"),
    }

    @app.post(
        "/predict",
        response_model=PredictResponse,
        responses=refused | no_model,
        openapi_extra={"requestBody": request_body(PredictRequest)},
    )
    async def predict(request: Request, served: Served) -> Response:
        """Classify a batch of instances; one instance is a batch of one."""
        loaded, batching = served
        body = await request.body()  # one above MAX_BODY_BYTES was refused (413) before it was read: `body_limit`
        content_type = request.headers.get("content-type")
        instances = await asyncio.to_thread(parse_body, PredictRequest, body, content_type)
        rows = instances.model_dump(by_alias=True)["instances"]
        predictions = await batching.predict(rows)
        record_predictions(predictions)
        record_input_warnings(predictions)
        if record_inputs:
            await asyncio.to_thread(record_inputs, rows)
        answer = PredictResponse(predictions=predictions, model_version=loaded.version)
        return Response(answer.model_dump_json(), media_type="application/json")  # already valid: no second check

    @app.get("/model", response_model=ModelInfo, responses=no_model)
    async def model_info(served: Served) -> ModelInfo:
        """What is being served: the model's version (its DVC hash), commit, what it predicts, and its metrics."""
        loaded, _ = served
        return ModelInfo(
            **loaded.target.model_dump(),
            name=NAME,
            version=loaded.version,
            commit=loaded.commit,
            features=loaded.features.columns,
            metrics=loaded.metrics,
            card=CARD_ROUTE if card is not None else None,
        )

    card_responses: dict[int | str, dict[str, Any]] = {
        200: dict(description="the card", content={"text/markdown": dict(schema=dict(type="string"))}),
        404: dict(model=Problem, description="no card in the image"),
    }

    @app.get(CARD_ROUTE, response_class=Response, responses=card_responses)
    async def model_card() -> PlainTextResponse:
        """The model card (Markdown) that Deploy wrote for the served model: data, features, metrics, limits."""
        if card is None:
            raise HTTPException(status_code=404, detail=f"no model card: {settings.card_path} is not in the image")
        return PlainTextResponse(card, media_type="text/markdown; charset=utf-8")

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready", responses=no_model)
    async def ready(served: Served) -> dict[str, str]:
        """Readiness: a model is loaded and predictions can be served."""
        return {"status": "ready", "model_version": served[0].version}

    return app
