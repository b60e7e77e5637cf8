"""The one exception type for problems a user can fix."""


class ProjectError(Exception):
    """A problem in the user's data, parameters or set-up.

    Its message names the problem and the fix on one line; the command-line entry points print it without a
    traceback and exit non-zero.
    """
