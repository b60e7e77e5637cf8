"""Whether the pipeline's outputs in the workspace are the ones `dvc.lock` records.

git switches dvc.lock with the branch, but not the outputs DVC keeps out of git: after `git checkout main` without
`dvc checkout`, the workspace still holds the other branch's model and metrics, and the report, the gate or the
server would present them as main's. The git hooks that `dvc install` set up check the outputs out on each switch;
this check refuses what they cannot fix (no hooks, an output edited by hand, inputs changed since the last run,
outputs never pulled), naming the outputs and the DVC command that brings them back in line.

It applies where the outputs come from a DVC pipeline (a dvc.lock and a DVC repository): the serving image has
neither, and before the first `dvc repro` there is no lock to compare with.
"""

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ProjectError
from .paths import LOCK_FILE

if TYPE_CHECKING:
    from dvc.output import Output
    from dvc.repo import Repo
    from dvc.stage import Stage

logger = logging.getLogger(__name__)

# DVC's words for an output that differs from the lock (`Output.status()`).
NOT_IN_CACHE = "not in cache"
DELETED = "deleted"
MODIFIED = "modified"


@dataclass
class StaleOutputs:
    """The outputs that do not match dvc.lock, by what is wrong with them (each list names outputs)."""

    not_in_cache: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    other_revision: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)
    changed_inputs: list[str] = field(default_factory=list)

    def only(self, paths: Collection[Path]) -> "StaleOutputs":
        """The same findings restricted to `paths` (the inputs that made them stale kept as they are)."""
        keep = {path.as_posix() for path in paths}

        def kept(names: list[str]) -> list[str]:
            return [name for name in names if name in keep]

        outdated = kept(self.outdated)
        return StaleOutputs(
            not_in_cache=kept(self.not_in_cache),
            missing=kept(self.missing),
            other_revision=kept(self.other_revision),
            edited=kept(self.edited),
            outdated=outdated,
            changed_inputs=self.changed_inputs if outdated else [],
        )

    def message(self) -> str:
        """One line: what is wrong with which outputs, then the commands that fix it, in the order to run them."""
        problems, commands = [], []
        if self.not_in_cache:
            problems.append(f"{listed(self.not_in_cache)} not in the local DVC cache")
            commands.append("dvc pull")
        if self.missing:
            problems.append(f"{listed(self.missing)} missing")
        if self.other_revision:
            problems.append(f"{listed(self.other_revision)} another revision's (git switched {LOCK_FILE}, not them)")
        if self.missing or self.other_revision:
            commands.append("dvc checkout")
        if self.edited:
            problems.append(f"{', '.join(self.edited)} changed since the pipeline wrote {pronoun(self.edited)}")
        if self.outdated:
            problems.append(f"{listed(self.outdated)} older than their inputs ({', '.join(self.changed_inputs)})")
        if self.edited or self.outdated:
            commands.append("dvc repro")
        if not problems:
            return ""
        fixes = ", then ".join(f"`{command}`" for command in commands)
        return f"the pipeline's outputs do not match {LOCK_FILE}: {'; '.join(problems)}; run {fixes}"


def listed(names: list[str]) -> str:
    return f"{', '.join(names)} {'is' if len(names) == 1 else 'are'}"


def pronoun(names: list[str]) -> str:
    return "it" if len(names) == 1 else "them"


def in_cache(output: "Output") -> bool:
    """Whether the workspace's version of an output is one DVC saved (another revision's), not an edit."""
    return bool(output.cache.exists(output.get_hash().value))


def outputs_of(stages: Iterable["Stage"]) -> list[str]:
    return [str(output) for stage in stages for output in stage.outs]


def changed_inputs(stage: "Stage", judged: set[str]) -> list[str]:
    """The stage's dependencies and command that changed since dvc.lock; outputs already judged are left out."""
    changed = [str(dep) for dep in stage.deps if str(dep) not in judged and dep.status()]
    return [*changed, f"the command of {stage.addressing}"] if stage.changed_stage() else changed


def find_stale_outputs(repo: "Repo") -> StaleOutputs:
    """Compare every output, then every stage's own inputs, with dvc.lock, as `dvc status` does.

    Data added with `dvc add` is an input: when it differs from its .dvc file and DVC never saved that version
    (new data, not yet added), the outputs made from it are older than it.
    """
    import networkx as nx

    stale = StaleOutputs()
    stages = list(repo.index.stages)
    for stage in stages:
        for output in stage.outs:
            state = output.status().get(str(output))
            if state == NOT_IN_CACHE and output.workspace_status():  # in the workspace, it is what the lock says
                stale.not_in_cache.append(str(output))
            elif state == DELETED:
                stale.missing.append(str(output))
            elif state == MODIFIED and in_cache(output):
                stale.other_revision.append(str(output))
            elif state == MODIFIED and not stage.is_data_source:
                stale.edited.append(str(output))
    judged = set(stale.not_in_cache + stale.missing + stale.other_revision + stale.edited)
    pipeline_outputs = set(outputs_of(stage for stage in stages if not stage.is_data_source))
    for stage in stages:
        if stage.is_data_source or not (inputs := changed_inputs(stage, judged | pipeline_outputs)):
            continue
        # The stages that depend on this one are stale with it: the graph's edges point at a stage's dependencies.
        affected = outputs_of([stage, *nx.ancestors(repo.index.graph, stage)])
        stale.outdated += [name for name in affected if name not in judged]
        stale.changed_inputs += inputs
    stale.outdated = list(dict.fromkeys(stale.outdated))
    stale.changed_inputs = list(dict.fromkeys(stale.changed_inputs))
    return stale


def require_current_outputs(paths: Collection[Path] | None = None) -> None:
    """Refuse pipeline outputs (all, or those in `paths`) that do not match dvc.lock, naming the fix.

    Nothing to check without dvc.lock (before the first `dvc repro`, or in the serving image); without DVC
    installed, or outside a DVC repository, the check is skipped with a warning.
    """
    if not LOCK_FILE.is_file():
        return
    try:
        from dvc.exceptions import DvcException, NotDvcRepoError
        from dvc.repo import Repo
    except ImportError:
        logger.warning("DVC is not installed: the outputs are not checked against %s", LOCK_FILE)
        return
    try:
        with Repo(".") as repo:
            stale = find_stale_outputs(repo)
    except NotDvcRepoError:
        logger.warning("not a DVC repository: the outputs are not checked against %s", LOCK_FILE)
        return
    except DvcException as error:
        raise ProjectError(f"cannot compare the outputs with {LOCK_FILE}: {error}") from None
    message = (stale if paths is None else stale.only(paths)).message()
    if message:
        raise ProjectError(message)
