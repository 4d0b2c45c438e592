"""The README's console blocks are real output of the bundled data; this keeps them so.

Each block is a command line (`$ compartment ...`, optionally `| head -N`) followed by its
output. `UPDATE_README=1 python -m pytest tests/test_readme.py` rewrites the outputs.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compartment.cli import COMMANDS, app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n\$ (?P<command>[^\n]*)\n(?P<output>.*?)```", re.S)


def run_command(line: str) -> str:
    head = tail = None
    if "|" in line:
        line, pipe = (part.strip() for part in line.split("|", 1))
        match = re.fullmatch(r"(head|tail) -(\d+)", pipe)
        assert match, f"unsupported pipe in README: {pipe}"
        if match[1] == "head":
            head = int(match[2])
        else:
            tail = int(match[2])
    argv = shlex.split(line)
    assert argv[0] == "compartment"
    result = CliRunner().invoke(app, argv[1:], catch_exceptions=False)
    # An example that fails would show nothing, or an error, as if it were the output.
    assert result.exit_code == 0, f"README example failed: {line}\n{result.stderr}"
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
def readme_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")


def test_readme_blocks_are_current(readme_env: None) -> None:
    text = README.read_text(encoding="utf-8")
    assert BLOCK.search(text), "README has no console blocks"
    fresh = render(text)
    if os.environ.get("UPDATE_README"):
        README.write_text(fresh, encoding="utf-8")
    assert fresh == text, "README output is stale: run UPDATE_README=1 python -m pytest tests/test_readme.py"


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(COMMANDS) > 10  # the table the root group builds its commands from
    for name in COMMANDS:
        assert f"compartment {name}" in text, f"README does not show `compartment {name}`"
