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
from typing import Any, NamedTuple

from compartment.data.dataset import (
    Claim,
    Crisis,
    Dataset,
    Decision,
    Dossier,
    Event,
    breaking_events,
    url_host,
)
from compartment.data.vocab import APPROACHES, BLOCS, DOMAINS, PUBLISHER_KINDS, STATUSES
from compartment.errors import CompartmentError
from compartment.views import evidence, linkage, stats, upcoming
from compartment.views.fields import Field, fields
from compartment.views.timeline import by_year, entries

# A dossier's page is named after its id. The data contract makes ids kebab-case; the site
# checks again because the id becomes a path: `../x` must never write outside the folder.
SAFE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# What makes a source a link: an http(s) URL with a host and nothing a browser would read
# past (whitespace, quotes, angle brackets). `javascript:`, `data:` and citations stay text.
_UNSAFE_IN_URL = re.compile(r"[\s\"'<>`\\]")


class Article(NamedTuple):
    """The reference article: the argument the ledger keeps the record of. Wherever a text
    says "the article", the site names and links it."""

    author: str
    title: str
    publication: str
    date: str
    url: str


ARTICLE = Article(
    "Hanna Notte", "U.S.-Russian Relations Can Still Get Worse", "War on the Rocks",
    "28 March 2023", "https://warontherocks.com/2023/03/u-s-russian-relations-can-still-get-worse/",
)
_QUOTES_ARTICLE = re.compile(r"\bthe article\b", re.IGNORECASE)
# How far ahead the index looks for decision points (upcoming.parse_span).
SOON = "6m"


def link_of(source: str) -> str | None:
    """The URL to link a source to, or None when it must stay text."""
    return None if url_host(source) is None or _UNSAFE_IN_URL.search(source) else source


def page_name(dossier_id: str) -> str:
    if not SAFE_ID.fullmatch(dossier_id):
        raise CompartmentError(f"dossier id {dossier_id!r} cannot name a page (ids are "
                               "kebab-case: a-z, 0-9, -); run `compartment validate`")
    return f"{dossier_id}.html"


class Source(NamedTuple):
    text: str
    url: str | None
    publisher: str | None = None  # the registered publisher's name
    kind: str | None = None  # vocab.PUBLISHER_KINDS
    state_media: str | None = None  # the name of the state that runs it


class Link(NamedTuple):
    """A text and where it leads, as a path from the site's root (None: plain text)."""

    text: str
    href: str | None


class ClaimView(NamedTuple):
    says: str
    blames: str | None  # the name of whom it blames
    sources: list[Source]


class EventView(NamedTuple):
    date: str
    anchor: str  # the event's id on its dossier's page
    actor: str  # name
    bloc: str | None  # the actor's
    action: str
    status: str | None
    unverified: bool
    summary: str
    sources: list[Source]
    claims: list[tuple[str, list[ClaimView]]]  # (party name, its claims), first claim first
    over: list[Link]  # the crises and moves it answered
    over_note: str | None  # "no link stated", or "not recorded" for a break
    accuses: str | None  # the name of whom it formally accuses of a breach


class FieldView(NamedTuple):
    label: str
    value: str
    from_article: bool = False  # the values are the reference article's terms


class DecisionView(NamedTuple):
    """A decision point ahead: what is due, when, who decides, on which dossier."""

    date: str
    page: str
    title: str
    status: str
    due: str
    by: str  # names
    sources: list[Source]


class DossierView(NamedTuple):
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
    more: list[FieldView]  # the other fields a dossier has
    first_by: str | None  # names
    first_bloc: str | None
    first_on: str | None
    last_by: str | None
    last_bloc: str | None
    breaks: list[EventView]
    events: list[EventView]
    first_accused: tuple[str, str, str] | None  # (whom, by whom, date): names
    next: list[DecisionView]
    quotes_article: bool

    @property
    def search(self) -> str:
        """What the index's text filter matches: title, id, aliases, parties, summary."""
        parts = [self.title, self.id, *self.aliases, *(n for n, _ in self.parties), self.summary]
        return " ".join(parts).casefold()


