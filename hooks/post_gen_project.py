"""Make the fresh project a working DVC repository: git, DVC, the remote, and the sample data under DVC.

First the project takes the shape of its task: a task other than the tabular default lays its own files (from
`task_overlays/<task>/`) over the tabular ones and drops those it has no use for. Then the files the other chosen
options do not use are removed, so that nothing dead is committed.

When git or DVC is not installed where cookiecutter runs, the project is still complete: the hook prints the
commands to run by hand instead. A command that fails stops the hook, so cookiecutter removes the folder.
"""

import importlib.util
import logging
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

DVC_REMOTE_URL: str = {{ cookiecutter.dvc_remote_url | tojson }}
RUNNER: str = {{ cookiecutter.runner | tojson }}
TASK: str = {{ cookiecutter.task | tojson }}
PACKAGE: str = {{ cookiecutter.package_name | tojson }}
TABULAR = "tabular-classification"
SAMPLE_DATA = "data/raw/wine.csv" if TASK == TABULAR else "data/raw/reviews.csv"
TASK_OVERLAYS = Path("task_overlays")
# What only a cloud runner uses: actionlint's list of the self-hosted runner labels, and the script and the
# workflow that remove the runner machines left behind.
CLOUD_RUNNER_FILES = (
    Path(".github/actionlint.yaml"),
    Path(".github/scripts/cloud-machines.sh"),
    Path(".github/workflows/sweep.yml"),
)

GIT_SETUP: list[list[str]] = [["git", "init", "--quiet", "--initial-branch=main"]]
DVC_SETUP: list[list[str]] = [
    ["dvc", "init", "--quiet"],
    ["dvc", "config", "core.autostage", "true"],
    # No usage reports: each command would fork a second DVC process at exit, about 1.3 s of CPU the stages need.
    ["dvc", "config", "core.analytics", "false"],
    ["dvc", "remote", "add", "--default", "storage", DVC_REMOTE_URL],
    ["dvc", "add", "--quiet", SAMPLE_DATA],
]

logger = logging.getLogger("post_gen_project")


def setup_dvc_in_process() -> None:
    """The same set-up as DVC_SETUP through DVC's Python API: one DVC start-up instead of four."""
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    logging.getLogger("dvc").setLevel(logging.WARNING)  # as `--quiet` does: no "Initialized DVC repository"
    try:
        with Repo.init() as repo, repo.config.edit() as config:
            config["core"]["autostage"] = True
            config["core"]["analytics"] = False
            config["core"]["remote"] = "storage"
            config["remote"]["storage"] = {"url": DVC_REMOTE_URL}
        with Repo(".") as repo:
            repo.add(SAMPLE_DATA)
    except DvcException as error:
        raise RuntimeError(f"DVC set-up failed: {error}") from None


def tabular_only_files(package: str) -> list[Path]:
    """Files of the tabular task that no other task uses: its sample, feature typing and drift checks."""
    source = Path("src", package)
    return [
        Path("data/raw/wine.csv"),
        source / "model.py",
        source / "expectations.py",
        source / "drift.py",
        source / "serving" / "request_log.py",
        Path("tests/test_drift.py"),
        Path(".github/workflows/drift.yml"),
    ]


def apply_task(task: str, package: str) -> None:
    """Lay the task's own files over the tabular ones and drop what only the tabular task uses."""
    if task != TABULAR:
        for path in tabular_only_files(package):
            path.unlink()
        shutil.copytree(TASK_OVERLAYS / task, ".", dirs_exist_ok=True)
    shutil.rmtree(TASK_OVERLAYS)


def unused_files(runner: str) -> list[Path]:
    """The rendered files that the chosen options leave without a use."""
    return list(CLOUD_RUNNER_FILES) if runner == "github-hosted" else []


def run_all(commands: Sequence[Sequence[str]], program: Sequence[str]) -> None:
    """Run each command with its first word replaced by `program`; stop at the first failure."""
    for command in commands:
        result = subprocess.run([*program, *command[1:]], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            details = (result.stderr or result.stdout).strip().splitlines()
            reason = details[-1] if details else f"exit code {result.returncode}"
            raise RuntimeError(f"`{' '.join(command)}` failed: {reason}")


def as_shell(commands: Sequence[Sequence[str]]) -> str:
    """The commands as one line a user can paste, quoted where a path has spaces."""
    return " && ".join(shlex.join(command) for command in commands)


def main() -> int:
    """Set up what the tools at hand allow, and say what is left to do by hand."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    apply_task(TASK, PACKAGE)
    for path in unused_files(RUNNER):
        path.unlink()
        if not any(path.parent.iterdir()):
            path.parent.rmdir()
    git = shutil.which("git")
    dvc = shutil.which("dvc")
    try:
        if git is None:
            logger.warning("git not found: once it is installed, run in the project: %s", as_shell(GIT_SETUP + DVC_SETUP))
            return 0
        run_all(GIT_SETUP, [git])
        if importlib.util.find_spec("dvc") is not None:
            setup_dvc_in_process()
        elif dvc is not None:
            run_all(DVC_SETUP, [dvc])
        else:
            logger.warning("DVC not found: in the project, run `make install && . .venv/bin/activate`, then: %s", as_shell(DVC_SETUP))
    except RuntimeError as error:
        logger.error("error: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
