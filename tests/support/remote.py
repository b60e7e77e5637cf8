"""The default project's DVC outputs, and a checkout pointed at the S3 server as a user would point it."""

from collections.abc import Mapping
from pathlib import Path

from .helpers import VENV_BIN, project_env, run
from .s3_server import S3Server

PIPELINE_OUTPUTS = (
    "models/model.joblib",
    "metrics/metrics.json",
    "metrics/predictions.csv",
    "metrics/confusion_matrix.png",
)
STAGES = ["prepare", "train", "evaluate"]


def dvc(project: Path, env: Mapping[str, str], *args: str) -> str:
    return run([VENV_BIN / "dvc", *args], cwd=project, env=env).stdout


def user_env(project: Path, server: S3Server) -> dict[str, str]:
    """The environment of a user who exported the bucket's credentials, and nothing else about AWS."""
    env = project_env(project, server.credentials_env())
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    return env


def point_at_server(project: Path, server: S3Server) -> dict[str, str]:
    """What a user does once per checkout: the endpoint in the local (git-ignored) DVC config."""
    env = user_env(project, server)
    dvc(project, env, "remote", "modify", "--local", "storage", "endpointurl", server.endpoint_url)
    return env


def fresh_clone(project: Path, destination: Path, server: S3Server) -> tuple[Path, dict[str, str]]:
    run(["git", "clone", "--quiet", project, destination], cwd=destination.parent)
    assert not (destination / ".dvc/cache").exists()
    assert not any((destination / output).exists() for output in PIPELINE_OUTPUTS)
    assert not (destination / "data/prepared").exists()
    return destination, point_at_server(destination, server)


def files(root: Path) -> dict[str, bytes]:
    """Every file under `root` (or `root` itself), by its path relative to `root`'s parent."""
    paths = [root] if root.is_file() else sorted(path for path in root.rglob("*") if path.is_file())
    return {str(path.relative_to(root.parent)): path.read_bytes() for path in paths}


def pipeline_files(project: Path) -> dict[str, bytes]:
    restored: dict[str, bytes] = {}
    for output in (*PIPELINE_OUTPUTS, "data/prepared"):
        restored.update(files(project / output))
    return restored
