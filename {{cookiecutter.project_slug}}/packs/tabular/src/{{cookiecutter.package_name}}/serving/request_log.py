"""The inputs the API answered, appended to a CSV that `make drift BATCH=<file>` can check.

Off unless REQUEST_LOG names a file. One row per instance, one column per feature, a missing value empty:
the same table the model was trained on, minus the label.
"""

import csv
import threading
from pathlib import Path
from typing import Any


class RequestLog:
    def __init__(self, path: Path, columns: list[str]) -> None:
        self._path = path
        self._columns = columns
        self._lock = threading.Lock()  # requests are logged from worker threads

    def append(self, rows: list[dict[str, Any]]) -> None:
        with self._lock:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            is_new = not self._path.is_file() or self._path.stat().st_size == 0
            with self._path.open("a", newline="", encoding="utf-8") as table:
                writer = csv.DictWriter(table, fieldnames=self._columns)
                if is_new:
                    writer.writeheader()
                writer.writerows(rows)
