"""The Drift workflow's "Open a retraining pull request" step, run with bash as GitHub runs it, twice on one day.

Each run of the workflow starts from a fresh checkout of main. A second run on the same day that finds drift
again (a manual run after the Monday schedule, say) must open its own pull request, not fail on the branch the
first one pushed. git is real (a bare repository is the origin); `gh` is a stand-in that records each
`gh pr create` and refuses what GitHub refuses: a head branch that was not pushed, and a second open pull
request for the same head (the REST API's 422 "A pull request already exists").
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from .helpers import commit_all, render, run

STEP = "Open a retraining pull request"
GH_STANDIN = """#!/bin/sh
# gh stand-in: `gh pr create --base B --head H ...` recorded in $GH_RECORD, one JSON line per pull request.
set -eu
[ "$1 $2" = "pr create" ] || { echo "unknown command: $*" >&2; exit 1; }
base="" head=""
while [ $# -gt 0 ]; do
  case "$1" in --base) base=$2; shift ;; --head) head=$2; shift ;; esac
  shift
done
git ls-remote --exit-code origin "refs/heads/$head" >/dev/null || { echo "head $head not pushed" >&2; exit 1; }
if grep -q "\\"head\\": \\"$head\\"" "$GH_RECORD" 2>/dev/null; then
  echo "a pull request for branch \\"$head\\" into branch \\"$base\\" already exists" >&2
  exit 1
fi
printf '{"base": "%s", "head": "%s"}\\n' "$base" "$head" >> "$GH_RECORD"
"""


@pytest.fixture(scope="module")
def step_script(tmp_path_factory: pytest.TempPathFactory) -> str:
    project = render(tmp_path_factory.mktemp("drift"))
    workflow = yaml.safe_load((project / ".github/workflows/drift.yml").read_text(encoding="utf-8"))
    (step,) = [step for step in workflow["jobs"]["drift"]["steps"] if step.get("name") == STEP]
    return step["run"]


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare repository holding one commit on main, as GitHub holds the project."""
    work = tmp_path / "work"
    work.mkdir()
    run(["git", "init", "--quiet", "--initial-branch=main"], cwd=work)
    (work / "README.md").write_text("a project\n")
    commit_all(work, "Start")
    bare = tmp_path / "origin.git"
    run(["git", "clone", "--quiet", "--bare", str(work), str(bare)], cwd=tmp_path)
    return bare


def open_retraining_pull_request(script: str, origin: Path, folder: Path, run_id: str) -> subprocess.CompletedProcess:
    """One workflow run: a fresh checkout of main with the drift report, then the step with `bash -e`."""
    checkout = folder / f"checkout-{run_id}"
    run(["git", "clone", "--quiet", str(origin), str(checkout)], cwd=folder)
    (checkout / "drift_report.md").write_text(f"## Drift report of run {run_id}\n")
    bin_dir = folder / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "gh").write_text(GH_STANDIN)
    (bin_dir / "gh").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GH_RECORD": str(folder / "pull-requests.jsonl"),
        "PR_TOKEN": "",
        "WORKFLOW_TOKEN": "a-workflow-token",
        "BASE": "main",
        "GITHUB_RUN_ID": run_id,
    }
    return subprocess.run(["bash", "-e", "-c", script], cwd=checkout, env=env, capture_output=True, text=True)


def test_two_runs_on_one_day_open_two_pull_requests(step_script: str, origin: Path, tmp_path: Path) -> None:
    first = open_retraining_pull_request(step_script, origin, tmp_path, "101")
    second = open_retraining_pull_request(step_script, origin, tmp_path, "102")
    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr

    records = [json.loads(line) for line in (tmp_path / "pull-requests.jsonl").read_text().splitlines()]
    heads = [record["head"] for record in records]
    assert [record["base"] for record in records] == ["main", "main"]
    assert len(set(heads)) == 2 and all(head.startswith("retrain/drift-") for head in heads)
    for head, run_id in zip(heads, ("101", "102"), strict=True):
        assert head.endswith(f"-run{run_id}")
        folder = head.removeprefix("retrain/drift-")
        report = run(["git", "show", f"{head}:reports/drift/{folder}/drift_report.md"], cwd=origin).stdout
        assert report == f"## Drift report of run {run_id}\n"
    # Without RETRAIN_PR_TOKEN the pull request cannot start Train by itself: the run says so.
    assert "Train will not start by itself" in first.stdout
