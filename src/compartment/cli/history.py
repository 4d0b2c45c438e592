"""History and analysis: timeline, stats, diff, chart."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from compartment.cli import runtime
from compartment.cli.options import (
    BOUND_RULE,
    FORMAT,
    AsOf,
    BlocChoice,
    BrokenOffByFilter,
    ChartKind,
    DiffFormat,
    DomainFilter,
    ListFormat,
    PartyFilter,
    Period,
    SearchFilter,
    StatsField,
    StatusChoice,
    StatusFilter,
    TagFilter,
    bound,
    check_known,
    complete_actor,
    complete_dossier,
    complete_tag,
    full_date,
    values,
)
from compartment.data import lookup
from compartment.errors import CompartmentError, UsageError

if TYPE_CHECKING:
    from compartment.data.dataset import Dataset
    from compartment.views.query import Filters


def timeline(
    ctx: typer.Context,
    since: Annotated[Optional[str], typer.Option(
        metavar="DATE", help=f"Keep events on or after this date ({BOUND_RULE}); --since 2014 "
        "starts on 1 January 2014.")] = None,
    until: Annotated[Optional[str], typer.Option(
        metavar="DATE", help=f"Keep events on or before this date ({BOUND_RULE}); --until 2014 "
        "ends on 31 December 2014.")] = None,
    dossier: Annotated[Optional[list[str]], typer.Option(
        metavar="ID", help="Keep this dossier's events (repeatable).",
        autocompletion=complete_dossier)] = None,
    actor: Annotated[Optional[list[str]], typer.Option(
        "--actor", "-a", metavar="ACTOR", autocompletion=complete_actor,
        help="Keep events by this actor (repeatable).")] = None,
    bloc: Annotated[Optional[list[BlocChoice]], typer.Option(
        help="Keep events by actors of this bloc (repeatable).")] = None,
    status: Annotated[Optional[list[StatusChoice]], typer.Option(
        "--status", "-s", help="Keep events that set this status (repeatable).")] = None,
    tag: Annotated[Optional[list[str]], typer.Option(
        "--tag", "-t", metavar="TAG", autocompletion=complete_tag,
        help="Keep events of dossiers with this tag (repeatable: any of them).")] = None,
    output_format: Annotated[ListFormat, FORMAT] = ListFormat.table,
) -> None:
    """List every dossier's events in date order, by year.

    Events on the same date keep the file's order: first by dossier, then within the
    dossier. A partial date (2014-03) sorts and filters as the start of its period, so it
    is inside --since 2014-03 but not inside --since 2014-03-15. Options combine with AND;
    a repeated option matches any of its values.

    Examples:

      compartment timeline --since 2014 --until 2014

      compartment timeline --bloc russia --status terminated

      compartment timeline --dossier new-start --format csv

      compartment timeline --tag nuclear --since 2019
    """
    from compartment.views import render
    from compartment.views import timeline as tl

    since, until = bound("--since", since), bound("--until", until)
    if since is not None and until is not None and since[: len(until)] > until:
        raise UsageError(f"--since {since} is after --until {until}")
    data = runtime.dataset(ctx)
    filters = tl.Filters(
        since=since,
        until=until,
        # In any case, or by title or alias; by name for actors: resolved to the ids.
        dossiers=[lookup.find(data, value, "--dossier").id for value in dossier or ()],
        actors=lookup.check_actors(data, "--actor", actor or [], blocs=False),
        blocs=values(bloc),
        statuses=values(status),
        tags=lookup.check_tags(data, tag or []),
    )
    found = tl.select(data, filters)
    if output_format is not ListFormat.table:
        runtime.write_rows(output_format, (entry.to_dict() for entry in found), tl.COLUMNS)
    elif found:
        runtime.stdout().print(render.timeline_table(tl.by_year(found)))
    else:
        runtime.say("No event matches these filters.")


def stats(
    ctx: typer.Context,
    by: Annotated[
        StatsField, typer.Option(help="Count dossiers by this field.")] = StatsField.status,
    per: Annotated[
        Optional[StatsField], typer.Option(help="Split each count by a second field.")] = None,
    output_format: Annotated[ListFormat, FORMAT] = ListFormat.table,
    as_of: AsOf = None,
    series: Annotated[Optional[Period], typer.Option(
        help="Instead of a pivot: how many dossiers stood in each status at the end of every "
        "year (or month), from the events alone.")] = None,
    status: StatusFilter = None,
    broken_off_by: BrokenOffByFilter = None,
    domain: DomainFilter = None,
    party: PartyFilter = None,
    search: SearchFilter = None,
    tag: TagFilter = None,
) -> None:
    """Count dossiers by one or two fields, or over time.

    Dossiers (or claims) by one field, or by two of them; or, with --series, the number
    of dossiers in each status at the end of every year or month.

    broken-off-by is the actor who broke a dossier off last, bloc that actor's bloc, and
    year the year of that break; first-broken-off-by, first-bloc and first-year are the
    same for the dossier's first break. A dossier that nothing broke off counts under "none"
    (null in JSON), so the totals are always the number of dossiers; with --as-of, a
    dossier that had no event by that date is left out. by and blames count claims (who
    says it, whom it blames) and pair only with each other. source-kind counts events by
    the best kind of source each cites (primary, reference, news, state-media, none), per a
    field of its dossier if you like. CSV and JSON give one record
    per non-empty count; the table and Markdown give the pivot with totals. On a terminal,
    bars follow the table.

    Examples:

      compartment stats --by first-bloc --per first-year

      compartment stats --by status --as-of 2022-02-23

      compartment stats --by blames --per by

      compartment stats --series year --domain arms-control
    """
    from compartment.views import export, query, render
    from compartment.views import stats as st

    if per is not None and per == by:
        raise UsageError(f"--per must name another field than --by (both are {by.value})")
    if per is not None and per.value in st.EVENT_FIELDS:
        raise UsageError(f"--per {per.value}: it counts events; give it as --by, with a "
                         "dossier field as --per")
    if per is not None and (by.value in st.CLAIM_FIELDS) != (per.value in st.CLAIM_FIELDS):
        raise UsageError(f"--by {by.value} --per {per.value}: by and blames count claims, the "
                         "other fields dossiers; pair by with blames")
    data = runtime.dataset(ctx)
    filters = runtime.dossier_filters(data, values(status), broken_off_by, values(domain),
                                      party, search, tag)
    if series is not None:
        _series(data, filters, series.value, as_of, output_format)
        return
    if as_of is not None:
        data = data.as_of(as_of)
    data = data._replace(dossiers=tuple(query.select(data, filters)))
    try:
        pivot = st.pivot(data, by.value, per.value if per else None)
    except ValueError as exc:
        raise UsageError(f"--by {by.value} --per {per.value if per else ''}: {exc}") from None
    if output_format is ListFormat.table:
        console = runtime.stdout()
        table = render.stats_table(pivot)
        if render.too_wide(table, console.width):  # never a column lost, nor an id split
            runtime.say(f"the table is wider than {console.width} columns: one line per "
                        f"{pivot.by} instead (--format csv gives the table)")
            columns, rows = st.grid(pivot)
            console.print(render.long_layout(columns, rows))
            return
        console.print(table)
        if runtime.stdout_is_terminal():
            console.print()
            console.print(render.stats_bars(pivot, console.width))
    elif output_format is ListFormat.markdown:
        columns, rows = st.grid(pivot)
        records = (dict(zip(columns, row, strict=True)) for row in rows)
        export.write_markdown(records, columns, sys.stdout)
    else:
        keys = [st.json_key(f) for f in (pivot.by, pivot.per) if f] + ["count"]
        runtime.write_rows(output_format, pivot.records(), keys)


def _series(
    data: "Dataset", filters: "Filters", period: str, as_of: str | None, output_format: ListFormat
) -> None:
    """`stats --series`: the curve's records as a table, CSV, JSON or Markdown."""
    from compartment.data import dates
    from compartment.views import export, query, render
    from compartment.views import series as sr

    records = sr.records(query.select(data, filters), period, end=as_of or dates.today())
    if output_format is ListFormat.json:
        export.write_json(records, sys.stdout)
    elif output_format is ListFormat.table:
        runtime.stdout().print(render.series_table(*sr.grid(records, period)))
    else:
        runtime.write_rows(output_format, sr.pivot(records, period), sr.columns(records, period))


