"""Reading the ledger: list, show, info, export, schema."""

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO, Optional, TextIO

import typer

from compartment.cli import runtime
from compartment.cli.options import (
    FORMAT,
    AsOf,
    BrokenOffByFilter,
    DisputedFilter,
    DomainFilter,
    ExportFormat,
    FirstBrokenOffByFilter,
    ListFormat,
    PartyFilter,
    SearchFilter,
    ShowFormat,
    SortField,
    StatusFilter,
    TagFilter,
    check_known,
    complete_crisis,
    complete_dossier,
    values,
)
from compartment.data import lookup
from compartment.errors import CompartmentError, UsageError

if TYPE_CHECKING:
    from compartment.data.dataset import Dataset

# A terminal table of thousands of rows is slow to draw and useless to read; past this many
# rows the table says how to see all of them.
TABLE_LIMIT = 500


def list_(
    ctx: typer.Context,
    status: StatusFilter = None,
    broken_off_by: BrokenOffByFilter = None,
    first_broken_off_by: FirstBrokenOffByFilter = None,
    domain: DomainFilter = None,
    party: PartyFilter = None,
    search: SearchFilter = None,
    tag: TagFilter = None,
    disputed: DisputedFilter = False,
    over: Annotated[Optional[list[str]], typer.Option(
        metavar="CRISIS", autocompletion=complete_crisis, help="Dossiers broken off over this "
        "crisis (repeatable: any of them), as `compartment crises` lists them.")] = None,
    sort: Annotated[SortField, typer.Option(help="Sort by this field.")] = SortField.file,
    output_format: Annotated[ListFormat, FORMAT] = ListFormat.table,
    columns: Annotated[Optional[str], typer.Option(
        metavar="NAMES", help="The columns to show, comma-separated: any field of a dossier, "
        "since, first_broken_off_by, first_broken_off_on, broken_off_by_bloc, "
        "first_broken_off_by_bloc. Default: id, title, status, since, broken_off_by, domain.")
    ] = None,
    as_of: AsOf = None,
    limit: Annotated[int, typer.Option(
        min=0, help="Table only: show at most this many rows (0: all). CSV, JSON and Markdown "
        "always hold every row.")] = TABLE_LIMIT,
) -> None:
    """List dossiers, filtered and sorted.

    Options combine with AND; a repeated option matches any of its values.

    Examples:

      compartment list --status suspended

      compartment list --broken-off-by west --sort since

      compartment list --first-broken-off-by russia --disputed

      compartment list --tag nuclear --party "United States"

      compartment list --over georgia-2008

      compartment list --columns id,first_broken_off_by,first_broken_off_on

      compartment list --as-of 2022-02-23 --format csv
    """
    from compartment.views import linkage, query

    data = runtime.dataset(ctx, as_of=as_of)
    filters = runtime.dossier_filters(
        data, values(status), broken_off_by, values(domain), party, search, tag,
        first_broken_off_by, disputed,
    )._replace(over=over or [])
    # An --over value is a crisis id of the data, or one of the two rows without one.
    known = [*data.crises, linkage.NONE_STATED, linkage.NOT_RECORDED]
    check_known("--over", "crisis", filters.over, known, "; `compartment crises` lists them")
    rows = query.sort(query.select(data, filters), sort.value)
    chosen = _columns(columns) if columns is not None else None
    if output_format is ListFormat.table:
        from compartment.views import render

        if not rows:
            runtime.say("No dossier matches these filters.")
            return
        console = runtime.stdout()
        shown = rows[:limit] if limit else rows
        table = (render.dossier_table(shown, console.width) if chosen is None
                 else render.chosen_table(data, shown, chosen))
        console.print(table, crop=False)
        if len(shown) < len(rows):
            runtime.say(f"Showing {len(shown):,} of {len(rows):,} dossiers: --limit 0 shows them "
                        "all, --format csv exports them.")
        elif console.is_terminal and len(rows) + 2 > console.height:
            runtime.say(f"{len(rows)} dossiers, more than a screen: page with "
                        "`compartment list | less -S`, or export with `--format csv`.")
        return
    from compartment.views import export

    names = chosen or export.LIST_COLUMNS
    runtime.write_rows(output_format, (export.dossier_row(d, names, data) for d in rows), names)


def _columns(given: str) -> tuple[str, ...]:
    """`--columns`: names of export.DOSSIER_COLUMNS (a dash may stand for an underscore)."""
    from compartment.views import export

    names = tuple(n.strip().replace("-", "_") for n in given.split(",") if n.strip())
    check_known("--columns", "column", names, export.DOSSIER_COLUMNS,
                f"; choose from {', '.join(export.DOSSIER_COLUMNS)}")
    if not names:
        raise UsageError("--columns: name at least one column")
    return names


def show(
    ctx: typer.Context,
    dossier_id: Annotated[str, typer.Argument(
        metavar="ID", help="The dossier's id (any case), title or alias.",
        autocompletion=complete_dossier)],
    as_of: AsOf = None,
    output_format: Annotated[ShowFormat, FORMAT] = ShowFormat.table,
) -> None:
    """Show one dossier: its fields, events and sources.

    --format markdown writes the dossier as a Markdown page, with its sources as links.

    ID may be typed in any case, or be the dossier's title or one of its aliases. Sources
    are printed whole, one to a line, and are links in a terminal that supports them.

    Examples:

      compartment show new-start

      compartment show "Anti-Ballistic Missile Treaty"
    """
    from compartment.data.lookup import find
    from compartment.views import export, render

    data = runtime.dataset(ctx)
    dossier = find(data, dossier_id)
    if as_of is not None:
        earlier = dossier.as_of(as_of)
        if earlier is None:
            raise UsageError(f"{dossier.id} has no event on or before {as_of}")
        dossier = earlier
    if output_format is ShowFormat.json:
        export.write_json(dossier.to_dict(), sys.stdout)
    elif output_format is ShowFormat.markdown:
        names = {a.id: a.name for a in data.actors.values()}
        sys.stdout.write(export.dossier_markdown(dossier, names))
    else:
        # crop=False: a source URL runs past the edge rather than being cut (EventList).
        runtime.stdout().print(render.dossier_detail(data, dossier), crop=False)


