"""The pipeline as CI runs it on a fresh clone: download what the run needs, not what the remote holds.

`dvc repro --pull` costs grow with the remote, not with the change: it first downloads every run-cache entry the
remote holds (a year of pushes is thousands of small files), then pulls every output of every stage, the raw
data and the model included, even when no stage has to run. Here instead:

- Stages whose inputs did not change are skipped without downloading their outputs (`dvc repro --allow-missing`):
  dvc.lock already records them, and the remote already holds them.
- A stage that must run gets its missing inputs pulled, then looks itself up in the run-cache: only that stage's
  own entries are fetched (`runs/<key[:2]>/<key>/` on the remote, the key being the hash of its command,
  inputs and parameters), so a change already seen (a reverted parameter, a rerun) is restored, not retrained.
- Then only the report's files are pulled (the evaluation's metrics, predictions and pictures), and only what
  ran is pushed back, with its run entries.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dvc.config import RemoteConfigError
from dvc.exceptions import CheckoutError, DvcException, ReproductionError
from dvc.repo import Repo
from dvc.stage.cache import StageCache, _get_stage_hash

from ..core.errors import ProjectError

if TYPE_CHECKING:
    from dvc.stage import Stage

logger = logging.getLogger(__name__)


class StageRunCache(StageCache):
    """DVC's run-cache, fetching a stage's own entries from the remote when DVC looks the stage up in it.

    DVC looks a stage up only when the stage must run; its key is known by then, its inputs being in place. The
    hooks (`pull`, `_load`, `_get_stage_hash`) are DVC's internals as of the version requirements.txt pins;
    tests/test_ci.py fails if an upgrade changes them.
    """

    def pull(self, remote: str | None, odb: object = None) -> list[tuple[str, str]]:
        """The whole run-cache is not fetched up front: `_load` fetches each stage's entries when it needs them."""
        return []

    def _load(self, stage: "Stage") -> dict | None:
        """The newest run entry of the stage's key, its entries fetched from the remote first."""
        self.fetch_entries(_get_stage_hash(stage))
        return super()._load(stage)

    def fetch_entries(self, key: str) -> None:
        """Copy the remote's run entries of one stage key into the local run-cache (a missing remote: none)."""
        try:
            odb = self.repo.cloud.get_remote_odb(None, "fetch --run-cache", hash_name="md5-dos2unix")
        except RemoteConfigError as error:
            logger.warning("no run-cache to fetch: %s", error)
            return
        remote_dir = odb.fs.join(odb.path, "runs", key[:2], key)
        entries = list(odb.fs.find(remote_dir))
        for entry in entries:
            local = Path(self._get_cache_path(key, odb.fs.name(entry)))
            if not local.exists():
                local.parent.mkdir(parents=True, exist_ok=True)
                odb.fs.get_file(entry, str(local))
        logger.info("run-cache: %d entries of key %s fetched", len(entries), key[:12])


def report_stages(repo: Repo, report_files: Iterable[Path]) -> list[str]:
    """The stages whose outputs hold the report's files."""
    wanted = {path.as_posix() for path in report_files}
    return [stage.addressing for stage in repo.index.stages if any(str(out) in wanted for out in stage.outs)]


def reproduce_stages(repo: Repo) -> list["Stage"]:
    """The stages that must run, run or restored; the others skipped unless an input of one that runs is missing.

    `dvc.lock` can record outputs that never reached the remote (trained on a machine that did not push). A stage
    that must run then cannot pull them as inputs: every stage is then pulled, or run when the remote lacks its
    outputs, as `dvc repro --pull` does.
    """
    try:
        return repo.reproduce(pull=True, allow_missing=True)
    except ReproductionError as error:
        if not isinstance(error.__cause__, CheckoutError):
            raise
        logger.warning("%s: pulling every stage, or running it where the remote lacks its outputs", error.__cause__)
        return repo.reproduce(pull=True)


@contextmanager
def dvc_messages_once() -> Iterator[None]:
    """DVC prints its messages through handlers of its own: they are kept from reaching ours a second time."""
    dvc_logger = logging.getLogger("dvc")
    propagate, dvc_logger.propagate = dvc_logger.propagate, False
    try:
        yield
    finally:
        dvc_logger.propagate = propagate


def reproduce(report_files: Iterable[Path]) -> list[str]:
    """Run the stages that must run, pull the report's files and push what ran; return the stages that ran."""
    try:
        with dvc_messages_once(), Repo(".") as repo:
            repo.stage_cache = StageRunCache(repo)
            ran = [stage.addressing for stage in reproduce_stages(repo)]
            logger.info("stages run or restored from the run-cache: %s", ", ".join(ran) or "none")
            if report := report_stages(repo, report_files):  # no targets would pull everything
                repo.pull(targets=report)
            if ran:
                repo.push(targets=ran, run_cache=True)
    except DvcException as error:
        cause = f" ({error.__cause__})" if error.__cause__ else ""
        raise ProjectError(f"the pipeline could not run in CI: {error}{cause}") from None
    return ran
