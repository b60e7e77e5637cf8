"""Rehearsal of the generated workflows on this machine: their jobs run with act, as GitHub would run them.

The default project gets a git history like a user's (main with a trained model, a branch that changes a
parameter), a bare repository as its GitHub "origin", and a real S3 remote (SeaweedFS on 127.0.0.1). act runs
the Train workflow's jobs on the host. What cannot exist here is replaced, and only that (see
act_standins/README.md): the actions are local stand-ins, and `cml` is a stand-in that records its calls, since
CML cannot be installed and GitHub's API cannot be reached.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..support.act_runner import STANDINS, ActRun, run_act, sequence_flags, stages_executed
from ..support.azurite import running_azurite
from ..support.google_storage import running_google_storage
from ..support.helpers import VENV_BIN, commit_all, dvc_repro, project_env, render, run
from ..support.rehearsal import (
    KUBECONFIG,
    REPOSITORY,
    RUNNER_TOKEN_SECRET,
    assert_confusion_counts_and_pictures,
    cloud_run_env,
    git,
    publish_with_branch,
    push_branch,
    push_event,
    push_to_new_origin,
    secrets,
    use_s3_server,
    workflow_env,
)
from ..support.s3_server import S3Server

pytestmark = pytest.mark.slow

BRANCH = "shallower-trees"
TRAIN_JOB = "Train, evaluate and report"
# Every step of the training job but the last, which the branch's worse model fails (see params.yaml's gate).
STEPS_BEFORE_THE_GATE = ("Install CML", "Train, push the results and write the report", "Post the report")
GATE_FAILURE = "error: quality gate failed: macro_f1 fell by 0.0641 against origin/main, more than 0.05"


@dataclass(frozen=True)
class Rehearsal:
    """A project whose branch was pushed to its origin, and the Train workflow's first run on that push."""

    project: Path
    origin: Path
    server: S3Server
    main_sha: str
    branch_sha: str
    first_run: ActRun
    scratch: Path


def run_train_on_push(project: Path, origin: Path, server: S3Server, before: str, scratch: Path) -> ActRun:
    return run_act(
        project,
        "train.yml",
        "push",
        push_event(BRANCH, before),
        scratch,
        secrets=secrets(server),
        env=workflow_env(server, origin),
    )


