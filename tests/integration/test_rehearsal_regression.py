"""Rehearsal of the Train workflow of a regression project, run with act as in test_rehearsal.py.

The same stand-ins replace what cannot exist here (the actions, and `cml`, which records its calls). What differs
from the classification projects, and is checked here, is what the task's packs bring to the same workflow: the
verdict on R², the errors table in place of the confusion matrix, and the two pictures kept with the run.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..support.act_runner import ActRun, run_act, stages_executed
from ..support.helpers import render
from ..support.rehearsal import PNG_SIGNATURE, publish_with_branch, push_event, secrets, use_s3_server, workflow_env
from ..support.s3_server import S3Server
from ..support.tasks import REGRESSION, TASKS

pytestmark = pytest.mark.slow

TASK = REGRESSION
BRANCH = "shallow-trees"
REPOSITORY = "octo-org/diabetes-progression"
STEPS = ("Train, push the results and write the report", "Post the report", "Quality gate")
PICTURES = ("predicted_vs_actual.png", "residuals.png")


@dataclass(frozen=True)
class RegressionRehearsal:
    project: Path
    run: ActRun


@pytest.fixture(scope="module")
def regression_rehearsal(
    s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RegressionRehearsal]:
    """main trains and pushes; a branch makes the trees shallower and is pushed: CI trains it."""
    root = tmp_path_factory.mktemp("regression-rehearsal")
    with pytest.MonkeyPatch.context() as patch:
        use_s3_server(patch, s3_server)
        project = render(
            root / "work",
            project_name="Diabetes Progression",
            task=TASK,
            dvc_remote_url=f"s3://{s3_server.bucket}/regression-rehearsal",
        )
        published = publish_with_branch(project, root, BRANCH, ("max_depth: 6", "max_depth: 4"), "Shallower trees")
        act_run = run_act(
            project,
            "train.yml",
            "push",
            push_event(BRANCH, published.main_sha),
            root / "act",
            secrets=secrets(s3_server),
            env=workflow_env(s3_server, published.origin) | {"GITHUB_REPOSITORY": REPOSITORY},
        )
        yield RegressionRehearsal(project, act_run)


def test_train_job_reports_the_regression_against_main(regression_rehearsal: RegressionRehearsal) -> None:
    act_run = regression_rehearsal.run
    for step in STEPS:
        assert act_run.step_ran(step), f"{step} did not succeed:\n{act_run.output[-5000:]}"
    assert stages_executed(act_run.output) == ["train", "evaluate"]
    (call,) = act_run.cml_calls
    report = call["file"]["text"]
    verdict = r"^\*\*Verdict: (better|worse|no clear change|unchanged)\.\*\* `r2` "
    assert re.search(verdict, report, re.MULTILINE), report
    assert re.search(r"^\| mae \| \d+\.\d{4} \| \d+\.\d{4} \| ([+-]\d+\.\d{4}|0) \|$", report, re.MULTILINE), report
    assert "| train.random_forest.max_depth | `6` | `4` |" in report
    assert f"| r2 ≥ {TASKS[TASK]['gate']['minimum']:g} |" in report
    assert "### Errors on the test rows" in report and "actual ╲ predicted" not in report
    assert re.search(r"^\| test rows \| (\d+) \| \1 \|$", report, re.MULTILINE), report


def test_the_run_keeps_both_models_pictures(regression_rehearsal: RegressionRehearsal) -> None:
    act_run = regression_rehearsal.run
    (call,) = act_run.cml_calls
    report = call["file"]["text"]
    assert "![" not in report, "a picture in the comment would need an image host"
    artifact = act_run.artifacts / "model-report"
    for picture in PICTURES:
        for kept in (f"metrics/{picture}", f"report_assets/base_{picture}"):
            assert (artifact / kept).read_bytes().startswith(PNG_SIGNATURE), kept
    assert (artifact / "report.md").read_text() == report
