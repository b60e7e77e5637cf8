"""The identity every git and DVC command of the tests runs with, and the default project's first run."""

from dataclasses import dataclass
from pathlib import Path

import pytest


def set_tool_identity(patch: pytest.MonkeyPatch) -> None:
    """Commits need an author whatever the machine's git config; DVC must not try to send analytics."""
    for role in ("AUTHOR", "COMMITTER"):
        patch.setenv(f"GIT_{role}_NAME", "Template Tests")
        patch.setenv(f"GIT_{role}_EMAIL", "tests@example.com")
    patch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    patch.setenv("DVC_NO_ANALYTICS", "1")


@dataclass(frozen=True)
class FirstRun:
    """The default project after its first `dvc repro`, committed on main, and what that run printed."""

    project: Path
    log: str