@pytest.fixture(scope="module")
def rehearsal(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    """main trained and pushed (git and DVC), then a branch that only changes a parameter, pushed: CI trains it."""
    root = tmp_path_factory.mktemp("rehearsal")
    with pytest.MonkeyPatch.context() as patch:
        use_s3_server(patch, s3_server)
        project = render(root / "work", dvc_remote_url=f"s3://{s3_server.bucket}/rehearsal")
        published = publish_with_branch(project, root, BRANCH, ("max_depth: 3", "max_depth: 1"), "Shallower trees")
        first_run = run_train_on_push(project, published.origin, s3_server, published.main_sha, root / "act-first")
        yield Rehearsal(project, published.origin, s3_server, published.main_sha, published.branch_sha, first_run, root)


def assert_reported_then_gated(run_: ActRun) -> None:
    """The job did its work and posted the report, then its quality gate failed on the worse model, by name."""
    for step in STEPS_BEFORE_THE_GATE:
        assert run_.step_ran(step), f"{step} did not succeed:\n{run_.output[-5000:]}"
    assert run_.step_failed("Quality gate"), run_.output[-5000:]
    assert GATE_FAILURE in run_.step_log, run_.step_log[-5000:]
    assert run_.returncode != 0


def test_train_job_trains_only_what_the_change_touched_and_gates_the_result(rehearsal: Rehearsal) -> None:
    run_ = rehearsal.first_run
    assert_reported_then_gated(run_)
    assert f"{STANDINS / 'bin' / 'cml'}" in run_.output  # "Install CML" found the stand-in, installed nothing
    # prepare's inputs are unchanged: its outputs come from the remote; the new max_depth retrains the rest.
    assert stages_executed(run_.output) == ["train", "evaluate"]


def test_report_is_posted_as_one_updatable_comment(rehearsal: Rehearsal) -> None:
    (call,) = rehearsal.first_run.cml_calls
    assert call["args"][:2] == ["comment", "update"]
    flags = sequence_flags(call["args"])
    assert flags["target"] == "auto"  # a push to a branch: its pull request when there is one
    assert flags["watermark-title"] == "Model report"
    assert call["args"][-1] == "report.md" == call["file"]["name"]
    # Nothing leaves for CML's image host, and CML sends no usage report.
    assert flags["publish"] == "false"
    assert call["reports_usage"] is False


def test_report_has_the_metrics_diff_params_diff_and_confusion_matrices(rehearsal: Rehearsal) -> None:
    report = rehearsal.first_run.cml_calls[0]["file"]
    text = report["text"]
    assert "origin/main" in text
    accuracy = re.search(r"^\| accuracy \| (\d\.\d{4}) \| (\d\.\d{4}) \| ([+-]\d\.\d{4}) \|$", text, re.MULTILINE)
    assert accuracy, text
    assert "| train.random_forest.max_depth | `3` | `1` |" in text
    assert re.search(r"\*\*Verdict: (better|worse|no clear change|unchanged)\.\*\*", text)
    assert "| macro_f1 falls by at most 0.05 | -0.0641 | **fail** |" in text
    rows = assert_confusion_counts_and_pictures(rehearsal.first_run, text, REPOSITORY)
    assert any("→" in cells for cells in rows.values()), "the branch's worse model changes some counts against main"


def test_new_dvc_lock_is_committed_back_to_the_branch_without_triggering_ci(rehearsal: Rehearsal) -> None:
    origin_head = git(rehearsal.origin, "rev-parse", BRANCH)
    assert git(rehearsal.origin, "rev-parse", f"{BRANCH}~1") == rehearsal.branch_sha
    assert "[skip ci]" in git(rehearsal.origin, "log", "-1", "--format=%s", origin_head)
    changed = git(rehearsal.origin, "diff", "--name-only", rehearsal.branch_sha, origin_head)
    assert changed.splitlines() == ["dvc.lock"]
    assert rehearsal.first_run.step_ran("Push the updated dvc.lock to the branch")


def test_a_branch_that_moved_during_training_keeps_its_newer_commits(rehearsal: Rehearsal, tmp_path: Path) -> None:
    """A run of the branch's older commit finishes after the branch moved on: its dvc.lock would overwrite newer
    work, so it is not pushed, and the job says why instead of blaming branch protection.
    """
    moved_to = git(rehearsal.origin, "rev-parse", BRANCH)  # CI's own dvc.lock commit, on top of branch_sha
    assert moved_to != rehearsal.branch_sha
    stale = tmp_path / "stale"
    run(["git", "clone", "--quiet", str(rehearsal.origin), str(stale)], cwd=tmp_path)
    git(stale, "checkout", "--quiet", "-B", BRANCH, rehearsal.branch_sha)

    result = run_train_on_push(stale, rehearsal.origin, rehearsal.server, rehearsal.main_sha, tmp_path / "act")

    assert result.step_ran("Push the updated dvc.lock to the branch"), result.output[-5000:]
    short = [git(rehearsal.origin, "rev-parse", "--short", sha) for sha in (moved_to, rehearsal.branch_sha)]
    assert f"{BRANCH} moved to {short[0]} while this run trained {short[1]}" in result.step_log, result.step_log
    assert git(rehearsal.origin, "rev-parse", BRANCH) == moved_to


def model_md5_in(lock: str) -> str:
    """The md5 a dvc.lock's text records for the model."""
    model_md5 = re.search(r"path: models/model\.joblib\n\s+hash: md5\n\s+md5: ([0-9a-f]{32})", lock)
    assert model_md5, lock
    return model_md5[1]


def test_model_in_the_new_dvc_lock_is_in_the_remote(rehearsal: Rehearsal) -> None:
    """The deploy workflow pulls the model dvc.lock records on main: after the merge, this one must be there."""
    model_md5 = model_md5_in(git(rehearsal.origin, "show", f"{BRANCH}:dvc.lock"))
    key = f"rehearsal/files/md5/{model_md5[:2]}/{model_md5[2:]}"
    assert key in rehearsal.server.keys("rehearsal/")


def test_second_push_without_pipeline_change_retrains_nothing(rehearsal: Rehearsal) -> None:
    """What CI does on the commit it pushed itself, or any push that changes no pipeline input."""
    git(rehearsal.project, "pull", "--quiet", "--ff-only", "origin", BRANCH)
    second = run_train_on_push(
        rehearsal.project, rehearsal.origin, rehearsal.server, rehearsal.branch_sha, rehearsal.scratch / "act-2"
    )
    assert_reported_then_gated(second)
    assert stages_executed(second.output) == []
    assert not second.step_ran("Push the updated dvc.lock to the branch")
    (call,) = second.cml_calls
    assert call["args"][:2] == ["comment", "update"]
    assert "| train.random_forest.max_depth | `3` | `1` |" in call["file"]["text"]  # still compared with main


def pull_request_event(head_sha: str, head_repository: str) -> dict[str, object]:
    return {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"ref": "main"},
            "head": {"ref": BRANCH, "sha": head_sha, "repo": {"full_name": head_repository}},
        },
        "repository": {"full_name": REPOSITORY, "default_branch": "main"},
    }


