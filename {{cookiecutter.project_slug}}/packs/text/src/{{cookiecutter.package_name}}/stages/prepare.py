"""Stage 1: read the labelled texts and split them into training, validation and test rows.

Usage: python -m {{ cookiecutter.package_name }} prepare RAW_CSV OUTPUT_DIR
"""

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.atomic import atomic_folder
from ..core.config import load_params
from ..core.errors import ProjectError
from ..core.task_params import PrepareParams
from ..data.texts import LABEL, TEST_FILE, TRAIN_FILE, VALIDATION_FILE, read_labelled_texts

logger = logging.getLogger(__name__)
# The fewest rows of a label that can go to each of the three splits.
MINIMUM_PER_LABEL = 3


@dataclass(frozen=True)
class PreparedData:
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame


def split(frame: pd.DataFrame, params: PrepareParams, seed: int) -> PreparedData:
    """A stratified three-way split: every label is in each part, in about the same proportion."""
    counts = frame[LABEL].value_counts()
    rare = counts[counts < MINIMUM_PER_LABEL]
    if not rare.empty:
        raise ProjectError(
            f"label(s) {', '.join(map(repr, rare.index))} have fewer than {MINIMUM_PER_LABEL} examples; "
            "training, validation and test rows need one each: add rows or remove those labels"
        )
    # Shuffle, then send the first rows of each label to the test part and the next ones to validation.
    shuffled = frame.sample(frac=1.0, random_state=seed)
    by_label = shuffled.groupby(LABEL)[LABEL]
    size = by_label.transform("size")
    position = by_label.cumcount()
    test_rows = (size * params.test_size).round().clip(lower=1)
    validation_rows = (size * params.validation_size).round().clip(lower=1)
    is_test = position < test_rows
    is_validation = ~is_test & (position < test_rows + validation_rows)
    if (position >= test_rows + validation_rows).groupby(shuffled[LABEL]).sum().min() == 0:
        raise ProjectError("validation_size + test_size leave a label without training rows: lower them in params.yaml")
    return PreparedData(
        train=shuffled[~is_test & ~is_validation],
        validation=shuffled[is_validation],
        test=shuffled[is_test],
    )


def save(prepared: PreparedData, output_dir: Path) -> None:
    """The three splits, as one folder that appears whole."""
    with atomic_folder(output_dir) as folder:
        prepared.train.to_csv(folder / TRAIN_FILE, index=False)
        prepared.validation.to_csv(folder / VALIDATION_FILE, index=False)
        prepared.test.to_csv(folder / TEST_FILE, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description="Split the labelled texts into training, validation and test rows.")
    parser.add_argument("raw_csv", type=Path)
    parser.add_argument("output_dir", type=Path)
    args = parser.parse_args()
    params = load_params()
    frame = read_labelled_texts(args.raw_csv, params.data)
    prepared = split(frame, params.prepare, params.seed)
    save(prepared, args.output_dir)
    logger.info(
        "%d training, %d validation and %d test texts; labels: %s",
        len(prepared.train),
        len(prepared.validation),
        len(prepared.test),
        ", ".join(sorted(frame[LABEL].unique())),
    )
