"""The CI training job's decisions, against GitHub's event data and real git repositories made in tmp_path."""

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.core.paths import LOCK_FILE
from {{ cookiecutter.package_name }}.core.step_outputs import write_step_outputs
from {{ cookiecutter.package_name }}.ct.ci import (
    GitHubEvent,
    ReportPlan,
    commit_lock,
    continuous_training,
    existing_revision,
    lock_changed,
    plan_report,
    run_page,
)
from {{ cookiecutter.package_name }}.ct.ci_pipeline import reproduce

PARAMS = Path(__file__).parents[1] / "params.yaml"
PRIMARY = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))["report"]["primary_metric"]
BEFORE = "3b18e512dba79e4c8300dd08aeb37f8e728b8dad"
NULL_COMMIT = "0" * 40


@pytest.mark.parametrize(
    ("event", "plan"),
    [
        pytest.param(
            GitHubEvent(name="pull_request", ref_name="12/merge", base_ref="develop", before=BEFORE),
            ReportPlan(base="origin/develop", comment_target="pr"),
            id="pull request: its base branch, comment on it",
        ),
        pytest.param(
            GitHubEvent(name="push", ref_name="main", before=BEFORE),
            ReportPlan(base=BEFORE, comment_target="commit"),
            id="push to main: the commit it follows",
        ),
        pytest.param(
            GitHubEvent(name="push", ref_name="main", before=NULL_COMMIT),
            ReportPlan(base="HEAD~1", comment_target="commit"),
            id="new default branch: its parent",
        ),
        pytest.param(
            GitHubEvent(name="workflow_dispatch", ref_name="main"),
            ReportPlan(base="HEAD~1", comment_target="commit"),
            id="manual run on main: no before, its parent",
        ),
        pytest.param(
            GitHubEvent(name="push", ref_name="feature", before=BEFORE),
            ReportPlan(base="origin/main", comment_target="auto"),
            id="push to a branch: the default branch",
        ),
        pytest.param(
            GitHubEvent(name="push", ref_name="feature", before=BEFORE, default_branch="trunk"),
            ReportPlan(base="origin/trunk", comment_target="auto"),
            id="branch of a repository whose default is trunk",
        ),
        pytest.param(
            GitHubEvent(name="push", ref_name="trunk", before=BEFORE, default_branch="trunk"),
            ReportPlan(base=BEFORE, comment_target="commit"),
            id="push to trunk when trunk is the default",
        ),
        pytest.param(
            GitHubEvent(name="push", ref_name="main", before=BEFORE, default_branch="trunk"),
            ReportPlan(base="origin/trunk", comment_target="auto"),
            id="main is just a branch when trunk is the default",
        ),
    ],
)
def test_plan_report(event: GitHubEvent, plan: ReportPlan) -> None:
    """The report's base decides what the comment claims the change did: each event has exactly one."""
    assert plan_report(event) == plan


def test_no_event_outside_github_actions(tmp_path: Path) -> None:
    """On a laptop (even with stray GITHUB_* variables) `--base` decides, not an event."""
    assert GitHubEvent.from_environment({}) is None
    assert GitHubEvent.from_environment({"GITHUB_ACTIONS": "false", "GITHUB_EVENT_NAME": "push"}) is None


def test_the_report_links_to_the_run_page_in_github_actions_only() -> None:
    environ = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "17"}
    assert run_page({**environ, "GITHUB_ACTIONS": "true"}) == "https://github.com/o/r/actions/runs/17"
    assert run_page(environ) is None


def write_payload(tmp_path: Path, payload: dict) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def test_event_read_from_the_workflow_environment(tmp_path: Path) -> None:
    """The name and refs come from GITHUB_* variables; `before` and the default branch from the payload file."""
    repository = {"default_branch": "trunk", "name": "wine"}
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF_NAME": "feature/x",
        "GITHUB_BASE_REF": "",
        "GITHUB_EVENT_PATH": write_payload(tmp_path, {"before": BEFORE, "repository": repository}),
    }
    assert GitHubEvent.from_environment(environ) == GitHubEvent(
        name="push", ref_name="feature/x", base_ref="", before=BEFORE, default_branch="trunk"
    )


def test_pull_request_event_read_from_the_workflow_environment(tmp_path: Path) -> None:
    """A pull request's base branch is GITHUB_BASE_REF; its payload has no `before`."""
    repository = {"default_branch": "main"}
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REF_NAME": "7/merge",
        "GITHUB_BASE_REF": "release",
        "GITHUB_EVENT_PATH": write_payload(tmp_path, {"number": 7, "repository": repository}),
    }
    event = GitHubEvent.from_environment(environ)
    assert event == GitHubEvent(name="pull_request", ref_name="7/merge", base_ref="release")
    assert event is not None
    assert plan_report(event) == ReportPlan(base="origin/release", comment_target="pr")


