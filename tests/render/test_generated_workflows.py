"""The generated GitHub workflows, for every runner x task x spot x registry: lint-clean, and wired as intended.

Every valid combination is rendered once per module (in parallel processes). Most answers leave most workflows
byte-for-byte the same, so each check runs once per distinct file (a subtest names the first variant that
renders it), and each linter runs once over all the distinct files. The checks read the parsed workflows: the
triggers, the cloud runner's `cml runner launch` flags and secrets, the machine clean-up, where secrets may
appear, and the deploy's order of steps.
"""

import itertools
import json
import os
import re
import shlex
import shutil
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from cookiecutter.main import cookiecutter

from ..support.helpers import TEMPLATE_DIR
from ..support.runs import set_tool_identity
from ..support.workflow_checks import actionlint, check_schema, pinned_uses, shellcheck, zizmor

pytestmark = pytest.mark.slow

OPTIONS: dict[str, Any] = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
TASKS: dict[str, dict[str, Any]] = OPTIONS["_tasks"]
CLOUD_RUNNERS = tuple(runner for runner in OPTIONS["runner"] if runner != "github-hosted")
SPOT_RUNNERS = ("aws", "gcp", "azure")  # the template refuses cloud_spot for any other runner
DRIFT_WORKFLOW = "drift.yml"
EXPERIMENT_WORKFLOW = "experiment.yml"
WORKFLOW_NAMES = ("deploy.yml", DRIFT_WORKFLOW, "test.yml", "train.yml")
SWEEP_WORKFLOW = "sweep.yml"
# The workflows only a cloud runner's project has: each experiment's machine, and the sweep of machines left behind.
CLOUD_WORKFLOWS = (EXPERIMENT_WORKFLOW, SWEEP_WORKFLOW)
CLEANUP_SCRIPT = Path(".github/scripts/cloud-machines.sh")
# What the post-gen hook removes for a github-hosted runner.
CLOUD_RUNNER_FILES = (
    Path(".github/actionlint.yaml"),
    CLEANUP_SCRIPT,
    *(Path(".github/workflows") / name for name in CLOUD_WORKFLOWS),
)
# The secrets `cml runner launch` reads from its environment, by cloud (aws reads the credentials step's instead).
LAUNCH_SECRETS: dict[str, set[str]] = {
    "aws": {"CML_RUNNER_TOKEN"},
    "gcp": {"CML_RUNNER_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS_DATA"},
    "azure": {
        "CML_RUNNER_TOKEN",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_SUBSCRIPTION_ID",
        "AZURE_TENANT_ID",
    },
    "kubernetes": {"CML_RUNNER_TOKEN", "KUBERNETES_CONFIGURATION"},
}
# The password docker/login-action gets, by registry; ecr logs in with the AWS credentials step's instead. ghcr
# takes the run's own token, which a called workflow reads as github.token (no secret needs passing for it).
REGISTRY_PASSWORDS: dict[str, str | None] = {
    "ghcr": "${{ github.token }}",
    "dockerhub": "${{ secrets.DOCKERHUB_TOKEN }}",
    "gar": "${{ secrets.GAR_JSON_KEY }}",
    "acr": "${{ secrets.ACR_PASSWORD }}",
    "ecr": None,
}
SECRET = re.compile(r"\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)")
# The C build of the safe loader when PyYAML has it: the same safe parse, several times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Variant:
    """One set of answers; `hooks` renders it as a user would, hooks and all, to see what the hooks leave."""

    runner: str
    task: str
    cloud_spot: bool
    container_registry: str
    cloud_region: str = OPTIONS["cloud_region"]
    cloud_machine_type: str = OPTIONS["cloud_machine_type"]
    cloud_gpu: str = OPTIONS["cloud_gpu"]
    dvc_remote_url: str = OPTIONS["dvc_remote_url"]
    python_version: str = OPTIONS["python_version"][0]
    hooks: bool = False

    @property
    def id(self) -> str:
        """Readable and unique: the matrix answers, then any other answer that differs from the default."""
        parts = [self.runner, self.task, "spot" if self.cloud_spot else "on-demand", self.container_registry]
        parts += [
            value
            for name, value in (
                ("cloud_region", self.cloud_region),
                ("cloud_machine_type", self.cloud_machine_type),
                ("cloud_gpu", self.cloud_gpu),
            )
            if value != OPTIONS[name]
        ]
        if self.dvc_remote_url != OPTIONS["dvc_remote_url"]:
            scheme = self.dvc_remote_url.split("://")[0] if "://" in self.dvc_remote_url else "local"
            parts.append(f"{scheme}-remote")
        if self.python_version != OPTIONS["python_version"][0]:
            parts.append(f"py{self.python_version}")
        return "-".join(parts) + ("-hooked" if self.hooks else "")

    def context(self) -> dict[str, Any]:
        answers = asdict(self)
        del answers["hooks"]
        return answers


def matrix() -> list[Variant]:
    """Every valid runner x task x spot x registry; one github-hosted and one cloud variant render with hooks."""
    variants = [
        Variant(runner, task, spot, registry)
        for runner, task, spot, registry in itertools.product(
            OPTIONS["runner"], OPTIONS["task"], (False, True), OPTIONS["container_registry"]
        )
        if not spot or runner in SPOT_RUNNERS
    ]
    first_registry = OPTIONS["container_registry"][0]
    hooked = {("github-hosted", task, False, first_registry) for task in OPTIONS["task"]} | {
        ("aws", OPTIONS["task"][0], False, first_registry)
    }
    return [
        replace(v, hooks=True) if (v.runner, v.task, v.cloud_spot, v.container_registry) in hooked else v
        for v in variants
    ]


