"""How long the continuous-training loop takes, and how much of that is not the work itself.

Run from the template's root with its venv (dependencies already installed):

    .venv/bin/python bench/ct_overhead.py                  # every section, median of 3 runs (~11 min on 2 cores)
    .venv/bin/python bench/ct_overhead.py --runs 5 --only first-report,warm-clone
    .venv/bin/python bench/ct_overhead.py --template /tmp/tpl-variant --env DVC_NO_ANALYTICS=1

Sections (each figure is a median over --runs runs; nothing is hard-coded):

first-report  render (cookiecutter, including the hook's git init / dvc init / dvc add) + initial commit
              + `dvc repro` + `make report` (BASE=main, so the report compares with the initial commit).
overhead      `dvc repro --force` + `python -m <pkg>.report --base HEAD` against the very same stage mains run
              one after the other in a single Python process (runpy, same argv, same files), on the sample data
              and on a generated table sized so that training takes tens of seconds.
warm-clone    after `dvc push --run-cache` to a local-folder remote, `git clone` and `dvc repro --pull` in the
              clone, against the cold `dvc repro` of the first-report section; lists the stages that ran.
breakdown     where the time goes: interpreter start-up and imports, import self-time by package
              (`-X importtime`), interpreter teardown (and what `gc.freeze()` before exit leaves of it), DVC's
              fixed costs (and what its usage reports and pure-Python YAML would add), the report's DVC API
              calls, and the render hook's DVC commands.

The machine may be shared: wall-clock figures come with the CPU time of the processes we wait for, and the load
average is printed, so that a noisy run can be recognised.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from tables import table, verdict

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent  # not resolved: the venv's python is a symlink to the base interpreter
SECTIONS = ("first-report", "overhead", "warm-clone", "breakdown")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
# A local "connection refused" endpoint: the analytics daemon fails at once instead of trying the internet.
OFFLINE_ANALYTICS = {"DVC_ANALYTICS_ENDPOINT": "http://127.0.0.1:9/"}
HEAVY_MODULES = (
    "numpy",
    "pandas",
    "scipy.stats",
    "sklearn",
    "matplotlib.pyplot",
    "joblib",
    "pydantic",
    "dvc.repo",
    "dvc.api",
)

logger = logging.getLogger("ct_overhead")


# --------------------------------------------------------------------------------------------------------------
# Running and timing commands


@dataclass(frozen=True)
class Timed:
    """One command's wall-clock time, the CPU time of it and the children it waited for, and its output."""

    wall: float
    cpu: float
    stdout: str
    stderr: str


class CommandFailed(RuntimeError):
    pass


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(command: Sequence[str | Path], cwd: Path, env: Mapping[str, str]) -> Timed:
    """Run a command to completion; CPU time counts every descendant that was waited for (not DVC's daemons)."""
    cpu_before = children_cpu()
    start = time.perf_counter()
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=dict(env), capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise CommandFailed(
            f"`{' '.join(map(str, command))}` in {cwd} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return Timed(wall=wall, cpu=children_cpu() - cpu_before, stdout=result.stdout, stderr=result.stderr)


def base_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment with this venv first on PATH, a git identity, and the --env overrides."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    env.update(GIT_IDENTITY)
    env.update(extra)
    return env


def project_env(project: Path, extra: Mapping[str, str], path_prefix: Path | None = None) -> dict[str, str]:
    """The environment a user has in the project: venv on PATH and the package importable from src/."""
    env = base_env(extra)
    env["PYTHONPATH"] = str(project / "src")
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env['PATH']}"
    return env


def stages_run(output: str) -> list[str]:
    """Names of the stages `dvc repro` executed, from its log."""
    return re.findall(r"^Running stage '([^']+)'", output, flags=re.MULTILINE)


def median(values: Iterable[float]) -> float:
    """The median; NaN when a section produced no sample (so a table still prints)."""
    samples = list(values)
    return statistics.median(samples) if samples else float("nan")


# --------------------------------------------------------------------------------------------------------------
# Rendering and reading a project


def render(template: Path, output_dir: Path, remote: Path, env: Mapping[str, str]) -> tuple[Path, Timed]:
    """Render with the cookiecutter CLI, as a user would: its import, the hooks and their DVC commands count."""
    output_dir.mkdir(parents=True, exist_ok=True)
    timed = run_timed(
        [VENV_BIN / "cookiecutter", "--no-input", "--output-dir", output_dir, template, f"dvc_remote_url={remote}"],
        cwd=output_dir,
        env=env,
    )
    (project,) = [path for path in output_dir.iterdir() if path.is_dir()]
    return project, timed


def package_name(project: Path) -> str:
    (package,) = [path.parent.name for path in (project / "src").glob("*/__init__.py")]
    return package


def commit_all(project: Path, message: str, env: Mapping[str, str]) -> Timed:
    run_timed(["git", "add", "-A"], project, env)
    return run_timed(["git", "commit", "--quiet", "--allow-empty", "-m", message], project, env)


@dataclass(frozen=True)
class Step:
    """One `python -m package command args...` command of the pipeline (or the report)."""

    name: str
    package: str
    command: str
    args: list[str]

    @property
    def argv(self) -> list[str]:
        """The arguments after `python -m package`: the command and its own arguments."""
        return [self.command, *self.args]


