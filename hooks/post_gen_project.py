"""Shape the fresh project for its options, then make it a working DVC repository.

Shaping: the task's packs (`packs/<pack>/`, listed in the task table of cookiecutter.json) add their files to the
shared ones; a pack never replaces a file. A pack's `include/` folder holds blocks that shared files such as
params.yaml include while rendering, so it is not copied. The files the chosen runner does not use are removed,
so that nothing dead is committed. Set-up: git, DVC, the remote, and the task's sample data under DVC.

When git or DVC is not installed where cookiecutter runs, the project is still complete: the hook prints the
commands to run by hand instead. A command that fails stops the hook, so cookiecutter removes the folder.
"""

import importlib.util
import logging
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# The remote as the user gave it, with its scheme in lower case: DVC and its plugins only know `s3://`.
DVC_REMOTE_URL: str = {{ cookiecutter.__dvc_remote | tojson }}
RUNNER: str = {{ cookiecutter.runner | tojson }}
# What the chosen task brings, from the `_tasks` table of cookiecutter.json: the packs that add its files, and its
# sample data, which goes under DVC.
TASK_PACKS: list[str] = {{ cookiecutter._tasks[cookiecutter.task].packs | tojson }}
SAMPLE_DATA: str = {{ cookiecutter._tasks[cookiecutter.task].sample | tojson }}
PACKS = Path("packs")
# The part of a pack that shared files include while rendering: never copied into the project.
PACK_INCLUDES = "include"
# What only a cloud runner uses: actionlint's list of the self-hosted runner labels, and the script and the
# workflow that remove the runner machines left behind.
CLOUD_RUNNER_FILES = (
    Path(".github/actionlint.yaml"),
    Path(".github/scripts/cloud-machines.sh"),
    Path(".github/workflows/sweep.yml"),
)

GIT_SETUP: list[list[str]] = [["git", "init", "--quiet", "--initial-branch=main"]]
# The one DVC set-up: run in this process when cookiecutter's Python has DVC, by the `dvc` command otherwise, and
# printed for the user to run when neither is at hand.
DVC_SETUP: list[list[str]] = [
    ["dvc", "init", "--quiet"],
    # git's hooks run DVC: a branch switch checks out that branch's outputs, a push sends them to the remote.
    ["dvc", "install", "--quiet"],
    ["dvc", "config", "--quiet", "core.autostage", "true"],
    # No usage reports: each command would fork a second DVC process at exit, about 1.3 s of CPU the stages need.
    ["dvc", "config", "--quiet", "core.analytics", "false"],
    ["dvc", "remote", "add", "--quiet", "--default", "storage", DVC_REMOTE_URL],
    ["dvc", "add", "--quiet", SAMPLE_DATA],
]

logger = logging.getLogger("post_gen_project")


def run_in_process(commands: Sequence[Sequence[str]]) -> None:
    """The same commands through DVC's own command line, in this process: one DVC start-up instead of five."""
    from dvc.cli import main as dvc_main

    for command in commands:
        if dvc_main(list(command[1:])) != 0:
            raise RuntimeError(f"`{shlex.join(command)}` failed (DVC's message is above)")


def pack_files(pack: Path) -> list[Path]:
    """The files a pack adds, relative to the pack: all but its includes."""
    return sorted(
        path.relative_to(pack)
        for path in pack.rglob("*")
        if path.is_file() and path.relative_to(pack).parts[0] != PACK_INCLUDES
    )


def lay_packs(pack_names: Sequence[str]) -> None:
    """Move each named pack's files into place, then drop every pack; a pack that would replace a file stops."""
    for name in pack_names:
        for relative in pack_files(PACKS / name):
            if relative.exists():
                raise RuntimeError(f"pack {name!r} would replace {relative}: a pack only adds files")
            relative.parent.mkdir(parents=True, exist_ok=True)
            (PACKS / name / relative).rename(relative)
    shutil.rmtree(PACKS)


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


def shape_project() -> None:
    """The task's files in place, and none that the chosen options leave without a use."""
    lay_packs(TASK_PACKS)
    for path in unused_files(RUNNER):
        path.unlink()
        if not any(path.parent.iterdir()):
            path.parent.rmdir()


def set_up_repository() -> int:
    """Set up git and DVC as far as the tools at hand allow, and say what is left to do by hand."""
    git = shutil.which("git")
    dvc = shutil.which("dvc")
    try:
        if git is None:
            commands = as_shell(GIT_SETUP + DVC_SETUP)
            logger.warning("git not found: once it is installed, run in the project: %s", commands)
            return 0
        run_all(GIT_SETUP, [git])
        # No usage report from the set-up's own commands either: each would start a second process to send it.
        os.environ["DVC_NO_ANALYTICS"] = "1"
        if importlib.util.find_spec("dvc") is not None:
            run_in_process(DVC_SETUP)
        elif dvc is not None:
            run_all(DVC_SETUP, [dvc])
        else:
            activate = "make install && . .venv/bin/activate"
            logger.warning("DVC not found: in the project, run `%s`, then: %s", activate, as_shell(DVC_SETUP))
    except RuntimeError as error:
        logger.error("error: %s", error)
        return 1
    return 0


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        shape_project()
    except RuntimeError as error:
        logger.error("error: %s", error)
        return 1
    return set_up_repository()


if __name__ == "__main__":
    sys.exit(main())
