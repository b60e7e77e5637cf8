"""What the CI training step downloads on a fresh clone, against a real S3 remote crowded with old run entries.

The default project is trained twice (max_depth 3, then 4) and pushed with its run-cache, and the remote gets
many run entries of other stages, as a year of pushes leaves them. A fresh clone then runs the CI step (the `ci`
command that `make ci` runs) as GitHub Actions would: what lands in its DVC cache is what it downloaded.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from ..support.helpers import VENV_BIN, commit_all, render, run, stages_run
from ..support.remote import dvc, fresh_clone, point_at_server
from ..support.runs import set_tool_identity
from ..support.s3_server import S3Server

pytestmark = pytest.mark.slow

REMOTE_PREFIX = "teams/ci-cost/dvc"
OTHER_RUN_ENTRIES = 300
RAW = "data/raw/wine.csv"
MODEL = "models/model.joblib"
EVALUATION = ("metrics/metrics.json", "metrics/predictions.csv", "metrics/confusion_matrix.png")


@dataclass(frozen=True)
class CrowdedRemote:
    """The project trained at max_depth 3 (HEAD~1) then 4 (HEAD), both pushed, beside many other run entries."""

    project: Path
    server: S3Server
    own_run_keys: frozenset[str]


def run_keys(cache: Path) -> set[str]:
    """The stage keys of a local run-cache (`runs/<key[:2]>/<key>/<entry>`)."""
    return {path.name for path in (cache / "runs").glob("*/*")}


def cached_md5s(clone: Path) -> set[str]:
    """The md5 of every object in a clone's DVC cache: what it downloaded or produced."""
    root = clone / ".dvc/cache/files/md5"
    return {f"{path.parent.name}{path.name}" for path in root.rglob("*") if path.is_file()}


def locked_md5(project: Path, path: str) -> str:
    """An output's md5 as dvc.lock (or, for the raw data, its .dvc file) records it."""
    if path == RAW:
        return yaml.safe_load((project / f"{RAW}.dvc").read_text())["outs"][0]["md5"]
    lock = yaml.safe_load((project / "dvc.lock").read_text())
    outs = [out for stage in lock["stages"].values() for out in stage["outs"] if out["path"] == path]
    return outs[0]["md5"]


def set_max_depth(project: Path, depth: int) -> None:
    params = project / "params.yaml"
    text = params.read_text()
    old = next(line for line in text.splitlines() if line.strip().startswith("max_depth:"))
    params.write_text(text.replace(old, f"    max_depth: {depth}", 1))


def add_other_run_entries(server: S3Server, count: int) -> None:
    """Run entries of stages this pipeline does not have: what other branches and old commits pushed."""
    client = server.client()
    for number in range(count):
        key = hashlib.sha256(f"other stage {number}".encode()).hexdigest()
        value = hashlib.sha256(f"other run {number}".encode()).hexdigest()
        body = f"cmd: python other.py {number}\ndeps: []\nouts: []\n".encode()
        client.put_object(Bucket=server.bucket, Key=f"{REMOTE_PREFIX}/runs/{key[:2]}/{key}/{value}", Body=body)


def ci(clone: Path, env: dict[str, str], base: str) -> str:
    """The CI step as `make ci` runs it; its whole log."""
    result = run([VENV_BIN / "python", "-m", "wine_classifier", "ci", "--base", base], cwd=clone, env=env)
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def crowded_remote(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrowdedRemote]:
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        project = render(tmp_path_factory.mktemp("ci-cost"), dvc_remote_url=f"s3://{server_url(s3_server)}")
        env = point_at_server(project, s3_server)
        for message, depth in (("First model", 3), ("Deeper trees", 4)):
            set_max_depth(project, depth)
            dvc(project, env, "repro")
            commit_all(project, message)
            dvc(project, env, "push", "--run-cache")
        add_other_run_entries(s3_server, OTHER_RUN_ENTRIES)
        yield CrowdedRemote(project, s3_server, frozenset(run_keys(project / ".dvc/cache")))


def server_url(server: S3Server) -> str:
    return f"{server.bucket}/{REMOTE_PREFIX}"


def test_the_remote_holds_many_more_run_entries_than_the_pipeline(crowded_remote: CrowdedRemote) -> None:
    """The premise: the pipeline's own entries are a handful among the remote's."""
    runs = crowded_remote.server.keys(f"{REMOTE_PREFIX}/runs/")
    assert len(runs) == OTHER_RUN_ENTRIES + 5  # prepare once, train and evaluate twice
    assert len(crowded_remote.own_run_keys) == 5


