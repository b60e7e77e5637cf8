"""A classifier's part of the report: both models' confusion counts in one table."""

from {{ cookiecutter.package_name }}.ct.prediction_report import (
    confusion_counts,
    confusion_table,
    prediction_section,
)


def test_confusion_table_shows_both_models_counts_in_one_table() -> None:
    base = confusion_counts("actual,predicted\na,a\na,a\nb,b\nb,a\n")
    new = confusion_counts("actual,predicted\na,a\na,c\nb,b\nb,b\n")
    assert confusion_table(new, base) == [
        "| actual ╲ predicted | a | b | c | support |",
        "|---|---:|---:|---:|---:|",
        "| **a** | 2 → 1 | 0 | 0 → 1 | 2 |",
        "| **b** | 1 → 0 | 1 → 2 | 0 | 2 |",
        "| **c** | 0 | 0 | 0 | 0 |",
    ]
    assert confusion_table(new, None)[2] == "| **a** | 1 | 0 | 1 | 2 |"


def test_support_shows_where_the_test_rows_of_a_class_changed() -> None:
    base = confusion_counts("actual,predicted\na,a\nb,b\n")
    new = confusion_counts("actual,predicted\na,a\na,a\nb,b\n")
    assert confusion_table(new, base)[2] == "| **a** | 1 → 2 | 0 | 1 → 2 |"


def test_without_base_predictions_the_section_says_so() -> None:
    lines = prediction_section("actual,predicted\na,a\nb,a\n", None, "main")
    assert lines[0] == "Test rows by actual and predicted class (`main` has none to compare)."
    assert lines[-1] == "| **b** | 1 | 0 | 1 |"
