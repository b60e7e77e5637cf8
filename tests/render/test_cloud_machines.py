"""The generated clean-up script finds and removes runner machines in each cloud, and only this repository's.

`.github/scripts/cloud-machines.sh` is what the Train workflow's clean-up job and the Sweep workflow run. Here it
runs against the rehearsal's clouds: the `cml` stand-in launches the machines with the flags the launch job
passes (so they carry the names and tags terraform-provider-iterative gives them), and each cloud's CLI
stand-in lists and removes them with its real command's contract (act_standins/README.md).
"""

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..support.act_runner import STANDINS
from ..support.helpers import VENV_BIN, render

CLOUDS = ("aws", "gcp", "azure", "kubernetes")
SCRIPT = Path(".github/scripts/cloud-machines.sh")
REPOSITORY_ID = "420001"
OTHER_REPOSITORY_ID = "999"
THIS_RUN = "7001-1"
HOUR_S = 3600
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ctx, context: {cluster: c, user: u, namespace: ci}}]
current-context: ctx
"""
# The secrets each cloud's CLI signs in with, as the workflows hand them over.
CREDENTIALS: dict[str, dict[str, str]] = {
    "aws": {"AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1"},
    "gcp": {
        "GOOGLE_APPLICATION_CREDENTIALS_DATA": json.dumps(
            {"type": "service_account", "client_email": "ci@proj.iam.gserviceaccount.com", "project_id": "proj"}
        )
    },
    "azure": {
        "AZURE_CLIENT_ID": "client",
        "AZURE_CLIENT_SECRET": "-starts-with-a-dash",
        "AZURE_TENANT_ID": "tenant",
        "AZURE_SUBSCRIPTION_ID": "subscription",
    },
    "kubernetes": {"KUBERNETES_CONFIGURATION": KUBECONFIG},
}


@dataclass(frozen=True)
class Cloud:
    """A cloud's rendered script and the environment a workflow step gives it."""

    name: str
    script: Path
    env: dict[str, str]

    @property
    def state(self) -> Path:
        return Path(self.env["CLOUD_STATE_FILE"])

    def machines(self) -> list[dict]:
        return json.loads(self.state.read_text()) if self.state.is_file() else []

    def launch(self, run: str, repository_id: str = REPOSITORY_ID, hours_ago: float = 0) -> str:
        """Launch a machine as the Train workflow's launch job does; returns the name the provider gave it."""
        launched_at = int(time.time() - hours_ago * HOUR_S)
        command = [
            str(STANDINS / "bin" / "cml"), "runner", "launch", "--repo=https://github.com/octo-org/wine-classifier",
            f"--cloud={self.name}", "--cloud-region=us-east", "--cloud-type=m", "--single",
            f"--cloud-metadata=github-repository-id={repository_id}", f"--cloud-metadata=github-run={run}",
            f"--cloud-metadata=github-launched-at={launched_at}", f"--labels=cml,cml-{run}", f"--name=cml-{run}",
        ]  # fmt: skip
        env = {**self.env, "REPO_TOKEN": "a-token", "ITERATIVE_DO_NOT_TRACK": "1"}
        subprocess.run(command, env=env, cwd=self.script.parent, check=True, capture_output=True, text=True)
        return self.machines()[-1]["name"]

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(self.script), *args],
            env=env if env is not None else self.env,
            cwd=self.script.parent,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cloud-machines")
    return {cloud: render(root / cloud, runner=cloud) / SCRIPT for cloud in CLOUDS}


