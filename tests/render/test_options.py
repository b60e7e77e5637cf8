"""Every value of every option renders into the expected, fully rendered project; no option is dead."""

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..support.helpers import VENV_BIN, project_env, render, run
from ..support.tasks import (
    OPTIONS,
    PACKS,
    PROJECT_TEMPLATE,
    REMOTE_URLS,
    TASKS,
    TEXT,
    expected_files,
    pack_files,
    project_files,
    template_files,
    text_contents,
)

SPOT_RUNNERS = ("aws", "gcp", "azure")
# Braces meant to stay: `${{ ... }}` is GitHub's expression syntax in workflows, and `{{label}}` in a Grafana
# legend names a Prometheus label. Any other `{{` is Jinja left over.
KEPT_BRACES = re.compile(r"\$\{\{[^{}]*\}\}|\"legendFormat\": \"[^\"]*\"")


def option_matrix() -> list[dict[str, Any]]:
    """Runner x spot (the options that constrain each other), cycling every other option's values through."""
    runners = OPTIONS["runner"]
    pairs = [
        (runner, spot)
        for runner, spot in itertools.product(runners, (False, True))
        if runner in SPOT_RUNNERS or not spot
    ]
    cycles = {
        "python_version": itertools.cycle(OPTIONS["python_version"]),
        "container_registry": itertools.cycle(OPTIONS["container_registry"]),
        "task": itertools.cycle(OPTIONS["task"]),
        "dvc_remote_url": itertools.cycle(REMOTE_URLS),
    }
    return [
        {"runner": runner, "cloud_spot": spot, **{name: next(values) for name, values in cycles.items()}}
        for runner, spot in pairs
    ]


MATRIX = option_matrix()


def test_matrix_covers_every_value() -> None:
    for option in ("runner", "python_version", "container_registry", "task"):
        assert {combination[option] for combination in MATRIX} == set(OPTIONS[option])
    assert {combination["dvc_remote_url"] for combination in MATRIX} == set(REMOTE_URLS)


@pytest.mark.parametrize("context", MATRIX, ids=lambda context: "-".join(str(value) for value in context.values()))
def test_every_combination_renders_completely(tmp_path: Path, context: dict[str, Any]) -> None:
    project = render(tmp_path, **context)

    assert project_files(project) == expected_files("wine_classifier", runner=context["runner"], task=context["task"])
    for name, text in text_contents(project).items():
        without_kept_braces = KEPT_BRACES.sub("", text)
        for marker in ("{{", "{%", "}}", "{#"):
            assert marker not in without_kept_braces, f"{name} keeps Jinja {marker!r}"
    answers = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]
    assert {name: answers[name] for name in context} == context
    assert f"url = {context['dvc_remote_url']}" in (project / ".dvc/config").read_text()
    scheme = context["dvc_remote_url"].split("://")[0] if "://" in context["dvc_remote_url"] else None
    requirements = (project / "requirements.txt").read_text()
    assert (f"dvc[{scheme}]==" if scheme else "\ndvc==") in requirements
    assert (project / ".python-version").read_text().strip() == context["python_version"]
    params = yaml.safe_load((project / "params.yaml").read_text())
    assert params["data"]["raw"] == TASKS[context["task"]]["sample"]


ALTERNATIVES: dict[str, Any] = {
    "project_name": "Churn Model",
    "description": "Predicts churn.",
    "author_name": "Ada Lovelace",
    "python_version": "3.13",
    "runner": "gcp",
    "cloud_region": "eu-west",
    "cloud_machine_type": "xl",
    "cloud_gpu": "v100",
    "dvc_remote_url": "gs://other-bucket/dvc",
    "container_registry": "ecr",
    "task": TEXT,
}


# Where a project records its answers as such: an option that only changed these would change nothing.
ANSWER_RECORDS = re.compile(r"^### The settings this project was generated with\n.*?(?=^#)", re.MULTILINE | re.DOTALL)


def used_contents(project: Path) -> dict[str, str]:
    """The project's files without the records of its answers (.cookiecutter.json, the README's settings table)."""
    contents = text_contents(project)
    del contents[".cookiecutter.json"]
    readme = contents["README.md"]
    contents["README.md"] = ANSWER_RECORDS.sub("", readme)
    assert contents["README.md"] != readme, "the README's settings table moved: update ANSWER_RECORDS"
    return contents


@pytest.fixture(scope="module")
def default_contents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return used_contents(render(tmp_path_factory.mktemp("default")))


