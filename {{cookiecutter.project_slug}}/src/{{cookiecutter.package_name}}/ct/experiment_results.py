"""What DVC knows of the experiments of the current commit: done, failed, queued or running, and their metrics.

Read from `dvc exp show`'s own structure (the list `dvc exp show --json` prints), so that the leaderboard shows
what DVC shows, experiments pulled from CI machines (`dvc exp pull`) included.
"""

import json
from dataclasses import dataclass
from typing import Any

from ..core.dotted_names import flatten
from ..core.paths import METRICS_FILE

# DVC's queue states; an experiment DVC has no record of is "not run".
SUCCESS, FAILED, QUEUED, RUNNING, NOT_RUN = "success", "failed", "queued", "running", "not run"
# When DVC holds several records of one name (a failed try, then a rerun), the one shown is the first state here.
PRECEDENCE = (SUCCESS, RUNNING, QUEUED, FAILED)


@dataclass(frozen=True)
class ExperimentResult:
    """One experiment's state and, when it succeeded, the metrics it wrote (flat names, `per_class.x.f1`)."""

    name: str
    state: str
    metrics: dict[str, float]
    rev: str | None = None


def numeric_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Nested metrics as dotted names, the way the report's metrics table names them; numbers only."""
    return {
        name: float(value)
        for name, value in flatten(metrics).items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def state_of(experiment: dict[str, Any]) -> str:
    """The queue's state when DVC ran it here; an experiment pulled from elsewhere is done unless it has an error."""
    executor = experiment.get("executor") or {}
    if executor.get("state") in PRECEDENCE:
        return executor["state"]
    revs = experiment.get("revs") or [{}]
    return FAILED if revs[0].get("error") else SUCCESS


def result_of(experiment: dict[str, Any]) -> ExperimentResult:
    """One entry of a baseline's `experiments`: the metrics only when it succeeded (a failed one shows its base's)."""
    state = state_of(experiment)
    revs = experiment.get("revs") or [{}]
    metrics: dict[str, float] = {}
    if state == SUCCESS:
        files = (revs[0].get("data") or {}).get("metrics") or {}
        metrics = numeric_metrics((files.get(METRICS_FILE.as_posix()) or {}).get("data") or {})
    return ExperimentResult(name=experiment.get("name") or "", state=state, metrics=metrics, rev=revs[0].get("rev"))


def results_from_show(shown: list[dict[str, Any]], baseline: str) -> dict[str, ExperimentResult]:
    """The experiments of `baseline` (a full commit hash) in `dvc exp show --json`'s list, one per name."""
    results: dict[str, ExperimentResult] = {}
    for entry in shown:
        if entry.get("rev") != baseline:
            continue
        for experiment in entry.get("experiments") or []:
            result = result_of(experiment)
            known = results.get(result.name)
            if known is None or PRECEDENCE.index(result.state) < PRECEDENCE.index(known.state):
                results[result.name] = result
    return results


def current_results() -> dict[str, ExperimentResult]:
    """What DVC knows of the current commit's experiments (`dvc exp show` for HEAD)."""
    from dvc.repo import Repo

    with Repo(".") as repo:
        baseline = repo.scm.get_rev()
        shown = repo.experiments.show(revs=[baseline], num=1, hide_workspace=True)
        # The same round trip as `dvc exp show --json`: dates and other objects become text.
        as_json = json.loads(json.dumps([state.dumpd() for state in shown], default=str))
    return results_from_show(as_json, baseline)
