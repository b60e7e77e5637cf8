"""A project made from an older commit of the template updates to the newest one with `cruft update`.

cruft records the template, its commit and the answers in `.cruft.json`. `cruft update` renders the template at
both commits with those answers, hooks included, and applies the difference to the project as a three-way merge.
The updated project must be what a fresh render at the new commit gives, whether it was made with `cruft create`
or with plain cookiecutter and linked afterwards with `cruft link`.
"""

import io
import json
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from ..support.helpers import TEMPLATE_DIR, VENV_BIN, commit_all, run
from ..support.runs import set_tool_identity
from ..support.tasks import project_files

CRUFT = VENV_BIN / "cruft"
COMMITS_BACK = 10
# An update worth testing changes several files of the default project; commits that touch only other tasks or
# the template's own tests change none.
MIN_CHANGED_FILES = 3
# Left in the template folder by a render without hooks (the post-gen hook moves the task's files out and removes
# the rest); older commits named the folder task_overlays/.
LEFT_FOR_THE_HOOK = ("packs/", "task_overlays/")
PROJECT = "wine-classifier"
TEMPLATE_FOLDER = "{{cookiecutter.project_slug}}"
# Left out of cruft's diff of two renders: the post-generation hook's git repository and DVC's cache and lock
# files differ from one render to the next, and the sample data is the user's to replace (it is ignored by git,
# so a patch to it cannot be merged).
SKIP = (".git", ".dvc/cache", ".dvc/tmp", "data/raw/wine.csv")
# A file of the user's own, committed before the update: the update must leave it alone.
USER_FILE = "NOTES.md"


@dataclass(frozen=True)
class Template:
    """A clone of the template (so that uncommitted work does not count), an older commit and the newest."""

    url: Path
    old: str
    new: str
    skip_args: tuple[str, ...]


def git_output(repo: Path, *args: str) -> str:
    return run(["git", *args], cwd=repo).stdout.strip()


def render_files_at(clone: Path, commit: str, output: Path) -> dict[str, bytes]:
    """The default project's files as the template renders them at `commit`, without hooks (git, DVC and the
    task's packs are the hooks' work)."""
    source = output / "template"
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=clone, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(source, filter="data")
    project = Path(cookiecutter(str(source), no_input=True, output_dir=str(output / "render"), accept_hooks=False))
    names = [name for name in project_files(project) if not name.startswith(LEFT_FOR_THE_HOOK)]
    return {name: (project / name).read_bytes() for name in names}


def oldest_worth_updating_from(clone: Path, commits: list[str], scratch: Path) -> str:
    """The newest commit at least COMMITS_BACK back whose default project differs from HEAD's in MIN_CHANGED_FILES
    files or more, so that the update has real changes to merge."""
    newest = render_files_at(clone, commits[0], scratch / "newest")
    for commit in commits[COMMITS_BACK:]:
        older = render_files_at(clone, commit, scratch / commit)
        changed = {name for name in older.keys() | newest.keys() if older.get(name) != newest.get(name)}
        if len(changed) >= MIN_CHANGED_FILES:
            return commit
    raise AssertionError(f"no commit {COMMITS_BACK} or more back renders the default project differently from HEAD")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    clone = tmp_path_factory.mktemp("template") / "template"
    run(["git", "clone", "--quiet", TEMPLATE_DIR, clone], cwd=clone.parent)
    commits = git_output(clone, "rev-list", "HEAD").split()
    assert len(commits) > COMMITS_BACK, (
        f"the template's clone has {len(commits)} commits, {COMMITS_BACK + 1} are needed: "
        "check the template out with its history (`fetch-depth: 0` in CI)"
    )
    old = oldest_worth_updating_from(clone, commits, tmp_path_factory.mktemp("candidates"))
    # When the project's pyproject.toml has no `[tool.cruft]` skip list, the user passes it to cruft; passing it
    # as well would have cruft repeat it in `.cruft.json` at each update.
    old_pyproject = git_output(clone, "show", f"{old}:{TEMPLATE_FOLDER}/pyproject.toml")
    skip_args = () if "[tool.cruft]" in old_pyproject else tuple(f"--skip={path}" for path in SKIP)
    return Template(url=clone, old=old, new=commits[0], skip_args=skip_args)


