"""What every command-line entry point shares: logging set-up and turning user errors into one line."""

import logging
import sys
from collections.abc import Callable

from .errors import ProjectError

logger = logging.getLogger(__name__)


def run(main: Callable[[], None]) -> None:
    """Run a stage's `main`, log a `ProjectError` as one line and exit 1, else exit 0."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        main()
    except ProjectError as error:
        logger.error("error: %s", error)
        sys.exit(1)