def test_opening_a_pull_request_posts_the_report_on_it(rehearsal: Rehearsal, tmp_path: Path) -> None:
    """The branch was trained by its push; opening the pull request restores that run and comments on the PR."""
    head_sha = git(rehearsal.origin, "rev-parse", BRANCH)
    event = pull_request_event(head_sha, REPOSITORY)
    env = workflow_env(rehearsal.server, rehearsal.origin)
    result = run_act(
        rehearsal.project, "train.yml", "pull_request", event, tmp_path, secrets=secrets(rehearsal.server), env=env
    )
    assert_reported_then_gated(result)
    assert not result.job_ran("Training skipped for a fork")
    assert stages_executed(result.output) == []
    (call,) = result.cml_calls
    assert call["args"][:2] == ["comment", "update"]
    assert sequence_flags(call["args"])["target"] == "pr"
    assert "origin/main" in call["file"]["text"]


def test_pull_request_from_a_fork_skips_training_and_says_why(rehearsal: Rehearsal, tmp_path: Path) -> None:
    event = pull_request_event(rehearsal.branch_sha, "someone/wine-classifier")
    env = workflow_env(rehearsal.server, rehearsal.origin)
    result = run_act(rehearsal.project, "train.yml", "pull_request", event, tmp_path, env=env)
    assert result.job_succeeded("Training skipped for a fork"), result.output[-5000:]
    assert "Training skipped" in result.output, result.output[-5000:]
    assert not result.job_ran(TRAIN_JOB)
    assert result.cml_calls == []


@pytest.fixture(scope="module")
def aws_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project that trains on AWS spot machines with a GPU, committed so that act can read its history."""
    project = render(
        tmp_path_factory.mktemp("aws"),
        runner="aws",
        cloud_region="eu-west",
        cloud_machine_type="xl",
        cloud_spot=True,
        cloud_gpu="v100",
    )
    commit_all(project, "Start")
    return project


CANONICAL = "099720109477"
UBUNTU_IMAGE = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261015"


def machine_images(folder: Path, *images: tuple[str, str, str]) -> Path:
    """What EC2 lists for the `aws` stand-in: (image id, owner, creation date) under Ubuntu's image name."""
    listing = folder / "images.json"
    listing.write_text(
        json.dumps(
            [
                {
                    "ImageId": image,
                    "OwnerId": owner,
                    "CreationDate": created,
                    "Name": UBUNTU_IMAGE,
                    "Architecture": arch,
                }
                for image, owner, created in images
                for arch in ("x86_64", "arm64")
            ]
        )
    )
    return listing


def launch_on_aws(project: Path, scratch: Path, images: Path) -> ActRun:
    return run_act(
        project,
        "train.yml",
        "push",
        push_event(BRANCH, "0" * 40),
        scratch,
        job="launch",
        secrets={**RUNNER_TOKEN_SECRET, "AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret"},
        env={**cloud_run_env("4242"), "AWS_IMAGES_FILE": str(images)},
    )