# The fields the dossier page shows in its own way; the others are listed by `fields`.
SHOWN_APART = ("id", "title", "aliases", "domain", "parties", "status", "broken_off_by",
               "since")
OVER_NOTES = {linkage.NONE_STATED: "no link stated", linkage.NOT_RECORDED: "not recorded"}


class Names:
    """Actor ids to names and blocs, sources to their publishers, and `over` references to
    what they name."""

    def __init__(self, data: Dataset) -> None:
        self.data = data
        self.places: dict[int, int] = {}
        for d in data.dossiers:
            seen: Counter[str] = Counter()
            for e in d.events:
                seen[e.date] += 1
                self.places[id(e)] = seen[e.date]

    def name(self, actor_id: str | None) -> str | None:
        return None if actor_id is None else self.data.name_of(actor_id)

    def state(self, state_id: str) -> str:
        """A state named by `state_media` (an actor id where there is one: russia, uae)."""
        if state_id in self.data.actors:
            return self.data.actors[state_id].name
        return state_id.upper() if len(state_id) <= 3 else state_id.replace("-", " ").title()

    def source(self, text: str) -> Source:
        # A citation of the reference article has no address: it links to the article's.
        cites_article = text.startswith(f'{ARTICLE.author}, "{ARTICLE.title}"')
        url = link_of(text) or (ARTICLE.url if cites_article else None)
        publisher = self.data.publisher_of(text) if self.data.publishers else None
        if publisher is None:
            return Source(text, url)
        return Source(text, url, publisher.name, publisher.kind,
                      self.state(publisher.state_media) if publisher.state_media else None)

    def place(self, event: Event) -> int:
        """The event's place among its dossier's events of its date: 1, then 2, ..."""
        return self.places[id(event)]

    def anchor(self, event: Event) -> str:
        """An event's id on its dossier's page: `e-2014-03-18`, and `e-2014-03-18-2` for a
        second event of that date. DOSSIER@DATE links to the first."""
        place = self.place(event)
        return f"e-{event.date}" + (f"-{place}" if place > 1 else "")

    def reference(self, reference: str) -> Link:
        """What an `over` names: a crisis, on the linkage page; another dossier's event, on
        that dossier's page."""
        found = self.data.referenced(reference)
        if isinstance(found, Crisis):
            return Link(found.name, f"linkage.html#{found.id}")
        dossier_id, _, date = reference.partition("@")
        dossier = self.data.get(dossier_id)
        if not found or dossier is None:
            return Link(reference, None)
        return Link(f"{dossier.title}, {date}",
                    f"dossiers/{page_name(dossier.id)}#{self.anchor(found[0])}")

    def over(self, event: Event, is_break: bool) -> tuple[list[Link], str | None]:
        """The links of an event's `over`, or why it has none: "no link stated", and for a
        break "not recorded" (other events mostly leave `over` out)."""
        if event.over:
            return [self.reference(r) for r in event.over], None
        if event.over is not None:
            return [], OVER_NOTES[linkage.NONE_STATED]
        return [], OVER_NOTES[linkage.NOT_RECORDED] if is_break else None


def _claims(names: Names, claims: tuple[Claim, ...]) -> list[tuple[str, list[ClaimView]]]:
    grouped: dict[str, list[ClaimView]] = {}
    for claim in claims:
        grouped.setdefault(claim.by, []).append(ClaimView(
            claim.says, names.name(claim.blames), [names.source(s) for s in claim.sources]))
    return [(names.name(by) or by, views) for by, views in grouped.items()]


def event_view(names: Names, e: Event, is_break: bool = False) -> EventView:
    over, note = names.over(e, is_break)
    return EventView(
        date=e.date, anchor=names.anchor(e), actor=names.name(e.actor) or e.actor,
        bloc=names.data.bloc_of(e.actor), action=e.action, status=e.status,
        unverified=e.unverified, summary=e.summary, sources=[names.source(s) for s in e.sources],
        claims=_claims(names, e.claims), over=over, over_note=note,
        accuses=names.name(e.accuses),
    )


