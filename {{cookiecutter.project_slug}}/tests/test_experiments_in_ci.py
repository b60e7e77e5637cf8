"""The leaderboard as CI writes it: every experiment ran in a job of its own, and only the good ones were pushed."""

from types import SimpleNamespace

import pytest

from {{ cookiecutter.package_name }}.ct import leaderboard
from {{ cookiecutter.package_name }}.ct.experiment_plan import Experiment
from {{ cookiecutter.package_name }}.ct.experiment_results import (
    SUCCESS,
    ExperimentResult,
)

PLAN = [Experiment("depth-2", ("train.max_depth=2",)), Experiment("depth-0", ("train.max_depth=0",))]
PARAMS = SimpleNamespace(report=SimpleNamespace(primary_metric="score"))


def row_of(lines: list[str], name: str) -> str:
    (row,) = [line for line in lines if line.startswith(f"| {name} ") or line.startswith(f"| **{name}**")]
    return row


@pytest.fixture
def one_pushed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two planned experiments, DVC's record of one: the other's job failed before it could push anything."""
    pushed = {"depth-2": ExperimentResult("depth-2", SUCCESS, {"score": 0.9})}
    monkeypatch.setattr(leaderboard, "plan_experiments", lambda: PLAN)
    monkeypatch.setattr(leaderboard, "current_results", lambda: pushed)
    monkeypatch.setattr(leaderboard, "load_params", lambda: PARAMS)


def test_once_every_experiment_ran_one_without_a_record_is_shown_failed(one_pushed: None) -> None:
    lines = leaderboard.leaderboard_section("main", metrics=[], all_ran=True)
    assert "**failed**: its job's log in this run shows why" in row_of(lines, "depth-0")
    assert "0.9000" in row_of(lines, "depth-2") and "success" in row_of(lines, "depth-2")


def test_on_a_laptop_one_without_a_record_is_not_run_yet(one_pushed: None) -> None:
    lines = leaderboard.leaderboard_section("main", metrics=[])
    assert "not run" in row_of(lines, "depth-0") and "failed" not in row_of(lines, "depth-0")