def test_launch_job_starts_one_single_use_runner_with_the_answers(aws_project: Path, tmp_path: Path) -> None:
    images = machine_images(
        tmp_path, ("ami-old", CANONICAL, "2026-09-01T00:00:00Z"), ("ami-new", CANONICAL, "2026-10-15T00:00:00Z")
    )
    result = launch_on_aws(aws_project, tmp_path, images)
    assert result.job_succeeded("Launch a cloud runner (aws)"), result.output[-5000:]
    assert "The machine image is ami-new, published by Canonical" in result.step_log
    (call,) = result.cml_calls
    assert call["args"][:2] == ["runner", "launch"]
    # The launch job has no checkout, so no git remote to take the repository from: it names it.
    assert call["repo"] == f"https://github.com/{REPOSITORY}"
    assert call["token_from"] == "REPO_TOKEN"
    assert call["reports_usage"] is False
    flags = sequence_flags(call["args"])
    assert {name: flags[name] for name in ("cloud", "cloud-region", "cloud-type", "cloud-gpu")} == {
        "cloud": "aws",
        "cloud-region": "eu-west",
        "cloud-type": "xl",
        "cloud-gpu": "v100",
    }
    assert "cloud-spot" in flags and "single" in flags
    assert int(flags["idle-timeout"]) > 0
    labels = flags["labels"].split(",")
    assert labels[0] == "cml" and labels[1].startswith("cml-4242-")
    assert re.search(rf"::set-output:: label={re.escape(labels[1])}", result.output)


def test_launch_refuses_an_image_of_the_same_name_from_another_account(aws_project: Path, tmp_path: Path) -> None:
    """Anyone can publish an image named like Ubuntu's: the newest one is what CML would boot, so it is checked."""
    images = machine_images(
        tmp_path,
        ("ami-ubuntu", CANONICAL, "2026-10-15T00:00:00Z"),
        ("ami-lookalike", "123456789012", "2026-11-30T00:00:00Z"),
    )
    result = launch_on_aws(aws_project, tmp_path, images)
    assert result.returncode != 0
    assert result.step_failed("Check the owner of the machine image"), result.output[-5000:]
    assert "is ami-lookalike of account 123456789012, not 099720109477 (Canonical)" in result.step_log
    assert result.cml_calls == []


def test_launch_without_the_runner_token_fails_with_what_to_do(aws_project: Path, tmp_path: Path) -> None:
    result = run_act(aws_project, "train.yml", "push", push_event(BRANCH, "0" * 40), tmp_path, job="launch")
    assert result.returncode != 0
    assert "CML_RUNNER_TOKEN is not set: create a classic personal access token" in result.step_log, result.output
    assert result.cml_calls == []


@dataclass(frozen=True)
class CloudRehearsal:
    """The Train workflow of a Kubernetes-runner project, all three jobs, on one push; the cluster afterwards."""

    run: ActRun
    machines_left: list[dict]


@pytest.fixture(scope="module")
def kubernetes_rehearsal(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudRehearsal]:
    """Launch (the `cml` stand-in starts a job in the rehearsal's cluster), train on that runner, clean up."""
    root = tmp_path_factory.mktemp("kubernetes")
    with pytest.MonkeyPatch.context() as patch:
        use_s3_server(patch, s3_server)
        project = render(root / "work", runner="kubernetes", dvc_remote_url=f"s3://{s3_server.bucket}/kubernetes")
        published = publish_with_branch(project, root, BRANCH, ("max_depth: 3", "max_depth: 1"), "Shallower trees")
        state = root / "clouds.json"
        result = run_act(
            project,
            "train.yml",
            "push",
            push_event(BRANCH, published.main_sha),
            root / "act",
            secrets={**secrets(s3_server), **RUNNER_TOKEN_SECRET, "KUBERNETES_CONFIGURATION": KUBECONFIG},
            env={**workflow_env(s3_server, published.origin), **cloud_run_env("4343", state)},
        )
        yield CloudRehearsal(result, json.loads(state.read_text()) if state.is_file() else [])


