"""Plain-text tables for the benchmarks' printed results."""

from collections.abc import Sequence
from typing import Any


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], float_format: str = ".2f") -> str:
    """First column left-aligned, the others right-aligned; floats written with `float_format`."""
    cells = [[format(value, float_format) if isinstance(value, float) else str(value) for value in row] for row in rows]
    widths = [max(len(str(item)) for item in column) for column in zip(header, *cells, strict=True)]
    rule = "  ".join("-" * width for width in widths)

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.ljust(width) if index == 0 else value.rjust(width)
            for index, (value, width) in enumerate(zip(values, widths, strict=True))
        )

    return "\n".join([f"\n{title}", rule, line(header), rule, *(line(row) for row in cells)])


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"