def diff(
    ctx: typer.Context,
    rev_a: Annotated[Optional[str], typer.Argument(
        metavar="REV_A", help="The old revision (default HEAD): a commit, tag or branch, or a "
        "date YYYY-MM-DD.")] = None,
    rev_b: Annotated[Optional[str], typer.Argument(
        metavar="REV_B", help="The new revision (default: the working tree).")] = None,
    output_format: Annotated[DiffFormat, typer.Option(
        "--format", "-f", help="text, markdown (for a PR) or json.")] = DiffFormat.text,
) -> None:
    """Compare the data file between two git revisions.

    By default HEAD and the working tree.

    Reports dossiers added and removed, status and broken_off_by changes, and per dossier
    the events added, removed or changed. Events are matched by (date, actor, action), so
    an edit of one of those shows as one event removed and one added. Uses the git
    repository that holds the data file, wherever you run it from.

    Examples:

      compartment diff

      compartment diff HEAD~3 HEAD --format markdown
    """
    from compartment.history import datadiff, revisions
    from compartment.views import export, render

    runtime.refuse_known_at(ctx, "diff (give the revisions as REV_A and REV_B)")
    source = runtime.data_source(ctx)
    if source.bundled:
        raise UsageError(f"{source.path} is the copy bundled with compartment, which has no git "
                         "history; run diff in a clone of the ledger, or name its data file "
                         "with --data PATH")
    old_rev = rev_a or "HEAD"
    repo = revisions.repository(source.path)
    names = (old_rev, rev_b or revisions.WORKING_TREE)
    results = [revisions.load_revision(repo, rev, source.path) for rev in (old_rev, rev_b)]
    for name, result in zip(names, results, strict=False):
        if result.dataset is None or result.errors:
            raise CompartmentError(
                f"cannot compare: {repo.path} at {name} has {len(result.errors)} error(s)",
                problems=result.errors,
            )
    old, new = (r.dataset for r in results)
    assert old is not None and new is not None
    changes = datadiff.compare(old, new, *names, file=repo.path)
    if output_format is DiffFormat.json:
        export.write_json(datadiff.to_dict(changes), sys.stdout)
    elif output_format is DiffFormat.markdown:
        sys.stdout.write(datadiff.markdown(changes))
    else:
        runtime.stdout().print(render.diff_report(datadiff.lines(changes)), soft_wrap=True)


