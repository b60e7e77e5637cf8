"""The experiments of experiments.yaml: plan them, run them, rank them, promote one.

    python -m {{ cookiecutter.package_name }} experiments plan [--json]
    python -m {{ cookiecutter.package_name }} experiments max-parallel
    python -m {{ cookiecutter.package_name }} experiments run [--name NAME] [--jobs N]
    python -m {{ cookiecutter.package_name }} experiments leaderboard [--base main] [--output FILE]
        [--all-ran] [--pull]
    python -m {{ cookiecutter.package_name }} experiments promote NAME

`plan --json` prints a JSON list of `{"name": ..., "overrides": [...]}`, one object per experiment, in the file's
order; CI uses it as a job matrix and runs each job's experiment with `run --name NAME`. The names depend on the
overrides alone, so they are the same on every machine and every push.
`max-parallel` prints how many of those jobs run at once. `leaderboard --all-ran` is for CI, once every
experiment's job has ended: one that pushed nothing failed; `--pull` first fetches this change's evaluation from
the DVC remote, in the same process, which spares CI's gather job a DVC start-up of its own.
"""

import argparse
import json
import logging
from pathlib import Path

from ..core.errors import ProjectError
from ..core.paths import METRICS_FILE, PREDICTIONS_FILE
from .experiment_plan import EXPERIMENTS_FILE, Experiment, max_parallel, plan_experiments
from .experiment_runs import promote, run_all, run_one

logger = logging.getLogger(__name__)


def show_plan(as_json: bool) -> None:
    """One experiment per line (`name  overrides`), or the JSON list CI reads."""
    experiments = plan_experiments()
    if as_json:
        print(json.dumps([experiment.to_json() for experiment in experiments]))
        return
    if not experiments:
        logger.info("no %s: no experiment planned", EXPERIMENTS_FILE)
    width = max((len(experiment.name) for experiment in experiments), default=0)
    for experiment in experiments:
        print(experiment.name.ljust(width), " ".join(experiment.overrides), sep="  ")


def planned(name: str) -> Experiment:
    """The planned experiment of this name, or the list of the planned ones."""
    experiments = plan_experiments()
    for experiment in experiments:
        if experiment.name == name:
            return experiment
    names = ", ".join(experiment.name for experiment in experiments) or f"none: {EXPERIMENTS_FILE} is missing or empty"
    raise ProjectError(f"{EXPERIMENTS_FILE} plans no experiment named {name!r}; the planned ones: {names}")


def run(name: str | None, jobs: int | None) -> None:
    if jobs is not None and jobs < 1:
        raise ProjectError(f"--jobs is the number of experiments run at a time, 1 or more (got {jobs})")
    if name is None:
        run_all(plan_experiments(), jobs)
    else:
        run_one(planned(name))


def pull_evaluation() -> None:
    """The workspace's metrics and predictions from the DVC remote, as `dvc.lock` records them: what the leaderboard
    reads of this change (its metrics row, and its predictions for the best experiment's interval)."""
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    targets = [METRICS_FILE.as_posix(), PREDICTIONS_FILE.as_posix()]
    try:
        with Repo(".") as repo:
            repo.pull(targets=targets)
    except DvcException as error:
        raise ProjectError(
            f"cannot pull {', '.join(targets)} from the DVC remote: {error}; check the remote's credentials, "
            "or push them from the clone that trained this change (`dvc push`)"
        ) from None


def write_leaderboard(base: str, output: Path | None, all_ran: bool, pull: bool) -> None:
    """The leaderboard section alone, for CI to post once every machine's experiments are pulled."""
    from .leaderboard import leaderboard_section

    if pull:
        pull_evaluation()
    text = "\n".join(leaderboard_section(base, all_ran=all_ran)) + "\n"
    if output is None:
        print(text, end="")
        return
    output.write_text(text, encoding="utf-8")
    logger.info("leaderboard written to %s", output.resolve())


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Plan, run, rank and promote the experiments of experiments.yaml.")
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", help="list the planned experiments, one per line")
    plan.add_argument("--json", action="store_true", help='print a JSON list of {"name", "overrides"} objects')
    commands.add_parser("max-parallel", help="print how many experiments CI runs at once (max_parallel, default 4)")
    run_parser = commands.add_parser("run", help="run every planned experiment, or one")
    run_parser.add_argument("--name", help="run only this planned experiment, in a temporary copy (as CI does)")
    run_parser.add_argument("--jobs", type=int, help="experiments at a time (default and limit: the cores)")
    board = commands.add_parser("leaderboard", help="write the report's Experiments section alone")
    board.add_argument("--base", default="main", help="the reference revision (default: main)")
    board.add_argument("--output", type=Path, help="file to write (default: print it)")
    board.add_argument(
        "--all-ran",
        action="store_true",
        help="every planned experiment has run and been pulled (CI, once its jobs ended): one not found failed",
    )
    board.add_argument("--pull", action="store_true", help="first pull this change's metrics and predictions")
    promote_parser = commands.add_parser("promote", help="apply an experiment of this commit to the workspace")
    promote_parser.add_argument("name", help="the experiment's name, as `plan` and the leaderboard show it")
    return parser


def main() -> None:
    args = parser().parse_args()
    if args.command == "plan":
        show_plan(args.json)
    elif args.command == "max-parallel":
        print(max_parallel())
    elif args.command == "run":
        run(args.name, args.jobs)
    elif args.command == "leaderboard":
        write_leaderboard(args.base, args.output, args.all_ran, args.pull)
    else:
        promote(args.name)
