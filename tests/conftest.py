"""Shared fixtures: a quiet, offline git + DVC identity, a rendered default project that has run once, an S3 server."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support.helpers import commit_all, dvc_repro, render
from .support.runs import FirstRun, set_tool_identity
from .support.s3_server import S3Server, running_s3_server


@pytest.fixture(autouse=True)
def _tool_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    set_tool_identity(monkeypatch)


@pytest.fixture(scope="session")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstRun]:
    """Shared and read-only: tests that change the project take `reproduced_project`, a copy."""
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        root = tmp_path_factory.mktemp("first-run")
        project = render(root, dvc_remote_url=str(root / "remote"))
        result = dvc_repro(project)
        commit_all(project, "First model")
        yield FirstRun(project=project, log=result.stdout)


@pytest.fixture
def reproduced_project(first_run: FirstRun, tmp_path: Path) -> Path:
    """A private copy of the reproduced default project, git history and DVC cache included."""
    copy = tmp_path / first_run.project.name
    shutil.copytree(first_run.project, copy, symlinks=True)
    return copy


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One S3 server for the session, on loopback and free ports, its data in a pytest folder."""
    with running_s3_server(tmp_path_factory.mktemp("s3-server")) as server:
        yield server
