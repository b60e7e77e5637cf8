"""The rehearsal's `cml` stand-in refuses what CML 0.20.6 refuses, so a workflow it accepts is one CML accepts.

Each case is a call the generated workflows once made or could make, with the error CML itself gives (the
stand-in's docstring names the CML source file of each rule). The accepted calls are recorded for the rehearsal.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from ..support.act_runner import STANDINS

CML = STANDINS / "bin" / "cml"
REPO = "--repo=https://github.com/octo-org/wine-classifier"
PNG = b"\x89PNG\r\n\x1a\n"


def cml(folder: Path, *args: str, token: str | None = "a-token", **env: str) -> subprocess.CompletedProcess[str]:
    """The stand-in in `folder`, which is no git clone, with only the variables a workflow step would give it."""
    (folder / "record").mkdir(exist_ok=True)
    environ = {"PATH": os.environ["PATH"], "CML_RECORD_DIR": str(folder / "record"), "ITERATIVE_DO_NOT_TRACK": "1"}
    environ |= {"REPO_TOKEN": token} if token else {}
    environ |= {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", **env}
    return subprocess.run(
        [str(CML), *args], cwd=folder, env=environ, capture_output=True, text=True, check=False, timeout=60
    )


def recorded(folder: Path) -> list[dict]:
    calls = folder / "record" / "calls.jsonl"
    return [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """A report that links a picture beside it, as one written with pictures would."""
    (tmp_path / "matrix.png").write_bytes(PNG)
    path = tmp_path / "report.md"
    path.write_text("## Model report\n\n![confusion matrix](matrix.png)\n")
    return path


NO_TOKEN = "token not found"
LAUNCH = ("runner", "launch", "--cloud=aws", "--cloud-type=m", "--single", "--idle-timeout=600")

REFUSED = {
    "launch without a repository or a clone": (LAUNCH, "Command failed: git config --get remote.origin.url"),
    "launch without a token": ((*LAUNCH, REPO), NO_TOKEN),
    "an unknown cloud": (("runner", "launch", REPO, "--cloud=ibm"), "Argument: cloud, Given: 'ibm'"),
    "single and reuse together": (("runner", "launch", REPO, "--single", "--reuse"), "mutually exclusive"),
    "an option CML does not have": (("runner", "launch", REPO, "--cloud-zone=a"), "Unknown arguments: cloud-zone"),
    "a machine type Kubernetes refuses": (
        ("runner", "launch", REPO, "--cloud=kubernetes", "--cloud-type=t2.micro"),
        "invalid instance type",
    ),
    "a custom Kubernetes type with a separate GPU": (
        ("runner", "launch", REPO, "--cloud=kubernetes", "--cloud-type=4-16000", "--cloud-gpu=t4"),
        "invalid instance type",
    ),
    "an unknown comment target": (("comment", "create", REPO, "--target=branch", "report.md"), "Failed to parse"),
    "a qualified target of an unknown kind": (
        ("comment", "create", REPO, "--target=branch/main", "report.md"),
        'unsupported comment target "branch/main"',
    ),
    "a report file that is missing": (("comment", "create", REPO, "missing.md"), "ENOENT"),
    "a report whose picture would be published": (
        ("comment", "update", REPO, "--target=pr", "report.md"),
        "request to https://asset.cml.dev failed: uploading matrix.png",
    ),
}


@pytest.mark.parametrize(("args", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_refuses_what_cml_refuses(tmp_path: Path, report: Path, args: tuple[str, ...], message: str) -> None:
    token = None if message == NO_TOKEN else "a-token"
    result = cml(tmp_path, *args, token=token)
    assert result.returncode == 1
    assert message in result.stderr
    assert recorded(tmp_path) == []


def test_records_what_cml_accepts(tmp_path: Path, report: Path) -> None:
    """The workflow's calls: a launch naming the repository, a comment that publishes nothing."""
    kubernetes = ("runner", "launch", REPO, "--cloud=kubernetes", "--cloud-type=4-16000+nvidia-tesla-t4*1")
    comment = ("comment", "update", REPO, "--target=auto", "--watermark-title=Model report", "--publish=false")
    assert cml(tmp_path, *LAUNCH, REPO).returncode == 0
    assert cml(tmp_path, *kubernetes).returncode == 0
    assert cml(tmp_path, *comment, "report.md", ITERATIVE_DO_NOT_TRACK="").returncode == 0

    launch, custom_type, posted = recorded(tmp_path)
    assert launch["repo"] == custom_type["repo"] == "https://github.com/octo-org/wine-classifier"
    assert launch["token_from"] == "REPO_TOKEN"
    assert launch["reports_usage"] is False
    assert posted["file"]["text"] == report.read_text()
    assert posted["reports_usage"] is True  # CML reports usage unless ITERATIVE_DO_NOT_TRACK is set


def test_a_clone_gives_the_repository(tmp_path: Path) -> None:
    """Without --repo, CML takes the clone's origin, as in a job that checked the repository out."""
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "https://github.com/o/r"], check=True)
    assert cml(tmp_path, *LAUNCH).returncode == 0
    assert recorded(tmp_path)[0]["repo"] == "https://github.com/o/r"