def decision_view(names: Names, d: Dossier, n: Decision | upcoming.Upcoming) -> DecisionView:
    return DecisionView(n.date, page_name(d.id), d.title, d.status, n.due,
                        upcoming.deciders(names.data, n), [names.source(s) for s in n.sources])


def _field(names: Names, f: Field) -> FieldView:
    if f.name == "approach":
        return FieldView("Western approach", "; ".join(
            f"{v} ({APPROACHES[v]})" if v in APPROACHES else v for v in f.values), True)
    return FieldView(f.label.capitalize(),
                     ", ".join(names.name(v) or v if f.actors else v for v in f.values))


def dossier_view(names: Names, d: Dossier, *, events: bool = True) -> DossierView:
    data = names.data
    breaking = breaking_events(d.events)
    breaks = {id(e) for e in breaking}  # by identity: two events may be equal
    accused = d.first_accusation
    return DossierView(
        id=d.id, page=page_name(d.id), title=d.title, aliases=list(d.aliases), domain=d.domain,
        status=d.status, status_meaning=STATUSES.get(d.status, ""), since=d.since,
        summary=d.summary,
        parties=[(names.name(p) or p, data.bloc_of(p)) for p in d.parties],
        more=[_field(names, f) for f in fields(d) if f.name not in SHOWN_APART],
        first_by=names.name(d.first_broken_off_by), first_bloc=data.bloc_of(d.first_broken_off_by),
        first_on=d.first_broken_off_on,
        last_by=names.name(d.broken_off_by), last_bloc=data.bloc_of(d.broken_off_by),
        breaks=[event_view(names, e, True) for e in breaking],
        events=[event_view(names, e, id(e) in breaks) for e in d.events] if events else [],
        first_accused=(names.name(accused.accused) or accused.accused,
                       names.name(accused.actor) or accused.actor, accused.date)
        if accused else None,
        next=[decision_view(names, d, n) for n in d.next],
        quotes_article=_QUOTES_ARTICLE.search(d.summary) is not None,
    )


class PivotView(NamedTuple):
    """A stats.Pivot as the cells of an HTML table: row label, counts, total. The dossiers
    with no break in the pivot's sense (None in both fields) are left out of the grid and
    counted apart, with what that means (`apart`): as a row and a column of their own they
    would only repeat one number."""

    caption: str
    corner: str
    columns: list[str]
    rows: list[tuple[str, list[int], int]]
    totals: list[int]
    total: int
    left_out: int
    apart: str  # what the dossiers left out are: "never broken off"


def pivot_view(pivot: stats.Pivot, caption: str, corner: str, apart: str) -> PivotView:
    """The pivot's cells; a long column heading gets a soft hyphen, so that a phone can
    break it instead of cutting the table."""
    columns = [c for c in pivot.columns if c is not None]
    rows = [r for r in pivot.rows if r is not None]
    return PivotView(
        caption=caption, corner=corner,
        columns=[str(c).replace("international", "inter\u00adnational") for c in columns],
        rows=[(str(r), cells, sum(cells))
              for r, cells in ((r, [pivot.count(r, c) for c in columns]) for r in rows)],
        totals=[pivot.column_total(c) for c in columns],
        total=sum(pivot.count(r, c) for r in rows for c in columns),
        left_out=pivot.count(None, None), apart=apart,
    )


def never_broken_off(data: Dataset) -> int:
    """The dossiers nothing ever broke off: no first break, whatever their status today."""
    return sum(1 for d in data.dossiers if d.first_break is None)


def ahead(data: Dataset, end: str, last: str | None = None) -> list[DecisionView]:
    """The decision points due from `end` to `last` (None: every one ahead), in date order."""
    names = Names(data)
    dossiers = {d.id: d for d in data.dossiers}
    found = upcoming.within(upcoming.decisions(data.dossiers), end, last)
    return [decision_view(names, dossiers[u.dossier], u) for u in found]


