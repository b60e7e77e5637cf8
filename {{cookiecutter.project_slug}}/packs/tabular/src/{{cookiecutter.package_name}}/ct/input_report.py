"""A table's part of the pull-request report and the model card: the features, and the columns the model does
not take as they are.

The prepare stage drops identifiers and turns dates into numbers on a guess (`data.column_roles`); a reviewer
should see that, since a column dropped by mistake is a feature lost. Read from the prepared schema, so the report
says what the reviewed model was trained with.
"""

from pydantic import ValidationError

from ..core.paths import PREPARED_DIR
from ..data.schema import SCHEMA_FILE, FeatureSchema


def code_names(columns: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in columns)


def feature_lines() -> list[str]:
    """The model's features by type, from the prepared schema, for the model card."""
    try:
        schema = FeatureSchema.load(PREPARED_DIR / SCHEMA_FILE)
    except (OSError, ValidationError):
        return ["_No prepared schema: run `dvc repro`._", ""]
    kinds = (("Numeric", schema.numeric), ("Categorical", schema.categorical), ("Dates", list(schema.dates)))
    return [*(f"- {kind}: {code_names(names)}" for kind, names in kinds if names), ""]


def input_section() -> list[str]:
    """One line naming the dropped and derived columns, then a blank line; nothing when there are none or the
    pipeline has not run."""
    try:
        schema = FeatureSchema.load(PREPARED_DIR / SCHEMA_FILE)
    except (OSError, ValidationError):
        return []
    sentences = []
    if schema.identifiers:
        sentences.append(
            f"Columns dropped as identifiers (a different value in almost every row): {code_names(schema.identifiers)}."
        )
    if schema.dates:
        sentences.append(
            f"Dates turned into numbers (days since 1970, month, day of the week): {code_names(list(schema.dates))}."
        )
    if schema.dropped:
        sentences.append(f"Columns left out by `data.drop`: {code_names(schema.dropped)}.")
    return [" ".join(sentences), ""] if sentences else []
