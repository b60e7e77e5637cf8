"""File hashes as DVC computes them, so that a model file can be matched with what dvc.lock records."""

import hashlib
from pathlib import Path

CHUNK_BYTES = 1 << 20


def file_md5(path: Path) -> str:
    """The md5 DVC records for a file in dvc.lock (for a file, DVC's hash is the plain md5 of its bytes)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
