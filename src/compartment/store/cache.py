"""The cache: one entry per data file, holding its validated dataset, keyed by its content.

A warm command reads the entry instead of parsing YAML and validating with pydantic, and
imports neither: that is most of a command's start-up time (benchmarks/README.md). The model
is beancount's cache of a whole load: one entry a file, any doubt a miss.

**Freshness.** The key is a digest of the data file's bytes, computed on every read (a few
milliseconds for a file at the 10 MB limit), so an entry can never answer for other content,
whatever the file's size and times say. Only clean loads are stored (warnings kept, errors
never), by every command that validated the file, edits included: the command after an edit
is warm.

**Format.** A 4-byte length, a small `Header` (format, version, key, body length, CRC-32 of
the body), then the body: the records and warnings in MessagePack, which msgspec decodes
straight into the named tuples of dataset.py, in C, with their types checked, and safely
from untrusted bytes (unlike pickle or marshal).

**Distrust.** Anyone who can write the cache folder can put anything there, and a disk can
damage what was written. So an entry is opened without following a symlink and without
blocking (a FIFO would hang the command); it must be a regular file owned by this user, no
larger than the data file could produce (a link to /dev/zero would fill memory), of the
length and CRC its header gives (truncation, bit flips), and what it decodes must be a
dataset validation would accept (`_sound`: the vocabularies, real dates, and no error from
the rules across records). Anything else is a miss: the cold load that follows rewrites the
entry. Failing to write an entry is never an error.
"""

from __future__ import annotations

import os
import stat
import zlib
from pathlib import Path
from typing import NamedTuple

import msgspec

from compartment import __version__
from compartment.data import checks, dates
from compartment.data.dataset import Actor, Crisis, Dataset, Dossier, Publisher
from compartment.data.vocab import APPROACHES, BLOCS, DOMAINS, PUBLISHER_KINDS, STATUSES
from compartment.errors import Problem, Severity

try:  # hashlib's own BLAKE2, without hashlib loading OpenSSL first (3 ms of every start)
    from _blake2 import blake2b
except ImportError:  # another Python implementation
    from hashlib import blake2b

CACHE_ENV = "COMPARTMENT_CACHE_DIR"
FORMAT = 12  # bump when the layout of an entry changes
SUFFIX = ".cache"
# The largest entry a data file of N bytes can produce is SIZE_FACTOR * N + SIZE_SLACK: the
# MessagePack body is smaller than the YAML it comes from (0.65-0.75 of it), but an unused
# actor becomes a warning that repeats its id three more times, and an escape such as "\\L"
# (2 bytes) becomes a 3-byte character. 8 leaves room for both.
SIZE_FACTOR = 8
SIZE_SLACK = 64 * 1024
_LENGTH = 4  # bytes of the big-endian header length that opens an entry
_MAX_HEADER = 4096
# Never follow a symlink (O_NOFOLLOW fails with ELOOP), never wait for a writer (O_NONBLOCK:
# opening a FIFO would otherwise block). Both POSIX; Windows checks for a symlink first.
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


class Header(NamedTuple):
    format: int
    version: str
    key: str
    length: int  # of the body: a cut or extended entry is a miss before decoding
    check: int  # zlib.crc32 of the body


class Payload(NamedTuple):
    actors: tuple[Actor, ...]
    dossiers: tuple[Dossier, ...]
    publishers: tuple[Publisher, ...]
    warnings: tuple[Problem, ...]  # their file is the name the reader gives
    crises: tuple[Crisis, ...] = ()


_header = msgspec.msgpack.Decoder(Header)
_payload = msgspec.msgpack.Decoder(Payload)


