"""Issue 19, item 2: what a warm command would cost if it read only what it needs.

A prototype outside the package, run by hand. It writes three layouts of the same validated
dataset (a generated ledger, loaded once through the real loader and cache) and times reading
them, in this process (best of several, collector off, as the console script runs) and as a
fresh process (wall time and peak resident memory from wait4(2), as scale.py measures):

* **full**: today's cache body, the whole `cache.Payload` decoded by msgspec, then
  `cache._consistent`'s invariant checks (what every warm command pays now).
* **heads**: one section of dossier heads (every field `list`, `stats` and the filters read,
  with the derived `since`, last break date, first break and `disputed` stored, and the
  offset, length and CRC-32 of the dossier's events), CRC-32 over that section only; then
  one msgpack blob per dossier's events. A command reads the heads section with one seek and
  read, and one blob for `show` (seek, read, CRC, decode, checks against its head). Variant
  **heads-nosummary**: the dossier summaries in a section of their own, read only by
  `--search` (and `show`), so `list` decodes less.
* **columns**: the heads layout turned sideways where a filter needs it: a status column
  (one byte a dossier), an ids column, an offset table and a CRC-32 table (uint32 arrays,
  read as memoryviews without decoding), then one msgpack head a dossier, read through mmap
  and decoded only for the rows a filter keeps, then the event blobs. Every byte read is
  under a CRC: each small section's own, each row's and each blob's from the tables.
* **sqlite**: the heads as rows of an SQLite table indexed on status and id (the head also
  as one msgpack blob a row), the events a msgpack blob per dossier in a second table;
  `list --status suspended` as an indexed query whose rows are then decoded and checked.

In every layout the number each operation returns is compared with the others': they read
the same dossiers.

    python benchmarks/lazy_prototype.py 10000            # build (first time) and measure
    python benchmarks/lazy_prototype.py 100000 --runs 5

Nothing here is imported by compartment; the package's code is only called (loader, cache).
"""

from __future__ import annotations

import argparse
import gc
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import NamedTuple

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
import scale
from compartment.data.dataset import (
    Actor,
    Dataset,
    Dossier,
    Event,
    Publisher,
    derive_breaks,
    derive_state,
)

WORK = Path(tempfile.gettempdir()) / "compartment-lazy-prototype"
_LENGTH = 4


class Head(NamedTuple):
    """What `list`, `stats` (dossier fields) and every `--as-of`-free filter read."""

    id: str
    title: str
    domain: str
    parties: tuple[str, ...]
    status: str
    broken_off_by: str | None
    summary: str  # "" in the heads-nosummary variant
    aliases: tuple[str, ...]
    forum: str | None
    approach: tuple[str, ...]
    third_parties: tuple[str, ...]
    tags: tuple[str, ...]
    since: str | None  # derived: the date of the last status-setting event
    break_date: str | None  # derived: the date of the event that made broken_off_by
    first_broken_off_by: str | None  # derived: the first break's actor
    first_broken_off_on: str | None  # and its date
    disputed: bool  # derived: the claims blame two actors or more
    events: int  # how many events the blob holds
    offset: int  # of the blob, from the start of the blobs section
    length: int
    check: int  # zlib.crc32 of the blob


class WarningRow(NamedTuple):
    line: int
    column: int
    path: tuple[str | int, ...]
    where: str
    code: str
    message: str


class Heads(NamedTuple):
    actors: tuple[Actor, ...]
    publishers: tuple[Publisher, ...]
    warnings: tuple[WarningRow, ...]
    heads: tuple[Head, ...]


class HeadsHeader(NamedTuple):
    format: int
    key: str
    heads_length: int
    heads_check: int
    summaries_length: int  # 0 when summaries stay in the heads
    summaries_check: int
    blobs_length: int


# -- building -------------------------------------------------------------------------------


