"""The report against a real git + DVC repository holding two metric sets: one committed, one in the workspace."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.paths import MODEL_PATH
from {{ cookiecutter.package_name }}.ct.data_changes import data_section
from {{ cookiecutter.package_name }}.ct.diffs import MetricRow, metric_rows
from {{ cookiecutter.package_name }}.ct.report import (
    Picture,
    PredictionOutputs,
    predictions_section,
    verdict,
    write_report,
)

PARAMS = Path(__file__).parents[1] / "params.yaml"
PROJECT_PARAMS = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
TEST_SIZE = PROJECT_PARAMS["prepare"]["test_size"]  # each task has its own
PRIMARY = PROJECT_PARAMS["report"]["primary_metric"]
# Rules of the test's own, on the task's primary metric, so that the figures below read the same for every task.
GATE = dict(minimum=dict([(PRIMARY, 0.8)]), max_drop=dict([(PRIMARY, 0.05)]))


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo_with_two_metric_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from dvc.repo import Repo

    git("init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    Repo.init(str(tmp_path)).close()
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({**PROJECT_PARAMS, "gate": GATE}, sort_keys=False))
    (tmp_path / "dvc.yaml").write_text("metrics:\n  - scores.json\n")
    (tmp_path / "scores.json").write_text(json.dumps({"coverage": 0.8, PRIMARY: 0.75}))
    git("add", "-A", cwd=tmp_path)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base", cwd=tmp_path)
    (tmp_path / "scores.json").write_text(json.dumps({"coverage": 0.9, PRIMARY: 0.7}))
    params = (tmp_path / "params.yaml").read_text()
    (tmp_path / "params.yaml").write_text(params.replace(f"test_size: {TEST_SIZE}", "test_size: 0.3"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_report_shows_both_values_params_and_verdict(repo_with_two_metric_sets: Path) -> None:
    text = write_report("main", Path("report.md"))

    assert Path("report.md").read_text() == text
    assert "| coverage | 0.8000 | 0.9000 | +0.1000 |" in text
    assert f"| {PRIMARY} | 0.7500 | 0.7000 | -0.0500 |" in text
    assert f"| prepare.test_size | `{TEST_SIZE}` | `0.3` |" in text
    assert "**Verdict: worse.**" in text
    assert "_No predictions: run `dvc repro` first._" in text
    # the gate: at least 0.8 (0.7 fails), a drop of at most 0.05 (exactly 0.05 passes)
    assert f"**Failed:** {PRIMARY} is 0.7000, below the minimum 0.8." in text
    assert f"| {PRIMARY} ≥ 0.8 | 0.7000 | **fail** |" in text
    assert f"| {PRIMARY} falls by at most 0.05 | -0.0500 | pass |" in text
    assert "md5" not in text, "no dvc.lock yet: no model to name"


def test_before_the_first_commit_the_report_says_to_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dvc.repo import Repo

    git("init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    Repo.init(str(tmp_path)).close()
    shutil.copy(PARAMS, tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProjectError, match="no commit yet, so there is no 'main' to compare with: commit first"):
        write_report("main", Path("report.md"))
    assert not Path("report.md").exists()


def test_report_names_the_model_by_the_hash_dvc_lock_records(repo_with_two_metric_sets: Path) -> None:
    """The deploy labels the serving image with this hash: a reviewer can match a running container to this report."""
    model = {"path": str(MODEL_PATH), "md5": "0123abcd"}
    lock = {"schema": "2.0", "stages": dict(train={"outs": [model]})}
    Path("dvc.lock").write_text(yaml.safe_dump(lock))
    text = write_report("main", Path("report.md"))
    assert f"Model `{MODEL_PATH}`: md5 `0123abcd` in `dvc.lock`." in text
    assert "labelled `ai.dvc.model.md5=0123abcd`" in text


def test_rows_put_overall_metrics_first() -> None:
    recall = {"old": 1.0, "new": 0.5}
    overall = {"new": 0.9}
    metrics = {"per_class.a.recall": recall, "coverage": overall}
    assert [row.name for row in metric_rows({"m.json": metrics})] == ["coverage", "per_class.a.recall"]


@pytest.mark.parametrize(
    ("old", "new", "word"),
    [(0.5, 0.6, "better"), (0.6, 0.5, "worse"), (0.6, 0.6, "unchanged"), (None, 0.6, "first result")],
)
def test_verdict(old: float | None, new: float, word: str) -> None:
    assert f"**Verdict: {word}.**" in verdict([MetricRow(PRIMARY, old, new)], PRIMARY, "main")


def test_a_model_no_better_than_the_baseline_is_flagged_in_the_verdict() -> None:
    """The evaluation writes what a constant guess scores as `baseline.<metric>`: not beating it is no model."""
    below = [MetricRow(PRIMARY, 0.5, 0.6), MetricRow(f"baseline.{PRIMARY}", 0.7, 0.7)]
    above = [MetricRow(PRIMARY, 0.5, 0.8), MetricRow(f"baseline.{PRIMARY}", 0.7, 0.7)]
    assert "**It does not beat the baseline:** a constant guess scores 0.7000" in verdict(below, PRIMARY, "main")
    assert "baseline" not in verdict(above, PRIMARY, "main")
    assert "baseline" not in verdict([MetricRow(PRIMARY, 0.5, 0.6)], PRIMARY, "main")


def test_the_ci_comment_links_to_the_pictures_instead_of_showing_them() -> None:
    predictions = "actual,predicted\n1,1\n2,1\n"  # classes or numbers: each task reads it
    picture = Picture(name="picture", new="metrics/picture.png", base=None)
    run_page = "https://github.com/o/r/actions/runs/1"
    outputs = PredictionOutputs(predictions, None, pictures=(picture,))
    shown = predictions_section(outputs, "main")
    linked = predictions_section(PredictionOutputs(outputs.new_predictions, None, (picture,), run_page), "main")
    assert "| _not available_ | ![picture](metrics/picture.png) |" in shown
    assert not any("![" in line for line in linked)
    assert linked[-1] == f"The pictures are in the `model-report` artifact of [this run]({run_page})."


def test_a_base_whose_recorded_metrics_cannot_be_read_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The base's dvc.lock records its metrics, but no cache or remote holds them: not a first result."""
    from dvc.repo import Repo

    git("init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    Repo.init(str(tmp_path)).close()
    shutil.copy(PARAMS, tmp_path / "params.yaml")
    stage = {"cmd": "echo '{\"macro_f1\": 0.9}' > scores.json", "outs": ["scores.json"]}
    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"score": stage}, "metrics": ["scores.json"]}))
    monkeypatch.chdir(tmp_path)
    with Repo(".") as repo:
        repo.reproduce()
    git("add", "-A", cwd=tmp_path)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base", cwd=tmp_path)
    shutil.rmtree(tmp_path / ".dvc" / "cache")
    (tmp_path / "scores.json").write_text(json.dumps({"macro_f1": 0.5}))

    with pytest.raises(ProjectError, match=r"cannot read scores.json of 'main': its dvc.lock records them"):
        write_report("main", Path("report.md"))
    assert not Path("report.md").exists()


