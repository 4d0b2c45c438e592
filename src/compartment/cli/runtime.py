"""What every command shares at run time: the global settings, the two consoles, and the one
way a command gets its data file and its dataset.

Heavy modules (pydantic, PyYAML, the loader) are imported inside functions, not here: every
command pays for this module's imports at start-up.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

import typer

from compartment.cli.options import ListFormat
from compartment.errors import CompartmentError, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from compartment.data.dataset import Dataset, LoadResult
    from compartment.history.revisions import Commit, Repository
    from compartment.store.datafile import DataSource
    from compartment.views.query import Filters

# Into a pipe or a file, tables are this wide, so that each row stays on one line for grep.
PIPE_WIDTH = 200
# Problems listed before a command that needs clean data gives up; `validate` lists them all.
PROBLEMS_SHOWN = 20


class Settings(NamedTuple):
    """What the global options chose, kept on the Typer context."""

    data: str | None = None
    use_cache: bool = True
    debug: bool = False
    known_at: str | None = None  # read the data file as committed at this git revision


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


# -- consoles -------------------------------------------------------------------------------


def width(stream: TextIO) -> int:
    """The width to lay out for: $COLUMNS, else the terminal's, else PIPE_WIDTH. A $COLUMNS
    that is not a positive whole number is as if it were unset (rich would take COLUMNS=0
    literally and print nothing at all, errors included)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if stream.isatty():
        try:
            return os.get_terminal_size(stream.fileno()).columns or 80
        except (OSError, ValueError):
            return 80
    return PIPE_WIDTH


def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, width=width(sys.stderr))


def stdout() -> Console:
    from rich.console import Console

    return Console(highlight=False, width=width(sys.stdout))


def stdout_is_terminal() -> bool:
    """Whether a person is watching stdout: bars are for them, not for pipes or tests."""
    return sys.stdout.isatty()


def say(message: str) -> None:
    """A one-line message on stderr (user text and paths escaped, a newline in a path too),
    never wrapped or cut."""
    from rich.text import Text

    from compartment.errors import one_line

    stderr().print(Text(one_line(message)), soft_wrap=True)


def report_error(error: CompartmentError) -> None:
    """The problems behind a failure, then `Error: message`, on stderr."""
    from rich.text import Text

    from compartment.errors import one_line
    from compartment.views import render

    err = stderr()
    if error.problems:
        render.problems(err, error.problems[:PROBLEMS_SHOWN])
        more = len(error.problems) - PROBLEMS_SHOWN
        if more > 0:
            err.print(f"... and {more} more")
    err.print(Text(one_line(f"Error: {error.message}"), style="red"), soft_wrap=True)


# -- the data -------------------------------------------------------------------------------


def data_source(ctx: typer.Context, verb: str = "read") -> DataSource:
    """The data file in use (--data, $COMPARTMENT_DATA, nearest, bundled), for a command
    that will `verb` it. Standard input is refused; so is writing the bundled copy."""
    from compartment.store import datafile

    chosen = settings(ctx).data
    if chosen == "-":
        raise UsageError(f"--data -: standard input is not supported (compartment must {verb} "
                         "a file); give a file path")
    source = datafile.find_data_file(chosen)
    if source.bundled and verb != "read":
        raise UsageError(f"{source.path} is the copy bundled with compartment; name the file to "
                         f"{verb} with --data PATH")
    return source


def refuse_known_at(ctx: typer.Context, what: str) -> None:
    """A usage error if --known-at was given to a command that works on the file as it is."""
    rev = settings(ctx).known_at
    if rev is not None:
        raise UsageError(f"--known-at {rev}: {what} works on the data file as it is now, "
                         "not as committed; leave --known-at out")


def known_at(ctx: typer.Context) -> Commit | None:
    """The commit --known-at names (resolved once per command), or None without it."""
    rev = settings(ctx).known_at
    if rev is None:
        return None
    meta = ctx.find_root().meta
    if "compartment.known_at" not in meta:
        from compartment.history import revisions

        meta["compartment.known_at"] = revisions.resolve(_repository(ctx), rev)
    found: Commit = meta["compartment.known_at"]
    return found


def _repository(ctx: typer.Context) -> Repository:
    from compartment.history import revisions

    return revisions.repository(data_source(ctx).path)


def load(ctx: typer.Context, path: Path | None = None) -> LoadResult:
    """Load `path`, or the data file in use. Problems of the data are on the result.

    With --known-at, the data file's blob at that commit instead, validated like a file but
    never cached: the cache is keyed by a file, and one blob is parsed once per command."""
    from compartment.store import datafile

    use_cache = settings(ctx).use_cache
    commit = known_at(ctx) if path is None else None
    if commit is not None:
        from compartment.history import revisions

        repo = _repository(ctx)
        sha = revisions.blob_of(repo, commit.sha, commit.rev)
        with _collector_resumed_after():
            return revisions.load_blob(repo, sha, f"{commit.rev}:{repo.path}")
    how = ""
    if path is None:
        source = data_source(ctx)
        path, how = source.path, f" (data file chosen by {source.how})"
    try:
        with _collector_resumed_after():
            return datafile.load(path, display=str(path), use_cache=use_cache)
    except datafile.DataFileNotFound as exc:
        raise UsageError(f"{exc}{how}") from None


def blob(ctx: typer.Context, commit: Commit) -> bytes:
    """The bytes of the data file at `commit`."""
    from compartment.history import revisions

    repo = _repository(ctx)
    sha = revisions.blob_of(repo, commit.sha, commit.rev)
    raw = revisions.read_blobs(repo, [sha]).get(sha)
    if raw is None:
        raise CompartmentError(revisions.oversized(repo, sha))
    return raw


def dataset(
    ctx: typer.Context, result: LoadResult | None = None, as_of: str | None = None
) -> Dataset:
    """The validated dataset in use (from `result`, if already loaded), as it stood on
    `as_of` if given; a CompartmentError listing the errors that stop it from loading."""
    if result is None:
        result = load(ctx)
    if result.dataset is None or result.errors:
        raise CompartmentError(f"{result.path} has {len(result.errors)} error(s); run "
                               "`compartment validate` for the full report", problems=result.errors)
    return result.dataset if as_of is None else result.dataset.as_of(as_of)


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


def dossier_filters(
    data: Dataset, statuses: list[str], broken_off_by: list[str] | None, domains: list[str],
    parties: list[str] | None, search: str | None, tags: list[str] | None,
    first_broken_off_by: list[str] | None = None, disputed: bool = False,
) -> Filters:
    """`list`'s filters (shared by `stats` and `chart`), with the actor, bloc and tag values
    checked."""
    from compartment.data.lookup import check_actors, check_tags
    from compartment.views import query

    check_actors(data, "--broken-off-by", broken_off_by or [])
    check_actors(data, "--first-broken-off-by", first_broken_off_by or [])
    check_actors(data, "--party", parties or [])
    return query.Filters(
        statuses=statuses, broken_off_by=broken_off_by or (), domains=domains,
        parties=parties or (), search=search, first_broken_off_by=first_broken_off_by or (),
        disputed=disputed, tags=check_tags(data, tags or []),
    )


def write_rows(
    output_format: ListFormat, rows: Iterable[dict[str, Any]], columns: Sequence[str]
) -> None:
    """`rows` on stdout as --format csv, json (a list) or markdown."""
    from compartment.views import export

    if output_format is ListFormat.csv:
        export.write_csv(rows, columns, sys.stdout)
    elif output_format is ListFormat.json:
        export.write_json_rows(rows, sys.stdout)
    else:
        export.write_markdown(rows, columns, sys.stdout)
