"""The hooks: bad answers stop generation with one line and leave nothing behind; missing tools do not."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from ..support.helpers import TEMPLATE_DIR, VENV_BIN, project_env, render, run
from ..support.tasks import (
    CLOUD_RUNNER_FILES,
    DVC_SETUP_FILES,
    OPTIONS,
    TASKS,
    expected_files,
    pack_files,
    project_files,
)

BAD_ANSWERS = [
    ({"package_name": "class"}, "package_name 'class' is a Python keyword"),
    ({"package_name": "my-model"}, "package_name 'my-model' is not a Python identifier"),
    ({"project_name": "3D Scans"}, "package_name '3d_scans' is not a Python identifier"),
    ({"project_slug": "my project"}, "project_slug 'my project' is not a valid repository name"),
    ({"project_slug": "team/model"}, "project_slug 'team/model' is not a valid repository name"),
    ({"dvc_remote_url": "ftp://host/store"}, "unsupported scheme 'ftp': use s3://bucket/path"),
    ({"dvc_remote_url": "s3://"}, "names no bucket: write it as s3://<bucket>/<path>"),
    ({"dvc_remote_url": "gs:/bucket/ct"}, "'gs:/bucket/ct' is a URL without its two slashes: write gs://bucket/ct"),
    ({"dvc_remote_url": " "}, "dvc_remote_url is empty"),
    ({"runner": "github-hosted", "cloud_spot": True}, "cloud_spot applies to runner aws, gcp or azure"),
    ({"runner": "kubernetes", "cloud_spot": True}, "cloud_spot applies to runner aws, gcp or azure, not kubernetes"),
    ({"runner": "github-hosted", "cloud_gpu": "v100"}, "cloud_gpu 'v100' needs a cloud runner"),
    ({"runner": "aws", "cloud_region": "us east"}, "cloud_region 'us east' must be one word"),
    ({"runner": "aws", "cloud_machine_type": "m;reboot"}, "cloud_machine_type 'm;reboot' must be one word"),
    ({"runner": "gcp", "cloud_gpu": "$(id)"}, "cloud_gpu '$(id)' must be one word"),
    ({"runner": "kubernetes", "cloud_machine_type": "t2.micro"}, "'t2.micro' is not a Kubernetes machine type"),
    ({"runner": "kubernetes", "cloud_machine_type": "4-16000+t4"}, "'4-16000+t4' is not a Kubernetes machine type"),
    (
        {"runner": "kubernetes", "cloud_machine_type": "4-16000", "cloud_gpu": "t4"},
        "answer 'nogpu' and give the GPU in the type, such as 4-16000+t4*1",
    ),
]


@pytest.mark.parametrize(("answers", "message"), BAD_ANSWERS, ids=[message for _, message in BAD_ANSWERS])
def test_bad_answers_stop_with_one_line_and_no_folder(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], answers: dict, message: str
) -> None:
    with pytest.raises(FailedHookException):
        render(tmp_path, **answers)

    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert message in errors[0]
    assert [path for path in tmp_path.rglob("*") if not path.is_dir()] == []  # a slug with '/' leaves its empty parent


def test_unsupported_python_version_is_refused_before_rendering(tmp_path: Path) -> None:
    """python_version is a choice: cookiecutter itself refuses any other value, naming the choices."""
    with pytest.raises(ValueError, match=r"3\.9 provided for choice variable python_version, but the choices are"):
        render(tmp_path, python_version="3.9")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="session")
def cookiecutter_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with cookiecutter alone, as after `pipx install cookiecutter`: no DVC anywhere."""
    venv = tmp_path_factory.mktemp("cookiecutter-only") / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pins = [
        line
        for line in (TEMPLATE_DIR / "requirements.txt").read_text().splitlines()
        if line.startswith("cookiecutter==")
    ]
    subprocess.run([venv / "bin/python", "-m", "pip", "install", "--quiet", *pins], check=True)
    return venv / "bin"