def test_event_without_a_payload_file_uses_defaults(tmp_path: Path) -> None:
    """A missing payload is no reason to stop the training: no `before`, default branch main."""
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF_NAME": "main",
        "GITHUB_EVENT_PATH": str(tmp_path / "absent.json"),
    }
    event = GitHubEvent.from_environment(environ)
    assert event == GitHubEvent(name="push", ref_name="main")
    assert event is not None
    assert plan_report(event) == ReportPlan(base="HEAD~1", comment_target="commit")


def test_step_outputs_are_appended_to_github_output(tmp_path: Path) -> None:
    """Later steps read `name=value` lines; lines that earlier steps wrote must stay."""
    output = tmp_path / "github_output"
    output.write_text("earlier=1\n")

    write_step_outputs({"comment-target": "pr", "lock-committed": "true"}, {"GITHUB_OUTPUT": str(output)})

    assert output.read_text() == "earlier=1\ncomment-target=pr\nlock-committed=true\n"


def test_step_outputs_without_github_output_write_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside GitHub Actions the outputs have nowhere to go, and no file appears."""
    monkeypatch.chdir(tmp_path)
    write_step_outputs({"comment-target": "pr"}, {})
    write_step_outputs({"comment-target": "pr"}, {"GITHUB_OUTPUT": ""})
    assert list(tmp_path.iterdir()) == []


def git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty git repository as the cwd; git's identity from the environment, no user or system config."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "CI test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "ci-test@example.com")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    git("init", "--quiet", "--initial-branch=main")
    return root


def commit_file(name: str, text: str) -> str:
    """Commit one file; return the new commit's sha."""
    Path(name).write_text(text)
    git("add", name)
    git("commit", "--quiet", "--message", f"add {name}")
    return git("rev-parse", "HEAD").strip()


def test_existing_revisions_are_kept(repo: Path) -> None:
    """With history to compare with, the planned base is used as it is."""
    first = commit_file("a.txt", "1")
    commit_file("b.txt", "2")
    git("branch", "trunk", first)

    assert existing_revision("HEAD~1") == "HEAD~1"
    assert existing_revision(first) == first
    assert existing_revision("trunk") == "trunk"


def test_first_commit_is_compared_with_itself(repo: Path) -> None:
    """The first push of a repository has no parent: the report compares with HEAD instead of failing."""
    commit_file("a.txt", "1")
    assert existing_revision("HEAD~1") == "HEAD"


@pytest.mark.parametrize("revision", ["origin/trunk", "no-such-branch", "9" * 40])
def test_unknown_revisions_become_the_parent_commit(repo: Path, revision: str) -> None:
    """A base branch or `before` commit this clone lacks (a forced push) falls back to the previous commit."""
    commit_file("a.txt", "1")
    commit_file("b.txt", "2")
    assert existing_revision(revision) == "HEAD~1"


def test_unknown_revision_on_a_first_commit_becomes_head(repo: Path) -> None:
    commit_file("a.txt", "1")
    assert existing_revision("no-such-branch") == "HEAD"


def test_a_tree_is_not_a_revision_to_compare_with(repo: Path) -> None:
    """Only commits can be compared: an object that is not one falls back like an unknown revision."""
    commit_file("a.txt", "1")
    tree = git("rev-parse", "HEAD^{tree}").strip()
    assert existing_revision(tree) == "HEAD"


def test_committed_lock_is_unchanged(repo: Path) -> None:
    commit_file(LOCK_FILE, "schema: '2.0'\n")
    assert not lock_changed()


def test_modified_lock_is_changed(repo: Path) -> None:
    """A retrained model shows as a modified dvc.lock; other files do not count."""
    commit_file(LOCK_FILE, "schema: '2.0'\n")
    Path("report.md").write_text("untracked report")
    assert not lock_changed()
    Path(LOCK_FILE).write_text("schema: '2.0'\nstages: {}\n")
    assert lock_changed()


def test_staged_lock_is_changed(repo: Path) -> None:
    """DVC's autostage `git add`s dvc.lock after a run: staged counts as changed."""
    commit_file(LOCK_FILE, "schema: '2.0'\n")
    Path(LOCK_FILE).write_text("schema: '2.0'\nstages: {}\n")
    git("add", LOCK_FILE)
    assert lock_changed()


def test_new_lock_is_changed(repo: Path) -> None:
    """The first run on a branch creates dvc.lock: it must be committed too."""
    commit_file("dvc.yaml", "stages: {}\n")
    Path(LOCK_FILE).write_text("schema: '2.0'\n")
    assert lock_changed()


