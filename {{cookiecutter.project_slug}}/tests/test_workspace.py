"""The check that outputs match dvc.lock, on a real git + DVC repository with a two-stage pipeline of its own."""

import logging
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.workspace import require_current_outputs

# middle.txt is made from source.txt, out.txt from middle.txt: out.txt is downstream of everything.
PIPELINE = {
    "stages": {
        "first": {"cmd": "cp source.txt middle.txt", "deps": ["source.txt"], "outs": ["middle.txt"]},
        "second": {"cmd": "cp middle.txt out.txt", "deps": ["middle.txt"], "outs": ["out.txt"]},
    }
}


def git(*args: str) -> None:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", *identity, *args], check=True, capture_output=True)


def reproduce() -> None:
    from dvc.repo import Repo

    with Repo(".") as repo:
        repo.reproduce()


@pytest.fixture
def reproduced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The pipeline run and committed on main, as after `make repro` and a commit."""
    from dvc.repo import Repo

    monkeypatch.chdir(tmp_path)
    git("init", "--quiet", "--initial-branch=main")
    Repo.init(".").close()
    Path("source.txt").write_text("main\n")
    Path("dvc.yaml").write_text(yaml.safe_dump(PIPELINE))
    reproduce()
    git("add", "-A")
    git("commit", "--quiet", "-m", "main")
    return tmp_path


def test_without_dvc_lock_there_is_nothing_to_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the first `dvc repro` the report and the gate say to run the pipeline: this check stays out of it."""
    monkeypatch.chdir(tmp_path)
    require_current_outputs()


def test_outside_a_dvc_repository_the_check_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A copy of the project's files without DVC's own (a container, an unpacked archive) still serves."""
    monkeypatch.chdir(tmp_path)
    Path("dvc.lock").write_text("schema: '2.0'\nstages: {}\n")
    with caplog.at_level(logging.WARNING):
        require_current_outputs()
    assert "not a DVC repository: the outputs are not checked against dvc.lock" in caplog.text


def test_outputs_the_pipeline_just_wrote_pass(reproduced: Path) -> None:
    require_current_outputs()


def test_a_branch_switch_without_dvc_checkout_names_the_outputs_and_dvc_checkout(reproduced: Path) -> None:
    from dvc.repo import Repo

    git("checkout", "--quiet", "-b", "other")
    Path("source.txt").write_text("other\n")
    reproduce()
    git("commit", "--quiet", "-am", "other")
    git("checkout", "--quiet", "main")  # this repository has no DVC git hooks: the outputs stay the branch's

    with pytest.raises(ProjectError) as refused:
        require_current_outputs()
    assert str(refused.value) == (
        "the pipeline's outputs do not match dvc.lock: middle.txt, out.txt are another revision's "
        "(git switched dvc.lock, not them); run `dvc checkout`"
    )
    with Repo(".") as repo:
        repo.checkout()
    require_current_outputs()


def edit_output() -> None:
    Path("out.txt").write_text("edited\n")


def change_input() -> None:
    Path("source.txt").write_text("new data\n")


def delete_output() -> None:
    Path("out.txt").unlink()


def lose_output_and_cache() -> None:
    """As in a fresh clone before `dvc pull`; middle.txt stays, as the lock records it."""
    Path("out.txt").unlink()
    shutil.rmtree(".dvc/cache")


FAULTS = [
    (edit_output, "out.txt changed since the pipeline wrote it; run `dvc repro`"),
    (change_input, "middle.txt, out.txt are older than their inputs (source.txt); run `dvc repro`"),
    (delete_output, "out.txt is missing; run `dvc checkout`"),
    (lose_output_and_cache, "out.txt is not in the local DVC cache; run `dvc pull`"),
]


@pytest.mark.parametrize(("fault", "message"), FAULTS, ids=[fault.__name__ for fault, _ in FAULTS])
def test_each_kind_of_stale_output_gets_the_command_that_fixes_it(
    reproduced: Path, fault: Callable[[], None], message: str
) -> None:
    fault()
    with pytest.raises(ProjectError) as refused:
        require_current_outputs()
    assert str(refused.value) == f"the pipeline's outputs do not match dvc.lock: {message}"


def test_only_the_named_outputs_are_checked_when_asked(reproduced: Path) -> None:
    """The server checks the model it serves: an edit elsewhere does not stop it."""
    Path("middle.txt").write_text("edited\n")
    require_current_outputs({Path("out.txt")})
    with pytest.raises(ProjectError, match="middle.txt changed since the pipeline wrote it"):
        require_current_outputs({Path("middle.txt"), Path("out.txt")})
