"""`make demo`'s script, run for real: a fresh project venv from `make install`, the loop, the report, a prediction."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ..support.helpers import TEMPLATE_DIR

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
    assert "| train.max_depth | `3` | `1` |" in text
    assert "**Verdict: " in text
    assert (report.parent / "report_assets/base_confusion_matrix.png").is_file()
    assert (tmp_path / "venv/bin/dvc").is_file()
    assert list((tmp_path / "demo/remote").rglob("*")), "the first model was not pushed to the stand-in remote"
    answer = json.loads(result.stderr.split("The served model answered: ")[1].splitlines()[0])
    assert len(answer["predictions"]) == 3
    assert {prediction["label"] for prediction in answer["predictions"]} <= {"class_0", "class_1", "class_2"}
    assert answer["model_version"] == hashlib.md5((report.parent / "models/model.joblib").read_bytes()).hexdigest()
