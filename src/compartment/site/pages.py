"""What each page of the site shows, as plain data for the templates. Pure: no jinja2, no
matplotlib, no files.

The templates only lay these values out; every decision (which source is a link, what a
status means, who broke a dossier off first) is made here, where it can be tested without
rendering HTML. Text stays text: nothing here builds markup, and the templates escape
every value (autoescaping on).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from compartment.data.dataset import Claim, Dataset, Dossier, Event, url_host
from compartment.data.vocab import BLOCS, DOMAINS, PUBLISHER_KINDS, STATUSES, STRONG_KINDS
from compartment.errors import CompartmentError
from compartment.views import stats
from compartment.views.fields import fields
from compartment.views.timeline import by_year, entries

# A dossier's page is named after its id. The data contract makes ids kebab-case; the site
# checks again because the id becomes a path: `../x` must never write outside the folder.
SAFE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# What makes a source a link: an http(s) URL with a host and nothing a browser would read
# past (whitespace, quotes, angle brackets). `javascript:`, `data:` and citations stay text.
_UNSAFE_IN_URL = re.compile(r"[\s\"'<>`\\]")


def link_of(source: str) -> str | None:
    """The URL to link a source to, or None when it must stay text."""
    if url_host(source) is None or _UNSAFE_IN_URL.search(source):
        return None
    return source


def page_name(dossier_id: str) -> str:
    if not SAFE_ID.fullmatch(dossier_id):
        raise CompartmentError(
            f"dossier id {dossier_id!r} cannot name a page (ids are kebab-case: a-z, 0-9, -); "
            "run `compartment validate`"
        )
    return f"{dossier_id}.html"


@dataclass(frozen=True)
class Source:
    text: str
    url: str | None
    publisher: str | None = None  # the registered publisher's name
    kind: str | None = None  # vocab.PUBLISHER_KINDS
    state_media: str | None = None


@dataclass(frozen=True)
class ClaimView:
    says: str
    blames: str | None  # the name of whom it blames
    sources: list[Source]


@dataclass(frozen=True)
class EventView:
    date: str
    actor: str  # name
    actor_bloc: str | None
    action: str
    status: str | None
    unverified: bool
    summary: str
    sources: list[Source]
    claims: list[tuple[str, list[ClaimView]]]  # (party name, its claims), first claim first


@dataclass(frozen=True)
class BreakView:
    date: str
    actor: str
    bloc: str | None
    status: str


@dataclass(frozen=True)
class DossierView:
    id: str
    page: str
    title: str
    aliases: list[str]
    domain: str
    status: str
    status_meaning: str
    since: str | None
    summary: str
    parties: list[tuple[str, str | None]]  # (name, bloc)
    more: list[tuple[str, str]]  # the other fields a dossier has: (label, value)
    first_by: str | None  # names
    first_bloc: str | None
    first_on: str | None
    last_by: str | None
    last_bloc: str | None
    breaks: list[BreakView]
    events: list[EventView] = field(default_factory=list)

    @property
    def search(self) -> str:
        """What the index's text filter matches: title, id, aliases, parties, summary."""
        parts = [self.title, self.id, *self.aliases, *(n for n, _ in self.parties), self.summary]
        return " ".join(parts).casefold()


# The fields the dossier page shows in its own way; the others are listed by `fields`.
SHOWN_APART = ("id", "title", "aliases", "domain", "parties", "status", "broken_off_by",
               "since")
LABELS = {"approach": "Western approach"}


class Names:
    """Actor ids to names and blocs, and sources to their publishers."""

    def __init__(self, data: Dataset) -> None:
        self.data = data

    def name(self, actor_id: str | None) -> str | None:
        if actor_id is None:
            return None
        actor = self.data.actors.get(actor_id)
        return actor.name if actor else actor_id

    def source(self, text: str) -> Source:
        publisher = self.data.publisher_of(text) if self.data.publishers else None
        if publisher is None:
            return Source(text, link_of(text))
        return Source(text, link_of(text), publisher.name, publisher.kind,
                      publisher.state_media)


def _claims(names: Names, claims: tuple[Claim, ...]) -> list[tuple[str, list[ClaimView]]]:
    grouped: dict[str, list[ClaimView]] = {}
    for claim in claims:
        view = ClaimView(claim.says, names.name(claim.blames),
                         [names.source(s) for s in claim.sources])
        grouped.setdefault(claim.by, []).append(view)
    return [(names.name(by) or by, views) for by, views in grouped.items()]


def event_view(names: Names, e: Event) -> EventView:
    return EventView(
        date=e.date, actor=names.name(e.actor) or e.actor, actor_bloc=names.data.bloc_of(e.actor),
        action=e.action, status=e.status, unverified=e.unverified, summary=e.summary,
        sources=[names.source(s) for s in e.sources], claims=_claims(names, e.claims),
    )


def dossier_view(names: Names, d: Dossier, *, events: bool = True) -> DossierView:
    data = names.data
    return DossierView(
        id=d.id, page=page_name(d.id), title=d.title, aliases=list(d.aliases), domain=d.domain,
        status=d.status, status_meaning=STATUSES.get(d.status, ""), since=d.since,
        summary=d.summary,
        parties=[(names.name(p) or p, data.bloc_of(p)) for p in d.parties],
        more=[(LABELS.get(f.name, f.label.capitalize()),
               ", ".join(names.name(v) or v if f.actors else v for v in f.values))
              for f in fields(d) if f.name not in SHOWN_APART],
        first_by=names.name(d.first_broken_off_by), first_bloc=data.bloc_of(d.first_broken_off_by),
        first_on=d.first_broken_off_on,
        last_by=names.name(d.broken_off_by), last_bloc=data.bloc_of(d.broken_off_by),
        breaks=[BreakView(b.date, names.name(b.actor) or b.actor, data.bloc_of(b.actor), b.status)
                for b in d.breaks],
        events=[event_view(names, e) for e in d.events] if events else [],
    )


