"""Rehearsal of the Train workflow's fan-out: the experiments of experiments.yaml, each in a job of its own.

A Kubernetes-runner project (its jobs run without a job container, so act runs them on the host) gets main
trained and pushed, then a branch that only adds experiments.yaml: three experiments. act runs the whole workflow
twice: on the branch's push, then on a second push that changes nothing the pipeline reads. Each run calls
experiment.yml once per experiment, two at a time on GitHub (max_parallel; act cannot read max-parallel from an
expression and runs them one at a time): each call launches its experiment's machine (the `cml` stand-in records
it and puts the machine in the rehearsal's cluster) when its turn comes, not before, and runs the experiment on the
runner of its own label; then the run adds their table to the report comment and
removes every machine. act maps only this run's runner labels to the host, so that a job whose `runs-on` lacks its
own label is skipped, and fails the test.

Every experiment here passes: act (0.2.89) ends the whole run when a job of a called workflow fails, where GitHub
goes on to the leaderboard (`if: !cancelled()`, which tests/render/test_generated_workflows.py checks), so a
failed experiment would leave the leaderboard and the clean-up unrun under act alone. A project on GitHub's
machines runs its experiments in train.yml's own matrix job, which act runs to the end: its run rehearses an
experiment that fails, beside two that pass, and the report that shows it failed.

An AWS project checks the launches alone (its training runs in a job container, which act cannot start here, so
its run is the experiment job and the plan it needs: each call's launch job runs, and its run job, in a job
container, cannot start): one machine per experiment, each with its own label.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..support.act_runner import ActRun, run_act, sequence_flags, stages_executed
from ..support.helpers import VENV_BIN, commit_all, render
from ..support.rehearsal import (
    KUBECONFIG,
    RUNNER_TOKEN_SECRET,
    cloud_run_env,
    git,
    publish_main,
    push_event,
    secrets,
    use_s3_server,
)
from ..support.rehearsal import workflow_env as s3_workflow_env
from ..support.s3_server import S3Server

pytestmark = pytest.mark.slow

BRANCH = "try-depths"
# Three experiments, two at a time: the third waits for a free slot.
EXPERIMENTS_YAML = """experiments:
  - train.random_forest.max_depth=2,4,8
max_parallel: 2
"""
PLANNED = ("max-depth-2", "max-depth-4", "max-depth-8")
RUN_ID = "4545"
TRAIN_JOB = "Train, evaluate and report"
EXPERIMENT_RUN_JOB = "Run and push the experiment"
EXPERIMENT_LAUNCH_JOB = "Launch the experiment's cloud runner"  # then the cloud, in brackets
RUN_COMMAND = "python -m wine_classifier experiments run --name"
# A GitHub-hosted project's experiments: a grid of two the pipeline takes, and one whose value its params check
# refuses (a depth of 0).
MIXED_EXPERIMENTS_YAML = """experiments:
  - train.random_forest.max_depth=2,4
  - train.random_forest.max_depth=0