def resolve_vars(text: str, params: Mapping[str, Any]) -> str:
    """DVC's `${a.b}` interpolation from params.yaml, enough for stage commands."""

    def lookup(match: re.Match[str]) -> str:
        value: Any = params
        for key in match.group(1).split("."):
            value = value[key]
        return str(value)

    return re.sub(r"\$\{\s*([\w.]+)\s*\}", lookup, text)


def pipeline_steps(project: Path) -> list[Step]:
    """The stage commands of dvc.yaml, in file order (it is topological here), as commands and arguments."""
    stages = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    steps = []
    for name, stage in stages.items():
        words = resolve_vars(stage["cmd"], params).split()
        if words[:2] != ["python", "-m"] or len(words) < 4:
            raise ValueError(f"stage {name}: expected `python -m package command ...`, got {stage['cmd']!r}")
        steps.append(Step(name=name, package=words[2], command=words[3], args=words[4:]))
    return steps


def report_step(project: Path, base: str) -> Step:
    return Step(
        name="report", package=package_name(project), command="report", args=["--base", base, "--output", "report.md"]
    )


def command_module(project: Path, step: Step, extra_env: Mapping[str, str]) -> str:
    """The module that runs a step's command, as the package's own command table names it."""
    script = f"from {step.package}.__main__ import COMMANDS; print(COMMANDS[{step.command!r}][0])"
    found = run_timed([VENV_BIN / "python", "-c", script], project, project_env(project, extra_env))
    return f"{step.package}.{found.stdout.strip()}"


# --------------------------------------------------------------------------------------------------------------
# Helpers written into the work folder: a timing shim for stage processes, and the one-process driver

STAGE_SHIM = """#!/bin/sh
# Bench shim: DVC runs `python -m ...` through PATH; record when each stage process starts and ends.
start=$(date +%s.%N)
"$BENCH_REAL_PYTHON" "$@"
status=$?
echo "$start $(date +%s.%N) $*" >> "$BENCH_STAGE_LOG"
exit $status
"""

IN_PROCESS_DRIVER = '''"""Bench driver: run each step's `python -m package command args` in this one process."""
import json
import runpy
import sys
import time

timings = {}
for name, module, args in json.loads(sys.argv[1]):
    start = time.perf_counter()
    sys.argv = [module, *args]  # args begin with the command
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise
    timings[name] = time.perf_counter() - start
print(json.dumps(timings))
'''

TEARDOWN_DRIVER = '''"""Bench driver: run one step as __main__, print when it finished, maybe gc.freeze(), then exit."""
import gc
import json
import runpy
import sys
import time

module, args, freeze = json.loads(sys.argv[1])
sys.argv = [module, *args]
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
except SystemExit as stop:
    if stop.code not in (None, 0):
        raise
if freeze:
    gc.freeze()
sys.stdout.write("\\nBENCH_DONE %r\\n" % time.time())
sys.stdout.flush()
'''

REPORT_API_DRIVER = '''"""Bench driver: the DVC API calls a report makes, one by one, timed."""
import json
import sys
import time

base = sys.argv[1]
timings = {}
start = time.perf_counter()
from dvc.repo import Repo
import dvc.api
timings["import dvc.repo, dvc.api"] = time.perf_counter() - start
mark = time.perf_counter()
with Repo(".") as repo:
    timings["Repo(.) open"] = time.perf_counter() - mark
    mark = time.perf_counter()
    repo.metrics.diff(a_rev=base, all=True)
    timings["repo.metrics.diff(base, all=True)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    repo.params.diff(a_rev=base)
    timings["repo.params.diff(base)"] = time.perf_counter() - mark
mark = time.perf_counter()
try:
    dvc.api.read("metrics/confusion_matrix.png", repo=".", rev=base, mode="rb")
except Exception:  # the base may have no picture; the call's cost is what we want
    pass
timings["dvc.api.read(png, rev=base)"] = time.perf_counter() - mark
print(json.dumps(timings))
'''

HOOK_API_SETUP = '''"""Bench prototype: the render hook's four DVC commands as one process using DVC's Python API."""
import sys
from dvc.repo import Repo

remote_url, sample = sys.argv[1], sys.argv[2]
repo = Repo.init()
with repo.config.edit() as conf:
    conf["core"]["autostage"] = True
    conf["core"]["remote"] = "storage"
    conf["remote"]["storage"] = {"url": remote_url}
repo.close()
with Repo(".") as repo:
    repo.add(sample)
'''


@dataclass(frozen=True)
class Helpers:
    """Paths of the helper files, written once per bench run."""

    shim_dir: Path
    in_process: Path
    teardown: Path
    report_api: Path
    hook_api: Path


def write_helpers(workdir: Path) -> Helpers:
    shim_dir = workdir / "shim"
    shim_dir.mkdir(parents=True, exist_ok=True)
    shim = shim_dir / "python"
    shim.write_text(STAGE_SHIM, encoding="utf-8")
    shim.chmod(0o755)
    files = {
        "in_process": IN_PROCESS_DRIVER,
        "teardown": TEARDOWN_DRIVER,
        "report_api": REPORT_API_DRIVER,
        "hook_api": HOOK_API_SETUP,
    }
    paths = {}
    for name, text in files.items():
        paths[name] = workdir / f"bench_{name}.py"
        paths[name].write_text(text, encoding="utf-8")
    return Helpers(shim_dir=shim_dir, **paths)


