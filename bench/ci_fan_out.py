"""How much longer the Train workflow takes on GitHub when experiments.yaml fans out three experiments, not one.

Run from the template's root with its venv (dependencies, act and `weed` already installed):

    nice -n 10 .venv/bin/python bench/ci_fan_out.py                    # ~20 s per training (~6 min in all)
    nice -n 10 .venv/bin/python bench/ci_fan_out.py --n-estimators 2000 --counts 1,3,6 --keep
    .venv/bin/python bench/ci_fan_out.py --logs /tmp/bench-fan-out-A /tmp/bench-fan-out-B   # kept runs, medians

For each experiment count it renders the default project (GitHub-hosted runner, DVC remote on a local S3 server,
a fresh prefix each time so that no run-cache is shared), trains and pushes main, then pushes a branch whose
commit makes the forest large enough for one training to take about 20 s (`train.random_forest.n_estimators`)
and adds experiments.yaml with that many depths (`train.random_forest.max_depth=2,4,8,...`). act runs the Train
workflow for that push with the rehearsal's stand-ins (tests/support/act_runner.py): the training job, the plan,
one job per experiment, and the leaderboard job that gathers them into the report comment.

act runs a matrix's jobs one at a time, so its wall time is not what GitHub would take. Instead, every line act
prints is stamped with the time it arrived (act prefixes each line with its job's name), which gives each job's
start and end, and each step's. Then the critical path is computed as GitHub would schedule the jobs:

    start(job) = max(end(need) for need in the job's `needs` in the rendered train.yml), 0 without needs
    end(job)   = start(job) + its measured duration
    a matrix job's instances start together at start(job), at most max-parallel at a time (each next instance
    takes the first slot to free up); end(job) = the last instance's end
    a job that did not run (skipped, such as deploy on a branch) takes no time

The critical path is the chain of jobs that sets the workflow's end. It assumes a runner is free for every job
at once, as GitHub-hosted runners are; the machine may be shared, so the load average is printed. The durations
are act's on this machine: act runs the training job beside the plan (jobs of one stage at once), and its
stand-ins make checkout and the environment's cache restore take milliseconds, where a GitHub runner spends some
seconds starting each job (the same for every job, so it shifts both paths alike).

Printed: each job's measured duration, the critical path and its length for each count, their ratio to the
one-experiment path (goal: three under 1.3x), and the leaderboard job's steps (goal: the job under 10 s), among
them `python -m <pkg> experiments leaderboard` ("Write the experiments' table").
"""

from __future__ import annotations

import argparse
import heapq
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from tables import table, verdict

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TEMPLATE_DIR))  # the rehearsal's machinery lives in tests/support

from tests.support import act_runner  # noqa: E402
from tests.support.helpers import commit_all, render  # noqa: E402
from tests.support.rehearsal import git, publish_main, push_event, secrets, use_s3_server, workflow_env  # noqa: E402
from tests.support.runs import set_tool_identity  # noqa: E402
from tests.support.s3_server import S3Server, running_s3_server  # noqa: E402

BRANCH = "try-depths"
DEPTHS = (2, 4, 8, 16, 32, 64)
MAX_PARALLEL = 4  # experiments.yaml's default, written out so that the schedule below uses the same figure
LEADERBOARD = "leaderboard"
TABLE_STEP = "Write the experiments' table"  # the leaderboard job's step that runs `experiments leaderboard`
MIN_STEP_S = 0.1  # the leaderboard's steps shown: set-up and stand-in steps take milliseconds
ACT_TIMEOUT_S = 1800  # jobs run one after the other under act, on a shared machine
# act's lines: `<stamp> [<workflow>/<job name>   ] <text>`; the stamp is added by the wrapper below.
LINE = re.compile(r"^(?P<stamp>\d+\.\d+) \[(?P<job>[^\]]+?)\s*\] (?P<text>.*)$")
STEP = re.compile(r"^(?:⭐ Run|✅  Success -|❌  Failure -) (?P<step>.+?)(?: \[[^\]]+\])?$")
# Runs act with its output and errors merged, each line prefixed with the monotonic clock (shared by processes).
STAMPING_ACT = """#!{python}
import subprocess, sys, time
process = subprocess.Popen([{act!r}, *sys.argv[1:]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
for line in process.stdout:
    sys.stdout.write(f"{{time.monotonic():.3f}} {{line}}")
    sys.stdout.flush()
sys.exit(process.wait())
"""

logger = logging.getLogger("ci_fan_out")


@dataclass
class Job:
    """One job, or one instance of a matrix, as act ran it: its start and end, and each step's duration by name."""

    start: float
    end: float
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Workflow:
    """The rendered train.yml as the schedule needs it: each job's display name and the jobs it needs."""

    names: dict[str, str]
    needs: dict[str, list[str]]

    def job_id(self, display: str) -> str | None:
        """The job id of an act prefix such as `Train/Experiment max-depth-2-1` (a matrix name ends in `${{ }}`)."""
        name = display.split("/", 1)[-1]
        for job_id, template in self.names.items():
            fixed = template.split("${{", 1)[0]
            if name == template or ("${{" in template and name.startswith(fixed)):
                return job_id
        return None