"""
GOOD = ("max-depth-2", "max-depth-4")
REFUSED = "max-depth-0"


def labels(run_id: str) -> dict[str, str]:
    """The runner label of each job that runs on a cloud machine: training's, and each experiment's own."""
    return {"train": f"cml-{run_id}-1", **{name: f"cml-{run_id}-1-{name}" for name in PLANNED}}


@dataclass(frozen=True)
class FanOut:
    """The project, its origin, and the Train workflow's runs on the branch's two pushes."""

    project: Path
    origin: Path
    first: ActRun
    second: ActRun
    machines_left: list[dict]


def run_train(project: Path, origin: Path, server: S3Server, before: str, scratch: Path, run_id: str) -> ActRun:
    state = scratch.parent / f"clouds-{run_id}.json"
    return run_act(
        project,
        "train.yml",
        "push",
        push_event(BRANCH, before),
        scratch,
        secrets={**secrets(server), **RUNNER_TOKEN_SECRET, "KUBERNETES_CONFIGURATION": KUBECONFIG},
        env={**s3_workflow_env(server, origin), **cloud_run_env(run_id, state)},
        runner_labels=("ubuntu-latest", *labels(run_id).values()),
    )


def publish_experiments_branch(project: Path, root: Path, experiments_yaml: str) -> tuple[Path, str]:
    """main trained and pushed to a new origin, then the branch that only adds experiments.yaml, pushed too;
    returns the origin and main's commit (the push event's `before`)."""
    origin = publish_main(project, root)
    main_sha = git(project, "rev-parse", "HEAD")
    git(project, "switch", "--quiet", "--create", BRANCH)
    (project / "experiments.yaml").write_text(experiments_yaml)
    commit_all(project, "Try other settings")
    git(project, "push", "--quiet", "origin", BRANCH)
    return origin, main_sha


@pytest.fixture(scope="module")
def fan_out(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FanOut]:
    root = tmp_path_factory.mktemp("fan-out")
    with pytest.MonkeyPatch.context() as patch:
        use_s3_server(patch, s3_server)
        project = render(root / "work", runner="kubernetes", dvc_remote_url=f"s3://{s3_server.bucket}/fan-out")
        origin, main_sha = publish_experiments_branch(project, root, EXPERIMENTS_YAML)
        branch_sha = git(project, "rev-parse", "HEAD")
        first = run_train(project, origin, s3_server, main_sha, root / "act-1", RUN_ID)
        # A push that changes nothing the pipeline or the experiments read: a new commit, so new experiment refs.
        git(project, "pull", "--quiet", "--ff-only", "origin", BRANCH)
        (project / "NOTES.md").write_text("Depths tried in CI.\n")
        commit_all(project, "Notes")
        git(project, "push", "--quiet", "origin", BRANCH)
        second = run_train(project, origin, s3_server, branch_sha, root / "act-2", "4546")
        machines = [
            machine
            for run_id in (RUN_ID, "4546")
            if (root / f"clouds-{run_id}.json").is_file()
            for machine in json.loads((root / f"clouds-{run_id}.json").read_text())
        ]
        yield FanOut(project, origin, first, second, machines)


def experiment_lines(run_: ActRun, name: str, job: str) -> list[tuple[int, str]]:
    """act's lines for one job of one experiment's call of experiment.yml, with their place in act's output.

    act prefixes a called workflow's lines with `[<calling job's name>/<called workflow's name>/<job name>]`, and
    names a matrix job `<name>-<index>`.
    """
    prefix = re.compile(rf"\[Experiment {name}(?:-\d+)?/Experiment/{re.escape(job)} *\]")
    return [(index, line) for index, line in enumerate(run_.output.splitlines()) if prefix.match(line)]


def experiment_steps(run_: ActRun, name: str) -> str:
    """What act printed for one experiment's run job."""
    return "\n".join(line for _, line in experiment_lines(run_, name, EXPERIMENT_RUN_JOB))


def experiment_succeeded(run_: ActRun, name: str) -> bool:
    """act marks every job of a matrix failed once one of them fails: read the job's own last step instead."""
    return "Success - Main Push the experiment and the run-cache" in experiment_steps(run_, name)


def leaderboard_comment(run_: ActRun) -> dict:
    comments = [call for call in run_.cml_calls if call["args"][0] == "comment"]
    assert len(comments) == 2, run_.output[-5000:]  # the training job's, then the one with the table
    return comments[1]


def table_rows(text: str) -> dict[str, str]:
    """The experiments' table: each experiment's row by name (bold for the best), with its status cell last."""
    section = text.split("### Experiments", 1)[1]
    return {
        row[0].strip().strip("*").removesuffix("** (best)").strip("*"): row[-1].strip()
        for row in (line.strip("|").split("|") for line in section.splitlines() if line.startswith("| "))
    }


def test_each_experiment_runs_in_a_job_of_its_own_on_its_own_machine(fan_out: FanOut) -> None:
    run_ = fan_out.first
    assert run_.job_succeeded("Plan the experiments"), run_.output[-5000:]
    launches = [sequence_flags(call["args"]) for call in run_.cml_calls if call["args"][:2] == ["runner", "launch"]]
    launched = sorted(flags["labels"].split(",")[1] for flags in launches)
    assert launched == sorted(labels(RUN_ID).values()), "one machine for training, one per experiment"
    assert all("single" in flags for flags in launches)
    for name in PLANNED:
        assert experiment_succeeded(run_, name), experiment_steps(run_, name)[-3000:]
        assert stages_executed(experiment_steps(run_, name)) == ["train", "evaluate"], name


def test_a_machine_is_launched_when_its_experiments_turn_comes(fan_out: FanOut) -> None:
    """max_parallel 2, three experiments: the third one's machine is launched only once one of the first two
    experiments has ended, so no machine waits for a free slot; no more than two are under way at any time."""
    run_ = fan_out.first
    spans = {}
    for name in PLANNED:
        launch = experiment_lines(run_, name, f"{EXPERIMENT_LAUNCH_JOB} (kubernetes)")
        ran = experiment_lines(run_, name, EXPERIMENT_RUN_JOB)
        assert launch and ran, f"{name}: no launch or no run in act's output"
        assert launch[-1][0] < ran[0][0], f"{name}: its run started before its machine was launched"
        spans[name] = (launch[0][0], ran[-1][0])
    starts = sorted(spans.values())
    third_start = starts[2][0]
    assert min(end for _, end in starts[:2]) < third_start, spans
    for start, _ in starts:
        under_way = [name for name, (first, last) in spans.items() if first <= start <= last]
        assert len(under_way) <= 2, under_way


