"""A cache of the validated dataset, keyed by the data file's content.

A warm command reads the cache instead of parsing YAML and validating with pydantic, and
imports neither: that is most of a command's start-up time (see benchmarks/).

**Freshness.** The key is a digest of the file's bytes (see `digest`). Hashing a 230 MB ledger
costs a read and 0.3 s, so each entry also records a stamp of the file's status (size,
modification and change times in nanoseconds, inode, device), and a load whose stamp matches
skips reading the data file at all. The change time (ctime) cannot be set back by `touch` or
`os.utime`, so an edit that restores size and mtime still misses the stamp and falls back to
the hash. A stamp is only recorded once the file is older than `RACY_SECONDS` (the "racy git"
rule): a file rewritten within one timestamp tick of the last write keeps its times, and
trusting such a stamp could serve the old content. Until then every load hashes, and the
first hashed hit after the window records the stamp.

**Format.** One file per data file: a 4-byte length, a small header (`Header`), then the
dataset, all in MessagePack through msgspec. msgspec decodes the records straight into the
named tuples of dataset.py, in C, with their types checked: for 10,000 dossiers that took
31 ms against 173 ms for the JSON rows and tuple rebuilding it replaces, and at 100,000 it
needs no second copy of the data in lists (benchmarks/README.md). It is safe to decode
untrusted bytes, unlike pickle or marshal.

Only clean loads are cached (warnings are kept, errors are not), so a cached answer is
always the answer a cold load would give. A cache that is stale, corrupt, unreadable or
written by another version of compartment is ignored and rewritten; failing to write one is
never an error.

**Distrust.** Anyone who can write the cache folder can put anything there, and a disk can
damage what was written. So an entry is opened without following a symlink and without
blocking (a FIFO would hang the command), must be a regular file no larger than the data file
could produce (`size_limit`: a symlink to /dev/zero would fill memory), must hold exactly the
body its header describes (length and CRC-32: truncation, bit flips), and what it decodes
must pass the invariants of a clean load (`_consistent`: the vocabularies, real dates,
unique ids, events present, derived fields, known actors), so that no command meets data
that validation would have refused. Any doubt is a miss: the cold load that follows rewrites
the entry. A forged entry that passes all of this is a dataset validation would accept; the
cache cannot tell it from the truth, any more than it can tell a forged data file.
"""

from __future__ import annotations

import os
import re
import stat
import time
import zlib
from datetime import date as _date
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import msgspec

from compartment import __version__
from compartment.dataset import Actor, Claim, Dataset, Dossier, Publisher
from compartment.errors import UNSAFE_CHARS, Location, Problem, Severity
from compartment.segments import DIGEST_SIZE, Segments
from compartment.vocab import (
    APPROACHES,
    BLOCS,
    BREAKING_STATUSES,
    DOMAINS,
    PUBLISHER_KINDS,
    STATUSES,
)

try:  # hashlib's own BLAKE2, without hashlib loading OpenSSL first (3 ms of every start)
    from _blake2 import blake2b
except ImportError:  # another Python implementation
    from hashlib import blake2b

if TYPE_CHECKING:
    from collections.abc import Callable

CACHE_ENV = "COMPARTMENT_CACHE_DIR"
FORMAT = 8  # bump when the layout of an entry changes
SUFFIX = ".cache"
RACY_SECONDS = 3.0  # above the coarsest common timestamp resolution (FAT: 2 s)
# On Windows st_ctime is the file's creation time, which an edit in place does not change,
# so a stamp there cannot catch an edit that restores size and mtime: always hash.
STAMPS_TRUSTED = os.name != "nt"


class Stamp(NamedTuple):
    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int


class Header(NamedTuple):
    format: int
    version: str
    key: str
    stamp: Stamp | None
    length: int  # of the body: a cut or extended entry is a miss before decoding
    check: int  # zlib.crc32 of the body: 9 ms for 16 MB at 10,000 dossiers


class WarningRow(NamedTuple):
    line: int
    column: int
    path: tuple[str | int, ...]
    where: str
    code: str
    message: str


class Payload(NamedTuple):
    actors: tuple[Actor, ...]
    dossiers: tuple[Dossier, ...]
    warnings: tuple[WarningRow, ...]
    publishers: tuple[Publisher, ...] = ()
    # Where each dossier's text lay, for an incremental load after an edit (incremental.py);
    # None when the file's layout was not verified (segments.py).
    segments: Segments | None = None