def dataset_of(n: int) -> Dataset:
    """The generated ledger of n dossiers, through the real loader (cached in WORK)."""
    from compartment.data import loader

    os.environ["COMPARTMENT_CACHE_DIR"] = str(WORK / "cache")
    path = generate.ensure(n)
    os.environ["COMPARTMENT_MAX_BYTES"] = str(path.stat().st_size + (1 << 20))
    result = loader.load(path)
    assert result.dataset is not None and not result.errors
    return result.dataset


def head_of(d: Dossier, summary: bool, offset: int, blob: bytes) -> Head:
    state = derive_state(d.events)
    breaks = derive_breaks(d.events)
    blamed = {c.blames for e in d.events for c in e.claims if c.blames is not None}
    return Head(
        d.id, d.title, d.domain, d.parties, d.status, d.broken_off_by,
        d.summary if summary else "", d.aliases, d.forum, d.approach, d.third_parties, d.tags,
        state.since, state.break_date, breaks[0].actor if breaks else None,
        breaks[0].date if breaks else None, len(blamed) > 1, len(d.events), offset,
        len(blob), zlib.crc32(blob),
    )  # fmt: skip


def write_full(data: Dataset, path: Path) -> None:
    from compartment.store import cache

    body = msgspec.msgpack.encode(cache.Payload(
        tuple(data.actors.values()), data.dossiers, (), tuple(data.publishers.values())))
    path.write_bytes(body)


def write_heads(data: Dataset, path: Path, summary: bool) -> None:
    encode = msgspec.msgpack.Encoder().encode
    blobs, heads, offset = [], [], 0
    for d in data.dossiers:
        blob = encode(d.events)
        heads.append(head_of(d, summary, offset, blob))
        blobs.append(blob)
        offset += len(blob)
    section = encode(Heads(tuple(data.actors.values()), tuple(data.publishers.values()), (),
                           tuple(heads)))
    summaries = b"" if summary else encode([d.summary for d in data.dossiers])
    header = encode(HeadsHeader(1, "sha256:x", len(section), zlib.crc32(section),
                                len(summaries), zlib.crc32(summaries), offset))
    with path.open("wb") as out:
        out.write(len(header).to_bytes(_LENGTH, "big"))
        out.write(header)
        out.write(section)
        out.write(summaries)
        for blob in blobs:
            out.write(blob)


SQL_COLUMNS = ("id", "title", "domain", "parties", "status", "broken_off_by", "summary",
               "aliases", "forum", "approach", "third_parties", "tags", "since", "break_date",
               "first_broken_off_by", "first_broken_off_on", "disputed")
LISTS = {"parties", "aliases", "approach", "third_parties", "tags"}


def write_sqlite(data: Dataset, path: Path) -> None:
    path.unlink(missing_ok=True)
    encode = msgspec.msgpack.Encoder().encode
    db = sqlite3.connect(path)
    cols = ", ".join(f"{c} {'BLOB' if c in LISTS else 'TEXT'}" for c in SQL_COLUMNS)
    db.execute(f"CREATE TABLE heads (n INTEGER PRIMARY KEY, {cols}, head BLOB)")
    db.execute("CREATE TABLE blobs (n INTEGER PRIMARY KEY, events BLOB)")
    rows, blobs = [], []
    for i, d in enumerate(data.dossiers):
        h = head_of(d, True, 0, b"")
        rows.append((i, *(encode(v) if c in LISTS else v
                          for c, v in zip(SQL_COLUMNS, h, strict=False)), encode(h)))
        blobs.append((i, encode(d.events)))
    marks = ", ".join("?" * (len(SQL_COLUMNS) + 2))
    db.executemany(f"INSERT INTO heads VALUES ({marks})", rows)
    db.executemany("INSERT INTO blobs VALUES (?, ?)", blobs)
    db.execute("CREATE UNIQUE INDEX heads_id ON heads (id)")
    db.execute("CREATE INDEX heads_status ON heads (status)")
    db.commit()
    db.execute("VACUUM")
    db.close()


