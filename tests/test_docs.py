"""The README and the pages in docs/ show real output, and the command reference is current.

A console block is a command line (`$ compartment ...`, optionally `| head -N` or
`| tail -N`) followed by its output, run on the bundled data at 100 columns. docs/commands.md
is every command's `--help` at 80 columns. `UPDATE_DOCS=1 python -m pytest tests/test_docs.py`
rewrites both from real runs.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from compartment.cli import COMMANDS, app

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
REFERENCE = ROOT / "docs" / "commands.md"
BLOCK = re.compile(r"```console\n\$ (?P<command>[^\n]*)\n(?P<output>.*?)```", re.S)
UPDATE = bool(os.environ.get("UPDATE_DOCS"))


def run_command(line: str) -> str:
    head = tail = None
    if "|" in line:
        line, pipe = (part.strip() for part in line.split("|", 1))
        match = re.fullmatch(r"(head|tail) -(\d+)", pipe)
        assert match, f"unsupported pipe in the docs: {pipe}"
        if match[1] == "head":
            head = int(match[2])
        else:
            tail = int(match[2])
    argv = shlex.split(line)
    assert argv[0] == "compartment"
    result = CliRunner().invoke(app, argv[1:], catch_exceptions=False)
    # An example that fails would show nothing, or an error, as if it were the output.
    assert result.exit_code == 0, f"example failed: {line}\n{result.stderr}"
    out = "\n".join(line.rstrip() for line in result.stdout.splitlines())
    if head is not None:
        out = "\n".join(out.splitlines()[:head])
    if tail is not None:
        out = "\n".join(out.splitlines()[-tail:])
    return out + "\n" if out else ""


def render(text: str) -> str:
    return BLOCK.sub(
        lambda m: f"```console\n$ {m['command']}\n{run_command(m['command'])}```", text
    )


@pytest.fixture
def docs_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_console_blocks_are_current(docs_env: None, page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    fresh = render(text)
    if UPDATE:
        page.write_text(fresh, encoding="utf-8")
    assert fresh == text, f"{page.name} shows stale output: run UPDATE_DOCS=1 python -m pytest tests/test_docs.py"


def test_the_readme_stays_short() -> None:
    # The README is the front door; the manual is in docs/.
    assert len((ROOT / "README.md").read_bytes()) < 10_000


def test_relative_links_in_the_docs_resolve() -> None:
    for page in PAGES:
        for target in re.findall(r"\]\((?!https?:|#)([^)#\s]+)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def leaves(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the CLI, groups before their commands, in the root's order."""
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if hasattr(command, "commands"):
            found += leaves(command, path)
    return found


def reference() -> str:
    runner = CliRunner()
    parts = [
        "# Command reference\n\n"
        "Every command's `--help`, as printed at 80 columns. Generated from the commands "
        "themselves by\n`UPDATE_DOCS=1 python -m pytest tests/test_docs.py`; a test fails "
        "when it is stale.\n"
    ]
    root = typer.main.get_command(app)
    for path in [(), *leaves(root)]:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0, result.output
        title = " ".join(("compartment", *path))
        parts.append(f"\n## {title}\n\n```text\n{result.stdout.rstrip()}\n```\n")
    return "".join(parts)


def test_the_command_reference_is_current() -> None:
    fresh = reference()
    if UPDATE:
        REFERENCE.write_text(fresh, encoding="utf-8")
    assert REFERENCE.read_text(encoding="utf-8") == fresh, (
        "docs/commands.md is stale: run UPDATE_DOCS=1 python -m pytest tests/test_docs.py"
    )


def test_every_command_is_shown_somewhere_in_the_docs() -> None:
    text = "".join(page.read_text(encoding="utf-8") for page in PAGES if page != REFERENCE)
    assert len(COMMANDS) > 10  # the table the root group builds its commands from
    for name in COMMANDS:
        assert f"compartment {name}" in text, f"no page shows `compartment {name}`"