def export_(
    ctx: typer.Context,
    output_format: Annotated[ExportFormat, FORMAT] = ExportFormat.json,
    events: Annotated[bool, typer.Option(
        "--events", help="CSV/Markdown/JSONL: one row per event, not per dossier.")] = False,
    claims: Annotated[bool, typer.Option(
        "--claims", help="CSV/Markdown/JSONL: one row per claim, with its event.")] = False,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", metavar="FILE", help="Write here instead of stdout.")] = None,
    raw: Annotated[bool, typer.Option(
        "--raw", help="CSV: keep cells that start with = + - @ as they are. By default they get "
        "a leading ' so that spreadsheets do not run them as formulas.")] = False,
    as_of: AsOf = None,
    tag: TagFilter = None,
) -> None:
    """Export the dataset: JSON, CSV, Markdown, SQLite, iCalendar.

    JSON is nested; SQLite is a database file; ics is a calendar of the decision points.

    CSV has a header row, one row per dossier (or per event with --events, per claim with
    --claims), list fields joined with "; ". The same data always gives byte-identical
    output. SQLite needs -o (docs/data.md lists its tables). --format ics writes each
    decision point ahead (`next:`, as `upcoming` lists them) as an all-day event with a
    stable UID, for a calendar application to import or subscribe to.

    Examples:

      compartment export --format csv > dossiers.csv

      compartment export --format csv --events -o events.csv

      compartment export --format sqlite -o compartment.db

      compartment export --format ics -o next.ics

      compartment export --tag nuclear --format csv
    """
    from compartment.store import storage
    from compartment.views import export

    if events and claims:
        raise UsageError("--events and --claims each choose the rows: give one of them")
    if output_format is ExportFormat.sqlite and output is None:
        raise UsageError("--format sqlite writes a database file, not to stdout: give -o FILE")
    result = runtime.load(ctx)
    if output is not None and storage.same_file(output, result.path):
        raise UsageError(f"-o {output}: refusing to overwrite the data file itself")
    data = runtime.dataset(ctx, result, as_of)
    if tag:
        from compartment.views import query

        chosen = query.select(data, query.Filters(tags=lookup.check_tags(data, tag)))
        data = data._replace(dossiers=tuple(chosen))
    def write(out: TextIO) -> None:
        if output_format is ExportFormat.json:
            export.write_json(data.to_dict(), out)
            return
        columns: Sequence[str]
        if claims:
            rows = export.claim_rows(data.dossiers)
            columns = export.CLAIM_COLUMNS
        elif events:
            rows = export.event_rows(data.dossiers, cells=output_format is not ExportFormat.jsonl)
            columns = export.EVENT_COLUMNS
        else:
            rows = (export.dossier_row(d, data=data) for d in data.dossiers)
            columns = export.DOSSIER_COLUMNS
        if output_format is ExportFormat.csv:
            export.write_csv(rows, columns, out, raw=raw)
        elif output_format is ExportFormat.jsonl:
            export.write_jsonl(rows, out)
        else:
            export.write_markdown(rows, columns, out)

    if output_format in (ExportFormat.sqlite, ExportFormat.ics):
        if output_format is ExportFormat.sqlite:
            from compartment.views import sqlite

            content = sqlite.database(data)
        else:
            from compartment.views import calendar

            try:
                content = calendar.ics(data)
            except ImportError:
                raise CompartmentError("--format ics needs icalendar: pip install icalendar "
                                       "(it comes with compartment-ledger)") from None
        if output is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
            return

        def write_bytes(out: BinaryIO) -> None:
            out.write(content)

        storage.write_output(output, write_bytes)
    elif output is None:
        write(sys.stdout)
        return
    else:
        storage.write_text_output(output, write)
    runtime.say(f"{output}: wrote {_what(data, output_format, events, claims)}")


def _what(data: "Dataset", output_format: ExportFormat, events: bool, claims: bool) -> str:
    """What an export to a file holds, for the line that confirms it."""
    if output_format is ExportFormat.ics:
        count = sum(len(d.next) for d in data.dossiers)
        return f"{count} decision point{'s' * (count != 1)} (iCalendar)"
    if claims:
        count, kind = sum(len(e.claims) for d in data.dossiers for e in d.events), "claim"
    elif events:
        count, kind = sum(len(d.events) for d in data.dossiers), "event"
    else:
        count, kind = len(data.dossiers), "dossier"
    return f"{count} {kind}{'s' * (count != 1)} ({output_format.value})"


def info(ctx: typer.Context) -> None:
    """Say which data file is in use, why, and what it holds.

    Example:

      compartment info
    """
    from compartment.views import render, reports

    source = runtime.data_source(ctx)
    data = runtime.dataset(ctx)
    runtime.stdout().print(
        render.info_table(reports.info(source, data, runtime.known_at(ctx))), crop=False)


def schema_() -> None:
    """Print the JSON Schema of the data file.

    It is generated from compartment's models.

    The repository keeps a copy in schema/issues.schema.json for editors; a YAML language
    server uses it when the data file starts with
    `# yaml-language-server: $schema=../schema/issues.schema.json`.

    Example:

      compartment schema > schema/issues.schema.json
    """
    from compartment.data import schema
    from compartment.views import export

    export.write_json(schema.json_schema(), sys.stdout)
