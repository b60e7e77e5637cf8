"""Before the serving image is built: fetch exactly the model that `dvc.lock` records, and prove it is that one.

The pull request's report evaluated the model whose hash CI wrote into `dvc.lock`. The deploy workflow runs
`make release-model` on the commit that Train recorded for main: it refuses a `dvc.lock` that does not match
that commit's code, parameters and data (two merged pull requests that both retrained leave main's lock
describing only one of them), then pulls the model from the DVC remote and refuses to go on when the remote
does not have it or the file that arrived has another hash. The model's evaluation metrics and predictions
come too, for the API's `/model`, and the model card is written for it (`model_card`, against the last commit
that recorded another model), for the image to serve at `/model/card`. The hash is handed to the image build
as a label, so a running container can always be traced back to the model and the report.

Usage: python -m {{ cookiecutter.package_name }} release [--model models/model.joblib]
"""

import argparse
import logging
import os
import subprocess
from pathlib import Path

from ..core.errors import ProjectError
from ..core.hashing import output_md5
from ..core.paths import LOCK_FILE, METRICS_FILE, MODEL_PATH, PREDICTIONS_FILE
from ..core.step_outputs import write_step_outputs
from .lockfile import locked_md5, previous_model_revision
from .model_card import write_model_card

logger = logging.getLogger(__name__)


def check_lock_matches_pipeline() -> None:
    """Refuse a `dvc.lock` whose stages' recorded inputs differ from this commit's code, parameters or data.

    DVC's own dry run compares each stage with the lock; with `allow_missing` it needs none of the data, only the
    recorded hashes. A stage it would run, or one it cannot even plan without outputs of a changed stage before
    it, is out of date.
    """
    from dvc.exceptions import ReproductionError
    from dvc.repo import Repo

    with Repo(".") as repo:
        try:
            stale = [stage.addressing for stage in repo.reproduce(dry=True, allow_missing=True)]
        except ReproductionError as error:
            stale = [str(error)]
    if stale:
        raise ProjectError(
            f"{LOCK_FILE} does not match the pipeline at this commit ({'; '.join(stale)}): deploy the commit on "
            f"which the Train workflow recorded {LOCK_FILE}, or run `dvc repro`, `dvc push` and commit {LOCK_FILE}"
        )


def pull_output(output_path: Path) -> None:
    """Fetch one pipeline output from the remote; a remote without it stops the release."""
    command = ["dvc", "pull", str(output_path)]
    logger.info("$ %s", " ".join(command))
    if subprocess.run(command, check=False).returncode != 0:
        raise ProjectError(
            f"the DVC remote does not have the {output_path} that {LOCK_FILE} records: "
            "let the training workflow finish on the branch (it pushes its outputs), or run `dvc push`"
        )


def pull_if_present(output_path: Path) -> None:
    """Fetch an output that only adds to the release (the card's intervals): a remote without it is no error."""
    if subprocess.run(["dvc", "pull", str(output_path)], check=False).returncode != 0:
        logger.warning("no %s in the DVC remote: the model card goes without its intervals", output_path)


def release_model(lock_file: Path, output_path: Path) -> str:
    """Pull the locked model and return its md5 once the file on disk is proven to be that model."""
    expected = locked_md5(output_path, lock_file)
    pull_output(output_path)
    actual = output_md5(output_path)
    if actual != expected:
        raise ProjectError(
            f"{output_path} has md5 {actual} but {lock_file} records {expected}: "
            "the remote holds another model; run `dvc repro`, `dvc push` and commit dvc.lock"
        )
    return expected


def main() -> None:
    parser = argparse.ArgumentParser(description="Pull the model dvc.lock records, check its hash, pull its metrics.")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    check_lock_matches_pipeline()
    md5 = release_model(LOCK_FILE, args.model)
    pull_output(METRICS_FILE)
    pull_if_present(PREDICTIONS_FILE)
    write_model_card(previous_model_revision(args.model))
    write_step_outputs({"model-md5": md5}, os.environ)
    logger.info("%s matches %s: md5 %s", args.model, LOCK_FILE, md5)
