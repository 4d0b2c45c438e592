"""The command line: parse options, call the core, render, choose the exit code.

Exit codes: 0 success, 1 problems in the data or a failed operation, 2 bad usage,
70 an internal error (a bug: please report it). Data goes to stdout, messages to stderr.
Heavy modules (pydantic, PyYAML, the loader) are imported inside commands, not here: every
command pays for this module's imports at start-up.
"""

import errno
import gc
import os
import sys
from enum import Enum
from pathlib import Path
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional, TextIO

import typer

from compartment import __version__
from compartment.vocab import APPROACHES, BLOCS, DOMAINS, STATUSES

if TYPE_CHECKING:
    from rich.console import Console

    from compartment.dataset import Dataset
    from compartment.edit import Change
    from compartment.loader import DataSource, LoadResult

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70

Status = Enum("Status", {s: s for s in STATUSES}, type=str)  # type: ignore[misc]
Domain = Enum("Domain", {d: d for d in DOMAINS}, type=str)  # type: ignore[misc]


class ListFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    sqlite = "sqlite"


class ProblemFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


class SortField(str, Enum):
    file = "file"
    id = "id"
    title = "title"
    status = "status"
    since = "since"
    domain = "domain"
    broken_off_by = "broken-off-by"


app = typer.Typer(
    name="compartment",
    help=(
        "A ledger of cooperation dossiers between Russia and the West: what was walled off "
        "from the confrontation, what was broken off, by whom and when, with a source for "
        "every event."
    ),
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion: bash, zsh, fish
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Settings:
    """What the global options chose, kept on the Typer context."""

    def __init__(self, data: str | None, use_cache: bool = True) -> None:
        self.data = data
        self.use_cache = use_cache


def _settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings(None)


def _stderr() -> "Console":
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _stdout() -> "Console":
    from rich.console import Console

    # Into a pipe or file, rich would wrap tables at 80 columns; a wide page keeps one row per
    # line for grep and friends. $COLUMNS still decides when it is set.
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 200
    return Console(highlight=False, width=width)


def fail(message: str, code: int = EXIT_PROBLEMS) -> NoReturn:
    """Print `Error: message` on stderr, literally, and exit with `code`."""
    from rich.text import Text

    from compartment.errors import visible

    _stderr().print(Text(f"Error: {visible(message)}", style="red"), soft_wrap=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"compartment {__version__}")
        raise typer.Exit()


def _completion_data(ctx: typer.Context) -> "Dataset | None":
    """The dataset in use while the shell asks for completions; None on any trouble."""
    try:
        from compartment import loader

        explicit = ctx.find_root().params.get("data")
        source = loader.find_data_file(explicit if isinstance(explicit, str) else None)
        return loader.load(source.path).dataset
    except Exception:  # noqa: BLE001 - a completion must never break the user's shell
        return None


def _complete_dossier(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    try:
        data = _completion_data(ctx)
        if data is None:
            return []
        return [(d.id, d.title) for d in data.dossiers if d.id.startswith(incomplete)]
    except Exception:  # noqa: BLE001
        return []


def _complete_actor(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    try:
        data = _completion_data(ctx)
        if data is None:
            return []
        return [(a.id, a.name) for a in data.actors.values() if a.id.startswith(incomplete)]
    except Exception:  # noqa: BLE001
        return []


def _complete_actor_or_bloc(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    try:
        actors = _complete_actor(ctx, incomplete)
        seen = {a for a, _ in actors}
        blocs = [(b, f"bloc: {text}") for b, text in BLOCS.items()
                 if b.startswith(incomplete) and b not in seen]
        return actors + blocs
    except Exception:  # noqa: BLE001
        return []


def _complete_field(incomplete: str) -> list[str]:
    fields = ("id", "title", "aliases", "domain", "parties", "forum", "approach", "third_parties",
              "summary", "tags")
    return [f for f in fields if f.startswith(incomplete)]


def _complete_field_value(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """`dossier set ID FIELD VALUE`: domains, actor ids or approaches, by FIELD."""
    try:
        from compartment.vocab import APPROACHES

        field = str(ctx.params.get("field") or "").replace("-", "_")
        if field == "domain":
            choices = DOMAINS
        elif field == "approach":
            choices = APPROACHES
        elif field in ("parties", "third_parties"):
            return _complete_actor(ctx, incomplete)
        else:
            return []
        return [(k, v) for k, v in choices.items() if k.startswith(incomplete)]
    except Exception:  # noqa: BLE001
        return []


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Annotated[
        Optional[str],
        typer.Option(
            "--data",
            metavar="PATH",
            help=(
                "The data file. Default: $COMPARTMENT_DATA, else the nearest data/issues.yaml "
                "in this folder or above, else the copy bundled with compartment."
            ),
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show a traceback if compartment itself fails.")
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Parse and validate the data file afresh; do not read or write the cache "
            "(kept in $COMPARTMENT_CACHE_DIR, else $XDG_CACHE_HOME/compartment).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    # --debug is read by main() from argv: the traceback it shows is of a failure that
    # happens where no Typer context may exist.
    ctx.obj = Settings(data, use_cache=not no_cache)


def _data_source(ctx: typer.Context, verb: str = "read") -> "DataSource":
    """The data file in use (--data, $COMPARTMENT_DATA, nearest, bundled), for a command
    that will `verb` it. Standard input is refused; so is writing the bundled copy."""
    from compartment import loader

    settings = _settings(ctx)
    if settings.data == "-":
        fail(f"--data -: standard input is not supported (compartment must {verb} a file); "
             "give a file path", EXIT_USAGE)
    source = loader.find_data_file(settings.data)
    if source.bundled and verb != "read":
        fail(f"{source.path} is the copy bundled with compartment; name the file to {verb} "
             "with --data PATH", EXIT_USAGE)
    return source


def _load_result(ctx: typer.Context) -> "LoadResult":
    from compartment import loader

    settings = _settings(ctx)
    source = _data_source(ctx)
    try:
        return _load_with_progress(source.path, settings.use_cache)
    except loader.DataFileNotFound as exc:
        fail(f"{exc} (data file chosen by {source.how})", EXIT_USAGE)


def _load_with_progress(path: Path, use_cache: bool) -> "LoadResult":
    """Load, with a progress bar on stderr when it is a terminal and the load is slow."""
    from compartment import loader

    if not sys.stderr.isatty():
        with _collector_resumed_after():
            return loader.load(path, display=str(path), use_cache=use_cache)
    from compartment.render import LoadProgress

    progress = LoadProgress(_stderr())
    try:
        with _collector_resumed_after():
            return loader.load(path, display=str(path), use_cache=use_cache, progress=progress)
    finally:
        progress.close()


@contextmanager
def _collector_resumed_after() -> Iterator[None]:
    """Turn the garbage collector back on after a load, if main() paused it for one.

    The rest of the command may make cyclic garbage (json's indenting encoder does, on
    every call), but the loaded dataset holds none. Freezing it first keeps every later
    pass from rescanning it: the first pass after a warm 10k load took 90 ms, a third of
    the command (benchmarks/README.md).
    """
    try:
        yield
    finally:
        if not gc.isenabled():
            gc.freeze()
            gc.enable()


def _dataset(ctx: typer.Context) -> "Dataset":
    """The validated dataset, or exit 1 listing the errors that stop it from loading."""
    from compartment import render

    result = _load_result(ctx)
    if result.dataset is None or result.errors:
        err = _stderr()
        render.problems(err, result.errors[:20])
        more = len(result.errors) - 20
        if more > 0:
            err.print(f"... and {more} more")
        fail(
            f"{result.path} has {len(result.errors)} error(s); "
            "run `compartment validate` for the full report",
        )
    return result.dataset


def _as_of(value: str | None) -> str | None:
    if value is None:
        return None
    from compartment import dates

    try:
        return dates.parse_full(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--as-of'") from None


# A terminal table of thousands of rows is slow to draw (rich: about 0.5 ms a row) and
# useless to read; past this many rows the table says how to see all of them.
TABLE_LIMIT = 500

AS_OF_HELP = "Show the state as it stood on this date (YYYY-MM-DD), from the events alone."

# Options that several commands share, defined once (Typer copies each per command).
AsOf = Annotated[Optional[str], typer.Option("--as-of", metavar="DATE", help=AS_OF_HELP)]
StatusFilter = Annotated[
    Optional[list[Status]],
    typer.Option("--status", "-s", help="Keep dossiers with this status (repeatable)."),
]
BrokenOffByFilter = Annotated[
    Optional[list[str]],
    typer.Option(
        "--broken-off-by",
        "-b",
        metavar="ACTOR|BLOC",
        help="Keep dossiers broken off by this actor id or bloc (repeatable).",
        autocompletion=_complete_actor_or_bloc,
    ),
]
DomainFilter = Annotated[
    Optional[list[Domain]], typer.Option("--domain", "-d", help="Keep this domain (repeatable).")
]
PartyFilter = Annotated[
    Optional[list[str]],
    typer.Option(
        "--party",
        "-p",
        metavar="ACTOR|BLOC",
        help="Keep dossiers with this party.",
        autocompletion=_complete_actor_or_bloc,
    ),
]
SearchFilter = Annotated[
    Optional[str],
    typer.Option(help="Keep dossiers whose id, title, aliases or summary contain TEXT."),
]


@app.command("list")
def list_(
    ctx: typer.Context,
    status: StatusFilter = None,
    broken_off_by: BrokenOffByFilter = None,
    domain: DomainFilter = None,
    party: PartyFilter = None,
    search: SearchFilter = None,
    sort: Annotated[SortField, typer.Option(help="Sort by this field.")] = SortField.file,
    output_format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ListFormat.table,
    as_of: AsOf = None,
    limit: Annotated[
        int,
        typer.Option(
            min=0,
            help="Table only: show at most this many rows (0: all). CSV, JSON and Markdown "
            "always hold every row.",
        ),
    ] = TABLE_LIMIT,
) -> None:
    """List dossiers, filtered and sorted.

    Options combine with AND; a repeated option matches any of its values.

    Examples:

      compartment list --status suspended

      compartment list --broken-off-by west --sort since

      compartment list --as-of 2022-02-23 --format csv
    """
    from compartment import query

    date = _as_of(as_of)
    data = _dataset(ctx)
    if date is not None:
        data = data.as_of(date)
    _known_actors(data, "--broken-off-by", broken_off_by or [])
    _known_actors(data, "--party", party or [])
    filters = query.Filters(
        statuses=[s.value for s in status or ()],
        broken_off_by=broken_off_by or (),
        domains=[d.value for d in domain or ()],
        parties=party or (),
        search=search,
    )
    rows = query.sort(query.select(data, filters), sort.value)
    fmt = output_format.value
    if fmt == "table":
        from compartment import render

        console = _stdout()
        if not rows:
            _stderr().print("No dossier matches these filters.")
            return
        shown = rows[:limit] if limit else rows
        console.print(render.dossier_table(shown, console.width), crop=False)
        if len(shown) < len(rows):
            _stderr().print(
                f"Showing {len(shown):,} of {len(rows):,} dossiers: --limit 0 shows them all, "
                "--format csv exports them.",
                soft_wrap=True,
            )
        elif console.is_terminal and len(rows) + 2 > console.height:
            _stderr().print(
                f"{len(rows)} dossiers, more than a screen: page with "
                "`compartment list | less -S`, or export with `--format csv`.",
                soft_wrap=True,
            )
        return
    from compartment import export

    records = (export.dossier_row(d, export.LIST_COLUMNS) for d in rows)
    if fmt == "csv":
        export.write_csv(records, export.LIST_COLUMNS, sys.stdout)
    elif fmt == "json":
        export.write_json_rows(records, sys.stdout)
    else:
        export.write_markdown(records, export.LIST_COLUMNS, sys.stdout)


@app.command()
def show(
    ctx: typer.Context,
    dossier_id: Annotated[
        str, typer.Argument(metavar="ID", help="The dossier's id.", autocompletion=_complete_dossier)
    ],
    as_of: AsOf = None,
    output_format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="table (default) or json.")
    ] = ListFormat.table,
) -> None:
    """Show one dossier: every field, and its events with their sources.

    Example:

      compartment show new-start
    """
    from compartment import export, query, render

    date = _as_of(as_of)
    data = _dataset(ctx)
    dossier = data.get(dossier_id)
    if dossier is None:
        hint = query.suggest(dossier_id, [d.id for d in data.dossiers])
        extra = f"; did you mean {', '.join(hint)}?" if hint else "; `compartment list` shows the ids"
        fail(f"no dossier with id {dossier_id!r}{extra}")
    if date is not None:
        dossier = dossier.as_of(date)
        if dossier is None:
            fail(f"{dossier_id} has no event on or before {date}")
    if output_format is ListFormat.json:
        export.write_json(dossier.to_dict(), sys.stdout)
    elif output_format is ListFormat.table:
        _stdout().print(render.dossier_detail(data, dossier))
    else:
        fail("show supports --format table or json", EXIT_USAGE)


@app.command()
def validate(
    ctx: typer.Context,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
    output_format: Annotated[
        ProblemFormat,
        typer.Option("--format", "-f", help="text, json, or github (Actions annotations)."),
    ] = ProblemFormat.text,
    files: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="[FILE]...",
            help="Check these files instead of the data file in use (as pre-commit passes them).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check the data file and report every problem as file:line:col: path: message.

    Exit code 0 when clean, 1 when problems are found (warnings count only with --strict).
    With several FILEs, --format json prints a list with one report per file.

    Example:

      compartment validate --strict
    """
    from compartment import export, render

    results = _load_results(ctx, files)
    reports = []
    any_failing = False
    for result in results:
        found = result.problems
        failing = [p for p in found if p.is_error or strict]
        any_failing = any_failing or bool(failing)
        fmt = output_format.value
        if fmt == "json":
            reports.append(
                {
                    "file": str(result.path),
                    "ok": not failing,
                    "errors": len(result.errors),
                    "warnings": len(result.warnings),
                    "problems": [p.to_dict() for p in found],
                }
            )
        elif fmt == "github":
            for p in found:
                level = "error" if p.is_error or strict else "warning"
                sys.stdout.write(_github_annotation(level, p))
        else:
            out = _stdout()
            render.problems(out, found)
            render.summary_line(out, found, str(result.path))
    if reports:
        export.write_json(reports[0] if len(reports) == 1 else reports, sys.stdout)
    if any_failing:
        raise typer.Exit(EXIT_PROBLEMS)


def _github_annotation(level: str, problem: object) -> str:
    from compartment.errors import Problem, visible

    assert isinstance(problem, Problem)
    loc = problem.location

    def prop(value: str) -> str:  # GitHub's escaping for annotation properties
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(
            ":", "%3A").replace(",", "%2C")

    message = visible(f"{loc.where}: {problem.message}" if loc.where else problem.message)
    message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{level} file={prop(loc.file)},line={loc.line},col={loc.column}::{message}\n"


@app.command("export")
def export_(
    ctx: typer.Context,
    output_format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ExportFormat.json,
    events: Annotated[
        bool, typer.Option("--events", help="CSV/Markdown/JSONL: one row per event, not per dossier.")
    ] = False,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout."),
    ] = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="CSV: keep cells that start with = + - @ as they are. By default they get a "
            "leading ' so that spreadsheets do not run them as formulas.",
        ),
    ] = False,
    as_of: AsOf = None,
) -> None:
    """Export the whole dataset: JSON (nested), JSONL, CSV, Markdown or an SQLite database.

    CSV has a header row, one row per dossier (or per event with --events), list fields
    joined with "; ". The same data always gives byte-identical output. SQLite needs -o:
    tables actors, dossiers, events and sources, plus one table per list field.

    Examples:

      compartment export --format csv > dossiers.csv

      compartment export --format csv --events -o events.csv

      compartment export --format sqlite -o compartment.db
    """
    from compartment import export

    date = _as_of(as_of)
    if output_format is ExportFormat.sqlite and output is None:
        fail("--format sqlite writes a database file, not to stdout: give -o FILE", EXIT_USAGE)
    result = _load_result(ctx)
    if output is not None and _same_file(output, result.path):
        fail(f"-o {output}: refusing to overwrite the data file itself", EXIT_USAGE)
    data = _dataset(ctx) if result.dataset is None or result.errors else result.dataset
    if date is not None:
        data = data.as_of(date)
    fmt = output_format.value
    if fmt == "sqlite":
        assert output is not None
        _export_sqlite(data, output)
        return

    def write(out: TextIO) -> None:
        if fmt == "json":
            export.write_json(data.to_dict(), out)
            return
        if events:
            rows = export.event_rows(data.dossiers)
            columns = export.EVENT_COLUMNS
        else:
            rows = (export.dossier_row(d) for d in data.dossiers)
            columns = export.DOSSIER_COLUMNS
        if fmt == "csv":
            export.write_csv(rows, columns, out, raw=raw)
        elif fmt == "jsonl":
            export.write_jsonl(rows, out)
        else:
            export.write_markdown(rows, columns, out)

    if output is None:
        write(sys.stdout)
    else:
        _write_file(output, write)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _write_file(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write through a temporary file in the same folder, then rename: never half a file.

    The file gets the mode of the one it replaces, or the usual mode for a new file.
    """
    from compartment import storage

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        fail(f"-o {path}: the folder {folder} does not exist")
    try:
        with storage.replacing(path) as tmp:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                write(fh)
    except OSError as exc:
        fail(f"-o {path}: cannot write ({exc.strerror})")


@app.command()
def info(ctx: typer.Context) -> None:
    """Say which data file is in use, why, and what it holds.

    Example:

      compartment info
    """
    from collections import Counter

    from compartment import render

    source = _data_source(ctx)
    data = _dataset(ctx)
    event_dates = [e.date for d in data.dossiers for e in d.events]
    statuses = Counter(d.status for d in data.dossiers)
    rows = [
        ("file", str(source.path)),
        ("chosen by", source.how),
        ("dossiers", str(len(data.dossiers))),
        ("events", str(len(event_dates))),
        ("actors", str(len(data.actors))),
        ("first event", min(event_dates, default="")),
        ("last event", max(event_dates, default="")),
        ("by status", ", ".join(f"{s} {statuses[s]}" for s in STATUSES if statuses[s])),
    ]
    _stdout().print(render.info_table(rows))


# -- history and analysis: timeline, stats, diff, chart -----------------------------------

Bloc = Enum("Bloc", {b: b for b in BLOCS}, type=str)  # type: ignore[misc]


class StatsField(str, Enum):
    status = "status"
    broken_off_by = "broken-off-by"
    bloc = "bloc"
    domain = "domain"
    year = "year"


class DiffFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


BOUND_RULE = "YYYY, YYYY-MM or YYYY-MM-DD"


def _bound(option: str, value: str | None) -> str | None:
    """A --since/--until date, possibly partial; anything else is a one-line usage error."""
    if value is None:
        return None
    from compartment import dates

    problem = dates.check(value)
    if problem:
        fail(f"{option} {value!r}: {problem}", EXIT_USAGE)
    return value


def _known_actors(data: "Dataset", option: str, values: list[str], blocs: bool = True) -> None:
    """Exit 2 naming the first value that is no actor id (nor a bloc, when `blocs`)."""
    from compartment import query

    choices = list(dict.fromkeys([*data.actors, *(BLOCS if blocs else ())]))
    for value in values:
        if value not in choices:
            hint = query.suggest(value, choices)
            extra = f"; did you mean {', '.join(hint)}?" if hint else ""
            what = "actor or bloc" if blocs else "actor"
            fail(f"{option}: unknown {what} {value!r}{extra}", EXIT_USAGE)


@app.command()
def timeline(
    ctx: typer.Context,
    since: Annotated[
        Optional[str],
        typer.Option(
            metavar="DATE",
            help=f"Keep events on or after this date ({BOUND_RULE}); --since 2014 starts on "
            "1 January 2014.",
        ),
    ] = None,
    until: Annotated[
        Optional[str],
        typer.Option(
            metavar="DATE",
            help=f"Keep events on or before this date ({BOUND_RULE}); --until 2014 ends on "
            "31 December 2014.",
        ),
    ] = None,
    dossier: Annotated[
        Optional[list[str]],
        typer.Option(
            "--dossier",
            metavar="ID",
            help="Keep this dossier's events (repeatable).",
            autocompletion=_complete_dossier,
        ),
    ] = None,
    actor: Annotated[
        Optional[list[str]],
        typer.Option(
            "--actor",
            "-a",
            metavar="ACTOR",
            help="Keep events by this actor (repeatable).",
            autocompletion=_complete_actor,
        ),
    ] = None,
    bloc: Annotated[
        Optional[list[Bloc]],
        typer.Option("--bloc", help="Keep events by actors of this bloc (repeatable)."),
    ] = None,
    status: Annotated[
        Optional[list[Status]],
        typer.Option("--status", "-s", help="Keep events that set this status (repeatable)."),
    ] = None,
    output_format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ListFormat.table,
) -> None:
    """List the events of all dossiers in date order, grouped by year.

    Events on the same date keep the file's order: first by dossier, then within the
    dossier. A partial date (2014-03) sorts and filters as the start of its period, so it
    is inside --since 2014-03 but not inside --since 2014-03-15. Options combine with AND;
    a repeated option matches any of its values.

    Examples:

      compartment timeline --since 2014 --until 2014

      compartment timeline --bloc russia --status terminated

      compartment timeline --dossier new-start --format csv
    """
    from compartment import export, query, render
    from compartment import timeline as tl

    start = _bound("--since", since)
    end = _bound("--until", until)
    if start is not None and end is not None and start[: len(end)] > end:
        fail(f"--since {start} is after --until {end}", EXIT_USAGE)
    data = _dataset(ctx)
    ids = [d.id for d in data.dossiers]
    for value in dossier or ():
        if value not in ids:
            hint = query.suggest(value, ids)
            extra = f"; did you mean {', '.join(hint)}?" if hint else ""
            fail(f"--dossier: no dossier with id {value!r}{extra}", EXIT_USAGE)
    _known_actors(data, "--actor", actor or [], blocs=False)
    filters = tl.Filters(
        since=start,
        until=end,
        dossiers=dossier or (),
        actors=actor or (),
        blocs=[b.value for b in bloc or ()],
        statuses=[s.value for s in status or ()],
    )
    found = tl.select(data, filters)
    fmt = output_format.value
    if fmt == "table":
        if not found:
            _stderr().print("No event matches these filters.")
            return
        _stdout().print(render.timeline_table(tl.by_year(found)))
        return
    records = [entry.to_dict() for entry in found]
    if fmt == "csv":
        export.write_csv(records, tl.COLUMNS, sys.stdout)
    elif fmt == "json":
        export.write_json(records, sys.stdout)
    else:
        export.write_markdown(records, tl.COLUMNS, sys.stdout)


@app.command()
def stats(
    ctx: typer.Context,
    by: Annotated[StatsField, typer.Option("--by", help="Count dossiers by this field.")] = (
        StatsField.status
    ),
    per: Annotated[
        Optional[StatsField], typer.Option("--per", help="Split each count by a second field.")
    ] = None,
    output_format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ListFormat.table,
    as_of: AsOf = None,
) -> None:
    """Count dossiers by status, broken-off-by, bloc, domain or year, or by two of them.

    broken-off-by is the actor who broke a dossier off, bloc that actor's bloc, and year
    the year of the break (the event that made broken_off_by). A dossier that nothing broke
    off (active, or expired on its own terms) counts under "none" (null in JSON), so the
    totals are always the number of dossiers; with --as-of, a dossier that had no event
    by that date is left out. CSV and JSON give one record per non-empty count; the table
    and Markdown give the pivot with totals. On a terminal, bars follow the table.

    Examples:

      compartment stats --by bloc --per year

      compartment stats --by status --as-of 2022-02-23

      compartment stats --by domain --per status --format json
    """
    from compartment import export, render
    from compartment import stats as st

    date = _as_of(as_of)
    if per is not None and per == by:
        fail(f"--per must name another field than --by (both are {by.value})", EXIT_USAGE)
    data = _dataset(ctx)
    if date is not None:
        data = data.as_of(date)
    pivot = st.pivot(data, by.value, per.value if per else None)
    fmt = output_format.value
    if fmt == "table":
        console = _stdout()
        console.print(render.stats_table(pivot))
        if _stdout_is_terminal():
            console.print()
            console.print(render.stats_bars(pivot, console.width))
        return
    if fmt == "json":
        export.write_json(pivot.records(), sys.stdout)
        return
    if fmt == "csv":
        keys = [st.json_key(f) for f in (pivot.by, pivot.per) if f] + ["count"]
        export.write_csv(pivot.records(), keys, sys.stdout)
        return
    columns, rows = st.grid(pivot)
    export.write_markdown((dict(zip(columns, row)) for row in rows), columns, sys.stdout)


def _stdout_is_terminal() -> bool:
    """Whether a person is watching stdout: bars are for them, not for pipes or tests."""
    return sys.stdout.isatty()


@app.command()
def diff(
    ctx: typer.Context,
    rev_a: Annotated[
        Optional[str], typer.Argument(metavar="REV_A", help="The old revision (default HEAD).")
    ] = None,
    rev_b: Annotated[
        Optional[str],
        typer.Argument(metavar="REV_B", help="The new revision (default: the working tree)."),
    ] = None,
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="text, markdown (for a PR) or json.")
    ] = DiffFormat.text,
) -> None:
    """Compare the data file between two git revisions: HEAD and the working tree by default.

    Reports dossiers added and removed, status and broken_off_by changes, and per dossier
    the events added, removed or changed. Events are matched by (date, actor, action), so
    an edit of one of those shows as one event removed and one added. Uses the git
    repository that holds the data file, wherever you run it from.

    Examples:

      compartment diff

      compartment diff HEAD~3 HEAD --format markdown
    """
    from compartment import export, loader, render, revisions

    path = _data_source(ctx).path
    old_rev = rev_a or "HEAD"
    try:
        repo = revisions.repository(path)
        results = [revisions.load(repo, rev, path) for rev in (old_rev, rev_b)]
    except (revisions.RevisionError, loader.DataFileNotFound) as exc:
        fail(str(exc), EXIT_USAGE)
    names = (old_rev, rev_b or revisions.WORKING_TREE)
    for name, result in zip(names, results):
        if result.dataset is None or result.errors:
            render.problems(_stderr(), result.errors[:20])
            fail(f"cannot compare: {repo.path} at {name} has {len(result.errors)} error(s)")
    old, new = (r.dataset for r in results)
    assert old is not None and new is not None
    changes = revisions.compare(old, new, *names, file=repo.path)
    fmt = output_format.value
    if fmt == "json":
        export.write_json(revisions.to_dict(changes), sys.stdout)
    elif fmt == "markdown":
        sys.stdout.write(revisions.markdown(changes))
    else:
        _stdout().print(render.diff_report(revisions.lines(changes)), soft_wrap=True)


@app.command()
def chart(
    ctx: typer.Context,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="FILE", help="The image to write: .png or .svg."),
    ],
    status: StatusFilter = None,
    broken_off_by: BrokenOffByFilter = None,
    domain: DomainFilter = None,
    party: PartyFilter = None,
    search: SearchFilter = None,
    as_of: Annotated[
        Optional[str],
        typer.Option(
            "--as-of", metavar="DATE", help="Draw up to this date (YYYY-MM-DD), not today."
        ),
    ] = None,
    since: Annotated[
        Optional[str],
        typer.Option(metavar="DATE", help=f"Start the time axis here ({BOUND_RULE})."),
    ] = None,
    title: Annotated[
        Optional[str], typer.Option(metavar="TEXT", help="The chart's title.")
    ] = None,
) -> None:
    """Draw each dossier's status over time into a PNG or SVG file.

    One lane per dossier from its first event to today (or --as-of), grouped by domain,
    coloured by status, with a marker for each event. Takes the filters of
    `compartment list`. Needs matplotlib: pip install 'compartment[chart]'.

    Examples:

      compartment chart -o dossiers.png

      compartment chart --broken-off-by russia --since 2010 -o russia.svg
    """
    from compartment import chart as ch
    from compartment import dates, query, render

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ch.FORMATS:
        fail(f"-o {output}: name the file .png or .svg (the format follows the extension)",
             EXIT_USAGE)
    date = _as_of(as_of)
    start = _bound("--since", since)
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        fail(f"-o {output}: the folder {folder} does not exist")
    try:
        ch.require()
    except ch.MissingMatplotlib:
        fail("the chart needs matplotlib: install compartment[chart] "
             "(pip install 'compartment[chart]')")
    data = _dataset(ctx)
    if date is not None:
        data = data.as_of(date)
    _known_actors(data, "--broken-off-by", broken_off_by or [])
    _known_actors(data, "--party", party or [])
    filters = query.Filters(
        statuses=[s.value for s in status or ()],
        broken_off_by=broken_off_by or (),
        domains=[d.value for d in domain or ()],
        parties=party or (),
        search=search,
    )
    rows = query.select(data, filters)
    if not rows:
        fail("no dossier matches these filters; nothing to draw")
    end = date or dates.today()
    if start is not None and start > end:
        fail(f"--since {start} is after the end of the chart ({end})", EXIT_USAGE)
    heading = title if title is not None else (
        f"Cooperation dossiers: status from the first event to {end}"
    )
    _write_binary(output, lambda out: ch.draw(data, rows, out, fmt, end, heading, start))
    count = len(rows)
    _stderr().print(render.text(f"{output}: {count} dossier{'s' * (count != 1)} drawn"),
                    soft_wrap=True)


def _write_binary(path: Path, write: object) -> None:
    """Write bytes through a temporary file in the same folder, then rename."""
    import tempfile

    assert callable(write)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        fail(f"-o {path}: cannot write there ({exc.strerror})")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes it private; an image is not
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        fail(f"-o {path}: cannot write ({exc.strerror})")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- keeping the data under version control: files, fmt, schema, edits, completion ---------


def _load_results(ctx: typer.Context, files: list[Path] | None) -> "list[LoadResult]":
    """The data file in use, or each FILE given on the command line (they win over --data)."""
    if not files:
        return [_load_result(ctx)]
    from compartment import loader

    results = []
    for path in files:
        try:
            results.append(_load_with_progress(path, _settings(ctx).use_cache))
        except loader.DataFileNotFound as exc:
            fail(str(exc), EXIT_USAGE)
    return results


def _export_sqlite(data: "Dataset", output: Path) -> None:
    from compartment import sqlite

    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        fail(f"-o {output}: the folder {folder} does not exist")
    try:
        sqlite.write(data, output)
    except OSError as exc:
        fail(f"-o {output}: cannot write ({exc.strerror or exc})")
    except sqlite.sqlite3.Error as exc:
        fail(f"-o {output}: cannot write the database ({exc})")


@app.command("fmt")
def fmt_(
    ctx: typer.Context,
    check: Annotated[
        bool,
        typer.Option("--check", help="Change nothing: print the diff and exit 1 if not canonical."),
    ] = False,
    files: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="[FILE]...",
            help="Format these files instead of the data file in use.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Rewrite the data file in the one canonical layout, keeping every comment.

    Actors alphabetical; dossiers by domain (in the vocabulary's order), then id; events by
    date; keys in the data contract's order; 2-space indentation; dates unquoted. Data with
    errors is refused. --check is for CI and pre-commit: it prints the diff and fails.

    Examples:

      compartment fmt

      compartment fmt --check
    """
    from compartment import edit, fmt, loader, render, storage

    err = _stderr()
    if files:
        targets = [(path, str(path)) for path in files]
    else:
        source = _data_source(ctx, "read" if check else "format")
        targets = [(source.path, str(source.path))]
    failed = False
    for path, name in targets:
        try:
            raw = loader.read_bytes(path)
        except loader.DataFileNotFound as exc:
            fail(str(exc), EXIT_USAGE)
        text, (line, column), reason = loader.decode(raw)
        if text is None:
            fail(f"{name}:{line}:{column}: {reason}")
        try:
            result = fmt.format_text(text, name)
        except fmt.FormatError as exc:
            fail(str(exc))
        if result.text is None:
            render.problems(err, result.errors)
            err.print(render.text(f"{name}: not formatted: fix the {len(result.errors)} error(s) "
                                  "first"), soft_wrap=True)
            failed = True
            continue
        if result.text == text:
            err.print(render.text(f"{name}: already in the canonical layout"), soft_wrap=True)
            continue
        if check:
            sys.stdout.write(edit.unified_diff(text, result.text, name))
            err.print(render.text(f"{name}: not in the canonical layout; run `compartment fmt`"),
                      soft_wrap=True)
            failed = True
            continue
        try:
            with storage.locked(path):
                storage.write_atomic(path, _encode(raw, result.text), expect=raw)
        except (storage.Locked, storage.Changed) as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"{name}: cannot write ({exc.strerror or exc})")
        err.print(render.text(f"{name}: reformatted"), soft_wrap=True)
    if failed:
        raise typer.Exit(EXIT_PROBLEMS)


@app.command("schema")
def schema_() -> None:
    """Print the JSON Schema of the data file, generated from compartment's models.

    The repository keeps a copy in schema/issues.schema.json for editors; a YAML language
    server uses it when the data file starts with
    `# yaml-language-server: $schema=../schema/issues.schema.json`.

    Example:

      compartment schema > schema/issues.schema.json
    """
    from compartment import export, schema

    export.write_json(schema.json_schema(), sys.stdout)


def _encode(raw: bytes, text: str) -> bytes:
    """`text` as the file's bytes: UTF-8, with the byte-order mark the file had, if any."""
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    return bom + text.encode("utf-8")


DRY_RUN_HELP = "Print the diff that would be written, and write nothing."


def _apply_edit(ctx: typer.Context, dry_run: bool, make: "Callable[[str, str], Change]") -> None:
    """Read the data file under its lock, work out the edit, refuse it if it would bring an
    error, else write it atomically (or, with --dry-run, print its diff)."""
    from contextlib import nullcontext

    from compartment import edit, loader, render, storage

    source = _data_source(ctx, "read" if dry_run else "edit")
    path, name = source.path, str(source.path)
    err = _stderr()
    try:
        with nullcontext() if dry_run else storage.locked(path):
            raw = loader.read_bytes(path)
            text, (line, column), reason = loader.decode(raw)
            if text is None:
                fail(f"{name}:{line}:{column}: {reason}")
            change = make(text, name)
            if change.errors:
                render.problems(err, change.errors)
                fail(f"the edit would bring {len(change.errors)} error(s) into {name}; "
                     "nothing was written")
            if change.after == change.before:
                err.print(render.text(f"{name}: nothing to change"), soft_wrap=True)
                return
            if dry_run:
                sys.stdout.write(edit.unified_diff(change.before, change.after, name))
                return
            storage.write_atomic(path, _encode(raw, change.after), expect=raw)
    except loader.DataFileNotFound as exc:
        fail(f"{exc} (data file chosen by {source.how})", EXIT_USAGE)
    except edit.EditError as exc:
        render.problems(err, exc.problems[:20])
        fail(exc.message)
    except (storage.Locked, storage.Changed) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{name}: cannot write ({exc.strerror or exc})")
    render.problems(err, change.new_warnings)
    err.print(render.text(f"{name}:{change.line}: {change.message}"), soft_wrap=True)


def _date_option(value: str) -> str:
    from compartment import dates

    problem = dates.check(value)
    if problem:
        raise typer.BadParameter(f"{value!r}: {problem}")
    return value


def _need_sources(sources: list[str] | None, unverified: bool, option: str) -> tuple[str, ...]:
    if not sources and not unverified:
        fail(f"give at least one {option} URL or citation (or --unverified for an event no "
             "source confirms)", EXIT_USAGE)
    return tuple(sources or ())


event_app = typer.Typer(
    help="Add events to dossiers.", no_args_is_help=True, rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
dossier_app = typer.Typer(
    help="Add dossiers and change their fields.", no_args_is_help=True, rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
actor_app = typer.Typer(
    help="Register actors.", no_args_is_help=True, rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(event_app, name="event")
app.add_typer(dossier_app, name="dossier")
app.add_typer(actor_app, name="actor")

Approach = Enum("Approach", {a: a for a in APPROACHES}, type=str)  # type: ignore[misc]
Bloc = Enum("Bloc", {b: b for b in BLOCS}, type=str)  # type: ignore[misc]


@event_app.command("add")
def event_add(
    ctx: typer.Context,
    dossier_id: Annotated[
        str, typer.Argument(metavar="DOSSIER", help="The dossier's id.",
                            autocompletion=_complete_dossier)
    ],
    date: Annotated[
        str, typer.Option(metavar="DATE", help="YYYY-MM-DD, or YYYY-MM / YYYY.",
                          callback=_date_option)
    ],
    actor: Annotated[
        str, typer.Option(metavar="ACTOR", help="Who acted: an actor id.",
                          autocompletion=_complete_actor)
    ],
    action: Annotated[str, typer.Option(help="A short verb phrase: 'suspended participation'.")],
    summary: Annotated[str, typer.Option(help="What happened, in your own words.")],
    source: Annotated[
        Optional[list[str]],
        typer.Option("--source", metavar="URL", help="A URL or citation (repeatable)."),
    ] = None,
    status: Annotated[
        Optional[Status], typer.Option(help="The dossier's status after this event, if it changed.")
    ] = None,
    unverified: Annotated[
        bool, typer.Option("--unverified", help="No source confirms it.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Add an event to a dossier, in date order (after events of the same date).

    With --status the dossier's status and broken_off_by are updated to what the events now
    say. The whole file is validated before anything is written; the rest of the file is
    left exactly as it was.

    Example:

    \b
      compartment event add new-start --date 2026-02-05 --actor russia \\
        --action "declared the treaty over" --summary "Moscow said ..." \\
        --source https://tass.com/politics/2082091 --dry-run
    """
    from compartment import edit
    from compartment.dataset import Event

    new = Event(
        date=date, actor=actor, action=action, summary=summary,
        sources=_need_sources(source, unverified, "--source"),
        status=status.value if status is not None else None, unverified=unverified,
    )
    _apply_edit(ctx, dry_run, lambda text, name: edit.add_event(text, name, dossier_id, new))


@dossier_app.command("add")
def dossier_add(
    ctx: typer.Context,
    dossier_id: Annotated[
        str, typer.Argument(metavar="ID", help="The new dossier's id (kebab-case).")
    ],
    title: Annotated[str, typer.Option(help="The dossier's title.")],
    domain: Annotated[Domain, typer.Option(help="Its domain.")],
    party: Annotated[
        list[str], typer.Option("--party", metavar="ACTOR", help="A party: actor id (repeatable).",
                                autocompletion=_complete_actor)
    ],
    summary: Annotated[str, typer.Option(help="What the cooperation is, and what became of it.")],
    date: Annotated[
        str, typer.Option(metavar="DATE", help="First event: its date.", callback=_date_option)
    ],
    actor: Annotated[
        str, typer.Option(metavar="ACTOR", help="First event: who acted.",
                          autocompletion=_complete_actor)
    ],
    action: Annotated[str, typer.Option(help="First event: what they did, e.g. 'signed'.")],
    event_summary: Annotated[str, typer.Option(help="First event: what happened.")],
    status: Annotated[Status, typer.Option(help="First event: the status it set.")],
    source: Annotated[
        Optional[list[str]],
        typer.Option("--source", metavar="URL", help="First event: a source (repeatable)."),
    ] = None,
    unverified: Annotated[
        bool, typer.Option("--unverified", help="First event: unconfirmed.")
    ] = False,
    alias: Annotated[
        Optional[list[str]], typer.Option("--alias", help="Another name (repeatable).")
    ] = None,
    forum: Annotated[Optional[str], typer.Option(help="Where the parties meet.")] = None,
    approach: Annotated[
        Optional[list[Approach]], typer.Option(help="A Western response named (repeatable).")
    ] = None,
    third_party: Annotated[
        Optional[list[str]],
        typer.Option("--third-party", metavar="ACTOR", help="A third party (repeatable).",
                     autocompletion=_complete_actor),
    ] = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", help="A tag (repeatable).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Add a dossier with its first event, where the canonical order puts it.

    A dossier needs an event that sets its status: the --date, --actor, --action,
    --event-summary, --source and --status options describe that first event. The dossier's
    status and broken_off_by follow from it. Add more events with `compartment event add`.

    Example:

    \b
      compartment dossier add us-russia-fisheries --title "US-Russia fisheries" \\
        --domain economy --party united-states --party russia --summary "..." \\
        --date 1988-05-31 --actor us-ussr --action signed --event-summary "..." \\
        --source https://example.org --status active
    """
    from compartment import edit
    from compartment.dataset import Dossier, Event

    first = Event(
        date=date, actor=actor, action=action, summary=event_summary,
        sources=_need_sources(source, unverified, "--source"), status=status.value,
        unverified=unverified,
    )
    record = Dossier(
        id=dossier_id, title=title, domain=domain.value, parties=tuple(party),
        status=status.value, broken_off_by=None, summary=summary, events=(first,),
        aliases=tuple(alias or ()), forum=forum,
        approach=tuple(a.value for a in approach or ()), third_parties=tuple(third_party or ()),
        tags=tuple(tag or ()),
    )
    _apply_edit(ctx, dry_run, lambda text, name: edit.add_dossier(text, name, record))


@dossier_app.command("set")
def dossier_set(
    ctx: typer.Context,
    dossier_id: Annotated[
        str,
        typer.Argument(metavar="ID", help="The dossier's id.", autocompletion=_complete_dossier),
    ],
    field: Annotated[
        str,
        typer.Argument(metavar="FIELD", help="The field to set.", autocompletion=_complete_field),
    ],
    values: Annotated[
        Optional[list[str]],
        typer.Argument(
            metavar="VALUE",
            help="The new value; for a list field each VALUE is one item, in order.",
            autocompletion=_complete_field_value,
            show_default=False,
        ),
    ] = None,
    unset: Annotated[
        bool, typer.Option("--unset", help="Remove an optional field (forum or a list).")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Set one field of a dossier.

    FIELD is one of: id, title, aliases, domain, parties, forum, approach, third_parties,
    summary, tags. Text fields take one VALUE. A list field takes each item as its own VALUE
    (`tags nuclear treaty`), never split at commas, and replaces the whole list. --unset
    removes forum or a list field. status and broken_off_by follow the events: record the
    event with `compartment event add ... --status`. A new id or domain moves the dossier to
    its place in the canonical order.

    Examples:

      compartment dossier set new-start forum "Geneva talks"

      compartment dossier set new-start tags nuclear bilateral treaty
    """
    from compartment import edit

    name = field.replace("-", "_")
    if name in edit.DERIVED_FIELDS:
        fail(f"{name} follows the dossier's events: record the event that changed it with "
             "`compartment event add ... --status STATUS`", EXIT_USAGE)
    if name not in edit.SETTABLE_FIELDS:
        fail(f"cannot set {field!r}; FIELD is one of {', '.join(edit.SETTABLE_FIELDS)}", EXIT_USAGE)
    if unset and values:
        fail("give VALUEs or --unset, not both", EXIT_USAGE)
    if unset and name not in edit.OPTIONAL_FIELDS:
        fail(f"{name} is required; it cannot be removed", EXIT_USAGE)
    if not unset:
        if not values:
            fail(f"give a value for {name}" + (" (or --unset to remove it)"
                 if name in edit.OPTIONAL_FIELDS else ""), EXIT_USAGE)
        if name in edit.SCALAR_FIELDS and len(values) != 1:
            fail(f"{name} takes one value; quote it if it has spaces", EXIT_USAGE)
    new = None if unset else list(values or ())
    _apply_edit(ctx, dry_run, lambda text, data: edit.set_field(text, data, dossier_id, name, new))


@actor_app.command("add")
def actor_add(
    ctx: typer.Context,
    actor_id: Annotated[str, typer.Argument(metavar="ID", help="The new actor's id (kebab-case).")],
    name: Annotated[str, typer.Option(help="The actor's name as people write it.")],
    bloc: Annotated[Bloc, typer.Option(help="west, russia, third-party or international.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Register an actor under `actors:`, in alphabetical order of id.

    An actor no dossier uses yet draws a warning (not an error) until one does.

    Example:

      compartment actor add turkey --name Türkiye --bloc third-party
    """
    from compartment import edit

    _apply_edit(
        ctx, dry_run, lambda text, data: edit.add_actor(text, data, actor_id, name, bloc.value)
    )


def main() -> None:
    """The console script: the CLI with the guards a user needs and tests do not want.

    A closed pipe (`compartment export | head -1`) ends quietly; an output encoding that
    cannot show a character prints an escape instead; any other unexpected exception is a
    bug and becomes one 'internal error' line with exit code 70 (traceback with --debug).
    """
    # The collector stays off until the data is loaded; then _load_with_progress freezes what
    # is loaded, so that no later pass rescans it (see there).
    gc.disable()
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        app()
    except SystemExit:  # every normal ending, usage errors included, comes through here
        _flush_or_quiet()
        raise
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS:
            _internal_error(exc)
        sys.stderr.write(f"Error: cannot write output ({exc.strerror})\n")
        os._exit(EXIT_PROBLEMS)  # skip the interpreter's final flush of the same full buffer
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted\n")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence, see docstring
        _internal_error(exc)
    _flush_or_quiet()


# A full disk or a failing device while writing: the user's environment, not our bug.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG})


def _flush_or_quiet() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as exc:
        sys.stderr.write(f"Error: cannot write output ({exc.strerror})\n")
        os._exit(EXIT_PROBLEMS)


def _quiet_broken_pipe() -> NoReturn:
    # Point stdout at /dev/null so the interpreter's final flush does not complain again.
    # Exit 1, as the bundled Click does when it meets the closed pipe first: the output was
    # cut short, and which of the two sees it depends only on timing.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_PROBLEMS)


def _internal_error(exc: BaseException) -> NoReturn:
    if "--debug" in sys.argv:
        import traceback

        traceback.print_exception(exc)
    else:
        sys.stderr.write(
            f"compartment: internal error: {type(exc).__name__}. This is a bug; please report "
            "it with the command you ran. Run again with --debug to see the traceback.\n"
        )
    sys.exit(EXIT_INTERNAL)
