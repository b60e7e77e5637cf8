"""A regressor's part of the report: both models' errors on the test rows, side by side."""

from {{ cookiecutter.package_name }}.ct.prediction_report import error_summary, prediction_section

BASE = "actual,predicted\n10,12\n20,18\n30,30\n40,50\n"
NEW = "actual,predicted\n10,11\n20,19\n30,31\n40,42\n"


def test_the_summary_gives_the_bias_and_the_size_of_the_errors() -> None:
    summary = error_summary(BASE)
    assert summary["test rows"] == 4
    assert summary["mean error (bias)"] == (2 - 2 + 0 + 10) / 4
    assert summary["median absolute error"] == 2
    assert summary["largest absolute error"] == 10


def test_both_models_errors_are_shown_side_by_side() -> None:
    lines = prediction_section(NEW, BASE, "main")
    assert "| `main` | This change |" in lines[2]
    assert "| largest absolute error | 10 | 2 |" in lines
    assert "| mean error (bias) | 2.5000 | 0.7500 |" in lines


def test_without_base_predictions_the_section_says_so() -> None:
    lines = prediction_section(NEW, None, "main")
    assert lines[0] == "Errors are predicted minus actual values (`main` has none to compare)."
    assert "| test rows | — | 4 |" in lines