def chart(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="FILE", help="The image to write: .png or .svg.")],
    status: StatusFilter = None,
    broken_off_by: BrokenOffByFilter = None,
    domain: DomainFilter = None,
    party: PartyFilter = None,
    search: SearchFilter = None,
    tag: TagFilter = None,
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", metavar="DATE", callback=full_date,
        help="Draw up to this date (YYYY-MM-DD), not today.")] = None,
    since: Annotated[Optional[str], typer.Option(
        metavar="DATE", help=f"Start the time axis here ({BOUND_RULE}).")] = None,
    title: Annotated[Optional[str], typer.Option(metavar="TEXT", help="The chart's title.")] = None,
    kind: Annotated[ChartKind, typer.Option(
        help="lanes: a lane per dossier; series: the compartmentalization curve, dossiers per "
        "status at the end of each year.")] = ChartKind.lanes,
) -> None:
    """Draw the dossiers' status over time into a PNG or SVG file.

    --kind lanes (the default): one lane per dossier from its first event to today (or
    --as-of), grouped by domain, coloured by status, with a marker for each event.
    --kind series: a stacked area of how many dossiers stood in each status at the end of
    each year (the data of `compartment stats --series year`). Both take the filters of
    `compartment list`. Needs matplotlib: pip install matplotlib.

    Examples:

      compartment chart -o dossiers.png

      compartment chart --kind series -o curve.svg

      compartment chart --broken-off-by russia --since 2010 -o russia.svg
    """
    from compartment.data import dates
    from compartment.store import storage
    from compartment.views import chart as ch
    from compartment.views import query

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ch.FORMATS:
        raise UsageError(f"-o {output}: name the file .png or .svg (the format follows the "
                         "extension)")
    if not output.parent.is_dir():
        raise CompartmentError(f"-o {output}: the folder {output.parent} does not exist")
    since = bound("--since", since)
    ch.require()
    data = runtime.dataset(ctx, as_of=as_of)
    filters = runtime.dossier_filters(data, values(status), broken_off_by, values(domain),
                                      party, search, tag)
    rows = query.select(data, filters)
    if not rows:
        raise CompartmentError("no dossier matches these filters; nothing to draw")
    end = as_of or dates.today()
    if since is not None and since > end:
        raise UsageError(f"--since {since} is after the end of the chart ({end})")
    if kind is ChartKind.series:
        from compartment.views import series as sr

        records = sr.records(rows, "year", end=end)
        heading = title if title is not None else f"Cooperation dossiers by status, to {end}"
        storage.write_output(
            output, lambda out: ch.draw_series(records, out, fmt, heading, end=end))
    else:
        heading = (title if title is not None
                   else f"Cooperation dossiers: status from the first event to {end}")
        storage.write_output(output, lambda out: ch.draw(rows, out, fmt, end, heading, since))
    runtime.say(f"{output}: {len(rows)} dossier{'s' * (len(rows) != 1)} drawn")