def test_the_report_comment_carries_every_experiment(fan_out: FanOut) -> None:
    run_ = fan_out.first
    assert run_.job_succeeded("Report the experiments"), run_.output[-5000:]
    training, leaderboard = [call for call in run_.cml_calls if call["args"][0] == "comment"]
    flags = sequence_flags(leaderboard["args"])
    assert leaderboard["args"][:2] == ["comment", "update"]
    assert flags["watermark-title"] == sequence_flags(training["args"])["watermark-title"] == "Model report"
    assert flags["target"] == sequence_flags(training["args"])["target"] == "auto"
    assert flags["publish"] == "false"
    text = leaderboard["file"]["text"]
    before, _, after = training["file"]["text"].partition("### Experiments")
    assert set(table_rows(training["file"]["text"]).values()) >= {
        f"not run: `{RUN_COMMAND} {name}`" for name in PLANNED
    }
    assert text.startswith(before) and text.endswith(after[after.index("### Data") :]), "the report, its table replaced"
    rows = table_rows(text)
    assert {name: rows[name] for name in PLANNED} == dict.fromkeys(PLANNED, "success")


def test_a_push_that_changes_nothing_retrains_nothing(fan_out: FanOut) -> None:
    """Each experiment's stages come back from the run-cache the first run pushed; the table is posted again."""
    run_ = fan_out.second
    training = "\n".join(line for line in run_.output.splitlines() if line.startswith(f"[Train/{TRAIN_JOB}"))
    assert "stages run or restored from the run-cache: none" in training and stages_executed(training) == []
    for name in PLANNED:
        assert experiment_succeeded(run_, name), experiment_steps(run_, name)[-3000:]
        steps = experiment_steps(run_, name)
        assert stages_executed(steps) == [], name
        for stage in ("train", "evaluate"):
            assert f"Stage '{stage}' is cached - skipping run, checking out outputs" in steps, name
    rows = table_rows(leaderboard_comment(run_)["file"]["text"])
    assert {name: rows[name] for name in PLANNED} == dict.fromkeys(PLANNED, "success")


def test_every_experiment_is_pushed_under_its_commit(fan_out: FanOut) -> None:
    """Each good experiment's git ref reached the origin, under the commit it was run from."""
    refs = git(fan_out.origin, "for-each-ref", "--format=%(refname)", "refs/exps").splitlines()
    for sha in (git(fan_out.origin, "rev-parse", f"{BRANCH}~1"), git(fan_out.origin, "rev-parse", BRANCH)):
        pushed = sorted(ref.rsplit("/", 1)[1] for ref in refs if ref.startswith(f"refs/exps/{sha[:2]}/{sha[2:]}/"))
        assert pushed == sorted(PLANNED), refs


def test_every_machine_is_removed_after_the_run(fan_out: FanOut) -> None:
    for run_ in (fan_out.first, fan_out.second):
        assert run_.job_succeeded("Remove this run's cloud machine"), run_.output[-5000:]
    assert fan_out.machines_left == []


@pytest.fixture(scope="module")
def aws_launches(tmp_path_factory: pytest.TempPathFactory) -> tuple[ActRun, list[dict]]:
    """An AWS project with experiments.yaml: the experiment job and the plan it needs; each call's run job needs a
    job container, which cannot start here, so only the launches run."""
    root = tmp_path_factory.mktemp("aws-fan-out")
    project = render(root / "work", runner="aws")
    (project / "experiments.yaml").write_text(EXPERIMENTS_YAML)
    commit_all(project, "Start, with experiments")
    images = root / "images.json"
    image = {"ImageId": "ami-ubuntu", "OwnerId": "099720109477", "CreationDate": "2026-10-15T00:00:00Z"}
    name = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261015"
    images.write_text(json.dumps([{**image, "Name": name, "Architecture": "x86_64"}]))
    state = root / "clouds.json"
    result = run_act(
        project,
        "train.yml",
        "push",
        push_event(BRANCH, "0" * 40),
        root / "act",
        job="experiment",
        secrets={**RUNNER_TOKEN_SECRET, "AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret"},
        env={
            **cloud_run_env(RUN_ID, state),
            "AWS_IMAGES_FILE": str(images),
            "REHEARSAL_ORIGIN": str(project),
            "VENV": str(VENV_BIN.parent),
            "PYTHONPATH": "src",
        },
        runner_labels=("ubuntu-latest",),
    )
    return result, json.loads(state.read_text()) if state.is_file() else []


