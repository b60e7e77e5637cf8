from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.core.paths import PREPARED_DIR
from {{ cookiecutter.package_name }}.ct.input_report import input_section
from {{ cookiecutter.package_name }}.ct.report import PredictionOutputs, render_report
from {{ cookiecutter.package_name }}.data.schema import SCHEMA_FILE, FeatureSchema


def test_the_report_names_dropped_and_derived_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert input_section() == []  # before the pipeline has run
    (tmp_path / PREPARED_DIR).mkdir(parents=True)
    schema = FeatureSchema(
        target="y",
        numeric=["pH level"],
        categorical=[],
        dates={"Date": "%Y-%m-%d"},
        identifiers=["Name"],
        dropped=["row"],
    )
    schema.save(tmp_path / PREPARED_DIR / SCHEMA_FILE)

    (line, blank) = input_section()
    assert "Columns dropped as identifiers (a different value in almost every row): `Name`." in line
    assert "Dates turned into numbers (days since 1970, month, day of the week): `Date`." in line
    assert "Columns left out by `data.drop`: `row`." in line
    assert blank == ""
    report = render_report("main", [], [], "accuracy", PredictionOutputs(None, None))
    assert line in report.splitlines()


def test_a_table_with_nothing_dropped_adds_no_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / PREPARED_DIR).mkdir(parents=True)
    FeatureSchema(target="y", numeric=["a"], categorical=["b"]).save(tmp_path / PREPARED_DIR / SCHEMA_FILE)
    assert input_section() == []