# The columns layout: a small msgpack header of section lengths and CRCs, then sections:
# meta (actors, publishers, warnings: msgpack), status (one byte a dossier: its index in
# STATUSES), ids (msgpack list of str), offsets and checks (little-endian uint32 a dossier,
# plus one: where each head starts in the heads section, and its CRC-32), heads (one msgpack
# Head a dossier, decoded only when read), blobs (the events, as in the heads layout).
SECTIONS = ("meta", "status", "ids", "offsets", "checks", "heads", "blobs")


class ColumnsHeader(NamedTuple):
    format: int
    key: str
    count: int
    lengths: tuple[int, ...]  # one per SECTIONS
    checks: tuple[int, ...]  # CRC-32 of each section but heads and blobs (checked a row each)


def write_columns(data: Dataset, path: Path) -> None:
    from array import array

    from compartment.data.vocab import STATUSES

    encode = msgspec.msgpack.Encoder().encode
    codes = {s: i for i, s in enumerate(STATUSES)}
    blobs, rows, offset = [], [], 0
    for d in data.dossiers:
        blob = encode(d.events)
        rows.append(encode(head_of(d, True, offset, blob)))
        blobs.append(blob)
        offset += len(blob)
    starts = array("I", [0])
    for row in rows:
        starts.append(starts[-1] + len(row))
    sections = {
        "meta": encode(Heads(tuple(data.actors.values()), tuple(data.publishers.values()), (),
                             ())),
        "status": bytes(codes[d.status] for d in data.dossiers),
        "ids": encode([d.id for d in data.dossiers]),
        "offsets": starts.tobytes(),
        "checks": array("I", [zlib.crc32(r) for r in rows]).tobytes(),
        "heads": b"".join(rows),
        "blobs": b"".join(blobs),
    }
    header = encode(ColumnsHeader(
        1, "sha256:x", len(data.dossiers), tuple(len(sections[k]) for k in SECTIONS),
        tuple(zlib.crc32(sections[k]) if k not in ("heads", "blobs") else 0 for k in SECTIONS),
    ))  # fmt: skip
    with path.open("wb") as out:
        out.write(len(header).to_bytes(_LENGTH, "big"))
        out.write(header)
        for k in SECTIONS:
            out.write(sections[k])


_columns_header = msgspec.msgpack.Decoder(ColumnsHeader)


class Columns(NamedTuple):
    header: ColumnsHeader
    at: dict[str, int]  # where each section starts in the file
    mm: object  # the mmap


