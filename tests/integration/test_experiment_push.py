"""The experiment's push step, run as written in the Train workflow against a git server that demands the token.

DVC pushes an experiment's git ref with dulwich, not with git, so the step hands it GITHUB_TOKEN through a git
configuration file of its own (GIT_CONFIG_GLOBAL) scoped to the repository's host. The rehearsals' origin is a
folder, where no credential is asked for; here the origin is a smart-HTTP server on loopback that answers 401 to a
request without the expected `Authorization` header, as GitHub does.
"""

import os
import subprocess
from pathlib import Path

import yaml

from ..support.git_http_server import basic_authorization, running_git_http_server
from ..support.helpers import VENV_BIN, commit_all, project_env, run

TOKEN = "ghs_rehearsal-token"
NAME = "max-depth-2"
PUSH_STEP = "Push the experiment and the run-cache"


def push_step_script(project: Path) -> str:
    """The `run:` script of the push step of the experiment job in the project's rendered train.yml (on GitHub's
    machines, the experiments run there; a cloud runner's experiment.yml has the same step, from the same macro)."""
    workflow = yaml.safe_load((project / ".github/workflows/train.yml").read_text(encoding="utf-8"))
    return next(step["run"] for step in workflow["jobs"]["experiment"]["steps"] if step.get("name") == PUSH_STEP)


def run_push_step(project: Path, server_url: str, token: str, runner_temp: Path) -> subprocess.CompletedProcess[str]:
    """The step under the shell GitHub Actions gives a `run:` (bash -e, pipefail), with the variables it reads."""
    env = project_env(project, {"NAME": NAME, "GITHUB_TOKEN": token, "GITHUB_SERVER_URL": server_url})
    env |= {"RUNNER_TEMP": str(runner_temp), "PATH": f"{VENV_BIN}{os.pathsep}{env['PATH']}"}
    command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", push_step_script(project)]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)


def experiment_refs(repository: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname)", "refs/exps"], cwd=repository, capture_output=True, text=True
    )
    return listed.stdout.split()


def test_the_experiment_is_pushed_with_the_token_sent_to_the_repositorys_host_alone(
    reproduced_project: Path, tmp_path: Path
) -> None:
    project = reproduced_project
    dvc_remote = tmp_path / "dvc-remote"  # this test's own: the fixture's remote is shared
    run([VENV_BIN / "dvc", "remote", "modify", "--local", "storage", "url", str(dvc_remote)], cwd=project)
    (project / "experiments.yaml").write_text("experiments:\n  - train.random_forest.max_depth=2\n", encoding="utf-8")
    commit_all(project, "Try a shallower forest")
    run([VENV_BIN / "python", "-m", "wine_classifier", "experiments", "run", "--name", NAME], cwd=project)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()

    with running_git_http_server(tmp_path / "git-server", TOKEN) as server:
        origin = server.bare_repository("acme/wine-classifier.git")
        run(["git", "push", "--quiet", str(origin), "HEAD:refs/heads/main"], cwd=project)
        run(["git", "remote", "add", "origin", f"{server.url}/acme/wine-classifier.git"], cwd=project)

        # Another host's URL: the header is not sent to this one, which refuses the push.
        elsewhere = run_push_step(project, "https://github.example", TOKEN, runner_temp)
        assert elsewhere.returncode != 0
        assert server.requests and all(authorization is None for _, _, authorization in server.requests)
        assert experiment_refs(origin) == []

        server.requests.clear()
        pushed = run_push_step(project, server.url, TOKEN, runner_temp)
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr

    baseline = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True).stdout.strip()
    assert experiment_refs(origin) == [f"refs/exps/{baseline[:2]}/{baseline[2:]}/{NAME}"]
    assert {authorization for _, _, authorization in server.requests} == {basic_authorization(TOKEN)}
    assert any(method == "POST" and path.endswith("/git-receive-pack") for method, path, _ in server.requests)
    # The credential's file lives for the step alone; the run-cache went to the DVC remote with the experiment.
    assert list(runner_temp.iterdir()) == []
    assert any(dvc_remote.glob("runs/*/*/*"))
