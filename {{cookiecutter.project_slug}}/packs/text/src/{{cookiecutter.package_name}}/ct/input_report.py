"""A text's part of the pull-request report and the model card: the one text column, which the model reads as it
is, so the report has nothing to add.

A table's input adds a line here naming the columns its model does not take as they are; the report calls
`input_section` for either input.
"""

from ..core.config import load_params


def feature_lines() -> list[str]:
    """The model's one input, for the model card."""
    params = load_params()
    return [f"- Text: `{params.data.text}`, up to {params.train.max_length} tokens of it", ""]


def input_section() -> list[str]:
    """No lines: a text input has no columns dropped or derived."""
    return []
