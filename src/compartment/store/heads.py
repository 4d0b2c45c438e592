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

**Distrust** (cache.py's rule: any doubt is a miss). The heads a command reads are checked
(`heads_valid`): the vocabularies, actors known, real dates, and each head one that some
valid list of events could have given (an active dossier has no breaker, a breaker implies a
first break, ...); reading them all adds unique ids and contiguous blobs
(`heads_consistent`). So a command that reads only heads answers for heads validation would
accept, as a warm command does today. A blob is checked when it is read (`events_of`): its
CRC from the (checked) head, msgspec's typed decode, the event-level invariants, and
everything its head says about it derived again from the events and compared. In the body
of an entry (`pack`, `Body`) every byte a command reads is under a CRC: each small
section's, each row's, each blob's. Anything that fails is `Miss`, for the whole entry.

cache.py writes every entry's dossiers as a body (FORMAT 10); a full read rebuilds them all
(`Body.all_heads`, `Body.all_events`), `list` and `show` read only what they need
(cacheview.py).
"""

from __future__ import annotations

import sys
import zlib
from array import array
from collections.abc import Iterable
from itertools import chain, compress
from typing import TYPE_CHECKING, Literal, NamedTuple

import msgspec

from compartment.data.dataset import Dossier, Event, derive_breaks, derive_state
from compartment.data.vocab import APPROACHES, BREAKING_STATUSES, DOMAINS, STATUSES
from compartment.store.cachecheck import dates_valid
from compartment.store.segments import packed, unpacked

if TYPE_CHECKING:
    from compartment.views.query import Filters


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
    # zlib.crc32 of the blob. Where the blob lies is the body's `at` table, not the head's:
    # so a dossier's row stays the same bytes when others change (cache_patch.py).
    check: int


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


encode = msgspec.msgpack.Encoder().encode
_events_decoder = msgspec.msgpack.Decoder(tuple[Event, ...])


def split(dossiers: Iterable[Dossier]) -> tuple[tuple[Head, ...], list[bytes]]:
    """Each dossier's head, and its events encoded as one blob, in order."""
    heads: list[Head] = []
    blobs: list[bytes] = []
    for d in dossiers:
        blob = encode(d.events)
        got = derived(d.events)
        heads.append(Head(
            d.id, d.title, d.domain, d.parties, d.status, d.broken_off_by, d.summary,
            d.aliases, d.forum, d.approach, d.third_parties, d.tags, got.since,
            got.break_date, got.first_broken_off_by, got.first_broken_off_on, got.disputed,
            got.events, zlib.crc32(blob),
        ))  # fmt: skip
        blobs.append(blob)
    return tuple(heads), blobs


def dossier(head: Head, events: tuple[Event, ...]) -> Dossier:
    """The full record again, once its events are read."""
    return Dossier(
        head.id, head.title, head.domain, head.parties, head.status, head.broken_off_by,
        head.summary, events, head.aliases, head.forum, head.approach, head.third_parties,
        head.tags,
    )  # fmt: skip


_STATUSES = frozenset(STATUSES)


def heads_valid(heads: Iterable[Head], known: set[str]) -> bool:
    """Whether each of `heads` could be the head of a clean load whose actors are `known`:
    what a command that reads some heads checks of them.

    The checks of cache._consistent that need no event, and the shape every head takes when
    `derived` makes it from valid events: a status that some event set (so `since` is a
    date), no breaker while active, a breaker while strained, suspended or terminated, a
    break date exactly when there is a breaker, a first break whenever there was a break.
    """
    referenced: set[str | None] = set()
    days: set[str | None] = set()
    approaches: set[str] = set()
    for h in heads:
        if h.status not in _STATUSES or h.domain not in DOMAINS:
            return False
        if not h.parties or h.events < 1:
            return False
        referenced.update(h.parties)
        referenced.update(h.third_parties)
        referenced.add(h.broken_off_by)
        referenced.add(h.first_broken_off_by)
        approaches.update(h.approach)
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
    referenced.discard(None)
    days.discard(None)
    return (referenced <= known and approaches <= APPROACHES.keys()
            and dates_valid(days))  # type: ignore[arg-type]


def heads_consistent(heads: tuple[Head, ...], known: set[str]) -> bool:
    """Whether `heads` could be every head of a clean load (see heads_valid): besides,
    unique ids."""
    return len({h.id for h in heads}) == len(heads) and heads_valid(heads, known)


def events_of(head: Head, blob: bytes | memoryview, known: set[str]) -> tuple[Event, ...] | None:
    """The events of `head` from its blob, or None if anything about them is in doubt.

    The CRC comes from the checked heads; the decode checks every type; then the rules of
    cache._consistent for these events (real dates, known statuses and actors, the claims'
    actors known) and everything the head says of them, derived again and compared.
    """
    if zlib.crc32(blob) != head.check:
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
    # 255 for a value outside the vocabulary: never in a clean load, but a forger (or a test
    # playing one) may pack such a head, and every reader refuses it (heads_valid).
    rows = [(STATUS_CODES.get(h.status, 255), DOMAIN_CODES.get(h.domain, 255)) for h in heads]
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


# -- the body of a cache entry: columns, heads and blobs, each read when needed ---------------
# In order: the two columns, the ids (msgpack), the row offset and CRC tables (little-endian
# uint32, one more offset than rows), the blob offsets (`at`: little-endian uint64, one more
# than blobs), the rows, a msgpack array header for all the blobs ("events", so that a full
# read decodes every blob in one call), the event blobs. The rows
# are one msgpack Head each, after a msgpack array header for all of them: a command that
# reads some decodes each alone (from the offsets), one that reads all decodes the section
# in one call. The small sections each have a CRC in the Layout, and so do the rows and the
# blobs as a whole (for reading all); each row and each blob has its own, in the CRC table
# and in its head, so a command checks exactly the bytes it reads (benchmarks/README.md,
# "Read only what is needed").
SECTIONS = ("status", "domain", "ids", "offsets", "checks", "at", "rows", "events", "blobs")
_OWN_CHECKS = frozenset({"rows", "blobs"})  # checked a row or a blob at a time
ROWS_AT = 5  # msgpack array32: 0xdd, then the count in 4 bytes


def rows_prefix(count: int) -> bytes:
    return b"\xdd" + count.to_bytes(4, "big")


class Miss(ValueError):
    """Something read from the entry is in doubt: the load must start again, cold."""


class Layout(NamedTuple):
    dossiers: int  # how many
    lengths: tuple[int, ...]  # of each of SECTIONS, in bytes
    checks: tuple[int, ...]  # zlib.crc32 of each of SECTIONS (blobs: for a full read only)


def _offsets(start: int, lengths: Iterable[int]) -> list[int]:
    out = [start]
    for length in lengths:
        out.append(out[-1] + length)
    return out


def pack(heads: tuple[Head, ...], blobs: list[bytes]) -> tuple[Layout, list[bytes]]:
    """The layout and the sections of a body holding `heads` and their `blobs` (from
    `split`), to be written one after the other."""
    rows = [encode(h) for h in heads]
    cols = columns(heads)
    parts = {
        "status": cols.status, "domain": cols.domain, "ids": encode([h.id for h in heads]),
        "offsets": packed("I", _offsets(ROWS_AT, map(len, rows))),
        "checks": packed("I", (zlib.crc32(r) for r in rows)),
        "at": packed("Q", _offsets(0, map(len, blobs))),
        "rows": rows_prefix(len(rows)) + b"".join(rows), "events": rows_prefix(len(rows)),
        "blobs": b"".join(blobs),
    }  # fmt: skip
    ordered = [parts[name] for name in SECTIONS]
    checks = tuple(zlib.crc32(parts[name]) for name in SECTIONS)
    return Layout(len(heads), tuple(map(len, ordered)), checks), ordered


_head_decoder = msgspec.msgpack.Decoder(Head)
_heads_decoder = msgspec.msgpack.Decoder(tuple[Head, ...])
_ids_decoder = msgspec.msgpack.Decoder(list[str])
_all_events_decoder = msgspec.msgpack.Decoder(tuple[tuple[Event, ...], ...])


class Body:
    """A packed body over a buffer (an mmap of the entry, so that only the pages read are
    loaded, or bytes), whose parts are checked as they are first read. Anything in doubt
    raises Miss."""

    def __init__(self, layout: Layout, buffer: memoryview, known: set[str]) -> None:
        lengths = layout.lengths
        if (len(lengths) != len(SECTIONS) or len(layout.checks) != len(SECTIONS)
                or min(lengths, default=-1) < 0 or sum(lengths) != len(buffer)
                or layout.dossiers < 0):
            raise Miss("the layout does not describe the body")
        self.count = layout.dossiers
        self._known = known
        self._parts: dict[str, memoryview] = {}
        self._checked: dict[str, memoryview] = {}
        self._checks = dict(zip(SECTIONS, layout.checks, strict=True))
        at = 0
        for name, length in zip(SECTIONS, lengths, strict=True):
            self._parts[name] = buffer[at : at + length]
            at += length
        self._columns: Columns | None = None
        self._ids: list[str] | None = None
        self._events_span = buffer[at - lengths[-1] - lengths[-2] : at]  # events + blobs

    def _section(self, name: str) -> memoryview:
        part = self._checked.get(name)
        if part is None:
            part = self._parts[name]
            if name not in _OWN_CHECKS and zlib.crc32(part) != self._checks[name]:
                raise Miss(f"the {name} section is damaged")
            self._checked[name] = part
        return part

    def whole(self, name: str) -> memoryview:
        """Section `name` under its own CRC, even the rows and the blobs (for copying them
        whole: bodypatch.py)."""
        part = self._parts[name]
        if zlib.crc32(part) != self._checks[name]:
            raise Miss(f"the {name} section is damaged")
        return part

    def table(
        self, name: str, size: int, code: Literal["I", "Q"] = "I"
    ) -> memoryview[int] | array[int]:
        """Section `name` as a table of `size` unsigned integers of type `code`."""
        part = self._section(name)
        width = array(code).itemsize
        if len(part) != width * size:
            raise Miss(f"the {name} table has the wrong size")
        return unpacked(code, part) if sys.byteorder == "big" else part.cast(code)

    def columns(self) -> Columns:
        if self._columns is None:
            status, domain = self._section("status"), self._section("domain")
            if len(status) != self.count or len(domain) != self.count:
                raise Miss("a column has the wrong length")
            self._columns = Columns(status.tobytes(), domain.tobytes())
        return self._columns

    def ids(self) -> list[str]:
        """Every dossier's id, in order, checked unique (decoding them: 10-35 ms at 100,000
        dossiers)."""
        if self._ids is None:
            try:
                ids = _ids_decoder.decode(self._section("ids"))
            except msgspec.DecodeError:
                raise Miss("the ids do not decode") from None
            if len(ids) != self.count or len(set(ids)) != len(ids):
                raise Miss("the ids are not one unique id a dossier")
            self._ids = ids
        return self._ids

    def heads(self, indices: Iterable[int], *, ids: bool = True) -> list[Head]:
        """The heads of `indices` (from `candidates`), each row's CRC checked, the columns
        and the ids agreeing with it, and every head one valid events could give.

        `ids=False` skips decoding the ids (unique, and each row's its own): against damage
        the CRCs suffice; what it lets through is a forged table that lists one row twice.
        At 100,000 dossiers the ids cost a list 30-90 ms and 30 MiB (benchmarks/README.md)."""
        offsets = self.table("offsets", self.count + 1)
        checks = self.table("checks", self.count)
        rows = self._section("rows")
        if (offsets[0] != ROWS_AT or offsets[self.count] != len(rows)
                or rows[:ROWS_AT] != rows_prefix(self.count)):
            raise Miss("the row table does not fill the rows")
        cols, names = self.columns(), (self.ids() if ids else None)
        decode, crc = _head_decoder.decode, zlib.crc32
        out = []
        try:
            for i in indices:
                start, end = offsets[i], offsets[i + 1]
                row = rows[start:end]
                if start > end or crc(row) != checks[i]:
                    raise Miss(f"row {i} is damaged")
                head = decode(row)
                if (names is not None and head.id != names[i]) or not columns_agree(
                        cols, i, head):
                    raise Miss(f"row {i} disagrees with the columns")
                out.append(head)
        except (IndexError, msgspec.DecodeError):
            raise Miss("a row is out of place") from None
        if not heads_valid(out, self._known):
            raise Miss("a head no valid events could give")
        return out

    def all_heads(self) -> tuple[Head, ...]:
        """Every head, the rows decoded in one call under the CRC of the whole section (no
        table read: a lookup through them checks them, `heads`), and all of `heads_consistent`
        and the columns checked against them."""
        rows = self._parts["rows"]
        if zlib.crc32(rows) != self._checks["rows"]:
            raise Miss("the rows are damaged")
        try:
            every = _heads_decoder.decode(rows)
        except msgspec.DecodeError:
            raise Miss("the rows do not decode") from None
        if len(every) != self.count or columns(every) != self.columns():
            raise Miss("the rows disagree with the columns")
        if not heads_consistent(every, self._known):
            raise Miss("the heads are not those of a clean load")
        return every

    def blob(self, index: int) -> memoryview:
        """The events of dossier `index`, encoded. Not checked here: a table that puts a
        blob out of place gives bytes whose CRC is not its head's (`events` checks it)."""
        at = self.table("at", self.count + 1, "Q")
        return self._parts["blobs"][at[index] : at[index + 1]]

    def events(self, index: int, head: Head) -> tuple[Event, ...]:
        """The events of dossier `index`, whose head is `head` (as `heads` returned it),
        checked against it."""
        events = events_of(head, self.blob(index), self._known)
        if events is None:
            raise Miss(f"the events of {head.id} are in doubt")
        return events

    def all_events(self) -> tuple[tuple[Event, ...], ...]:
        """Every dossier's events, in order, decoded in one call (the array header of the
        events section, then the blobs) under the CRC of both: for a full read, which checks
        the dossiers they make (cache._consistent) rather than each against its head."""
        if (self._section("events") != rows_prefix(self.count)
                or zlib.crc32(self._parts["blobs"]) != self._checks["blobs"]):
            raise Miss("the events are damaged")
        try:
            every = _all_events_decoder.decode(self._events_span)
        except msgspec.DecodeError:
            raise Miss("the events do not decode") from None
        if len(every) != self.count:
            raise Miss("the events are not one list a dossier")
        return every
