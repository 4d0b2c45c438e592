"""Shell completion: ids from the data in use, and never an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from compartment.cli import app, options


class FakeContext:
    """What a completion callback reads of Click's context: the root's and its own params."""

    def __init__(self, data: str | None, **params: Any) -> None:
        self.params = params
        self._root_params = {"data": data}

    def find_root(self) -> Any:
        root = FakeContext.__new__(FakeContext)
        root.params = self._root_params
        return root


def values(items: list) -> list[str]:
    return [item[0] if isinstance(item, tuple) else item for item in items]


def test_dossier_ids(sample: Path) -> None:
    ctx = FakeContext(str(sample))
    assert options.complete_dossier(ctx, "n") == [
        ("new-start", "New START"),
        ("nato-russia-cooperation", "NATO-Russia practical cooperation"),
    ]
    assert options.complete_dossier(ctx, "nat") == [
        ("nato-russia-cooperation", "NATO-Russia practical cooperation")
    ]


def test_actor_ids_and_blocs(sample: Path) -> None:
    ctx = FakeContext(str(sample))
    assert values(options.complete_actor(ctx, "u")) == ["united-states", "us-russia"]
    assert values(options.complete_actor_or_bloc(ctx, "")) == [
        "nato", "russia", "united-states", "us-russia", "west", "third-party", "international"
    ]


def test_values_follow_the_field(sample: Path) -> None:
    assert values(options.complete_field_value(FakeContext(str(sample), field="domain"), "a")) == [
        "arms-control", "arctic"
    ]
    assert values(options.complete_field_value(FakeContext(str(sample), field="parties"), "n")) == [
        "nato"
    ]
    assert values(options.complete_field_value(FakeContext(str(sample), field="approach"), "o")) == [
        "overrule"
    ]
    assert options.complete_field_value(FakeContext(str(sample), field="title"), "") == []
    assert options.complete_field("t") == ["title", "third_parties", "tags"]


@pytest.mark.parametrize("data", ["missing.yaml", ".", "/dev/null"])
def test_bad_data_gives_no_completions(data: str, write_dataset) -> None:
    ctx = FakeContext(data)
    assert options.complete_dossier(ctx, "") == []
    assert options.complete_actor(ctx, "") == []
    assert values(options.complete_actor_or_bloc(ctx, "w")) == ["west"]


def test_invalid_data_gives_no_completions(write_dataset) -> None:
    path = write_dataset("actors: {}\ndossiers: [1]\n")
    assert options.complete_dossier(FakeContext(str(path)), "") == []


def test_a_broken_context_gives_no_completions() -> None:
    assert options.complete_dossier(object(), "") == []  # type: ignore[arg-type]
    assert options.complete_field_value(object(), "") == []  # type: ignore[arg-type]


def complete(words: str, shell: str = "complete_bash") -> str:
    env = {"_COMPARTMENT_COMPLETE": shell, "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
           "_TYPER_COMPLETE_ARGS": words}
    result = CliRunner().invoke(app, [], env=env, prog_name="compartment")
    assert result.exit_code == 0, result.output
    return result.output


def test_end_to_end_bash(sample: Path) -> None:
    assert complete(f"compartment --data {sample} show n") == "new-start\nnato-russia-cooperation\n"
    assert complete(f"compartment --data {sample} event add new-start --actor u") == (
        "united-states\nus-russia\n"
    )
    assert complete(f"compartment --data {sample} event add new-start --status s") == (
        "strained\nsuspended\n"
    )
    assert complete(f"compartment --data {sample} dossier set new-start domain ar") == (
        "arms-control\narctic\n"
    )


def test_end_to_end_zsh_shows_names(sample: Path) -> None:
    out = complete(f"compartment --data {sample} dossier add x --party u", "complete_zsh")
    assert '"united-states":"United States"' in out


# What marks each shell's script: `--show-completion zsh` used to print the bash one.
SCRIPT_MARKS = {
    "bash": "_COMPARTMENT_COMPLETE=complete_bash",
    "zsh": "#compdef compartment",
    "fish": "complete --command compartment",
}


@pytest.mark.parametrize("shell", sorted(SCRIPT_MARKS))
def test_completion_script_of_the_named_shell(run, shell: str) -> None:
    script = run("--show-completion", shell).stdout
    assert SCRIPT_MARKS[shell] in script
    assert all(mark not in script for other, mark in SCRIPT_MARKS.items() if other != shell)


def test_completion_script_of_the_detected_shell(run, monkeypatch) -> None:
    import typer._completion_shared

    monkeypatch.setattr(typer._completion_shared, "_get_shell_name", lambda: "fish")
    assert SCRIPT_MARKS["fish"] in run("--show-completion").stdout
    assert SCRIPT_MARKS["fish"] in run("--show-completion", "--data", "x").stdout


def test_completion_script_of_an_unknown_shell_is_a_usage_error(run) -> None:
    result = run("--show-completion", "tcsh", ok=False)
    assert result.exit_code == 2
    assert "'tcsh' is not one of bash, zsh, fish" in result.stderr


def test_completion_flags_take_a_shell_only_before_the_command() -> None:
    commands = {"list", "show"}
    assert options.completion_args(["--show-completion"], commands) == [
        "--show-completion", options.DETECT
    ]
    assert options.completion_args(["--show-completion", "zsh", "list"], commands) == [
        "--show-completion", "zsh", "list"
    ]
    assert options.completion_args(["--show-completion", "list"], commands) == [
        "--show-completion", options.DETECT, "list"
    ]
    assert options.completion_args(["list", "--search", "--show-completion"], commands) == [
        "list", "--search", "--show-completion"
    ]


def test_end_to_end_history_commands(sample: Path) -> None:
    assert complete(f"compartment --data {sample} timeline --dossier n") == (
        "new-start\nnato-russia-cooperation\n"
    )
    assert complete(f"compartment --data {sample} timeline --actor n") == "nato\n"
    assert complete(f"compartment --data {sample} chart -o x.png --party w") == "west\n"
    assert complete(f"compartment --data {sample} chart -o x.png --broken-off-by r") == "russia\n"
