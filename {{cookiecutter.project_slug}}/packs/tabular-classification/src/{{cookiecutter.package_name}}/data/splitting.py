"""Splitting the table into training and test rows, class by class."""

import pandas as pd

from ..core.errors import ProjectError


def split_rows(frame: pd.DataFrame, target: str, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A stratified split: every class is in both parts, in about the same proportion."""
    counts = frame[target].value_counts()
    rare = counts[counts < 2]
    if not rare.empty:
        raise ProjectError(
            f"label(s) {', '.join(map(repr, rare.index))} have a single example; "
            "a test split needs at least two per label: add rows or remove those labels"
        )
    # Shuffle, then send the first share of each class to the test rows: a stratified split in pandas alone.
    # Importing scikit-learn (and SciPy) for it would double this stage's start-up time.
    shuffled = frame.sample(frac=1.0, random_state=seed)
    by_class = shuffled.groupby(target)[target]
    class_size = by_class.transform("size")
    test_rows = (class_size * test_size).round().clip(lower=1, upper=class_size - 1)
    is_test = by_class.cumcount() < test_rows
    return shuffled[~is_test], shuffled[is_test]
