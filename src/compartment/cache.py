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
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import msgspec

from compartment import __version__
from compartment.dataset import Actor, Dataset, Dossier, Publisher
from compartment.errors import Location, Problem, Severity

try:  # hashlib's own BLAKE2, without hashlib loading OpenSSL first (3 ms of every start)
    from _blake2 import blake2b
except ImportError:  # another Python implementation
    from hashlib import blake2b

if TYPE_CHECKING:
    from collections.abc import Callable

CACHE_ENV = "COMPARTMENT_CACHE_DIR"
FORMAT = 6  # bump when the layout of an entry changes
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


_LENGTH = 4  # bytes of the big-endian header length that opens an entry
_MAX_HEADER = 4096


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


def read(
    data_path: Path, info: os.stat_result, key: Callable[[], str], display: str
) -> tuple[Dataset, list[Problem]] | None:
    """The cached dataset and warnings for the file `info` describes, or None on any miss.

    `key` gives the content digest; it is called (so the data file is read) only when the
    entry's stamp does not vouch for the file.
    """
    entry = entry_path(data_path)
    try:
        with entry.open("rb") as fh:
            blob = fh.read()
        size = int.from_bytes(blob[:_LENGTH], "big")
        if not 0 < size <= _MAX_HEADER:
            return None
        header = _header_decoder.decode(blob[_LENGTH : _LENGTH + size])
        if header.format != FORMAT or header.version != __version__:
            return None
        restamp = None
        if header.stamp != stamp_of(info):  # no stamp, or a stale one: the digest decides
            if header.key != key():
                return None
            restamp = _trusted_stamp(info)
        body = memoryview(blob)[_LENGTH + size :]
        payload = msgspec.msgpack.decode(body, type=Payload)
    except (OSError, ValueError, msgspec.DecodeError):
        return None
    if restamp is not None:  # verified by hash, and now old enough: spare the next load it
        _store(entry, Header(FORMAT, __version__, header.key, restamp), body)
    del body, blob
    dataset = Dataset(
        {a.id: a for a in payload.actors}, payload.dossiers,
        {p.host: p for p in payload.publishers},
    )
    warnings = [
        Problem(Location(display, w.line, w.column, w.path, w.where), w.code, w.message,
                Severity.WARNING)
        for w in payload.warnings
    ]  # fmt: skip
    return dataset, warnings


def write(
    data_path: Path, info: os.stat_result, key: str, dataset: Dataset, warnings: list[Problem]
) -> None:
    """Store a clean load; silently give up if the cache folder cannot be written.

    `info` is the status the data file had before it was read, so a change made while it
    was being read shows as a stale stamp, never as a fresh one.
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
    )  # fmt: skip
    _store(
        entry_path(data_path),
        Header(FORMAT, __version__, key, _trusted_stamp(info)),
        msgspec.msgpack.encode(payload),
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
