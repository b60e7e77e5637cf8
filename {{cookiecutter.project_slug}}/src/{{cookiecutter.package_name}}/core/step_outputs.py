"""Values handed to a workflow's later steps, for the commands that run as GitHub Actions steps (ci, release, drift).

A module of its own, so that a command that only reports a value does not import the CI step's report and DVC.
"""

from collections.abc import Mapping


def write_step_outputs(outputs: Mapping[str, str], environ: Mapping[str, str]) -> None:
    """Hand values to later workflow steps through the file GitHub Actions names in GITHUB_OUTPUT."""
    output_path = environ.get("GITHUB_OUTPUT")
    if not output_path:
        return
    with open(output_path, "a", encoding="utf-8") as output_file:
        output_file.writelines(f"{name}={value}\n" for name, value in outputs.items())
