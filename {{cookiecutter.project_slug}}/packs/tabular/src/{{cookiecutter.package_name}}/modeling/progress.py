"""An estimator's own progress lines while it fits, and no more of them than a log can take.

A forest reports through joblib, a line per batch of trees. Gradient boosting prints nothing between its start and
its summary at verbose 1, and a line per round at verbose 2 (`[12/100] 3 trees, 40 leaves (13 on avg), max depth =
5, in 0.004s`): hundreds for a long fit, so its round lines are thinned out to one every tenth of the rounds, the
first and the last kept. A linear model has nothing to show.
"""

import contextlib
import io
import re
import sys
from collections.abc import Iterator
from typing import TextIO

from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

# Gradient boosting's line for one round: `[done/total] ...`.
ROUND_LINE = re.compile(r"\[(\d+)/(\d+)\] ")
ROUND_LINES_SHOWN = 10


def shown(line: str) -> bool:
    """Every line but a round line between two tenths of the rounds."""
    round_line = ROUND_LINE.match(line)
    if round_line is None:
        return True
    done, total = int(round_line[1]), int(round_line[2])
    return done in (1, total) or done % max(total // ROUND_LINES_SHOWN, 1) == 0


class ThinnedLines(io.TextIOBase):
    """A text stream that passes on the lines `shown` keeps to another stream, each once it is whole: a round's
    line is printed in two parts."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self.partial = ""

    def write(self, text: str) -> int:
        *lines, self.partial = (self.partial + text).split("\n")
        for line in filter(shown, lines):
            self.target.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def close(self) -> None:
        """Pass on a last line left without its line break."""
        if self.partial and shown(self.partial):
            self.target.write(self.partial + "\n")
        self.partial = ""
        self.flush()
        super().close()


@contextlib.contextmanager
def progress_shown(estimator: BaseEstimator) -> Iterator[None]:
    """The estimator's progress lines on while the block runs (its fit), then back off: evaluate and the API predict
    with the saved model, and would print them too."""
    quiet = estimator.get_params().get("verbose")
    if quiet is None:
        yield
        return
    rounds = isinstance(estimator, HistGradientBoostingClassifier | HistGradientBoostingRegressor)
    estimator.set_params(verbose=2 if rounds else 1)
    # Printed to stderr, beside joblib's lines and the log: stdout is buffered in a pipe, and would come late.
    thinned = ThinnedLines(sys.stderr)
    try:
        with contextlib.redirect_stdout(thinned):
            yield
    finally:
        thinned.close()
        estimator.set_params(verbose=quiet)
