"""The package's command table (`python -m <package> <command>`): every command runs a module's `main`, and a
wrong command is one line naming the right ones."""

import importlib
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.__main__ import COMMANDS
from {{ cookiecutter.package_name }}.core.cli import LibraryTracebacksHidden
from {{ cookiecutter.package_name }}.core.hashing import file_md5

PACKAGE = "{{ cookiecutter.package_name }}"
# The folder that holds the package, for commands run from another folder.
SOURCE_ROOT = Path(importlib.import_module(PACKAGE).__file__ or "").parents[1]


def run_command(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m <package> ...` in a process of its own, as dvc.yaml and the Makefile run it."""
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", PACKAGE, *arguments], capture_output=True, text=True, check=False, cwd=cwd, env=env
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_names_a_module_with_a_main(command: str) -> None:
    module = importlib.import_module(f"{PACKAGE}.{COMMANDS[command][0]}")
    assert callable(module.main)


def test_without_a_command_the_commands_are_listed() -> None:
    result = run_command()
    assert result.returncode == 2
    assert all(f"  {command} " in result.stdout for command in COMMANDS)


def test_an_unknown_command_is_one_line_naming_the_commands() -> None:
    result = run_command("trian")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: unknown command 'trian'; the commands are: {', '.join(COMMANDS)}"
    ]


def test_md5_prints_the_hash_dvc_records_and_refuses_a_missing_path(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"weights")
    assert run_command("md5", "model.bin", cwd=tmp_path).stdout.strip() == file_md5(tmp_path / "model.bin")
    missing = run_command("md5", "absent.bin", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: absent.bin not found: run `dvc pull absent.bin` or `dvc repro` first"


def test_a_librarys_traceback_is_left_out_and_this_packages_is_kept() -> None:
    try:
        raise OSError("Unable to locate credentials")
    except OSError:
        failure = sys.exc_info()
    formatter = LibraryTracebacksHidden("%(message)s")
    library = logging.LogRecord("dvc_data.index.fetch", logging.ERROR, __file__, 1, "failed to connect", None, failure)
    own = logging.LogRecord(f"{PACKAGE}.serving", logging.ERROR, __file__, 1, "prediction failed", None, failure)
    assert formatter.format(library) == "failed to connect"
    assert formatter.format(own).startswith("prediction failed\nTraceback (most recent call last):")
