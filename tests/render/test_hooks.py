"""The hooks: bad answers stop generation with one line and leave nothing behind; missing tools do not."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from ..support.helpers import TEMPLATE_DIR, VENV_BIN, project_env, render, run, stages_run
from ..support.tasks import (
    CLOUD_RUNNER_FILES,
    DVC_SETUP_FILES,
    OPTIONS,
    TASKS,
    expected_files,
    pack_files,
    project_files,
)

# The author of the first commit, which git asks the user for: there is none in their environment here.
IDENTITY = {"NAME": "Ada Lovelace", "EMAIL": "ada@example.com"}

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
def test_bad_answers_stop_with_one_line_and_no_folder(tmp_path: Path, answers: dict, message: str) -> None:
    with pytest.raises(FailedHookException) as refused:
        render(tmp_path, **answers)

    assert str(refused.value).startswith("error: ")
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert list(tmp_path.rglob("*")) == []


def test_the_command_line_prints_a_refused_answer_alone(tmp_path: Path) -> None:
    """What the user sees: the one line, exit code 1, no traceback nor other line from cookiecutter."""
    command = [VENV_BIN / "cookiecutter", "--no-input", TEMPLATE_DIR, "dvc_remote_url=gs:/bucket", "-o", tmp_path]
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert (result.stdout + result.stderr).splitlines() == [
        "error: dvc_remote_url 'gs:/bucket' is a URL without its two slashes: write gs://bucket"
    ]
    assert list(tmp_path.iterdir()) == []


def test_a_bad_answer_is_refused_before_the_next_question(tmp_path: Path) -> None:
    """Interactively, the package name is checked as soon as it is given, not after all the questions."""
    command = [VENV_BIN / "cookiecutter", TEMPLATE_DIR, "-o", tmp_path]
    answers = "Wine Classifier\n\nclass\n" + "\n" * 20
    result = subprocess.run([str(part) for part in command], input=answers, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "error: package_name 'class' is a Python keyword" in result.stdout
    assert "[3/" in result.stdout and "[4/" not in result.stdout, result.stdout


def test_unsupported_python_version_is_refused_before_rendering(tmp_path: Path) -> None:
    """python_version is a choice: cookiecutter itself refuses any other value, naming the choices."""
    with pytest.raises(ValueError, match=r"3\.9 provided for choice variable python_version, but the choices are"):
        render(tmp_path, python_version="3.9")
    assert list(tmp_path.iterdir()) == []


# Where a user's machine keeps its tools: git and make, but no DVC.
SYSTEM_PATH = os.pathsep.join(["/usr/bin", "/bin"])


def without_dvc_module(folder: Path) -> Path:
    """A folder for PYTHONPATH whose sitecustomize makes `import dvc` fail in every Python that sees it.

    cookiecutter runs the hook with its own Python, as a child process that inherits PYTHONPATH: so neither
    cookiecutter nor the hook can import DVC, as after `pipx install cookiecutter`, without installing anything.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text('import sys\n\nsys.modules["dvc"] = None\n', encoding="utf-8")
    return folder


def bare_env(home: Path, search_path: str, **extra: str) -> dict[str, str]:
    """A user's environment: a home with no git identity nor config, the given PATH, nothing of the suite's."""
    home.mkdir(parents=True, exist_ok=True)
    return {"HOME": str(home), "PATH": search_path, "GIT_CONFIG_NOSYSTEM": "1", "LANG": "C.UTF-8", **extra}


def render_without_dvc(tmp_path: Path, search_path: str, **answers: str) -> subprocess.CompletedProcess[str]:
    """The cookiecutter command line, as the template README gives it, where DVC cannot be imported."""
    env = bare_env(tmp_path / "home", search_path, PYTHONPATH=str(without_dvc_module(tmp_path / "no-dvc")))
    options = [f"{name}={value}" for name, value in answers.items()]
    command = [VENV_BIN / "cookiecutter", "--no-input", TEMPLATE_DIR, "-o", tmp_path / "out", *options]
    return subprocess.run([str(part) for part in command], env=env, capture_output=True, text=True, check=False)


