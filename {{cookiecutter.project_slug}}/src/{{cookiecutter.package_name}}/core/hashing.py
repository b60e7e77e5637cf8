"""Hashes that identify what the pipeline made: outputs as DVC hashes them, so that a model can be matched with
what dvc.lock records, and test rows by their content, so that two revisions' predictions can be paired.
"""

import argparse
import hashlib
import json
from pathlib import Path

import pandas as pd

from .errors import ProjectError

CHUNK_BYTES = 1 << 20
# DVC marks the hash of a folder with this suffix in dvc.lock.
FOLDER_SUFFIX = ".dir"


def file_md5(path: Path) -> str:
    """The md5 DVC records for a file in dvc.lock (for a file, DVC's hash is the plain md5 of its bytes)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def folder_md5(path: Path) -> str:
    """The md5 DVC records for a folder: the md5 of its JSON listing of files and their md5s, plus `.dir`."""
    listing = sorted(
        (
            {"md5": file_md5(file), "relpath": file.relative_to(path).as_posix()}
            for file in path.rglob("*")
            if file.is_file()
        ),
        key=lambda entry: entry["relpath"],
    )
    return hashlib.md5(json.dumps(listing, sort_keys=True).encode(), usedforsecurity=False).hexdigest() + FOLDER_SUFFIX


def output_md5(path: Path) -> str:
    """The md5 dvc.lock records for a pipeline output, a file or a folder."""
    return folder_md5(path) if path.is_dir() else file_md5(path)


def row_hashes(rows: pd.DataFrame) -> pd.Series:
    """A hash of each row's values, read as text: equal rows hash equal in any revision, whatever their position.

    pandas' hash uses a fixed key, so the hashes are stable from run to run; text keeps `1` and `1.0` apart, which
    errs on the side of calling rows different.
    """
    hashes = pd.util.hash_pandas_object(rows.astype(str), index=False)
    return hashes.map("{:016x}".format).rename("row_hash")


def main() -> None:
    parser = argparse.ArgumentParser(description="Print the md5 that dvc.lock records for a file or folder.")
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    if not args.path.exists():
        raise ProjectError(f"{args.path} not found: run `dvc pull {args.path}` or `dvc repro` first")
    print(output_md5(args.path))
