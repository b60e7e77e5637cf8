"""The hooks as cookiecutter runs them: rendered with the default answers, linted, and their functions unit-tested."""

import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from cookiecutter.environment import StrictEnvironment
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

from ..support.helpers import TEMPLATE_DIR, VENV_BIN

HOOKS = ("post_gen_project",)


@pytest.fixture(scope="module")
def rendered_hooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hooks rendered as cookiecutter renders them before running them, with the default answers."""
    context = generate_context(context_file=str(TEMPLATE_DIR / "cookiecutter.json"))
    answers = {"cookiecutter": prompt_for_config(context, no_input=True)}
    environment = StrictEnvironment(context=answers, keep_trailing_newline=True)
    folder = tmp_path_factory.mktemp("hooks")
    for hook in HOOKS:
        source = (TEMPLATE_DIR / "hooks" / f"{hook}.py").read_text(encoding="utf-8")
        (folder / f"{hook}.py").write_text(environment.from_string(source).render(**answers), encoding="utf-8")
    return folder


def load_hook(folder: Path, hook: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(hook, folder / f"{hook}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rendered_hooks_pass_the_projects_lint(rendered_hooks: Path) -> None:
    """The hooks are code users read too: they meet the rules the generated project sets for itself."""
    config = TEMPLATE_DIR / "hooks" / "ruff.toml"
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [VENV_BIN / "ruff", *command, "--config", config, rendered_hooks], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def write_files(root: Path, names: list[str]) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")


def test_packs_add_their_files_but_not_their_includes(
    rendered_hooks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = load_hook(rendered_hooks, "post_gen_project")
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, ["shared.txt", "packs/one/src/a.py", "packs/one/include/params.yaml", "packs/two/b.csv"])

    post.lay_packs(["one"])

    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "shared.txt",
        "src/a.py",
    ]


def test_a_pack_that_would_replace_a_file_stops_the_hook(
    rendered_hooks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = load_hook(rendered_hooks, "post_gen_project")
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, ["src/a.py", "packs/one/src/a.py"])

    with pytest.raises(RuntimeError, match=r"pack 'one' would replace src/a.py: a pack only adds files"):
        post.lay_packs(["one"])
    assert (tmp_path / "src/a.py").read_text(encoding="utf-8") == "src/a.py"


def test_the_hook_reads_the_chosen_task_from_the_table(rendered_hooks: Path) -> None:
    options = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
    default_task = options["_tasks"][options["task"][0]]
    post = load_hook(rendered_hooks, "post_gen_project")
    assert default_task["packs"] == post.TASK_PACKS
