"""experiments.yaml as a list of named experiments: each entry's grid expanded the way `dvc exp run -S` does.

An entry is one `--set-param` sweep: `train.random_forest.max_depth=2,4,8` is three experiments, and a list of
overrides is the grid of all of them. DVC's own expansion (`get_hydra_sweeps`) turns an entry into experiments, so
the plan holds exactly what `dvc exp run --queue -S ...` would queue.

Each experiment is named from its overrides alone (`max-depth-4`), so that the same entry gets the same name on
every push, on every CI machine, and in `make promote EXP=<name>`.
"""

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..core.config import describe_error
from ..core.errors import ProjectError
from ..core.paths import PARAMS_FILE

EXPERIMENTS_FILE = Path("experiments.yaml")
# Long names are cut to this many characters and given a hash of the overrides, which keeps them unique.
MAX_NAME_LENGTH = 40
HASH_LENGTH = 7
# What `git check-ref-format` and DVC (no "/") accept, kept to what reads well in a table and a CI job's name.
VALID_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]|\.(?!\.))*[a-z0-9]$|^[a-z0-9]$")


class ExperimentsFile(BaseModel):
    """A list of sweeps, each one override string or a list of them, and how many CI runs at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    experiments: list[str | list[str]] = Field(min_length=1)
    # CI runs each experiment in a job of its own, on a machine of its own: this caps the jobs (and so the
    # machines working) at a time; `make experiments` is bounded by the cores instead.
    max_parallel: int = Field(default=4, ge=1)


@dataclass(frozen=True)
class Experiment:
    """One planned experiment: its DVC name and the `--set-param` overrides that make it."""

    name: str
    overrides: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "overrides": list(self.overrides)}


def rejoin_values(items: list[Any]) -> list[Any]:
    """Undo YAML's split of a flow list: `[train.model=x, train.lr=0.05,0.1]` reads as three items, the last
    without `=`; such an item is one more value of the override before it, as the writer meant.
    """
    joined: list[Any] = []
    for item in items:
        if joined and isinstance(joined[-1], str) and isinstance(item, str) and "=" not in item:
            joined[-1] += f",{item.strip()}"
        else:
            joined.append(rejoin_values(item) if isinstance(item, list) else item)
    return joined


def read_file(path: Path) -> ExperimentsFile:
    """Parse and validate experiments.yaml; one line naming the problem when it is wrong.

    Every value is read as the text written (YAML's base loader): `0.10` stays `0.10`, as on DVC's command line.
    """
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except yaml.YAMLError as error:
        raise ProjectError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    try:
        if isinstance(raw, dict) and isinstance(raw.get("experiments"), list):
            raw["experiments"] = rejoin_values(raw["experiments"])
        return ExperimentsFile.model_validate(raw or {})
    except ValidationError as error:
        raise ProjectError(
            describe_error(error, path) + "; it holds `experiments:`, a list of overrides such as `<key>=1,2`"
        ) from None


def dotted_keys(params: dict[str, Any], prefix: str = "") -> list[str]:
    """Every key of params.yaml as a dotted name, sections included (`train`, `train.max_depth`, ...)."""
    keys = []
    for key, value in params.items():
        name = f"{prefix}{key}"
        keys.append(name)
        if isinstance(value, dict):
            keys += dotted_keys(value, f"{name}.")
    return keys


def check_overrides(entry: list[str], keys: list[str], path: Path) -> None:
    """Refuse an override DVC cannot parse, one that is not a plain `key=value`, or a key params.yaml lacks."""
    from dvc.utils.hydra import to_hydra_overrides
    from hydra.core.override_parser.types import OverrideType
    from hydra.errors import OverrideParseException

    try:
        overrides = to_hydra_overrides(entry)
    except OverrideParseException as error:
        problem = str(error).splitlines()[0]
        raise ProjectError(f"{path}: cannot read {entry!r}: {problem}; write `section.key=value[,value...]`") from None
    for override in overrides:
        if override.type != OverrideType.CHANGE or override.package is not None:
            raise ProjectError(
                f"{path}: {override.input_line!r} adds or removes a key; an experiment only changes a value of "
                f"{PARAMS_FILE}: write `section.key=value`"
            )
        key = override.key_or_group
        if key not in keys:
            nearest = difflib.get_close_matches(key, keys, n=1)
            hint = f"did you mean `{nearest[0]}`?" if nearest else f"use a dotted key that {PARAMS_FILE} holds"
            raise ProjectError(f"{path}: {key!r} is not a key of {PARAMS_FILE}; {hint}")


def expand(entry: list[str], path: Path) -> list[tuple[str, ...]]:
    """Every combination of the entry's values, in DVC's order (`dvc exp run --queue -S ...` queues the same)."""
    from dvc.exceptions import InvalidArgumentError
    from dvc.utils.hydra import get_hydra_sweeps
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        sweeps = get_hydra_sweeps({str(PARAMS_FILE): entry})
    except (InvalidArgumentError, HydraException, OmegaConfBaseException) as error:
        problem = str(error).splitlines()[0]
        raise ProjectError(
            f"{path}: cannot expand {entry!r}: {problem}; give a list of values (`a,b`) or a range (`range(1,4)`)"
        ) from None
    return [tuple(sweep[str(PARAMS_FILE)]) for sweep in sweeps]


def short_hash(overrides: tuple[str, ...]) -> str:
    return hashlib.sha1("\n".join(overrides).encode("utf-8")).hexdigest()[:HASH_LENGTH]


def slug(text: str) -> str:
    """Lower case; any other run of characters, and a dot beside it, becomes one dash; no dash or dot at the ends."""
    text = re.sub(r"[^a-z0-9.]+", "-", text.lower())
    text = re.sub(r"[-.]*-[-.]*", "-", text)
    text = re.sub(r"\.{2,}", ".", text)
    return text.strip("-.")


def readable_name(overrides: tuple[str, ...]) -> str:
    """`train.random_forest.max_depth=4` → `max-depth-4`: the last part of each key, and its value.

    Two experiments that would share a name (the same setting of two model families) are told apart by a hash.
    """
    parts = []
    for override in overrides:
        key, _, value = override.partition("=")
        parts.append(f"{key.rsplit('.', 1)[-1]}-".replace("_", "-") + value)
    return slug("-".join(parts))


def with_hash(name: str, overrides: tuple[str, ...]) -> str:
    head = name[: MAX_NAME_LENGTH - HASH_LENGTH - 1].strip("-.")
    return f"{head}-{short_hash(overrides)}" if head else f"exp-{short_hash(overrides)}"


def experiment_name(overrides: tuple[str, ...]) -> str:
    """A short, git-ref-safe name that depends on the overrides alone; cut and hashed when long or unusable."""
    name = readable_name(overrides)
    if len(name) > MAX_NAME_LENGTH or not VALID_NAME.match(name) or name.endswith(".lock"):
        name = with_hash(name, overrides)
    return name


def name_all(sweeps: list[tuple[str, ...]]) -> list[Experiment]:
    """Names for every experiment; two that would share one both get their overrides' hash."""
    names = [experiment_name(overrides) for overrides in sweeps]
    shared = {name for name in names if names.count(name) > 1}
    return [
        Experiment(name=with_hash(name, overrides) if name in shared else name, overrides=overrides)
        for name, overrides in zip(names, sweeps, strict=True)
    ]


def max_parallel(path: Path = EXPERIMENTS_FILE) -> int:
    """How many experiments CI runs at once: the file's `max_parallel`, its default without a file."""
    if not path.is_file():
        return ExperimentsFile.model_fields["max_parallel"].default
    return read_file(path).max_parallel


def plan_experiments(path: Path = EXPERIMENTS_FILE, params_path: Path = PARAMS_FILE) -> list[Experiment]:
    """The experiments experiments.yaml asks for, validated against params.yaml; none when there is no file."""
    if not path.is_file():
        return []
    entries = [[entry] if isinstance(entry, str) else entry for entry in read_file(path).experiments]
    try:
        keys = dotted_keys(yaml.safe_load(params_path.read_text(encoding="utf-8")) or {})
    except FileNotFoundError:
        raise ProjectError(f"{params_path} not found: run the command from the project root") from None
    sweeps: list[tuple[str, ...]] = []
    for entry in entries:
        if not entry:
            raise ProjectError(f"{path}: an entry is an empty list; give it at least one `section.key=value`")
        check_overrides(entry, keys, path)
        for overrides in expand(entry, path):
            if overrides in sweeps:
                raise ProjectError(
                    f"{path}: {' '.join(overrides)!r} is planned twice; remove it from one of the entries"
                )
            sweeps.append(overrides)
    return name_all(sweeps)
