"""Shape the fresh project for its options, then set up git and DVC as far as the tools at hand allow.

Shaping: the task's packs (`packs/<pack>/`, listed in the task table of cookiecutter.json) add their files to the
shared ones; a pack never replaces a file. A pack's `include/` folder holds blocks that shared files such as
params.yaml include while rendering, so it is not copied. The files the chosen runner does not use are removed,
so that nothing dead is committed.

Set-up: git, DVC, the remote, and the task's sample data under DVC. The steps are the project's own
(`core/repository.py` in its package), which `make install` runs too: what this hook cannot do, because git or
DVC is not installed where cookiecutter runs, `make install` finishes. A step that fails stops the hook, so
cookiecutter removes the folder.
"""

import importlib
import logging
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

PROJECT_SLUG: str = {{ cookiecutter.project_slug | tojson }}
PACKAGE_NAME: str = {{ cookiecutter.package_name | tojson }}
RUNNER: str = {{ cookiecutter.runner | tojson }}
# What the chosen task brings, from the `_tasks` table of cookiecutter.json: the packs that add its files.
TASK_PACKS: list[str] = {{ cookiecutter._tasks[cookiecutter.task].packs | tojson }}
PACKS = Path("packs")
# The part of a pack that shared files include while rendering: never copied into the project.
PACK_INCLUDES = "include"
# What only a cloud runner uses: actionlint's list of the self-hosted runner labels, the workflow that launches each
# experiment's machine and runs the experiment on it, and the script and the workflow that remove the runner machines
# left behind.
CLOUD_RUNNER_FILES = (
    Path(".github/actionlint.yaml"),
    Path(".github/scripts/cloud-machines.sh"),
    Path(".github/workflows/experiment.yml"),
    Path(".github/workflows/sweep.yml"),
)

# The set-up's tools as their own documentation writes them.
TOOL_NAMES = {"dvc": "DVC", "git": "git"}

logger = logging.getLogger("post_gen_project")


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


def shape_project() -> None:
    """The task's files in place, and none that the chosen options leave without a use."""
    lay_packs(TASK_PACKS)
    for path in unused_files(RUNNER):
        path.unlink()
        if not any(path.parent.iterdir()):
            path.parent.rmdir()


def set_up_repository() -> str | None:
    """Run the project's set-up steps; returns the tool whose absence stopped them, if one did.

    The steps come from the project's package, imported from `src/` before anything is installed: its set-up
    module needs only the standard library. Its progress lines are for `make install`; here, the summary says it.
    """
    sys.dont_write_bytecode = True  # no __pycache__ left in the fresh project
    sys.path.insert(0, "src")
    repository = importlib.import_module(f"{PACKAGE_NAME}.core.repository")
    logging.getLogger(PACKAGE_NAME).setLevel(logging.WARNING)
    try:
        repository.set_up()
    except repository.ToolMissing as missing:
        return missing.tool
    except repository.ProjectError as error:
        raise RuntimeError(str(error)) from None
    return None


def next_steps(missing_tool: str | None) -> list[str]:
    """What to type next, short enough to read at a glance: the README has the rest."""
    if missing_tool == "git":
        install = "install git first; this then sets up git and DVC too"
    elif missing_tool:
        install = f".venv, and the DVC set-up ({TOOL_NAMES.get(missing_tool, missing_tool)} is not installed here)"
    else:
        install = ".venv with the pinned requirements (a few minutes the first time)"
    return [
        f"Created {PROJECT_SLUG}. Next:",
        f"  cd {PROJECT_SLUG}",
        f"  make install     # {install}",
        "  make repro       # prepare, train and evaluate the model",
        f"Then {PROJECT_SLUG}/README.md: the report, serving, CI.",
    ]


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        shape_project()
        missing_tool = set_up_repository()
    except RuntimeError as error:
        logger.error("error: %s", error)
        return 1
    logger.info("\n".join(next_steps(missing_tool)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
