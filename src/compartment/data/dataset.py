"""The validated dataset as plain, immutable records.

These are standard-library named tuples, not pydantic models, on purpose: a cached dataset is
rebuilt without importing pydantic or PyYAML, which keeps a warm command's start close to the
cost of importing the CLI libraries. Named tuples rather than frozen dataclasses because they
are cheap to build (a frozen dataclass's __init__ sets each field through
object.__setattr__: 0.19 s against 0.04 s for 10,000 dossiers with 50,000 events) and because
msgspec decodes the cache straight into them (cache.py).
`models.py` holds the pydantic twins that validate the file; a test keeps the field lists
identical.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from compartment.data.vocab import (
    BREAK_RANK,
    BREAKING_STATUSES,
    DOSSIER_FIELDS,
    EVENT_FIELDS,
)
from compartment.errors import Problem


class Actor(NamedTuple):
    id: str
    name: str
    bloc: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "bloc": self.bloc}


class Publisher(NamedTuple):
    """A registered publisher of sources, keyed by the host of its URLs."""

    host: str
    name: str
    kind: str  # vocab.PUBLISHER_KINDS
    state_media: str | None = None  # whose state owns or controls it, e.g. "russia"
    subdomains: bool = False  # whether any subdomain of `host` is this publisher too

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.state_media is not None:
            out["state_media"] = self.state_media
        if self.subdomains:
            out["subdomains"] = True
        return out


class Claim(NamedTuple):
    """What a party said about an event: in our words, or a short exact quote."""

    by: str
    says: str
    sources: tuple[str, ...]
    blames: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "blames": self.blames, "says": self.says,
                "sources": list(self.sources)}


class Event(NamedTuple):
    date: str
    actor: str
    action: str
    summary: str
    sources: tuple[str, ...]
    status: str | None = None
    unverified: bool = False
    claims: tuple[Claim, ...] = ()
    # What the step answered, as its actor stated it: crisis ids, or other dossiers' events
    # as DOSSIER@DATE; None: not recorded, (): the actor stated no link.
    over: tuple[str, ...] | None = None
    accuses: str | None = None  # whom the actor formally accuses of a breach

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in EVENT_FIELDS:
            value = getattr(self, name)
            if name == "claims":
                if value:  # only where there are some: most events carry none
                    out["claims"] = [c.to_dict() for c in value]
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

class Crisis(NamedTuple):
    """A crisis or move that breaks of cooperation were made over (`over:` names it)."""

    id: str
    name: str
    date: str
    summary: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "date": self.date, "summary": self.summary,
                "sources": list(self.sources)}


class Decision(NamedTuple):
    """A scheduled decision point of a dossier: a mandate's expiry, a review conference, a
    ministerial, a treaty's term; `date` may be partial."""

    date: str
    due: str
    by: tuple[str, ...]
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date, "due": self.due, "by": list(self.by),
                "sources": list(self.sources)}


class Accusation(NamedTuple):
    """A formal accusation of a breach: `actor` accused `accused` on `date`."""

    date: str
    actor: str
    accused: str


class Break(NamedTuple):
    """An event that moved a dossier to a worse status than it had (vocab.BREAK_RANK)."""

    date: str
    actor: str
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date, "actor": self.actor, "status": self.status}


def breaking_events(events: tuple[Event, ...]) -> tuple[Event, ...]:
    """Every break in the events, in order: the events themselves.

    The rule (docs/data.md, "What follows from the events"): walk the status-setting events in
    file order (date order; equal and partial dates keep file order). An event breaks the
    dossier when its status ranks above the status before it; before the first status-setting
    event the dossier counts as active, so a first event that suspends is a break. `expired` is
    no break, and after it nothing is compared with it: a later status is measured against
    active. A recovery (back to active or a milder status) is no break, and the next worsening
    after it is a second break.
    """
    found: list[Event] = []
    rank = 0
    for event in events:
        if event.status is None:
            continue
        new = BREAK_RANK.get(event.status)
        if new is None:  # expired: ended by its own terms
            rank = 0
            continue
        if new > rank:
            found.append(event)
        rank = new
    return tuple(found)


