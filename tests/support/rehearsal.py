"""What the rehearsals of the generated workflows share: the project's history, its origin, and what act hands a job.

A rehearsal gives the rendered project a history like a user's (main trained and pushed, git and DVC, then a
branch that changes a parameter), a bare repository as its GitHub "origin", and a real S3 remote.
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .act_runner import ActRun
from .helpers import VENV_BIN, commit_all, dvc_repro, project_env, run
from .s3_server import S3Server

REPOSITORY = "octo-org/wine-classifier"
REPOSITORY_ID = "420001"
# The token `cml runner launch` registers runners with, as the cloud variants' secrets hold it.
RUNNER_TOKEN_SECRET = {"CML_RUNNER_TOKEN": "a-personal-access-token"}
# A cluster the cloud stand-ins' kubectl accepts (tests/act_standins/bin/kubectl: a current context it defines).
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
"""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def git(project: Path, *args: str) -> str:
    return run(["git", *args], cwd=project).stdout.strip()


def workflow_env(server: S3Server, origin: Path) -> dict[str, str]:
    """What act hands the job besides secrets: the test's Python environment and where the S3 server is.

    VENV points `make` at this suite's environment (it holds the project's pinned packages; the cache stand-in
    reports a hit, so `make install` is skipped), and the package is importable from src/ as after
    `make install`'s editable install. DVC finds the endpoint through AWS_ENDPOINT_URL, as any AWS client does.
    The checkout stand-in clones REHEARSAL_ORIGIN.
    """
    return {
        "REHEARSAL_ORIGIN": str(origin),
        "VENV": str(VENV_BIN.parent),
        "PYTHONPATH": "src",
        "AWS_ENDPOINT_URL": server.endpoint_url,
        "AWS_SHARED_CREDENTIALS_FILE": str(server.empty_aws_config),
        "AWS_CONFIG_FILE": str(server.empty_aws_config),
        "AWS_EC2_METADATA_DISABLED": "true",
        "DVC_NO_ANALYTICS": "1",
        "GITHUB_REPOSITORY": REPOSITORY,
    }


def cloud_run_env(run_id: str, state: Path | None = None) -> dict[str, str]:
    """What a cloud variant's jobs read of GitHub beside their secrets, which act does not set: the repository's and
    the run's ids, which name and tag the machines; and the file where the cloud stand-ins keep those machines."""
    env = {
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_REPOSITORY_ID": REPOSITORY_ID,
        "GITHUB_RUN_ID": run_id,
        "GITHUB_RUN_ATTEMPT": "1",
    }
    return env | ({"CLOUD_STATE_FILE": str(state)} if state is not None else {})


def secrets(server: S3Server) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": server.access_key_id,
        "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
        "GITHUB_TOKEN": "token-for-the-rehearsal",
    }


def push_event(branch: str, before: str) -> dict[str, object]:
    return {
        "ref": f"refs/heads/{branch}",
        "before": before,
        "repository": {"default_branch": "main", "full_name": REPOSITORY},
    }


def use_s3_server(patch: pytest.MonkeyPatch, server: S3Server) -> None:
    """Point this process's DVC commands at the S3 server, as a user's AWS credentials and endpoint would."""
    for name, value in server.credentials_env().items():
        patch.setenv(name, value)
    patch.setenv("AWS_ENDPOINT_URL", server.endpoint_url)


@dataclass(frozen=True)
class Published:
    """Where a project's history went: its bare "origin" and the two commits pushed there."""

    origin: Path
    main_sha: str
    branch_sha: str


def push_to_new_origin(project: Path, root: Path) -> Path:
    """Push main to a new bare repository under `root`, the project's "origin", as GitHub holds it."""
    origin = root / "origin.git"
    run(["git", "init", "--quiet", "--bare", origin], cwd=root)
    git(project, "remote", "add", "origin", str(origin))
    git(project, "push", "--quiet", "origin", "main")
    return origin


def push_branch(project: Path, branch: str, params_edit: tuple[str, str], message: str) -> str:
    """Create `branch` from HEAD with one commit that edits params.yaml, push it; returns the commit."""
    git(project, "switch", "--quiet", "--create", branch)
    params = project / "params.yaml"
    old, new = params_edit
    text = params.read_text()
    assert old in text, f"params.yaml has no {old!r} to change"
    params.write_text(text.replace(old, new))
    commit_all(project, message)
    git(project, "push", "--quiet", "origin", branch)
    return git(project, "rev-parse", "HEAD")


def publish_main(project: Path, root: Path) -> Path:
    """Train main, commit it and push it, git to a bare "origin" under `root` and DVC with its run-cache."""
    dvc_repro(project)
    commit_all(project, "First model")
    run([VENV_BIN / "dvc", "push", "--run-cache"], cwd=project, env=project_env(project))
    return push_to_new_origin(project, root)


def publish_with_branch(
    project: Path, root: Path, branch: str, params_edit: tuple[str, str], message: str
) -> Published:
    """Train main and push it (git and DVC, with the run-cache), then push a branch whose commit edits params.yaml."""
    origin = publish_main(project, root)
    main_sha = git(project, "rev-parse", "HEAD")
    return Published(origin, main_sha, push_branch(project, branch, params_edit, message))


def assert_confusion_counts_and_pictures(run_: ActRun, text: str, repository: str) -> dict[str, str]:
    """Both models' confusion counts read in the comment itself; the pictures are in the run's artifact, linked."""
    assert "![" not in text, "a picture in the comment would need an image host"
    header = re.search(r"^\| actual ╲ predicted \|(.+)\|$", text, re.MULTILINE)
    assert header, text
    *classes, support = [name.strip() for name in header[1].split("|")]
    assert support == "support", "the last column is each class's test rows"
    rows = dict(re.findall(r"^\| \*\*(.+?)\*\* \|(.+)\|$", text, re.MULTILINE))
    assert list(rows) == classes
    run_page = f"https://github.com/{repository}/actions/runs/"
    assert f"The pictures are in the `model-report` artifact of [this run]({run_page}" in text
    artifact = run_.artifacts / "model-report"
    for picture in ("metrics/confusion_matrix.png", "report_assets/base_confusion_matrix.png"):
        assert (artifact / picture).read_bytes().startswith(PNG_SIGNATURE), picture
    assert (artifact / "report.md").read_text() == text
    return rows


def venv_seeing_the_suites_packages(folder: Path) -> Path:
    """An environment for a job that runs `make install`: a fresh venv that sees the suite's packages (a .pth file).

    pip then finds every pinned requirement installed and adds only the project itself, quickly, offline, and
    never into the suite's own environment. Handed to the job as VENV.
    """
    run([sys.executable, "-m", "venv", folder], cwd=folder.parent)
    (site_packages,) = folder.glob("lib/python*/site-packages")
    (suite_site_packages,) = VENV_BIN.parent.glob("lib/python*/site-packages")
    (site_packages / "suite-packages.pth").write_text(f"{suite_site_packages}\n")
    return folder