def open_columns(path: Path) -> Columns:
    import mmap

    with path.open("rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    size = int.from_bytes(mm[:_LENGTH], "big")
    header = _columns_header.decode(mm[_LENGTH:_LENGTH + size])
    at, pos = {}, _LENGTH + size
    for k, length in zip(SECTIONS, header.lengths, strict=True):
        at[k] = pos
        pos += length
    if pos != len(mm):
        raise ValueError("sections do not fill the entry")
    return Columns(header, at, mm)


def section(c: Columns, name: str, checked: bool = True) -> memoryview:
    i = SECTIONS.index(name)
    view = memoryview(c.mm)[c.at[name]:c.at[name] + c.header.lengths[i]]  # type: ignore[arg-type]
    if checked and zlib.crc32(view) != c.header.checks[i]:
        raise ValueError(f"{name} damaged")
    return view


def columns_rows(c: Columns, indices: list[int]) -> list[Head]:
    """The heads of `indices`: each row's bytes read through the mmap, CRC'd, decoded."""
    from compartment.data.vocab import DOMAINS, STATUSES

    offsets = section(c, "offsets").cast("I")
    checks = section(c, "checks").cast("I")
    rows = section(c, "heads", checked=False)
    if len(offsets) != c.header.count + 1 or offsets[-1] != len(rows):
        raise ValueError("offsets")
    decode = _head_decoder.decode
    crc = zlib.crc32
    out = []
    for i in indices:
        row = rows[offsets[i]:offsets[i + 1]]
        if crc(row) != checks[i]:
            raise ValueError("row damaged")
        out.append(decode(row))
    if not {h.status for h in out} <= STATUSES.keys() or not {
            h.domain for h in out} <= DOMAINS.keys():
        raise ValueError("vocabulary")
    return out


def read_columns(path: Path, op: str, ident: str) -> int:
    from compartment.data.vocab import STATUSES

    c = open_columns(path)
    meta = msgspec.msgpack.decode(section(c, "meta"), type=Heads)
    known = {a.id for a in meta.actors}
    status = section(c, "status")
    if op == "list":
        code = list(STATUSES).index("suspended")
        wanted = [i for i, s in enumerate(status.tobytes()) if s == code]
        heads = columns_rows(c, wanted)
        for h, i in zip(heads, wanted, strict=True):  # the column agrees with the row
            if list(STATUSES).index(h.status) != status[i]:
                raise ValueError("status column")
        assert all(set(h.parties) <= known for h in heads)
        return sum(1 for h in heads if h.status == "suspended")
    ids = msgspec.msgpack.decode(section(c, "ids"), type=list[str])
    if len(ids) != c.header.count or len(set(ids)) != len(ids):
        raise ValueError("ids")
    if op == "show":
        (head,) = columns_rows(c, [ids.index(ident)])
        blobs = section(c, "blobs", checked=False)
        blob = blobs[head.offset:head.offset + head.length]
        if zlib.crc32(blob) != head.check:
            raise ValueError("blob damaged")
        return len(_events_decoder.decode(blob))
    return len(columns_rows(c, list(range(c.header.count))))


# The body layout: compartment.heads' own (pack and Body), behind a header holding its Layout
# and the meta section (actors, publishers, warnings), as cache.py would write it.
class BodyHeader(NamedTuple):
    format: int
    key: str
    layout: tuple[int, tuple[int, ...], tuple[int, ...]]
    meta_length: int
    meta_check: int


def write_body(data: Dataset, path: Path) -> None:
    from compartment.store import heads as hd

    encode = msgspec.msgpack.Encoder().encode
    hs, blobs = hd.split(data.dossiers)
    layout, parts = hd.pack(hs, blobs)
    meta = encode(Heads(tuple(data.actors.values()), tuple(data.publishers.values()), (), ()))
    header = encode(BodyHeader(1, "sha256:x", tuple(layout), len(meta),  # type: ignore[arg-type]
                               zlib.crc32(meta)))
    with path.open("wb") as out:
        out.write(len(header).to_bytes(_LENGTH, "big"))
        out.write(header)
        out.write(meta)
        for part in parts:
            out.write(part)


def read_body(path: Path, op: str, ident: str, ids: bool = True) -> int:
    """The real thing: compartment.heads.Body over an mmap, every check it makes, then
    query.select over the heads it gives (the columns only narrow)."""
    import mmap

    from compartment.store import heads as hd
    from compartment.views import query

    with path.open("rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    view = memoryview(mm)
    size = int.from_bytes(view[:_LENGTH], "big")
    header = msgspec.msgpack.decode(view[_LENGTH:_LENGTH + size], type=BodyHeader)
    at = _LENGTH + size
    meta_bytes = view[at:at + header.meta_length]
    if zlib.crc32(meta_bytes) != header.meta_check:
        raise ValueError("meta damaged")
    meta = msgspec.msgpack.decode(meta_bytes, type=Heads)
    body = hd.Body(hd.Layout(*header.layout), view[at + header.meta_length:],
                   {a.id for a in meta.actors})
    data = Dataset({a.id: a for a in meta.actors}, ())
    if op == "list":
        filters = query.Filters(statuses=["suspended"])
        picked = body.heads(hd.candidates(body.columns(), filters), ids=ids)
        return len(query.select(data._replace(dossiers=tuple(picked)), filters))  # type: ignore[arg-type]
    if op == "show":
        (head,) = body.heads([body.ids().index(ident)])
        return len(body.events(head))
    return len(body.all_heads())


def build(n: int) -> dict[str, Path]:
    """The layouts' files for n dossiers, each written if it does not exist yet."""
    folder = WORK / str(n)
    paths = {name: folder / f"{name}.bin"
             for name in ("full", "heads", "heads-nosummary", "columns", "body")}
    paths["sqlite"] = folder / "cache.sqlite"
    missing = [name for name, path in paths.items() if not path.exists()]
    if not missing:
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    data = dataset_of(n)
    writers = {
        "full": write_full,
        "heads": lambda d, p: write_heads(d, p, summary=True),
        "heads-nosummary": lambda d, p: write_heads(d, p, summary=False),
        "columns": write_columns,
        "body": write_body,
        "sqlite": write_sqlite,
    }
    for name in missing:
        writers[name](data, paths[name])
    return paths


def layouts(n: int) -> dict[str, Path]:
    """What to measure: each layout's file, and the body once more read without the ids."""
    paths = build(n)
    return {**paths, "body-noids": paths["body"]}


# -- reading --------------------------------------------------------------------------------

_header_decoder = msgspec.msgpack.Decoder(HeadsHeader)
_heads_decoder = msgspec.msgpack.Decoder(Heads)
_events_decoder = msgspec.msgpack.Decoder(tuple[Event, ...])
_summaries_decoder = msgspec.msgpack.Decoder(list[str])


def read_full(path: Path) -> tuple[Dataset, bool]:
    from compartment.store import cache

    body = path.read_bytes()
    zlib.crc32(body)  # today's read checks the whole body
    payload = msgspec.msgpack.decode(body, type=cache.Payload)
    ok = cache._consistent(payload)
    return Dataset({a.id: a for a in payload.actors}, payload.dossiers), ok


class Opened(NamedTuple):
    fh: object
    header: HeadsHeader
    heads: Heads
    blobs_at: int


def open_heads(path: Path) -> Opened:
    """The header and the heads section: one read each, CRC over the heads only."""
    fh = path.open("rb")
    size = int.from_bytes(fh.read(_LENGTH), "big")
    header = _header_decoder.decode(fh.read(size))
    section = fh.read(header.heads_length)
    if zlib.crc32(section) != header.heads_check:
        raise ValueError("heads damaged")
    heads = _heads_decoder.decode(section)
    del section
    blobs_at = _LENGTH + size + header.heads_length + header.summaries_length
    return Opened(fh, header, heads, blobs_at)


def heads_consistent(opened: Opened) -> bool:
    """The checks of cache._consistent that need no event, plus the table's own shape."""
    from compartment.data.vocab import APPROACHES, BLOCS, BREAKING_STATUSES, DOMAINS, STATUSES
    from compartment.store.cache import dates_valid

    heads = opened.heads.heads
    actors = opened.heads.actors
    known = {a.id for a in actors}
    if len(known) != len(actors) or not {a.bloc for a in actors} <= BLOCS.keys():
        return False
    if len({h.id for h in heads}) != len(heads):
        return False
    if not {h.domain for h in heads} <= DOMAINS.keys() or not {h.status for h in heads} <= set(
            STATUSES):
        return False
    referenced: set[str | None] = set()
    dates: set[str] = set()
    offset = 0
    for h in heads:
        if not h.parties or h.events < 1 or h.offset != offset or h.length < 1:
            return False
        offset += h.length
        referenced.update(h.parties, h.third_parties)
        referenced.add(h.broken_off_by)
        referenced.add(h.first_broken_off_by)
        # What the events could have derived: a head no valid event list gives is a miss.
        if h.since is None:
            return False
        dates.add(h.since)
        if h.status == "active" and h.broken_off_by is not None:
            return False
        if h.status in BREAKING_STATUSES and (h.broken_off_by is None or h.break_date is None):
            return False
        if (h.broken_off_by is None) != (h.break_date is None):
            return False
        if h.broken_off_by is not None and h.first_broken_off_by is None:
            return False
        if (h.first_broken_off_by is None) != (h.first_broken_off_on is None):
            return False
        for day in (h.break_date, h.first_broken_off_on):
            if day is not None:
                dates.add(day)
        if not set(h.approach) <= APPROACHES.keys():
            return False
    if offset != opened.header.blobs_length:
        return False
    referenced.discard(None)
    return referenced <= known and dates_valid(dates)


def events_of(opened: Opened, head: Head) -> tuple[Event, ...]:
    """One dossier's events: seek, read, CRC from the (checked) heads, decode, re-derive."""
    fh = opened.fh
    fh.seek(opened.blobs_at + head.offset)  # type: ignore[attr-defined]
    blob = fh.read(head.length)  # type: ignore[attr-defined]
    if zlib.crc32(blob) != head.check:
        raise ValueError("blob damaged")
    events = _events_decoder.decode(blob)
    state = derive_state(events)
    breaks = derive_breaks(events)
    blamed = {c.blames for e in events for c in e.claims if c.blames is not None}
    derived = (len(events), state.status, state.broken_off_by, state.since, state.break_date,
               breaks[0].actor if breaks else None, breaks[0].date if breaks else None,
               len(blamed) > 1)
    stored = (head.events, head.status, head.broken_off_by, head.since, head.break_date,
              head.first_broken_off_by, head.first_broken_off_on, head.disputed)
    if derived != stored:
        raise ValueError("blob disagrees with its head")
    # The rest of _consistent's event checks (dates, statuses, actors known) would run here
    # on these few events.
    return events


_head_decoder = msgspec.msgpack.Decoder(Head)


def read_sqlite_list(path: Path) -> int:
    """The suspended dossiers' whole heads (a msgpack blob a row), decoded and checked as
    the rows a Python filter would then read: the index narrows, Python decides."""
    from compartment.data.vocab import DOMAINS, STATUSES

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    decode = _head_decoder.decode
    heads = [decode(blob) for (blob,) in db.execute(
        "SELECT head FROM heads WHERE status = ? ORDER BY n", ("suspended",))]
    db.close()
    assert {h.status for h in heads} <= STATUSES.keys()
    assert {h.domain for h in heads} <= DOMAINS.keys()
    return sum(1 for h in heads if h.status == "suspended")


def read_sqlite_heads(path: Path) -> int:
    decode = msgspec.msgpack.decode
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    cols = ", ".join(SQL_COLUMNS)
    heads = [
        tuple(decode(v) if c in LISTS else v for c, v in zip(SQL_COLUMNS, row, strict=True))
        for row in db.execute(f"SELECT {cols} FROM heads ORDER BY n")
    ]
    db.close()
    return len(heads)


def read_sqlite_show(path: Path, ident: str) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    (blob,) = db.execute("SELECT events FROM blobs JOIN heads USING (n) WHERE id = ?",
                         (ident,)).fetchone()
    db.close()
    return len(_events_decoder.decode(blob))


OPS = ("list", "show", "heads", "decode")


def operation(layout: str, op: str, path: Path, ident: str) -> int:
    """Run one read; the number it returns is checked against the other layouts'.

    list: the dossiers whose status is suspended; show: one dossier's events; heads: every
    dossier's head fields (for sqlite, as rows a filter in Python would read); decode: the
    decode alone, without the invariant checks."""
    if op == "decode":
        if layout == "full":
            from compartment.store import cache

            return len(msgspec.msgpack.decode(path.read_bytes(), type=cache.Payload).dossiers)
        if layout in ("columns", "body"):  # (for body the same as "heads": all_heads)
            return (read_columns if layout == "columns" else read_body)(path, "heads", ident)
        return len(open_heads(path).heads.heads)
    if layout == "full":
        data, ok = read_full(path)
        assert ok
        if op == "list":
            return sum(1 for d in data.dossiers if d.status == "suspended")
        if op == "show":
            found = data.get(ident)
            assert found is not None
            return len(found.events)
        return len(data.dossiers)
    if layout == "columns":
        return read_columns(path, op, ident)
    if layout == "body":
        return read_body(path, op, ident)
    if layout == "body-noids":
        return read_body(path, op, ident, ids=False)
    if layout == "sqlite":
        if op == "list":
            return read_sqlite_list(path)
        if op == "show":
            return read_sqlite_show(path, ident)
        return read_sqlite_heads(path)
    opened = open_heads(path)
    assert heads_consistent(opened)
    heads = opened.heads.heads
    if op == "list":
        return sum(1 for h in heads if h.status == "suspended")
    if op == "show":
        head = next(h for h in heads if h.id == ident)
        return len(events_of(opened, head))
    return len(heads)


# -- measuring ------------------------------------------------------------------------------
# Every measurement runs in a child process, and this one never loads the data: a child
# starts with its parent's peak resident size as its own (wait4's ru_maxrss is the larger of
# the two), so a parent that had decoded the dataset would lift every child's figure.


def child(argv: list[str]) -> None:
    """The fresh-process side: import, run one operation, print its in-process time."""
    layout, op, path, ident = argv
    # What every warm command imports anyway, imported before the clock starts, so that the
    # in-process figure is the read alone (the wall time still counts them).
    import compartment.store.cache
    import compartment.store.heads
    import compartment.views.query  # noqa: F401

    gc.disable()  # as the console script loads
    start = time.perf_counter()
    result = operation(layout, op, Path(path), ident)
    print(f"{(time.perf_counter() - start) * 1000:.2f} {result}")


def fresh(layout: str, op: str, path: Path, ident: str,
          runs: int) -> tuple[list[float], list[float], int, int]:
    """Wall times, in-process times, peak KiB and the operation's result over `runs`."""
    argv = [sys.executable, __file__, "--child", layout, op, str(path), ident]
    walls, inner, peak, result = [], [], 0, -1
    for _ in range(runs):
        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            walls.append(time.perf_counter() - start)
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                raise SystemExit(f"{layout} {op} failed ({proc.returncode})")
            out.seek(0)
            ms, count = out.read().split()
        inner.append(float(ms) / 1000)
        peak = max(peak, usage.ru_maxrss)
        result = int(count)
    return walls, inner, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.build:
        build(args.n)
        return
    subprocess.run([sys.executable, __file__, str(args.n), "--build"], check=True)
    paths = layouts(args.n)  # built: only their paths
    _, _, ident = scale.scan(generate.default_path(args.n))
    print(scale.machine())
    print(scale.revision())
    print(f"load average at the start: {scale.loadavg()}")
    print(f"{args.n:,} dossiers; show {ident}; {args.runs} runs each, medians (min-max); sizes: "
          + ", ".join(f"{k} {p.stat().st_size / 1e6:.1f} MB" for k, p in paths.items()))
    print(f"{'':26}{'in process, ms':>22}{'fresh process, ms':>24}{'peak MiB':>10}")
    floor = [sys.executable, "-c", "import msgspec, compartment.dataset"]
    times, peak = scale.measure(floor, args.runs, dict(os.environ), codes=(0,))
    print(f"{'python + msgspec + dataset':26}{'':22}{statistics.median(times) * 1000:10.0f} "
          f"({min(times) * 1000:.0f}-{max(times) * 1000:.0f}){peak / 1024:10.0f}")
    expected: dict[str, int] = {}
    for op in OPS:
        for layout, path in paths.items():
            if (op == "decode" and layout == "sqlite") or (
                    layout == "body-noids" and op != "list"):
                continue
            walls, inner, peak, result = fresh(layout, op, path, ident, args.runs)
            if op != "decode":
                assert expected.setdefault(op, result) == result, (layout, op, result)
            spread = f"({min(inner) * 1000:.0f}-{max(inner) * 1000:.0f})"
            wall = f"({min(walls) * 1000:.0f}-{max(walls) * 1000:.0f})"
            print(f"{op + ' ' + layout:26}{statistics.median(inner) * 1000:10.1f} {spread:>11}"
                  f"{statistics.median(walls) * 1000:10.0f} {wall:>13}{peak / 1024:10.0f}",
                  flush=True)
    print(f"load average at the end: {scale.loadavg()}")


if __name__ == "__main__":
    main()