def index_context(data: Dataset, end: str) -> dict[str, Any]:
    names = Names(data)
    dossiers = [dossier_view(names, d, events=False) for d in data.dossiers]
    by_status = Counter(d.status for d in data.dossiers)
    used_blocs = {b for d in dossiers for b in (d.last_bloc, d.first_bloc) if b}
    window = upcoming.window_end(end, SOON)
    due = ahead(data, end, window)
    return {
        "dossiers": dossiers,
        "by_status": [(s, by_status[s], STATUSES[s]) for s in STATUSES if by_status[s]],
        "statuses": [s for s in STATUSES if by_status[s]],
        "status_rank": {s: i for i, s in enumerate(STATUSES)},  # the table sorts by it
        "domains": [d for d in DOMAINS if any(x.domain == d for x in dossiers)],
        "blocs": [b for b in BLOCS if b in used_blocs],
        # Who broke off first and who last: blocs across, years of the break down. A dossier
        # broken off and recovered has a first break but no last one: it is not broken off
        # today, and it is not "never broken off".
        "first": pivot_view(stats.pivot(data, "first-year", "first-bloc"),
                            "Who broke each dossier off first: the bloc of the first break, "
                            "by its year", "year of first break", "never broken off"),
        "last": pivot_view(stats.pivot(data, "year", "bloc"),
                           "Who broke each dossier off last: the bloc of the break that stands "
                           "today, by its year", "year of last break",
                           "not broken off today (never broken off, recovered, or ended by "
                           "their own terms)"),
        "never": never_broken_off(data),
        "event_count": sum(len(d.events) for d in data.dossiers),
        "window": window, "soon": due,
        "later": [] if due else ahead(data, end)[:3],  # when nothing is due soon: what is next
    }


def timeline_context(data: Dataset) -> dict[str, Any]:
    names = Names(data)
    titles = {d.id: d.title for d in data.dossiers}
    return {"years": [(year, [(page_name(e.dossier), titles[e.dossier], event_view(names, e.event))
                              for e in found])
                      for year, found in by_year(entries(data))]}


# -- linkage: which crises the breaks were made over ----------------------------------------


class LinkedBreakView(NamedTuple):
    date: str
    page: str
    title: str
    actor: str  # name
    bloc: str | None
    status: str
    recovered: str | None
    now: str


class LinkageGroup(NamedTuple):
    """The breaks made over one crisis, one other dossier's move, or none stated or recorded."""

    anchor: str
    name: str
    date: str | None
    summary: str | None
    sources: list[Source]
    link: Link | None  # a move: the event it answered, on its dossier's page
    breaks: list[LinkedBreakView]
    by_bloc: list[int]  # in the order of the context's `blocs`
    first: LinkedBreakView | None


def _group(names: Names, label: str, found: list[linkage.LinkedBreak],
           blocs: list[str]) -> LinkageGroup:
    views = [LinkedBreakView(b.date, page_name(b.dossier), b.title,
                             names.name(b.actor) or b.actor, b.bloc, b.status, b.recovered,
                             b.now) for b in found]
    counts = Counter(b.bloc for b in found)
    common: dict[str, Any] = {"breaks": views, "by_bloc": [counts[b] for b in blocs],
                              "first": views[0] if views else None}
    crisis = names.data.crises.get(label)
    if crisis is not None:
        return LinkageGroup(crisis.id, crisis.name, crisis.date, crisis.summary,
                            [names.source(s) for s in crisis.sources], None, **common)
    if "@" in label:
        link = names.reference(label)
        return LinkageGroup(f"move-{label.replace('@', '-')}", link.text, label.partition("@")[2],
                            None, [], link, **common)
    return LinkageGroup(label.replace(" ", "-"), OVER_NOTES[label], None, None, [], None, **common)


