"""The cache: one entry per data file, holding its validated dataset, keyed by its content.

A warm command reads the entry instead of parsing YAML and validating with pydantic, and
imports neither: that is most of a command's start-up time (benchmarks/README.md). The model
is beancount's cache of a whole load: one entry a file, any doubt a miss.

**Freshness.** The key is a digest of the data file's bytes, computed on every read (a few
milliseconds for a file at the 10 MB limit), so an entry can never answer for other content,
whatever the file's size and times say. Only clean loads are stored (warnings kept, errors
never), by every command that validated the file, edits included: the command after an edit
is warm.

**Format.** A 4-byte length, a small `Header` (format, version, key, body length, MAC),
then the body: the records and warnings in MessagePack, which msgspec decodes straight into
the named tuples of dataset.py, in C, with their types checked, and safely from untrusted
bytes (unlike pickle or marshal).

**Distrust.** Anyone who can write the cache folder can put anything there, and a disk can
damage what was written. So an entry is opened without following a symlink and without
blocking (a FIFO would hang the command); it must be a private regular file owned by this
user, no larger than the data file could produce (a link to /dev/zero would fill memory),
of the length its header gives, and carry the MAC of its header and body under the user's
cache key: a private random key in the cache folder, read under the same rules. So a
truncated, damaged or forged entry, or a genuine one moved under another file's digest, is
a miss: only compartment, run by this user, wrote what is read. (Checking the decoded
records against the rules instead cost 9-11 ms of every warm read at 1,000 dossiers, and
could not tell a forged but valid dataset from the file's.) Anything else is a miss: the
cold load that follows rewrites the entry. Failing to write an entry is never an error.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NamedTuple

import msgspec

from compartment import __version__
from compartment.data.dataset import Actor, Crisis, Dataset, Dossier, Publisher
from compartment.errors import Problem

try:  # hashlib's own BLAKE2, without hashlib loading OpenSSL first (3 ms of every start)
    from _blake2 import blake2b
except ImportError:  # another Python implementation
    from hashlib import blake2b

CACHE_ENV = "COMPARTMENT_CACHE_DIR"
FORMAT = 13  # bump when the layout of an entry changes
SUFFIX = ".cache"
# The largest entry a data file of N bytes can produce is SIZE_FACTOR * N + SIZE_SLACK: the
# MessagePack body is smaller than the YAML it comes from (0.65-0.75 of it), but an unused
# actor becomes a warning that repeats its id three more times, and an escape such as "\\L"
# (2 bytes) becomes a 3-byte character. 8 leaves room for both.
SIZE_FACTOR = 8
SIZE_SLACK = 64 * 1024
_LENGTH = 4  # bytes of the big-endian header length that opens an entry
_MAX_HEADER = 4096
KEY_NAME, KEY_SIZE = "key", 32  # the user's cache key, beside the entries
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
    mac: bytes  # of the fields above and the body, under the cache key (`mac`)


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


def mac(secret: bytes, header: Header, body: bytes) -> bytes:
    """What proves an entry was written with the cache key `secret`: a keyed BLAKE2b of the
    header's fields and the body, so that neither can be swapped for another entry's."""
    fields = f"{header.format}\0{header.version}\0{header.key}\0{header.length}\0"
    return blake2b(fields.encode() + body, key=secret, digest_size=16).digest()


def read(data_path: Path, raw: bytes, display: str) -> tuple[Dataset, list[Problem]] | None:
    """The dataset and warnings stored for the content `raw` of `data_path`, or None: no
    entry, an entry for other content, or any doubt about it."""
    blob = _read_entry(entry_path(data_path), size_limit(len(raw)))
    secret = None if blob is None else cache_key(create=False)
    if blob is None or secret is None:
        return None
    try:
        length = int.from_bytes(blob[:_LENGTH], "big")
        if not 0 < length <= _MAX_HEADER:
            return None
        header = _header.decode(blob[_LENGTH : _LENGTH + length])
        body = blob[_LENGTH + length :]
        if (header.format != FORMAT or header.version != __version__
                or len(body) != header.length or header.key != digest(raw)
                or header.mac != mac(secret, header, body)):
            return None
        payload = _payload.decode(body)
    except (ValueError, TypeError, msgspec.DecodeError):
        return None
    data = Dataset({a.id: a for a in payload.actors}, payload.dossiers,
                   {p.host: p for p in payload.publishers}, {c.id: c for c in payload.crises})
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
    target = entry_path(data_path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        secret = cache_key(create=True)
        if secret is None:
            return
        header = Header(FORMAT, __version__, digest(raw), len(body), b"")
        head = msgspec.msgpack.encode(header._replace(mac=mac(secret, header, body)))
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


def _read_entry(entry: Path, limit: int, *, private: bool = False) -> bytes | None:
    """The entry's bytes if it is a regular file of this user's (and no one else's to read,
    if `private`), of at most `limit` bytes."""
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
                or (getuid is not None and info.st_uid != getuid())
                or (private and info.st_mode & 0o077)):
            return None
        blob = fh.read(info.st_size + 1)  # one more, to see a file that grew meanwhile
    return blob if len(blob) == info.st_size else None


def cache_key(*, create: bool) -> bytes | None:
    """The user's cache key: KEY_SIZE random bytes in a private file of theirs in the cache
    folder, read like an entry. Made on first need (`create`); a file at its name that is not
    such a key (another user's, a link, readable by others, cut short) means no cache."""
    path = cache_dir() / KEY_NAME
    secret = _read_entry(path, KEY_SIZE, private=True)
    if secret is not None or not create:
        return secret if secret is not None and len(secret) == KEY_SIZE else None
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # private: mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(KEY_SIZE))
        os.link(tmp, path)  # never replaces: two first runs agree on the one that won
    except FileExistsError:
        pass
    finally:
        Path(tmp).unlink(missing_ok=True)
    return cache_key(create=False)