# --------------------------------------------------------------------------------------------------------------
# Section 1: time to first report


@dataclass
class FirstReportRun:
    project: Path
    remote: Path
    render: Timed
    commit: Timed
    repro: Timed
    report: Timed

    @property
    def steps(self) -> dict[str, Timed]:
        return {
            "render (cookiecutter + hooks)": self.render,
            "git commit": self.commit,
            "dvc repro (cold)": self.repro,
            "make report (BASE=main)": self.report,
        }

    @property
    def total(self) -> float:
        return sum(timed.wall for timed in self.steps.values())

    @property
    def total_cpu(self) -> float:
        return sum(timed.cpu for timed in self.steps.values())


def first_report_run(template: Path, workdir: Path, index: int, extra_env: Mapping[str, str]) -> FirstReportRun:
    """A new user's first loop: render, commit, reproduce, write the report against main."""
    remote = workdir / f"remote-{index}"
    project, rendered = render(template, workdir / f"first-{index}", remote, base_env(extra_env))
    env = project_env(project, extra_env)
    commit = commit_all(project, "Initial project", env)
    repro = run_timed([VENV_BIN / "dvc", "repro"], project, env)
    report = run_timed(["make", "--no-print-directory", "report", f"VENV={VENV_BIN.parent}"], project, env)
    return FirstReportRun(project, remote, rendered, commit, repro, report)


# --------------------------------------------------------------------------------------------------------------
# Section 2: pipeline against one process


@dataclass(frozen=True)
class StageSpan:
    name: str
    start: float
    end: float

    @property
    def wall(self) -> float:
        return self.end - self.start


@dataclass
class PipelineRun:
    """`dvc repro --force` with each stage process timed by the shim, then the report as its own process."""

    repro: Timed
    repro_start: float
    repro_end: float
    stages: list[StageSpan]
    report: Timed

    @property
    def total(self) -> float:
        return self.repro.wall + self.report.wall

    @property
    def dvc_own(self) -> float:
        """Time `dvc repro` spends outside the stage processes: start-up, checks, hashing, caching, lock files."""
        return self.repro.wall - sum(span.wall for span in self.stages)

    def phases(self) -> dict[str, float]:
        """DVC's own time split into before the first stage, between stages, and after the last one."""
        if not self.stages:
            return {}
        between = sum(later.start - earlier.end for earlier, later in pairwise(self.stages))
        return {
            "dvc: start-up until 1st stage": self.stages[0].start - self.repro_start,
            "dvc: between stages": between,
            "dvc: after last stage, to exit": self.repro_end - self.stages[-1].end,
        }


@dataclass
class InProcessRun:
    timed: Timed
    steps: dict[str, float]


def read_stage_log(path: Path, steps: Sequence[Step]) -> list[StageSpan]:
    names = {step.command: step.name for step in steps}
    spans = []
    for line in path.read_text(encoding="utf-8").splitlines():
        start, end, *command = line.split()
        name = command[2] if command[:1] == ["-m"] and len(command) > 2 else "?"
        spans.append(StageSpan(name=names.get(name, name), start=float(start), end=float(end)))
    return spans


def pipeline_run(project: Path, helpers: Helpers, extra_env: Mapping[str, str]) -> PipelineRun:
    steps = pipeline_steps(project)
    log = project / ".bench_stage_log"
    log.unlink(missing_ok=True)
    env = project_env(project, extra_env, path_prefix=helpers.shim_dir)
    env["BENCH_REAL_PYTHON"] = str(VENV_BIN / "python")
    env["BENCH_STAGE_LOG"] = str(log)
    start = time.time()
    repro = run_timed([VENV_BIN / "dvc", "repro", "--force"], project, env)
    end = time.time()
    ran = stages_run(repro.stdout)
    if ran != [step.name for step in steps]:
        raise CommandFailed(f"dvc repro --force ran {ran}, expected every stage")
    step = report_step(project, "HEAD")
    report = run_timed([VENV_BIN / "python", "-m", step.package, *step.argv], project, project_env(project, extra_env))
    return PipelineRun(repro, start, end, read_stage_log(log, steps), report)


def in_process_run(project: Path, helpers: Helpers, extra_env: Mapping[str, str]) -> InProcessRun:
    steps = [*pipeline_steps(project), report_step(project, "HEAD")]
    payload = json.dumps([[step.name, step.package, step.argv] for step in steps])
    timed = run_timed([VENV_BIN / "python", helpers.in_process, payload], project, project_env(project, extra_env))
    return InProcessRun(timed, json.loads(timed.stdout.strip().splitlines()[-1]))


