"""experiments.yaml planned, run and ranked: the plan against files made in tmp_path, the runs and DVC's records
of them in a real git + DVC repository whose one stage scores a parameter in a blink.
"""

import copy
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.ct import diffs
from {{ cookiecutter.package_name }}.ct.experiment_plan import (
    MAX_NAME_LENGTH,
    Experiment,
    experiment_name,
    plan_experiments,
)
from {{ cookiecutter.package_name }}.ct.experiment_results import (
    FAILED,
    QUEUED,
    SUCCESS,
    current_results,
    results_from_show,
)
from {{ cookiecutter.package_name }}.ct.experiment_runs import promote, run_one
from {{ cookiecutter.package_name }}.ct.experiments import pull_evaluation
from {{ cookiecutter.package_name }}.ct.leaderboard import (
    Reference,
    render_leaderboard,
)

PACKAGE = "{{ cookiecutter.package_name }}"
# The folder that holds the package, for commands run from another folder.
SOURCE_ROOT = Path(importlib.import_module(PACKAGE).__file__ or "").parents[1]
TRAIN = {"depth": 1, "leaf": 1, "baseline": dict(c=1.0)}
PARAMS = {"seed": 1, "train": TRAIN, "prepare": dict(test_size=0.2)}
# The one stage: a score that rises with the depth, and a division that fails at depth 0.
SCORE_SCRIPT = """\
import json, pathlib, yaml
depth = yaml.safe_load(open("params.yaml"))["train"]["depth"]
pathlib.Path("metrics").mkdir(exist_ok=True)
scores = dict(score=1 - 1 / depth, loss=1 / depth, per_class=dict(a=dict(f1=0.5)))
pathlib.Path("metrics/metrics.json").write_text(json.dumps(scores))
"""
DVC_YAML = {
    "stages": {
        "score": {"cmd": "python score.py", "deps": ["score.py"], "params": ["train"], "outs": ["metrics/metrics.json"]}
    },
    "metrics": ["metrics/metrics.json"],
}


def write_plan(root: Path, experiments: object) -> None:
    (root / "params.yaml").write_text(yaml.safe_dump(PARAMS), encoding="utf-8")
    text = experiments if isinstance(experiments, str) else yaml.safe_dump({"experiments": experiments})
    (root / "experiments.yaml").write_text(text, encoding="utf-8")


def test_plan_expands_each_entry_in_dvcs_order_and_names_it_from_its_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A flow list splits `2,3` at its comma in YAML; the plan reads it as the writer meant.
    entries = ["train.depth=2,4", "[train.leaf=5, train.baseline.c=0.10,20]", "train.leaf=range(2,4)"]
    write_plan(tmp_path, "experiments:\n" + "".join(f"  - {entry}\n" for entry in entries))
    monkeypatch.chdir(tmp_path)
    plan = plan_experiments()
    assert [(experiment.name, experiment.overrides) for experiment in plan] == [
        ("depth-2", ("train.depth=2",)),
        ("depth-4", ("train.depth=4",)),
        # DVC's expansion writes each value as it reads it: 0.10 is queued as 0.1.
        ("leaf-5-c-0.1", ("train.leaf=5", "train.baseline.c=0.1")),
        ("leaf-5-c-20", ("train.leaf=5", "train.baseline.c=20")),
        ("leaf-2", ("train.leaf=2",)),
        ("leaf-3", ("train.leaf=3",)),
    ]