def derive_breaks(events: tuple[Event, ...]) -> tuple[Break, ...]:
    """Every break in the events, in order (breaking_events), as date, actor and status."""
    return tuple(Break(e.date, e.actor, e.status or "") for e in breaking_events(events))


class State(NamedTuple):
    """A dossier's status as derived from its events, at the end or as of a date."""

    status: str | None
    broken_off_by: str | None
    since: str | None
    break_date: str | None = None  # the date of the event that made `broken_off_by`


def derive_state(events: tuple[Event, ...], as_of: str | None = None) -> State:
    """Fold the events (in file order, which is date order) into a status.

    `as_of` keeps only events dated on or before it, comparing dates as text (the partial-date
    rule in dates.py). `broken_off_by` is the actor of the latest event that moved the dossier
    into strained, suspended or terminated, and is cleared while the dossier is active.
    """
    status = since = breaker = break_date = None
    for event in events:
        if as_of is not None and event.date > as_of:
            break
        if event.status is None:
            continue
        status, since = event.status, event.date
        if event.status in BREAKING_STATUSES:
            breaker, break_date = event.actor, event.date
        elif event.status == "active":
            breaker = break_date = None
    return State(status, breaker, since, break_date)


def with_state(dossier: Dossier) -> Dossier:
    """The dossier with `status` and `broken_off_by` as its events say (the derived rule)."""
    state = derive_state(dossier.events)
    return dossier._replace(status=state.status or dossier.status,
                            broken_off_by=state.broken_off_by)

class Dossier(NamedTuple):
    id: str
    title: str
    domain: str
    parties: tuple[str, ...]
    status: str
    broken_off_by: str | None
    summary: str
    events: tuple[Event, ...]
    aliases: tuple[str, ...] = ()
    forum: str | None = None
    approach: tuple[str, ...] = ()
    third_parties: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    next: tuple[Decision, ...] = ()  # scheduled decision points still ahead

    @property
    def since(self) -> str | None:
        return derive_state(self.events).since

    @property
    def breaks(self) -> tuple[Break, ...]:
        return derive_breaks(self.events)

    @property
    def first_break(self) -> Break | None:
        """The first break ever, kept after a recovery: who broke the dossier off first."""
        return next(iter(self.breaks), None)

    @property
    def first_broken_off_by(self) -> str | None:
        first = self.first_break
        return first.actor if first else None

    @property
    def first_broken_off_on(self) -> str | None:
        first = self.first_break
        return first.date if first else None

    @property
    def first_accusation(self) -> Accusation | None:
        """The first formal accusation of a breach in the events. An accusation is no break:
        it changes no status."""
        return next((Accusation(e.date, e.actor, e.accuses) for e in self.events if e.accuses),
                    None)

    @property
    def disputed(self) -> bool:
        """Whether the parties' claims about this dossier blame at least two different
        actors."""
        blamed = {c.blames for e in self.events for c in e.claims if c.blames is not None}
        return len(blamed) > 1

    def as_of(self, date: str) -> Dossier | None:
        """This dossier as it stood on `date`, or None if it had no event by then."""
        events = tuple(e for e in self.events if e.date <= date)
        return with_state(self._replace(events=events)) if events else None

    def to_dict(self) -> dict[str, Any]:
        """The record in the contract's key order, with what its events derive after
        `broken_off_by` (since, who broke it off first and when, every break): the JSON
        export's record."""
        out: dict[str, Any] = {}
        for name in DOSSIER_FIELDS:
            value = getattr(self, name)
            if name in ("events", "next"):
                value = [e.to_dict() for e in value]
            out[name] = list(value) if isinstance(value, tuple) else value
            if name == "broken_off_by":
                first = self.first_accusation
                out.update(since=self.since, first_broken_off_by=self.first_broken_off_by,
                           first_broken_off_on=self.first_broken_off_on,
                           breaks=[b.to_dict() for b in self.breaks],
                           first_accusation=first._asdict() if first else None)
        return out

