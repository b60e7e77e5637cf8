"""What every command-line entry point shares: logging set-up and turning user errors into one line."""

import gc
import logging
import sys
from collections.abc import Callable

from .errors import ProjectError

logger = logging.getLogger(__name__)


def run(main: Callable[[], None]) -> None:
    """Run a command's `main`, log a `ProjectError` as one line and exit 1, else exit 0."""
    # This package's progress at INFO; libraries such as DVC's AWS client only when something is wrong.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger(__name__.partition(".")[0]).setLevel(logging.INFO)
    try:
        main()
    except ProjectError as error:
        logger.error("error: %s", error)
        sys.exit(1)
    # The outputs are written and closed. Freezing the heap spares the exiting interpreter a last garbage
    # collection over everything pandas, scikit-learn and matplotlib allocated: about 0.5 s per stage.
    gc.freeze()