_LENGTH = 4  # bytes of the big-endian header length that opens an entry
_MAX_HEADER = 4096
# The largest entry a data file of N bytes can produce is SIZE_FACTOR * N + SIZE_SLACK. The
# MessagePack body is smaller than the YAML it comes from: 0.65-0.75 of it for the shipped
# data, tests/sample.yaml and generated 1k and 10k ledgers (benchmarks/generate.py). What
# can grow: each unused actor becomes a warning that repeats its id three more times, about
# 3.9 times its line in the file with the longest ids (tests/test_cache.py builds that case),
# and escapes such as "\\L" (2 bytes) become 3-byte characters. 8 leaves room for both;
# the slack covers the header and a tiny file.
SIZE_FACTOR = 8
SIZE_SLACK = 64 * 1024
# Open flags: never follow a symlink (O_NOFOLLOW fails with ELOOP), never wait for a writer
# (O_NONBLOCK: opening a FIFO for reading would otherwise block until one comes). Both
# are POSIX; Windows has neither, and gets a symlink check before opening instead.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def cache_dir() -> Path:
    """$COMPARTMENT_CACHE_DIR, else $XDG_CACHE_HOME/compartment, else ~/.cache/compartment."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "compartment"


def digest(raw: bytes) -> str:
    """The content key. BLAKE2b needs no OpenSSL, which saves 3 ms of every small command;
    above a megabyte OpenSSL's SHA-256 (hardware-assisted on most CPUs) is the faster one:
    330 ms against 130 ms for a 230 MB ledger (benchmarks/README.md)."""
    if len(raw) < 1 << 20:
        return "blake2b:" + blake2b(raw, digest_size=32).hexdigest()
    import hashlib

    return "sha256:" + hashlib.sha256(raw).hexdigest()


def stamp_of(info: os.stat_result) -> Stamp:
    return Stamp(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def _trusted_stamp(info: os.stat_result) -> Stamp | None:
    """The stamp to record, or None while the file is too recent for its times to be trusted."""
    newest = max(info.st_mtime_ns, info.st_ctime_ns)
    if not STAMPS_TRUSTED or time.time_ns() - newest < RACY_SECONDS * 1e9:
        return None
    return stamp_of(info)


def entry_path(data_path: Path) -> Path:
    # One entry per data file, so a second ledger does not evict the first.
    name = blake2b(str(data_path.resolve()).encode("utf-8", "surrogatepass"), digest_size=16)
    return cache_dir() / f"{name.hexdigest()}{SUFFIX}"


_header_decoder = msgspec.msgpack.Decoder(Header)


def size_limit(data_size: int) -> int:
    """The most bytes an entry for a data file of `data_size` bytes may have."""
    return SIZE_FACTOR * data_size + SIZE_SLACK


def _read_entry(entry: Path, limit: int) -> bytes | None:
    """The entry's bytes if it is a regular file of at most `limit` bytes, else None."""
    try:
        if not hasattr(os, "O_NOFOLLOW") and entry.is_symlink():
            return None
        fd = os.open(entry, _OPEN_FLAGS)
    except OSError:  # absent, a symlink (ELOOP), unreadable
        return None
    with os.fdopen(fd, "rb") as fh:  # closes fd, whatever happens
        info = os.fstat(fd)
        # A FIFO, a device (even through a hard link), a socket, a folder: never read.
        if not stat.S_ISREG(info.st_mode) or not 0 < info.st_size <= limit:
            return None
        blob = fh.read(info.st_size + 1)  # one more, to see a file that grew meanwhile
    return blob if len(blob) == info.st_size else None


def read(
    data_path: Path, info: os.stat_result, key: Callable[[], str], display: str,
    *, check_key: bool = False, matched: Callable[[], None] | None = None,
) -> tuple[Dataset, list[Problem]] | None:
    """The cached dataset and warnings for the file `info` describes, or None on any miss.

    `key` gives the content digest; it is called (so the data file is read) only when the
    entry's stamp does not vouch for the file, or always with `check_key`: for an edit, whose
    text is the file's as rewrite read it, or any text a library caller passes. Such a hit
    never restamps the entry: the text need not be what the file holds. `matched`, if given,
    is called when the digest matched, before the body is decoded: the caller may then let
    go of the bytes it read for `key` (kept in case of a miss, which needs them again).
    """
    entry = entry_path(data_path)
    opened = _open(entry, info.st_size)
    if opened is None:
        return None
    header, body = opened
    restamp = None
    if check_key or header.stamp != stamp_of(info):  # the digest decides
        if header.key != key():
            return None
        restamp = None if check_key else _trusted_stamp(info)
        if matched is not None:
            matched()
    payload = _decode(body)
    if payload is None:
        return None
    if restamp is not None:  # verified by hash, and now old enough: spare the next load it
        _store(entry, header._replace(stamp=restamp), body)
    del body, opened
    return _dataset(payload), [
        Problem(Location(display, w.line, w.column, w.path, w.where), w.code, w.message,
                Severity.WARNING)
        for w in payload.warnings
    ]  # fmt: skip


