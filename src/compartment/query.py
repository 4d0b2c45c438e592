"""Filtering and sorting dossiers: AND between criteria, OR within one repeated criterion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compartment.dataset import Dataset, Dossier
from compartment.vocab import STATUSES

SORT_FIELDS = ("file", "id", "title", "status", "since", "domain", "broken-off-by")


@dataclass(frozen=True)
class Filters:
    statuses: Sequence[str] = ()
    broken_off_by: Sequence[str] = ()  # actor ids or blocs
    domains: Sequence[str] = ()
    parties: Sequence[str] = ()  # actor ids or blocs
    search: str | None = None


def _matches_actor(data: Dataset, actor: str | None, wanted: Sequence[str]) -> bool:
    if actor is None:
        return False
    return actor in wanted or data.bloc_of(actor) in wanted


def select(data: Dataset, filters: Filters) -> list[Dossier]:
    needle = filters.search.casefold() if filters.search else None
    out = []
    for d in data.dossiers:
        if filters.statuses and d.status not in filters.statuses:
            continue
        if filters.domains and d.domain not in filters.domains:
            continue
        if filters.broken_off_by and not _matches_actor(data, d.broken_off_by, filters.broken_off_by):
            continue
        if filters.parties and not any(
            _matches_actor(data, p, filters.parties) for p in d.parties
        ):
            continue
        if needle is not None:
            haystack = "\n".join((d.id, d.title, d.summary, *d.aliases)).casefold()
            if needle not in haystack:
                continue
        out.append(d)
    return out


def sort(dossiers: list[Dossier], field: str) -> list[Dossier]:
    """Sort stably; 'file' keeps the file's order, and ties keep it too."""
    if field == "file":
        return list(dossiers)
    status_rank = {s: i for i, s in enumerate(STATUSES)}
    keys = {
        "id": lambda d: d.id,
        "title": lambda d: d.title.casefold(),
        "status": lambda d: status_rank[d.status],
        "since": lambda d: d.since or "",
        "domain": lambda d: d.domain,
        "broken-off-by": lambda d: d.broken_off_by or "",
    }
    return sorted(dossiers, key=keys[field])


def suggest(value: str, choices: Sequence[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(value, list(choices), n=3, cutoff=0.5)
