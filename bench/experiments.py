"""How long `make experiments` takes with three experiments, against the same three run one after the other.

Run from the template's root with its venv (dependencies already installed):

    .venv/bin/python bench/experiments.py                    # ~20 s of training per experiment (~3 min in all)
    .venv/bin/python bench/experiments.py --n-estimators 500 --runs 3

It renders the default project, makes training slow enough to matter (`train.random_forest.n_estimators`, the
forest's size, on the sample data), commits a first model and `experiments.yaml` with three depths, then times:

queue       `make experiments`: the three queued and run by DVC's workers, as many at a time as the cores
one by one  `python -m <pkg> experiments run --name NAME` for each, one after the other (each in a temporary copy,
            as a CI job runs one)

Both start from the same commit, and each run replaces the other's experiments of the same names; DVC's
run-cache is emptied before each, so that both train every model. The CPU column counts the processes waited
for, which leaves out the queue's workers (DVC starts them detached). The forest
trains on every core (`n_jobs=-1`), so two experiments at a time share the cores rather than double them; the
figures show what the queue's parallelism buys after its own start-up costs. The machine may be shared: the load
average is printed with each figure.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml
from tables import table

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PACKAGE = "wine_classifier"
EXPERIMENTS = "experiments:\n  - train.random_forest.max_depth=2,4,8\n"
IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "DVC_NO_ANALYTICS": "1",
}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: Sequence[str | Path], cwd: Path, env: Mapping[str, str]) -> tuple[float, float, str]:
    """Run a command to completion; its wall time, the CPU time of what it waited for, and its output."""
    cpu_before, start = children_cpu(), time.perf_counter()
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=dict(env), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(map(str, command))}` exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return wall, children_cpu() - cpu_before, result.stdout + result.stderr


def project_env(project: Path) -> dict[str, str]:
    env = {**os.environ, **IDENTITY}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(project / "src")
    return env


def prepare(workdir: Path, n_estimators: int) -> Path:
    """The default project with a slow forest, its first model committed, and three experiments planned."""
    from cookiecutter.main import cookiecutter

    os.environ.update(IDENTITY)
    project = Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, output_dir=str(workdir)))
    env = project_env(project)
    params_file = project / "params.yaml"
    params = params_file.read_text(encoding="utf-8")
    params_file.write_text(re.sub(r"n_estimators: \d+", f"n_estimators: {n_estimators}", params), encoding="utf-8")
    (project / "experiments.yaml").write_text(EXPERIMENTS, encoding="utf-8")
    run(["git", "add", "-A"], project, env)
    run(["git", "commit", "--quiet", "-m", "Slow forest"], project, env)
    run([VENV_BIN / "dvc", "repro", "--quiet"], project, env)
    run(["git", "add", "-A"], project, env)
    run(["git", "commit", "--quiet", "-m", "First model"], project, env)
    return project


def forget_run_cache(project: Path) -> None:
    """Without this, the second way would restore the first's models from DVC's run-cache instead of training."""
    shutil.rmtree(project / ".dvc" / "cache" / "runs", ignore_errors=True)


def time_queue(project: Path) -> tuple[float, float]:
    forget_run_cache(project)
    wall, cpu, _ = run(
        ["make", "--no-print-directory", "experiments", f"VENV={VENV_BIN.parent}"], project, project_env(project)
    )
    return wall, cpu


def time_one_by_one(project: Path) -> tuple[float, float]:
    forget_run_cache(project)
    env = project_env(project)
    plan = yaml.safe_load(run([VENV_BIN / "python", "-m", PACKAGE, "experiments", "plan", "--json"], project, env)[2])
    wall = cpu = 0.0
    for experiment in plan:
        seconds, used, _ = run(
            [VENV_BIN / "python", "-m", PACKAGE, "experiments", "run", "--name", experiment["name"]], project, env
        )
        wall, cpu = wall + seconds, cpu + used
    return wall, cpu


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-estimators", type=int, default=4000, help="forest size (default 4000: ~20 s to train)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each way; medians are printed (default 1)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-experiments-") as workdir:
        project = prepare(Path(workdir), args.n_estimators)
        force = [VENV_BIN / "dvc", "repro", "--force", "--quiet"]
        rows = [["one pipeline run (`dvc repro --force`)", *run(force, project, project_env(project))[:2], load()]]
        queue, one_by_one = [], []
        for _ in range(args.runs):
            queue.append(time_queue(project))
            rows.append(["make experiments (queue)", *queue[-1], load()])
            one_by_one.append(time_one_by_one(project))
            rows.append(["one by one (run --name x3)", *one_by_one[-1], load()])
        print(
            table(
                f"Three experiments, n_estimators={args.n_estimators}, {os.cpu_count()} cores",
                ["way", "wall s", "cpu s", "load 1/5/15 min"],
                rows,
                ".1f",
            )
        )
        if args.runs > 1:
            queue_wall = statistics.median(wall for wall, _ in queue)
            one_by_one_wall = statistics.median(wall for wall, _ in one_by_one)
            print(f"\nmedian wall: queue {queue_wall:.1f} s, one by one {one_by_one_wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
