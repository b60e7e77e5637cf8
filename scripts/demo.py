"""The continuous-training loop of the default project, end to end on this machine.

Renders the template into build/demo, then does what a user and CI would: the first pipeline run committed on
main, a branch that changes a hyperparameter, the pipeline again, and the pull-request report against main.
A local folder stands in for the S3 remote.
"""

import argparse
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
DEMO_BRANCH = "shallower-trees"
PARAM_CHANGE = ("max_depth: 3", "max_depth: 1")

logger = logging.getLogger("demo")


def demo_env() -> dict[str, str]:
    """The caller's environment, with a commit identity when git has none configured."""
    env = dict(os.environ)
    configured = subprocess.run(["git", "config", "user.email"], capture_output=True, text=True, check=False)
    if not configured.stdout.strip():
        for role in ("AUTHOR", "COMMITTER"):
            env.setdefault(f"GIT_{role}_NAME", "CT Demo")
            env.setdefault(f"GIT_{role}_EMAIL", "ct-demo@example.com")
    return env


def step(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run one command of the loop in the project, showing it as a user would type it."""
    logger.info("$ %s", " ".join(command))
    subprocess.run(command, cwd=cwd, env=env, check=True)


def render_project(workdir: Path) -> Path:
    """A fresh default project whose DVC remote is a folder beside it."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    remote = workdir / "remote"
    project = cookiecutter(
        str(TEMPLATE_DIR), no_input=True, output_dir=str(workdir), extra_context={"dvc_remote_url": str(remote)}
    )
    return Path(project)


def change_param(project: Path) -> None:
    params = project / "params.yaml"
    old, new = PARAM_CHANGE
    text = params.read_text(encoding="utf-8")
    if old not in text:
        raise SystemExit(f"demo: params.yaml has no {old!r} to change")
    params.write_text(text.replace(old, new), encoding="utf-8")
    logger.info("params.yaml: %s -> %s", old, new)


def run_loop(project: Path, venv: Path, env: dict[str, str]) -> Path:
    """Main's first model, then a branch with a changed hyperparameter, reported against main."""
    make = ["make", "--no-print-directory"]
    venv_arg = f"VENV={venv}"
    step([*make, "repro", venv_arg], project, env)
    step(["git", "add", "-A"], project, env)
    step(["git", "commit", "--quiet", "-m", "First model"], project, env)
    step([str(venv / "bin" / "dvc"), "push", "--run-cache"], project, env)
    step(["git", "checkout", "--quiet", "-b", DEMO_BRANCH], project, env)
    change_param(project)
    step([*make, "repro", venv_arg], project, env)
    step(["git", "commit", "--quiet", "-am", "Change max_depth"], project, env)
    step([*make, "report", venv_arg], project, env)
    return project / "report.md"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=TEMPLATE_DIR / "build" / "demo")
    parser.add_argument(
        "--venv", type=Path, default=TEMPLATE_DIR / "build" / "demo-venv", help="the project's venv; made if missing"
    )
    args = parser.parse_args()
    env = demo_env()
    project = render_project(args.workdir.resolve())
    try:
        report = run_loop(project, args.venv.resolve(), env)
    except subprocess.CalledProcessError as error:
        logger.error("demo stopped: `%s` exited with %d", " ".join(error.cmd), error.returncode)
        sys.exit(1)
    logger.info("The pull-request report is at %s (images beside it).", report)


if __name__ == "__main__":
    main()