@dataclass
class OverheadResult:
    label: str
    rows: int
    pipeline: list[PipelineRun] = field(default_factory=list)
    in_process: list[InProcessRun] = field(default_factory=list)
    warm_pull: Timed | None = None
    warm_stages: list[str] = field(default_factory=list)

    @property
    def repro_wall(self) -> float:
        return median(run.repro.wall for run in self.pipeline)

    @property
    def pipeline_wall(self) -> float:
        return median(run.total for run in self.pipeline)

    @property
    def in_process_wall(self) -> float:
        return median(run.timed.wall for run in self.in_process)

    @property
    def overhead(self) -> float:
        """Pipeline minus one process, paired run by run (they alternate, so they share the machine's mood)."""
        return median(p.total - s.timed.wall for p, s in zip(self.pipeline, self.in_process, strict=True))

    @property
    def ratio(self) -> float:
        """Pipeline over one process, paired run by run like `overhead`."""
        return median(p.total / s.timed.wall for p, s in zip(self.pipeline, self.in_process, strict=True))

    @property
    def stage_names(self) -> list[str]:
        return [span.name for span in self.pipeline[0].stages]

    def stage_wall(self, name: str) -> float:
        return median(span.wall for run in self.pipeline for span in run.stages if span.name == name)

    def in_process_step(self, name: str) -> float:
        return median(run.steps.get(name, float("nan")) for run in self.in_process)


@dataclass(frozen=True)
class LargeTable:
    rows: int
    estimators: int


def prepare_overhead_project(
    template: Path, workdir: Path, label: str, large: LargeTable | None, helpers: Helpers, extra_env: Mapping[str, str]
) -> tuple[Path, int]:
    """Render a project, optionally point it at a generated table, run it once and commit (HEAD has results)."""
    project, _ = render(template, workdir / f"overhead-{label}", workdir / f"remote-{label}", base_env(extra_env))
    env = project_env(project, extra_env)
    if large:
        raw = Path("data/raw/large.csv")
        write_large_table(project / raw, large.rows, seed=0)
        run_timed([VENV_BIN / "dvc", "add", "--quiet", raw], project, env)
        point_params_at(project, raw, target="label", n_estimators=large.estimators)
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    rows = sum(1 for _ in (project / params["data"]["raw"]).open(encoding="utf-8")) - 1
    commit_all(project, "Initial project", env)
    logger.info("  %s: warm-up run (%d rows)", label, rows)
    pipeline_run(project, helpers, extra_env)  # warm-up: file caches, __pycache__, DVC's state database
    commit_all(project, "Results", env)
    return project, rows


def write_large_table(path: Path, rows: int, seed: int) -> None:
    """A classification table with numeric features, one categorical column and a few missing values."""
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_classification

    features, labels = make_classification(
        n_samples=rows, n_features=20, n_informative=8, n_redundant=4, n_classes=3, random_state=seed
    )
    frame = pd.DataFrame(features.round(5), columns=[f"x{i:02d}" for i in range(features.shape[1])])
    rng = np.random.default_rng(seed)
    bins = np.digitize(features[:, 0] + rng.normal(scale=0.5, size=rows), np.linspace(-2, 2, 7))
    frame["region"] = np.array([f"region_{chr(97 + code)}" for code in range(8)])[bins]
    frame.loc[rng.random(rows) < 0.01, "x05"] = np.nan
    frame["label"] = np.array(["class_a", "class_b", "class_c"])[labels]
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def point_params_at(project: Path, raw: Path, target: str, n_estimators: int) -> None:
    """Edit params.yaml's data and train sections (comments are lost; this is a throw-away copy)."""
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["data"].update({"raw": str(raw), "target": target, "drop": [], "feature_types": {}})
    params["train"]["random_forest"]["n_estimators"] = n_estimators
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def overhead_section(
    template: Path, workdir: Path, runs: int, large: LargeTable | None, helpers: Helpers, extra_env: Mapping[str, str]
) -> list[OverheadResult]:
    results = []
    for label, table_spec in (("sample", None), ("large", large)):
        if label == "large" and not large:
            continue
        project, rows = prepare_overhead_project(template, workdir, label, table_spec, helpers, extra_env)
        result = OverheadResult(label=label, rows=rows)
        for index in range(runs):
            # Alternate the order so that a slow spell on a shared machine does not hit one side only.
            order = (pipeline_run, in_process_run) if index % 2 == 0 else (in_process_run, pipeline_run)
            for function in order:
                outcome = function(project, helpers, extra_env)
                if isinstance(outcome, PipelineRun):
                    result.pipeline.append(outcome)
                else:
                    result.in_process.append(outcome)
            logger.info(
                "  %s run %d/%d: pipeline %.1f s, one process %.1f s",
                label,
                index + 1,
                runs,
                result.pipeline[-1].total,
                result.in_process[-1].timed.wall,
            )
        result.warm_pull, result.warm_stages = warm_pull_at_size(project, workdir / f"clone-{label}", extra_env)
        results.append(result)
    return results


def warm_pull_at_size(project: Path, clone_dir: Path, extra_env: Mapping[str, str]) -> tuple[Timed, list[str]]:
    """The warm re-run at this table's size: push with the run-cache, clone, `dvc repro --pull` in the clone."""
    env = project_env(project, extra_env)
    run_timed([VENV_BIN / "dvc", "push", "--run-cache", "--quiet"], project, env)
    run_timed(["git", "clone", "--quiet", project, clone_dir], project.parent, env)
    pull = run_timed([VENV_BIN / "dvc", "repro", "--pull"], clone_dir, project_env(clone_dir, extra_env))
    return pull, stages_run(pull.stdout)