@pytest.fixture(params=CLOUDS)
def cloud(request: pytest.FixtureRequest, scripts: dict[str, Path], tmp_path: Path) -> Cloud:
    (tmp_path / "home").mkdir()
    (tmp_path / "record").mkdir()
    env = {
        "PATH": os.pathsep.join((str(STANDINS / "bin"), str(VENV_BIN), "/usr/bin", "/bin")),
        "HOME": str(tmp_path / "home"),
        "RUNNER_TEMP": str(tmp_path),
        "CLOUD_STATE_FILE": str(tmp_path / "clouds.json"),
        "CML_RECORD_DIR": str(tmp_path / "record"),
        "GITHUB_REPOSITORY_ID": REPOSITORY_ID,
        **CREDENTIALS[request.param],
    }
    return Cloud(request.param, scripts[request.param], env)


def test_clean_up_removes_this_runs_machine_and_nothing_else(cloud: Cloud) -> None:
    mine = cloud.launch(THIS_RUN)
    other_run = cloud.launch("7002-1")
    other_repository = cloud.launch(THIS_RUN, repository_id=OTHER_REPOSITORY_ID)

    result = cloud.run("remove", "--run", THIS_RUN)

    assert result.returncode == 0, result.stderr
    assert f"Removing {mine} (run {THIS_RUN}, launched 0 h ago)" in result.stdout
    assert [machine["name"] for machine in cloud.machines()] == [other_run, other_repository]
    # It signs in with a configuration of its own: a user's own gcloud or az login is left as it was.
    assert list(Path(cloud.env["HOME"]).iterdir()) == []


def test_clean_up_of_a_machine_that_removed_itself_finds_nothing(cloud: Cloud) -> None:
    cloud.launch("7002-1")
    result = cloud.run("remove", "--run", THIS_RUN)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"No runner machine matches --run {THIS_RUN}."
    assert len(cloud.machines()) == 1


def test_sweep_lists_then_removes_only_this_repositorys_machines_older_than_the_limit(cloud: Cloud) -> None:
    stranded = cloud.launch("6001-1", hours_ago=9)
    working = cloud.launch("7002-1", hours_ago=2)
    others = cloud.launch("5001-1", repository_id=OTHER_REPOSITORY_ID, hours_ago=30)

    listing = cloud.run("list", "--older-than", "6")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines() == [f"{stranded} (run 6001-1, launched 9 h ago)"]
    assert len(cloud.machines()) == 3, "a listing removes nothing"

    removal = cloud.run("remove", "--older-than", "6")
    assert removal.returncode == 0, removal.stderr
    removing = [line for line in removal.stdout.splitlines() if line.startswith("Removing")]  # kubectl says more
    assert removing == [f"Removing {stranded} (run 6001-1, launched 9 h ago)"]
    assert [machine["name"] for machine in cloud.machines()] == [working, others]


def test_a_cloud_that_refuses_fails_the_script(cloud: Cloud) -> None:
    """Without the cloud's credentials the CLI refuses, and the script must not pass for "nothing found"."""
    cloud.launch(THIS_RUN, hours_ago=9)
    env = {name: value for name, value in cloud.env.items() if name not in CREDENTIALS[cloud.name]}
    result = cloud.run("remove", "--older-than", "6", env=env)
    assert result.returncode != 0
    assert "No runner machine" not in result.stdout
    assert len(cloud.machines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list",), "usage: "),
        (("remove", "--run", "latest"), "error: --run takes RUN_ID-ATTEMPT, such as 123456789-1, not 'latest'"),
        (("list", "--older-than", "6h"), "error: --older-than takes a whole number of hours, not '6h'"),
    ],
)
def test_bad_arguments_get_one_line_that_says_what_to_pass(
    scripts: dict[str, Path], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    env = {"PATH": os.environ["PATH"], "GITHUB_REPOSITORY_ID": REPOSITORY_ID}
    result = subprocess.run(["bash", str(scripts["aws"]), *args], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


def test_without_the_repository_id_nothing_is_touched(scripts: dict[str, Path]) -> None:
    result = subprocess.run(
        ["bash", str(scripts["kubernetes"]), "remove", "--older-than", "6"],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "GITHUB_REPOSITORY_ID is not set: export the repository's id" in result.stderr
