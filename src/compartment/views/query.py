"""Filtering and sorting dossiers: AND between criteria, OR within one repeated criterion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from compartment.data.dataset import Dataset, Dossier, breaking_events
from compartment.data.lookup import resolve_actor
from compartment.data.vocab import STATUSES
from compartment.views import linkage


class Filters(NamedTuple):
    statuses: Sequence[str] = ()
    broken_off_by: Sequence[str] = ()  # actor ids or blocs
    domains: Sequence[str] = ()
    parties: Sequence[str] = ()  # actor ids or blocs
    search: str | None = None
    first_broken_off_by: Sequence[str] = ()  # actor ids or blocs
    disputed: bool = False  # only dossiers whose claims blame different actors
    tags: Sequence[str] = ()  # any of these tags
    over: Sequence[str] = ()  # broken off over any of these crises (views/linkage.py labels)


def _matches_actor(data: Dataset, actor: str | None, wanted: Sequence[str]) -> bool:
    return actor is not None and (actor in wanted or data.bloc_of(actor) in wanted)


def select(data: Dataset, filters: Filters) -> list[Dossier]:
    needle = filters.search.casefold() if filters.search else None
    # Values as a person types them (`Russia`, `United States`) mean the ids they resolve
    # to; check_actors has already refused the ones that resolve to nothing or to several.
    wanted = _resolved(data, filters.broken_off_by)
    first = _resolved(data, filters.first_broken_off_by)
    parties = _resolved(data, filters.parties)
    tags = {t.casefold() for t in filters.tags}
    return [
        d for d in data.dossiers
        if (not filters.statuses or d.status in filters.statuses)
        and (not filters.domains or d.domain in filters.domains)
        and (not wanted or _matches_actor(data, d.broken_off_by, wanted))
        and (not first or _matches_actor(data, d.first_broken_off_by, first))
        and (not filters.disputed or d.disputed)
        and (not parties or any(_matches_actor(data, p, parties) for p in d.parties))
        and (not tags or not tags.isdisjoint(t.casefold() for t in d.tags))
        and (not filters.over or any(crisis in filters.over for e in breaking_events(d.events)
                                     for crisis in linkage.labels(data, e)))
        and (needle is None
             or needle in "\n".join((d.id, d.title, d.summary, *d.aliases, *d.tags)).casefold())
    ]


def _resolved(data: Dataset, values: Sequence[str]) -> list[str]:
    return [resolve_actor(data, v) or v for v in values]


def sort(dossiers: list[Dossier], field: str) -> list[Dossier]:
    """Sort stably; 'file' keeps the file's order, and ties keep it too."""
    if field == "file":
        return list(dossiers)
    status_rank = {s: i for i, s in enumerate(STATUSES)}
    keys = {"id": lambda d: d.id, "title": lambda d: d.title.casefold(),
            "status": lambda d: status_rank[d.status], "since": lambda d: d.since or "",
            "domain": lambda d: d.domain, "broken-off-by": lambda d: d.broken_off_by or ""}
    return sorted(dossiers, key=keys[field])