# --------------------------------------------------------------------------------------------------------------
# Section 3: warm re-run on a fresh clone


@dataclass
class WarmCloneRun:
    cold_repro: float
    push: Timed
    clone: Timed
    pull_repro: Timed
    stages: list[str]
    outputs_present: bool
    allow_missing: Timed
    allow_missing_stages: list[str]


def warm_clone_run(first: FirstReportRun, workdir: Path, index: int, extra_env: Mapping[str, str]) -> WarmCloneRun:
    """Push results and run-cache, clone the repository, and let `dvc repro --pull` restore instead of rerun."""
    env = project_env(first.project, extra_env)
    commit_all(first.project, "Results", env)
    push = run_timed([VENV_BIN / "dvc", "push", "--run-cache", "--quiet"], first.project, env)
    clone_dir = workdir / f"clone-{index}"
    clone = run_timed(["git", "clone", "--quiet", first.project, clone_dir], workdir, env)
    pull_repro = run_timed([VENV_BIN / "dvc", "repro", "--pull"], clone_dir, project_env(clone_dir, extra_env))
    outputs_present = (clone_dir / "metrics" / "metrics.json").is_file() and (clone_dir / "models").is_dir()
    # The other documented way: check against the run-cache without downloading any output.
    bare_dir = workdir / f"clone-{index}-allow-missing"
    run_timed(["git", "clone", "--quiet", first.project, bare_dir], workdir, env)
    allow_missing = run_timed(
        [VENV_BIN / "dvc", "repro", "--pull", "--allow-missing"], bare_dir, project_env(bare_dir, extra_env)
    )
    return WarmCloneRun(
        first.repro.wall,
        push,
        clone,
        pull_repro,
        stages_run(pull_repro.stdout),
        outputs_present,
        allow_missing,
        stages_run(allow_missing.stdout),
    )


# --------------------------------------------------------------------------------------------------------------
# Section 4: where the time goes


@dataclass
class Breakdown:
    imports: dict[str, float] = field(default_factory=dict)
    import_by_package: dict[str, dict[str, float]] = field(default_factory=dict)
    teardown: dict[str, tuple[float, float]] = field(default_factory=dict)
    dvc_fixed: dict[str, float] = field(default_factory=dict)
    report_api: dict[str, float] = field(default_factory=dict)
    hook: dict[str, float] = field(default_factory=dict)


def import_costs(
    project: Path, modules: Sequence[str], cold_module: str, runs: int, workdir: Path, extra_env: Mapping[str, str]
) -> dict[str, float]:
    """Median wall time of a fresh `python -c "import X"` (start-up, import, teardown), interleaved across X.

    Two cold-cache cases that a fresh CI machine or container can hit: no bytecode cache for site-packages
    (an install with `--no-compile`, or uv without --compile-bytecode) and no matplotlib font cache (new HOME).
    """
    env = project_env(project, extra_env)
    samples: dict[str, list[float]] = defaultdict(list)
    for index in range(runs):
        for module in ("", *modules):
            statement = f"import {module}" if module else "pass"
            samples[statement].append(run_timed([VENV_BIN / "python", "-c", statement], project, env).wall)
        no_bytecode = {**env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(workdir / f"no-pyc-{index}")}
        samples[f"import {cold_module}, no bytecode cache"].append(
            run_timed([VENV_BIN / "python", "-c", f"import {cold_module}"], project, no_bytecode).wall
        )
        fresh_mpl = {**env, "MPLCONFIGDIR": str(workdir / f"mpl-{index}")}
        samples["import matplotlib.pyplot, no font cache"].append(
            run_timed([VENV_BIN / "python", "-c", "import matplotlib.pyplot"], project, fresh_mpl).wall
        )
    return {statement: median(values) for statement, values in samples.items()}


def import_self_time_by_package(project: Path, module: str, extra_env: Mapping[str, str]) -> dict[str, float]:
    """`-X importtime` self times summed per top-level package: what importing a stage module pays, and to whom."""
    timed = run_timed(
        [VENV_BIN / "python", "-X", "importtime", "-c", f"import {module}"], project, project_env(project, extra_env)
    )
    totals: dict[str, float] = defaultdict(float)
    for line in timed.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[0].startswith("import time:") or "self" in parts[0]:
            continue
        self_us = int(parts[0].split(":")[1])
        totals[parts[2].strip().split(".")[0]] += self_us / 1e6
    return dict(totals)


def teardown_costs(
    project: Path, helpers: Helpers, runs: int, extra_env: Mapping[str, str]
) -> dict[str, tuple[float, float]]:
    """Seconds from a stage's main() returning to its process being gone: as is, and with gc.freeze() first."""
    env = project_env(project, extra_env)
    results = {}
    for step in pipeline_steps(project):
        samples: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(runs):
            for freeze in (False, True):
                payload = json.dumps([step.package, step.argv, freeze])
                timed = run_timed([VENV_BIN / "python", helpers.teardown, payload], project, env)
                finished_at = time.time()
                done = float(re.findall(r"^BENCH_DONE (\S+)$", timed.stdout, flags=re.MULTILINE)[-1])
                samples[freeze].append(finished_at - done)
        results[step.name] = (median(samples[False]), median(samples[True]))
    return results


