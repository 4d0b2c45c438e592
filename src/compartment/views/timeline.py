"""Events across dossiers in date order, and the filters of `compartment timeline`. Pure.

Order: by date compared as text (the partial-date rule in dates.py: "2014" < "2014-03" <
"2014-03-01"), then by the dossier's place in the file, then by the event's place in its
dossier. So the same data always gives the same timeline, and ties read as the file does.

Bounds: `since` and `until` are inclusive dates that may be partial. An event dated
"2014-03" happened, as far as the data says, at the start of March 2014 (the rule used
everywhere), so it is inside `since="2014-03"` but not inside `since="2014-03-15"`. A partial
bound covers its whole period: `since="2014"` starts on 1 January 2014 and `until="2014"`
ends on 31 December 2014.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from compartment.data.dataset import Dataset, Event
from compartment.views import query

COLUMNS = ("date", "dossier", "actor", "bloc", "action", "status", "unverified", "summary",
           "sources")


class Entry(NamedTuple):
    dossier: str
    event: Event
    bloc: str | None

    @property
    def date(self) -> str:
        return self.event.date

    @property
    def year(self) -> int:
        return int(self.event.date[:4])

    def to_dict(self) -> dict[str, Any]:
        e = self.event
        return {"date": e.date, "dossier": self.dossier, "actor": e.actor, "bloc": self.bloc,
                "action": e.action, "status": e.status, "unverified": e.unverified,
                "summary": e.summary, "sources": list(e.sources)}


class Filters(NamedTuple):
    """AND between criteria, OR within one: the rule of `compartment list`."""

    since: str | None = None
    until: str | None = None
    dossiers: Sequence[str] = ()
    actors: Sequence[str] = ()
    blocs: Sequence[str] = ()
    statuses: Sequence[str] = ()  # events that set one of these statuses
    tags: Sequence[str] = ()  # events of dossiers with any of these tags


def entries(data: Dataset) -> list[Entry]:
    """Every event of every dossier, in timeline order (see the module docstring)."""
    in_file_order = [Entry(d.id, e, data.bloc_of(e.actor)) for d in data.dossiers for e in d.events]
    return sorted(in_file_order, key=lambda entry: entry.date)  # stable: ties keep file order


def within(date: str, since: str | None, until: str | None) -> bool:
    """Whether an event dated `date` falls between the inclusive, possibly partial bounds."""
    if since is not None and date < since:
        return False
    # Cut the date to the bound's precision: "2014-12-31"[:4] <= "2014" keeps all of 2014.
    return until is None or date[: len(until)] <= until


def select(data: Dataset, filters: Filters) -> list[Entry]:
    tagged = {d.id for d in query.select(data, query.Filters(tags=filters.tags))}
    return [
        entry for entry in entries(data)
        if entry.dossier in tagged
        and within(entry.date, filters.since, filters.until)
        and (not filters.dossiers or entry.dossier in filters.dossiers)
        and (not filters.actors or entry.event.actor in filters.actors)
        and (not filters.blocs or entry.bloc in filters.blocs)
        and (not filters.statuses or entry.event.status in filters.statuses)
    ]


def by_year(found: Sequence[Entry]) -> list[tuple[int, list[Entry]]]:
    """The entries cut into consecutive runs of one year each, in order."""
    groups: list[tuple[int, list[Entry]]] = []
    for entry in found:
        if not groups or groups[-1][0] != entry.year:
            groups.append((entry.year, []))
        groups[-1][1].append(entry)
    return groups
