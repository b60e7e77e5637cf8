"""Deploy's "Name the image" step, run with bash as GitHub runs it: an unset repository variable stops the deploy.

The image name is put together from repository variables (Artifact Registry: location, project and repository).
A variable that is not set is an empty string in GitHub's expressions, which leaves an empty part in the name;
the step must refuse every such name with its one-line error rather than push to a wrong or invalid place.
"""

import subprocess
from pathlib import Path

import pytest
import yaml

from ..support.helpers import render

STEP = "Name the image"
ERROR = "::error title=Registry not configured::the image name"


@pytest.fixture(scope="module")
def name_the_image(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The step's script from a project that pushes to Google Artifact Registry."""
    project = render(tmp_path_factory.mktemp("gar"), container_registry="gar")
    workflow = yaml.safe_load((project / ".github/workflows/deploy.yml").read_text(encoding="utf-8"))
    (step,) = [step for step in workflow["jobs"]["image"]["steps"] if step.get("name") == STEP]
    assert "REGISTRY" in step["env"] and "REPOSITORY" in step["env"]
    return step["run"]


def run_step(script: str, tmp_path: Path, registry: str, repository: str) -> tuple[int, str, str]:
    """`bash -e` over the script, as a `run:` step without `shell:`; returns exit code, output, GITHUB_OUTPUT."""
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env = {"PATH": "/usr/bin:/bin", "REGISTRY": registry, "REPOSITORY": repository, "GITHUB_OUTPUT": str(outputs)}
    result = subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr, outputs.read_text()


def test_a_complete_name_is_lowercased_and_handed_on(name_the_image: str, tmp_path: Path) -> None:
    code, _, outputs = run_step(name_the_image, tmp_path, "europe-docker.pkg.dev", "My-Proj/models/wine-classifier")
    assert code == 0
    assert outputs.splitlines() == [
        "name=europe-docker.pkg.dev/my-proj/models/wine-classifier",
        "registry=europe-docker.pkg.dev",
    ]


@pytest.mark.parametrize(
    ("registry", "repository"),
    [
        ("europe-docker.pkg.dev", "my-proj//wine-classifier"),  # GAR_REPOSITORY unset
        ("europe-docker.pkg.dev", "/models/wine-classifier"),  # GCP_PROJECT_ID unset
        ("-docker.pkg.dev", "my-proj/models/wine-classifier"),  # GAR_LOCATION unset
    ],
    ids=["no repository", "no project", "no location"],
)
def test_a_name_with_an_empty_part_stops_the_deploy(
    name_the_image: str, tmp_path: Path, registry: str, repository: str
) -> None:
    code, output, outputs = run_step(name_the_image, tmp_path, registry, repository)
    assert code == 1
    assert f"{ERROR} {registry}/{repository} is incomplete" in output
    assert outputs == ""