def previous(data_path: Path, size: int) -> tuple[Dataset, Segments] | None:
    """The dataset and index of the entry for `data_path`, whatever content it describes,
    for an incremental load (`size`: the data file's, which bounds the entry's). None if
    there is no sound entry, or it has no index. The entry is checked as `read` checks one."""
    opened = _open(entry_path(data_path), size)
    payload = None if opened is None else _decode(opened[1])
    if payload is None or payload.segments is None:
        return None
    return _dataset(payload), payload.segments


def _open(entry: Path, size: int) -> tuple[Header, memoryview] | None:
    """The entry's header and body, if it is of this version and its body is whole."""
    try:
        blob = _read_entry(entry, size_limit(size))
        if blob is None:
            return None
        length = int.from_bytes(blob[:_LENGTH], "big")
        if not 0 < length <= _MAX_HEADER:
            return None
        header = _header_decoder.decode(blob[_LENGTH : _LENGTH + length])
        if header.format != FORMAT or header.version != __version__:
            return None
        body = memoryview(blob)[_LENGTH + length :]
        if len(body) != header.length or zlib.crc32(body) != header.check:
            return None
    except (OSError, ValueError, msgspec.DecodeError):
        return None
    return header, body


def _decode(body: memoryview) -> Payload | None:
    try:
        payload = msgspec.msgpack.decode(body, type=Payload)
        return payload if _consistent(payload) else None
    except (ValueError, msgspec.DecodeError):
        return None


def _dataset(payload: Payload) -> Dataset:
    return Dataset(
        {a.id: a for a in payload.actors}, payload.dossiers,
        {p.host: p for p in payload.publishers},
    )  # fmt: skip


_STATUSES = frozenset(STATUSES)
_ID, _DOMAIN, _STATUS, _BROKEN, _EVENTS, _PARTIES, _THIRD, _APPROACH = (
    attrgetter(f)
    for f in ("id", "domain", "status", "broken_off_by", "events", "parties", "third_parties",
              "approach")
)  # fmt: skip
# The loop over every event unpacks each one, the fastest way to read several fields of a
# tuple; it must list Event's fields in order (tests/test_cache.py checks that it does).
UNPACKED_EVENT_FIELDS = (
    "date", "actor", "action", "summary", "sources", "status", "unverified", "claims",
)  # fmt: skip
# dates.check's rule as regexes over all distinct dates joined by newlines (C, no Python per
# date): the shape with month and day ranges, then date.fromisoformat for the few days
# (29-31) whose month decides. tests/test_cache.py holds this equal to dates.check.
_DATES = re.compile(r"(?:[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?\n)*")
_LATE_DAYS = ("-29", "-30", "-31")


def dates_valid(texts: set[str]) -> bool:
    """Whether dates.check passes every one of `texts` (3 ms for 17,000 distinct dates, where
    calling dates.check on each takes 37 ms)."""
    joined = "\n".join(texts) + "\n" if texts else ""
    if not _DATES.fullmatch(joined):
        return False
    try:
        for text in texts:
            if text.endswith(_LATE_DAYS):
                _date.fromisoformat(text)
    except ValueError:  # such as 2023-02-30
        return False
    return True


