"""The quality gate's rules on metric rows made in the test, and its rules' validation in params.yaml."""

import pytest

from {{ cookiecutter.package_name }}.core.config import GateParams, Params
from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.ct.diffs import MetricRow
from {{ cookiecutter.package_name }}.ct.gate import check_gate

RULES = GateParams(minimum={"macro_f1": 0.8}, max_drop={"macro_f1": 0.05, "accuracy": 0.1})


def rows(macro_f1: tuple[float | None, float], accuracy: tuple[float | None, float]) -> list[MetricRow]:
    return [
        MetricRow(name="macro_f1", old=macro_f1[0], new=macro_f1[1]),
        MetricRow(name="accuracy", old=accuracy[0], new=accuracy[1]),
    ]


def test_a_change_within_every_rule_passes() -> None:
    results = check_gate(RULES, rows(macro_f1=(0.90, 0.87), accuracy=(0.9, 0.95)), "main")
    assert [result.passed for result in results] == [True, True, True]
    assert [result.rule for result in results] == [
        "macro_f1 ≥ 0.8",
        "macro_f1 falls by at most 0.05",
        "accuracy falls by at most 0.1",
    ]


def test_below_a_minimum_fails_with_the_value_and_the_minimum() -> None:
    (minimum, *_) = check_gate(RULES, rows(macro_f1=(0.79, 0.79), accuracy=(0.9, 0.9)), "main")
    assert not minimum.passed
    assert minimum.reason == "macro_f1 is 0.7900, below the minimum 0.8"


def test_a_drop_beyond_the_limit_fails_and_one_at_the_limit_passes() -> None:
    results = check_gate(RULES, rows(macro_f1=(0.95, 0.85), accuracy=(0.9, 0.8)), "main")
    by_rule = {result.rule: result for result in results}
    assert by_rule["macro_f1 falls by at most 0.05"].reason == "macro_f1 fell by 0.1000 against main, more than 0.05"
    assert by_rule["accuracy falls by at most 0.1"].passed  # exactly 0.1: allowed


def test_first_run_without_base_metrics_is_judged_on_minimums_alone() -> None:
    results = check_gate(RULES, rows(macro_f1=(None, 0.9), accuracy=(None, 0.9)), "main")
    assert all(result.passed for result in results)
    assert results[1].value == "no value on `main`"


def test_a_rule_on_an_unknown_metric_is_refused_with_the_known_ones() -> None:
    gate = GateParams(minimum={"macro_f2": 0.5})
    with pytest.raises(
        ProjectError,
        match="gate names macro_f2, which metrics/metrics.json does not have; use one of: accuracy, macro_f1",
    ):
        check_gate(gate, rows(macro_f1=(None, 0.9), accuracy=(None, 0.9)), "main")


def test_without_metrics_the_gate_says_to_run_the_pipeline() -> None:
    """Before the first `dvc repro` there is nothing to judge: say so, rather than call the rules' metrics unknown."""
    with pytest.raises(ProjectError, match=r"metrics/metrics.json has no metrics yet: run `make repro` first"):
        check_gate(RULES, [MetricRow(name="macro_f1", old=0.9, new=None)], "main")


def test_a_negative_drop_is_refused_in_params(params: Params) -> None:
    raw = params.model_dump(mode="json")
    raw["gate"] = {"max_drop": dict(macro_f1=-0.1)}
    with pytest.raises(ValueError, match="macro_f1 has a negative one"):
        Params.model_validate(raw)
