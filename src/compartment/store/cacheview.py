"""Narrow reads of a cache entry (issue 19, item 2): the heads `list` needs, the one dossier
`show` needs, instead of every dossier and event.

Each is a hit exactly when `cache.read` would be one for the same entry and file (the same
freshness rules, stamp and digest: `cache.fresh`), and checks what it reads as heads.Body
does: the header's CRC over the actors, publishers and warnings (`cache.Meta`) and their
invariants, each section, row and blob under its own CRC, the heads read valid ones
(`heads.heads_valid`, or all of `heads_consistent` when it reads them all), the events of
`show`'s dossier derived again and compared with its head. Any doubt is None: the caller
then does a normal load, which rewrites the entry.

The datasets returned hold the entry's actors and publishers, and in place of the dossiers
either heads (`heads.Head`: every field `list` filters, sorts and prints, `query.select`
and `query.sort` unchanged) or the one dossier `show` asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from compartment.data.dataset import Dataset, Dossier
from compartment.errors import CompartmentError
from compartment.store import cache, heads
from compartment.store.cachecheck import consistent

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from compartment.errors import Problem
    from compartment.views.query import Filters

def read_heads(
    data_path: Path, info: os.stat_result, key: Callable[[], str], display: str,
    filters: Filters, *, matched: Callable[[], None] | None = None,
) -> tuple[Dataset, list[Problem]] | None:
    """The heads of the dossiers that may match `filters` (their statuses and domains,
    through heads.candidates; every head when `filters.tags` is set, since `list` checks a
    tag against every dossier's), in file order, in a Dataset; None on any miss."""

    def pick(body: heads.Body, meta: cache.Meta) -> Sequence[heads.Head]:
        picked = None if filters.tags else heads.candidates(body.columns(), filters)
        if picked is None or len(picked) == body.count:
            return body.all_heads()
        return body.heads(picked)

    return _read(data_path, info, key, display, matched, pick)


def read_dossier(
    data_path: Path, info: os.stat_result, key: Callable[[], str], display: str,
    wanted: str, *, matched: Callable[[], None] | None = None,
) -> tuple[Dataset, list[Problem]] | None:
    """The one dossier `wanted` names for query.find, whole, in a Dataset; None on any miss,
    and when `wanted` names no dossier or several (the full load then says so, in the same
    words).

    An exact id is looked up in the ids; anything else is matched by query.find over every
    head, which holds the ids, titles and aliases it compares."""

    def pick(body: heads.Body, meta: cache.Meta) -> Sequence[Dossier] | None:
        ids = body.ids()
        if wanted in ids:
            at = ids.index(wanted)
            head = body.heads([at])[0]
        else:
            from compartment.views import query

            every = body.all_heads()
            try:
                head = cast("heads.Head", query.find(_dataset(meta, every), wanted))
            except CompartmentError:
                return None
            at = next(i for i, h in enumerate(every) if h is head)
        return (heads.dossier(head, body.events(at, head)),)

    return _read(data_path, info, key, display, matched, pick)


def _read(
    data_path: Path, info: os.stat_result, key: Callable[[], str], display: str,
    matched: Callable[[], None] | None,
    pick: Callable[[heads.Body, cache.Meta], Sequence[heads.Head | Dossier] | None],
) -> tuple[Dataset, list[Problem]] | None:
    """The dossiers (or heads) `pick` reads from the entry, if it is fresh for the file
    (cache.fresh), its opening is sound and nothing `pick` reads is in doubt (heads.Miss);
    with the warnings. The entry is restamped as a full read would restamp it."""
    found = cache.fresh(data_path, info, key, matched=matched)
    if found is None:
        return None
    opened, stamp = found
    try:
        chosen = pick(_sound(opened), opened.meta)
    except heads.Miss:
        return None
    if chosen is None:
        return None
    cache.restamp(opened, stamp)
    return _dataset(opened.meta, chosen), cache.warnings_of(opened.meta, display)


def _sound(opened: cache.Opened) -> heads.Body:
    """The entry's dossiers, once what opens it passes the checks a full read makes of it
    (known blocs and kinds, unique actors and hosts, warnings safe to print)."""
    meta = opened.meta
    if not consistent(cache.Payload(meta.actors, (), meta.warnings, meta.publishers)):
        raise heads.Miss("the actors, publishers or warnings are not a clean load's")
    return opened.dossiers()


def _dataset(meta: cache.Meta, dossiers: Sequence[heads.Head | Dossier]) -> Dataset:
    # A Head has every attribute of a Dossier that `list` reads (all but the events and
    # what derives from them beyond `since`, the first break and `disputed`).
    return Dataset(
        {a.id: a for a in meta.actors}, cast("tuple[Dossier, ...]", tuple(dossiers)),
        {p.host: p for p in meta.publishers},
    )  # fmt: skip
