"""What one instance of a request is for a text model: `{"text": "..."}`, a non-empty string.

A text longer than the model reads (`train.max_length` tokens) is cut to that length, or refused when
params.yaml says `serve.long_text: refuse`. Texts longer than `MAX_TEXT_CHARACTERS` are refused before
tokenizing.

The shared API reads this module's names alone: `InputSpec`, `instance_model`, `INSTANCES`, `INSTANCE_BYTES`,
`ROWS_PER_CALL` and `InputSettings` (the settings instances take, and how the model is loaded with them).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, create_model

from ..core.config import load_params
from ..core.paths import PARAMS_FILE
from .loaded_model import LoadedModel, LongText, TextSpec, load_model

InputSpec = TextSpec
# What a request's `instances` hold, for the OpenAPI document.
INSTANCES = "texts, one object with a `text` field each"
# Texts longer than this are refused before tokenizing: even cutting a text to its first tokens reads all of it.
MAX_TEXT_CHARACTERS = 100_000
# What one instance may take in a request body, for the body's size limit: the longest text, four bytes a character.
INSTANCE_BYTES = 4 * MAX_TEXT_CHARACTERS + 64
# Rows per model call, at most (one request is never split): a transformer's time grows with every text, so larger
# calls would only make the first request in them wait longer.
ROWS_PER_CALL = 64


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


@dataclass(frozen=True)
class InputSettings:
    """`serve.long_text` of params.yaml (PARAMS_PATH, params.yaml by default: the image carries the file); without
    the file, long texts are cut."""

    long_text: LongText = "truncate"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> "InputSettings":
        params_path = Path(environ.get("PARAMS_PATH", PARAMS_FILE))
        return cls(long_text=load_params(params_path).serve.long_text if params_path.is_file() else "truncate")

    def load(self, model_path: Path, metrics_path: Path) -> LoadedModel:
        return load_model(model_path, metrics_path, self.long_text)

    def recorder(self, model: LoadedModel) -> Callable[[list[dict[str, Any]]], None] | None:
        """A text project keeps no log of its inputs: it has no drift check to feed."""
        return None