def test_cloud_runner_is_launched_trained_on_and_removed_even_when_training_fails(
    kubernetes_rehearsal: CloudRehearsal,
) -> None:
    """The branch's worse model fails the quality gate, so the training job fails: its machine goes all the same."""
    run_ = kubernetes_rehearsal.run
    assert run_.job_succeeded("Launch a cloud runner (kubernetes)"), run_.output[-5000:]
    launch, comment = run_.cml_calls
    assert launch["args"][:2] == ["runner", "launch"] and comment["args"][:2] == ["comment", "update"]
    machine = launch["machine"]
    assert machine.startswith("cml-cml-4343-1-")

    assert_reported_then_gated(run_)
    assert stages_executed(run_.output) == ["train", "evaluate"]

    assert run_.job_succeeded("Remove this run's cloud machine"), run_.output[-5000:]
    assert f"Removing {machine} (run 4343-1, launched 0 h ago)" in run_.step_log
    assert kubernetes_rehearsal.machines_left == []


def test_a_base_whose_results_were_never_pushed_fails_the_run_with_what_to_push(
    s3_server: S3Server, tmp_path: Path
) -> None:
    """main was trained and committed, but its outputs never reached the remote: the branch's report cannot
    compare, and the run must say so rather than call the branch a first result and pass the gate."""
    with pytest.MonkeyPatch.context() as patch:
        use_s3_server(patch, s3_server)
        project = render(tmp_path / "work", dvc_remote_url=f"s3://{s3_server.bucket}/never-pushed")
        dvc_repro(project)
        commit_all(project, "First model, never pushed")
        # The raw data is in the remote; what main's pipeline produced is not.
        run([VENV_BIN / "dvc", "push", "data/raw/wine.csv.dvc"], cwd=project, env=project_env(project))
        origin = push_to_new_origin(project, tmp_path)
        main_sha = git(project, "rev-parse", "HEAD")
        push_branch(project, BRANCH, ("max_depth: 3", "max_depth: 1"), "Shallower trees")
        result = run_train_on_push(project, origin, s3_server, main_sha, tmp_path / "act")

    assert result.step_failed("Train, push the results and write the report"), result.output[-5000:]
    assert "error: cannot read metrics/metrics.json of 'origin/main': its dvc.lock records them" in result.step_log
    assert "push them from a clone that has them" in result.step_log
    assert not result.step_ran("Quality gate") and result.cml_calls == []


# The clouds' own credentials, as the repository's secrets hold them.
CLOUD_SECRETS = {
    "aws": {"AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret"},
    "gcp": {
        "GOOGLE_APPLICATION_CREDENTIALS_DATA": json.dumps(
            {"type": "service_account", "client_email": "ci@proj.iam.gserviceaccount.com", "project_id": "proj"}
        )
    },
    "azure": {
        "AZURE_CLIENT_ID": "client",
        "AZURE_CLIENT_SECRET": "secret",
        "AZURE_SUBSCRIPTION_ID": "subscription",
        "AZURE_TENANT_ID": "tenant",
    },
}


@pytest.mark.parametrize("cloud", sorted(CLOUD_SECRETS))
def test_a_machine_whose_runner_never_registered_is_removed(cloud: str, tmp_path: Path) -> None:
    """CML creates the machine, its runner never comes online, the launch fails and CML leaves the machine (the
    `cml` stand-in does as CML does). Training is skipped; the clean-up job signs in to the cloud with the
    repository's secrets and removes the machine."""
    project = render(tmp_path / "work", runner=cloud)
    commit_all(project, "Start")
    state = tmp_path / "clouds.json"
    images = machine_images(tmp_path, ("ami-ubuntu", CANONICAL, "2026-10-15T00:00:00Z"))
    result = run_act(
        project,
        "train.yml",
        "push",
        push_event(BRANCH, "0" * 40),
        tmp_path / "act",
        secrets={**RUNNER_TOKEN_SECRET, **CLOUD_SECRETS[cloud]},
        env={
            **cloud_run_env("4444", state),
            "AWS_IMAGES_FILE": str(images),
            "CML_STANDIN_RUNNER_NEVER_READY": "1",
            "REHEARSAL_ORIGIN": str(project),
        },
    )
    assert result.step_failed("Launch the runner"), result.output[-5000:]
    assert not result.job_ran(TRAIN_JOB)
    assert result.job_succeeded("Remove this run's cloud machine"), result.output[-5000:]
    assert re.search(r"Removing cml-cml-4444-1-\w+-\w+ \(run 4444-1, launched 0 h ago\)", result.step_log), (
        result.step_log
    )
    assert json.loads(state.read_text()) == []


