"""Where a served model comes from: the commit it was trained at and the metrics of its evaluation."""

import json
import os
import subprocess
from pathlib import Path
from typing import Any

UNKNOWN = "unknown"


def git_commit() -> str:
    """The commit the model was built from: GIT_COMMIT (set in the image), else git, else 'unknown'."""
    if commit := os.environ.get("GIT_COMMIT"):
        return commit
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False)
    except OSError:
        return UNKNOWN
    return result.stdout.strip() if result.returncode == 0 else UNKNOWN


def read_metrics(path: Path) -> dict[str, Any]:
    """The evaluate stage's metrics, or none when the file is not there (the image may be built without it)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
