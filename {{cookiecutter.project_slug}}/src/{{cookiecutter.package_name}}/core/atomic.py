"""Writing outputs whole or not at all: each is written beside its final place, then renamed onto it.

A stage that fails halfway (a full disk, a bad row, an interrupt) leaves the previous output untouched or no
output at all, never half a file that the next stage or DVC would take for a good one.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temporary_beside(path: Path) -> Path:
    """A hidden name in the same folder (so the rename stays on one file system), with the same suffix."""
    return path.with_name(f".tmp-{os.getpid()}-{path.name}")


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a path to write to; it replaces `path` only if the block ends without an error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(path)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def atomic_folder(path: Path) -> Iterator[Path]:
    """Yield an empty folder to fill; it replaces the folder `path` only if the block ends without an error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(path)
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    try:
        yield temporary
        shutil.rmtree(path, ignore_errors=True)
        os.replace(temporary, path)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
