"""matplotlib's pyplot for drawing the pipeline's pictures to files."""

from types import ModuleType


def pyplot() -> ModuleType:
    """pyplot on its file-only backend (no display in CI), imported when a picture is drawn.

    Importing pyplot takes about half a second, which every command that imports a module with pictures but only
    scores or reads (the report's intervals, the experiments' leaderboard) would otherwise pay.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot

    return matplotlib.pyplot
