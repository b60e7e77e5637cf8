"""What changed in the data between the base and this change: the report's data section.

A change that only alters the data (rows cut from the raw table, then `dvc add`) moves the metrics as much as a
parameter does, so the report says which DVC-tracked files differ from the base (DVC's own `dvc diff`, leaving out
what the pipeline writes), and, when the raw table is one of them, how its rows, columns and target compare.
"""

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.paths import LOCK_FILE
from .lockfile import outputs_recorded_at, recorded_outputs
from .prediction_report import target_summary
from .revision_files import read_at_base

logger = logging.getLogger(__name__)

# How `dvc diff` names each kind of change, and how the report words it.
CHANGE_KINDS = {"added": "added", "modified": "changed", "deleted": "removed", "renamed": "renamed"}


@dataclass(frozen=True)
class TableShape:
    """A raw table as the report describes it: its size, its columns and its target's distribution."""

    rows: int
    columns: list[str]
    target: dict[str, str]

    @classmethod
    def read(cls, content: bytes, target: str) -> "TableShape":
        table = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
        summary = target_summary(table[target]) if target in table else {}
        return cls(rows=len(table), columns=list(table.columns), target=summary)


def pipeline_outputs(base: str) -> set[Path]:
    """What the pipeline writes, at the base or here: these change with every retraining, so they are not data."""
    here = recorded_outputs(LOCK_FILE.read_text(encoding="utf-8")) if LOCK_FILE.is_file() else {}
    return set(outputs_recorded_at(base)) | set(here)


def within(path: str, outputs: Iterable[Path]) -> bool:
    """Whether `path` is one of `outputs` or a file inside one of them."""
    return any(Path(path) == output or output in Path(path).parents for output in outputs)


def changed_data(base: str) -> dict[str, str]:
    """Each DVC-tracked data file that differs from the base, with how (added, changed, removed, renamed).

    Data that this checkout tracks but never pulled (CI leaves the raw data in the remote when no stage needs
    it) is absent, not removed: it is compared as the last commit records it.
    """
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        with Repo(".") as repo:
            diff = repo.diff(a_rev=base)
            tracked = [Path(str(out)) for out in repo.index.outs]
            unpulled = [
                entry["path"]
                for entry in diff.get("deleted", [])
                if within(entry["path"], tracked) and not Path(entry["path"]).exists()
            ]
            if unpulled:
                diff["deleted"] = [entry for entry in diff["deleted"] if entry["path"] not in unpulled]
                for kind, entries in repo.diff(a_rev=base, b_rev="HEAD", targets=unpulled).items():
                    diff.setdefault(kind, []).extend(entries)
    except DvcException as error:
        logger.warning("no data comparison with %s: %s", base, error)
        return {}
    outputs = pipeline_outputs(base)
    changes = {}
    for kind, word in CHANGE_KINDS.items():
        for entry in diff.get(kind, []):
            path = entry["path"]["new"] if kind == "renamed" else entry["path"]
            if not within(path, outputs):
                changes[path.rstrip("/")] = word
    return changes


def table_lines(base: str, raw: Path, target: str) -> list[str]:
    """The raw table at the base and here, side by side: rows, columns, and the target's distribution."""
    base_content = read_at_base((raw,), base)[raw]
    old = TableShape.read(base_content, target) if base_content is not None else None
    new = TableShape.read(raw.read_bytes(), target) if raw.is_file() else None
    if old is None or new is None:
        return [f"`{raw}` {'is not available at' if old is None else 'is missing here, unlike'} `{base}`.", ""]
    lines = [f"| `{raw}` | `{base}` | This change |", "|---|---:|---:|"]
    lines += [f"| rows | {old.rows} | {new.rows} |", f"| columns | {len(old.columns)} | {len(new.columns)} |"]
    lines += [
        f"| {name} | {old.target.get(name, '—')} | {new.target.get(name, '—')} |"
        for name in dict.fromkeys([*old.target, *new.target])
    ]
    added = [f"`{column}`" for column in new.columns if column not in old.columns]
    removed = [f"`{column}`" for column in old.columns if column not in new.columns]
    lines.append("")
    if added:
        lines += [f"Columns added: {', '.join(added)}.", ""]
    if removed:
        lines += [f"Columns removed: {', '.join(removed)}.", ""]
    return lines


def data_section(base: str, raw: Path, target: str) -> list[str]:
    """The report's data section: the data files that differ from the base, and the raw table's figures if it does."""
    changes = changed_data(base)
    if not changes:
        return [f"No DVC-tracked data differs from `{base}`.", ""]
    lines = [
        f"The data differs from `{base}`, so the metrics above do not compare the models alone:",
        "",
        *[f"- `{path}`: {word}" for path, word in sorted(changes.items())],
        "",
    ]
    if raw.as_posix() in changes:
        lines += table_lines(base, raw, target)
    return lines