def crises(
    ctx: typer.Context,
    crisis: Annotated[Optional[list[str]], typer.Option(
        "--crisis", "-c", metavar="ID", help="Only this crisis (repeatable); `none stated` and "
        "`not recorded` name the breaks without one.")] = None,
    as_of: AsOf = None,
    output_format: Annotated[ListFormat, FORMAT] = ListFormat.table,
) -> None:
    """Each crisis and the breaks made over it.

    And what became of each. A break answered a crisis when its event names the crisis in
    `over:`, or names an event
    of another dossier that did (Russia's step on START II in 2002 answered the US
    withdrawal from the ABM Treaty, the day before). Breaks whose actor stated no link are
    listed under `none stated`; breaks before 1999, for which the ledger records none,
    under `not recorded`. Each break shows its bloc, and whether the dossier recovered
    afterwards or where it stands now. CSV and JSON give one row per break and crisis.

    Examples:

      compartment crises

      compartment crises --crisis georgia-2008 --crisis crimea-2014

      compartment crises --format csv > breaks-by-crisis.csv
    """
    from compartment.views import export, linkage, render

    data = runtime.dataset(ctx, as_of=as_of)
    groups = linkage.by_crisis(data)
    if crisis:
        check_known("--crisis", "crisis", crisis, [c for c, _ in groups])
        groups = [(c, found) for c, found in groups if c in crisis]
    if output_format is ListFormat.table:
        wrap = runtime.stdout_is_terminal()
        runtime.stdout().print(render.crises_report(data, groups, wrap), soft_wrap=True)
        return
    records = [b.to_dict() for _, found in groups for b in found]
    if output_format is ListFormat.json:
        names = {c: data.crises[c].to_dict() for c, _ in groups if c in data.crises}
        export.write_json({"crises": names, "breaks": records}, sys.stdout)
    else:
        runtime.write_rows(output_format, records, linkage.LinkedBreak._fields)


def upcoming(
    ctx: typer.Context,
    start: Annotated[Optional[str], typer.Option(
        "--from", metavar="DATE", callback=full_date,
        help="The first day (YYYY-MM-DD). Default: today.")] = None,
    within: Annotated[Optional[str], typer.Option(
        metavar="SPAN", help="How far ahead: a number and d, w, m or y, such as 6m or 2y. "
        "Default: no limit.")] = None,
    domain: DomainFilter = None,
    status: StatusFilter = None,
    tag: TagFilter = None,
    output_format: Annotated[ListFormat, FORMAT] = ListFormat.table,
) -> None:
    """The decision points ahead: what is due, and who decides.

    A decision point is a date a dossier's next test is published for: a mandate's expiry,
    a review conference, a ministerial, a chairmanship handover, a treaty's term (`next:`
    in the data file, each with its source). A partial date (2027-05) counts from the start
    of its period and is shown while any day of it is ahead. Filters work as in `list`.
    `export --format ics` writes the same points as a calendar.

    Examples:

      compartment upcoming

      compartment upcoming --within 6m

      compartment upcoming --from 2027-01-01 --within 1y --domain arctic \\
        --format csv
    """
    from compartment.data import dates
    from compartment.views import query, render
    from compartment.views import upcoming as up

    data = runtime.dataset(ctx)
    first = start or dates.today()
    try:
        last = up.window_end(first, within) if within is not None else None
    except ValueError as exc:
        raise UsageError(f"--within: {exc}") from None
    filters = query.Filters(statuses=values(status), domains=values(domain),
                            tags=lookup.check_tags(data, tag or []))
    found = up.within(up.decisions(query.select(data, filters)), first, last)
    if output_format is not ListFormat.table:
        runtime.write_rows(output_format, (u.to_dict() for u in found), up.Upcoming._fields)
    elif found:
        wrap = runtime.stdout_is_terminal()
        runtime.stdout().print(render.upcoming_report(data, found, wrap), soft_wrap=True)
    else:
        until = f" to {last}" if last else ""
        runtime.say(f"No decision point from {first}{until} matches these filters.")
