"""Dossier heads: every field `list`, `stats` and the filters read, without the events.

Issue 19, item 2 ("read only what is needed"). A warm `list` at 100,000 dossiers decoded all
500,000 events it never shows. The cache can instead hold one section of heads, decoded by
every warm command, and each dossier's events as a blob of its own, decoded only by a command
that reads them (`show` one dossier, `timeline` all). The measurements that chose this layout
over decoding everything or an SQLite cache are in benchmarks/README.md ("Reads at scale").

A head stores what a dossier derives from its events and a filter or a column needs: `since`,
the date of the last break, the first break's actor and date, and `disputed`. Each is
computed here, once, by the functions that derive them for a full `Dossier`, so a command
that reads heads and one that reads dossiers answer alike (tests/test_heads.py runs
`query.select` and `query.sort` over both).

**Distrust** (cache.py's rule: any doubt is a miss). The heads section is checked as a whole
(`heads_consistent`): the vocabularies, unique ids, actors known, real dates, the blob table
contiguous, and every head one that some valid list of events could have given (an active
dossier has no breaker, a breaker implies a first break, ...). So a command that reads only
heads answers for a dataset validation would accept, as a warm command does today. A blob is
checked when it is read (`events_of`): its CRC from the (checked) head, msgspec's typed
decode, then the event-level invariants, and everything its head says about it derived again
from the events and compared. A blob that disagrees with its head is a miss of the whole
entry.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from itertools import chain, compress
from typing import TYPE_CHECKING, NamedTuple

import msgspec

from compartment.dataset import Dossier, Event, derive_breaks, derive_state
from compartment.vocab import APPROACHES, BREAKING_STATUSES, DOMAINS, STATUSES

if TYPE_CHECKING:
    from compartment.query import Filters


class Head(NamedTuple):
    """A dossier without its events, with what they derive and where they are."""

    id: str
    title: str
    domain: str
    parties: tuple[str, ...]
    status: str
    broken_off_by: str | None
    summary: str
    aliases: tuple[str, ...]
    forum: str | None
    approach: tuple[str, ...]
    third_parties: tuple[str, ...]
    tags: tuple[str, ...]
    since: str | None  # the date of the last status-setting event (Dossier.since)
    break_date: str | None  # the date of the event that made broken_off_by (State.break_date)
    first_broken_off_by: str | None  # Dossier.first_broken_off_by
    first_broken_off_on: str | None  # Dossier.first_broken_off_on
    disputed: bool  # query.disputed: the claims blame two actors or more
    events: int  # how many events the blob holds
    offset: int  # of the blob, from the start of the blobs
    length: int  # of the blob, in bytes
    check: int  # zlib.crc32 of the blob


class Derived(NamedTuple):
    """What a head says of its events; `derived` computes it from them."""

    events: int
    status: str | None
    broken_off_by: str | None
    since: str | None
    break_date: str | None
    first_broken_off_by: str | None
    first_broken_off_on: str | None
    disputed: bool


def derived(events: tuple[Event, ...]) -> Derived:
    state = derive_state(events)
    breaks = derive_breaks(events)
    first = breaks[0] if breaks else None
    blamed = {c.blames for e in events for c in e.claims if c.blames is not None}
    return Derived(
        len(events), state.status, state.broken_off_by, state.since, state.break_date,
        first.actor if first else None, first.date if first else None, len(blamed) > 1,
    )  # fmt: skip


def stored(head: Head) -> Derived:
    return Derived(
        head.events, head.status, head.broken_off_by, head.since, head.break_date,
        head.first_broken_off_by, head.first_broken_off_on, head.disputed,
    )  # fmt: skip


_encode = msgspec.msgpack.Encoder().encode
_events_decoder = msgspec.msgpack.Decoder(tuple[Event, ...])


def split(dossiers: Iterable[Dossier]) -> tuple[tuple[Head, ...], list[bytes]]:
    """Each dossier's head, and its events encoded as one blob, in order."""
    heads: list[Head] = []
    blobs: list[bytes] = []
    offset = 0
    for d in dossiers:
        blob = _encode(d.events)
        got = derived(d.events)
        heads.append(Head(
            d.id, d.title, d.domain, d.parties, d.status, d.broken_off_by, d.summary,
            d.aliases, d.forum, d.approach, d.third_parties, d.tags, got.since,
            got.break_date, got.first_broken_off_by, got.first_broken_off_on, got.disputed,
            got.events, offset, len(blob), zlib.crc32(blob),
        ))  # fmt: skip
        blobs.append(blob)
        offset += len(blob)
    return tuple(heads), blobs


def dossier(head: Head, events: tuple[Event, ...]) -> Dossier:
    """The full record again, once its events are read."""
    return Dossier(
        head.id, head.title, head.domain, head.parties, head.status, head.broken_off_by,
        head.summary, events, head.aliases, head.forum, head.approach, head.third_parties,
        head.tags,
    )  # fmt: skip


_STATUSES = frozenset(STATUSES)