@pytest.mark.parametrize("tracked", [True, False], ids=["modified lock", "new lock"])
def test_commit_lock_commits_only_the_lock_and_skips_ci(repo: Path, tracked: bool) -> None:
    """The commit CI pushes holds dvc.lock alone, and its message keeps GitHub from training it again."""
    commit_file("params.yaml", "seed: 1\n")
    if tracked:
        commit_file(LOCK_FILE, "schema: '2.0'\n")
    Path(LOCK_FILE).write_text("schema: '2.0'\nstages: {}\n")
    Path("params.yaml").write_text("seed: 2\n")
    git("add", "params.yaml")
    Path("report.md").write_text("untracked report")

    commit_lock()

    assert "[skip ci]" in git("log", "-1", "--format=%B")
    assert git("show", "--name-only", "--format=", "HEAD").split() == [str(LOCK_FILE)]
    assert git("show", f"HEAD:{LOCK_FILE}") == "schema: '2.0'\nstages: {}\n"
    assert git("status", "--porcelain", "--", LOCK_FILE) == ""
    assert not lock_changed()
    # Whatever else the run left in the workspace stays out of the commit, untouched.
    assert git("status", "--porcelain").splitlines() == ["M  params.yaml", "?? report.md"]


MODEL_BYTES = b"a trained model"
TRAIN_SCRIPT = f"""\
import json
from pathlib import Path

Path("models").mkdir(exist_ok=True)
Path("models/model.joblib").write_bytes({MODEL_BYTES!r})
Path("metrics").mkdir(exist_ok=True)
Path("metrics/metrics.json").write_text(json.dumps(dict([({PRIMARY!r}, 0.8)])))
"""


@pytest.fixture
def pipeline_repo(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A branch before its first training: a one-stage pipeline committed, no dvc.lock; an empty folder remote."""
    from dvc.repo import Repo

    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    monkeypatch.setenv("DVC_SITE_CACHE_DIR", str(repo.parent / "site_cache"))
    (repo.parent / "remote").mkdir()
    Repo.init(str(repo)).close()
    with Repo(str(repo)) as dvc_repo, dvc_repo.config.edit() as config:
        config["remote"]["store"] = dict(url=str(repo.parent / "remote"))
        config["core"]["remote"] = "store"
    shutil.copy(PARAMS, "params.yaml")
    Path("train.py").write_text(TRAIN_SCRIPT)
    command = json.dumps(shlex.join([sys.executable, "train.py"]))
    Path("dvc.yaml").write_text(
        f"stages:\n  train:\n    cmd: {command}\n    deps: [train.py]\n"
        "    outs: [models/model.joblib, metrics/metrics.json]\nmetrics: [metrics/metrics.json]\n"
    )
    git("add", "-A")
    git("commit", "--quiet", "--message", "pipeline")
    return repo


def test_continuous_training_trains_pushes_reports_and_commits_the_lock(pipeline_repo: Path) -> None:
    """`make ci` end to end: the remote gets the model and its run, the report is written, dvc.lock committed."""
    model_md5 = hashlib.md5(MODEL_BYTES, usedforsecurity=False).hexdigest()

    assert continuous_training("HEAD", Path("report.md"), None) is True

    remote = pipeline_repo.parent / "remote"
    assert (remote / "files" / "md5" / model_md5[:2] / model_md5[2:]).read_bytes() == MODEL_BYTES
    assert any((remote / "runs").rglob("*")), "the run-cache was not pushed"
    report = Path("report.md").read_text()
    assert "**Verdict: first result.**" in report
    assert f"| {PRIMARY} | — | 0.8000 | — |" in report
    assert "[skip ci]" in git("log", "-1", "--format=%B")
    assert git("show", "--name-only", "--format=", "HEAD").split() == [str(LOCK_FILE)]
    assert model_md5 in git("show", f"HEAD:{LOCK_FILE}")
    assert not lock_changed()


def test_a_change_seen_before_comes_from_its_own_run_entries_alone(pipeline_repo: Path) -> None:
    """On a clean checkout, a stage that must run fetches its own key's run entries, not the remote's others, and
    is restored from them instead of running.
    """
    counted = TRAIN_SCRIPT + 'with open("../trainings.log", "a") as log:\n    log.write("trained\\n")\n'
    runs_log = pipeline_repo.parent / "trainings.log"
    Path("train.py").write_text(counted)
    continuous_training("HEAD", Path("report.md"), None)
    first_lock = Path(LOCK_FILE).read_text()
    commit_file("train.py", counted + "# a second version\n")
    continuous_training("HEAD~1", Path("report.md"), None)
    remote_runs = pipeline_repo.parent / "remote" / "runs"
    own_keys = {path.name for path in remote_runs.glob("*/*")}
    other = remote_runs / "ab" / ("ab" + "0" * 62) / ("1" * 64)
    other.parent.mkdir(parents=True)
    other.write_text("cmd: python other.py\n")
    commit_file("train.py", counted)
    for folder in (".dvc/cache", "models", "metrics"):
        shutil.rmtree(folder)

    assert reproduce((Path("metrics/metrics.json"),)) == ["train"]

    assert runs_log.read_text().splitlines() == ["trained", "trained"], "the stage ran instead of being restored"
    fetched = {path.name for path in Path(".dvc/cache/runs").glob("*/*")}
    assert len(fetched) == 1 and fetched < own_keys
    assert Path(LOCK_FILE).read_text() == first_lock
    assert Path("models/model.joblib").read_bytes() == MODEL_BYTES
