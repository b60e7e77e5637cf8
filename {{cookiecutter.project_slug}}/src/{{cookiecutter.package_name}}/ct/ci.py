"""What the training job runs in CI once the machine is set up: `make ci`. It runs the same way on a laptop.

1. The pipeline (`ci_pipeline`): only the stages whose inputs changed run, each restored from the remote's
   run-cache when that run was seen before; unchanged stages are skipped without downloading their outputs, and
   only the report's files are pulled. A push that changes neither data nor pipeline downloads a few small files.
2. What ran goes back to the remote with its run entries, for the next run, for teammates, and for the deploy
   workflow, which builds the serving image from the model `dvc.lock` records.
3. The report against the base revision: a pull request's base branch; on a push, the default branch for
   other branches and the previous commit for the default branch itself.
4. `dvc.lock` committed when the run changed it, so the branch records the model it trained and the merge
   deploys exactly that model. The workflow pushes the commit; its message tells GitHub not to run again.

In GitHub Actions the event decides the base and where the report goes, and the report links to the run's
page for its pictures (the workflow keeps them as the run's `model-report` artifact). The base and the target
are written to the step's outputs (`base`: the revision compared with; `comment-target`: pr, commit or auto;
`lock-committed`: true or false), so that the quality gate, a later step, judges against the same base.
Elsewhere `--base` decides.

Usage: python -m {{ cookiecutter.package_name }} ci [--base main] [--output report.md]
"""

import argparse
import json
import logging
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ProjectError
from ..core.paths import LOCK_FILE, METRICS_FILE, PREDICTIONS_FILE
from ..core.step_outputs import write_step_outputs
from .ci_pipeline import reproduce
from .prediction_report import PICTURES
from .report import write_report

logger = logging.getLogger(__name__)

LOCK_COMMIT_MESSAGE = "Record the model trained in CI in dvc.lock [skip ci]"
NULL_COMMIT = "0" * 40


@dataclass(frozen=True)
class GitHubEvent:
    """The parts of a GitHub Actions event that decide what the report compares with."""

    name: str
    ref_name: str
    base_ref: str = ""
    before: str = ""
    default_branch: str = "main"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> "GitHubEvent | None":
        """The running workflow's event, or None outside GitHub Actions."""
        if environ.get("GITHUB_ACTIONS") != "true":
            return None
        payload_path = environ.get("GITHUB_EVENT_PATH", "")
        payload = json.loads(Path(payload_path).read_text(encoding="utf-8")) if Path(payload_path).is_file() else {}
        return cls(
            name=environ.get("GITHUB_EVENT_NAME", "push"),
            ref_name=environ.get("GITHUB_REF_NAME", ""),
            base_ref=environ.get("GITHUB_BASE_REF", ""),
            before=payload.get("before") or "",
            default_branch=(payload.get("repository") or {}).get("default_branch") or "main",
        )


def run_page(environ: Mapping[str, str]) -> str | None:
    """The running workflow run's page on GitHub, whose artifacts the repository's own access rules guard."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return None
    return f"{environ['GITHUB_SERVER_URL']}/{environ['GITHUB_REPOSITORY']}/actions/runs/{environ['GITHUB_RUN_ID']}"


@dataclass(frozen=True)
class ReportPlan:
    """The revision to compare with, and where CML should post the report."""

    base: str
    comment_target: str


def plan_report(event: GitHubEvent) -> ReportPlan:
    """Compare a pull request with its base branch; a push with the branch a pull request would target.

    A push to the default branch has no pull request to compare with: it is compared with the commit it
    follows (`before`), or with its parent when GitHub gives none (a new branch or a forced push).
    """
    if event.name == "pull_request":
        return ReportPlan(base=f"origin/{event.base_ref}", comment_target="pr")
    if event.ref_name == event.default_branch:
        previous = event.before if event.before and event.before != NULL_COMMIT else "HEAD~1"
        return ReportPlan(base=previous, comment_target="commit")
    # CML's "auto" posts on the branch's pull request when there is one, else on the commit.
    return ReportPlan(base=f"origin/{event.default_branch}", comment_target="auto")


def is_commit(revision: str) -> bool:
    as_commit = revision + "^{commit}"
    check = subprocess.run(["git", "rev-parse", "--verify", "--quiet", as_commit], capture_output=True, check=False)
    return check.returncode == 0


def existing_revision(revision: str) -> str:
    """`revision` when this clone has it as a commit, else the parent commit, else HEAD itself.

    A forced push names a `before` commit that no branch holds any more; a first push has no parent at all.
    """
    for candidate in (revision, "HEAD~1"):
        if is_commit(candidate):
            if candidate != revision:
                logger.warning("%s is not in this clone's history: comparing with %s instead", revision, candidate)
            return candidate
    logger.warning("%s is not in this clone's history and HEAD has no parent: comparing with HEAD", revision)
    return "HEAD"


def run_command(*command: str) -> None:
    """Run a command with its output shown as it comes; a failure names the command."""
    logger.info("$ %s", " ".join(command))
    if subprocess.run(command, check=False).returncode != 0:
        raise ProjectError(f"`{' '.join(command)}` failed (its output is above)")


def lock_changed() -> bool:
    """True when `dvc.lock` differs from the last commit, or is new."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", LOCK_FILE], check=True, capture_output=True, text=True
    )
    return bool(status.stdout.strip())


def commit_lock() -> None:
    run_command("git", "add", "--", str(LOCK_FILE))
    run_command("git", "commit", "--quiet", "--message", LOCK_COMMIT_MESSAGE, "--", str(LOCK_FILE))


def continuous_training(base: str, report_path: Path, pictures_url: str | None) -> bool:
    """Run the pipeline, share its results, write the report; return whether `dvc.lock` was committed."""
    reproduce((METRICS_FILE, PREDICTIONS_FILE, *PICTURES))
    text = write_report(base, report_path, pictures_url)
    logger.info("%s", text.splitlines()[2])
    if not lock_changed():
        logger.info("%s already records this model", LOCK_FILE)
        return False
    commit_lock()
    logger.info("%s changed: committed with %r", LOCK_FILE, LOCK_COMMIT_MESSAGE)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the pipeline, push its results and write the report.")
    parser.add_argument("--base", default="main", help="revision to compare with outside GitHub Actions")
    parser.add_argument("--output", type=Path, default=Path("report.md"))
    args = parser.parse_args()
    event = GitHubEvent.from_environment(os.environ)
    plan = plan_report(event) if event else ReportPlan(base=args.base, comment_target="auto")
    base = existing_revision(plan.base)
    logger.info("comparing with %s", base)
    lock_committed = continuous_training(base, args.output, run_page(os.environ))
    write_step_outputs(
        {"base": base, "comment-target": plan.comment_target, "lock-committed": str(lock_committed).lower()},
        os.environ,
    )
    logger.info("report written to %s", args.output.resolve())
