"""experiments.yaml on a rendered project, run for real: `make experiments` through DVC's queue, the report's
leaderboard, and `make promote`."""

import json
from pathlib import Path

import pytest
import yaml

from ..support.helpers import VENV_BIN, commit_all, make, run

pytestmark = pytest.mark.slow

# Three experiments, one of which the train stage refuses (a depth of 0), so that it fails in DVC's queue.
EXPERIMENTS = """\
experiments:
  - train.random_forest.max_depth=1,0
  - [train.random_forest.n_estimators=20, train.random_forest.max_depth=4]
"""
NAMES = ["max-depth-1", "max-depth-0", "n-estimators-20-max-depth-4"]


def table_rows(report: str, section: str) -> list[list[str]]:
    """The cells of each body row of the first table under `### <section>`."""
    text = report.split(f"### {section}\n", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in text.splitlines() if line.startswith("| ")][1:]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def test_experiments_run_in_dvcs_queue_are_ranked_in_the_report_and_one_is_promoted(
    reproduced_project: Path,
) -> None:
    project = reproduced_project
    run(["git", "checkout", "--quiet", "-b", "try-depths"], cwd=project)
    (project / "experiments.yaml").write_text(EXPERIMENTS, encoding="utf-8")
    commit_all(project, "Try three settings")

    plan = run([VENV_BIN / "python", "-m", "wine_classifier", "experiments", "plan", "--json"], cwd=project)
    assert [experiment["name"] for experiment in json.loads(plan.stdout)] == NAMES

    result = make(project, "experiments")
    log = result.stdout + result.stderr
    assert "max-depth-1: success" in log
    assert "max-depth-0: failed" in log
    assert "n-estimators-20-max-depth-4: success" in log
    # The workspace is the commit's: the experiments ran in DVC's own copies.
    assert run(["git", "status", "--porcelain"], cwd=project).stdout == ""

    make(project, "report", BASE="main")
    report = (project / "report.md").read_text()
    rows = table_rows(report, "Experiments")
    assert [row[0] for row in rows[:2]] == ["`main`", "This change"]
    experiment_rows = {row[0].replace("**", "").removesuffix(" (best)"): row for row in rows[2:]}
    assert sorted(experiment_rows) == sorted(NAMES)
    assert experiment_rows["max-depth-0"][-1].startswith("**failed**")
    assert experiment_rows["max-depth-0"][2] == "—"
    scores = {name: float(experiment_rows[name][2]) for name in NAMES if name != "max-depth-0"}
    best = max(scores, key=lambda name: scores[name])
    assert rows[2][0] == f"**{best}** (best)"
    assert f"**Best: `{best}`**" in report
    assert all(experiment_rows[name][-1] == "success" for name in scores)

    section = project / "leaderboard.md"
    make_leaderboard = [VENV_BIN / "python", "-m", "wine_classifier", "experiments", "leaderboard"]
    run([*make_leaderboard, "--base", "main", "--output", section], cwd=project)
    assert section.read_text() in report

    make(project, "promote", EXP="max-depth-1")
    assert yaml.safe_load((project / "params.yaml").read_text())["train"]["random_forest"]["max_depth"] == 1
    metrics = json.loads((project / "metrics/metrics.json").read_text())
    assert metrics["macro_f1"] == pytest.approx(scores["max-depth-1"], abs=1e-4)
    assert "dvc.lock" in run(["git", "status", "--porcelain"], cwd=project).stdout
