"""Splitting the table into training and test rows, band by band of the target."""

import pandas as pd

from ..core.errors import ProjectError

# The target is cut into this many bands of equal row counts (deciles), each split in the same proportion.
BANDS = 10


def split_rows(frame: pd.DataFrame, target: str, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A split stratified on the target's deciles, so that the test rows span its whole range, low to high."""
    shuffled = frame.sample(frac=1.0, random_state=seed)
    # Ranks first: a target with many equal values still cuts into bands of equal size.
    bands = pd.qcut(shuffled[target].rank(method="first"), q=min(BANDS, len(shuffled)), labels=False)
    by_band = shuffled.groupby(bands)[target]
    test_rows = (by_band.transform("size") * test_size).round()
    is_test = by_band.cumcount() < test_rows
    if is_test.all() or not is_test.any():
        raise ProjectError(
            f"prepare.test_size {test_size} leaves no {'training' if is_test.all() else 'test'} rows in a table of "
            f"{len(frame)} rows: change prepare.test_size in params.yaml, or add rows"
        )
    return shuffled[~is_test], shuffled[is_test]
