"""The base of every params.yaml section: unknown keys are refused, values are frozen once read."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Unknown keys are refused, so a misspelt parameter cannot be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
