"""What every command-line entry point shares: logging set-up and turning user errors into one line."""

import gc
import logging
import sys
from collections.abc import Callable

from .errors import ProjectError

logger = logging.getLogger(__name__)
PACKAGE = __name__.partition(".")[0]


class LibraryTracebacksHidden(logging.Formatter):
    """Each record as its message; a traceback only when this package logged one.

    A library may log a traceback for a failure the user can fix (DVC logs one for a remote it cannot reach),
    which the command then reports as one line naming the fix; DVC's own command line hides them the same way.
    """

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and not record.name.startswith(PACKAGE):
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(record)


def run(main: Callable[[], None]) -> None:
    """Run a command's `main`, log a `ProjectError` as one line and exit 1, else exit 0."""
    # This package's progress at INFO; libraries such as DVC's AWS client only when something is wrong.
    handler = logging.StreamHandler()
    handler.setFormatter(LibraryTracebacksHidden("%(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    logging.getLogger(PACKAGE).setLevel(logging.INFO)
    try:
        main()
    except ProjectError as error:
        logger.error("error: %s", error)
        sys.exit(1)
    # The outputs are written and closed. Freezing the heap spares the exiting interpreter a last garbage
    # collection over everything pandas, scikit-learn and matplotlib allocated: about 0.5 s per stage.
    gc.freeze()
