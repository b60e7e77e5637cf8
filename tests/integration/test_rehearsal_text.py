"""Rehearsal of the Train workflow of a text project, run with act as in test_rehearsal.py.

The same stand-ins replace what cannot exist here (the actions, and `cml`, which records its calls). The project
trains its TF-IDF baseline (`train.model: baseline`), so the rehearsal needs no PyTorch start-up; the branch
changes one of its parameters. What differs from the tabular project, and is checked here, is the model: a
folder (`models/model/`) whose DVC hash ends in `.dir`, pushed to the remote with every file in it.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..support.act_runner import ActRun, run_act, stages_executed
from ..support.helpers import VENV_BIN, project_env, render, run
from ..support.rehearsal import (
    assert_confusion_counts_and_pictures,
    git,
    publish_with_branch,
    push_event,
    secrets,
    use_s3_server,
    workflow_env,
)
from ..support.s3_server import S3Server
from ..support.tasks import TEXT

pytestmark = pytest.mark.slow

BRANCH = "unigrams"
STEPS = ("Install CML", "Train, push the results and write the report", "Post the report", "Quality gate")


@dataclass(frozen=True)
class TextRehearsal:
    project: Path
    origin: Path
    server: S3Server
    branch_sha: str
    run: ActRun


def use_baseline(params_text: str) -> str:
    return re.sub(r"^  model: transformer", "  model: baseline", params_text, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def text_rehearsal(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TextRehearsal]:
    """main trains the baseline and pushes it; a branch lowers its n-gram length and is pushed: CI trains it."""
    root = tmp_path_factory.mktemp("text-rehearsal")
    with pytest.MonkeyPatch.context() as patch:
        use_s3_server(patch, s3_server)
        project = render(
            root / "work",
            project_name="Review Triage",
            task=TEXT,
            dvc_remote_url=f"s3://{s3_server.bucket}/text-rehearsal",
        )
        params = project / "params.yaml"
        params.write_text(use_baseline(params.read_text()))
        published = publish_with_branch(project, root, BRANCH, ("ngram_max: 2", "ngram_max: 1"), "Unigrams only")
        act_run = run_act(
            project,
            "train.yml",
            "push",
            push_event(BRANCH, published.main_sha),
            root / "act",
            secrets=secrets(s3_server),
            env=workflow_env(s3_server, published.origin) | {"GITHUB_REPOSITORY": "octo-org/review-triage"},
        )
        yield TextRehearsal(project, published.origin, s3_server, published.branch_sha, act_run)


def test_train_job_retrains_the_text_model_and_posts_its_report(text_rehearsal: TextRehearsal) -> None:
    act_run = text_rehearsal.run
    for step in STEPS:
        assert act_run.step_ran(step), f"{step} did not succeed:\n{act_run.output[-5000:]}"
    assert stages_executed(act_run.output) == ["train", "evaluate"]
    (call,) = act_run.cml_calls
    report = call["file"]["text"]
    assert re.search(r"^\| accuracy \| \d\.\d{4} \| \d\.\d{4} \| ([+-]\d\.\d{4}|0) \|$", report, re.MULTILINE), report
    assert "| train.baseline.ngram_max | `2` | `1` |" in report
    assert_confusion_counts_and_pictures(act_run, report, "octo-org/review-triage")


def test_model_folder_in_the_new_dvc_lock_is_in_the_remote_file_by_file(text_rehearsal: TextRehearsal) -> None:
    """Deploy pulls the folder dvc.lock records: its listing and every file in it must be in the remote."""
    lock = git(text_rehearsal.origin, "show", f"{BRANCH}:dvc.lock")
    assert git(text_rehearsal.origin, "rev-parse", f"{BRANCH}~1") == text_rehearsal.branch_sha
    folder = re.search(r"path: models/model\n\s+hash: md5\n\s+md5: ([0-9a-f]{32})\.dir", lock)
    assert folder, lock
    keys = text_rehearsal.server.keys("text-rehearsal/")
    listing_key = f"text-rehearsal/files/md5/{folder[1][:2]}/{folder[1][2:]}.dir"
    assert listing_key in keys
    listing_path = text_rehearsal.project / ".dvc" / "cache" / "files" / "md5" / folder[1][:2] / f"{folder[1][2:]}.dir"
    git(text_rehearsal.project, "pull", "--quiet", "--ff-only", "origin", BRANCH)
    run(
        [VENV_BIN / "dvc", "fetch", "models/model"], cwd=text_rehearsal.project, env=project_env(text_rehearsal.project)
    )
    entries = json.loads(listing_path.read_text())
    assert {entry["relpath"] for entry in entries} >= {"classifier.json", "baseline.joblib"}
    for entry in entries:
        assert f"text-rehearsal/files/md5/{entry['md5'][:2]}/{entry['md5'][2:]}" in keys, entry