MATRIX = matrix()
# Non-default cloud answers, to see the launch flags follow the answers rather than match the defaults by luck.
CUSTOM_CLOUD = [
    Variant("gcp", OPTIONS["task"][0], True, "gar", cloud_region="eu-west", cloud_machine_type="xl", cloud_gpu="v100"),
    Variant("aws", OPTIONS["task"][0], False, "ecr", cloud_region="us-west-2", cloud_machine_type="l", cloud_gpu="k80"),
    Variant("kubernetes", OPTIONS["task"][0], False, "acr", cloud_region="eu-north", cloud_machine_type="xl"),
]
# Each other DVC remote and Python version, once: they change the credential steps and the runtime.
OTHER_REMOTES = [
    Variant(
        "github-hosted", OPTIONS["task"][0], False, "ghcr", dvc_remote_url="gs://bucket/wine", python_version="3.11"
    ),
    Variant("aws", OPTIONS["task"][1], False, "ecr", dvc_remote_url="azure://container/wine", python_version="3.13"),
    Variant("kubernetes", OPTIONS["task"][0], False, "gar", dvc_remote_url="/srv/dvc-store"),
]
VARIANTS = MATRIX + CUSTOM_CLOUD + OTHER_REMOTES
CLOUD_VARIANTS = [v for v in VARIANTS if v.runner in CLOUD_RUNNERS]
HOSTED_VARIANTS = [v for v in VARIANTS if v.runner == "github-hosted"]
DRIFT_VARIANTS = [v for v in VARIANTS if TASKS[v.task]["drift"]]


def ids(variants: Sequence[Variant]) -> list[str]:
    return [variant.id for variant in variants]


# --- rendering and linting, once for the module ---------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A rendered variant: its project folder, and its workflows as text and parsed."""

    project: Path
    texts: dict[str, str]
    workflows: dict[str, dict[Any, Any]]


def render_variant(variant: Variant, output_dir: Path, config_file: Path) -> Path:
    """Render one variant; without hooks, do what post_gen does to workflows: drop what only cloud runners use
    for github-hosted, and the drift workflow for a task other than tabular.

    A top-level function so that worker processes can run it. The hooks' git and DVC set-up take ~2 s a render
    and touch no workflow, so most variants skip them; the `hooked` ones check that shortcut matches the hooks.
    """
    project = Path(
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            extra_context=variant.context(),
            output_dir=str(output_dir),
            config_file=str(config_file),
            accept_hooks=variant.hooks,
        )
    )
    if not variant.hooks and variant.runner == "github-hosted":
        for path in CLOUD_RUNNER_FILES:
            (project / path).unlink()
        (project / CLEANUP_SCRIPT).parent.rmdir()
    if not variant.hooks:  # the workflows the task's packs add, where the hook would put them
        for pack in TASKS[variant.task]["packs"]:
            for workflow in (project / "packs" / pack / ".github" / "workflows").glob("*.yml"):
                workflow.rename(project / ".github" / "workflows" / workflow.name)
        shutil.rmtree(project / "packs")
    return project


def load_workflow(text: str) -> dict[Any, Any]:
    """The workflow as YAML reads it, with the key `on` (which YAML 1.1 reads as true) under its own name."""
    workflow = yaml.load(text, Loader=SAFE_LOADER)
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def read_rendered(project: Path) -> Rendered:
    texts = {path.name: path.read_text() for path in sorted((project / ".github" / "workflows").glob("*.yml"))}
    return Rendered(project, texts, {name: load_workflow(text) for name, text in texts.items()})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    """Every variant rendered once, in parallel: rendering is pure-Python Jinja work, so processes, not threads.

    A private cookiecutter config keeps replay files out of the home folder and apart between workers.
    """
    root = tmp_path_factory.mktemp("workflows")
    config_file = root / "cookiecutter-config.yaml"
    config_file.write_text(f"replay_dir: {json.dumps(str(root / 'replay'))}\n")
    # Hooked renders run git and DVC: the suite's quiet, offline identity, set before the workers start.
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            ordered = sorted(VARIANTS, key=lambda v: not v.hooks)  # the slow hooked renders first, for balance
            futures = {v.id: pool.submit(render_variant, v, root / v.id, config_file) for v in ordered}
            return {variant_id: read_rendered(future.result()) for variant_id, future in futures.items()}


def distinct(
    rendered: dict[str, Rendered], name: str, variants: Sequence[Variant] = VARIANTS
) -> list[tuple[Variant, dict[Any, Any]]]:
    """One (variant, parsed workflow) for each distinct text of the workflow `name` among `variants` that have it.

    Many answers leave a workflow byte-for-byte the same (the registry does not touch train.yml): a check of
    one of those files is a check of all of them.
    """
    seen: dict[str, tuple[Variant, dict[Any, Any]]] = {}
    for variant in variants:
        result = rendered[variant.id]
        if name in result.texts:
            seen.setdefault(result.texts[name], (variant, result.workflows[name]))
    return list(seen.values())


def distinct_files(rendered: dict[str, Rendered], relative: Path | str) -> list[Path]:
    """The rendered files at `relative` (a workflow, the clean-up script), one for each distinct content."""
    seen: dict[bytes, Path] = {}
    for result in rendered.values():
        path = result.project / relative
        if path.is_file():
            seen.setdefault(path.read_bytes(), path)
    return list(seen.values())


# --- small readers for the parsed workflows --------------------------------------------------------------------


def distinct_together(
    rendered: dict[str, Rendered], names: Sequence[str], variants: Sequence[Variant] = VARIANTS
) -> Iterator[tuple[Variant, dict[str, dict[Any, Any]]]]:
    """The first variant of each distinct combination of the named workflows, with those of them it has parsed: for
    checks that read a caller and the workflow it calls side by side."""
    seen: set[tuple[str | None, ...]] = set()
    for variant in variants:
        result = rendered[variant.id]
        texts = tuple(result.texts.get(name) for name in names)
        if texts not in seen:
            seen.add(texts)
            yield variant, {name: result.workflows[name] for name in names if name in result.workflows}


def experiment_job(workflows: dict[str, dict[Any, Any]]) -> tuple[dict[str, Any], str]:
    """The job that runs one experiment, and the expression that names the experiment in it: a cloud runner's
    experiment.yml's run job (its `name` input), else train.yml's own experiment job (its matrix entry)."""
    if EXPERIMENT_WORKFLOW in workflows:
        return workflows[EXPERIMENT_WORKFLOW]["jobs"]["run"], "${{ inputs.name }}"
    return workflows["train.yml"]["jobs"]["experiment"], "${{ matrix.experiment.name }}"