def heads_consistent(heads: tuple[Head, ...], known: set[str], blobs_length: int) -> bool:
    """Whether `heads` could be the heads of a clean load whose actors are `known`, and their
    blobs fill exactly `blobs_length` bytes, one after the other.

    The checks of cache._consistent that need no event, and the shape every head takes when
    `derived` makes it from valid events: a status that some event set (so `since` is a
    date), no breaker while active, a breaker while strained, suspended or terminated, a
    break date exactly when there is a breaker, a first break whenever there was a break.
    """
    from compartment.cache import dates_valid  # cache will import heads: not at the top

    if len({h.id for h in heads}) != len(heads):
        return False
    if not {h.domain for h in heads} <= DOMAINS.keys():
        return False
    if not {h.status for h in heads} <= _STATUSES:
        return False
    if not set(chain.from_iterable(h.approach for h in heads)) <= APPROACHES.keys():
        return False
    referenced: set[str | None] = set()
    days: set[str | None] = set()
    offset = 0
    for h in heads:
        if not h.parties or h.events < 1 or h.length < 1 or h.offset != offset:
            return False
        offset += h.length
        referenced.update(h.parties)
        referenced.update(h.third_parties)
        referenced.add(h.broken_off_by)
        referenced.add(h.first_broken_off_by)
        days.add(h.since)
        days.add(h.break_date)
        days.add(h.first_broken_off_on)
        if h.since is None or (h.broken_off_by is None) != (h.break_date is None):
            return False
        if h.status == "active" and h.broken_off_by is not None:
            return False
        if h.status in BREAKING_STATUSES and h.broken_off_by is None:
            return False
        if (h.first_broken_off_by is None) != (h.first_broken_off_on is None):
            return False
        if h.broken_off_by is not None and h.first_broken_off_by is None:
            return False
    if offset != blobs_length:
        return False
    referenced.discard(None)
    days.discard(None)
    return referenced <= known and dates_valid(days)  # type: ignore[arg-type]


def events_of(head: Head, blob: bytes | memoryview, known: set[str]) -> tuple[Event, ...] | None:
    """The events of `head` from its blob, or None if anything about them is in doubt.

    The CRC comes from the checked heads; the decode checks every type; then the rules of
    cache._consistent for these events (real dates, known statuses and actors, the claims'
    actors known) and everything the head says of them, derived again and compared.
    """
    from compartment.cache import dates_valid

    if len(blob) != head.length or zlib.crc32(blob) != head.check:
        return None
    try:
        events = _events_decoder.decode(blob)
    except msgspec.DecodeError:
        return None
    if derived(events) != stored(head):
        return None
    actors: set[str | None] = {e.actor for e in events}
    actors.update(chain.from_iterable((c.by, c.blames) for e in events for c in e.claims))
    actors.discard(None)
    statuses = {e.status for e in events}
    statuses.discard(None)
    if not actors <= known or not statuses <= _STATUSES:
        return None
    return events if dates_valid({e.date for e in events}) else None


# -- columns: what narrows a filter without decoding a head -----------------------------------
# One byte a dossier for each of the two fields a filter tests by plain membership, status and
# domain: their index in the vocabulary. `candidates` reads them to pick the heads worth
# decoding; query.select, run on those heads, still decides. So the columns can only narrow,
# never answer differently (tests/test_heads.py: select over the candidates equals select
# over every head, on random data and filters).
STATUS_CODES = {s: i for i, s in enumerate(STATUSES)}
DOMAIN_CODES = {d: i for i, d in enumerate(DOMAINS)}


class Columns(NamedTuple):
    status: bytes  # STATUS_CODES of each dossier's status, in file order
    domain: bytes  # DOMAIN_CODES of each dossier's domain


def columns(heads: Iterable[Head]) -> Columns:
    rows = [(STATUS_CODES[h.status], DOMAIN_CODES[h.domain]) for h in heads]
    return Columns(bytes(r[0] for r in rows), bytes(r[1] for r in rows))


def columns_agree(cols: Columns, index: int, head: Head) -> bool:
    """Whether the columns say of dossier `index` what its (decoded) head says: a row read
    through a column that lies about it is a miss."""
    return (cols.status[index] == STATUS_CODES.get(head.status, -1)
            and cols.domain[index] == DOMAIN_CODES.get(head.domain, -1))


def _member(column: bytes, codes: dict[str, int], wanted: Iterable[str]) -> int:
    """A bit a dossier (bit i for dossier i): whether its code is one of `wanted`'s."""
    table = bytearray(256)
    for value in wanted:
        if value in codes:
            table[codes[value]] = 1
    return int.from_bytes(column.translate(table), "little")


def candidates(cols: Columns, filters: Filters) -> list[int]:
    """The indices of the dossiers that can match `filters`, in file order: those whose
    status and domain are among the filters' (when given); every index otherwise."""
    count = len(cols.status)
    if not filters.statuses and not filters.domains:
        return list(range(count))
    chosen = -1  # every bit
    if filters.statuses:
        chosen &= _member(cols.status, STATUS_CODES, filters.statuses)
    if filters.domains:
        chosen &= _member(cols.domain, DOMAIN_CODES, filters.domains)
    # Each byte of `flags` is 1 where both columns matched (one bit a byte, from translate).
    flags = (chosen & ((1 << (8 * count)) - 1)).to_bytes(count, "little") if count else b""
    # In C: 3-7 ms for 100,000 dossiers (4,000-33,000 picked; measured under load).
    return list(compress(range(count), flags))