# `dvc ARGS` as it runs without the project's ruamel.yaml.clib pin: ruamel.yaml falls back to pure Python.
PURE_YAML_DVC = "import sys; sys.modules['_ruamel_yaml'] = None; from dvc.cli import main; sys.exit(main(sys.argv[1:]))"


@contextmanager
def usage_reports_on(project: Path) -> Iterator[None]:
    """DVC's default, which the project's committed config turns off: the git-ignored local config wins."""
    local = project / ".dvc" / "config.local"
    saved = local.read_text(encoding="utf-8") if local.exists() else None
    local.write_text("[core]\n    analytics = true\n", encoding="utf-8")
    try:
        yield
    finally:
        if saved is None:
            local.unlink()
        else:
            local.write_text(saved, encoding="utf-8")


def dvc_fixed_costs(project: Path, runs: int, extra_env: Mapping[str, str]) -> dict[str, float]:
    """DVC's cost when there is nothing to do, and what the project's DVC settings save on each command."""
    env = project_env(project, {**OFFLINE_ANALYTICS, **extra_env})
    samples: dict[str, list[float]] = defaultdict(list)
    report_file = project.parent / "analytics-report.json"
    for _ in range(runs):
        samples["dvc --version"].append(run_timed([VENV_BIN / "dvc", "--version"], project, env).wall)
        samples["no-op dvc repro"].append(run_timed([VENV_BIN / "dvc", "repro"], project, env).wall)
        with usage_reports_on(project):
            samples["no-op dvc repro, usage reports on (DVC's default)"].append(
                run_timed([VENV_BIN / "dvc", "repro"], project, env).wall
            )
        samples["no-op dvc repro, pure-Python YAML (no ruamel.yaml.clib)"].append(
            run_timed([VENV_BIN / "python", "-c", PURE_YAML_DVC, "repro"], project, env).wall
        )
        samples["no-op dvc status"].append(run_timed([VENV_BIN / "dvc", "status"], project, env).wall)
        report_file.write_text("{}", encoding="utf-8")
        daemon = run_timed([VENV_BIN / "dvc", "daemon", "analytics", report_file], project, env)
        samples["usage-report process, CPU s (after every command when on)"].append(daemon.cpu)
    return {name: median(values) for name, values in samples.items()}


def report_api_costs(project: Path, helpers: Helpers, runs: int, extra_env: Mapping[str, str]) -> dict[str, float]:
    env = project_env(project, extra_env)
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        timed = run_timed([VENV_BIN / "python", helpers.report_api, "HEAD"], project, env)
        for name, seconds in json.loads(timed.stdout.strip().splitlines()[-1]).items():
            samples[name].append(seconds)
    return {name: median(values) for name, values in samples.items()}


def hook_costs(
    template: Path, workdir: Path, helpers: Helpers, runs: int, extra_env: Mapping[str, str]
) -> dict[str, float]:
    """The render hook's DVC commands one by one, against the same set-up done in one process with DVC's API."""
    sample = next((template / "{{cookiecutter.project_slug}}" / "data" / "raw").glob("*.csv"))
    commands = {
        "dvc init": ["dvc", "init", "--quiet"],
        "dvc config core.autostage true": ["dvc", "config", "core.autostage", "true"],
        "dvc remote add --default": ["dvc", "remote", "add", "--default", "storage", str(workdir / "hook-remote")],
        "dvc add <sample>": ["dvc", "add", "--quiet", f"data/raw/{sample.name}"],
    }
    env = base_env(extra_env)
    samples: dict[str, list[float]] = defaultdict(list)
    for index in range(runs):
        for variant in ("cli", "api"):
            folder = workdir / f"hook-{variant}-{index}"
            (folder / "data" / "raw").mkdir(parents=True)
            shutil.copy(sample, folder / "data" / "raw" / sample.name)
            run_timed(["git", "init", "--quiet", "--initial-branch=main"], folder, env)
            if variant == "cli":
                walls = {name: run_timed(command, folder, env).wall for name, command in commands.items()}
                for name, wall in walls.items():
                    samples[name].append(wall)
                samples["hook DVC set-up, 4 CLI commands"].append(sum(walls.values()))
            else:
                command = [
                    VENV_BIN / "python",
                    helpers.hook_api,
                    str(workdir / "hook-remote"),
                    f"data/raw/{sample.name}",
                ]
                samples["hook DVC set-up, one process (DVC API)"].append(run_timed(command, folder, env).wall)
    return {name: median(values) for name, values in samples.items()}


def breakdown_section(
    template: Path, project: Path, workdir: Path, runs: int, helpers: Helpers, extra_env: Mapping[str, str]
) -> Breakdown:
    steps = [*pipeline_steps(project), report_step(project, "HEAD")]
    stage_modules = [command_module(project, step, extra_env) for step in steps]
    result = Breakdown()
    logger.info("  imports")
    result.imports = import_costs(project, [*HEAVY_MODULES, *stage_modules], stage_modules[1], runs, workdir, extra_env)
    for module in stage_modules:
        result.import_by_package[module] = import_self_time_by_package(project, module, extra_env)
    logger.info("  interpreter teardown")
    result.teardown = teardown_costs(project, helpers, runs, extra_env)
    logger.info("  DVC fixed costs")
    result.dvc_fixed = dvc_fixed_costs(project, runs, extra_env)
    logger.info("  report API calls")
    result.report_api = report_api_costs(project, helpers, runs, extra_env)
    logger.info("  render hook")
    result.hook = hook_costs(template, workdir, helpers, runs, extra_env)
    return result


