"""The release check against a real git + DVC repository whose remote is a folder: the deploy's last gate."""

import hashlib
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.core.hashing import file_md5
from {{ cookiecutter.package_name }}.ct.lockfile import locked_md5
from {{ cookiecutter.package_name }}.ct.release import check_lock_matches_pipeline, release_model

MODEL = Path("models/model.joblib")
LOCK = Path("dvc.lock")
MODEL_BYTES = b"a trained model\x00\x01\x02"
MODEL_MD5 = hashlib.md5(MODEL_BYTES, usedforsecurity=False).hexdigest()
OTHER_MD5 = "0123456789abcdef0123456789abcdef"

# The shape `dvc repro` writes: a directory output, the model, stages without outputs.
LOCK_TEXT = """\
schema: '2.0'
stages:
  prepare:
    cmd: python -m pkg prepare data/raw/wine.csv data/prepared
    outs:
    - path: data/prepared
      hash: md5
      md5: 8d777f385d3dfec8815d20f7496026dc.dir
      size: 2048
      nfiles: 2
  train:
    cmd: python -m pkg train data/prepared models/model.joblib
    deps:
    - path: data/prepared
      hash: md5
      md5: 8d777f385d3dfec8815d20f7496026dc.dir
    outs:
    - path: models/model.joblib
      hash: md5
      md5: 5d41402abc4b2a76b9719d911017c592
      size: 12
  lint:
    cmd: ruff check src
"""

# The stage script writes fixed bytes, so the md5 that dvc.lock records is known in advance.
TRAIN_SCRIPT = f"""\
from pathlib import Path

Path("models").mkdir(exist_ok=True)
Path("models/model.joblib").write_bytes({MODEL_BYTES!r})
"""


def test_locked_md5_finds_the_model_among_the_stages(tmp_path: Path) -> None:
    """The deploy labels the image with this hash: it must be the model's, not another output's."""
    (tmp_path / "dvc.lock").write_text(LOCK_TEXT)
    assert locked_md5(MODEL, tmp_path / "dvc.lock") == "5d41402abc4b2a76b9719d911017c592"
    assert locked_md5(Path("./models/model.joblib"), tmp_path / "dvc.lock") == "5d41402abc4b2a76b9719d911017c592"


def test_missing_lock_names_the_fix(tmp_path: Path) -> None:
    """A repository where the pipeline never ran tells the user to run it."""
    with pytest.raises(ProjectError, match="dvc repro"):
        locked_md5(MODEL, tmp_path / "dvc.lock")


def test_lock_without_the_model_is_refused(tmp_path: Path) -> None:
    """A lock that records no model must stop the release, not ship an image without a model."""
    (tmp_path / "dvc.lock").write_text(LOCK_TEXT.replace("models/model.joblib\n", "models/other.joblib\n"))
    with pytest.raises(ProjectError, match=r"records no models/model\.joblib: run `dvc repro`"):
        locked_md5(MODEL, tmp_path / "dvc.lock")


def test_file_md5_reads_large_files_in_chunks(tmp_path: Path) -> None:
    """A model larger than one read chunk still gets the md5 of the whole file, as DVC computes it."""
    content = bytes(range(256)) * 9000  # about 2.2 MiB: three chunks
    (tmp_path / "big.bin").write_bytes(content)
    assert file_md5(tmp_path / "big.bin") == hashlib.md5(content, usedforsecurity=False).hexdigest()


