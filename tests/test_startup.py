"""The root group builds a command only when it runs (or a help page lists it).

Typer would build every command's Click parameters at start-up, 1-2 ms each; the root
group (cli/__init__.py) builds them from its COMMANDS table on demand. These tests hold the
lazy commands equal to what Typer's eager registration builds, and a warm command to the
modules it needs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from compartment import cli
from compartment.cli import COMMANDS, app, build_command

ROOT = Path(__file__).resolve().parent.parent


def eager_app() -> typer.Typer:
    """The commands registered the way Typer's decorators register them."""
    from importlib import import_module

    eager = typer.Typer(rich_markup_mode=None)

    @eager.callback()
    def _root() -> None:
        pass

    for name, (module, attribute) in COMMANDS.items():
        target = getattr(import_module(f"compartment.cli.{module}"), attribute)
        if isinstance(target, typer.Typer):
            eager.add_typer(target, name=name)
        else:
            eager.command(name)(target)
    return eager


def help_pages(command: Any, name: str) -> dict[str, str]:
    """The help page of a command and of each of its sub-commands, by full name."""
    import typer.main

    ctx = typer.main._click.Context(command, info_name=name)  # the Click Typer bundles
    pages = {name: command.get_help(ctx)}
    for sub in getattr(command, "commands", {}):
        pages.update(help_pages(command.commands[sub], f"{name} {sub}"))
    return pages


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_lazy_command_is_the_one_typer_builds(name: str) -> None:
    eager = typer.main.get_command(eager_app()).commands[name]  # type: ignore[attr-defined]
    cli._plain_metavars(eager)  # ours, on top of what Typer builds, either way
    lazy = build_command(name)
    assert type(lazy) is type(eager)
    assert help_pages(lazy, name) == help_pages(eager, name)
    params = [(p.name, p.opts, p.secondary_opts, p.required, p.default) for p in lazy.params]
    assert params == [
        (p.name, p.opts, p.secondary_opts, p.required, p.default) for p in eager.params
    ]


def test_root_help_lists_every_command_in_order() -> None:
    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "100"}).stdout
    listed = [
        line.split()[0] for line in out.partition("Commands:")[2].splitlines() if line.strip()
    ]
    assert listed == list(COMMANDS)


def test_a_misspelt_command_still_gets_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["lst"])
    assert result.exit_code == 2
    assert "No such command 'lst'. Did you mean 'list'?" in result.stderr


def test_root_group_builds_only_what_is_asked_for() -> None:
    group = typer.main.get_command(app)
    commands = group.commands  # type: ignore[attr-defined]
    assert list(commands) == list(COMMANDS)
    assert "list" in commands and "nope" not in commands
    built = commands._built
    assert built == {}
    commands["show"]
    assert list(built) == ["show"]
    with pytest.raises(KeyError):
        commands["nope"]


def test_a_warm_command_imports_only_its_own_command_module(tmp_path: Path) -> None:
    """`list` needs cli.read; the modules of the edits, history, git and site commands
    (and what they import) stay unloaded."""
    env = {**os.environ, "COMPARTMENT_CACHE_DIR": str(tmp_path), "NO_COLOR": "1"}
    code = (
        "import sys\nfrom compartment.cli import main\n"
        "sys.argv = ['compartment', 'list', '--status', 'suspended']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('compartment.cli.')), "
        "file=sys.stderr)"
    )
    for _ in range(2):  # the second run is warm
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env=env, cwd=ROOT, check=True)
    loaded = result.stderr.strip().splitlines()[-1]
    assert loaded == "['compartment.cli.options', 'compartment.cli.read', 'compartment.cli.runtime']"
    assert "suspended" in result.stdout
    assert cli.COMMANDS["list"] == ("read", "list_")


def test_root_help_lists_what_the_built_commands_would_say() -> None:
    """The listing comes from the docstrings (cli.summary), not from built commands: it
    must read exactly as Typer's own listing of the eager commands, at any width."""
    eager = eager_app()
    for columns in ("60", "80", "200"):
        lazy_out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": columns}).stdout
        eager_out = CliRunner().invoke(eager, ["--help"], env={"COLUMNS": columns}).stdout
        assert lazy_out.partition("Commands:")[2] == eager_out.partition("Commands:")[2]
        assert lazy_out.count("\n") > 20


def test_root_help_builds_no_command() -> None:
    group = typer.main.get_command(app)
    ctx = typer.main._click.Context(group, info_name="compartment")
    assert "List dossiers" in group.get_help(ctx)
    assert group.commands._built == {}  # type: ignore[attr-defined]
