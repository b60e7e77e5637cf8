"""How the report's tables write a figure, a parameter and a change, shared by every section that has a table."""

from typing import Any

from .confidence import ChangeInterval
from .diffs import TOLERANCE

# The column and row that stand for the workspace's model, against the base revision's.
NEW_LABEL = "This change"


def format_metric(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def format_param(value: Any) -> str:
    return "—" if value is None else f"`{value}`"


def format_change(change: float | None, interval: ChangeInterval | None = None) -> str:
    if change is None:
        return "—"
    figure = "0" if abs(change) <= TOLERANCE else f"{change:+.4f}"
    return figure if interval is None else f"{figure} [{interval.low:+.4f}, {interval.high:+.4f}]"


def cell(text: str) -> str:
    """Text that stays inside its Markdown table cell: pipes escaped, on one line."""
    return " ".join(text.split()).replace("|", "\\|")
