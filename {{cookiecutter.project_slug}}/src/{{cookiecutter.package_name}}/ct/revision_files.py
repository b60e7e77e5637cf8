"""Pipeline outputs as another revision has them, read from the DVC cache or remote without checking them out."""

import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def read_at_base(paths: tuple[Path, ...], base: str) -> dict[Path, bytes | None]:
    """Outputs of the base revision, through one DVC file system at that revision (opening the repository once for
    all of them); None for each one that cannot be had.
    """
    from dvc.api import DVCFileSystem
    from dvc.exceptions import DvcException

    contents: dict[Path, bytes | None] = dict.fromkeys(paths)
    try:
        fs = DVCFileSystem(".", rev=base)
    except (DvcException, OSError) as error:
        logger.warning("no outputs of %s: %s", base, error)
        return contents
    try:
        for path in paths:
            try:
                contents[path] = fs.read_bytes(path.as_posix())
            except (DvcException, OSError) as error:
                logger.warning("no %s for %s: %s", path, base, error)
    finally:
        fs.close()
    return contents
