"""Stage 1: read the raw table, type its columns, and split it into training and test rows.

Usage: python -m {{ cookiecutter.package_name }}.prepare RAW_CSV OUTPUT_DIR
"""

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .cli import run
from .config import DataParams, PrepareParams, load_params
from .data import SCHEMA_FILE, TEST_FILE, TRAIN_FILE, FeatureSchema, apply_schema, infer_schema, read_raw_table
from .errors import ProjectError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedData:
    train: pd.DataFrame
    test: pd.DataFrame
    schema: FeatureSchema


def split(
    frame: pd.DataFrame, schema: FeatureSchema, params: PrepareParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A stratified split, so that every class is in both parts in the same proportion."""
    counts = frame[schema.target].value_counts()
    rare = counts[counts < 2]
    if not rare.empty:
        raise ProjectError(
            f"label(s) {', '.join(map(repr, rare.index))} have a single example; "
            "a test split needs at least two per label: add rows or remove those labels"
        )
    # pandas' per-group sampling gives the stratified split without importing scikit-learn (and SciPy) into
    # this stage, which would double its start-up time.
    test = frame.groupby(schema.target, group_keys=False).sample(frac=params.test_size, random_state=seed)
    train = frame.drop(index=test.index).sample(frac=1.0, random_state=seed)
    if test.empty:
        raise ProjectError(f"prepare.test_size {params.test_size} leaves no test rows: raise it or add rows")
    return train, test


def prepare(frame: pd.DataFrame, data: DataParams, params: PrepareParams, seed: int) -> PreparedData:
    """Type the raw table's columns and split it."""
    schema = infer_schema(frame, data)
    typed = apply_schema(frame, schema)
    train, test = split(typed, schema, params, seed)
    return PreparedData(train=train, test=test, schema=schema)


def save(prepared: PreparedData, output_dir: Path) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    prepared.train.to_csv(output_dir / TRAIN_FILE, index=False)
    prepared.test.to_csv(output_dir / TEST_FILE, index=False)
    prepared.schema.save(output_dir / SCHEMA_FILE)


def main() -> None:
    parser = argparse.ArgumentParser(description="Split the raw table into training and test rows.")
    parser.add_argument("raw_csv", type=Path)
    parser.add_argument("output_dir", type=Path)
    args = parser.parse_args()
    params = load_params()
    frame = read_raw_table(args.raw_csv, params.data)
    prepared = prepare(frame, params.data, params.prepare, params.seed)
    save(prepared, args.output_dir)
    schema = prepared.schema
    logger.info(
        "%d training and %d test rows; %d numeric and %d categorical features; classes: %s",
        len(prepared.train),
        len(prepared.test),
        len(schema.numeric),
        len(schema.categorical),
        ", ".join(schema.classes),
    )


if __name__ == "__main__":
    run(main)