def cruft_create(template: Template, output: Path, commit: str, answers: dict[str, str] | None = None) -> Path:
    output.mkdir(parents=True)
    command = [CRUFT, "create", template.url, "--no-input", f"--checkout={commit}", f"--output-dir={output}"]
    if answers:
        command.append(f"--extra-context={json.dumps(answers)}")
    run([*command, *template.skip_args], cwd=output)
    return output / PROJECT


def default_answers(clone: Path, commit: str) -> dict[str, str]:
    """The answers a `--no-input` render at `commit` takes: each question's default (a choice's first value)."""
    questions = json.loads(git_output(clone, "show", f"{commit}:cookiecutter.json"))
    return {
        name: str(value[0] if isinstance(value, list) else value)
        for name, value in questions.items()
        if not name.startswith("_")
    }


def cookiecutter_then_cruft_link(template: Template, output: Path, commit: str) -> Path:
    """Plain cookiecutter records only the answers: link with them, at the commit the project was made from."""
    output.mkdir(parents=True)
    config = output / "cookiecutter-config.yaml"
    config.write_text(f"cookiecutters_dir: {output / 'templates'}\nreplay_dir: {output / 'replay'}\n")
    command = [VENV_BIN / "cookiecutter", f"git+file://{template.url}", f"--checkout={commit}", "--no-input"]
    run([*command, f"--output-dir={output}", f"--config-file={config}"], cwd=output)
    project = output / PROJECT
    answers = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]
    run(
        [CRUFT, "link", template.url, "--no-input", f"--checkout={commit}", "--extra-context", json.dumps(answers)],
        cwd=project,
    )
    if template.skip_args:
        state = json.loads((project / ".cruft.json").read_text())
        state["skip"] = list(SKIP)
        (project / ".cruft.json").write_text(json.dumps(state, indent=2) + "\n")
    return project


@pytest.fixture(scope="module")
def fresh(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The new commit rendered with the old project's answers: an update keeps the answers the project recorded,
    so a default that changed since then keeps its old value."""
    old, new = default_answers(template.url, template.old), default_answers(template.url, template.new)
    kept = {name: value for name, value in old.items() if name in new and value != new[name]}
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        return cruft_create(template, tmp_path_factory.mktemp("fresh") / "out", template.new, kept)


def contents(project: Path) -> dict[str, bytes]:
    """Every file but `.cruft.json`, whose commit is compared on its own."""
    return {name: (project / name).read_bytes() for name in project_files(project) - {".cruft.json"}}


def cruft_state(project: Path) -> dict:
    return json.loads((project / ".cruft.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("make", [cruft_create, cookiecutter_then_cruft_link], ids=lambda make: make.__name__)
def test_update_gives_the_fresh_render_of_the_new_commit(
    template: Template, fresh: Path, tmp_path: Path, make: Callable[[Template, Path, str], Path]
) -> None:
    project = make(template, tmp_path / "out", template.old)
    before, expected = contents(project), contents(fresh)
    changed = {name for name in before.keys() | expected.keys() if before.get(name) != expected.get(name)}
    assert len(changed) >= MIN_CHANGED_FILES, (
        f"the old commit {template.old} renders almost as HEAD does: {sorted(changed)}"
    )
    (project / USER_FILE).write_text("Our decisions.\n")
    commit_all(project, "Made from an older template")

    result = run([CRUFT, "update", "--skip-apply-ask", f"--checkout={template.new}"], cwd=project)

    assert not sorted(project.rglob("*.rej")), f"conflicts:\n{result.stdout}\n{result.stderr}"
    assert (project / USER_FILE).read_text() == "Our decisions.\n"
    after = contents(project)
    del after[USER_FILE]
    assert sorted(after) == sorted(expected), result.stderr
    assert [name for name in expected if after[name] != expected[name]] == [], result.stderr
    state = cruft_state(project)
    assert state.pop("commit") == template.new
    assert state == {key: value for key, value in cruft_state(fresh).items() if key != "commit"}
