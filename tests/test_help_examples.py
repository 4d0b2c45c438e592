"""Every example in every command's --help runs, and succeeds, on a copy of the shipped data.

The examples are the first thing a newcomer copies; one that fails (an actor that already
exists, a source host the registry does not know) teaches them the tool is broken.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from compartment.cli import app

ROOT = Path(__file__).resolve().parent.parent
# Needs the network (every cited URL); tests/test_linkcheck.py covers it on a local server.
NEEDS_NETWORK = ("--check",)


def commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """Every leaf command of a (Typer-vendored Click) group, with its full name."""
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if hasattr(command, "commands"):
            found += commands(command, path)
        else:
            found.append((" ".join(path), command))
    return found


def examples(help_text: str) -> list[str]:
    """The `compartment ...` lines after "Example(s):", continuation backslashes joined."""
    _, _, tail = help_text.partition("Example")
    joined = re.sub(r"\\\n\s*", " ", tail)
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("compartment ")]


ROOT_GROUP = typer.main.get_command(app)
CASES = [
    (name, example)
    for name, command in commands(ROOT_GROUP)
    for example in examples(command.help or "")
]


def test_every_command_has_an_example() -> None:
    named = {name for name, _ in CASES}
    assert named == {name for name, _ in commands(ROOT_GROUP)}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding a copy of the shipped data, with a few commits of history
    (`diff HEAD~3 HEAD` needs them): made once, copied for each example."""
    root = tmp_path_factory.mktemp("template")
    (root / "data").mkdir()
    (root / "schema").mkdir()
    data = root / "data" / "issues.yaml"
    shutil.copy(ROOT / "data" / "issues.yaml", data)

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                       cwd=root, check=True, capture_output=True)

    git("init", "-q")
    for n in range(4):
        data.write_text(f"# step {n}\n" + data.read_text(encoding="utf-8"), encoding="utf-8")
        git("add", ".")
        git("commit", "-qm", f"step {n}")
    return root


@pytest.fixture
def clone(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the template repository, as the working folder."""
    root = tmp_path / "clone"
    shutil.copytree(template, root, symlinks=True)
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize(("command", "example"), CASES, ids=[f"{c}: {e}" for c, e in CASES])
def test_help_example_runs(clone: Path, command: str, example: str) -> None:
    argv = shlex.split(example)
    if ">" in argv:  # a shell redirection: the output goes to the file, which is no matter here
        argv = argv[: argv.index(">")]
    if any(flag in argv for flag in NEEDS_NETWORK):
        pytest.skip("needs the network; covered against a local server in test_linkcheck.py")
    result = CliRunner().invoke(app, argv[1:], catch_exceptions=False)
    assert result.exit_code == 0, f"{example}\n{result.stderr}"