def test_every_option_is_asked_and_covered() -> None:
    public = {name for name in OPTIONS if not name.startswith("_")}
    derived = {"project_slug", "package_name"}
    single_valued = {name for name in public if isinstance(OPTIONS[name], list) and len(OPTIONS[name]) == 1}
    assert public - derived - single_valued == set(ALTERNATIVES) | {"cloud_spot"}


@pytest.mark.parametrize(("option", "value"), ALTERNATIVES.items())
def test_each_option_changes_the_output(
    tmp_path: Path, default_contents: dict[str, str], option: str, value: Any
) -> None:
    """Each answer is used somewhere, not only recorded. Cloud settings only show for a cloud runner, so they are
    compared on top of `runner=aws`."""
    shared = {"runner": "aws"} if option.startswith("cloud_") else {}
    baseline = used_contents(render(tmp_path / "baseline", **shared)) if shared else default_contents
    changed = used_contents(render(tmp_path / "variant", **{**shared, option: value}))
    assert changed != baseline


def test_cloud_spot_changes_the_output(tmp_path: Path) -> None:
    on_demand = used_contents(render(tmp_path / "on-demand", runner="azure", cloud_spot=False))
    spot = used_contents(render(tmp_path / "spot", runner="azure", cloud_spot=True))
    assert spot != on_demand


def test_a_remote_scheme_in_capitals_renders_as_in_lower_case(tmp_path: Path) -> None:
    """`S3://bucket` is `s3://bucket` to DVC and its plugins: the project is the same but for the recorded answer."""
    upper = text_contents(render(tmp_path / "upper", dvc_remote_url="S3://Bucket/ct"))
    lower = text_contents(render(tmp_path / "lower", dvc_remote_url="s3://Bucket/ct"))
    assert sorted(name for name in upper.keys() | lower.keys() if upper.get(name) != lower.get(name)) == [
        ".cookiecutter.json"
    ]


def test_a_name_with_spaces_capitals_and_accents_renders(tmp_path: Path) -> None:
    project = render(tmp_path, project_name="Détection de Fraude Élan")

    assert project.name == "detection-de-fraude-elan"
    assert project_files(project) == expected_files("detection_de_fraude_elan")
    assert (project / "README.md").read_text(encoding="utf-8").startswith("# Détection de Fraude Élan\n")
    result = run(
        [VENV_BIN / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, env=project_env(project)
    )
    assert " passed" in result.stdout


@pytest.mark.parametrize("task", OPTIONS["task"])
def test_generated_python_passes_its_own_lint(tmp_path: Path, task: str) -> None:
    """The generated code is what users read first: it passes the linter and formatter it ships with.

    Each task's render is linted: the shared modules' task conditions and the packs' files differ by task.
    """
    project = render(tmp_path, project_name="A Much Longer Project Name Than The Default", task=task)
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        result = run([VENV_BIN / "ruff", *command], cwd=project, check=False)
        assert result.returncode == 0, result.stdout


def test_the_task_table_names_packs_that_only_add_files() -> None:
    """Each task's packs exist, hold its sample, and add files: none shares a path with another of the task's
    packs or with a shared file, because the hook refuses to replace a file."""
    shared = {name for name in template_files(PROJECT_TEMPLATE, "package") if not name.startswith("packs/")}
    for task, profile in TASKS.items():
        assert profile["primary_metric"] in profile["metrics"], task
        seen = set(shared)
        for pack in profile["packs"]:
            assert (PACKS / pack).is_dir(), f"{task}: no pack {pack!r}"
            added = pack_files(pack, "package")
            assert not added & seen, f"{task}: pack {pack!r} would replace {sorted(added & seen)}"
            seen |= added
        assert profile["sample"] in seen, f"{task}: no pack brings {profile['sample']}"


@pytest.mark.parametrize("task", OPTIONS["task"])
def test_the_readme_shows_every_module_of_the_package(tmp_path: Path, task: str) -> None:
    """The README's tree of the package names every module and folder that the render holds, and no other."""
    project = render(tmp_path, task=task)
    package = project / "src" / "wine_classifier"
    readme = (project / "README.md").read_text(encoding="utf-8")
    tree = readme[readme.index("src/wine_classifier/\n") :].split("```")[0]
    shown = {line.split()[0] for line in tree.splitlines()[1:] if line.strip()}
    actual = {path.name for path in package.rglob("*.py") if path.name != "__init__.py"}
    actual |= {f"{path.name}/" for path in package.iterdir() if path.is_dir() and path.name != "__pycache__"}
    assert shown == actual
