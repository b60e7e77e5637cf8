"""Rendering the template and running commands in a rendered project, the way a user would."""

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DEFAULT_PACKAGE = "wine_classifier"


def render(output_dir: Path, **context: Any) -> Path:
    """Render the template without prompts; returns the project folder."""
    output_dir.mkdir(parents=True, exist_ok=True)
    return Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context=context, output_dir=str(output_dir)))


def project_env(project: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test's environment with this venv first on PATH and the project's package importable.

    The template's venv holds the same pinned packages as the project's requirements.txt (a test checks it),
    so rendered projects run in it without a venv of their own.
    """
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(project / "src")
    env.update(extra or {})
    return env


def run(
    command: Sequence[str | Path], cwd: Path, env: Mapping[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command in a rendered project; on failure, the assertion shows its output."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=dict(env) if env is not None else project_env(cwd),
        capture_output=True,
        text=True,
        check=False,
    )
    if check:
        assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def dvc_repro(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([VENV_BIN / "dvc", "repro", *args], cwd=project)


def stages_run(output: str) -> list[str]:
    """Names of the stages `dvc repro` executed, from its log."""
    return [line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage ")]


def commit_all(project: Path, message: str) -> None:
    run(["git", "add", "-A"], cwd=project)
    run(["git", "commit", "--quiet", "-m", message], cwd=project)


def make(project: Path, target: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """A target of the project's Makefile, run in the template's venv."""
    assignments = [f"{name}={value}" for name, value in {"VENV": VENV_BIN.parent, **variables}.items()]
    return run(["make", "--no-print-directory", target, *assignments], cwd=project)