# --------------------------------------------------------------------------------------------------------------
# Printing


def print_first_report(runs: list[FirstReportRun]) -> None:
    names = list(runs[0].steps)
    rows: list[list[Any]] = [
        [name, median(r.steps[name].wall for r in runs), median(r.steps[name].cpu for r in runs)] for name in names
    ]
    total = median(r.total for r in runs)
    rows.append(["total: time to first report", total, median(r.total_cpu for r in runs)])
    title = f"1. Time to first report (median of {len(runs)}; goal < 20 s: {verdict(total < 20)})"
    print(table(title, ["step", "wall s", "cpu s"], rows))


def print_overhead(results: list[OverheadResult]) -> None:
    rows = []
    for result in results:
        if result.label == "sample":
            goal = f"overhead < 5 s: {verdict(result.overhead < 5)}"
        else:
            goal = f"ratio < 1.2: {verdict(result.ratio < 1.2)}"
        rows.append(
            [
                f"{result.label} ({result.rows} rows)",
                result.pipeline_wall,
                result.in_process_wall,
                result.overhead,
                f"{result.ratio:.2f}",
                goal,
            ]
        )
    header = ["data", "pipeline s", "one process s", "overhead s", "ratio", "goal"]
    print(table("2. Pipeline (dvc repro --force + report process) against one process (medians)", header, rows))
    warm_rows = [
        [
            f"{result.label} ({result.rows} rows)",
            result.repro_wall,
            result.warm_pull.wall,
            f"{100 * result.warm_pull.wall / result.repro_wall:.0f}%",
            ", ".join(result.warm_stages) or "none",
        ]
        for result in results
        if result.warm_pull
    ]
    warm_header = ["data", "dvc repro --force s", "repro --pull in a clone s", "share", "stages executed"]
    print(table("2w. Warm re-run in a fresh clone at each size (one run each)", warm_header, warm_rows))
    for letter, result in zip("abcdef", results, strict=False):
        print(
            table(
                f"2{letter}. {result.label}: where the pipeline's time goes (a stage = its whole process; "
                "in one process, the first step pays the shared imports)",
                ["part", "pipeline s", "one process s"],
                overhead_detail(result),
            )
        )


def overhead_detail(result: OverheadResult) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [f"stage {name}", result.stage_wall(name), result.in_process_step(name)] for name in result.stage_names
    ]
    rows.append(["report", median(r.report.wall for r in result.pipeline), result.in_process_step("report")])
    for phase in result.pipeline[0].phases():
        rows.append([phase, median(r.phases()[phase] for r in result.pipeline), "-"])
    rows.append(["dvc own time (repro minus stages)", median(r.dvc_own for r in result.pipeline), "-"])
    rows.append(["total", result.pipeline_wall, result.in_process_wall])
    rows.append(
        [
            "cpu s (all processes waited for)",
            median(r.repro.cpu + r.report.cpu for r in result.pipeline),
            median(r.timed.cpu for r in result.in_process),
        ]
    )
    return rows


def print_warm_clone(runs: list[WarmCloneRun]) -> None:
    cold = median(r.cold_repro for r in runs)
    warm = median(r.pull_repro.wall for r in runs)
    allow_missing = median(r.allow_missing.wall for r in runs)
    executed = sorted({stage for r in runs for stage in r.stages})
    executed_allow_missing = sorted({stage for r in runs for stage in r.allow_missing_stages})
    rows = [
        ["cold dvc repro (section 1)", cold],
        ["dvc push --run-cache (local remote)", median(r.push.wall for r in runs)],
        ["git clone", median(r.clone.wall for r in runs)],
        ["dvc repro --pull in the clone", warm],
        ["  share of cold time", f"{warm / cold:.0%}"],
        ["  stages executed", ", ".join(executed) or "none"],
        ["  outputs restored", "yes" if all(r.outputs_present for r in runs) else "NO"],
        ["dvc repro --pull --allow-missing (other clone)", allow_missing],
        ["  share of cold time", f"{allow_missing / cold:.0%}"],
        ["  stages executed", ", ".join(executed_allow_missing) or "none"],
    ]
    met = not executed and warm / cold < 0.15
    title = f"3. Warm re-run on a fresh clone (median of {len(runs)}; goal: no stage run and < 15%: {verdict(met)})"
    print(table(title, ["step", "value"], rows))