def test_a_push_that_changes_nothing_downloads_the_report_files_alone(
    crowded_remote: CrowdedRemote, tmp_path: Path
) -> None:
    """No stage runs; no run entry, no raw data, no model comes down: only the evaluation the report shows."""
    original = crowded_remote.project
    clone, env = fresh_clone(original, tmp_path / "clone", crowded_remote.server)

    log = ci(clone, env, base="HEAD~1")

    assert stages_run(log) == [], log
    assert "stages run or restored from the run-cache: none" in log
    assert not (clone / ".dvc/cache/runs").exists()
    downloaded = cached_md5s(clone)
    assert locked_md5(original, RAW) not in downloaded
    assert locked_md5(original, MODEL) not in downloaded
    assert not (clone / RAW).exists() and not (clone / MODEL).exists() and not (clone / "data/prepared").exists()
    for path in EVALUATION:
        assert (clone / path).read_bytes() == (original / path).read_bytes()
    report = (clone / "report.md").read_text()
    assert "| train.random_forest.max_depth | `3` | `4` |" in report
    assert "No DVC-tracked data differs from `HEAD~1`." in report
    assert run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=clone).stdout == ""
    # The gate, which runs next in CI, accepts the workspace: what it reads is there and matches dvc.lock.
    gate = run([VENV_BIN / "python", "-m", "wine_classifier", "gate", "--base", "HEAD~1"], cwd=clone, env=env)
    assert "quality gate passed" in gate.stderr


def test_a_change_seen_before_is_restored_from_its_own_run_entries(
    crowded_remote: CrowdedRemote, tmp_path: Path
) -> None:
    """Back to max_depth 3: train and evaluate come from the run-cache, fetched for their keys alone."""
    original = crowded_remote.project
    clone, env = fresh_clone(original, tmp_path / "clone", crowded_remote.server)
    set_max_depth(clone, 3)
    commit_all(clone, "Back to shallow trees")

    log = ci(clone, env, base="HEAD~1")

    assert stages_run(log) == [], log
    assert "Stage 'prepare' didn't change, skipping" in log
    for stage in ("train", "evaluate"):
        assert f"Stage '{stage}' is cached - skipping run, checking out outputs" in log
    fetched = run_keys(clone / ".dvc/cache")
    assert fetched and fetched <= crowded_remote.own_run_keys, fetched
    assert locked_md5(original, RAW) not in cached_md5s(clone)
    first_lock = run(["git", "show", "HEAD~1:dvc.lock"], cwd=original).stdout
    assert (clone / "dvc.lock").read_text() == first_lock
    assert "Record the model trained in CI" in run(["git", "log", "-1", "--format=%s"], cwd=clone).stdout


def test_a_new_change_retrains_only_its_stages_and_pushes_them(crowded_remote: CrowdedRemote, tmp_path: Path) -> None:
    """max_depth 2, never trained: train and evaluate run on the pulled prepared data; the raw data stays remote."""
    original, server = crowded_remote.project, crowded_remote.server
    clone, env = fresh_clone(original, tmp_path / "clone", server)
    set_max_depth(clone, 2)
    commit_all(clone, "Shallower trees")

    log = ci(clone, env, base="HEAD~1")

    assert stages_run(log) == ["train", "evaluate"], log
    assert locked_md5(original, RAW) not in cached_md5s(clone)
    assert run_keys(clone / ".dvc/cache") - crowded_remote.own_run_keys, "no run entry was made"
    new_model = locked_md5(clone, MODEL)
    assert new_model != locked_md5(original, MODEL)
    assert f"{REMOTE_PREFIX}/files/md5/{new_model[:2]}/{new_model[2:]}" in server.keys(f"{REMOTE_PREFIX}/files/")
    pushed_runs = {key.split("/")[-2] for key in server.keys(f"{REMOTE_PREFIX}/runs/")}
    assert run_keys(clone / ".dvc/cache") <= pushed_runs


def test_the_old_step_downloads_every_run_entry(crowded_remote: CrowdedRemote, tmp_path: Path) -> None:
    """What the CI step replaced: `dvc repro --pull` fetches the whole run-cache and every output (the contrast)."""
    original = crowded_remote.project
    clone, env = fresh_clone(original, tmp_path / "clone", crowded_remote.server)

    dvc(clone, env, "repro", "--pull")

    assert len(run_keys(clone / ".dvc/cache")) >= OTHER_RUN_ENTRIES
    assert {locked_md5(original, RAW), locked_md5(original, MODEL)} <= cached_md5s(clone)


def test_outputs_nobody_pushed_are_made_again(s3_server: S3Server, tmp_path: Path) -> None:
    """dvc.lock records a prepared table the remote lacks (trained where nobody pushed): a change to train cannot
    pull it, so the step falls back to pulling every stage or running it, as `dvc repro --pull` did.
    """
    prefix = "teams/never-pushed/dvc"
    project = render(tmp_path / "work", dvc_remote_url=f"s3://{s3_server.bucket}/{prefix}")
    env = point_at_server(project, s3_server)
    dvc(project, env, "repro")
    commit_all(project, "First model, never pushed")
    dvc(project, env, "push", f"{RAW}.dvc")
    clone, clone_env = fresh_clone(project, tmp_path / "clone", s3_server)
    set_max_depth(clone, 2)
    commit_all(clone, "Shallower trees")

    command = [VENV_BIN / "python", "-m", "wine_classifier", "ci", "--base", "HEAD~1"]
    result = run(command, cwd=clone, env=clone_env, check=False)

    log = result.stdout + result.stderr
    assert stages_run(log) == ["prepare", "train", "evaluate"], log
    assert "pulling every stage, or running it where the remote lacks its outputs" in log
    # Then the report says what the base lacks, as it did before: the base's evaluation was never pushed either.
    assert result.returncode != 0
    assert "error: cannot read metrics/metrics.json of 'HEAD~1': its dvc.lock records them" in result.stderr
