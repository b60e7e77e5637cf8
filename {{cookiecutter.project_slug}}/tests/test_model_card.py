"""The model card against a real git + DVC repository: one version committed on main, the next in the workspace."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.core.paths import (
    METRICS_FILE,
    MODEL_CARD_FILE,
    MODEL_PATH,
    PREDICTIONS_FILE,
)
from {{ cookiecutter.package_name }}.ct.model_card import write_model_card

PARAMS = Path(__file__).parents[1] / "params.yaml"
PROJECT_PARAMS = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
PRIMARY = PROJECT_PARAMS["report"]["primary_metric"]
RAW = Path(PROJECT_PARAMS["data"]["raw"])
TARGET = PROJECT_PARAMS["data"]["target"]
INTENDED_USE = "Sorting this vineyard's own samples; never for pricing."


def git(*args: str) -> None:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", *identity, *args], check=True, capture_output=True)


def write_version(primary: float, model_md5: str) -> None:
    """One version's pipeline outputs as the card reads them: metrics, predictions, and dvc.lock's hashes."""
    METRICS_FILE.write_text(json.dumps(dict([(PRIMARY, primary), ("baseline", dict([(PRIMARY, 0.25)]))])))
    rows = [f"{row % 2},{(row % 2) if row % 10 else 1 - row % 2},{row:016x}" for row in range(40)]
    PREDICTIONS_FILE.write_text("actual,predicted,row_hash\n" + "\n".join(rows) + "\n")
    prepare = {"deps": [{"path": RAW.as_posix(), "md5": "feedface"}], "outs": []}
    train = {"outs": [{"path": MODEL_PATH.as_posix(), "md5": model_md5}]}
    lock = {"schema": "2.0", "stages": dict(prepare=prepare, train=train)}
    Path("dvc.lock").write_text(yaml.safe_dump(lock))


@pytest.fixture
def two_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from dvc.repo import Repo

    monkeypatch.chdir(tmp_path)
    git("init", "--quiet", "--initial-branch=main")
    Repo.init(str(tmp_path)).close()
    shutil.copy(PARAMS, "params.yaml")
    RAW.parent.mkdir(parents=True)
    RAW.write_text(f"{TARGET},size\n1,10\n2,20\n1,30\n")
    METRICS_FILE.parent.mkdir()
    write_version(0.7, model_md5="0ld")
    git("add", "-A")
    git("commit", "--quiet", "-m", "first version")
    write_version(0.8, model_md5="0123abcd")
    return tmp_path


def test_the_card_describes_the_model_its_data_and_its_metrics_against_the_previous_version(two_versions: Path) -> None:
    card = write_model_card("main")

    assert MODEL_CARD_FILE.read_text(encoding="utf-8") == card
    assert f"`{MODEL_PATH}`, md5 `0123abcd` in `dvc.lock`" in card
    assert f"Source: `{RAW}`, md5 `feedface` in `dvc.lock`." in card
    assert f"3 rows and 2 columns; the target, `{TARGET}`:" in card
    assert "| seed | `42` |" in card
    row = next(line for line in card.splitlines() if line.startswith(f"| {PRIMARY} |"))
    value, interval, guess, previous = row.strip("| ").split(" | ")[1:]
    assert (value, guess, previous) == ("0.8000", "0.2500", "0.7000")
    low, high = map(float, interval.split(" to "))
    assert low < high, "an interval from 40 test rows of which 4 are wrong"
    assert "## Caveats" in card


def test_the_card_lists_the_chosen_model_familys_settings_alone(two_versions: Path) -> None:
    """params.yaml holds every family's settings; the card, those that shaped this model."""
    train = PROJECT_PARAMS["train"]
    unused = [name for name, settings in train.items() if isinstance(settings, dict) and name != train["model"]]

    card = write_model_card("main")

    assert f"| train.model | `{train['model']}` |" in card
    assert unused, "every task offers more than one model"
    assert not [name for name in unused if f"| train.{name}." in card]


def test_what_a_person_wrote_is_kept_when_the_card_is_written_again(two_versions: Path) -> None:
    first = write_model_card("main")
    prompt = first.split("## Intended use (by hand)\n\n")[1].split("\n")[0]
    MODEL_CARD_FILE.write_text(first.replace(prompt, INTENDED_USE))
    write_version(0.9, model_md5="4567ef01")

    card = write_model_card("main")

    assert f"## Intended use (by hand)\n\n{INTENDED_USE}\n" in card
    assert "## Limits (by hand)\n\n_To be written:" in card, "an unwritten section keeps its prompt"
    assert "md5 `4567ef01`" in card and "md5 `0123abcd`" not in card
    assert write_model_card("main") == card, "writing the card again changes nothing"


def test_without_a_previous_version_the_card_says_it_is_the_first(two_versions: Path) -> None:
    card = write_model_card(None)
    assert "_No metrics of a previous version: this is the first._" in card
