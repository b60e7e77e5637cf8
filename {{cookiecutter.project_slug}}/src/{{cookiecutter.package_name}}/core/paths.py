{%- set task = cookiecutter._tasks[cookiecutter.task] -%}
"""Where the pipeline's artefacts live, relative to the project root: the one place that names them.

dvc.yaml passes the same paths to the stages as arguments; the review, the release and the API read them here.
"""

from pathlib import Path

PARAMS_FILE = Path("params.yaml")
LOCK_FILE = Path("dvc.lock")
PREPARED_DIR = Path("data/prepared")
MODEL_PATH = Path("{{ task.model }}")
METRICS_DIR = Path("metrics")
METRICS_FILE = METRICS_DIR / "metrics.json"
PREDICTIONS_FILE = METRICS_DIR / "predictions.csv"
MODEL_CARD_FILE = Path("MODEL_CARD.md")
# The pictures of the predictions that the task's evaluation draws for the report:
{% for pack in task.packs %}{% include "packs/" ~ pack ~ "/include/paths.py" ignore missing %}{% endfor -%}