def test_aws_launches_one_machine_per_experiment(aws_launches: tuple[ActRun, list]) -> None:
    run_, machines = aws_launches
    assert run_.job_succeeded("Plan the experiments"), run_.output[-5000:]
    launches = [sequence_flags(call["args"]) for call in run_.cml_calls if call["args"][:2] == ["runner", "launch"]]
    assert sorted(flags["labels"] for flags in launches) == sorted(f"cml,{labels(RUN_ID)[name]}" for name in PLANNED)
    assert all(flags["cloud"] == "aws" and "single" in flags for flags in launches)
    # Tagged with the run, as training's machine is: the clean-up job removes them by that tag.
    assert sorted(machine["metadata"]["github-run"] for machine in machines) == [f"{RUN_ID}-1"] * len(PLANNED)
    assert len({machine["name"] for machine in machines}) == len(PLANNED)


# --- a project on GitHub's machines, one of whose experiments fails ----------------------------------------------


@dataclass(frozen=True)
class HostedRun:
    """A GitHub-hosted project's origin, and the Train workflow's run on the push of its branch."""

    origin: Path
    run: ActRun


@pytest.fixture(scope="module")
def hosted_run(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> HostedRun:
    root = tmp_path_factory.mktemp("hosted-fan-out")
    with pytest.MonkeyPatch.context() as patch:
        use_s3_server(patch, s3_server)
        project = render(root / "work", dvc_remote_url=f"s3://{s3_server.bucket}/hosted-fan-out")
        origin, main_sha = publish_experiments_branch(project, root, MIXED_EXPERIMENTS_YAML)
        run_ = run_act(
            project,
            "train.yml",
            "push",
            push_event(BRANCH, main_sha),
            root / "act",
            secrets=secrets(s3_server),
            env=s3_workflow_env(s3_server, origin),
            runner_labels=("ubuntu-latest",),
        )
        return HostedRun(origin, run_)


def matrix_job_lines(run_: ActRun, name: str) -> str:
    """What act printed for one experiment's matrix job of train.yml (act names a matrix job `<name>-<index>`)."""
    return "\n".join(line for line in run_.output.splitlines() if re.match(rf"\[Train/Experiment {name}-\d+ *\]", line))


def test_a_failed_experiment_fails_its_own_job_alone(hosted_run: HostedRun) -> None:
    run_ = hosted_run.run
    assert run_.job_succeeded("Plan the experiments"), run_.output[-5000:]
    for name in GOOD:
        lines = matrix_job_lines(run_, name)
        # act marks every job of a matrix failed once one of them fails: read the job's own last step instead.
        assert "Success - Main Push the experiment and the run-cache" in lines, lines[-3000:]
        assert stages_executed(lines) == ["train", "evaluate"], name
    refused = matrix_job_lines(run_, REFUSED)
    assert "Failure - Main Run the experiment" in refused, refused[-3000:]
    assert "Main Push the experiment and the run-cache" not in refused
    started = set(re.findall(r"\[Train/Experiment ([\w.-]+)-\d+ *\]", run_.output))
    assert started == {*GOOD, REFUSED}, "one matrix job per experiment"


def test_the_report_shows_the_failed_experiment_failed_beside_the_others(hosted_run: HostedRun) -> None:
    run_ = hosted_run.run
    assert run_.job_succeeded("Report the experiments"), run_.output[-5000:]
    training, leaderboard = [call for call in run_.cml_calls if call["args"][0] == "comment"]
    assert leaderboard["args"][:2] == ["comment", "update"]
    assert sequence_flags(leaderboard["args"])["watermark-title"] == "Model report"
    rows = table_rows(leaderboard["file"]["text"])
    assert {name: rows[name] for name in GOOD} == dict.fromkeys(GOOD, "success")
    assert rows[REFUSED].startswith("**failed**"), rows
    table = leaderboard["file"]["text"].split("### Experiments", 1)[1]
    for name in GOOD:  # each good one with its metrics: numbers in its row, beside its name
        (row,) = [line for line in table.splitlines() if line.startswith("| ") and name in line]
        assert re.search(r"\| *\*{0,2}[01]\.\d+", row), row
    assert set(table_rows(training["file"]["text"]).values()) >= {f"not run: `{RUN_COMMAND} {name}`" for name in GOOD}


def test_the_good_experiments_reach_the_origin(hosted_run: HostedRun) -> None:
    refs = git(hosted_run.origin, "for-each-ref", "--format=%(refname)", "refs/exps").splitlines()
    sha = git(hosted_run.origin, "rev-parse", BRANCH)
    pushed = sorted(ref.rsplit("/", 1)[1] for ref in refs if ref.startswith(f"refs/exps/{sha[:2]}/{sha[2:]}/"))
    assert pushed == sorted(GOOD), refs