@pytest.fixture
def trained_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git + DVC repository whose one stage has run, with an empty folder as its default remote; cwd is it."""
    from dvc.repo import Repo

    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    monkeypatch.setenv("DVC_SITE_CACHE_DIR", str(tmp_path / "site_cache"))
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "remote").mkdir()
    monkeypatch.chdir(root)  # DVC's API, like its command line, works on the repository in the cwd
    subprocess.run(["git", "init", "--quiet", "--initial-branch=main"], cwd=root, check=True)
    Repo.init(str(root)).close()
    with Repo(str(root)) as repo, repo.config.edit() as config:
        config["remote"]["store"] = dict(url=str(tmp_path / "remote"))
        config["core"]["remote"] = "store"
    (root / "train.py").write_text(TRAIN_SCRIPT)
    command = shlex.join([sys.executable, "train.py"])
    (root / "dvc.yaml").write_text(
        f"stages:\n  train:\n    cmd: {json.dumps(command)}\n    deps: [train.py]\n    outs: [{MODEL}]\n"
    )
    with Repo(str(root)) as repo:
        repo.reproduce()
    return root


def push() -> None:
    from dvc.repo import Repo

    with Repo(".") as repo:
        repo.push()


def forget_model() -> None:
    """What a fresh checkout on the deploy runner has: dvc.lock, but neither the model nor a cache."""
    MODEL.unlink()
    shutil.rmtree(".dvc/cache")


def test_release_pulls_the_locked_model(trained_repo: Path) -> None:
    """The deploy's happy path: the pushed model comes back from the remote and its md5 is returned."""
    lock = yaml.safe_load(LOCK.read_text())
    assert lock["stages"]["train"]["outs"][0]["md5"] == MODEL_MD5
    push()
    forget_model()

    assert release_model(LOCK, MODEL) == MODEL_MD5
    assert MODEL.read_bytes() == MODEL_BYTES


def test_release_stops_when_the_remote_lacks_the_model(trained_repo: Path) -> None:
    """A model trained but never pushed cannot be deployed: the error says so and names `dvc push`."""
    forget_model()

    with pytest.raises(ProjectError, match="remote does not have the models/model.joblib") as error:
        release_model(LOCK, MODEL)
    assert "dvc push" in str(error.value)
    assert not MODEL.exists()


def test_release_stops_when_the_lock_names_a_model_the_remote_lacks(trained_repo: Path) -> None:
    """dvc.lock edited (or committed from another run) to a hash nobody pushed: nothing is deployed."""
    push()
    forget_model()
    LOCK.write_text(LOCK.read_text().replace(MODEL_MD5, OTHER_MD5))

    with pytest.raises(ProjectError, match=r"`dvc push`|`dvc repro`"):
        release_model(LOCK, MODEL)


def test_release_stops_when_the_remote_holds_another_file_under_the_locked_hash(trained_repo: Path) -> None:
    """DVC does not check what it downloads: the release's own md5 check catches a wrong file in the remote."""
    push()
    forget_model()
    LOCK.write_text(LOCK.read_text().replace(MODEL_MD5, OTHER_MD5))
    # The remote's file for OTHER_MD5 is the real model: the pull succeeds and brings the wrong bytes.
    objects = trained_repo.parent / "remote" / "files" / "md5"
    (objects / OTHER_MD5[:2]).mkdir(parents=True, exist_ok=True)
    shutil.copy(objects / MODEL_MD5[:2] / MODEL_MD5[2:], objects / OTHER_MD5[:2] / OTHER_MD5[2:])

    with pytest.raises(ProjectError, match=f"has md5 {MODEL_MD5} but dvc.lock records {OTHER_MD5}") as error:
        release_model(LOCK, MODEL)
    assert "`dvc repro`, `dvc push`" in str(error.value)


def test_a_lock_that_matches_the_pipeline_passes_without_any_data(trained_repo: Path) -> None:
    """On the deploy runner nothing is pulled yet: the check compares recorded hashes only."""
    forget_model()
    check_lock_matches_pipeline()


def test_a_lock_from_before_a_code_change_is_refused(trained_repo: Path) -> None:
    """Two merged pull requests: the second's code, the first's dvc.lock. Its model is not this commit's."""
    forget_model()
    Path("train.py").write_text(TRAIN_SCRIPT + "# the second pull request's change\n")

    with pytest.raises(ProjectError, match=r"dvc.lock does not match the pipeline at this commit \(train\)"):
        check_lock_matches_pipeline()