def print_breakdown(result: Breakdown) -> None:
    print(
        table(
            "4a. Fresh process: `python -c 'import X'` (start-up + import + teardown), median",
            ["statement", "wall s"],
            list(map(list, result.imports.items())),
        )
    )
    modules = list(result.import_by_package)
    by_package = result.import_by_package
    packages = sorted(
        {name for totals in by_package.values() for name in totals},
        key=lambda name: -max(totals.get(name, 0.0) for totals in by_package.values()),
    )[:10]
    rows: list[list[Any]] = [[name, *(by_package[module].get(name, 0.0) for module in modules)] for name in packages]
    rows.append(["all", *(sum(by_package[module].values()) for module in modules)])
    print(
        table(
            "4b. -X importtime self time by top-level package, one run (s)",
            ["package", *(module.split(".")[-1] for module in modules)],
            rows,
        )
    )
    print(
        table(
            "4c. Interpreter teardown after main() returns (median)",
            ["stage", "as is s", "with gc.freeze() s"],
            [[name, *pair] for name, pair in result.teardown.items()],
        )
    )
    print(table("4d. DVC fixed costs (median)", ["command", "s"], list(map(list, result.dvc_fixed.items()))))
    print(
        table(
            "4e. The report's DVC API calls, in one process (median)",
            ["call", "s"],
            list(map(list, result.report_api.items())),
        )
    )
    print(table("4f. Render hook: DVC set-up (median)", ["command", "s"], list(map(list, result.hook.items()))))


def as_json(
    first_report: list[FirstReportRun],
    overhead: list[OverheadResult],
    warm_clone: list[WarmCloneRun],
    breakdown: Breakdown | None,
) -> dict[str, Any]:
    """The medians, for comparing two runs of the bench (e.g. before and after a change)."""
    out: dict[str, Any] = {}
    if first_report:
        out["first_report"] = {
            **{name: median(r.steps[name].wall for r in first_report) for name in first_report[0].steps},
            "total": median(r.total for r in first_report),
        }
    for result in overhead:
        out[f"overhead_{result.label}"] = {
            "rows": result.rows,
            "pipeline": result.pipeline_wall,
            "in_process": result.in_process_wall,
            "overhead": result.overhead,
            "ratio": result.ratio,
            "detail": {row[0]: row[1] for row in overhead_detail(result)},
        }
    if warm_clone:
        out["warm_clone"] = {
            "cold_repro": median(r.cold_repro for r in warm_clone),
            "pull_repro": median(r.pull_repro.wall for r in warm_clone),
            "stages_executed": sorted({s for r in warm_clone for s in r.stages}),
            "allow_missing": median(r.allow_missing.wall for r in warm_clone),
        }
    if breakdown:
        out["breakdown"] = asdict(breakdown)
    return out


# --------------------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; medians are printed (default 3)")
    parser.add_argument("--template", type=Path, default=TEMPLATE_DIR, help="template to render (default: this one)")
    parser.add_argument("--large-rows", type=int, default=200_000, help="rows of the generated table (0 skips it)")
    parser.add_argument(
        "--large-estimators",
        type=int,
        default=200,
        help="train.random_forest.n_estimators for the generated table; with 200k rows, ~30 s of training on 2 cores",
    )
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for every command, e.g. DVC_NO_ANALYTICS=1 (repeatable)",
    )
    parser.add_argument("--workdir", type=Path, help="where projects are rendered (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json", type=Path, help="also write the medians as JSON here")
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    sections = set(args.only.split(","))
    extra_env = dict(item.split("=", 1) for item in args.env)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ct-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    helpers = write_helpers(workdir)
    load_before = os.getloadavg()
    started = time.perf_counter()
    logger.info("template %s, work folder %s, %d run(s), extra env %s", args.template, workdir, args.runs, extra_env)
    first_runs: list[FirstReportRun] = []
    overhead: list[OverheadResult] = []
    warm: list[WarmCloneRun] = []
    breakdown: Breakdown | None = None
    try:
        if sections & {"first-report", "warm-clone", "breakdown"}:
            logger.info("1. time to first report")
            for index in range(args.runs):
                first_runs.append(first_report_run(args.template, workdir, index, extra_env))
                logger.info("  run %d/%d: %.1f s", index + 1, args.runs, first_runs[-1].total)
        if "warm-clone" in sections:
            logger.info("3. warm re-run on a fresh clone")
            warm = [warm_clone_run(run, workdir, index, extra_env) for index, run in enumerate(first_runs)]
        if "overhead" in sections:
            logger.info("2. pipeline against one process")
            large = LargeTable(args.large_rows, args.large_estimators) if args.large_rows else None
            overhead = overhead_section(args.template, workdir, args.runs, large, helpers, extra_env)
        if "breakdown" in sections:
            logger.info("4. breakdown")
            project = first_runs[0].project
            if "warm-clone" not in sections:
                commit_all(project, "Results", project_env(project, extra_env))
            breakdown = breakdown_section(args.template, project, workdir, args.runs, helpers, extra_env)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nct_overhead: template {args.template}; {args.runs} run(s) per figure; extra env {extra_env or 'none'}")
    print(
        f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
        f"bench took {time.perf_counter() - started:.0f} s"
    )
    if first_runs and "first-report" in sections:
        print_first_report(first_runs)
    if overhead:
        print_overhead(overhead)
    if warm:
        print_warm_clone(warm)
    if breakdown:
        print_breakdown(breakdown)
    if args.json:
        figures = as_json(first_report=first_runs, overhead=overhead, warm_clone=warm, breakdown=breakdown)
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
