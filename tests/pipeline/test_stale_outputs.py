"""Outputs of another branch left in the workspace: report, gate and serve refuse them until they are checked out."""

import subprocess
from pathlib import Path

import pytest

from ..support.helpers import DEFAULT_PACKAGE, VENV_BIN, commit_all, dvc_repro, make, project_env, run
from ..support.processes import HOST, answers, free_port, running

pytestmark = pytest.mark.slow

REFUSED_TIMEOUT_S = 60  # a refused command exits at once; a server that was not refused would run until killed


def stale_line(outputs: str) -> str:
    return (
        f"error: the pipeline's outputs do not match dvc.lock: {outputs} are another revision's (git switched "
        "dvc.lock, not them); run `dvc checkout`"
    )


# The report reads every output; the gate, the metrics and predictions (all CI pulls when no stage runs); the
# server, the model and its metrics.
REPORT_LINE = stale_line(
    "models/model.joblib, metrics/metrics.json, metrics/predictions.csv, metrics/confusion_matrix.png"
)
GATE_LINE = stale_line("metrics/metrics.json, metrics/predictions.csv")
SERVE_LINE = stale_line("models/model.joblib, metrics/metrics.json")


def refused(project: Path, command: list[str | Path]) -> str:
    """The command's error output, once it has exited non-zero."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=project,
        env=project_env(project),
        capture_output=True,
        text=True,
        timeout=REFUSED_TIMEOUT_S,
        check=False,
    )
    assert result.returncode != 0, f"{command} was not refused:\n{result.stdout}\n{result.stderr}"
    return result.stderr


def serve_command(port: int) -> list[str | Path]:
    return [VENV_BIN / "python", "-m", DEFAULT_PACKAGE, "serve", "--host", HOST, "--port", str(port)]


def test_another_branchs_outputs_are_refused_until_checked_out(reproduced_project: Path, tmp_path: Path) -> None:
    """A branch trains a shallower model; back on main without DVC's git hook (as in a clone made before
    `dvc install`), the workspace holds the branch's model and metrics under main's dvc.lock.
    """
    project = reproduced_project
    run(["git", "checkout", "--quiet", "-b", "shallower-trees"], cwd=project)
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("max_depth: 3", "max_depth: 1"))
    dvc_repro(project)
    commit_all(project, "Shallower trees")
    run(["git", "-c", "core.hooksPath=/dev/null", "checkout", "--quiet", "main"], cwd=project)

    make_target = ["make", "--no-print-directory", f"VENV={VENV_BIN.parent}"]
    commands = [([*make_target, "report"], REPORT_LINE), ([*make_target, "gate"], GATE_LINE)]
    for command, line in [*commands, (serve_command(free_port()), SERVE_LINE)]:
        errors = refused(project, command)
        assert line in errors.splitlines(), errors
        assert "Traceback" not in errors
    assert not (project / "report.md").exists()

    run([VENV_BIN / "dvc", "checkout"], cwd=project)
    make(project, "report")
    assert "| accuracy |" in (project / "report.md").read_text()
    assert "quality gate passed" in make(project, "gate").stderr
    port = free_port()
    with running(serve_command(port), tmp_path / "server.log", project, project_env(project)) as server:
        assert answers(server, f"http://{HOST}:{port}/ready"), (tmp_path / "server.log").read_text()

    # With the hook the project was generated with, a switch checks the branch's outputs out.
    run(["git", "checkout", "--quiet", "shallower-trees"], cwd=project)
    assert "quality gate passed" in make(project, "gate", BASE="shallower-trees").stderr
