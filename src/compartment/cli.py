"""The command line: parse options, call the core, render, choose the exit code.

Exit codes: 0 success, 1 problems in the data or a failed operation, 2 bad usage,
70 an internal error (a bug: please report it). Data goes to stdout, messages to stderr.
Heavy modules (pydantic, PyYAML, the loader) are imported inside commands, not here: every
command pays for this module's imports at start-up.
"""

from __future__ import annotations

import errno
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional, TextIO

import typer

from compartment import __version__
from compartment.vocab import BLOCS, DOMAINS, STATUSES

if TYPE_CHECKING:
    from rich.console import Console

    from compartment.dataset import Dataset
    from compartment.loader import LoadResult

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
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Settings:
    """What the global options chose, kept on the Typer context."""

    def __init__(self, data: str | None, debug: bool) -> None:
        self.data = data
        self.debug = debug


def _settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings(None, False)


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _stdout() -> Console:
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
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    ctx.obj = Settings(data, debug)


def _load_result(ctx: typer.Context) -> LoadResult:
    from compartment import loader

    settings = _settings(ctx)
    if settings.data == "-":
        fail("--data -: reading the data from standard input is not supported; give a file path",
             EXIT_USAGE)
    source = loader.find_data_file(settings.data)
    try:
        return loader.load(source.path, display=str(source.path))
    except loader.DataFileNotFound as exc:
        fail(f"{exc} (data file chosen by {source.how})", EXIT_USAGE)


def _dataset(ctx: typer.Context) -> Dataset:
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
        raise typer.BadParameter(str(exc)) from None


AS_OF_HELP = "Show the state as it stood on this date (YYYY-MM-DD), from the events alone."


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        Optional[list[Status]],
        typer.Option("--status", "-s", help="Keep dossiers with this status (repeatable)."),
    ] = None,
    broken_off_by: Annotated[
        Optional[list[str]],
        typer.Option(
            "--broken-off-by",
            "-b",
            metavar="ACTOR|BLOC",
            help="Keep dossiers broken off by this actor id or bloc (repeatable).",
        ),
    ] = None,
    domain: Annotated[
        Optional[list[Domain]], typer.Option("--domain", "-d", help="Keep this domain (repeatable).")
    ] = None,
    party: Annotated[
        Optional[list[str]],
        typer.Option("--party", "-p", metavar="ACTOR|BLOC", help="Keep dossiers with this party."),
    ] = None,
    search: Annotated[
        Optional[str],
        typer.Option(help="Keep dossiers whose id, title, aliases or summary contain TEXT."),
    ] = None,
    sort: Annotated[SortField, typer.Option(help="Sort by this field.")] = SortField.file,
    output_format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ListFormat.table,
    as_of: Annotated[Optional[str], typer.Option("--as-of", metavar="DATE", help=AS_OF_HELP)] = None,
) -> None:
    """List dossiers, filtered and sorted.

    Options combine with AND; a repeated option matches any of its values.

    Examples:

      compartment list --status suspended

      compartment list --broken-off-by west --sort since

      compartment list --as-of 2022-02-23 --format csv
    """
    from compartment import export, query, render

    date = _as_of(as_of)
    data = _dataset(ctx)
    if date is not None:
        data = data.as_of(date)
    for option, values in (("--broken-off-by", broken_off_by), ("--party", party)):
        for value in values or ():
            if not query.known_actor_or_bloc(data, value):
                hint = query.suggest(value, list(dict.fromkeys([*data.actors, *BLOCS])))
                extra = f"; did you mean {', '.join(hint)}?" if hint else ""
                fail(f"{option}: unknown actor or bloc {value!r}{extra}", EXIT_USAGE)
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
        console = _stdout()
        if not rows:
            _stderr().print("No dossier matches these filters.")
            return
        console.print(render.dossier_table(data, rows, console.width))
        return
    records = (export.dossier_row(d, export.LIST_COLUMNS) for d in rows)
    if fmt == "csv":
        export.write_csv(records, export.LIST_COLUMNS, sys.stdout)
    elif fmt == "json":
        export.write_json(list(records), sys.stdout)
    else:
        export.write_markdown(records, export.LIST_COLUMNS, sys.stdout)


@app.command()
def show(
    ctx: typer.Context,
    dossier_id: Annotated[str, typer.Argument(metavar="ID", help="The dossier's id.")],
    as_of: Annotated[Optional[str], typer.Option("--as-of", metavar="DATE", help=AS_OF_HELP)] = None,
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
) -> None:
    """Check the data file and report every problem as file:line:col: path: message.

    Exit code 0 when clean, 1 when problems are found (warnings count only with --strict).

    Example:

      compartment validate --strict
    """
    from compartment import export, render

    result = _load_result(ctx)
    found = result.problems
    failing = [p for p in found if p.is_error or strict]
    fmt = output_format.value
    if fmt == "json":
        export.write_json(
            {
                "file": str(result.path),
                "ok": not failing,
                "errors": len(result.errors),
                "warnings": len(result.warnings),
                "problems": [p.to_dict() for p in found],
            },
            sys.stdout,
        )
    elif fmt == "github":
        for p in found:
            level = "error" if p.is_error or strict else "warning"
            sys.stdout.write(_github_annotation(level, p))
    else:
        out = _stdout()
        render.problems(out, found)
        render.summary_line(out, found, str(result.path))
    if failing:
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
    as_of: Annotated[Optional[str], typer.Option("--as-of", metavar="DATE", help=AS_OF_HELP)] = None,
) -> None:
    """Export the whole dataset: JSON (nested), JSONL, CSV or Markdown.

    CSV has a header row, one row per dossier (or per event with --events), list fields
    joined with "; ". The same data always gives byte-identical output.

    Examples:

      compartment export --format csv > dossiers.csv

      compartment export --format csv --events -o events.csv
    """
    from compartment import export

    date = _as_of(as_of)
    result = _load_result(ctx)
    if output is not None and _same_file(output, result.path):
        fail(f"-o {output}: refusing to overwrite the data file itself", EXIT_USAGE)
    data = _dataset(ctx) if result.dataset is None or result.errors else result.dataset
    if date is not None:
        data = data.as_of(date)
    fmt = output_format.value

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


def _write_file(path: Path, write: object) -> None:
    """Write through a temporary file in the same folder, then rename: never half a file."""
    import tempfile

    assert callable(write)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        fail(f"-o {path}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        fail(f"-o {path}: cannot write there ({exc.strerror})")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        fail(f"-o {path}: cannot write ({exc.strerror})")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command()
def info(ctx: typer.Context) -> None:
    """Say which data file is in use, why, and what it holds.

    Example:

      compartment info
    """
    from collections import Counter

    from compartment import loader, render

    source = loader.find_data_file(_settings(ctx).data)
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


def main() -> None:
    """The console script: the CLI with the guards a user needs and tests do not want.

    A closed pipe (`compartment export | head -1`) ends quietly; an output encoding that
    cannot show a character prints an escape instead; any other unexpected exception is a
    bug and becomes one 'internal error' line with exit code 70 (traceback with --debug).
    """
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
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)


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
