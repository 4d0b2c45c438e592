"""Filtering and sorting dossiers: AND between criteria, OR within one repeated criterion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compartment.dataset import Dataset, Dossier
from compartment.errors import CompartmentError, UsageError
from compartment.vocab import BLOCS, STATUSES


@dataclass(frozen=True)
class Filters:
    statuses: Sequence[str] = ()
    broken_off_by: Sequence[str] = ()  # actor ids or blocs
    domains: Sequence[str] = ()
    parties: Sequence[str] = ()  # actor ids or blocs
    search: str | None = None
    first_broken_off_by: Sequence[str] = ()  # actor ids or blocs
    disputed: bool = False  # only dossiers whose claims blame different actors


def disputed(dossier: Dossier) -> bool:
    """Whether the parties' claims about this dossier blame at least two different actors."""
    blamed = {c.blames for e in dossier.events for c in e.claims if c.blames is not None}
    return len(blamed) > 1


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
        wanted = filters.broken_off_by
        if wanted and not _matches_actor(data, d.broken_off_by, wanted):
            continue
        first = filters.first_broken_off_by
        if first and not _matches_actor(data, d.first_broken_off_by, first):
            continue
        if filters.disputed and not disputed(d):
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


# A suggestion must be at least this alike (difflib's ratio); a second one is shown only when
# it is nearly as alike as the best, so `new-strat` suggests new-start alone.
SUGGEST_CUTOFF = 0.5
SUGGEST_CLOSE = 0.05


def suggest(value: str, choices: Sequence[str]) -> list[str]:
    """The closest of `choices` to a mistyped `value`, then any nearly as close (at most 3)."""
    import difflib

    scored = []
    for choice in dict.fromkeys(choices):
        matcher = difflib.SequenceMatcher(None, value, choice)
        if matcher.real_quick_ratio() >= SUGGEST_CUTOFF and matcher.quick_ratio() >= SUGGEST_CUTOFF:
            ratio = matcher.ratio()
            if ratio >= SUGGEST_CUTOFF:
                scored.append((ratio, choice))
    if not scored:
        return []
    scored.sort(key=lambda pair: -pair[0])  # stable: equal scores keep the choices' order
    best = scored[0][0]
    return [choice for ratio, choice in scored[:3] if ratio >= best - SUGGEST_CLOSE]


def did_you_mean(value: str, choices: Sequence[str], otherwise: str = "") -> str:
    """The tail of an error message: `; did you mean X?`, or `otherwise` when nothing is close."""
    hint = suggest(value, choices)
    return f"; did you mean {', '.join(hint)}?" if hint else otherwise


def find(data: Dataset, dossier_id: str, option: str | None = None) -> Dossier:
    """The dossier with this id; else an error that suggests the closest ids (a UsageError
    naming `option` when the id came from one)."""
    dossier = data.get(dossier_id)
    if dossier is not None:
        return dossier
    ids = [d.id for d in data.dossiers]
    if option is not None:
        hint = did_you_mean(dossier_id, ids)
        raise UsageError(f"{option}: no dossier with id {dossier_id!r}{hint}")
    hint = did_you_mean(dossier_id, ids, "; `compartment list` shows the ids")
    raise CompartmentError(f"no dossier with id {dossier_id!r}{hint}")


def check_actors(data: Dataset, option: str, values: Sequence[str], *, blocs: bool = True) -> None:
    """UsageError naming the first of `values` that is no actor id (nor a bloc, with `blocs`)."""
    choices = list(dict.fromkeys([*data.actors, *(BLOCS if blocs else ())]))
    for value in values:
        if value not in choices:
            what = "actor or bloc" if blocs else "actor"
            raise UsageError(f"{option}: unknown {what} {value!r}{did_you_mean(value, choices)}")