@dataclass(frozen=True)
class PivotView:
    """A stats.Pivot as the cells of an HTML table: row label, counts, total. The dossiers
    never broken off (None in both fields) are left out of the grid and counted apart: as
    a row and a column of their own they would only repeat one number."""

    caption: str
    corner: str
    columns: list[str]
    rows: list[tuple[str, list[int], int]]
    totals: list[int]
    total: int
    never: int


def pivot_view(pivot: stats.Pivot, caption: str, corner: str) -> PivotView:
    columns = [c for c in pivot.columns if c is not None]
    rows = [r for r in pivot.rows if r is not None]
    return PivotView(
        caption=caption,
        corner=corner,
        columns=[str(c) for c in columns],
        rows=[(str(r), cells, sum(cells))
              for r, cells in ((r, [pivot.count(r, c) for c in columns]) for r in rows)],
        totals=[pivot.column_total(c) for c in columns],
        total=sum(pivot.count(r, c) for r in rows for c in columns),
        never=pivot.count(None, None),
    )


def breakers(data: Dataset) -> tuple[PivotView, PivotView]:
    """Who broke off first and who broke off last: blocs across, years of the break down."""
    first = stats.pivot(data, "first-year", "first-bloc")
    last = stats.pivot(data, "year", "bloc")
    return (
        pivot_view(first, "Who broke each dossier off first: the bloc of the first break, by "
                   "its year", "year of first break"),
        pivot_view(last, "Who broke each dossier off last: the bloc of the break that stands "
                   "today, by its year", "year of last break"),
    )


def index_context(data: Dataset) -> dict[str, Any]:
    names = Names(data)
    dossiers = [dossier_view(names, d, events=False) for d in data.dossiers]
    by_status = Counter(d.status for d in data.dossiers)
    first, last = breakers(data)
    used_blocs = {b for d in dossiers for b in (d.last_bloc, d.first_bloc) if b}
    return {
        "dossiers": dossiers,
        "by_status": [(s, by_status[s], STATUSES[s]) for s in STATUSES if by_status[s]],
        "statuses": [s for s in STATUSES if by_status[s]],
        "status_rank": {s: i for i, s in enumerate(STATUSES)},  # the table sorts by it
        "domains": [d for d in DOMAINS if any(x.domain == d for x in dossiers)],
        "blocs": [b for b in BLOCS if b in used_blocs],
        "first": first,
        "last": last,
        "event_count": sum(len(d.events) for d in data.dossiers),
    }


def timeline_context(data: Dataset) -> dict[str, Any]:
    names = Names(data)
    titles = {d.id: d.title for d in data.dossiers}
    years = []
    for year, found in by_year(entries(data)):
        rows = [(page_name(e.dossier), titles[e.dossier], event_view(names, e.event))
                for e in found]
        years.append((year, rows))
    return {"years": years}


@dataclass(frozen=True)
class PublisherRow:
    host: str
    name: str
    kind: str
    state_media: str | None
    citations: int


def sources_context(data: Dataset) -> dict[str, Any]:
    """Citations by publisher (with a registry) or by host (without), and the share of
    events with a primary or reference source: the evidence the ledger prefers."""
    cited: Counter[str] = Counter()
    hosts: Counter[str] = Counter()
    not_urls = 0
    strong_events = 0
    events = 0
    for d in data.dossiers:
        for e in d.events:
            events += 1
            for source in (*e.sources, *(s for c in e.claims for s in c.sources)):
                host = url_host(source)
                if host is None:
                    not_urls += 1
                    continue
                hosts[host] += 1
                publisher = data.publisher_of(source)
                if publisher is not None:
                    cited[publisher.host] += 1
            # The event's own sources, not its claims': a claim cites who said it.
            publishers_of = (data.publisher_of(s) for s in e.sources)
            strong_events += any(p is not None and p.kind in STRONG_KINDS for p in publishers_of)
    publishers = sorted(
        (PublisherRow(p.host, p.name, p.kind, p.state_media, cited[p.host])
         for p in data.publishers.values()),
        key=lambda p: (-p.citations, p.host),
    )
    kinds = [
        (k, PUBLISHER_KINDS[k].replace("`", ""),  # the vocabulary's backticks are for a terminal
         sum(r.citations for r in publishers if r.kind == k))
        for k in PUBLISHER_KINDS
    ]
    unregistered = sorted(
        ((h, n) for h, n in hosts.items()
         if data.publisher_of(f"https://{h}/") is None),
        key=lambda item: (-item[1], item[0]),
    )
    return {
        "registry": bool(data.publishers),
        "publishers": publishers,
        "kinds": kinds,
        "events": events,
        "strong_events": strong_events,
        "strong_share": round(100 * strong_events / events) if events else 0,
        "unregistered": unregistered,
        "not_urls": not_urls,
        "citations": sum(hosts.values()) + not_urls,
    }
