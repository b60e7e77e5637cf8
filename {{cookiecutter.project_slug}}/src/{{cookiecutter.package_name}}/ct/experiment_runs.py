"""Running the planned experiments through DVC, and promoting one of them into the workspace.

All of them: queued (`dvc exp run --queue`) and run by DVC's workers, as many at a time as the machine has cores
(`dvc exp run --run-all --jobs N`); DVC keeps a failed one in its queue (`dvc queue status`) and shows it in
`dvc exp show`. One of them, as a CI job does: run in a temporary copy (`dvc exp run --temp`), so that the
workspace stays as it was and the experiment can be pushed (`dvc exp push origin <name>`).

A name is run again from scratch: the earlier experiment of that name on this commit is removed first, so the
leaderboard never mixes a rerun with an old result.
"""

import logging
import os
import subprocess
import sys

from ..core.errors import ProjectError
from .experiment_plan import EXPERIMENTS_FILE, Experiment
from .experiment_results import FAILED, NOT_RUN, SUCCESS, current_results

logger = logging.getLogger(__name__)


def dvc(*arguments: str) -> int:
    """Run a DVC command with this interpreter's DVC, its output shown as it comes; return its exit status."""
    logger.info("$ dvc %s", " ".join(arguments))
    return subprocess.run([sys.executable, "-m", "dvc", *arguments], check=False).returncode


def set_params(experiment: Experiment) -> list[str]:
    return [argument for override in experiment.overrides for argument in ("--set-param", override)]


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_count(requested: int | None, experiments: int) -> int:
    """As many workers as asked, never more than the cores (they would only slow each other) nor the experiments."""
    cores = available_cores()
    if requested is not None and requested > cores:
        logger.warning("--jobs %d is more than this machine's %d cores: running %d at a time", requested, cores, cores)
    return max(1, min(requested or cores, cores, experiments))


def commit_or_refuse() -> str:
    """The current commit, which every experiment is derived from; DVC needs one."""
    from dvc.repo import Repo

    with Repo(".") as repo:
        if repo.scm.no_commits:
            raise ProjectError(
                'experiments start from a commit, and there is none yet: `git add -A && git commit -m "First model"`'
            )
        return repo.scm.get_rev()


def forget_earlier_runs(names: list[str]) -> None:
    """Remove this commit's experiments of these names, so that each is run anew (other commits keep theirs)."""
    from dvc.repo import Repo
    from dvc.repo.experiments.refs import ExpRefInfo

    with Repo(".") as repo:
        baseline = repo.scm.get_rev()
        refs = [str(ExpRefInfo(baseline_sha=baseline, name=name)) for name in names]
        earlier = [ref for ref in refs if repo.scm.get_ref(ref)]
        if earlier:
            logger.info("running again, so first removing: %s", ", ".join(ref.rsplit("/", 1)[1] for ref in earlier))
            repo.experiments.remove(exp_names=earlier)


def run_all(experiments: list[Experiment], jobs: int | None) -> dict[str, str]:
    """Queue every experiment, run the queue, and return each one's state; fails only when none succeeded."""
    if not experiments:
        raise ProjectError(f"{EXPERIMENTS_FILE} plans no experiment: add one, such as `- <key of params.yaml>=1,2`")
    commit_or_refuse()
    forget_earlier_runs([experiment.name for experiment in experiments])
    for number, experiment in enumerate(experiments, start=1):
        overrides = " ".join(experiment.overrides)
        logger.info("queueing %d/%d: %s (%s)", number, len(experiments), experiment.name, overrides)
        if dvc("exp", "run", "--queue", "--name", experiment.name, *set_params(experiment)) != 0:
            raise ProjectError(f"DVC could not queue {experiment.name} (its message is above); fix it, then run again")
    workers = worker_count(jobs, len(experiments))
    logger.info("running %d experiments, %d at a time; DVC shows their logs as they run", len(experiments), workers)
    dvc("exp", "run", "--run-all", "--jobs", str(workers))
    return summarize(experiments)


def run_one(experiment: Experiment) -> dict[str, str]:
    """Run one experiment in a temporary copy of the workspace, as a CI job does, and return its state.

    `--pull`: a fresh clone has no data; what the stages need comes from the remote, and a stage that an earlier
    run already ran with the same inputs (this experiment on an earlier push) is restored from the remote's
    run-cache instead of running again. DVC's experiments fetch the remote's whole run-cache for that, where
    `make ci` fetches only its own stages' entries (`ci_pipeline.py`).
    """
    commit_or_refuse()
    forget_earlier_runs([experiment.name])
    logger.info("running %s (%s) in a temporary copy of the workspace", experiment.name, " ".join(experiment.overrides))
    dvc("exp", "run", "--temp", "--pull", "--name", experiment.name, *set_params(experiment))
    return summarize([experiment])


def summarize(experiments: list[Experiment]) -> dict[str, str]:
    """Log each experiment's outcome as DVC recorded it; raise when none succeeded."""
    results = current_results()
    states = {name: results[name].state if name in results else FAILED for name in (e.name for e in experiments)}
    for name, state in states.items():
        hint = f": `dvc queue logs {name}` shows why" if state == FAILED else ""
        logger.info("%s: %s%s", name, state, hint)
    if SUCCESS not in states.values():
        raise ProjectError(
            f"no experiment succeeded ({', '.join(states)}); fix the cause that DVC logged above and run again"
        )
    logger.info("`dvc exp show` lists them; `python -m %s report` adds the leaderboard", __package__.partition(".")[0])
    return states


def promote(name: str) -> None:
    """Apply an experiment of this commit to the workspace (`dvc exp apply`), and say what to commit."""
    from dvc.repo import Repo
    from dvc.repo.experiments.refs import ExpRefInfo

    with Repo(".") as repo:
        baseline = repo.scm.get_rev()
        known = sorted(exp_name for exp_name, _ in repo.experiments.ls(rev=baseline).get(baseline, []))
        if name not in known:
            listed = ", ".join(known) if known else f"none yet: run `make experiments` ({NOT_RUN} so far)"
            raise ProjectError(f"no experiment named {name!r} on this commit; the known ones: {listed}")
        logger.info("$ dvc exp apply %s", name)
        repo.experiments.apply(str(ExpRefInfo(baseline_sha=baseline, name=name)))
    logger.info(
        "applied %s: params.yaml, dvc.lock and the outputs now hold its result; keep it with "
        '`git add params.yaml dvc.lock && git commit -m "Promote %s"` and `dvc push`',
        name,
        name,
    )
