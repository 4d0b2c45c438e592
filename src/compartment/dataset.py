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

from dataclasses import dataclass
from typing import Any, NamedTuple

from compartment.vocab import BREAKING_STATUSES


class Actor(NamedTuple):
    id: str
    name: str
    bloc: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "bloc": self.bloc}


class Event(NamedTuple):
    date: str
    actor: str
    action: str
    summary: str
    sources: tuple[str, ...]
    status: str | None = None
    unverified: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "actor": self.actor,
            "action": self.action,
            "status": self.status,
            "unverified": self.unverified,
            "summary": self.summary,
            "sources": list(self.sources),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        return cls(
            date=d["date"],
            actor=d["actor"],
            action=d["action"],
            summary=d["summary"],
            sources=tuple(d.get("sources") or ()),
            status=d.get("status"),
            unverified=bool(d.get("unverified", False)),
        )


@dataclass(frozen=True, slots=True)
class State:
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

    @property
    def since(self) -> str | None:
        return derive_state(self.events).since

    def as_of(self, date: str) -> Dossier | None:
        """This dossier as it stood on `date`, or None if it had no event by then."""
        events = tuple(e for e in self.events if e.date <= date)
        if not events:
            return None
        state = derive_state(events)
        return Dossier(
            id=self.id,
            title=self.title,
            domain=self.domain,
            parties=self.parties,
            status=state.status or self.status,
            broken_off_by=state.broken_off_by,
            summary=self.summary,
            events=events,
            aliases=self.aliases,
            forum=self.forum,
            approach=self.approach,
            third_parties=self.third_parties,
            tags=self.tags,
        )

    def to_dict(self) -> dict[str, Any]:
        """The record in the contract's key order, with `since` derived; used by the JSON
        export and the cache alike."""
        return {
            "id": self.id,
            "title": self.title,
            "aliases": list(self.aliases),
            "domain": self.domain,
            "parties": list(self.parties),
            "forum": self.forum,
            "status": self.status,
            "broken_off_by": self.broken_off_by,
            "since": self.since,
            "approach": list(self.approach),
            "third_parties": list(self.third_parties),
            "summary": self.summary,
            "tags": list(self.tags),
            "events": [e.to_dict() for e in self.events],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Dossier:
        return cls(
            id=d["id"],
            title=d["title"],
            domain=d["domain"],
            parties=tuple(d["parties"]),
            status=d["status"],
            broken_off_by=d.get("broken_off_by"),
            summary=d["summary"],
            events=tuple(Event.from_dict(e) for e in d["events"]),
            aliases=tuple(d.get("aliases") or ()),
            forum=d.get("forum"),
            approach=tuple(d.get("approach") or ()),
            third_parties=tuple(d.get("third_parties") or ()),
            tags=tuple(d.get("tags") or ()),
        )


@dataclass(frozen=True, slots=True)
class Dataset:
    actors: dict[str, Actor]
    dossiers: tuple[Dossier, ...]

    def get(self, dossier_id: str) -> Dossier | None:
        for dossier in self.dossiers:
            if dossier.id == dossier_id:
                return dossier
        return None

    def bloc_of(self, actor_id: str | None) -> str | None:
        actor = self.actors.get(actor_id) if actor_id else None
        return actor.bloc if actor else None

    def as_of(self, date: str) -> Dataset:
        kept = (d.as_of(date) for d in self.dossiers)
        return Dataset(self.actors, tuple(d for d in kept if d is not None))

    def to_dict(self) -> dict[str, Any]:
        return {
            "actors": {aid: a.to_dict() for aid, a in self.actors.items()},
            "dossiers": [d.to_dict() for d in self.dossiers],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Dataset:
        actors = {
            aid: Actor(id=aid, name=a["name"], bloc=a["bloc"]) for aid, a in d["actors"].items()
        }
        dossiers = tuple(Dossier.from_dict(rec) for rec in d["dossiers"])
        return cls(actors, dossiers)
