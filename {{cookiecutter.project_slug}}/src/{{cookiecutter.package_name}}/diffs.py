"""DVC's metric and parameter differences against a base revision, flattened into rows.

DVC computes the differences (`dvc metrics diff`, `dvc params diff`, through its Python API); the report and
the quality gate read them from here.
"""

from dataclasses import dataclass
from typing import Any

from .errors import ProjectError

TOLERANCE = 1e-9


@dataclass(frozen=True)
class MetricRow:
    name: str
    old: float | None
    new: float | None

    @property
    def change(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old


@dataclass(frozen=True)
class ParamRow:
    name: str
    old: Any
    new: Any


def metric_rows(metrics_diff: dict[str, dict[str, dict[str, Any]]]) -> list[MetricRow]:
    """Flatten DVC's diff (file, then metric, then old and new): overall metrics first, then per-class ones."""
    several_files = len(metrics_diff) > 1
    rows = [
        MetricRow(name=f"{path}: {name}" if several_files else name, old=values.get("old"), new=values.get("new"))
        for path, metrics in metrics_diff.items()
        for name, values in metrics.items()
    ]
    return sorted(rows, key=lambda row: ("." in row.name, row.name))


def param_rows(params_diff: dict[str, dict[str, dict[str, Any]]]) -> list[ParamRow]:
    """Flatten DVC's diff (file, then param, then old and new), sorted by name."""
    rows = [
        ParamRow(name=name, old=values.get("old"), new=values.get("new"))
        for params in params_diff.values()
        for name, values in params.items()
    ]
    return sorted(rows, key=lambda row: row.name)


def read_dvc_diffs(base: str) -> tuple[dict, dict]:
    """Metrics (all of them) and changed params of the workspace against `base`, as DVC computes them."""
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        with Repo(".") as repo:
            metrics = repo.metrics.diff(a_rev=base, all=True).get("diff", {})
            params = repo.params.diff(a_rev=base).get("diff", {})
    except DvcException as error:
        raise ProjectError(
            f"cannot compare with {base!r}: {error}; fetch it (`git fetch origin {base}`) or pass BASE=<revision>"
        ) from None
    return metrics, params
