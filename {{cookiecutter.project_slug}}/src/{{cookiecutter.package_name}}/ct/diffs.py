"""DVC's metric and parameter differences against a base revision, flattened into rows.

DVC computes the differences (`dvc metrics diff`, `dvc params diff`, through its Python API); the report and
the quality gate read them from here.

DVC reports a metrics file it cannot read at the base as missing, the same as one the base never had. Only the
second is a first result: a base whose dvc.lock records the file, when neither the cache nor the remote holds it
(its metrics were never pushed), is an error, or the gate's drop rules would pass unchecked.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.config import LOWER_IS_BETTER
from ..core.errors import ProjectError
from .lockfile import outputs_recorded_at

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

    @property
    def lower_is_better(self) -> bool:
        return self.name in LOWER_IS_BETTER

    @property
    def gain(self) -> float | None:
        """The change in the metric's better direction: positive is better, for a score and for an error alike."""
        change = self.change
        if change is None:
            return None
        return -change if self.lower_is_better else change


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


def check_base_readable(errors: dict[str, dict[str, Exception]], base: str) -> None:
    """Refuse a base whose recorded metrics cannot be read, naming the revision and what to push."""
    recorded = outputs_recorded_at(base)
    unreadable = sorted(path for path in errors.get(base, {}) if Path(path) in recorded)
    if unreadable:
        raise ProjectError(
            f"cannot read {', '.join(unreadable)} of {base!r}: its dvc.lock records them, but neither the DVC cache "
            f"nor the remote has them; push them from a clone that has them (`git checkout {base} && dvc push`), "
            "or retrain that revision in CI"
        )


def read_dvc_diffs(base: str) -> tuple[dict, dict]:
    """Metrics (all of them) and changed params of the workspace against `base`, as DVC computes them."""
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        with Repo(".") as repo:
            if repo.scm.no_commits:
                raise ProjectError(
                    f"this repository has no commit yet, so there is no {base!r} to compare with: commit first "
                    '(`git add -A && git commit -m "First model"`)'
                )
            metrics = repo.metrics.diff(a_rev=base, all=True)
            params = repo.params.diff(a_rev=base).get("diff", {})
    except DvcException as error:
        raise ProjectError(
            f"cannot compare with {base!r}: {error}; fetch it (`git fetch origin {base}`) or pass BASE=<revision>"
        ) from None
    check_base_readable(metrics.get("errors", {}), base)
    return metrics.get("diff", {}), params
