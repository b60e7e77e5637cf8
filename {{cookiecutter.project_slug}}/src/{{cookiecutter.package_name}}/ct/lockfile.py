"""What `dvc.lock` records: each stage output and its hash, in the workspace or at a git revision.

The report names the model's hash from here, the deploy checks the pulled model against it, and the quality gate
asks which outputs a base revision recorded. One reader, so that all three agree on what the lock says.
"""

import subprocess
from pathlib import Path

import yaml

from ..core.errors import ProjectError
from ..core.paths import LOCK_FILE


def recorded_outputs(lock_text: str) -> dict[Path, str]:
    """Each stage output of a dvc.lock's text, with its md5 (a folder's ends in `.dir`)."""
    stages = (yaml.safe_load(lock_text) or {}).get("stages") or {}
    outputs = [output for stage in stages.values() for output in stage.get("outs") or []]
    return {Path(output["path"]): output.get("md5", "") for output in outputs}


def locked_dependency_md5(path: Path, lock_file: Path = LOCK_FILE) -> str | None:
    """The md5 that the workspace's `dvc.lock` records for a stage's input (the first stage that reads it)."""
    if not lock_file.is_file():
        return None
    stages = (yaml.safe_load(lock_file.read_text(encoding="utf-8")) or {}).get("stages") or {}
    for stage in stages.values():
        for dependency in stage.get("deps") or []:
            if Path(dependency["path"]) == path:
                return dependency.get("md5")
    return None


def locked_md5(output_path: Path, lock_file: Path = LOCK_FILE) -> str:
    """The md5 that the workspace's `dvc.lock` records for one stage output."""
    if not lock_file.is_file():
        raise ProjectError(f"{lock_file} is missing: run `dvc repro` and commit {lock_file}")
    md5 = recorded_outputs(lock_file.read_text(encoding="utf-8")).get(output_path)
    if not md5:
        raise ProjectError(f"{lock_file} records no {output_path}: run `dvc repro` and commit {lock_file}")
    return md5


def outputs_recorded_at(revision: str) -> dict[Path, str]:
    """The outputs that `revision`'s dvc.lock records, with their md5s (none when it has no dvc.lock)."""
    shown = subprocess.run(["git", "show", f"{revision}:{LOCK_FILE}"], capture_output=True, text=True, check=False)
    return recorded_outputs(shown.stdout) if shown.returncode == 0 else {}


def previous_model_revision(model_path: Path, lock_file: Path = LOCK_FILE) -> str | None:
    """The latest earlier commit (first parents only) whose dvc.lock records another model than the workspace's."""
    current = locked_md5(model_path, lock_file)
    log = subprocess.run(
        ["git", "log", "--first-parent", "--format=%H", "HEAD", "--", str(lock_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    for revision in log.stdout.split():
        recorded = outputs_recorded_at(revision).get(model_path)
        if recorded and recorded != current:
            return revision
    return None
