"""The template's venv stands in for a project's own in the tests: both must pin the same versions."""

from pathlib import Path

import pytest

from .helpers import TEMPLATE_DIR, render
from .test_options import REMOTE_URLS


def pins(path: Path) -> dict[str, str]:
    """`name==version` lines as {name: version}, extras dropped from the name; `-r other.txt` followed."""
    found = {}
    for line in path.read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if requirement.startswith("-r "):
            found |= pins(path.parent / requirement.removeprefix("-r ").strip())
        elif "==" in requirement:
            name, version = requirement.split("==")
            found[name.split("[")[0].strip().lower()] = version.strip()
    return found


@pytest.mark.parametrize("remote", REMOTE_URLS)
def test_project_pins_match_the_template_venv(tmp_path: Path, remote: str) -> None:
    project_pins = pins(render(tmp_path, dvc_remote_url=remote) / "requirements.txt")
    template_pins = pins(TEMPLATE_DIR / "requirements.txt")
    assert {"dvc", "scikit-learn", "pandas", "pydantic", "matplotlib", "fastapi", "uvicorn"} <= set(project_pins)
    assert {name: template_pins.get(name) for name in project_pins} == project_pins


def test_every_requirement_is_pinned(tmp_path: Path) -> None:
    project = render(tmp_path)
    for path in (TEMPLATE_DIR / "requirements.txt", project / "requirements.txt", project / "requirements-serve.txt"):
        for line in path.read_text().splitlines():
            requirement = line.split("#")[0].strip()
            assert not requirement or "==" in requirement or requirement.startswith("-r "), f"{path}: {requirement!r}"
