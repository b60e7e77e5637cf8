"""The default project against a real S3 server: push from one checkout, reproduce nothing in a fresh clone.

A SeaweedFS `weed mini` server (see s3_server.py) stands in for the bucket. The project is configured the way a
user would: the remote URL comes from the template, the endpoint goes into the git-ignored `.dvc/config.local`,
and the credentials come from environment variables, so nothing about the server is committed.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml
from botocore.exceptions import ClientError

from ..support.helpers import commit_all, render, run, stages_run
from ..support.remote import STAGES, dvc, fresh_clone, pipeline_files, point_at_server
from ..support.runs import set_tool_identity
from ..support.s3_server import S3Server

pytestmark = pytest.mark.slow

REMOTE_PREFIX = "teams/wine-classifier/dvc"


@dataclass(frozen=True)
class PushedProject:
    """The default project reproduced, committed, and pushed with its run-cache to the S3 remote."""

    project: Path
    server: S3Server
    push_log: str


def cache_object_keys(project: Path) -> set[str]:
    """The objects in a project's DVC cache, named as they are on the remote."""
    root = project / ".dvc/cache"
    return {str(path.relative_to(root)) for path in (root / "files").rglob("*") if path.is_file()}


def locked_md5s(project: Path) -> set[str]:
    """The md5 of every stage output in dvc.lock (a directory's ends in .dir)."""
    lock = yaml.safe_load((project / "dvc.lock").read_text())
    return {out["md5"] for stage in lock["stages"].values() for out in stage["outs"]}


def remote_key(md5: str) -> str:
    """Where DVC 3 stores an object on a remote."""
    return f"{REMOTE_PREFIX}/files/md5/{md5[:2]}/{md5[2:]}"


@pytest.fixture(scope="module")
def pushed_project(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PushedProject]:
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        project = render(tmp_path_factory.mktemp("pushed"), dvc_remote_url=f"s3://{s3_server.bucket}/{REMOTE_PREFIX}")
        env = point_at_server(project, s3_server)
        assert stages_run(dvc(project, env, "repro")) == STAGES
        commit_all(project, "First model")
        push_log = dvc(project, env, "push", "--run-cache")
        yield PushedProject(project=project, server=s3_server, push_log=push_log)


def test_s3_server_listens_on_loopback_only_and_checks_credentials(s3_server: S3Server) -> None:
    """The test server opens nothing beyond 127.0.0.1, and refuses a client with the wrong secret."""
    assert s3_server.listening_hosts() == {"127.0.0.1"}
    impostor = replace(s3_server, secret_access_key="not-the-secret")
    with pytest.raises(ClientError, match=r"SignatureDoesNotMatch|AccessDenied"):
        impostor.keys()


def test_server_settings_stay_out_of_git(pushed_project: PushedProject) -> None:
    """Endpoint and credentials live in the git-ignored local config and the environment, never in a commit."""
    project, server = pushed_project.project, pushed_project.server
    committed_config = run(["git", "show", "HEAD:.dvc/config"], cwd=project).stdout
    assert f"s3://{server.bucket}/{REMOTE_PREFIX}" in committed_config
    assert "endpointurl" not in committed_config
    assert server.endpoint_url in (project / ".dvc/config.local").read_text()
    assert ".dvc/config.local" not in run(["git", "ls-files", ".dvc"], cwd=project).stdout.splitlines()
    for secret in (server.endpoint_url, server.access_key_id, server.secret_access_key):
        assert run(["git", "grep", "--quiet", "-F", secret, "HEAD"], cwd=project, check=False).returncode == 1


def test_push_sends_every_output_and_the_run_cache_to_the_bucket(pushed_project: PushedProject) -> None:
    """`dvc push --run-cache` uploads each locked output (and the raw data) and one run entry per stage."""
    project, server = pushed_project.project, pushed_project.server
    keys = set(server.keys(f"{REMOTE_PREFIX}/"))
    object_keys = {key for key in keys if key.startswith(f"{REMOTE_PREFIX}/files/md5/")}
    run_keys = {key for key in keys if key.startswith(f"{REMOTE_PREFIX}/runs/")}
    assert {remote_key(md5) for md5 in locked_md5s(project)} <= object_keys
    raw_md5 = yaml.safe_load((project / "data/raw/wine.csv.dvc").read_text())["outs"][0]["md5"]
    assert remote_key(raw_md5) in object_keys
    # Everything in the local cache went up, and nothing else is there: the bucket holds this project only.
    assert object_keys == {f"{REMOTE_PREFIX}/{key}" for key in cache_object_keys(project)}
    assert len(run_keys) == len(STAGES)
    assert keys == object_keys | run_keys


def test_fresh_clone_repro_pull_runs_nothing_and_restores_outputs(
    pushed_project: PushedProject, tmp_path: Path
) -> None:
    """A fresh clone (no cache, no outputs) gets every output from the bucket byte for byte, running no stage."""
    original, server = pushed_project.project, pushed_project.server
    clone, env = fresh_clone(original, tmp_path / "clone", server)

    log = dvc(clone, env, "repro", "--pull")

    assert stages_run(log) == [], log
    assert pipeline_files(clone) == pipeline_files(original)
    assert json.loads((clone / "metrics/metrics.json").read_text())["accuracy"] > 0.5
    # The clone's cache was filled from the bucket only: its one remote.
    assert {f"{REMOTE_PREFIX}/{key}" for key in cache_object_keys(clone)} <= set(server.keys(f"{REMOTE_PREFIX}/"))
    assert run(["git", "status", "--porcelain"], cwd=clone).stdout == ""
    assert "Data and pipelines are up to date." in dvc(clone, env, "status")


def test_run_cache_alone_restores_stages_without_dvc_lock(pushed_project: PushedProject, tmp_path: Path) -> None:
    """Without dvc.lock, the pushed run-cache still skips every stage: each is restored as cached.

    This is what `--run-cache` adds: the lock file above already names every output, so the previous test would
    pass with a plain `dvc push`; here only the run entries can tell DVC that the stages ran before.
    """
    original, server = pushed_project.project, pushed_project.server
    clone, env = fresh_clone(original, tmp_path / "clone", server)
    (clone / "dvc.lock").unlink()

    log = dvc(clone, env, "repro", "--pull")

    assert stages_run(log) == [], log
    for stage in STAGES:
        assert f"Stage '{stage}' is cached - skipping run, checking out outputs" in log
    assert pipeline_files(clone) == pipeline_files(original)
    assert (clone / "dvc.lock").read_text() == (original / "dvc.lock").read_text()
