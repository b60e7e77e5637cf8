"""What the template offers, read from its own cookiecutter.json, and the files a render must hold.

The task table (`_tasks`) says what each task brings; the expected files are computed from the template folder and
the task's packs, so that a new task or pack needs no edit here.
"""

import json
from pathlib import Path
from typing import Any

from .helpers import TEMPLATE_DIR

OPTIONS: dict[str, Any] = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
REMOTE_URLS = ("s3://bucket/ct", "gs://bucket/ct", "azure://container/ct", "/srv/dvc-store")
# What each task brings, as the template's own table says: its packs, sample, model and capabilities.
TASKS: dict[str, dict[str, Any]] = OPTIONS["_tasks"]
DEFAULT_TASK = OPTIONS["task"][0]
# The task whose model reads text, for the tests of what only such a task has (a tokenizer, a model folder).
TEXT = next(name for name, task in TASKS.items() if task["input"] == "text")
# The task whose metrics include errors (lower is better), for the tests of what only a regression has.
REGRESSION = next(name for name, task in TASKS.items() if task["lower_is_better"])
PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
PACKS = PROJECT_TEMPLATE / "packs"
# The part of a pack that shared files include while rendering; never a file of the project.
PACK_INCLUDES = "include"
# Only cloud runners are self-hosted runners, whose labels actionlint must be told about, launch each experiment's
# machine (experiment.yml), and leave machines that the clean-up script and the sweep workflow remove.
CLOUD_RUNNER_FILES = {
    ".github/actionlint.yaml",
    ".github/scripts/cloud-machines.sh",
    ".github/workflows/experiment.yml",
    ".github/workflows/sweep.yml",
}
DVC_SETUP_FILES = {".dvc/.gitignore", ".dvc/config", ".dvcignore", "data/raw/.gitignore"}
RUNTIME_DIRS = (".git/", ".dvc/cache/", ".dvc/tmp/")


def template_files(folder: Path, package: str) -> set[str]:
    """The files under a template folder, named as they render (the package folder takes the package's name)."""
    return {
        path.relative_to(folder).as_posix().replace("{{cookiecutter.package_name}}", package)
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def pack_files(pack: str, package: str) -> set[str]:
    """The files one pack adds to a project."""
    return {name for name in template_files(PACKS / pack, package) if not name.startswith(f"{PACK_INCLUDES}/")}


def expected_files(
    package: str, with_dvc: bool = True, runner: str = "github-hosted", task: str = DEFAULT_TASK
) -> set[str]:
    """The exact file set of a project: the shared files and those of the task's packs, for the chosen runner."""
    files = {name for name in template_files(PROJECT_TEMPLATE, package) if not name.startswith("packs/")}
    for pack in TASKS[task]["packs"]:
        files |= pack_files(pack, package)
    if runner == "github-hosted":
        files -= CLOUD_RUNNER_FILES
    return files | DVC_SETUP_FILES | {f"{TASKS[task]['sample']}.dvc"} if with_dvc else files


def project_files(project: Path) -> set[str]:
    """Every file in the project, git's and DVC's own working folders and Python's byte-code caches left out."""
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file()
        and not path.relative_to(project).as_posix().startswith(RUNTIME_DIRS)
        and "__pycache__" not in path.parts
    }


def text_contents(project: Path) -> dict[str, str]:
    return {name: (project / name).read_text(encoding="utf-8") for name in project_files(project)}
