"""What the commands share on the command line: the vocabulary as choices, the output
formats, the filter options, date checks, and shell completion from the data in use.

Typer builds its choices from Enums; the data contract's own types are Literals (models.py).
The Enums here are built from the same vocabulary (vocab.py), and are named `...Choice` so
that one name never means two things.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from compartment.data.vocab import APPROACHES, BLOCS, DOMAINS, PUBLISHER_KINDS, STATUSES
from compartment.errors import UsageError

if TYPE_CHECKING:
    from compartment.data.dataset import Dataset

StatusChoice = Enum("StatusChoice", {s: s for s in STATUSES}, type=str)  # type: ignore[misc]
DomainChoice = Enum("DomainChoice", {d: d for d in DOMAINS}, type=str)  # type: ignore[misc]
BlocChoice = Enum("BlocChoice", {b: b for b in BLOCS}, type=str)  # type: ignore[misc]
KindChoice = Enum("KindChoice", {k: k for k in PUBLISHER_KINDS}, type=str)  # type: ignore[misc]
ApproachChoice = Enum("ApproachChoice", {a: a for a in APPROACHES}, type=str)  # type: ignore[misc]


# The output formats and other plain choices: each value is its member's name.
ListFormat = StrEnum("ListFormat", "table csv json markdown")
ShowFormat = StrEnum("ShowFormat", "table json markdown")
ExportFormat = StrEnum("ExportFormat", "csv json jsonl markdown sqlite ics")
ProblemFormat = StrEnum("ProblemFormat", "text json github")
DiffFormat = StrEnum("DiffFormat", "text markdown json")
Period = StrEnum("Period", "year month")
ChartKind = StrEnum("ChartKind", "lanes series")


class SortField(str, Enum):
    file = "file"
    id = "id"
    title_ = "title"  # `title` would hide str.title
    status = "status"
    since = "since"
    domain = "domain"
    broken_off_by = "broken-off-by"


class StatsField(str, Enum):
    status = "status"
    broken_off_by = "broken-off-by"
    bloc = "bloc"
    year = "year"
    first_broken_off_by = "first-broken-off-by"
    first_bloc = "first-bloc"
    first_year = "first-year"
    domain = "domain"
    by = "by"
    blames = "blames"
    source_kind = "source-kind"
    crisis = "crisis"


# -- dates typed on the command line --------------------------------------------------------

BOUND_RULE = "YYYY, YYYY-MM or YYYY-MM-DD"


def full_date(value: str | None) -> str | None:
    """An --as-of date: a full YYYY-MM-DD day."""
    if value is None:
        return None
    from compartment.data import dates

    try:
        return dates.parse_full(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def partial_date(value: str | None) -> str | None:
    """An event's --date, possibly partial (YYYY or YYYY-MM)."""
    if value is None:
        return None
    from compartment.data import dates

    problem = dates.check(value)
    if problem:
        raise typer.BadParameter(f"{value!r}: {problem}")
    return value


def as_of_date(value: str | None) -> str | None:
    """An --as-of date: a day, or a month or year meaning its last day (`--as-of 2014` is
    the state at the end of 2014), as `--until` reads one."""
    from compartment.data import dates

    checked = partial_date(value)
    return None if checked is None else dates.last_day(checked)


def bound(option: str, value: str | None) -> str | None:
    """A --since/--until date, possibly partial; anything else is a one-line usage error
    (Typer's BadParameter would add three lines of usage around it)."""
    try:
        return partial_date(value)
    except typer.BadParameter as exc:
        raise UsageError(f"{option} {exc.message}") from None


def check_known(option: str, what: str, given: Iterable[str], known: Sequence[str],
                hint: str = "") -> None:
    """A usage error for the first of `given` that is not in `known`, with a did-you-mean."""
    from compartment.data.lookup import did_you_mean

    for value in given:
        if value not in known:
            raise UsageError(f"{option}: no {what} {value!r}{did_you_mean(value, known)}{hint}")


# -- shell completion: ids from the data in use, and never an error --------------------------


def _completion_data(ctx: typer.Context) -> Dataset | None:
    """The dataset in use while the shell asks for completions; None on any trouble (the
    one step that can fail, so the completions below need no guard of their own)."""
    try:
        from compartment.store import datafile

        explicit = ctx.find_root().params.get("data")
        source = datafile.find_data_file(explicit if isinstance(explicit, str) else None)
        return datafile.load(source.path).dataset
    except Exception:  # noqa: BLE001 - a completion must never break the user's shell
        return None


def complete_crisis(ctx: typer.Context, incomplete: str) -> list[str]:
    data = _completion_data(ctx)
    return [c for c in (data.crises if data else ()) if c.startswith(incomplete)]


