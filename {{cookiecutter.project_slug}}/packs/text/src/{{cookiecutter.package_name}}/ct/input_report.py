"""A text's part of the pull-request report: nothing, since the model reads the one text column as it is.

A table's input adds a line here naming the columns its model does not take as they are; the report calls
`input_section` for either input.
"""


def input_section() -> list[str]:
    """No lines: a text input has no columns dropped or derived."""
    return []
