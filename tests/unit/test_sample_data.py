"""The samples shipped in the template are scikit-learn's bundled data sets, unchanged, under the table's names."""

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from scripts.sample_data import PACKS, SAMPLES

from ..support.helpers import TEMPLATE_DIR

TASKS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())["_tasks"]


@pytest.mark.parametrize("path", list(SAMPLES), ids=lambda path: path.name)
def test_shipped_sample_equals_the_bundled_data_set(path: Path) -> None:
    buffer = io.StringIO()
    SAMPLES[path]().to_csv(buffer, index=False)
    assert (TEMPLATE_DIR / path).read_text() == buffer.getvalue()


@pytest.mark.parametrize("path", list(SAMPLES), ids=lambda path: path.name)
def test_each_sample_is_the_sample_and_target_of_a_task_that_ships_it(path: Path) -> None:
    """The task table names the sample and its target column; the task's own pack carries the file."""
    pack, *inside = path.relative_to(PACKS).parts
    owners = [task for task in TASKS.values() if pack in task["packs"] and task["sample"] == "/".join(inside)]
    assert len(owners) == 1
    assert owners[0]["target"] in pd.read_csv(TEMPLATE_DIR / path).columns