def actors_named(d: Dossier) -> set[str]:
    """Every actor the dossier names: its parties and third parties, who broke it off, each
    event's actor and whom it accuses, who makes and who is blamed by each claim, and who
    decides each decision point."""
    named = {*d.parties, *d.third_parties, *[e.actor for e in d.events]}
    named.update(actor for n in d.next for actor in n.by)
    for e in d.events:
        if e.accuses:
            named.add(e.accuses)
        for c in e.claims:
            named.add(c.by)
            if c.blames:
                named.add(c.blames)
    if d.broken_off_by:
        named.add(d.broken_off_by)
    return named


class Dataset(NamedTuple):
    actors: dict[str, Actor]
    dossiers: tuple[Dossier, ...]
    publishers: dict[str, Publisher] = {}
    crises: dict[str, Crisis] = {}

    def referenced(self, reference: str) -> Crisis | list[Event] | None:
        """What an `over` reference names: a crisis, or the events of DOSSIER@DATE (one or
        more of that date); None if nothing."""
        if "@" not in reference:
            return self.crises.get(reference)
        dossier_id, _, date = reference.partition("@")
        dossier = self.get(dossier_id)
        found = [e for e in dossier.events if e.date == date] if dossier else []
        return found or None

    def crises_of(self, event: Event, seen: frozenset[str] = frozenset()) -> list[str]:
        """The crises an event answered: those its `over` names, and those of the events it
        names, followed through their own `over`, in order, each once."""
        out: list[str] = []
        for reference in event.over or ():
            if reference in seen:
                continue
            found = self.referenced(reference)
            if isinstance(found, Crisis):
                named = [found.id]
            else:
                named = [c for e in found or () for c in self.crises_of(e, seen | {reference})]
            out.extend(c for c in named if c not in out)
        return out

    def get(self, dossier_id: str) -> Dossier | None:
        for dossier in self.dossiers:
            if dossier.id == dossier_id:
                return dossier
        return None

    def name_of(self, actor_id: str) -> str:
        """The actor's name; its id where none is registered."""
        actor = self.actors.get(actor_id)
        return actor.name if actor else actor_id

    def bloc_of(self, actor_id: str | None) -> str | None:
        actor = self.actors.get(actor_id) if actor_id else None
        return actor.bloc if actor else None

    def as_of(self, date: str) -> Dataset:
        kept = (d.as_of(date) for d in self.dossiers)
        return Dataset(self.actors, tuple(d for d in kept if d is not None), self.publishers,
                       self.crises)

    def publisher_of(self, source: str) -> Publisher | None:
        """The registered publisher of a source URL, or None (unregistered, or no URL)."""
        host = url_host(source)
        if host is None:
            return None
        found = self.publishers.get(host)
        if found is not None:
            return found
        parts = host.split(".")
        for i in range(1, len(parts) - 1):
            parent = self.publishers.get(".".join(parts[i:]))
            if parent is not None and parent.subdomains:
                return parent
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "actors": {aid: a.to_dict() for aid, a in self.actors.items()},
        }
        if self.crises:
            out["crises"] = {cid: c.to_dict() for cid, c in self.crises.items()}
        out["dossiers"] = [d.to_dict() for d in self.dossiers]
        if self.publishers:
            out["publishers"] = {h: p.to_dict() for h, p in self.publishers.items()}
        return out

def url_host(source: str) -> str | None:
    """The host of an http(s) URL, lower-cased and without port or credentials; None for a
    citation that is not a URL."""
    scheme, sep, rest = source.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("["):  # an IPv6 literal keeps its colons
        return host.partition("]")[0] + "]"
    return host.partition(":")[0].lower().rstrip(".") or None


class LoadResult(NamedTuple):
    """What loading a data file gives: the dataset (None when it has errors) and every
    problem found, errors and warnings, in the order of their lines."""

    path: Path
    dataset: Dataset | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]