def test_a_remote_on_the_users_own_disk_stops_training_with_what_to_set(tmp_path: Path) -> None:
    """A project made with a local folder as its DVC remote: CI cannot reach it, and says so before training."""
    project = render(tmp_path / "work", dvc_remote_url=str(tmp_path / "dvc-store"))
    commit_all(project, "Start")
    result = run_act(
        project,
        "train.yml",
        "push",
        push_event(BRANCH, "0" * 40),
        tmp_path / "act",
        env={"REHEARSAL_ORIGIN": str(project)},
    )
    assert result.step_failed("Check the DVC remote"), result.output[-5000:]
    assert "the DVC remote is a folder on your machine, which CI cannot reach" in result.step_log
    assert not result.step_ran("Train, push the results and write the report") and result.cml_calls == []


def train_a_branch_against(
    tmp_path: Path, url: str, shell_env: dict[str, str], secrets_: dict[str, str], act_env: dict[str, str]
) -> tuple[ActRun, str]:
    """A project on `url`, main pushed and a branch with a worse model pushed (with a user's `shell_env`), then
    Train on the branch's push with the repository's `secrets_`; returns the run and the branch's new dvc.lock."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in shell_env.items():
            patch.setenv(name, value)
        project = render(tmp_path / "work", dvc_remote_url=url)
        published = publish_with_branch(project, tmp_path, BRANCH, ("max_depth: 3", "max_depth: 1"), "Shallower")
    env = {
        "REHEARSAL_ORIGIN": str(published.origin),
        "VENV": str(VENV_BIN.parent),
        "PYTHONPATH": "src",
        "DVC_NO_ANALYTICS": "1",
        "GITHUB_REPOSITORY": REPOSITORY,
        **act_env,
    }
    secrets_ = {"GITHUB_TOKEN": "token-for-the-rehearsal", **secrets_}
    event = push_event(BRANCH, published.main_sha)
    result = run_act(project, "train.yml", "push", event, tmp_path / "act", secrets=secrets_, env=env)
    return result, git(published.origin, "show", f"{BRANCH}:dvc.lock")


def assert_trained_and_pushed(result: ActRun, lock: str, stored: list[str]) -> None:
    assert_reported_then_gated(result)
    assert stages_executed(result.output) == ["train", "evaluate"]
    model_md5 = model_md5_in(lock)
    assert f"dvc/files/md5/{model_md5[:2]}/{model_md5[2:]}" in stored


def test_train_job_reaches_an_azure_remote_with_the_secret_it_is_given(tmp_path: Path) -> None:
    """The job hands the repository's AZURE_STORAGE_CONNECTION_STRING secret to DVC (the remote is Azurite, Azure's
    own emulator), trains what the branch changed, and pushes the new model there."""
    with running_azurite(tmp_path) as azure:
        azure.create_container("rehearsal")
        connection = {"AZURE_STORAGE_CONNECTION_STRING": azure.connection_string}
        result, lock = train_a_branch_against(tmp_path, "azure://rehearsal/dvc", connection, connection, {})
        stored = azure.blobs("rehearsal")
    assert_trained_and_pushed(result, lock, stored)


def test_train_job_reaches_a_google_remote_with_the_key_it_is_given(tmp_path: Path) -> None:
    """The job writes the GOOGLE_APPLICATION_CREDENTIALS_DATA secret to a file for DVC, which signs in with it
    (at the key's token endpoint) and pushes the branch's new model to the bucket."""
    with running_google_storage(tmp_path, "rehearsal") as google:
        key_file = tmp_path / "service-account.json"
        key_file.write_text(google.service_account_key)
        shell = {**google.env, "GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}
        key = {"GOOGLE_APPLICATION_CREDENTIALS_DATA": google.service_account_key}
        result, lock = train_a_branch_against(tmp_path, "gs://rehearsal/dvc", shell, key, google.env)
        stored = google.objects("rehearsal")
    assert_trained_and_pushed(result, lock, stored)
