"""The project's git and DVC set-up, as one list of steps that the generator and `make install` both run.

The generator runs the steps it can where it runs (cookiecutter's Python may lack DVC, the machine may lack
git); `make install` runs whatever is left, once DVC is in the environment. Each step says how to tell it is
done from the files it leaves, so running the list again changes nothing, and a clone (where `.git`, `.dvc` and
the sample's `.dvc` file come from the repository) needs none of it. Only the standard library: the generator
imports this module before anything is installed.
"""

import configparser
import importlib.util
import logging
import os
import shlex
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectError

logger = logging.getLogger(__name__)

# The remote as the user gave it, its scheme in lower case: DVC and its plugins only know `s3://`.
DVC_REMOTE_URL: str = {{ cookiecutter.__dvc_remote | tojson }}
SAMPLE_DATA = Path({{ cookiecutter._tasks[cookiecutter.task].sample | tojson }})
DVC_CONFIG = Path(".dvc/config")


class ToolMissing(ProjectError):
    """git or DVC is not installed here: the steps that need it wait for `make install`."""

    def __init__(self, tool: str, message: str) -> None:
        super().__init__(message)
        self.tool = tool


def exists(path: str | Path) -> Callable[[], bool]:
    """Done when the step's file or folder is there."""
    return Path(path).exists


def configured(section: str, option: str) -> Callable[[], bool]:
    """Done when .dvc/config sets the option, to any value: a value the user changed since is kept."""

    def done() -> bool:
        config = configparser.ConfigParser()
        config.read(DVC_CONFIG, encoding="utf-8")
        return config.has_option(section, option)

    return done


def sample_tracked() -> bool:
    """Done when the sample has its .dvc file, or is gone (a clone has only the .dvc file; your data replaced it)."""
    return Path(f"{SAMPLE_DATA}.dvc").exists() or not SAMPLE_DATA.exists()


def git_uses_project_hooks() -> bool:
    """Done when this project's git config already names a hooks folder (the project's, or one the user chose), or
    in GitHub Actions: a job's checkouts are its own, and its runner holds only the outputs the job pulls.
    """
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return True
    if not Path(".git").is_dir() or shutil.which("git") is None:
        return False
    command = ["git", "config", "--local", "--get", "core.hooksPath"]
    return subprocess.run(command, capture_output=True, text=True, check=False).returncode == 0


@dataclass(frozen=True)
class Step:
    """One command of the set-up, and the test that it has been run here already."""

    command: tuple[str, ...]
    done: Callable[[], bool]


# In order: each DVC step needs git's repository first (`dvc init` makes DVC's inside it), and every later DVC step
# needs `dvc init`.
STEPS: tuple[Step, ...] = (
    Step(("git", "init", "--quiet", "--initial-branch=main"), exists(".git")),
    # The project's git hooks (.githooks): a branch switch checks out that branch's outputs with DVC.
    Step(("git", "config", "core.hooksPath", ".githooks"), git_uses_project_hooks),
    Step(("dvc", "init", "--quiet"), exists(".dvc")),
    Step(("dvc", "config", "--quiet", "core.autostage", "true"), configured("core", "autostage")),
    # No usage reports: each command would fork a second DVC process at exit, about 1.3 s of CPU the stages need.
    Step(("dvc", "config", "--quiet", "core.analytics", "false"), configured("core", "analytics")),
    Step(("dvc", "remote", "add", "--quiet", "--default", "storage", DVC_REMOTE_URL), configured("core", "remote")),
    Step(("dvc", "add", "--quiet", str(SAMPLE_DATA)), sample_tracked),
)


def run_dvc_in_process(arguments: Sequence[str]) -> None:
    """A DVC command through DVC's own command line, in this process: one DVC start-up for the whole set-up."""
    from dvc.cli import main as dvc_main

    if dvc_main(list(arguments)) != 0:
        raise ProjectError(f"`dvc {shlex.join(arguments)}` failed (DVC's message is above)")


def run_program(program: str, arguments: Sequence[str]) -> None:
    """A command as its own process; its last line of output names the failure."""
    result = subprocess.run([program, *arguments], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        details = (result.stderr or result.stdout).strip().splitlines()
        reason = details[-1] if details else f"exit code {result.returncode}"
        raise ProjectError(f"`{shlex.join([Path(program).name, *arguments])}` failed: {reason}")


def run_step(step: Step) -> None:
    """Run one step with the tool at hand: DVC in this process when importable, else the command on PATH."""
    tool, *arguments = step.command
    if tool == "dvc" and importlib.util.find_spec("dvc") is not None:
        run_dvc_in_process(arguments)
        return
    program = shutil.which(tool)
    if program is None:
        raise ToolMissing(tool, f"{tool} not found")
    run_program(program, arguments)


def set_up(steps: Sequence[Step] = STEPS) -> list[Step]:
    """Run every step not done yet, in order, in the current folder; returns those it ran.

    Stops at the first failure, and raises ToolMissing at the first step whose tool is not installed.
    """
    # No usage report from the set-up's own DVC commands either: each would start a second process to send it.
    os.environ["DVC_NO_ANALYTICS"] = "1"
    ran = []
    for step in steps:
        if step.done():
            continue
        logger.info("set-up: %s", shlex.join(step.command))
        run_step(step)
        ran.append(step)
    return ran


def main() -> None:
    """`make install`'s last step: finish the set-up the generator could not do; nothing when it is complete."""
    try:
        ran = set_up()
    except ToolMissing as missing:
        message = f"{missing.tool} not found: install it, then run `make install` again to finish the set-up"
        raise ToolMissing(missing.tool, message) from None
    if not ran:
        logger.info("git, DVC, the remote and the sample data are set up")