def strings(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string in a parsed workflow with the keys that lead to it: where a value sits, not just that it does."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, (*path, index))
    elif isinstance(node, str):
        yield path, node


def steps(workflow: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, step


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def step_named(job: dict[str, Any], name: str) -> tuple[int, dict[str, Any]]:
    matches = [(index, step) for index, step in enumerate(job["steps"]) if step.get("name") == name]
    assert len(matches) == 1, f"expected one step named {name!r}, found {len(matches)}"
    return matches[0]


def indexes_using(job: dict[str, Any], action: str) -> list[int]:
    """Where the job's steps use `action` (pinned by SHA, so matched on the part before `@`)."""
    return [index for index, step in enumerate(job.get("steps", [])) if step.get("uses", "").split("@")[0] == action]


def step_using(job: dict[str, Any], action: str) -> tuple[int, dict[str, Any]]:
    matches = indexes_using(job, action)
    assert len(matches) == 1, f"expected one step using {action}, found {len(matches)}"
    return matches[0], job["steps"][matches[0]]


def secret_names(mapping: Mapping[str, Any] | None) -> set[str]:
    return {name for value in (mapping or {}).values() for name in SECRET.findall(str(value))}


def secret(name: str) -> str:
    """The expression GitHub replaces with the secret `name`."""
    return "${{ secrets." + name + " }}"


def launch_flags(script: str) -> dict[str, str | None]:
    """The `cml runner launch` options as the shell passes them: continuations joined, quotes removed.

    Parsing the command, rather than searching the text, means a flag in a comment or another command or
    with a wrong value does not count. A flag given twice is an error, but for `--cloud-metadata` (see
    `metadata_flags`), which CML takes repeatedly.
    """
    joined = script.replace("\\\n", " ")
    commands = [line for line in joined.splitlines() if line.strip().startswith("cml runner launch")]
    assert len(commands) == 1, f"expected one `cml runner launch` in:\n{script}"
    words = shlex.split(commands[0])[3:]
    flags: dict[str, str | None] = {}
    for word in words:
        name, has_value, value = word.partition("=")
        if name == "--cloud-metadata":
            continue
        assert name.startswith("--") and name not in flags, f"unexpected or repeated argument {word!r}"
        flags[name] = value if has_value else None
    return flags


# --- the matrix and the linters --------------------------------------------------------------------------------


def metadata_flags(script: str) -> dict[str, str]:
    """The `--cloud-metadata=key=value` pairs of the `cml runner launch` command (an option it takes repeatedly)."""
    joined = script.replace("\\\n", " ")
    (command,) = [line for line in joined.splitlines() if line.strip().startswith("cml runner launch")]
    pairs = [
        word.removeprefix("--cloud-metadata=") for word in shlex.split(command) if word.startswith("--cloud-metadata=")
    ]
    return dict(pair.split("=", 1) for pair in pairs)


# --- the matrix and the linters --------------------------------------------------------------------------------


def test_matrix_covers_every_valid_combination() -> None:
    seen = {(v.runner, v.task, v.cloud_spot, v.container_registry) for v in MATRIX}
    assert len(seen) == len(MATRIX)
    for runner, task, spot, registry in itertools.product(
        OPTIONS["runner"], OPTIONS["task"], (False, True), OPTIONS["container_registry"]
    ):
        assert ((runner, task, spot, registry) in seen) == (not spot or runner in SPOT_RUNNERS)
    assert {v.runner for v in MATRIX if v.hooks} == {"github-hosted", "aws"}


def test_every_variant_renders_its_workflows_and_only_cloud_runners_get_the_machine_clean_up(
    rendered: dict[str, Rendered],
) -> None:
    """The drift check needs feature columns (tabular only); the sweep and its script need a cloud runner."""
    assert set(rendered) == set(ids(VARIANTS))
    for variant in VARIANTS:
        expected = {name for name in WORKFLOW_NAMES if TASKS[variant.task]["drift"] or name != DRIFT_WORKFLOW}
        expected |= set(CLOUD_WORKFLOWS) if variant.runner in CLOUD_RUNNERS else set()
        assert set(rendered[variant.id].workflows) == expected, variant.id
        if variant.hooks or variant.runner in CLOUD_RUNNERS:  # the hooks, not this module, removed them
            for path in CLOUD_RUNNER_FILES:
                assert (rendered[variant.id].project / path).is_file() == (variant.runner in CLOUD_RUNNERS), path
    hosted = next(v for v in VARIANTS if v.hooks and v.runner == "github-hosted")
    assert not (rendered[hosted.id].project / CLEANUP_SCRIPT).parent.exists(), "an empty .github/scripts is left"


def test_linters_report_nothing(rendered: dict[str, Rendered]) -> None:
    """actionlint, zizmor, the GitHub workflow schema and SHA pins on each distinct workflow, ShellCheck on each
    distinct clean-up script; each tool runs once over all of them (starting it costs more than a file)."""
    workflows = [
        path
        for name in (*WORKFLOW_NAMES, *CLOUD_WORKFLOWS)
        for path in distinct_files(rendered, f".github/workflows/{name}")
    ]
    scripts = distinct_files(rendered, CLEANUP_SCRIPT)
    assert len(scripts) == len(CLOUD_RUNNERS) + 1  # one per cloud, and a cloud region that is not a generic one
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs_ = [
            pool.submit(actionlint, workflows),
            pool.submit(zizmor, workflows),
            pool.submit(check_schema, workflows),
        ]
        runs_.append(pool.submit(shellcheck, scripts))
        findings = [
            f"{path}: {finding} [pinned-uses]" for path in workflows for finding in pinned_uses(path.read_text())
        ]
        findings += [finding for run in runs_ for finding in run.result()]
    assert findings == [], "\n".join(findings)


# --- train.yml -----------------------------------------------------------------------------------------------------


def test_every_job_has_a_timeout(rendered: dict[str, Rendered], subtests: pytest.Subtests) -> None:
    for name in (*WORKFLOW_NAMES, *CLOUD_WORKFLOWS):
        for variant, workflow in distinct(rendered, name):
            for job_name, job in workflow["jobs"].items():
                if "uses" in job:  # a call: the called workflow's jobs have their own, and GitHub allows no other
                    continue
                with subtests.test(variant=variant.id, workflow=name, job=job_name):
                    assert isinstance(job.get("timeout-minutes"), int) and job["timeout-minutes"] > 0


def test_every_workflow_runs_its_scripts_in_bash(rendered: dict[str, Rendered]) -> None:
    """Without a shell, a step in a job container may get `sh`, which the scripts' arrays and [[ ]] break."""
    for name in (*WORKFLOW_NAMES, *CLOUD_WORKFLOWS):
        for variant, workflow in distinct(rendered, name):
            assert workflow["defaults"] == {"run": {"shell": "bash"}}, f"{variant.id}: {name}"


def test_train_triggers_permissions_and_concurrency(rendered: dict[str, Rendered], subtests: pytest.Subtests) -> None:
    for variant, train in distinct(rendered, "train.yml"):
        with subtests.test(variant=variant.id):
            assert set(train["on"]) == {"push", "pull_request", "workflow_dispatch"}
            assert train["on"]["push"] == {"branches": ["**"]}
            assert sorted(train["on"]["pull_request"]["types"]) == ["opened", "reopened", "synchronize"]
            assert train["permissions"] == {}
            assert train["concurrency"]["cancel-in-progress"] == "${{ github.ref != 'refs/heads/main' }}"


def test_cloud_runner_is_launched_with_the_answers(rendered: dict[str, Rendered], subtests: pytest.Subtests) -> None:
    for variant, workflow in distinct(rendered, "train.yml", CLOUD_VARIANTS):
        with subtests.test(variant=variant.id):
            check_launch(variant, workflow["jobs"])


def check_launch(variant: Variant, jobs: dict[str, Any]) -> None:
    launch = jobs["launch"]
    assert launch["runs-on"] == "ubuntu-latest"
    _, step = step_named(launch, "Launch the runner")

    flags = launch_flags(step["run"])
    # No checkout in this job: CML would look for the repository in a git remote that is not there.
    assert flags.get("--repo") == "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY"
    assert flags.get("--cloud") == variant.runner
    # CML's Kubernetes machines have no region (terraform-provider-iterative ignores it): the flag would mislead.
    assert flags.get("--cloud-region") == (None if variant.runner == "kubernetes" else variant.cloud_region)
    assert ("--cloud-region" in flags) == (variant.runner != "kubernetes")
    assert flags.get("--cloud-type") == variant.cloud_machine_type
    assert flags.get("--cloud-gpu") == variant.cloud_gpu
    assert ("--cloud-spot" in flags) == variant.cloud_spot
    assert flags.get("--cloud-spot") is None, "--cloud-spot is a switch"
    assert "--single" in flags and flags["--single"] is None
    idle_timeout = flags.get("--idle-timeout") or ""
    assert idle_timeout.isdigit() and int(idle_timeout) > 0
    assert "$LABEL" in (flags.get("--labels") or "").split(",")

    # The training job finds the machine by this run's own label, passed on as the launch job's output.
    assert "github.run_id" in step["env"]["LABEL"]
    assert launch["outputs"]["label"] == "${{ steps." + step["id"] + ".outputs.label }}"
    assert re.search(r'label=\$LABEL"?\s*>>\s*"?\$GITHUB_OUTPUT', step["run"])

    train = jobs["train"]
    assert train.get("needs") in ("launch", ["launch"])
    assert {"self-hosted", "cml", "${{ needs.launch.outputs.label }}"} <= set(train["runs-on"])
    if variant.runner == "kubernetes":
        # The runner runs in a pod of CML's image, which has no docker: a job container could not start.
        assert "container" not in train
        step_using(train, "actions/setup-python")
        return
    assert train["container"]["image"]
    gpu_options = "--gpus all" in str(train["container"].get("options", ""))
    assert gpu_options == (variant.cloud_gpu != "nogpu"), "a GPU machine must hand its GPUs to the container"


def test_cloud_runner_gets_its_clouds_secrets(rendered: dict[str, Rendered], subtests: pytest.Subtests) -> None:
    for variant, workflow in distinct(rendered, "train.yml", CLOUD_VARIANTS):
        with subtests.test(variant=variant.id):
            launch = workflow["jobs"]["launch"]
            index, step = step_named(launch, "Launch the runner")
            assert step["env"]["REPO_TOKEN"] == secret("CML_RUNNER_TOKEN")
            assert secret_names(step["env"]) == LAUNCH_SECRETS[variant.runner]
            for name in LAUNCH_SECRETS[variant.runner] - {"CML_RUNNER_TOKEN"}:
                assert step["env"][name] == secret(name), "CML reads each credential under the secret's own name"
            check_aws_credentials_step(variant, launch, index)


def check_aws_credentials_step(variant: Variant, job: dict[str, Any], used_at: int) -> None:
    """AWS credentials come from the credentials action before the step that uses them, and only for aws."""
    credential_steps = indexes_using(job, "aws-actions/configure-aws-credentials")
    if variant.runner == "aws":
        assert len(credential_steps) == 1 and credential_steps[0] < used_at
        credentials = job["steps"][credential_steps[0]]["with"]
        assert secret_names(credentials) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    else:
        assert credential_steps == []


def test_cloud_machine_is_tagged_and_removed_after_training_whatever_happened(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    """The launch tags the machine with the repository, the run and the time; the clean-up job removes this run's
    machine after training, passed, failed or cancelled, with the cloud's own credentials."""
    for variant, workflows in distinct_together(rendered, ("train.yml", EXPERIMENT_WORKFLOW), CLOUD_VARIANTS):
        with subtests.test(variant=variant.id):
            jobs = workflows["train.yml"]["jobs"]
            _, launch = step_named(jobs["launch"], "Launch the runner")
            assert metadata_flags(launch["run"]) == {
                "github-repository-id": "$GITHUB_REPOSITORY_ID",
                "github-run": "$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT",
                "github-launched-at": "$(date +%s)",
            }
            _, launch_experiment = step_named(workflows[EXPERIMENT_WORKFLOW]["jobs"]["launch"], "Launch the runner")
            assert metadata_flags(launch_experiment["run"]) == metadata_flags(launch["run"]), "found by the same tags"
            # After the experiments too: the experiment job's calls launched their machines.
            clean_up = jobs["clean-up"]
            assert clean_up["needs"] == ["launch", "train", "experiment"]
            assert clean_up["if"] == (
                "always() && (needs.launch.result != 'skipped' || needs.experiment.result != 'skipped')"
            )
            assert clean_up["runs-on"] == "ubuntu-latest"
            index, step = step_named(clean_up, "Remove the machine if it is still there")
            assert shlex.split(step["run"]) == [
                "bash",
                str(CLEANUP_SCRIPT),
                "remove",
                "--run",
                "$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT",
            ]
            assert secret_names(step.get("env")) == LAUNCH_SECRETS[variant.runner] - {"CML_RUNNER_TOKEN"}
            check_aws_credentials_step(variant, clean_up, index)


def test_sweep_lists_old_machines_until_told_to_remove_them(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    for variant, sweep in distinct(rendered, SWEEP_WORKFLOW, CLOUD_VARIANTS):
        with subtests.test(variant=variant.id):
            assert sweep["permissions"] == {}
            assert sweep["on"]["schedule"][0]["cron"]
            remove = sweep["on"]["workflow_dispatch"]["inputs"]["remove"]
            assert remove["type"] == "boolean" and remove["default"] is False
            (job,) = sweep["jobs"].values()
            index, step = step_named(job, "List or remove the machines older than the limit")
            assert step["env"]["REMOVE"] == "${{ inputs.remove || vars.RUNNER_MACHINE_SWEEP == 'remove' }}"
            assert "action=list; fi" in step["run"] and f'bash {CLEANUP_SCRIPT} "$action" --older-than' in step["run"]
            assert secret_names(step["env"]) == LAUNCH_SECRETS[variant.runner] - {"CML_RUNNER_TOKEN"}
            check_aws_credentials_step(variant, job, index)


def test_github_hosted_trains_on_ubuntu_without_a_launch(rendered: dict[str, Rendered]) -> None:
    """No machine to launch: the experiments run in train.yml's own matrix job, which no act or GitHub run aborts
    when one of them fails (a called workflow's failed job ends act's whole run)."""
    for variant, train in distinct(rendered, "train.yml", HOSTED_VARIANTS):
        assert set(train["jobs"]) == {"fork-notice", "plan", "train", "experiment", "leaderboard", "deploy"}, variant.id
        experiment = train["jobs"]["experiment"]
        assert "uses" not in experiment, variant.id
        assert experiment["runs-on"] == "ubuntu-latest" and experiment["needs"] == "plan", variant.id
        assert experiment["name"] == "Experiment ${{ matrix.experiment.name }}"
        expected = {"contents": "write"} | ({"id-token": "write"} if variant.dvc_remote_url.startswith("s3://") else {})
        assert experiment["permissions"] == expected, "what its steps need, no more"
        job = train["jobs"]["train"]
        assert job["runs-on"] == "ubuntu-latest"
        assert "container" not in job
        assert "needs" not in job


def test_train_job_runs_make_ci_and_posts_the_report(rendered: dict[str, Rendered], subtests: pytest.Subtests) -> None:
    for variant, workflow in distinct(rendered, "train.yml"):
        with subtests.test(variant=variant.id):
            train = workflow["jobs"]["train"]
            commands = runs(train)
            assert "make ci" in [command.strip() for command in commands]
            (comment,) = [command for command in commands if "cml comment" in command]
            # CML would upload the report's pictures to its public image host; they stay with the run instead.
            assert "--publish=false" in shlex.split(comment.splitlines()[-1]) and "report.md" in comment
            artifact_index, artifact = step_using(train, "actions/upload-artifact")
            comment_index, _ = step_named(train, "Post the report")
            assert artifact_index < comment_index
            # Every picture the evaluation draws, whatever the task: the rehearsals check that they are kept.
            assert {"report.md", "report_assets/", "metrics/*.png"} <= set(artifact["with"]["path"].split())
            assert workflow["env"]["ITERATIVE_DO_NOT_TRACK"] == "1"  # no CML usage reports, as DVC's are off


# --- the experiments' fan-out ----------------------------------------------------------------------------------

EXPERIMENT_LABEL = "cml-${{ github.run_id }}-${{ github.run_attempt }}-${{ inputs.name }}"
PLAN_MATRIX = {"experiment": "${{ fromJSON(needs.plan.outputs.experiments) }}"}
# What prepares a job to run the project's commands, by step name or action: the same in every such job.
CML_STEPS = {"Install CML", "actions/setup-node"}


def venv_key(job: dict[str, Any]) -> str:
    _, cache = step_using(job, "actions/cache")
    return cache["with"]["key"]


def set_up(job: dict[str, Any], before: str) -> list[str]:
    """The names (or actions) of the steps before the step named `before`, CML's own left out."""
    index, _ = step_named(job, before)
    names = [step.get("name") or step["uses"].split("@")[0] for step in job["steps"][:index]]
    return [name for name in names if name not in CML_STEPS]


def test_experiments_are_planned_from_the_pushed_commit(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    """The plan job reads experiments.yaml with the project's own command, in the venv the other jobs on GitHub's
    machines cache; without the file it plans nothing and installs nothing."""
    for variant, workflow in distinct(rendered, "train.yml"):
        with subtests.test(variant=variant.id):
            jobs = workflow["jobs"]
            plan = jobs["plan"]
            assert plan["runs-on"] == "ubuntu-latest" and plan["permissions"] == {"contents": "read"}
            assert plan["if"] == (jobs["launch"] if "launch" in jobs else jobs["train"])["if"], "when training runs"
            assert set(plan["outputs"]) == {"experiments", "any", "max-parallel"}
            _, read = step_named(plan, "Read the experiments")
            assert "-m wine_classifier experiments plan --json" in read["run"]
            assert "-m wine_classifier experiments max-parallel" in read["run"]
            for name in ("actions/setup-python", "actions/cache"):
                index = indexes_using(plan, name)[0]
                assert plan["steps"][index]["if"] == "steps.declared.outputs.found == 'true'"
            assert venv_key(plan) == venv_key(jobs["leaderboard"])
            if variant.runner == "github-hosted":
                assert venv_key(plan) == venv_key(jobs["train"]), "one environment for every job on ubuntu-latest"


def test_each_experiment_runs_in_its_own_job_as_training_does(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    """The experiment job runs once per planned experiment, max-parallel at a time: itself on GitHub's machines,
    else by calling experiment.yml; the job that runs the experiment sets up, reaches the remote and pushes as
    training does."""
    for variant, workflows in distinct_together(rendered, ("train.yml", EXPERIMENT_WORKFLOW)):
        with subtests.test(variant=variant.id):
            jobs = workflows["train.yml"]["jobs"]
            train, caller = jobs["train"], jobs["experiment"]
            experiment, name = experiment_job(workflows)
            assert caller["needs"] == "plan" and caller["if"] == "needs.plan.outputs.any == 'true'"
            assert caller["strategy"] == {
                "fail-fast": False,
                "max-parallel": "${{ fromJSON(needs.plan.outputs.max-parallel) }}",
                "matrix": PLAN_MATRIX,
            }
            if variant.runner == "github-hosted":
                assert experiment is caller and experiment["runs-on"] == "ubuntu-latest"
            else:
                called = workflows[EXPERIMENT_WORKFLOW]
                assert caller["uses"] == f"./.github/workflows/{EXPERIMENT_WORKFLOW}"
                assert caller["with"] == {"name": "${{ matrix.experiment.name }}"}
                assert called["on"]["workflow_call"]["inputs"]["name"]["required"] is True
                assert experiment["needs"] == "launch"
                assert experiment["runs-on"] == ["self-hosted", "cml", EXPERIMENT_LABEL]
            assert experiment.get("container") == train.get("container")
            assert experiment["timeout-minutes"] == train["timeout-minutes"]
            # The same machine set-up, environment and DVC remote credentials as training.
            assert venv_key(experiment) == venv_key(train)
            assert set_up(experiment, "Use the project's environment") == set_up(
                train, "Train, push the results and write the report"
            )
            _, run_step = step_named(experiment, "Run the experiment")
            assert run_step["run"] == 'python -m wine_classifier experiments run --name "$NAME"'
            assert run_step["env"]["NAME"] == name
            # GITHUB_TOKEN pushes the experiment's git ref, in the one step that needs it, for this host only.
            assert (
                experiment["permissions"].get("contents") == "write"
                and "pull-requests" not in experiment["permissions"]
            )
            tokens = [
                step.get("name") for step in experiment["steps"] if "GITHUB_TOKEN" in secret_names(step.get("env"))
            ]
            assert tokens == ["Push the experiment and the run-cache"]
            _, push = step_named(experiment, "Push the experiment and the run-cache")
            assert push["env"]["NAME"] == name
            assert 'GIT_CONFIG_GLOBAL="$config"' in push["run"] and '[http "%s/"]' in push["run"]
            assert push["run"].rstrip().endswith('dvc exp push --force --run-cache origin "$NAME"')
            assert "trap 'rm -f \"$config\"' EXIT" in push["run"], "the credential file goes with the step"


def test_the_experiment_workflow_gets_only_what_its_jobs_use(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    """A caller's permissions cap the called jobs': the experiment job grants what they need, no more; and it hands
    over exactly the secrets experiment.yml declares, which are the ones its steps read (GITHUB_TOKEN is the run's)."""
    for variant, workflows in distinct_together(rendered, ("train.yml", EXPERIMENT_WORKFLOW), CLOUD_VARIANTS):
        with subtests.test(variant=variant.id):
            caller, called = workflows["train.yml"]["jobs"]["experiment"], workflows[EXPERIMENT_WORKFLOW]
            assert called["permissions"] == {}
            needed: dict[str, str] = {}
            for job in called["jobs"].values():
                needed |= {name: value for name, value in job["permissions"].items() if value != "read"}
            granted = {name: value for name, value in caller["permissions"].items() if value != "read"}
            assert granted == needed
            declared = set(called["on"]["workflow_call"].get("secrets") or {})
            passed = caller.get("secrets", {})
            assert set(passed) == declared and all(passed[name] == secret(name) for name in passed)
            used = {
                name for _, step in steps(called) for part in ("env", "with") for name in secret_names(step.get(part))
            }
            assert used - {"GITHUB_TOKEN"} == declared


def test_each_experiment_gets_a_cloud_machine_of_its_own_when_its_turn_comes(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    """Each call of experiment.yml launches its own machine, then runs on it: a machine starts when its experiment
    gets a slot of max-parallel, so none waits (billed) for another to end."""
    for variant, workflows in distinct_together(rendered, ("train.yml", EXPERIMENT_WORKFLOW), CLOUD_VARIANTS):
        with subtests.test(variant=variant.id):
            jobs, called = workflows["train.yml"]["jobs"], workflows[EXPERIMENT_WORKFLOW]["jobs"]
            assert "launch-experiment" not in jobs, "no machine is launched ahead of its experiment's turn"
            assert set(called) == {"launch", "run"}
            launch = called["launch"]
            assert "needs" not in launch and "strategy" not in launch and launch["runs-on"] == "ubuntu-latest"
            _, step = step_named(launch, "Launch the runner")
            assert step["env"]["LABEL"] == EXPERIMENT_LABEL == called["run"]["runs-on"][2]
            assert step["env"]["NAME"] == "${{ inputs.name }}"
            _, training_step = step_named(jobs["launch"], "Launch the runner")
            assert launch_flags(step["run"]) == launch_flags(training_step["run"]), "the same machine as training's"
            assert metadata_flags(step["run"]) == metadata_flags(training_step["run"])
            assert secret_names(step["env"]) == LAUNCH_SECRETS[variant.runner]
            check_aws_credentials_step(variant, launch, step_named(launch, "Launch the runner")[0])
            assert workflows[EXPERIMENT_WORKFLOW]["env"] == workflows["train.yml"]["env"], "the same CML, unreported"
            assert launch["permissions"] == jobs["launch"]["permissions"]


def test_the_experiments_table_joins_the_training_jobs_comment(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    for variant, workflow in distinct(rendered, "train.yml"):
        with subtests.test(variant=variant.id):
            jobs = workflow["jobs"]
            train, leaderboard = jobs["train"], jobs["leaderboard"]
            assert train["outputs"]["comment-target"] == "${{ steps.ci.outputs.comment-target }}"
            assert train["outputs"]["reported"] == "${{ steps.post.outcome == 'success' }}"
            assert step_named(train, "Post the report")[1]["id"] == "post"
            assert leaderboard["needs"] == ["plan", "train", "experiment"]
            # After failed experiments too (shown failed), never after a cancelled run or an unreported training.
            assert leaderboard["if"] == (
                "${{ !cancelled() && needs.plan.outputs.any == 'true' && needs.train.outputs.reported == 'true' }}"
            )
            assert leaderboard["runs-on"] == "ubuntu-latest"
            assert leaderboard["permissions"].get("pull-requests") == "write"
            assert leaderboard["permissions"].get("contents") == "read"
            _, download = step_using(leaderboard, "actions/download-artifact")
            assert download["with"]["name"] == "model-report"
            _, table = step_named(leaderboard, "Write the experiments' table")
            assert table["env"]["BASE"] == "${{ needs.train.outputs.base }}"
            # Every experiment's job has ended: one that pushed nothing failed, rather than waits to be run.
            assert "--all-ran" in shlex.split(table["run"])
            _, post = step_named(leaderboard, "Put the table in the report and post it")
            assert post["env"]["TARGET"] == "${{ needs.train.outputs.comment-target }}"
            update = [line for line in post["run"].splitlines() if "cml comment update" in line]
            assert update and '--watermark-title="Model report"' in update[0] and "--publish=false" in update[0]


def test_oidc_credentials_outlive_the_work_that_uses_them(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    """Role credentials last an hour unless asked: training, and a machine removing itself after it, take longer."""
    for variant, workflows in distinct_together(rendered, ("train.yml", EXPERIMENT_WORKFLOW)):
        with subtests.test(variant=variant.id):
            jobs = workflows["train.yml"]["jobs"]
            train_seconds = jobs["train"]["timeout-minutes"] * 60
            launch_seconds = train_seconds + jobs["launch"]["timeout-minutes"] * 60 if "launch" in jobs else 0
            needed = {
                ("train.yml", "train"): train_seconds,
                ("train.yml", "launch"): launch_seconds,
                ("train.yml", "experiment"): train_seconds,
                (EXPERIMENT_WORKFLOW, "run"): train_seconds,
                (EXPERIMENT_WORKFLOW, "launch"): launch_seconds,
            }
            for name, workflow in workflows.items():
                for job_name, job in workflow["jobs"].items():
                    for index in indexes_using(job, "aws-actions/configure-aws-credentials"):
                        duration = job["steps"][index]["with"].get("role-duration-seconds", 3600)
                        assert duration >= needed.get((name, job_name), 0), f"{name} {job_name}: {duration} s"


def test_secrets_and_expressions_stay_out_of_scripts_and_shared_env(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    """A secret in a job's or the workflow's env reaches every step, third-party actions included; an expression
    inside a `run:` script is pasted into it before the shell sees it, where env: passes it as plain data."""
    for name in (*WORKFLOW_NAMES, *CLOUD_WORKFLOWS):
        for variant, workflow in distinct(rendered, name):
            with subtests.test(variant=variant.id, workflow=name):
                for path, value in strings(workflow):
                    if SECRET.search(value) is None:
                        continue
                    where = ".".join(map(str, path))
                    if path[0] == "jobs" and path[2] == "secrets":  # handed to a called workflow, by name
                        assert len(path) == 4 and value == secret(path[3]), f"secret at {where}"
                        continue
                    assert len(path) == 6 and path[0] == "jobs" and path[2] == "steps", f"secret at {where}"
                    assert path[4] in ("env", "with"), f"secret at {where}"
                for job_name, step in steps(workflow):
                    script = step.get("run", "")
                    assert "${{" not in script, f"job {job_name}, step {step.get('name', script[:40])!r}"


def test_a_merge_is_deployed_after_training_from_the_commit_train_recorded(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    """Deploy runs after the training job passed on main (its gate included), on the commit whose dvc.lock it
    pushed, handing over exactly the secrets deploy.yml declares; a newer push to main waits instead of
    cancelling a deploy."""
    seen: set[tuple[str, str]] = set()
    for variant in VARIANTS:
        texts = rendered[variant.id].texts
        if (texts["train.yml"], texts["deploy.yml"]) in seen:
            continue
        seen.add((texts["train.yml"], texts["deploy.yml"]))
        train, deploy = (rendered[variant.id].workflows[name] for name in ("train.yml", "deploy.yml"))
        with subtests.test(variant=variant.id):
            assert train["concurrency"]["cancel-in-progress"] == "${{ github.ref != 'refs/heads/main' }}"
            caller = train["jobs"]["deploy"]
            assert caller["needs"] == "train"
            assert caller["uses"] == "./.github/workflows/deploy.yml"
            assert caller["if"] == (
                "github.event_name != 'pull_request' && github.ref == 'refs/heads/main' "
                "&& needs.train.outputs.commit != ''"
            )
            assert caller["with"] == {"commit": "${{ needs.train.outputs.commit }}"}
            declared = deploy["on"]["workflow_call"]["secrets"] or {}
            passed = caller.get("secrets", {})
            assert set(passed) == set(declared), "every secret deploy.yml declares, and only those"
            assert all(passed[name] == secret(name) for name in passed)
            (job,) = deploy["jobs"].values()
            assert {name: value for name, value in caller["permissions"].items() if value != "read"} == {
                name: value for name, value in job["permissions"].items() if value != "read"
            }, "the caller grants what the deploy job needs, no more"
            # No push is needed when dvc.lock did not change; none is deployed when the branch moved on.
            outputs = train["jobs"]["train"]["outputs"]
            assert outputs["commit"] == (
                "${{ steps.push-lock.outcome == 'skipped' && github.sha || steps.push-lock.outputs.commit }}"
            )
            _, push = step_named(train["jobs"]["train"], "Push the updated dvc.lock to the branch")
            assert (
                push["id"] == "push-lock" and 'echo "commit=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"' in push["run"]
            )


# --- deploy.yml, test.yml, drift.yml ---------------------------------------------------------------------------------


def test_deploy_ships_the_released_model_from_main(rendered: dict[str, Rendered], subtests: pytest.Subtests) -> None:
    for variant, deploy in distinct(rendered, "deploy.yml"):
        with subtests.test(variant=variant.id):
            check_deploy(variant, deploy)


def check_deploy(variant: Variant, deploy: dict[Any, Any]) -> None:
    """Called by Train with the commit to ship, or run by hand on main; never on a push of its own."""
    assert set(deploy["on"]) == {"workflow_call", "workflow_dispatch"}
    assert deploy["on"]["workflow_call"]["inputs"]["commit"] == {
        "description": "The commit whose dvc.lock records the model to ship",
        "type": "string",
        "required": True,
    }
    assert deploy["permissions"] == {}
    (job,) = deploy["jobs"].values()
    assert job["if"] == "github.ref == 'refs/heads/main'"
    assert job["concurrency"] == {"group": "deploy", "cancel-in-progress": False}
    _, checkout = step_using(job, "actions/checkout")
    assert checkout["with"]["ref"] == job["env"]["COMMIT"] == "${{ inputs.commit || github.sha }}"

    release = [i for i, s in enumerate(job["steps"]) if s.get("run", "").strip() == "make release-model"]
    build_index, build = step_using(job, "docker/build-push-action")
    assert len(release) == 1 and release[0] < build_index
    assert job["steps"][release[0]]["id"] == "model", "the image label reads steps.model.outputs"
    assert "steps.model.outputs.model-md5" in build["with"]["labels"]
    assert build["with"]["tags"].endswith(":${{ env.COMMIT }}")
    assert "REVISION=${{ env.COMMIT }}" in build["with"]["build-args"].splitlines()

    registry = variant.container_registry
    assert ("packages" in job["permissions"]) == (registry == "ghcr")
    assert job["permissions"].get("packages", "write") == "write"

    login_index, login = step_using(job, "docker/login-action")
    assert login_index < build_index
    password = REGISTRY_PASSWORDS[registry]
    if password is None:
        aws_index, _ = step_using(job, "aws-actions/configure-aws-credentials")
        assert aws_index < login_index
        assert secret_names(login.get("with")) == set()
    else:
        assert login["with"]["password"] == password


def test_tests_workflow_runs_make_test_on_ubuntu(rendered: dict[str, Rendered]) -> None:
    for variant, workflow in distinct(rendered, "test.yml"):
        assert any(
            job["runs-on"] == "ubuntu-latest" and "make test" in [command.strip() for command in runs(job)]
            for job in workflow["jobs"].values()
        ), variant.id


def test_drift_check_runs_on_a_schedule_and_opens_a_retraining_pull_request(
    rendered: dict[str, Rendered], subtests: pytest.Subtests
) -> None:
    for variant, drift in distinct(rendered, DRIFT_WORKFLOW, DRIFT_VARIANTS):
        with subtests.test(variant=variant.id):
            assert set(drift["on"]) == {"schedule", "workflow_dispatch"}
            assert drift["on"]["schedule"][0]["cron"]
            (job,) = drift["jobs"].values()
            by_name = {step.get("id") or step.get("name"): step for step in job["steps"]}
            check = by_name["drift"]
            assert check["run"] == "make drift BATCH=drift_batch.csv"
            assert check["continue-on-error"] is True  # drift is a finding; other failures fail the job at the end
            opening = by_name["Open a retraining pull request"]
            assert opening["if"] == "steps.drift.outputs.drifted == 'true'"
            assert opening["env"]["PR_TOKEN"] == "${{ secrets.RETRAIN_PR_TOKEN }}"
            assert "gh pr create" in opening["run"]
            failing = by_name["Fail on an error that is not drift"]
            assert failing["if"] == "steps.drift.outcome == 'failure' && steps.drift.outputs.drifted != 'true'"


@pytest.mark.parametrize("variant", OTHER_REMOTES, ids=ids(OTHER_REMOTES))
def test_train_reaches_its_remote_with_its_credentials_on_its_python(
    rendered: dict[str, Rendered], variant: Variant
) -> None:
    train = rendered[variant.id].workflows["train.yml"]["jobs"]["train"]
    scheme = variant.dvc_remote_url.split("://")[0] if "://" in variant.dvc_remote_url else "local"
    names = [step.get("name") for step in train["steps"]]
    assert bool(indexes_using(train, "aws-actions/configure-aws-credentials")) == (scheme == "s3")
    assert ("Hand the Google Cloud credentials to DVC" in names) == (scheme == "gs")
    ci_index, ci = step_named(train, "Train, push the results and write the report")
    assert ("AZURE_STORAGE_CONNECTION_STRING" in ci["env"]) == (scheme == "azure")
    if scheme == "local":  # CI cannot reach a folder on the user's machine: it stops before training, and says why
        check_index, check = step_named(train, "Check the DVC remote")
        assert check_index < ci_index and check["run"].rstrip().endswith("exit 1")
    if "container" in train:
        assert train["container"]["image"] == f"python:{variant.python_version}-bookworm"
    else:
        _, setup = step_using(train, "actions/setup-python")
        assert setup["with"]["python-version"] == variant.python_version