def test_the_data_section_names_changed_data_files_but_not_pipeline_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A raw table cut and widened under DVC: its rows and columns before and after; the stage's output is no data."""
    from dvc.repo import Repo

    target = PROJECT_PARAMS["data"]["target"]
    git("init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    Repo.init(str(tmp_path)).close()
    monkeypatch.chdir(tmp_path)
    raw = Path("data/raw/table.csv")
    raw.parent.mkdir(parents=True)
    raw.write_text(f"{target},size\n1,10\n2,20\n1,30\n2,40\n")
    stage = {"cmd": "echo one > out.txt", "outs": ["out.txt"]}
    Path("dvc.yaml").write_text(yaml.safe_dump({"stages": dict(make=stage)}))
    with Repo(".") as repo:
        repo.add(str(raw))
        repo.reproduce()
    git("add", "-A", cwd=tmp_path)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base", cwd=tmp_path)
    raw.write_text(f"{target},size,colour\n1,10,red\n2,20,blue\n2,40,red\n")
    Path("dvc.yaml").write_text(yaml.safe_dump({"stages": dict(make=stage | dict(cmd="echo two > out.txt"))}))
    with Repo(".") as repo:
        repo.add(str(raw))
        repo.reproduce()

    lines = data_section("main", raw, target)

    assert lines[2:4] == ["- `data/raw/table.csv`: changed", ""], "out.txt is the pipeline's, not data"
    assert "| rows | 4 | 3 |" in lines and "| columns | 2 | 3 |" in lines
    assert "Columns added: `colour`." in lines
    distribution = lines[lines.index("| columns | 2 | 3 |") + 1 : lines.index("Columns added: `colour`.") - 1]
    first = distribution[0].split(" | ")
    assert first[1] != first[2], f"the target's distribution at both revisions: {distribution}"
    git("add", "-A", cwd=tmp_path)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "change", cwd=tmp_path)
    assert data_section("HEAD", raw, target) == ["No DVC-tracked data differs from `HEAD`.", ""]
