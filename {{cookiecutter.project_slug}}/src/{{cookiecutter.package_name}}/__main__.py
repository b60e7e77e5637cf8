{%- set task = cookiecutter._tasks[cookiecutter.task] -%}
"""The package's commands, each run as `python -m <package> <command> [arguments]`:

    python -m {{ cookiecutter.package_name }} report --base main

dvc.yaml, the Makefile, the Dockerfile and the workflows call the commands by these names, so a module can move
inside the package without any of them changing. `--help` after a command shows its arguments.
"""

import importlib
import logging
import sys

from .core.cli import run

logger = logging.getLogger(__name__)

# Each command: the module whose `main()` runs it, and what it does. Modules are imported only when their
# command runs, so that `prepare` does not pay for scikit-learn nor `serve` for DVC.
COMMANDS: dict[str, tuple[str, str]] = {
    "prepare": ("stages.prepare", "pipeline stage: split the raw data"),
    "train": ("stages.train", "pipeline stage: fit the model"),
    "evaluate": ("stages.evaluate", "pipeline stage: score the model on the test rows"),
    "report": ("ct.report", "write the pull-request report against a base revision"),
    "gate": ("ct.gate", "apply the quality gate of params.yaml against a base revision"),
    "model-card": ("ct.model_card", "write MODEL_CARD.md for the current model"),
    "experiments": ("ct.experiments", "plan, run, rank or promote the experiments of experiments.yaml"),
    "ci": ("ct.ci", "the CI training step: repro, push, report, commit dvc.lock"),
    "release": ("ct.release", "pull the model dvc.lock records, its hash checked"),
{%- if task.drift %}
    "drift": ("monitoring.drift", "check a batch of inputs for drift from the training data"),
{%- endif %}
    "serve": ("serving.server", "serve the model's predictions over HTTP"),
    "md5": ("core.hashing", "print the md5 DVC records for a file or folder"),
    "setup": ("core.repository", "set up git, DVC, the remote and the sample where not done yet"),
}


def usage() -> str:
    lines = [f"usage: python -m {__package__} <command> [arguments]", "", "commands:"]
    lines += [f"  {name:<11} {summary}" for name, (_, summary) in COMMANDS.items()]
    return "\n".join(lines)


def main() -> None:
    """Run the command that the first argument names, with the rest of the arguments."""
    if len(sys.argv) < 2 or sys.argv[1] in {"-h", "--help"}:
        print(usage())
        sys.exit(0 if len(sys.argv) >= 2 else 2)
    command, arguments = sys.argv[1], sys.argv[2:]
    if command not in COMMANDS:
        logging.basicConfig(format="%(message)s")
        logger.error("error: unknown command %r; the commands are: %s", command, ", ".join(COMMANDS))
        sys.exit(2)
    module = importlib.import_module(f".{COMMANDS[command][0]}", __package__)
    sys.argv = [f"{__package__} {command}", *arguments]  # argparse names the command in its usage line
    run(module.main)


if __name__ == "__main__":
    main()
