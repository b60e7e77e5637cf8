"""Stage outputs are written whole or not at all: a write that fails leaves the previous output as it was."""

from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.core.atomic import atomic_file, atomic_folder


class DiskFull(OSError):
    pass


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    model = tmp_path / "models" / "model.joblib"
    model.parent.mkdir()
    model.write_bytes(b"the good model")
    with pytest.raises(DiskFull), atomic_file(model) as temporary:
        temporary.write_bytes(b"half a mod")
        raise DiskFull("no space left on device")
    assert model.read_bytes() == b"the good model"
    assert sorted(path.name for path in model.parent.iterdir()) == ["model.joblib"]


def test_a_finished_write_replaces_the_file(tmp_path: Path) -> None:
    metrics = tmp_path / "metrics" / "metrics.json"
    with atomic_file(metrics) as temporary:
        assert temporary.suffix == ".json"  # writers that pick a format by suffix (savefig) still work
        temporary.write_text("{}")
    assert metrics.read_text() == "{}"
    assert sorted(path.name for path in metrics.parent.iterdir()) == ["metrics.json"]


def test_a_failed_folder_keeps_the_previous_folder(tmp_path: Path) -> None:
    prepared = tmp_path / "prepared"
    prepared.mkdir()
    (prepared / "train.csv").write_text("old")
    with pytest.raises(DiskFull), atomic_folder(prepared) as folder:
        (folder / "train.csv").write_text("new")
        raise DiskFull("no space left on device")
    assert [path.name for path in prepared.iterdir()] == ["train.csv"]
    assert (prepared / "train.csv").read_text() == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["prepared"]


def test_a_finished_folder_replaces_the_old_one_whole(tmp_path: Path) -> None:
    prepared = tmp_path / "prepared"
    prepared.mkdir()
    (prepared / "stale.csv").write_text("from an older run")
    with atomic_folder(prepared) as folder:
        (folder / "train.csv").write_text("new")
    assert sorted(path.name for path in prepared.iterdir()) == ["train.csv"]
