"""Every rich Table and Panel lives here.

User data is never markup: each cell is a `Text` built from the escaped string, so a title such
as `[bold]x`, `[/]` or `[link=...]` prints as written, and any control character that got past
validation shows as an escape instead of steering the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from compartment.dataset import Dataset, Dossier
from compartment.errors import Problem, visible
from compartment.vocab import STATUSES

STATUS_STYLES = {
    "active": "green",
    "strained": "yellow",
    "suspended": "dark_orange",
    "terminated": "red",
    "expired": "bright_black",
}


def text(value: object, style: str = "") -> Text:
    return Text("" if value is None else visible(str(value)), style=style)


def status_text(status: str | None) -> Text:
    return text(status or "", STATUS_STYLES.get(status or "", ""))


def actor_label(data: Dataset, actor_id: str | None) -> str:
    if actor_id is None:
        return ""
    actor = data.actors.get(actor_id)
    return actor.name if actor else actor_id


def dossier_table(
    data: Dataset, dossiers: Sequence[Dossier], console_width: int, title: str | None = None
) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False, show_edge=False)
    # Only the title wraps; the short, kebab-case cells stay whole so they can be copied.
    # Below 120 columns the domain column gives way to the title.
    with_domain = console_width >= 120
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("title", overflow="fold", ratio=1)
    table.add_column("status", no_wrap=True)
    table.add_column("broken off by", no_wrap=True)
    table.add_column("since", no_wrap=True)
    if with_domain:
        table.add_column("domain", no_wrap=True)
    table.expand = console_width <= 160  # a wide page (a pipe) needs no stretching
    for d in dossiers:
        cells = [
            text(d.id),
            text(d.title),
            status_text(d.status),
            text(d.broken_off_by or ""),  # the id: short, and what --broken-off-by takes
            text(d.since or ""),
        ]
        if with_domain:
            cells.append(text(d.domain))
        table.add_row(*cells)
    return table


def dossier_detail(data: Dataset, d: Dossier) -> Group:
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()

    def names(ids: Iterable[str]) -> Text:
        return text(", ".join(f"{actor_label(data, a)} ({a})" for a in ids))

    fields.add_row("id", text(d.id))
    fields.add_row("title", text(d.title))
    if d.aliases:
        fields.add_row("aliases", text("; ".join(d.aliases)))
    fields.add_row("domain", text(d.domain))
    fields.add_row("parties", names(d.parties))
    if d.forum:
        fields.add_row("forum", text(d.forum))
    status = status_text(d.status)
    status.append(Text(f"  ({STATUSES[d.status]})", style="dim"))
    fields.add_row("status", status)
    fields.add_row("broken off by", names([d.broken_off_by] if d.broken_off_by else []))
    fields.add_row("since", text(d.since or ""))
    if d.approach:
        fields.add_row("approach", text(", ".join(d.approach)))
    if d.third_parties:
        fields.add_row("third parties", names(d.third_parties))
    if d.tags:
        fields.add_row("tags", text(", ".join(d.tags)))
    fields.add_row("summary", text(d.summary))

    events = Table(box=box.SIMPLE_HEAD, title="events", title_justify="left", pad_edge=False, show_edge=False)
    events.add_column("date", no_wrap=True)
    events.add_column("actor", overflow="fold", max_width=18)
    events.add_column("status", no_wrap=True)
    events.add_column("what happened, and the sources", ratio=1, overflow="fold")
    for e in d.events:
        what = text(e.action, "bold")
        if e.unverified:
            what.append(Text("  UNVERIFIED", style="bold magenta"))
        what.append("\n")
        what.append(text(e.summary))
        for source in e.sources:
            what.append("\n")
            what.append(text(source, "dim"))
        events.add_row(text(e.date), text(actor_label(data, e.actor)), status_text(e.status), what)
    return Group(fields, Text(""), events)


def problems(console: Console, found: Sequence[Problem]) -> None:
    """One line per problem, `file:line:col: path: message`, printed literally."""
    for p in found:
        style = "red" if p.is_error else "yellow"
        console.print(Text(str(p), style=style), soft_wrap=True)


def summary_line(console: Console, found: Sequence[Problem], name: str) -> None:
    errors = sum(p.is_error for p in found)
    warnings = len(found) - errors
    if not found:
        console.print(Text(f"{visible(name)}: no problems found", style="green"), soft_wrap=True)
        return
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' * (errors != 1)}")
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    console.print(Text(f"{visible(name)}: {', '.join(parts)}", style="bold"), soft_wrap=True)


def info_table(rows: Sequence[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, value in rows:
        table.add_row(key, text(value))
    return table