def plan_command(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m <package> experiments plan ...` in a process of its own, as CI runs it."""
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT)}
    command = [sys.executable, "-m", PACKAGE, "experiments", "plan", *arguments]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)


def test_plan_json_is_the_list_ci_uses_as_a_matrix(tmp_path: Path) -> None:
    write_plan(tmp_path, ["train.depth=2,4"])
    result = plan_command(tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"name": "depth-2", "overrides": ["train.depth=2"]},
        {"name": "depth-4", "overrides": ["train.depth=4"]},
    ]


def test_plan_of_a_bad_file_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    write_plan(tmp_path, ["train.dept=2"])
    result = plan_command(tmp_path, "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: experiments.yaml: 'train.dept' is not a key of params.yaml; did you mean `train.depth`?"
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        ("train.depth=8",),
        ("train.model=hist_gradient_boosting", "train.learning_rate=0.05", "train.max_leaf_nodes=31"),
        ("train.name=a/b..c d@{x}.lock",),
        ("train.name=...",),
        ("train.value=-1",),
    ],
)
def test_names_are_short_valid_git_refs_and_stable(overrides: tuple[str, ...]) -> None:
    name = experiment_name(overrides)
    assert name == experiment_name(tuple(overrides))
    assert len(name) <= MAX_NAME_LENGTH
    assert "/" not in name
    ref = f"refs/exps/ab/cdef/{name}"
    assert subprocess.run(["git", "check-ref-format", ref], check=False).returncode == 0, name


def test_names_that_would_collide_get_their_overrides_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_plan(tmp_path, ["train.leaf=1", "prepare.test_size=0.3", "train.baseline.c=1"])
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({**PARAMS, "prepare": dict(leaf=2)}), encoding="utf-8")
    (tmp_path / "experiments.yaml").write_text("experiments: [train.leaf=1, prepare.leaf=1]", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    names = [experiment.name for experiment in plan_experiments()]
    assert len(set(names)) == 2
    assert all(name.startswith("leaf-1-") for name in names)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("experiments: [train.dept=2]", "'train.dept' is not a key of params.yaml; did you mean `train.depth`?"),
        ("experiments: [+train.new=2]", "adds or removes a key"),
        ("experiments: [train.depth=[1]", "is not valid YAML"),
        ("experiments: ['train.depth=[1']", "cannot read"),
        ("experiments: ['train.depth=1,range(2,4)']", "cannot expand"),
        ("experiment: [train.depth=2]", "experiments: Field required"),
        ("experiments: []", "experiments: List should have at least 1 item"),
        ("experiments: [train.depth=2, train.depth=1,2]", "'train.depth=2' is planned twice"),
        ("experiments: [train.depth=2]\nmax_parallel: 0", "max_parallel: Input should be greater than or equal to 1"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    write_plan(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProjectError, match="^experiments.yaml") as error:
        plan_experiments()
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_no_file_plans_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert plan_experiments() == []


def test_max_parallel_is_what_ci_reads_four_unless_the_file_says(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT)}
    command = [sys.executable, "-m", PACKAGE, "experiments", "max-parallel"]
    printed = []
    for text in (None, "experiments: [train.depth=2]\nmax_parallel: 2\n"):
        if text is not None:
            write_plan(tmp_path, text)
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
        printed.append(result.stdout)
    assert printed == ["4\n", "2\n"]


def git(root: Path, *arguments: str) -> None:
    subprocess.run(["git", *arguments], cwd=root, check=True, capture_output=True)


@pytest.fixture(scope="module")
def experiment_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A committed git + DVC repository with two experiments run as CI runs one (`run --name`), one queued."""
    root = tmp_path_factory.mktemp("experiments")
    with pytest.MonkeyPatch.context() as patch:
        for role in ("AUTHOR", "COMMITTER"):
            patch.setenv(f"GIT_{role}_NAME", "Tests")
            patch.setenv(f"GIT_{role}_EMAIL", "tests@example.com")
        patch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
        patch.setenv("DVC_NO_ANALYTICS", "1")
        git(root, "init", "--quiet")
        subprocess.run([sys.executable, "-m", "dvc", "init", "--quiet"], cwd=root, check=True)
        (root / "params.yaml").write_text(yaml.safe_dump(PARAMS), encoding="utf-8")
        (root / "score.py").write_text(SCORE_SCRIPT, encoding="utf-8")
        (root / "dvc.yaml").write_text(yaml.safe_dump(DVC_YAML), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "dvc", "repro", "--quiet"], cwd=root, check=True)
        git(root, "add", "-A")
        git(root, "commit", "--quiet", "-m", "First score")
        patch.chdir(root)
        run_one(Experiment("depth-2", ("train.depth=2",)))
        run_one(Experiment("depth-5", ("train.depth=5",)))
        queued = ["exp", "run", "--queue", "--quiet", "--name", "depth-9", "--set-param", "train.depth=9"]
        subprocess.run([sys.executable, "-m", "dvc", *queued], cwd=root, check=True)
        yield root


def test_dvcs_records_give_each_experiments_state_and_metrics(
    experiment_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(experiment_repo)
    results = current_results()
    assert {name: result.state for name, result in results.items()} == {
        "depth-2": SUCCESS,
        "depth-5": SUCCESS,
        "depth-9": QUEUED,
    }
    assert results["depth-5"].metrics == {"score": 0.8, "loss": 0.2, "per_class.a.f1": 0.5}
    assert results["depth-9"].metrics == {}


def test_a_failed_run_is_an_error_and_leaves_the_workspace(
    experiment_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(experiment_repo)
    params_before = (experiment_repo / "params.yaml").read_text()
    with pytest.raises(ProjectError, match="no experiment succeeded"):
        run_one(Experiment("depth-0", ("train.depth=0",)))
    assert (experiment_repo / "params.yaml").read_text() == params_before


def shown(root: Path) -> tuple[str, list[dict]]:
    """`dvc exp show --json` of the repository, and its commit."""
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
    result = subprocess.run(
        [sys.executable, "-m", "dvc", "exp", "show", "--json"], cwd=root, capture_output=True, text=True, check=True
    )
    return rev.stdout.strip(), json.loads(result.stdout)


def with_failed_run(show: list[dict], baseline: str, name: str) -> list[dict]:
    """DVC's own list with one more experiment as its queue records a failed one (state, error, its base's data)."""
    show = copy.deepcopy(show)
    entry = next(entry for entry in show if entry["rev"] == baseline)
    failed = copy.deepcopy(entry["experiments"][0])
    failed["name"] = name
    failed["executor"] = {"state": "failed", "name": None, "local": None}
    failed["revs"][0] |= {"name": name, "error": dict(msg="Experiment run failed", type="")}
    entry["experiments"].append(failed)
    return show


def test_leaderboard_ranks_the_plan_marks_the_best_and_says_what_did_not_run(experiment_repo: Path) -> None:
    baseline, show = shown(experiment_repo)
    results = results_from_show(with_failed_run(show, baseline, "depth-0"), baseline)
    assert results["depth-0"].state == FAILED
    assert results["depth-0"].metrics == {}
    plan = [
        Experiment("depth-2", ("train.depth=2",)),
        Experiment("depth-0", ("train.depth=0",)),
        Experiment("depth-5", ("train.depth=5",)),
        Experiment("depth-9", ("train.depth=9",)),
        Experiment("name-a-b", ("train.name=a|b",)),
    ]
    references = [Reference("`main`", {"score": 0.5, "loss": 0.5}), Reference("This change", {"score": 0.0})]
    lines = render_leaderboard(plan, results, references, "score")
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| Experiment")]
    assert [row.split(" | ")[0] for row in rows] == [
        "| `main`",
        "| This change",
        "| **depth-5** (best)",
        "| depth-2",
        "| depth-0",
        "| depth-9",
        "| name-a-b",
    ]
    assert rows[2].split(" | ")[2:4] == ["0.8000", "0.2000"]
    assert "**failed**" in rows[4]
    assert rows[5].endswith("| queued |")
    assert f"not run: `python -m {PACKAGE} experiments run --name name-a-b`" in rows[6]
    assert "`train.name=a\\|b`" in rows[6]
    assert all(row.count(" | ") == rows[0].count(" | ") for row in rows)
    assert "**Best: `depth-5`**, `score` 0.8000 (+0.8000 against this change)" in "\n".join(lines)


def test_a_lower_is_better_metric_ranks_the_other_way(experiment_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    baseline, show = shown(experiment_repo)
    monkeypatch.setattr(diffs, "LOWER_IS_BETTER", frozenset({"score"}))
    plan = [Experiment("depth-5", ("train.depth=5",)), Experiment("depth-2", ("train.depth=2",))]
    change = Reference("This change", {"score": 0.1})
    lines = render_leaderboard(plan, results_from_show(show, baseline), [change], "score")
    assert "(lower is better)" in lines[2]
    assert "| **depth-2** (best) |" in "\n".join(lines)
    assert "no experiment beats this change" in "\n".join(lines)


def test_promote_applies_a_known_experiment_and_names_the_known_ones_otherwise(
    experiment_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(experiment_repo)
    with pytest.raises(ProjectError, match="no experiment named 'depth-7' on this commit; the known ones: depth-2, "):
        promote("depth-7")
    promote("depth-5")
    assert yaml.safe_load((experiment_repo / "params.yaml").read_text())["train"]["depth"] == 5
    assert json.loads((experiment_repo / "metrics/metrics.json").read_text())["score"] == 0.8


def test_pulling_the_evaluation_without_a_remote_is_one_line_naming_the_fix(
    experiment_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(experiment_repo)
    expected = "cannot pull metrics/metrics.json, metrics/predictions.csv from the DVC remote: "
    with pytest.raises(ProjectError, match=expected) as error:
        pull_evaluation()
    assert "\n" not in str(error.value)
    assert "check the remote's credentials" in str(error.value)
