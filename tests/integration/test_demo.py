"""`make demo`'s script, run for real: a fresh project venv from `make install`, the loop, the report, a prediction."""

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from ..support.helpers import TEMPLATE_DIR

# The README's picture of a pull-request report, the report's text it was drawn from, and the PNG text key that
# holds that text's SHA-256 (scripts/report_picture.py draws both).
README_PICTURE = TEMPLATE_DIR / "docs/report.png"
README_REPORT = TEMPLATE_DIR / "docs/report.md"
SOURCE_KEY = "Source-SHA256"
MD5 = re.compile(r"\b[0-9a-f]{32}\b")

pytestmark = pytest.mark.slow


def test_demo_runs_the_loop_and_points_at_the_report(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, TEMPLATE_DIR / "scripts/demo.py", "--workdir", tmp_path / "demo", "--venv", tmp_path / "venv"],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    announced = [line.split(":")[1].strip() for line in result.stderr.splitlines() if line.startswith("demo: step ")]
    assert announced == ["step 1/5", "step 2/5", "step 3/5", "step 4/5", "step 5/5"]
    report = tmp_path / "demo" / "wine-classifier" / "report.md"
    assert f"The pull-request report is at {report}" in result.stderr
    text = report.read_text()
    assert "| train.random_forest.max_depth | `3` | `1` |" in text
    assert "**Verdict: " in text
    assert (report.parent / "report_assets/base_confusion_matrix.png").is_file()
    assert (tmp_path / "venv/bin/dvc").is_file()
    assert list((tmp_path / "demo/remote").rglob("*")), "the first model was not pushed to the stand-in remote"
    answer = json.loads(result.stderr.split("The served model answered: ")[1].splitlines()[0])
    assert len(answer["predictions"]) == 3
    assert {prediction["label"] for prediction in answer["predictions"]} <= {"class_0", "class_1", "class_2"}
    assert answer["model_version"] == hashlib.md5((report.parent / "models/model.joblib").read_bytes()).hexdigest()
    assert_readme_picture_shows(ci_comment(report.parent, tmp_path / "venv"))


def ci_comment(project: Path, venv: Path) -> str:
    """The demo's report as CI posts it (pictures linked, not shown), linking where the README's picture does."""
    run_page = re.search(r"\[this run\]\((\S+)\)", README_REPORT.read_text(encoding="utf-8"))
    assert run_page, f"{README_REPORT} links to no run"
    command = ["report", "--base", "main", "--output", "pr_comment.md", "--pictures-url", run_page[1]]
    subprocess.run([venv / "bin/python", "-m", "wine_classifier", *command], cwd=project, check=True, timeout=300)
    return (project / "pr_comment.md").read_text(encoding="utf-8")


def assert_readme_picture_shows(comment: str) -> None:
    """The README's picture was drawn from the report the demo writes today (the model's hash aside): a change to
    the report means redrawing it (scripts/report_picture.py says how)."""
    drawn_from = README_REPORT.read_text(encoding="utf-8")
    assert MD5.sub("<md5>", comment) == MD5.sub("<md5>", drawn_from), "redraw docs/report.png: the report changed"
    with Image.open(README_PICTURE) as picture:
        assert picture.text[SOURCE_KEY] == hashlib.sha256(README_REPORT.read_bytes()).hexdigest()
