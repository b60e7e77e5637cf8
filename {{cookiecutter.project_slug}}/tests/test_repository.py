"""The git and DVC set-up (the `setup` command, make install's last step): each step runs once, in order, and a
missing tool is one line naming what to install."""

import subprocess
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.core import repository
from {{ cookiecutter.package_name }}.core.repository import SAMPLE_DATA, STEPS, ToolMissing, main, set_up


def lay_out_a_set_up_project(root: Path) -> None:
    """What git and DVC leave in a project once set up, as a clone has it after `make install`: no sample, its
    .dvc file, git pointed at the project's hooks."""
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "config", "core.hooksPath", ".githooks"], check=True)
    (root / ".dvc").mkdir()
    (root / ".dvc/config").write_text(
        "[core]\n    autostage = false\n    analytics = false\n    remote = mine\n", encoding="utf-8"
    )
    (root / f"{SAMPLE_DATA}.dvc").parent.mkdir(parents=True)
    (root / f"{SAMPLE_DATA}.dvc").write_text("outs: []\n", encoding="utf-8")


def test_a_set_up_project_runs_no_step_and_keeps_the_users_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lay_out_a_set_up_project(tmp_path)
    monkeypatch.setattr(repository, "run_step", lambda step: pytest.fail(f"ran {step.command}"))
    assert set_up() == []


def test_the_missing_steps_run_in_order_git_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / SAMPLE_DATA).parent.mkdir(parents=True)
    (tmp_path / SAMPLE_DATA).write_text("a,b\n1,2\n", encoding="utf-8")
    ran: list[tuple[str, ...]] = []
    monkeypatch.setattr(repository, "run_step", lambda step: ran.append(step.command))
    set_up()
    assert ran == [step.command for step in STEPS]
    assert ran[0][:2] == ("git", "init")


def test_without_git_the_set_up_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissing, match=r"^git not found: install it, then run `make install` again"):
        main()
    assert not (tmp_path / ".git").exists()


def test_in_github_actions_git_keeps_its_own_hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A job's runner holds only the outputs it pulls: DVC's checkout after each of its switches would fail."""
    monkeypatch.chdir(tmp_path)
    lay_out_a_set_up_project(tmp_path)
    subprocess.run(["git", "config", "--unset", "core.hooksPath"], check=True)
    ran: list[tuple[str, ...]] = []
    monkeypatch.setattr(repository, "run_step", lambda step: ran.append(step.command))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert set_up() == []
    monkeypatch.delenv("GITHUB_ACTIONS")
    set_up()
    assert ran == [("git", "config", "core.hooksPath", ".githooks")]