def complete_dossier(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    data = _completion_data(ctx)
    return [(d.id, d.title) for d in (data.dossiers if data else ()) if d.id.startswith(incomplete)]


def complete_actor(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    data = _completion_data(ctx)
    actors = data.actors.values() if data else ()
    return [(a.id, a.name) for a in actors if a.id.startswith(incomplete)]


def complete_actor_or_bloc(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    actors = complete_actor(ctx, incomplete)
    seen = {a for a, _ in actors}
    return actors + [(b, f"bloc: {text}") for b, text in BLOCS.items()
                     if b.startswith(incomplete) and b not in seen]


def complete_tag(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The data's tags, each with how many dossiers carry it."""
    from collections import Counter

    data = _completion_data(ctx)
    counts = Counter(t for d in (data.dossiers if data else ()) for t in d.tags)
    return [(t, f"{n} dossier{'s' * (n != 1)}") for t, n in counts.items()
            if t.startswith(incomplete)]


def complete_field(incomplete: str) -> list[str]:
    from compartment.edit.changes import SETTABLE_FIELDS

    return [f for f in SETTABLE_FIELDS if f.startswith(incomplete)]


def complete_field_value(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """`dossier set ID FIELD VALUE`: domains, actor ids or approaches, by FIELD."""
    try:
        field = str(ctx.params.get("field") or "").replace("-", "_")
    except Exception:  # noqa: BLE001 - a completion must never break the user's shell
        return []
    if field in ("parties", "third_parties"):
        return complete_actor(ctx, incomplete)
    choices = {"domain": DOMAINS, "approach": APPROACHES}.get(field, {})
    return [(k, v) for k, v in choices.items() if k.startswith(incomplete)]


# -- options several commands share, defined once (Typer copies each per command) ----------

AsOf = Annotated[Optional[str], typer.Option(
    "--as-of", metavar="DATE", callback=as_of_date, help="Show the state as it stood on this "
    "date, from the events alone: YYYY-MM-DD, or YYYY-MM / YYYY for the end of that month or "
    "year.")]
StatusFilter = Annotated[Optional[list[StatusChoice]], typer.Option(
    "--status", "-s", help="Keep dossiers with this status (repeatable).")]
BrokenOffByFilter = Annotated[Optional[list[str]], typer.Option(
    "--broken-off-by", "-b", metavar="ACTOR|BLOC", autocompletion=complete_actor_or_bloc,
    help="Keep dossiers broken off by this actor (id or name) or bloc (repeatable).")]
FirstBrokenOffByFilter = Annotated[Optional[list[str]], typer.Option(
    "--first-broken-off-by", metavar="ACTOR|BLOC", autocompletion=complete_actor_or_bloc,
    help="Keep dossiers whose first break was by this actor (id or name) or bloc (repeatable).")]
DisputedFilter = Annotated[bool, typer.Option(
    "--disputed", help="Keep dossiers where the parties' claims blame different actors.")]
DomainFilter = Annotated[Optional[list[DomainChoice]], typer.Option(
    "--domain", "-d", help="Keep this domain (repeatable).")]
PartyFilter = Annotated[Optional[list[str]], typer.Option(
    "--party", "-p", metavar="ACTOR|BLOC", autocompletion=complete_actor_or_bloc,
    help="Keep dossiers with this party: an actor (id or name) or a bloc (repeatable).")]
SearchFilter = Annotated[Optional[str], typer.Option(
    help="Keep dossiers whose id, title, aliases, summary or tags contain TEXT.")]
TagFilter = Annotated[Optional[list[str]], typer.Option(
    "--tag", "-t", metavar="TAG", autocompletion=complete_tag,
    help="Keep dossiers with this tag (repeatable: any of them).")]
# --format where its help says no more than this: `Annotated[ListFormat, FORMAT]`.
FORMAT = typer.Option("--format", "-f", help="Output format.")
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Print the diff that would be written, and write nothing.")]
Force = Annotated[
    bool, typer.Option("--force", help="Write the data file even if it is read-only.")]


def values(choices: list[StatusChoice] | list[DomainChoice] | list[BlocChoice] | None) -> list[str]:
    """The plain strings of repeated choice options."""
    return [c.value for c in choices or ()]


# -- --show-completion and --install-completion, with the shell named or detected ------------
#
# Typer's own pair are flags: `--show-completion zsh` printed the detected shell's script and
# ignored `zsh`. Typer's parser has no option whose value may be left out, so the root group
# hands its arguments to `completion_args` first, which gives a bare flag the value DETECT.

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
DETECT = "detect"
COMPLETION_FLAGS = ("--show-completion", "--install-completion")


def completion_args(args: list[str], commands: Container[str]) -> list[str]:
    """`args` with DETECT after a completion flag followed by no word, an option or a
    command. Only the root's own options are looked at: the scan stops at the first command
    name or at `--`."""
    out: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        out.append(arg)
        if arg == "--" or arg in commands:
            return out + rest
        # The next word is the shell unless it is an option or a command: so a misspelt
        # shell is an error rather than a script for another shell.
        if arg in COMPLETION_FLAGS and (not rest or rest[0].startswith("-")
                                        or rest[0] in commands):
            out.append(DETECT)
    return out


def _shell(value: str) -> str:
    if value not in (*SHELLS, DETECT):
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(SHELLS)}")
    if value != DETECT:
        return value
    from typer._completion_shared import _get_shell_name

    shell = _get_shell_name()
    if shell is None:
        raise typer.BadParameter(f"cannot detect your shell; name it: {', '.join(SHELLS)}")
    return shell


def show_completion(ctx: typer.Context, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from typer._completion_shared import get_completion_script

    prog = ctx.find_root().info_name or "compartment"
    variable = "_{}_COMPLETE".format(prog.replace("-", "_").upper())
    typer.echo(get_completion_script(prog_name=prog, complete_var=variable, shell=_shell(value)))
    raise typer.Exit()


def install_completion(ctx: typer.Context, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from typer._completion_shared import install

    shell, path = install(shell=_shell(value), prog_name=ctx.find_root().info_name)
    typer.secho(f"{shell} completion installed in {path}", fg="green")
    typer.echo("Completion will take effect once you restart the terminal")
    raise typer.Exit()


ShowCompletion = Annotated[Optional[str], typer.Option(
    "--show-completion", metavar="[SHELL]", callback=show_completion, expose_value=False,
    is_eager=True, help=f"Print the completion script for SHELL ({', '.join(SHELLS[:3])}; "
    "default: yours), to copy it or customize the installation.")]
InstallCompletion = Annotated[Optional[str], typer.Option(
    "--install-completion", metavar="[SHELL]", callback=install_completion, expose_value=False,
    is_eager=True, help="Install completion for SHELL (default: yours).")]
