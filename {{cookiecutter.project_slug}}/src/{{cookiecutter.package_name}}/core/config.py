{%- set task = cookiecutter._tasks[cookiecutter.task] -%}
"""params.yaml as typed, validated settings: a typo or an out-of-range value stops a stage before any work.

The sections every task shares (seed, report, gate) are here; the task's own (data, prepare, train, ...) are in
`task_params`.
"""

import difflib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from .errors import ProjectError
from .paths import PARAMS_FILE
from .section import Section
from .task_params import TaskParams

# The metrics the evaluate stage writes that can decide the report's verdict.
PrimaryMetric = Literal[{{ task.metrics | map("tojson") | join(", ") }}]
# The metrics that are better when lower (errors): the verdict and the gate's drop rules turn round for them.
LOWER_IS_BETTER: frozenset[str] = frozenset({{ task.lower_is_better | tojson }})


class ReportParams(Section):
    """How the pull-request report judges a change."""

    primary_metric: PrimaryMetric = "{{ task.primary_metric }}"


class GateParams(Section):
    """The quality gate: what a change must reach (or stay under), and how far it may worsen against the base."""

    minimum: dict[str, float] = {}
    maximum: dict[str, float] = {}
    max_drop: dict[str, float] = Field(default={}, description="largest allowed worsening of each metric; 0 or more")
    only_clear_drops: bool = Field(
        default=False, description="a drop beyond max_drop fails only when the interval of the change holds no zero"
    )

    @field_validator("max_drop")
    @classmethod
    def drops_are_not_negative(cls, drops: dict[str, float]) -> dict[str, float]:
        negative = [name for name, drop in drops.items() if drop < 0]
        if negative:
            raise ValueError(f"a drop is 0 or more, and {', '.join(negative)} has a negative one")
        return drops


class Params(TaskParams):
    """Everything in params.yaml: the task's sections and the shared ones."""

    seed: int
    report: ReportParams = ReportParams()
    gate: GateParams = GateParams()


def keys_at(location: tuple[str | int, ...]) -> list[str]:
    """The keys params.yaml may hold in the section at `location`, read from the typed sections."""
    section: type[BaseModel] | None = Params
    for part in location:
        field = section.model_fields.get(str(part)) if section else None
        annotation = field.annotation if field else None
        section = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return list(section.model_fields) if section else []


def nearest_key(key: str, parent: tuple[str | int, ...]) -> str | None:
    """The valid key nearest a misspelt one: in its own section, else in a section within it (`train.max_depth`
    is `train.random_forest.max_depth` where the settings go by model family)."""
    here = keys_at(parent)
    nearest = difflib.get_close_matches(key, here, n=1)
    if nearest:
        return nearest[0]
    below = {f"{section}.{name}": name for section in here for name in keys_at((*parent, section))}
    nearest = difflib.get_close_matches(key, list(below.values()), n=1)
    return next((dotted for dotted, name in below.items() if nearest and name == nearest[0]), None)


def describe_problem(problem: ErrorDetails) -> str:
    """One problem as `train.random_forest.n_estimators: <what is wrong> (got 0)`; an unknown key with the nearest
    valid one."""
    location = ".".join(str(part) for part in problem["loc"]) or "top level"
    if problem["type"] == "extra_forbidden":
        *parent, key = problem["loc"]
        nearest = nearest_key(str(key), tuple(parent))
        prefix = "".join(f"{part}." for part in parent)
        return f"{location}: unknown key" + (f", did you mean {prefix}{nearest}?" if nearest else "")
    message = f"{location}: {problem['msg']}"
    if problem["type"] != "missing":
        message += f" (got {problem['input']!r})"
    return message


def describe_error(error: ValidationError, path: Path) -> str:
    """Every problem at once, on one line: `params.yaml: data.targt: unknown key, did you mean data.target?; ...`."""
    return f"{path}: " + "; ".join(describe_problem(problem) for problem in error.errors())


def load_params(path: Path = PARAMS_FILE) -> Params:
    """Read and validate params.yaml; raise `ProjectError` naming every offending key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{path} not found: run the command from the project root") from None
    except yaml.YAMLError as error:
        raise ProjectError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    try:
        return Params.model_validate(raw or {})
    except ValidationError as error:
        raise ProjectError(describe_error(error, path)) from None
