"""The continuous-training loop of the default project, end to end on this machine.

Renders the template into build/demo, then does what a user and CI would: the first pipeline run committed on
main, a branch that changes a hyperparameter, the pipeline again, the pull-request report against main, and a
prediction from the branch's model served over HTTP on 127.0.0.1. A local folder stands in for the S3 remote.

It needs cookiecutter alone (`make demo` runs it in an environment with nothing else): the project's own
`make install` installs the rest, into a venv of its own, and finishes the git and DVC set-up.
"""

import argparse
import csv
import hashlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
DEMO_BRANCH = "shallower-trees"
PARAM_CHANGE = ("max_depth: 3", "max_depth: 1")
PACKAGE = "wine_classifier"
LABEL_COLUMN = "cultivar"
TEST_ROWS = Path("data/prepared/test.csv")
SERVER_START_TIMEOUT_S = 60.0
# What the loop does, in order: each is announced as it starts.
STEPS = (
    "render the template with the default answers (a local folder as the DVC remote)",
    "install the project (its `make install`) and train main's first model",
    "branch, change a hyperparameter, train again",
    "write the pull-request report against main",
    "serve the branch's model and ask it about three rows",
)

logger = logging.getLogger("demo")


def demo_env(venv: Path) -> dict[str, str]:
    """The caller's environment with the project's venv activated (git's DVC hooks run `dvc` from it), and a commit
    identity when git has none configured."""
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    configured = subprocess.run(["git", "config", "user.email"], capture_output=True, text=True, check=False)
    if not configured.stdout.strip():
        for role in ("AUTHOR", "COMMITTER"):
            env.setdefault(f"GIT_{role}_NAME", "CT Demo")
            env.setdefault(f"GIT_{role}_EMAIL", "ct-demo@example.com")
    return env


def announce(number: int) -> None:
    """Say which step of the loop starts, so that a long one (the first install) is not mistaken for a hang."""
    logger.info("step %d/%d: %s", number, len(STEPS), STEPS[number - 1])


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


REQUIREMENT_FILES = ("requirements.txt", "requirements-serve.txt", "pyproject.toml")


def ensure_venv(project: Path, venv: Path, env: dict[str, str]) -> None:
    """The project's `make install` into the reused venv: pip runs only when the requirements changed since.

    The project is rendered afresh each run, so its requirement files are always newer than the venv's
    `.installed` stamp (the project's Makefile compares them): when their content is unchanged, the stamp is
    touched, and `make install` only runs its set-up step.
    """
    digest = hashlib.sha256(b"".join((project / name).read_bytes() for name in REQUIREMENT_FILES)).hexdigest()
    marker = venv / ".demo-requirements"
    if marker.is_file() and marker.read_text() == digest:
        (venv / ".installed").touch()
    step(["make", "--no-print-directory", "install", f"VENV={venv}"], project, env)
    marker.write_text(digest)


def run_loop(project: Path, venv: Path, env: dict[str, str]) -> Path:
    """Main's first model, then a branch with a changed hyperparameter, reported against main."""
    make = ["make", "--no-print-directory"]
    venv_arg = f"VENV={venv}"
    announce(2)
    ensure_venv(project, venv, env)
    step([*make, "repro", venv_arg], project, env)
    step(["git", "add", "-A"], project, env)
    step(["git", "commit", "--quiet", "-m", "First model"], project, env)
    step([str(venv / "bin" / "dvc"), "push", "--run-cache"], project, env)
    announce(3)
    step(["git", "checkout", "--quiet", "-b", DEMO_BRANCH], project, env)
    change_param(project)
    step([*make, "repro", venv_arg], project, env)
    step(["git", "commit", "--quiet", "-am", "Change max_depth"], project, env)
    announce(4)
    step([*make, "report", venv_arg], project, env)
    return project / "report.md"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_rows(project: Path, count: int) -> list[dict[str, float]]:
    """The first rows of the test split as the API takes them: the label left out, numbers as numbers."""
    with (project / TEST_ROWS).open(newline="", encoding="utf-8") as table:
        rows = list(csv.DictReader(table))[:count]
    return [{name: float(value) for name, value in row.items() if name != LABEL_COLUMN} for row in rows]


def post_json(url: str, body: object) -> object:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def wait_until_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"demo: the server exited with {server.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=1):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"demo: the server was not ready after {SERVER_START_TIMEOUT_S:.0f} s")


def serve_and_predict(project: Path, venv: Path, env: dict[str, str]) -> object:
    """What `make serve` does, on a free port of 127.0.0.1; one request with three test rows; then stop."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(venv / "bin" / "python"), "-m", PACKAGE, "serve", "--host", "127.0.0.1", "--port", str(port)]
    logger.info("$ %s", " ".join(command))
    server = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(url, server)
        rows = test_rows(project, 3)
        logger.info("POST %s/predict with %d rows of the test split", url, len(rows))
        return post_json(f"{url}/predict", {"instances": rows})
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=TEMPLATE_DIR / "build" / "demo")
    parser.add_argument(
        "--venv", type=Path, default=TEMPLATE_DIR / "build" / "demo-venv", help="the project's venv; made if missing"
    )
    args = parser.parse_args()
    env = demo_env(args.venv.resolve())
    announce(1)
    project = render_project(args.workdir.resolve())
    try:
        report = run_loop(project, args.venv.resolve(), env)
        announce(5)
        answer = serve_and_predict(project, args.venv.resolve(), env)
    except subprocess.CalledProcessError as error:
        logger.error("demo stopped: `%s` exited with %d", " ".join(error.cmd), error.returncode)
        sys.exit(1)
    logger.info("The served model answered: %s", json.dumps(answer))
    logger.info("The pull-request report is at %s (images beside it).", report)


if __name__ == "__main__":
    main()
