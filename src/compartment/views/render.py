"""Every rich Table and Panel lives here, built from the data; layout.py holds the engines
that draw what rich's Table cannot.

User data is never markup: each cell is a `Text` built from the escaped string, so a title such
as `[bold]x`, `[/]` or `[link=...]` prints as written, and any control character that got past
validation shows as an escape instead of steering the terminal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from compartment.data.dataset import Dataset, Dossier
from compartment.data.vocab import STATUSES
from compartment.errors import Problem, one_line, visible
from compartment.views import layout
from compartment.views.fields import fields as dossier_fields

if TYPE_CHECKING:
    from compartment.views.linkage import LinkedBreak
    from compartment.views.stats import Pivot
    from compartment.views.timeline import Entry
    from compartment.views.upcoming import Upcoming

STATUS_STYLES = {"active": "green", "strained": "yellow", "suspended": "dark_orange",
                 "terminated": "red", "expired": "bright_black"}


def text(value: object, style: str = "") -> Text:
    return Text("" if value is None else visible(str(value)), style=style)


def status_text(status: str | None) -> Text:
    return text(status or "", STATUS_STYLES.get(status or "", ""))


def dossier_table(dossiers: Sequence[Dossier], console_width: int) -> layout.LinesTable:
    """The `list` table: id, title, status, status since, broken off by, and domain if there
    is room.

    `status since` (the field `since`: the date of the last status-setting event) stands
    beside the status it dates and is named for it. Placed after "broken off by" and headed
    "since", it read as the date of the break: New START, `russia  2026-02-05`, is its expiry,
    not Russia's suspension of 2023 (`show` tells the breaks, `stats --by year` dates them).

    Only the title wraps. Ids, statuses, actors and dates stay whole, so they can be copied.
    The domain column shows from 120 columns, if the title keeps TITLE_MIN_WIDTH; up to 160
    columns the table fills the width, beyond (a pipe) it takes what it needs. Where even
    without the domain the title would get less than TITLE_MIN_WIDTH (an 80-column
    terminal), each title goes on the lines under its row instead; if the row is still wider
    than the terminal, "broken off by" follows the title there. (rich's Table cut ids and
    statuses with an ellipsis there, and squeezed the title column out altogether.)

    It is laid out by LinesTable: wherever rich does not have to squeeze it, the output is
    that of rich's Table byte for byte but for the blanks that end rich's lines (a property
    test compares the two), in a twentieth of the time (rich's took 1 s for 2,000 rows;
    benchmarks/README.md).
    """
    header = ["id", "title", "status", "status since", "broken off by", "domain"]
    rows = [
        # A tab in a title becomes spaces to the next multiple of 8, as rich would draw it.
        [visible(d.id), visible(d.title).expandtabs(8), visible(d.status or ""), d.since or "",
         visible(d.broken_off_by or ""), visible(d.domain)]
        for d in dossiers
    ]  # fmt: skip
    table = layout.LinesTable(header, rows, wrap=1, expand=console_width <= 160,
                              status_styles=STATUS_STYLES)
    if console_width < 120 or table.squeezed(console_width):
        table = layout.LinesTable(header[:5], [row[:5] for row in rows], wrap=1,
                                  expand=table.expand, status_styles=STATUS_STYLES)
    if table.row_width(console_width) > console_width:
        # Even with the title under its row, the row would run past the edge (at 80
        # columns, an id of 45 characters): the breaker joins the title under it.
        rows = [[row[0], f"{row[1]} (broken off by {row[4]})" if row[4] else row[1], *row[2:4]]
                for row in rows]  # fmt: skip
        table = layout.LinesTable(header[:4], rows, wrap=1, expand=table.expand,
                                  status_styles=STATUS_STYLES, under=True)
    return table


def chosen_table(data: Dataset, dossiers: Sequence[Dossier],
                 columns: Sequence[str]) -> layout.LinesTable:
    """`list --columns`: those columns (export.dossier_row), lists joined with "; "; the
    title wraps if shown, else the last column."""
    from compartment.views.export import cell_text, dossier_row

    rows = [[visible(cell_text(v)).expandtabs(8) for v in dossier_row(d, columns, data).values()]
            for d in dossiers]
    wrap = list(columns).index("title") if "title" in columns else len(columns) - 1
    return layout.LinesTable(list(columns), rows, wrap=wrap, expand=False,
                             status_styles=STATUS_STYLES)


def dossier_detail(data: Dataset, d: Dossier) -> Group:
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    for field in dossier_fields(d):
        if field.actors:
            value = text(", ".join(f"{data.name_of(a)} ({a})" for a in field.values))
        elif field.name == "status":
            value = status_text(d.status)
            value.append(Text(f"  ({STATUSES[d.status]})", style="dim"))
        else:
            value = text(("; " if field.name == "aliases" else ", ").join(field.values))
        fields.add_row(field.label, value)
        if field.name == "since":
            if (accused := d.first_accusation) is not None:  # an accusation is no break
                fields.add_row("first accused", text(
                    f"{data.name_of(accused.accused)}, by {data.name_of(accused.actor)}"
                    f", on {accused.date}"))
            if d.breaks:  # an expiry or a recovery is where it stands now (status), no break
                fields.add_row("breaks", text(", then ".join(
                    f"{b.status} by {data.name_of(b.actor)} on {b.date}" for b in d.breaks)))
    fields.add_row("summary", text(d.summary))
    for n, decision in enumerate(d.next):
        who = ", ".join(data.name_of(a) for a in decision.by)
        fields.add_row("next" if n == 0 else "", text(f"{decision.date}: {decision.due} "
                                                      f"(decided by {who})"))
    return Group(layout.Trimmed(fields), Text(""), layout.EventList(_event_rows(data, d)))


def _event_rows(data: Dataset, d: Dossier) -> list[layout.EventRow]:
    """What EventList draws of each event, the names resolved and user text escaped."""
    rows = []
    for e in d.events:
        what = Text.assemble(text(e.action, "bold"))  # bold: the action, not the summary
        if e.unverified:
            what.append(Text("  UNVERIFIED", style="bold magenta"))
        if e.accuses:
            what.append(text(f"  accuses {data.name_of(e.accuses)}", "italic"))
        what.append("\n")
        what.append(text(e.summary))
        if e.over is not None:  # a crisis by its name, another dossier's move as DOSSIER@DATE
            answered = ", ".join(f"{data.crises[r].name} ({r})" if r in data.crises else r
                                 for r in e.over)
            what.append(text(f"\nover: {answered or 'no link stated'}", "dim"))
        claims = []
        # Claims by party, each party's together, parties in order of their first claim.
        parties = dict.fromkeys(c.by for c in e.claims)
        for claim in (c for party in parties for c in e.claims if c.by == party):
            said = Text.assemble(text(f"{data.name_of(claim.by)} says: ", "bold"))
            said.append(text(claim.says))
            if claim.blames:
                said.append(text(f" (blames {data.name_of(claim.blames)})", "italic"))
            claims.append((said, claim.sources))
        rows.append(layout.EventRow(text(e.date), text(data.name_of(e.actor)),
                                    status_text(e.status), what, e.sources, tuple(claims)))
    return rows


def problems(console: Console, found: Sequence[Problem]) -> None:
    """One line per problem, `file:line:col: path: message`, printed literally."""
    for p in found:
        console.print(Text(str(p), style="red" if p.is_error else "yellow"), soft_wrap=True)


def summary_line(console: Console, found: Sequence[Problem], name: str) -> None:
    if not found:
        console.print(Text(f"{one_line(name)}: no problems found", style="green"), soft_wrap=True)
        return
    errors = sum(p.is_error for p in found)
    counts = {"error": errors, "warning": len(found) - errors}
    parts = [f"{n} {kind}{'s' * (n != 1)}" for kind, n in counts.items() if n]
    console.print(Text(f"{one_line(name)}: {', '.join(parts)}", style="bold"), soft_wrap=True)


info_table = layout.KeyValues


def link_results(records: Sequence[dict[str, Any]]) -> Text:
    """`sources --check`: a line per link that is not simply ok (its status, code and the
    URL whole, never cut), then why, and where it leads if it moved."""
    out = Text()
    for r in records:
        out.append(Text.assemble(text(f"{r['status']:<12}", "bold"), f"{r['code'] or '':>3}  ",
                                 text(r["url"]), text(f"\n    {r['reason']}", "dim")))
        if r.get("final_url"):
            out.append(text(f"\n    -> {r['final_url']}", "dim"))
        out.append("\n")
    return out


def weak_events(records: Sequence[dict[str, Any]]) -> Text:
    """`sources --weak`: one block per event, its sources each on a line of their own, whole
    (printed with soft wrap, a long URL runs past the edge rather than being cut)."""
    out = Text()
    for r in records:
        out.append(Text.assemble(text(r["dossier"], "bold"), f"  {r['date']}  ",
                                 text(f"{r['actor']}: {r['action']}"),
                                 text(f"  [{r['best_kind']}]", "yellow")))
        for source in r["sources"]:
            out.append("\n    ")
            out.append(text(source, "dim"))
        out.append("\n")
    return out


# -- history and analysis: timeline, stats, diff ------------------------------------------


class Timeline:
    """Events in date order under a heading row for each year, so waves read at a glance.
    The actor's id (what --actor takes) leads the description of what it did.

    Ids are never split. Where the page has room for the longest actor id in the last column
    beside date, dossier and status, that is the table; where it has not (80 columns), the
    dossier and what happened share one column, the description on the lines under the
    dossier. (In one table at 80 columns, rich folded `black-sea-initiative-parties` into
    `black-sea-initiative-parti` / `es`.)
    """

    GAP = 3  # between columns, as rich's SIMPLE_HEAD tables leave

    def __init__(self, groups: Sequence[tuple[int, Sequence[Entry]]]) -> None:
        self.groups = groups

    def _what(self, entry: Entry) -> Text:
        e = entry.event
        what = Text.assemble(visible(e.actor), ": ", text(e.action), style="bold")
        if e.unverified:
            what.append(Text("  UNVERIFIED", style="bold magenta"))
        return what

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        entries = [entry for _, found in self.groups for entry in found]
        cells = {"date": [e.date for e in entries], "dossier": [e.dossier for e in entries],
                 "status": [e.event.status or "" for e in entries]}
        # Each column is as wide as its heading or its longest cell.
        fixed = sum(max(map(cell_len, map(visible, [name, *column])))
                    for name, column in cells.items())
        actor = max((cell_len(visible(e.event.actor + ":")) for e in entries), default=0)
        beside = fixed + 3 * self.GAP + max(actor, layout.TITLE_MIN_WIDTH) <= options.max_width
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        table.add_column("date", no_wrap=True)
        if beside:
            table.add_column("dossier", no_wrap=True)
            table.add_column("status", no_wrap=True)
            table.add_column("who did what", overflow="fold", min_width=actor)
        else:
            table.add_column("status", no_wrap=True)
            table.add_column("dossier, and who did what", overflow="fold", ratio=1)
        for i, (year, found) in enumerate(self.groups):
            if i:
                table.add_row()
            heading = text(year, "bold underline")
            count = text(f"{len(found)} event{'s' * (len(found) != 1)}", "dim")
            table.add_row(*((heading, count, "", "") if beside else (heading, "", count)))
            for entry in found:
                e = entry.event
                if beside:
                    table.add_row(text(e.date), text(entry.dossier), status_text(e.status),
                                  self._what(entry))
                else:
                    cell = Text.assemble(text(entry.dossier), "\n", self._what(entry))
                    table.add_row(text(e.date), status_text(e.status), cell)
        yield layout.Trimmed(table)


timeline_table = Timeline


def _stat_label(field: str, value: object) -> Text:
    from compartment.views.stats import label

    style = STATUS_STYLES.get(str(value), "") if field == "status" else ""
    return text(label(value), "dim" if value is None else style)  # type: ignore[arg-type]


def stats_table(pivot: Pivot) -> Table:
    """Counts with a total row; with `per`, one column per value and a total column.
    Empty cells are left blank so that clusters stand out."""
    from compartment.views.stats import grid

    # On a narrow page long labels fold onto a second line; a year or a count never does.
    table = Table(box=box.SIMPLE, pad_edge=False, show_edge=False, show_footer=True,
                  collapse_padding=True)
    *rows, totals = grid(pivot)[1]
    longest = max((len(row[0]) for row in rows), default=5)
    table.add_column(pivot.by, footer="total", no_wrap=True, min_width=min(longest, 12))
    heads: list[RenderableType] = (
        [_stat_label(pivot.per, c) for c in pivot.columns] if pivot.per else ["count"])
    # With `per`, the totals end with the grand total, which gets a column of its own.
    for head, footer in zip(heads, totals[1:], strict=False):
        table.add_column(head, justify="right", footer=footer, no_wrap=True)
    if pivot.per is not None:
        table.add_column("total", justify="right", footer=totals[-1], style="bold",
                         no_wrap=True, min_width=5)
    for value, row in zip(pivot.rows, rows, strict=True):
        table.add_row(_stat_label(pivot.by, value), *row[1:])
    return table


def stats_bars(pivot: Pivot, width: int) -> Table:
    """A bar for each count, for a terminal. With `per`, bars are grouped under each row."""
    from compartment.views.stats import label

    bars: list[tuple[Text, int]] = []
    for row in pivot.rows:  # with `per`, a heading (no bar), then a bar for each column
        bars.append((_stat_label(pivot.by, row), pivot.count(row) if pivot.per is None else 0))
        bars += [(text(f"  {label(c)}"), n) for c in pivot.columns if (n := pivot.count(row, c))]
    longest = max((n for _, n in bars), default=1) or 1
    label_width = max((len(t) for t, _ in bars), default=0)
    room = max(width - label_width - 8, 10)
    scale = min(2.0, room / longest)  # two cells per dossier while they fit
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    for name, n in bars:
        if n == 0:
            grid.add_row(Text.assemble(name, style="bold"), "")
        else:
            grid.add_row(name, Text.assemble("█" * max(1, round(n * scale)), f" {n}", style="cyan"))
    return grid


DIFF_STYLES = {"head": "bold", "add": "green", "remove": "red", "change": "yellow"}


def diff_report(lines: Iterable[tuple[str, str]]) -> Text:
    """The lines of a data diff, coloured by kind (colour shows only on a terminal)."""
    out = Text()
    for kind, line in lines:
        out.append(text(line, DIFF_STYLES.get(kind, "")))
        out.append("\n")
    out.rstrip()
    return out


def series_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """`stats --series`: a row per period, a column per status (headed in its colour) and a
    total, from series.grid. No total row: summed over periods, a dossier counts many times."""
    table = Table(box=box.SIMPLE, pad_edge=False, show_edge=False, collapse_padding=True)
    table.add_column(columns[0], no_wrap=True)
    for name in columns[1:-1]:
        table.add_column(status_text(name), justify="right", no_wrap=True)
    table.add_column(columns[-1], justify="right", style="bold", no_wrap=True)
    for row in rows:
        table.add_row(*(text(cell) for cell in row))
    return table


def crises_report(data: Dataset, groups: Sequence[tuple[str, Sequence[LinkedBreak]]],
                  wrap: bool = False) -> Group:
    """`crises`: each crisis, then each break made over it on a line of its own (date,
    status, dossier, who, and what became of it). With `wrap` (a terminal) the lines wrap at
    their words under their indentation; else each item stays on one line, for grep."""
    lines: list[RenderableType] = []
    for crisis_id, found in groups:
        crisis = data.crises.get(crisis_id)
        head = text(crisis_id, "bold")
        if crisis is not None:
            head.append(text(f"  {crisis.date}  {crisis.name}"))
        elif "@" in crisis_id:  # another dossier's move that named no crisis itself
            moves = data.referenced(crisis_id)
            if isinstance(moves, list):
                head.append(text("  " + "; ".join(
                    f"{data.name_of(e.actor)}: {e.action}" for e in moves)))
        blocs = Counter(b.bloc or "none" for b in found)
        head.append(text(f"  ({len(found)} break{'s' * (len(found) != 1)}"
                         + "".join(f", {bloc} {n}" for bloc, n in sorted(blocs.items()))
                         + ")", "dim"))
        lines.append(layout.Hanging(head, 0) if wrap else head)
        for b in found:
            after = f"recovered {b.recovered}" if b.recovered else f"now {b.now}"
            line = Text.assemble(
                text(f"{b.date:<10}  "), status_text(b.status),
                text(f"  {b.dossier}  by {data.name_of(b.actor)}"
                     + (f" ({b.bloc})" if b.bloc else "")),
                text(f"; {after}", "dim"))
            lines.append(layout.Hanging(line, 2, 12) if wrap else Text("  ") + line)
        lines.append(Text(""))
    return Group(*lines[:-1])


def upcoming_report(data: Dataset, found: Sequence[Upcoming], wrap: bool = False) -> Group:
    """`upcoming`: each decision point, its date, dossier and status on a line, what is due
    and who decides under it, then its first source, whole. With `wrap` (a terminal) what is
    due wraps at its words under its indentation; else it stays on one line, for grep."""
    lines: list[RenderableType] = []
    for u in found:
        lines.append(Text.assemble(text(f"{u.date}  "), text(u.dossier, "bold"), "  ",
                                   status_text(u.status), style="bold"))
        due = text(f"{u.due} (decided by {', '.join(data.name_of(a) for a in u.by)})")
        lines.append(layout.Hanging(due, 2, 0) if wrap else Text("  ") + due)
        if u.sources:
            lines.append(Text("  ") + layout.source_text(u.sources[0]))
    return Group(*lines)


def too_wide(renderable: RenderableType, width: int) -> bool:
    """Whether `renderable`, its cells whole, is wider than `width`."""
    return Console(width=10_000).measure(renderable).maximum > width


def long_layout(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Group:
    """A table as one block per row: its first cell, then `column=value` for each filled
    cell, on lines that wrap at blanks. What a table becomes where it does not fit: every
    value stays, whole."""
    lines: list[Text] = []
    for row in rows:
        line = text(row[0], "bold")
        parts = [f"{column}={cell}"
                 for column, cell in zip(columns[1:], row[1:], strict=True) if cell]
        if parts:
            line.append(text("  " + ", ".join(parts)))
        lines.append(line)
    return Group(*lines)


def fitted(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int,
           numeric: Sequence[str] = (), wrap: Sequence[str] = ()) -> tuple[RenderableType, bool]:
    """A table whose cells are never cut or split (ids, hosts, counts stay whole; only the
    `wrap` columns wrap, at blanks) if it fits in `width`, else the long layout. Returns the
    renderable and whether it is the long layout, for the caller to say so: a table never
    loses a column silently."""
    widths = [max(cell_len(visible(c)) for c in [column, *(r[i] for r in rows)])
              for i, column in enumerate(columns)]
    least = sum(min(w, WRAP_MIN_WIDTH) if c in wrap else w for c, w in zip(columns, widths,
                                                                            strict=True))
    if least + 2 * (len(columns) - 1) > width:
        return long_layout(columns, rows), True
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for column in columns:
        table.add_column(column, justify="right" if column in numeric else "left",
                         no_wrap=column not in wrap, overflow="fold")
    for row in rows:
        table.add_row(*(text(cell) for cell in row))
    return layout.Trimmed(table), False


WRAP_MIN_WIDTH = 12  # below this a wrapped cell is more line breaks than words