def offline_venv(folder: Path) -> Path:
    """A VENV for the project's `make install` that already holds every pinned requirement, offline.

    No pip of its own: the suite's pip, setuptools and packages come through a .pth file, so pip finds each
    requirement satisfied and installs only the project (with PIP_NO_INDEX and without build isolation). The
    suite's `dvc` command stands in for the one pip would have written into bin/.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", folder], check=True)
    (site_packages,) = folder.glob("lib/python*/site-packages")
    (suite_site_packages,) = VENV_BIN.parent.glob("lib/python*/site-packages")
    (site_packages / "suite-packages.pth").write_text(f"{suite_site_packages}\n", encoding="utf-8")
    (folder / "bin/dvc").symlink_to(VENV_BIN / "dvc")
    return folder


def make_in(project: Path, env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *arguments], cwd=project, env=env, capture_output=True, text=True, check=False
    )


def repository_state(project: Path) -> tuple[str, str]:
    """What a set-up step would change: git's index and working tree status, and DVC's config."""
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=project).stdout
    return status, (project / ".dvc/config").read_text(encoding="utf-8")


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
    """git uses the project's hooks: a branch switch runs DVC's post-checkout hook, which checks out its outputs."""
    hooks_path = run(["git", "config", "--get", "core.hooksPath"], cwd=project).stdout.strip()
    assert hooks_path == ".githooks"
    hook = project / hooks_path / "post-checkout"
    assert 'git-hook post-checkout "$@"' in hook.read_text(), hook.read_text()
    assert os.access(hook, os.X_OK), "the post-checkout hook is not executable"


def test_dvc_git_hooks_are_installed(tmp_path: Path) -> None:
    assert_dvc_git_hooks(render(tmp_path))


def next_steps(output: str) -> list[str]:
    """The hook's closing block: its lines from the one that says what was set up."""
    lines = output.strip().splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("Created "))
    return lines[start:]