def read_workflow(path: Path) -> Workflow:
    jobs = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]
    needs = {
        job_id: [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", [])
        for job_id, job in jobs.items()
    }
    return Workflow({job_id: job.get("name", job_id) for job_id, job in jobs.items()}, needs)


def parse_jobs(output: str, workflow: Workflow) -> dict[str, list[Job]]:
    """Each job id's runs (one per matrix instance), from the stamped lines of act's output."""
    by_display: dict[str, Job] = {}
    step_starts: dict[tuple[str, str], float] = {}
    for line in output.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        stamp, display, text = float(match["stamp"]), match["job"], match["text"]
        job = by_display.setdefault(display, Job(stamp, stamp))
        job.end = stamp
        step = STEP.match(text.strip())
        if step:
            key = (display, step["step"])
            if text.startswith("⭐"):
                step_starts[key] = stamp
            elif key in step_starts:
                job.steps[key[1]] = job.steps.get(key[1], 0.0) + stamp - step_starts.pop(key)
    jobs: dict[str, list[Job]] = defaultdict(list)
    for display, job in by_display.items():
        job_id = workflow.job_id(display)
        if job_id is None:
            logger.warning("no job of train.yml is named like act's %r", display)
            continue
        jobs[job_id].append(job)
    return dict(jobs)


def critical_path(workflow: Workflow, jobs: dict[str, list[Job]], max_parallel: int) -> tuple[float, list[str]]:
    """The workflow's end as GitHub would schedule its jobs (see the module's docstring), and the chain that sets it."""
    end: dict[str, float] = {}
    chain: dict[str, list[str]] = {}

    def schedule(job_id: str) -> float:
        if job_id in end:
            return end[job_id]
        needs = workflow.needs[job_id]
        start = max((schedule(need) for need in needs), default=0.0)
        latest = max(needs, key=lambda need: end[need], default=None)
        slots = [start] * max_parallel  # a non-matrix job is one instance: one slot is enough
        for instance in jobs.get(job_id, []):
            free = heapq.heappop(slots)
            heapq.heappush(slots, free + instance.duration)
        end[job_id] = max(slots)
        before = chain[latest] if latest else []
        chain[job_id] = [*before, job_id] if job_id in jobs else before  # a job that did not run is not on it
        return end[job_id]

    last = max(workflow.needs, key=schedule)
    return end[last], chain[last]


@contextmanager
def stamped_act(folder: Path) -> Iterator[None]:
    """act_runner's runs go through a wrapper that stamps every line act prints, with a longer time limit."""
    wrapper = folder / "act"
    wrapper.write_text(STAMPING_ACT.format(python=sys.executable, act=str(act_runner.ACT)), encoding="utf-8")
    wrapper.chmod(0o755)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(act_runner, "ACT", wrapper)
        patch.setattr(act_runner, "ACT_TIMEOUT_S", ACT_TIMEOUT_S)
        yield


def experiments_yaml(count: int) -> str:
    depths = ",".join(str(depth) for depth in DEPTHS[:count])
    return f"experiments:\n  - train.random_forest.max_depth={depths}\nmax_parallel: {MAX_PARALLEL}\n"


def run_fan_out(root: Path, server: S3Server, count: int, n_estimators: int) -> act_runner.ActRun:
    """A fresh project and remote prefix; main pushed, then a branch with a slow forest and `count` experiments."""
    project = render(root / "work", dvc_remote_url=f"s3://{server.bucket}/fan-out-{count}-{root.name}")
    origin = publish_main(project, root)
    main_sha = git(project, "rev-parse", "HEAD")
    git(project, "switch", "--quiet", "--create", BRANCH)
    params = project / "params.yaml"
    text, replaced = re.subn(r"n_estimators: \d+", f"n_estimators: {n_estimators}", params.read_text(), count=1)
    if not replaced:
        raise SystemExit(f"{params} has no n_estimators to change: is the task still tabular-classification?")
    params.write_text(text)
    (project / "experiments.yaml").write_text(experiments_yaml(count))
    commit_all(project, f"A larger forest, and {count} experiments")
    git(project, "push", "--quiet", "origin", BRANCH)
    logger.info("running the Train workflow with %d experiment(s) under act", count)
    run_ = act_runner.run_act(
        project,
        "train.yml",
        "push",
        push_event(BRANCH, main_sha),
        root / "act",
        secrets=secrets(server),
        env=workflow_env(server, origin),
    )
    (root / "act" / "output.log").write_text(run_.output, encoding="utf-8")
    return run_


def job_rows(count: int, jobs: dict[str, list[Job]]) -> list[list[object]]:
    return [
        [f"{count} exp: {job_id}" + (f" [{index + 1}]" if len(runs) > 1 else ""), run_.duration]
        for job_id, runs in jobs.items()
        for index, run_ in enumerate(runs)
    ]


Results = dict[int, tuple[float, list[str], dict[str, list[Job]]]]


def analyse(root: Path, output: str) -> tuple[float, list[str], dict[str, list[Job]]] | None:
    """The critical path of one run and its jobs; None (with act's output logged) unless every job ran."""
    count = int(root.name.rpartition("-")[2])
    (workflow_file,) = root.glob("work/*/.github/workflows/train.yml")
    workflow = read_workflow(workflow_file)
    jobs = parse_jobs(output, workflow)
    ran = len(jobs.get("experiment", []))
    if ran != count or LEADERBOARD not in jobs:
        logger.error("%d of %d experiments ran, leaderboard %s:\n%s", ran, count, LEADERBOARD in jobs, output[-4000:])
        return None
    return (*critical_path(workflow, jobs, MAX_PARALLEL), jobs)


def run_all(workdir: Path, counts: list[int], n_estimators: int) -> Results | None:
    results: Results = {}
    with pytest.MonkeyPatch.context() as patch, running_s3_server(workdir / "s3") as server, stamped_act(workdir):
        set_tool_identity(patch)
        use_s3_server(patch, server)
        for count in counts:
            root = workdir / f"experiments-{count}"
            root.mkdir()
            run_ = run_fan_out(root, server, count, n_estimators)
            result = analyse(root, run_.output) if run_.returncode == 0 else None
            if result is None:
                logger.error("act exited %d:\n%s", run_.returncode, run_.output[-4000:])
                return None
            results[count] = result
            logger.info("load average: %s", " ".join(f"{value:.1f}" for value in os.getloadavg()))
    return results


def read_kept(workdir: Path) -> Results | None:
    """The results of an earlier run's kept work folder, from act's stamped output saved there."""
    results: Results = {}
    for root in sorted(workdir.glob("experiments-*"), key=lambda path: int(path.name.rpartition("-")[2])):
        result = analyse(root, (root / "act" / "output.log").read_text(encoding="utf-8"))
        if result is None:
            return None
        results[int(root.name.rpartition("-")[2])] = result
    return results or None


def print_results(results: Results) -> None:
    rows = [row for count, (_, _, jobs) in results.items() for row in job_rows(count, jobs)]
    print(table("Each job's duration under act", ["job", "s"], rows, ".1f"))
    reference_count = min(results)
    reference = results[reference_count][0]
    print(
        table(
            f"Critical path as GitHub would schedule it (a runner per job, max-parallel {MAX_PARALLEL})",
            ["experiments", "path s", "ratio", "chain"],
            [[count, length, length / reference, " > ".join(chain)] for count, (length, chain, _) in results.items()],
        )
    )
    for count, (length, _, _jobs) in results.items():
        if count != reference_count:
            print(f"{count} experiments under 1.3x {reference_count}: {verdict(length / reference < 1.3)}")
    for count, (_, _, jobs) in results.items():
        (gather,) = jobs[LEADERBOARD]
        steps = [[step, times] for step, times in gather.steps.items() if times >= MIN_STEP_S]
        title = f"Leaderboard job, {count} experiment(s): {gather.duration:.1f} s (steps of {MIN_STEP_S} s or more)"
        print(table(title, ["step", "s"], steps, ".1f"))
        command = gather.steps.get(f"Main {TABLE_STEP}")
        if command is not None:
            print(f"`python -m <pkg> experiments leaderboard` ({TABLE_STEP!r}): {command:.1f} s")
        print(f"leaderboard job under 10 s: {verdict(gather.duration < 10)}")


def print_medians(runs: list[Results]) -> None:
    """Over several kept runs: each count's median critical path, ratio, and leaderboard job and command."""
    reference_count = min(runs[0])
    rows = []
    for count in runs[0]:
        gathers = [run_[count][2][LEADERBOARD][0] for run_ in runs]
        rows.append(
            [
                count,
                statistics.median(run_[count][0] for run_ in runs),
                statistics.median(run_[count][0] / run_[reference_count][0] for run_ in runs),
                statistics.median(gather.duration for gather in gathers),
                statistics.median(gather.steps.get(f"Main {TABLE_STEP}", 0.0) for gather in gathers),
            ]
        )
    header = ["experiments", "path s", "ratio", "leaderboard job s", "experiments leaderboard s"]
    print(table(f"Medians of {len(runs)} runs", header, rows))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-estimators", type=int, default=4000, help="forest size (default 4000: ~20 s to train)")
    parser.add_argument(
        "--counts", default="1,3", help="experiment counts, run in this order (3,1 checks the order's effect)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is logged)")
    parser.add_argument(
        "--logs", type=Path, nargs="+", help="read kept work folders again instead of running act (several: medians)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    counts = [int(count) for count in args.counts.split(",")]
    if max(counts) > len(DEPTHS):
        parser.error(f"--counts: at most {len(DEPTHS)} experiments")
    if args.logs:
        kept = [read_kept(folder) for folder in args.logs]
        if any(results is None for results in kept):
            return 1
        for results in kept:
            print_results(results)
        if len(kept) > 1:
            print_medians(kept)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="bench-fan-out-"))
    try:
        results = run_all(workdir, counts, args.n_estimators)
    finally:
        if args.keep:
            logger.info("work folder kept: %s", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if results is None:
        return 1
    print_results(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
