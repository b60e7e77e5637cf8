"""Every value of every option renders into the expected, fully rendered project; no option is dead."""

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import TEMPLATE_DIR, VENV_BIN, project_env, render, run

OPTIONS: dict[str, Any] = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
REMOTE_URLS = ("s3://bucket/ct", "gs://bucket/ct", "azure://container/ct", "/srv/dvc-store")
TABULAR, TEXT = "tabular-classification", "text-classification"
# What every task renders; each task adds its own files below.
TEMPLATE_FILES = {
    ".cookiecutter.json",
    ".gitignore",
    ".python-version",
    "Makefile",
    "README.md",
    "dvc.yaml",
    "params.yaml",
    "pyproject.toml",
    "requirements.txt",
    "requirements-serve.txt",
    "Dockerfile",
    ".dockerignore",
    ".github/workflows/train.yml",
    ".github/workflows/test.yml",
    ".github/workflows/deploy.yml",
    "monitoring/README.md",
    "monitoring/compose.yaml",
    "monitoring/prometheus.yml",
    "monitoring/grafana/dashboards/model.json",
    "monitoring/grafana/provisioning/dashboards/dashboards.yml",
    "monitoring/grafana/provisioning/datasources/prometheus.yml",
    "tests/conftest.py",
    "tests/test_atomic.py",
    "tests/test_ci.py",
    "tests/test_config.py",
    "tests/test_data.py",
    "tests/test_gate.py",
    "tests/test_loaded_model.py",
    "tests/test_release.py",
    "tests/test_report.py",
    "tests/test_serving.py",
    "tests/test_stages.py",
}
# The sample each task learns from, which the post-gen hook puts under DVC.
SAMPLE_DATA = {TABULAR: "data/raw/wine.csv", TEXT: "data/raw/reviews.csv"}
# Drift checks read feature columns, which only the tabular task has.
TASK_FILES = {
    TABULAR: {SAMPLE_DATA[TABULAR], ".github/workflows/drift.yml", "tests/test_drift.py"},
    TEXT: {SAMPLE_DATA[TEXT]},
}
# Only cloud runners are self-hosted runners, whose labels actionlint must be told about, and leave machines
# that the clean-up script and the sweep workflow remove.
CLOUD_RUNNER_FILES = {".github/actionlint.yaml", ".github/scripts/cloud-machines.sh", ".github/workflows/sweep.yml"}
PACKAGE_MODULES = {
    "__init__",
    "atomic",
    "ci",
    "cli",
    "config",
    "data",
    "diffs",
    "errors",
    "evaluate",
    "gate",
    "hashing",
    "lockfile",
    "prepare",
    "release",
    "report",
    "scoring",
    "serve",
    "serving/__init__",
    "serving/app",
    "serving/batching",
    "serving/error_responses",
    "serving/loaded_model",
    "serving/monitoring",
    "serving/provenance",
    "serving/schemas",
    "tables",
    "train",
}
TASK_MODULES = {
    TABULAR: {"model", "expectations", "drift", "serving/request_log"},
    TEXT: {"classifier", "transformer", "baseline"},
}
# The text task's own tests are named by whoever writes them in the overlay; every one of them must arrive.
TASK_OVERLAYS = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "task_overlays"
DVC_SETUP_FILES = {".dvc/.gitignore", ".dvc/config", ".dvcignore", "data/raw/.gitignore"}
RUNTIME_DIRS = (".git/", ".dvc/cache/", ".dvc/tmp/")
SPOT_RUNNERS = ("aws", "gcp", "azure")
# Braces meant to stay: `${{ ... }}` is GitHub's expression syntax in workflows, and `{{label}}` in a Grafana
# legend names a Prometheus label. Any other `{{` is Jinja left over.
KEPT_BRACES = re.compile(r"\$\{\{[^{}]*\}\}|\"legendFormat\": \"[^\"]*\"")


def overlay_tests(task: str) -> set[str]:
    """The test files a task's overlay adds or replaces; the tabular task has no overlay."""
    folder = TASK_OVERLAYS / task / "tests"
    return {f"tests/{path.name}" for path in folder.glob("*.py")} if task != TABULAR else set()


def expected_files(package: str, with_dvc: bool = True, runner: str = "github-hosted", task: str = TABULAR) -> set[str]:
    """The exact file set of a project for the options that add or remove files."""
    modules = {f"src/{package}/{module}.py" for module in PACKAGE_MODULES | TASK_MODULES[task]}
    files = TEMPLATE_FILES | TASK_FILES[task] | overlay_tests(task) | modules
    if runner != "github-hosted":
        files |= CLOUD_RUNNER_FILES
    return files | DVC_SETUP_FILES | {f"{SAMPLE_DATA[task]}.dvc"} if with_dvc else files


def project_files(project: Path) -> set[str]:
    """Every file in the project, git's and DVC's own working folders left out."""
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and not path.relative_to(project).as_posix().startswith(RUNTIME_DIRS)
    }


def text_contents(project: Path) -> dict[str, str]:
    return {name: (project / name).read_text(encoding="utf-8") for name in project_files(project)}


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
    assert params["data"]["raw"] == SAMPLE_DATA[context["task"]]


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

    Each task's render is linted: the shared modules' task conditions and the overlay's files differ by task.
    """
    project = render(tmp_path, project_name="A Much Longer Project Name Than The Default", task=task)
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        result = run([VENV_BIN / "ruff", *command], cwd=project, check=False)
        assert result.returncode == 0, result.stdout
