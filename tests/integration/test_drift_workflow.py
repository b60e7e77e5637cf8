"""The Drift workflow, run with act as GitHub would run it, twice on one day, and once with nothing configured.

The project is trained on main and pushed (git to a bare origin, DVC to a real S3 server); the file of recent
inputs, `requests.csv`, lies in the same bucket, its alcohol column shifted far from the training data. Each run
starts from a fresh checkout of main, installs the project, fetches the training split, the model and the batch
with DVC, checks for drift and opens a retraining pull request. A second run on the same day that finds drift
again (a manual run after the Monday schedule, say) must open its own pull request, not fail on the branch the
first one pushed. git is real; `gh` is a stand-in that refuses what GitHub refuses (act_standins/bin/gh).
"""

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from ..support.act_runner import ActRun, run_act
from ..support.helpers import render
from ..support.rehearsal import (
    REPOSITORY,
    git,
    publish_main,
    secrets,
    use_s3_server,
    venv_seeing_the_suites_packages,
    workflow_env,
)
from ..support.s3_server import S3Server

pytestmark = pytest.mark.slow

JOB = "Check the latest inputs for drift"
BATCH_KEY = "drift/requests.csv"


@dataclass(frozen=True)
class DriftRuns:
    origin: Path
    runs: list[ActRun]
    pull_requests: list[dict[str, str]]


def drifted_batch(project: Path) -> bytes:
    """Recent inputs: the training features without the label, alcohol shifted by 5 (about 6 standard deviations)."""
    rows = pd.read_csv(project / "data" / "raw" / "wine.csv").drop(columns=["cultivar"])
    rows["alcohol"] += 5
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def run_drift(project: Path, scratch: Path, env: dict[str, str], server: S3Server, run_id: str, batch: str) -> ActRun:
    return run_act(
        project,
        "drift.yml",
        "workflow_dispatch",
        {"ref": "refs/heads/main", "repository": {"full_name": REPOSITORY, "default_branch": "main"}},
        scratch / f"act-{run_id}",
        secrets=secrets(server),
        env={**env, "GITHUB_RUN_ID": run_id},
        variables={"DRIFT_BATCH_URL": batch} if batch else {},
    )


@pytest.fixture(scope="module")
def drift_runs(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DriftRuns]:
    root = tmp_path_factory.mktemp("drift")
    with pytest.MonkeyPatch.context() as patch:
        use_s3_server(patch, s3_server)
        project = render(root / "work", dvc_remote_url=f"s3://{s3_server.bucket}/drift-dvc")
        origin = publish_main(project, root)
        s3_server.client().put_object(Bucket=s3_server.bucket, Key=BATCH_KEY, Body=drifted_batch(project))
        record = root / "pull-requests.jsonl"
        env = {
            **workflow_env(s3_server, origin),
            "VENV": str(venv_seeing_the_suites_packages(root / "venv")),
            "GH_RECORD": str(record),
        }
        batch = f"s3://{s3_server.bucket}/{BATCH_KEY}"
        runs = [run_drift(project, root, env, s3_server, run_id, batch) for run_id in ("101", "102")]
        lines = record.read_text().splitlines() if record.is_file() else []
        yield DriftRuns(origin, runs, [json.loads(line) for line in lines])


def test_two_drifted_runs_on_one_day_open_two_pull_requests(drift_runs: DriftRuns) -> None:
    for run_ in drift_runs.runs:
        assert run_.job_succeeded(JOB), run_.output[-5000:]
        assert run_.step_ran("Open a retraining pull request"), run_.output[-5000:]
        # Without RETRAIN_PR_TOKEN the pull request cannot start Train by itself: the run says so.
        assert "Train will not start by itself" in run_.output

    heads = [record["head"] for record in drift_runs.pull_requests]
    assert [record["base"] for record in drift_runs.pull_requests] == ["main", "main"]
    assert len(set(heads)) == 2 and all(head.startswith("retrain/drift-") for head in heads)
    for head, run_id in zip(heads, ("101", "102"), strict=True):
        assert head.endswith(f"-run{run_id}")
        folder = head.removeprefix("retrain/drift-")
        report = git(drift_runs.origin, "show", f"{head}:reports/drift/{folder}/drift_report.md")
        assert "alcohol" in report and "drift" in report.lower()


def test_without_a_batch_setting_the_check_is_skipped_with_what_to_set(
    s3_server: S3Server, drift_runs: DriftRuns, tmp_path: Path
) -> None:
    project = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--branch", "main", str(drift_runs.origin), str(project))
    env = {**workflow_env(s3_server, drift_runs.origin), "GH_RECORD": str(tmp_path / "none.jsonl")}
    result = run_drift(project, tmp_path, env, s3_server, "103", batch="")
    assert result.job_succeeded(JOB), result.output[-5000:]
    assert "set the repository variable DRIFT_BATCH_URL" in result.output
    assert not result.step_ran("Check for drift")
    assert not (tmp_path / "none.jsonl").exists()
