"""Stage 1: read the raw table, type its columns, split it into training and test rows, and record what the
training rows look like (the expectations `make drift` checks new data against).

Usage: python -m {{ cookiecutter.package_name }} prepare RAW_CSV OUTPUT_DIR
"""

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.atomic import atomic_folder
from ..core.config import load_params
from ..core.task_params import DataParams, PrepareParams
from ..data.expectations import EXPECTATIONS_FILE, Expectations, derive_expectations
from ..data.schema import SCHEMA_FILE, TEST_FILE, TRAIN_FILE, FeatureSchema, apply_schema, infer_schema, read_raw_table
from ..data.splitting import split_rows
from ..data.target import describe_target

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedData:
    train: pd.DataFrame
    test: pd.DataFrame
    schema: FeatureSchema
    expectations: Expectations


def prepare(frame: pd.DataFrame, data: DataParams, params: PrepareParams, seed: int) -> PreparedData:
    """Type the raw table's columns and split it."""
    schema = infer_schema(frame, data)
    typed = apply_schema(frame, schema)
    train, test = split_rows(typed, schema.target, params.test_size, seed)
    return PreparedData(train=train, test=test, schema=schema, expectations=derive_expectations(train, schema))


def save(prepared: PreparedData, output_dir: Path) -> None:
    """The split, its schema and the training data's expectations, as one folder that appears whole."""
    with atomic_folder(output_dir) as folder:
        prepared.train.to_csv(folder / TRAIN_FILE, index=False)
        prepared.test.to_csv(folder / TEST_FILE, index=False)
        prepared.schema.save(folder / SCHEMA_FILE)
        prepared.expectations.save(folder / EXPECTATIONS_FILE)


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
        "%d training and %d test rows; %d numeric, %d categorical and %d date features; %s",
        len(prepared.train),
        len(prepared.test),
        len(schema.numeric),
        len(schema.categorical),
        len(schema.dates),
        describe_target(prepared.train[schema.target]),
    )