def _consistent(payload: Payload) -> bool:
    """Whether the decoded payload keeps the invariants every clean load has.

    msgspec has already checked every type. These are the rules whose breach could crash a
    command or give an answer validation would refuse: vocabularies, real dates, unique ids,
    events present, `status` and `broken_off_by` as `derive_state` derives them, every actor
    named known. The cost is reading every event's strings once more after the decode:
    joining the 50,000 dates of a 10,000-dossier ledger, in C, already takes 15 ms on the
    benchmark machine. So the events are walked once, everything gathered on the way, and
    each distinct date checked once: 55-70 ms at 10,000 dossiers against 88 ms to decode
    them (measured under load; a formulation in map/set/join was no faster, and neither was
    decoding and checking in chunks while the records were still in the CPU's cache).
    """
    actors, dossiers, publishers = payload.actors, payload.dossiers, payload.publishers
    index = payload.segments
    if index is not None and (
        len(index.items) != DIGEST_SIZE * len(dossiers)
        or not all(0 <= n.position < len(dossiers) for n in index.local)
    ):
        return False
    known = {a.id for a in actors}
    if len(known) != len(actors) or not {a.bloc for a in actors} <= BLOCS.keys():
        return False
    if len({p.host for p in publishers}) != len(publishers):
        return False
    if not {p.kind for p in publishers} <= PUBLISHER_KINDS.keys():
        return False
    if len(set(map(_ID, dossiers))) != len(dossiers):
        return False
    if not set(map(_DOMAIN, dossiers)) <= DOMAINS.keys():
        return False
    if not set(map(_STATUS, dossiers)) <= _STATUSES:
        return False
    if not all(map(_PARTIES, dossiers)):
        return False
    if not set(chain.from_iterable(map(_APPROACH, dossiers))) <= APPROACHES.keys():
        return False
    referenced = set(chain.from_iterable(map(_PARTIES, dossiers)))
    referenced.update(chain.from_iterable(map(_THIRD, dossiers)))
    referenced.update(map(_BROKEN, dossiers))
    seen_dates: set[str] = set()
    seen_statuses: set[str] = set()
    claims: list[tuple[Claim, ...]] = []
    add_date, add_actor, add_status = seen_dates.add, referenced.add, seen_statuses.add
    breaking = BREAKING_STATUSES
    for status, breaker, events in zip(
        map(_STATUS, dossiers), map(_BROKEN, dossiers), map(_EVENTS, dossiers), strict=True
    ):
        if not events:
            return False
        # derive_state, inline: the last status set, and the actor of the last break unless
        # a later event made the dossier active again.
        derived = derived_breaker = None
        for date, actor, _, _, _, new, _, event_claims in events:
            add_date(date)
            add_actor(actor)
            if new is not None:
                add_status(new)
                derived = new
                if new in breaking:
                    derived_breaker = actor
                elif new == "active":
                    derived_breaker = None
            if event_claims:
                claims.append(event_claims)
        if derived != status or derived_breaker != breaker:
            return False
    if not seen_statuses <= _STATUSES or not dates_valid(seen_dates):
        return False
    for claim in chain.from_iterable(claims):
        add_actor(claim.by)
        add_actor(claim.blames)
    referenced.discard(None)
    if not referenced <= known:
        return False
    # Warnings are printed: their text must be as safe as validation would have made it.
    texts = "".join(chain.from_iterable((w.where, w.code, w.message) for w in payload.warnings))
    if index is not None:  # an unchanged dossier's warnings come back from here
        texts += "".join(chain.from_iterable((n.code, n.message) for n in index.local))
    return UNSAFE_CHARS.search(texts) is None


def write(
    data_path: Path, info: os.stat_result | None, key: str, dataset: Dataset,
    warnings: list[Problem], segments: Segments | None = None,
) -> None:
    """Store a clean load; silently give up if the cache folder cannot be written.

    `info` is the status the data file had before it was read, so a change made while it
    was being read shows as a stale stamp, never as a fresh one; None for a text that need
    not be the file's (an edit's result): the entry is then found by its digest only.
    """
    payload = Payload(
        tuple(dataset.actors.values()),
        dataset.dossiers,
        tuple(
            WarningRow(w.location.line, w.location.column, w.location.path, w.location.where,
                       w.code, w.message)
            for w in warnings
        ),
        tuple(dataset.publishers.values()),
        segments,
    )  # fmt: skip
    body = msgspec.msgpack.encode(payload)
    _store(
        entry_path(data_path),
        Header(FORMAT, __version__, key, info and _trusted_stamp(info), len(body),
               zlib.crc32(body)),
        body,
    )


def _store(target: Path, header: Header, body: bytes | memoryview) -> None:
    """Write an entry atomically (a temporary file renamed over it), or not at all."""
    import tempfile  # only a cold load writes; a warm one should not pay for the import

    head = msgspec.msgpack.encode(header)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=SUFFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(len(head).to_bytes(_LENGTH, "big"))
                fh.write(head)
                fh.write(body)
            os.replace(tmp, target)
            # The entry this one replaces, if compartment before FORMAT 5 wrote it as JSON.
            target.with_suffix(".json").unlink(missing_ok=True)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