def render_with_path(output_dir: Path, search_path: str) -> subprocess.CompletedProcess[str]:
    """Run the cookiecutter command line with a PATH that lacks some tools."""
    env = {**os.environ, "PATH": search_path}
    command = [
        f"{search_path.split(os.pathsep)[0]}/cookiecutter",
        "--no-input",
        str(TEMPLATE_DIR),
        "-o",
        str(output_dir),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def manual_commands(output: str, marker: str) -> str:
    """The shell line the hook asked the user to run."""
    match = re.search(rf"{marker}: (.+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def dvc_analytics_enabled(project: Path) -> bool:
    """DVC's own decision in the project, without the DVC_NO_ANALYTICS that this suite sets for every test."""
    env = project_env(project)
    env.pop("DVC_NO_ANALYTICS", None)
    check = "from dvc import analytics; print(analytics.is_enabled())"
    return run([VENV_BIN / "python", "-c", check], project, env).stdout.strip() == "True"


def test_dvc_analytics_are_off_in_the_committed_config(tmp_path: Path) -> None:
    """Otherwise every DVC command forks a reporting process at exit, about 1.3 s of CPU that CI's stages need."""
    project = render(tmp_path)
    assert not dvc_analytics_enabled(project)
    staged = run(["git", "diff", "--cached", "--name-only"], cwd=project).stdout.split()
    assert ".dvc/config" in staged
    config = project / ".dvc/config"
    config.write_text(re.sub(r"(?m)^\s*analytics = .*$", "", config.read_text()))
    assert dvc_analytics_enabled(project), "the committed config line is what turns them off"


def assert_dvc_git_hooks(project: Path) -> None:
    """DVC's git hooks are in place: a branch switch checks out its outputs, a push sends them."""
    for hook, command in (("post-checkout", "dvc git-hook post-checkout"), ("pre-push", "dvc git-hook pre-push")):
        path = project / ".git/hooks" / hook
        assert path.is_file(), f"no {hook} hook"
        assert command in path.read_text(), path.read_text()
        assert os.access(path, os.X_OK), f"the {hook} hook is not executable"


def test_dvc_git_hooks_are_installed(tmp_path: Path) -> None:
    assert_dvc_git_hooks(render(tmp_path))


@pytest.mark.slow
def test_without_dvc_the_project_is_complete_and_says_what_to_run(tmp_path: Path, cookiecutter_only: Path) -> None:
    result = render_with_path(tmp_path, f"{cookiecutter_only}{os.pathsep}/usr/bin{os.pathsep}/bin")
    assert result.returncode == 0, result.stderr
    project = tmp_path / "wine-classifier"
    assert project_files(project) == expected_files("wine_classifier", with_dvc=False)
    assert (project / ".git").is_dir()
    assert "DVC not found" in result.stderr

    commands = manual_commands(result.stderr, r"\. \.venv/bin/activate`, then")
    run(["bash", "-c", commands], cwd=project, env=project_env(project))
    assert project_files(project) == expected_files("wine_classifier")
    assert run([VENV_BIN / "dvc", "status"], cwd=project).returncode == 0
    assert_dvc_git_hooks(project)


@pytest.mark.slow
def test_dvc_as_a_separate_command_sets_up_the_project(tmp_path: Path, cookiecutter_only: Path) -> None:
    """DVC on PATH but not importable by cookiecutter's Python (as after `pipx install dvc`): the hook runs it."""
    dvc_only = tmp_path / "dvc-only"
    dvc_only.mkdir()
    (dvc_only / "dvc").symlink_to(VENV_BIN / "dvc")
    result = render_with_path(
        tmp_path / "out", os.pathsep.join([str(cookiecutter_only), str(dvc_only), "/usr/bin", "/bin"])
    )
    assert result.returncode == 0, result.stderr
    project = tmp_path / "out" / "wine-classifier"
    assert project_files(project) == expected_files("wine_classifier")
    assert "url = s3://my-bucket/wine-classifier/dvc" in (project / ".dvc/config").read_text()
    assert not dvc_analytics_enabled(project)
    staged = run(["git", "diff", "--cached", "--name-only"], cwd=project).stdout.split()
    assert "data/raw/wine.csv.dvc" in staged
    assert_dvc_git_hooks(project)


@pytest.mark.slow
def test_without_git_the_project_is_complete_and_says_what_to_run(tmp_path: Path, cookiecutter_only: Path) -> None:
    result = render_with_path(tmp_path, str(cookiecutter_only))
    assert result.returncode == 0, result.stderr
    project = tmp_path / "wine-classifier"
    assert project_files(project) == expected_files("wine_classifier", with_dvc=False)
    assert not (project / ".git").exists()
    assert "git not found" in result.stderr

    run(["bash", "-c", manual_commands(result.stderr, "run in the project")], cwd=project, env=project_env(project))
    assert (project / ".git").is_dir()
    assert project_files(project) == expected_files("wine_classifier")
    assert_dvc_git_hooks(project)


def render_without_hooks(output_dir: Path, **context: str) -> Path:
    """The template as Jinja alone renders it: the packs still in their folder, nothing removed, no git or DVC."""
    return Path(
        cookiecutter(
            str(TEMPLATE_DIR), no_input=True, extra_context=context, output_dir=str(output_dir), accept_hooks=False
        )
    )


@pytest.mark.parametrize("task", OPTIONS["task"])
def test_the_task_packs_add_their_files_and_the_packs_go(tmp_path: Path, task: str) -> None:
    """The hook's packs, compared file by file with the hook-less render of the same answers.

    Each of the task's packs adds its files as rendered, every shared file stays as rendered, the other tasks'
    packs bring nothing, and `packs/` never reaches a project.
    """
    context = {"project_name": "Review Sentiment", "task": task}
    package = "review_sentiment"
    unhooked = render_without_hooks(tmp_path / "unhooked", **context)
    project = render(tmp_path / "hooked", **context)

    shared = {name for name in project_files(unhooked) if not name.startswith("packs/")} - CLOUD_RUNNER_FILES
    added = {f"packs/{pack}/{name}": name for pack in TASKS[task]["packs"] for name in pack_files(pack, package)}
    dvc_files = DVC_SETUP_FILES | {f"{TASKS[task]['sample']}.dvc"}

    assert not (project / "packs").exists()
    assert project_files(project) == shared | set(added.values()) | dvc_files
    for source, name in added.items():
        assert (project / name).read_bytes() == (unhooked / source).read_bytes(), f"{name} is not its pack's"
    for name in shared - dvc_files:
        assert (project / name).read_bytes() == (unhooked / name).read_bytes(), f"the hook changed {name}"

    # The task's own sample is the one under DVC: ignored by git, its .dvc file staged for the first commit.
    staged = run(["git", "diff", "--cached", "--name-only"], cwd=project).stdout.split()
    sample = TASKS[task]["sample"]
    assert f"{sample}.dvc" in staged
    assert sample not in staged
    assert run(["git", "check-ignore", "--quiet", sample], cwd=project, check=False).returncode == 0