def cache_dir() -> Path:
    """$COMPARTMENT_CACHE_DIR, else $XDG_CACHE_HOME/compartment, else ~/.cache/compartment."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "compartment"


def entry_path(data_path: Path) -> Path:
    # One entry per data file, so that a second ledger does not evict the first.
    name = blake2b(str(data_path.resolve()).encode("utf-8", "surrogatepass"), digest_size=16)
    return cache_dir() / f"{name.hexdigest()}{SUFFIX}"


def digest(raw: bytes) -> str:
    """The content key: BLAKE2b, which needs no OpenSSL (loading it costs 3-4 ms, more than
    hashing a 2 MB ledger takes)."""
    return "blake2b:" + blake2b(raw, digest_size=32).hexdigest()


def size_limit(data_size: int) -> int:
    """The most bytes an entry for a data file of `data_size` bytes may have."""
    return SIZE_FACTOR * data_size + SIZE_SLACK


def read(data_path: Path, raw: bytes, display: str) -> tuple[Dataset, list[Problem]] | None:
    """The dataset and warnings stored for the content `raw` of `data_path`, or None: no
    entry, an entry for other content, or any doubt about it."""
    blob = _read_entry(entry_path(data_path), size_limit(len(raw)))
    if blob is None:
        return None
    try:
        length = int.from_bytes(blob[:_LENGTH], "big")
        if not 0 < length <= _MAX_HEADER:
            return None
        header = _header.decode(blob[_LENGTH : _LENGTH + length])
        body = blob[_LENGTH + length :]
        if (header.format != FORMAT or header.version != __version__
                or len(body) != header.length or zlib.crc32(body) != header.check
                or header.key != digest(raw)):
            return None
        payload = _payload.decode(body)
    except (ValueError, TypeError, msgspec.DecodeError):
        return None
    data = Dataset({a.id: a for a in payload.actors}, payload.dossiers,
                   {p.host: p for p in payload.publishers}, {c.id: c for c in payload.crises})
    if not _sound(payload, data):
        return None
    warnings = [w._replace(location=w.location._replace(file=display)) for w in payload.warnings]
    return data, warnings


def write(data_path: Path, raw: bytes, data: Dataset, warnings: list[Problem]) -> None:
    """Store the clean load of the content `raw` of `data_path`: atomically (a temporary file
    renamed over the entry), or not at all."""
    import tempfile  # only a cold load writes; a warm one should not pay for the import

    body = msgspec.msgpack.encode(Payload(
        tuple(data.actors.values()), data.dossiers, tuple(data.publishers.values()),
        tuple(w for w in warnings if not w.is_error), tuple(data.crises.values()),
    ))
    head = msgspec.msgpack.encode(
        Header(FORMAT, __version__, digest(raw), len(body), zlib.crc32(body)))
    target = entry_path(data_path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=SUFFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(len(head).to_bytes(_LENGTH, "big") + head + body)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return


def _read_entry(entry: Path, limit: int) -> bytes | None:
    """The entry's bytes if it is a regular file of this user's, of at most `limit` bytes."""
    try:
        if not hasattr(os, "O_NOFOLLOW") and entry.is_symlink():
            return None
        fd = os.open(entry, _OPEN_FLAGS)
    except OSError:  # absent, a symlink (ELOOP), unreadable
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        # A FIFO, a device (even through a hard link), a socket, a folder: never read. An
        # entry another user owns could say anything: it is not ours to trust.
        getuid = getattr(os, "getuid", None)
        if (not stat.S_ISREG(info.st_mode) or not 0 < info.st_size <= limit
                or (getuid is not None and info.st_uid != getuid())):
            return None
        blob = fh.read(info.st_size + 1)  # one more, to see a file that grew meanwhile
    return blob if len(blob) == info.st_size else None


def _sound(payload: Payload, data: Dataset) -> bool:
    """Whether the decoded records are a dataset validation would accept: what the models
    check of each value that msgspec's types cannot (the vocabularies, real dates, dossiers
    with parties and events), then no error from the rules across records. The values are
    gathered into sets first: a ledger repeats them (1,000 dossiers: 6,000 events, a few
    hundred distinct dates)."""
    if (len(data.actors) != len(payload.actors) or len(data.crises) != len(payload.crises)
            or len(data.publishers) != len(payload.publishers)):
        return False
    dossiers = payload.dossiers
    if not all(d.parties and d.events for d in dossiers):
        return False
    events = [e for d in dossiers for e in d.events]
    statuses = {d.status for d in dossiers} | {e.status for e in events}
    statuses.discard(None)
    domains = {d.domain for d in dossiers}
    approaches = {a for d in dossiers for a in d.approach}
    days = {e.date for e in events} | {n.date for d in dossiers for n in d.next} | {
        c.date for c in payload.crises}
    if not (statuses <= STATUSES.keys() and domains <= DOMAINS.keys()
            and approaches <= APPROACHES.keys()
            and {a.bloc for a in payload.actors} <= BLOCS.keys()
            and {p.kind for p in payload.publishers} <= PUBLISHER_KINDS.keys()):
        return False
    if any(dates.check(day) for day in days):
        return False
    if any(w.severity is not Severity.WARNING for w in payload.warnings):
        return False
    return not any(f.severity is Severity.ERROR for f in checks.run(data, _ERROR_RULES))


# The rules that can find an error; the others only warn, and cannot make an entry unsound.
_ERROR_RULES = tuple(r for r in checks.RULES if r not in (checks.unused_actors,
                                                          checks.strong_sources))
