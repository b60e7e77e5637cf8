{%- set task = cookiecutter._tasks[cookiecutter.task] -%}
"""Serve the trained model over HTTP: `make serve`, or in the container.

Settings come from the environment: MODEL_PATH ({{ task.model }}), METRICS_PATH (metrics/metrics.json),
MAX_BATCH_SIZE ({{ task.max_batch_size }} instances per request), MAX_BODY_BYTES (a larger body is refused unread), and the
inputs' own (`instances.InputSettings`).

Usage: python -m {{ cookiecutter.package_name }} serve [--host 127.0.0.1] [--port 8000]
"""

import argparse
import os

import uvicorn

from ..core.workspace import require_current_outputs
from .app import ServingSettings

APP_FACTORY = "{{ cookiecutter.package_name }}.serving.app:create_app"


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the model's predictions over HTTP.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 in a container)")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    settings = ServingSettings.from_environment(os.environ)  # a bad setting stops here with one line, before uvicorn
    require_current_outputs({settings.model_path, settings.metrics_path})  # as dvc.lock records them
    uvicorn.run(APP_FACTORY, factory=True, host=args.host, port=args.port)
