"""The template's venv stands in for a project's own in the tests: both must pin the same versions."""

from pathlib import Path

import pytest

from ..support.helpers import TEMPLATE_DIR, render
from ..support.tasks import DEFAULT_TASK, OPTIONS, REMOTE_URLS, TEXT

# The text task's model stack; the tabular task's serving image must not carry it.
TEXT_PACKAGES = {"torch", "transformers", "tokenizers", "safetensors"}
# PyTorch's CPU-only wheels: the text task installs from here when no GPU trains or serves.
CPU_INDEX_LINE = "--extra-index-url https://download.pytorch.org/whl/cpu"


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


# Every remote's DVC extra for the default task, and the text task once (its pins do not depend on the remote).
PIN_CASES = [(remote, DEFAULT_TASK) for remote in REMOTE_URLS] + [(REMOTE_URLS[0], TEXT)]


@pytest.mark.parametrize(("remote", "task"), PIN_CASES)
def test_project_pins_match_the_template_venv(tmp_path: Path, remote: str, task: str) -> None:
    project_pins = pins(render(tmp_path, dvc_remote_url=remote, task=task) / "requirements.txt")
    template_pins = pins(TEMPLATE_DIR / "requirements.txt")
    assert {"dvc", "scikit-learn", "pandas", "pydantic", "matplotlib", "fastapi", "uvicorn"} <= set(project_pins)
    assert TEXT_PACKAGES & set(project_pins) == (TEXT_PACKAGES if task == TEXT else set())
    assert {name: template_pins.get(name) for name in project_pins} == project_pins


def test_dvc_reads_yaml_with_libyaml() -> None:
    """Without ruamel.yaml.clib, ruamel.yaml quietly falls back to pure Python: DVC then spends about 0.3 s of
    every command parsing dvc.yaml, dvc.lock and params.yaml (it reads each several times)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.main import CParser

    assert CParser is not None
    assert YAML(typ="safe").Parser is CParser


@pytest.mark.parametrize("task", OPTIONS["task"])
def test_every_requirement_is_pinned(tmp_path: Path, task: str) -> None:
    """Pins, `-r` includes, and the one index line the text task may add; nothing left to the resolver."""
    project = render(tmp_path, task=task)
    for path in (TEMPLATE_DIR / "requirements.txt", project / "requirements.txt", project / "requirements-serve.txt"):
        for line in path.read_text().splitlines():
            requirement = line.split("#")[0].strip()
            pinned = "==" in requirement or requirement.startswith("-r ") or requirement == CPU_INDEX_LINE
            assert not requirement or pinned, f"{path}: {requirement!r}"


@pytest.mark.parametrize(
    ("task", "runner", "gpu"),
    [
        (DEFAULT_TASK, "github-hosted", "nogpu"),
        (TEXT, "github-hosted", "nogpu"),
        (TEXT, "aws", "nogpu"),
        (TEXT, "aws", "v100"),
    ],
)
def test_torch_comes_from_the_cpu_index_unless_a_gpu_trains(tmp_path: Path, task: str, runner: str, gpu: str) -> None:
    """Without a GPU the CUDA build is gigabytes of dead weight in the serving image; with one, it is the point.

    The index line lives in requirements-serve.txt, which requirements.txt includes, so the image (serving only)
    and the pipeline's venv resolve torch from the same place.
    """
    project = render(tmp_path, task=task, runner=runner, cloud_gpu=gpu)
    serve_lines = [line.strip() for line in (project / "requirements-serve.txt").read_text().splitlines()]
    assert (CPU_INDEX_LINE in serve_lines) == (task == TEXT and gpu == "nogpu")
    assert CPU_INDEX_LINE not in (project / "requirements.txt").read_text()
    assert "-r requirements-serve.txt" in (project / "requirements.txt").read_text().splitlines()
    serve_pins = pins(project / "requirements-serve.txt")
    if task == TEXT:
        template_pins = pins(TEMPLATE_DIR / "requirements.txt")
        assert {name: serve_pins.get(name) for name in TEXT_PACKAGES} == {
            name: template_pins[name] for name in TEXT_PACKAGES
        }
    else:
        assert TEXT_PACKAGES.isdisjoint(serve_pins)
