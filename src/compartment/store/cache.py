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
body: the actors, publishers, warnings and index (`Meta`, under the header's CRC), then the
dossiers as heads.py packs them (columns, heads, one blob of events a dossier, each part
under a CRC of its own), all in MessagePack through msgspec. msgspec decodes the records
straight into the named tuples of dataset.py, in C, with their types checked, and is safe to
decode untrusted bytes, unlike pickle or marshal. A full read (`read`, `previous`) rebuilds
every dossier; `list` and `show` read only the heads or the one dossier they need
(cacheview.py). The entry is mapped (`mmap`) rather than read, so that only the pages a
command touches are loaded, when it is ours and nobody else may write it (`_map`).

Only clean loads are cached (warnings are kept, errors are not), so a cached answer is
always the answer a cold load would give. A cache that is stale, corrupt, unreadable or
written by another version of compartment is ignored and rewritten; failing to write one is
never an error.

**Distrust.** Anyone who can write the cache folder can put anything there, and a disk can
damage what was written. So an entry is opened without following a symlink and without
blocking (a FIFO would hang the command), must be a regular file no larger than the data file
could produce (`size_limit`: a symlink to /dev/zero would fill memory), must hold exactly the
body its header describes (its length; a CRC-32 over each part a command reads: truncation,
bit flips), and what it decodes must pass the invariants of a clean load (`_consistent`,
cachecheck.py: the vocabularies, real dates, unique ids, events present, derived fields,
known actors; for what `list` and `show` read alone, heads.py's checks of the same rules),
so that no command meets data
that validation would have refused. Any doubt is a miss: the cold load that follows rewrites
the entry. A forged entry that passes all of this is a dataset validation would accept; the
cache cannot tell it from the truth, any more than it can tell a forged data file.
"""

from __future__ import annotations

import os
import stat
import time
import zlib
from collections import Counter
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import msgspec

from compartment import __version__
from compartment.data.dataset import Actor, Dataset, Dossier, Publisher, actors_named
from compartment.errors import Location, Problem, Severity
from compartment.store import heads
from compartment.store.cachecheck import consistent as _consistent
from compartment.store.segments import Segments

try:  # hashlib's own BLAKE2, without hashlib loading OpenSSL first (3 ms of every start)
    from _blake2 import blake2b
except ImportError:  # another Python implementation
    from hashlib import blake2b

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

CACHE_ENV = "COMPARTMENT_CACHE_DIR"
FORMAT = 10  # bump when the layout of an entry changes
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
    check: int  # zlib.crc32 of the body's first `meta` bytes (the rest has CRCs of its own)
    meta: int = 0  # bytes of `Meta` at the start of the body; 0: the whole body (fmtmemo)


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


class Meta(NamedTuple):
    """What opens the body of an entry: everything but the dossiers, and how they are laid
    out after it (heads.pack)."""

    actors: tuple[Actor, ...]
    warnings: tuple[WarningRow, ...]
    publishers: tuple[Publisher, ...]
    segments: Segments | None
    layout: heads.Layout
    # How many dossiers name each actor (dataset.actors_named), in the order of `actors`:
    # what tells an incremental refresh (cache_patch.py) which actors are unused without
    # reading the dossiers that did not change.
    named: tuple[int, ...] = ()


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


def _private(info: os.stat_result) -> bool:
    """Whether nobody but this user (or root) can write the file: then nobody can truncate it
    while it is mapped, which would kill the process (SIGBUS) instead of making a miss. Our
    own writes never change an entry in place (`_store` renames a new one over it). Windows
    has no owner check here, and forbids truncating a mapped file."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or (
        info.st_uid == getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _map(entry: Path, limit: int) -> memoryview | None:
    """The entry's bytes if it is a regular file of at most `limit` bytes, else None: mapped
    when the file is `_private` (a command then loads only the pages it reads), else read
    whole."""
    try:
        if not hasattr(os, "O_NOFOLLOW") and entry.is_symlink():
            return None
        fd = os.open(entry, _OPEN_FLAGS)
    except OSError:  # absent, a symlink (ELOOP), unreadable
        return None
    with os.fdopen(fd, "rb") as fh:  # closes fd, whatever happens; a mapping outlives it
        info = os.fstat(fd)
        # A FIFO, a device (even through a hard link), a socket, a folder: never read.
        if not stat.S_ISREG(info.st_mode) or not 0 < info.st_size <= limit:
            return None
        if _private(info):
            import mmap

            return memoryview(mmap.mmap(fd, info.st_size, access=mmap.ACCESS_READ))
        blob = fh.read(info.st_size + 1)  # one more, to see a file that grew meanwhile
    return memoryview(blob) if len(blob) == info.st_size else None


class Opened(NamedTuple):
    """An entry of this version whose header and `Meta` are whole (the rest is checked as it
    is read)."""

    path: Path
    header: Header
    body: memoryview  # all of it, `Meta` first
    meta: Meta

    def dossiers(self) -> heads.Body:
        """The packed dossiers after the `Meta` (raises heads.Miss if in doubt)."""
        known = {a.id for a in self.meta.actors}
        return heads.Body(self.meta.layout, self.body[self.header.meta :], known)


def fresh(
    data_path: Path, info: os.stat_result, key: Callable[[], str], *, check_key: bool = False,
    matched: Callable[[], None] | None = None,
) -> tuple[Opened, Stamp | None] | None:
    """The entry for the file `info` describes if it is of this version and describes this
    content (see `read`), with the stamp to record once it has been read (`restamp`)."""
    opened = _open(entry_path(data_path), info.st_size)
    if opened is None:
        return None
    header, restamp = opened.header, None
    if check_key or header.stamp != stamp_of(info):  # the digest decides
        if header.key != key():
            return None
        restamp = None if check_key else _trusted_stamp(info)
        if matched is not None:
            matched()
    return opened, restamp


def restamp(opened: Opened, stamp: Stamp | None) -> None:
    """Record `stamp` once a hit verified by hash is old enough: spare the next load it."""
    if stamp is not None:
        _store(opened.path, opened.header._replace(stamp=stamp), opened.body)


def warnings_of(meta: Meta, display: str) -> list[Problem]:
    return [
        Problem(Location(display, w.line, w.column, w.path, w.where), w.code, w.message,
                Severity.WARNING)
        for w in meta.warnings
    ]  # fmt: skip


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
    found = fresh(data_path, info, key, check_key=check_key, matched=matched)
    if found is None:
        return None
    opened, stamp = found
    payload = _decode(opened)
    if payload is None:
        return None
    restamp(opened, stamp)
    dataset = _dataset(payload)
    _last[:] = [(data_path, dataset, payload.segments)]
    return dataset, warnings_of(opened.meta, display)


# The last entry `read` decoded in this process: an edit reads the file's entry for its
# first validation, then needs it again as the `previous` of the incremental validation of
# its result (0.15-0.25 s at 10,000 dossiers to decode and check twice). What it holds was
# decoded and checked, and is the clean load of the content the entry's key names, which is
# all `previous` promises, whatever the entry file holds by then.
_last: list[tuple[Path, Dataset, Segments | None]] = []


def last_index(data_path: Path) -> Segments | None:
    """The index of the entry the last `read` in this process decoded, if it was for
    `data_path`: the index of the content that read was given (its digest checked)."""
    return _last[0][2] if _last and _last[0][0] == data_path else None


def previous(data_path: Path, size: int) -> tuple[Dataset, Segments] | None:
    """The dataset and index of the entry for `data_path`, whatever content it describes,
    for an incremental load (`size`: the data file's, which bounds the entry's). None if
    there is no sound entry, or it has no index. The entry is checked as `read` checks one."""
    if _last and _last[0][0] == data_path and _last[0][2] is not None:
        return _last[0][1], _last[0][2]
    opened = _open(entry_path(data_path), size)
    payload = None if opened is None else _decode(opened)
    if payload is None or payload.segments is None:
        return None
    return _dataset(payload), payload.segments


_meta_decoder = msgspec.msgpack.Decoder(Meta)


def _open(entry: Path, size: int) -> Opened | None:
    """The entry, if it is of this version, of the length its header says, and its `Meta`
    whole."""
    try:
        view = _map(entry, size_limit(size))
        if view is None:
            return None
        length = int.from_bytes(view[:_LENGTH], "big")
        if not 0 < length <= _MAX_HEADER:
            return None
        header = _header_decoder.decode(view[_LENGTH : _LENGTH + length])
        if header.format != FORMAT or header.version != __version__:
            return None
        body = view[_LENGTH + length :]
        if len(body) != header.length or not 0 < header.meta <= len(body):
            return None
        if zlib.crc32(body[: header.meta]) != header.check:
            return None
        return Opened(entry, header, body, _meta_decoder.decode(body[: header.meta]))
    except (OSError, ValueError, msgspec.DecodeError):
        return None


def _decode(opened: Opened) -> Payload | None:
    """Every dossier of the entry, each part under its CRC, and all of `_consistent`."""
    meta = opened.meta
    try:
        body = opened.dossiers()
        dossiers = tuple(map(heads.dossier, body.all_heads(), body.all_events()))
        payload = Payload(meta.actors, dossiers, meta.warnings, meta.publishers, meta.segments)
        return payload if _consistent(payload) else None
    except (ValueError, msgspec.DecodeError):  # heads.Miss is a ValueError
        return None


def _dataset(payload: Payload) -> Dataset:
    return Dataset(
        {a.id: a for a in payload.actors}, payload.dossiers,
        {p.host: p for p in payload.publishers},
    )  # fmt: skip


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
        tuple(dataset.actors.values()), dataset.dossiers, warning_rows(warnings),
        tuple(dataset.publishers.values()), segments,
    )  # fmt: skip
    meta, parts = encode(payload)
    store(data_path, info, key, meta, parts)


def warning_rows(warnings: list[Problem]) -> tuple[WarningRow, ...]:
    return tuple(
        WarningRow(w.location.line, w.location.column, w.location.path, w.location.where,
                   w.code, w.message)
        for w in warnings
    )  # fmt: skip


def store(
    data_path: Path, info: os.stat_result | None, key: str, meta: Meta,
    parts: Sequence[bytes | memoryview],
) -> None:
    """Write the entry of content `key` for `data_path`: `meta`, then the body's `parts`
    (see `write` for `info`)."""
    head = msgspec.msgpack.encode(meta)
    _store(
        entry_path(data_path),
        Header(FORMAT, __version__, key, info and _trusted_stamp(info),
               len(head) + sum(map(len, parts)), zlib.crc32(head), len(head)),
        [head, *parts],
    )  # fmt: skip


def encode(payload: Payload) -> tuple[Meta, list[bytes]]:
    """The `Meta` of an entry holding `payload`, and the parts of the body after it."""
    layout, sections = heads.pack(*heads.split(payload.dossiers))
    counts = Counter(chain.from_iterable(map(actors_named, payload.dossiers)))
    named = tuple(counts[a.id] for a in payload.actors)
    meta = Meta(payload.actors, payload.warnings, payload.publishers, payload.segments,
                layout, named)  # fmt: skip
    return meta, sections


def open_entry(data_path: Path, size: int) -> Opened | None:
    """The entry for `data_path` (a data file of `size` bytes), whatever content it
    describes, if it is of this version and whole where it opens (`_open`)."""
    return _open(entry_path(data_path), size)


def _store(
    target: Path, header: Header, body: bytes | memoryview | Sequence[bytes | memoryview]
) -> None:
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
                for part in (body,) if isinstance(body, bytes | memoryview) else body:
                    fh.write(part)
            os.replace(tmp, target)
            # The entry this one replaces, if compartment before FORMAT 5 wrote it as JSON.
            target.with_suffix(".json").unlink(missing_ok=True)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