def linkage_context(data: Dataset) -> dict[str, Any]:
    """The breaks of each crisis (the registry's, by date), then those that answered another
    dossier's move, then those with no link stated or not recorded; with the count by bloc
    of each and the first break over it."""
    names = Names(data)
    grouped = linkage.by_crisis(data)
    used = {b.bloc for _, found in grouped for b in found}
    blocs = [b for b in BLOCS if b in used]
    groups = [_group(names, label, found, blocs) for label, found in grouped]
    crises = [g for g in groups if g.anchor in data.crises]
    moves = [g for g in groups if g.link is not None]
    rest = [g for g in groups if g not in crises and g not in moves]
    return {"blocs": blocs, "crises": crises, "moves": moves, "rest": rest,
            "breaks": sum(len(breaking_events(d.events)) for d in data.dossiers)}


# -- sources ---------------------------------------------------------------------------------


class PublisherRow(NamedTuple):
    """One organisation, with every host it publishes under."""

    name: str
    hosts: list[str]
    kind: str  # as a reader reads it: "news · state media (Russia)"
    citations: int


def reader_text(text: str) -> str:
    """The vocabulary's descriptions without field names: `state_media` reads "state media"."""
    return re.sub(r"`([a-z_]+)`", lambda m: m[1].replace("_", " "), text)


def publisher_kind(names: Names, kind: str, state_media: str | None) -> str:
    return kind + (f" · state media ({names.state(state_media)})" if state_media else "")


def sources_context(data: Dataset) -> dict[str, Any]:
    """Citations by publisher (with a registry) or by host (without), and the share of
    events with a primary or reference source: the evidence the ledger prefers. A publisher
    registered under several hosts (the same name) is one row."""
    names = Names(data)
    uses = evidence.publishers(data)  # most cited first
    events = [e for d in data.dossiers for e in d.events]
    found = [url_host(source) for e in events
             for source in (*e.sources, *(s for c in e.claims for s in c.sources))]
    hosts = Counter(h for h in found if h is not None)
    not_urls = found.count(None)
    strong_events = sum(evidence.is_strong(data, e) for e in events)
    by_name: dict[str, list[evidence.PublisherUse]] = {}
    for use in uses:
        by_name.setdefault(use.name, []).append(use)
    publishers = sorted(
        (PublisherRow(name, [p.host for p in group],
                      " / ".join(dict.fromkeys(publisher_kind(names, p.kind, p.state_media)
                                               for p in group)),
                      sum(p.citations for p in group))
         for name, group in by_name.items()),
        key=lambda r: (-r.citations, r.name.casefold(), r.name),
    )
    kinds = [(k, reader_text(PUBLISHER_KINDS[k]), sum(u.citations for u in uses if u.kind == k))
             for k in PUBLISHER_KINDS]
    unregistered = sorted(((h, n) for h, n in hosts.items()
                           if data.publisher_of(f"https://{h}/") is None),
                          key=lambda item: (-item[1], item[0]))
    return {"registry": bool(data.publishers), "publishers": publishers, "kinds": kinds,
            "events": len(events), "strong_events": strong_events,
            "strong_share": round(100 * strong_events / len(events)) if events else 0,
            "unregistered": unregistered, "not_urls": not_urls,
            "citations": sum(hosts.values()) + not_urls}


def about_context(data: Dataset) -> dict[str, Any]:
    return {
        "statuses": list(STATUSES.items()), "blocs": list(BLOCS.items()),
        "kinds": [(k, reader_text(v)) for k, v in PUBLISHER_KINDS.items()],
        "approaches": list(APPROACHES.items()), "never": never_broken_off(data),
        "not_now": sum(1 for d in data.dossiers if d.broken_off_by is None),
        "recovered": [(d.title, page_name(d.id)) for d in data.dossiers
                      if d.first_break is not None and d.broken_off_by is None],
        "crisis_count": len(data.crises), "event_count": sum(len(d.events) for d in data.dossiers),
    }