@pytest.mark.slow
def test_the_readme_steps_work_with_cookiecutter_alone(tmp_path: Path) -> None:
    """No DVC where cookiecutter runs and no git identity: the README's commands, as written, reach a report.

    The hook sets up git and says, in a few short lines, that `make install` finishes the rest; `make install`
    does (DVC, its config, the remote, the sample), and a second run changes nothing; `make repro` trains and
    `make report` writes the report once the first model is committed.
    """
    remote = tmp_path / "remote"
    result = render_without_dvc(tmp_path, SYSTEM_PATH, dvc_remote_url=str(remote))
    assert result.returncode == 0, result.stderr
    project = tmp_path / "out/wine-classifier"
    assert project_files(project) == expected_files("wine_classifier", with_dvc=False)
    assert not list(project.rglob("__pycache__")), "the hook imports the set-up from src/: it must leave no cache"
    assert (project / ".git").is_dir()
    block = next_steps(result.stderr)
    assert block[0] == "Created wine-classifier. Next:"
    assert "the DVC set-up (DVC is not installed here)" in block[2]
    assert [line.split("#")[0].strip() for line in block[1:4]] == ["cd wine-classifier", "make install", "make repro"]
    assert len(block) <= 5 and max(map(len, block)) <= 100, block

    venv = offline_venv(tmp_path / "venv")
    env = bare_env(tmp_path / "home", SYSTEM_PATH, PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0")
    install = make_in(project, env, "install", f"VENV={venv}")
    assert install.returncode == 0, install.stdout + install.stderr
    assert "set-up: dvc init --quiet" in install.stderr
    assert "Requirement already satisfied: scikit-learn" in install.stdout, "pip shows its progress, not --quiet"
    assert project_files(project) == expected_files("wine_classifier")
    assert f"url = {remote}" in (project / ".dvc/config").read_text(encoding="utf-8")
    assert not dvc_analytics_enabled(project)
    staged = run(["git", "diff", "--cached", "--name-only"], cwd=project).stdout.split()
    assert "data/raw/wine.csv.dvc" in staged
    assert_dvc_git_hooks(project)

    before = repository_state(project)
    again = make_in(project, env, "install", f"VENV={venv}")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "pip install" not in again.stdout, "nothing changed in the requirements: nothing to reinstall"
    assert "git, DVC, the remote and the sample data are set up" in again.stderr
    assert repository_state(project) == before

    repro = make_in(project, env, "repro", f"VENV={venv}")
    assert repro.returncode == 0, repro.stdout + repro.stderr
    assert stages_run(repro.stdout) == ["prepare", "train", "evaluate"]
    identity = {f"GIT_{role}_{part}": value for role in ("AUTHOR", "COMMITTER") for part, value in IDENTITY.items()}
    run(["git", "add", "-A"], cwd=project, env=env)
    run(["git", "commit", "--quiet", "-m", "First model"], cwd=project, env={**env, **identity})
    report = make_in(project, env, "report", f"VENV={venv}")
    assert report.returncode == 0, report.stdout + report.stderr
    assert "**Verdict: " in (project / "report.md").read_text(encoding="utf-8")


def test_dvc_as_a_separate_command_sets_up_the_project(tmp_path: Path) -> None:
    """DVC on PATH but not importable by cookiecutter's Python (as after `pipx install dvc`): the hook runs it."""
    dvc_only = tmp_path / "dvc-only"
    dvc_only.mkdir()
    # DVC in an environment of its own, which cookiecutter's PYTHONPATH does not reach.
    (dvc_only / "dvc").write_text(f'#!/bin/sh\nunset PYTHONPATH\nexec "{VENV_BIN / "dvc"}" "$@"\n', encoding="utf-8")
    (dvc_only / "dvc").chmod(0o755)
    result = render_without_dvc(tmp_path, os.pathsep.join([str(dvc_only), SYSTEM_PATH]))
    assert result.returncode == 0, result.stderr
    project = tmp_path / "out" / "wine-classifier"
    assert project_files(project) == expected_files("wine_classifier")
    assert "url = s3://my-bucket/wine-classifier/dvc" in (project / ".dvc/config").read_text()
    assert not dvc_analytics_enabled(project)
    staged = run(["git", "diff", "--cached", "--name-only"], cwd=project).stdout.split()
    assert "data/raw/wine.csv.dvc" in staged
    assert_dvc_git_hooks(project)
    assert "(a few minutes the first time)" in next_steps(result.stderr)[2], "nothing left for make install to set up"


def test_without_git_make_install_says_so_then_sets_up_git_and_dvc(tmp_path: Path) -> None:
    """No git anywhere at first: the project is complete, and `make install` sets up everything once git is there.

    The environment is taken as installed (its stamp newer than the requirements): what is tested is the set-up,
    `make install`'s last step.
    """
    make_only = tmp_path / "make-only"
    make_only.mkdir()
    (make_only / "make").symlink_to(shutil.which("make") or "/usr/bin/make")
    result = render_without_dvc(tmp_path, str(make_only))
    assert result.returncode == 0, result.stderr
    project = tmp_path / "out" / "wine-classifier"
    assert project_files(project) == expected_files("wine_classifier", with_dvc=False)
    assert not (project / ".git").exists()
    assert "# install git first; this then sets up git and DVC too" in next_steps(result.stderr)[2]

    venv = offline_venv(tmp_path / "venv")
    (venv / ".installed").touch()
    env = bare_env(tmp_path / "home", str(make_only), PYTHONPATH=str(project / "src"))
    no_git = make_in(project, env, "install", f"VENV={venv}")
    assert no_git.returncode != 0
    errors = [line for line in no_git.stderr.splitlines() if line.startswith("error: ")]
    assert errors == ["error: git not found: install it, then run `make install` again to finish the set-up"]
    assert "Traceback" not in no_git.stderr

    with_git = make_in(project, {**env, "PATH": SYSTEM_PATH}, "install", f"VENV={venv}")
    assert with_git.returncode == 0, with_git.stdout + with_git.stderr
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
