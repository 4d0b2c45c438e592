"""Which data file, and its bytes: how the file is chosen (--data, $COMPARTMENT_DATA, the
nearest data/issues.yaml, the bundled copy), read within a size limit, and checked as UTF-8.

Standard library only, and cheap to import: every command, warm or cold, comes through here.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import NamedTuple

from compartment.errors import UsageError

DATA_ENV = "COMPARTMENT_DATA"
MAX_BYTES_ENV = "COMPARTMENT_MAX_BYTES"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # far above any real ledger; stops a runaway file early



class DataFileNotFound(UsageError):
    """The data file named by the user does not exist or is not a readable file."""


class DataSource(NamedTuple):
    path: Path
    how: str  # which rule chose it: --data, $COMPARTMENT_DATA, nearest, bundled
    bundled: bool = False  # the copy inside the installed package: never to be written


def bundled_data() -> Path:
    """The copy the wheel carries; in a source checkout (an editable install), the repo's."""
    packaged = Path(__file__).parents[1] / "data" / "issues.yaml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "issues.yaml"


def find_data_file(explicit: str | None = None, cwd: Path | None = None) -> DataSource:
    """--data > $COMPARTMENT_DATA > the nearest data/issues.yaml upwards > the bundled copy."""
    if explicit is not None:
        return DataSource(Path(explicit), "--data")
    env = os.environ.get(DATA_ENV)
    if env:
        return DataSource(Path(env), f"${DATA_ENV}")
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "data" / "issues.yaml"
        if candidate.is_file():
            # Relative to where the user stands, so problems read data/issues.yaml:12:3.
            return DataSource(Path(os.path.relpath(candidate, here)), "nearest data/issues.yaml")
    return DataSource(bundled_data(), "bundled with compartment", bundled=True)


def max_bytes() -> int:
    """The size limit: $COMPARTMENT_MAX_BYTES if set (empty counts as unset), else 10 MB.

    A value that is not a whole number of bytes above 0 is a UsageError: ignoring it would
    then tell the user to set the variable they did set. Only ASCII digits count (str.isdigit
    and int() also take '１２３', '²' and '1_000'), and no unit or exponent is guessed at.
    """
    raw = os.environ.get(MAX_BYTES_ENV, "")
    if not raw:
        return DEFAULT_MAX_BYTES
    if not (raw.isascii() and raw.isdigit()) or int(raw) == 0:
        raise UsageError(
            f"{MAX_BYTES_ENV}={raw!r} is not a size: give a whole number of bytes above 0, "
            "such as 50000000"
        )
    return int(raw)


def stat_file(path: Path) -> os.stat_result:
    """The data file's status, once it is known to be a regular file within the size limit;
    raises DataFileNotFound with a readable reason."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DataFileNotFound(f"{path}: no such file") from None
    except OSError as exc:
        raise DataFileNotFound(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataFileNotFound(f"{path}: is a directory; give the path of the YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise DataFileNotFound(f"{path}: not a regular file")
    limit = max_bytes()
    if info.st_size > limit:
        raise DataFileNotFound(
            f"{path}: the file is {info.st_size:,} bytes, over the limit of {limit:,}; "
            f"set {MAX_BYTES_ENV} to raise it"
        )
    return info


def read_bytes(path: Path, info: os.stat_result | None = None) -> bytes:
    """The file's bytes; raises DataFileNotFound with a readable reason.

    `info` is the file's status from `stat_file`, when the caller already has it.
    """
    if info is None:
        info = stat_file(path)
    limit = max_bytes()
    try:
        with path.open("rb") as fh:
            # Read to the end, but never ask for the limit in one call: read(n) allocates n
            # bytes up front. The first read takes what stat saw; more comes only if the file
            # grew meanwhile.
            parts, total, want = [], 0, info.st_size + 1
            while total <= limit:
                chunk = fh.read(want)
                if not chunk:
                    break
                parts.append(chunk)
                total += len(chunk)
                want = 1 << 20
    except OSError as exc:
        raise DataFileNotFound(f"{path}: cannot read ({exc.strerror})") from None
    if total > limit:
        raise DataFileNotFound(f"{path}: the file grew past the limit of {limit:,} bytes")
    return parts[0] if len(parts) == 1 else b"".join(parts)


def decode(raw: bytes) -> tuple[str | None, tuple[int, int], str]:
    """UTF-8 text (a BOM is dropped), or None with the line, column and reason it is not."""
    problem = check_encoding(raw)
    if problem is not None:
        return None, *problem
    return raw.decode("utf-8-sig"), (0, 0), ""


_CHUNK = 1 << 20


def check_encoding(raw: bytes) -> tuple[tuple[int, int], str] | None:
    """None if `raw` is UTF-8, else the line, column and reason it is not.

    It decodes a megabyte at a time, cut after a newline (a byte no multi-byte sequence
    holds), so checking a large file never holds a second, decoded copy of it.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (1, 1), "the file is UTF-16; save it as UTF-8"
    view, start, size = memoryview(raw), 0, len(raw)
    while start < size:
        end = raw.find(b"\n", start + _CHUNK) + 1 or size
        try:
            codecs.utf_8_decode(view[start:end], "strict", True)
        except UnicodeDecodeError as exc:
            at = start + exc.start
            line_start = raw.rfind(b"\n", 0, at) + 1
            column = len(raw[line_start:at].decode("utf-8", "replace")) + 1
            line = raw.count(b"\n", 0, at) + 1
            return (line, column), (
                f"the file is not valid UTF-8 (byte 0x{raw[at]:02x}); save it as UTF-8"
            )
        start = end
    return None


class Content:
    """The data file's bytes and digest, read and computed only if asked for: a cache hit
    vouched for by the file's stamp needs neither."""

    def __init__(self, path: Path, info: os.stat_result) -> None:
        self._path, self._info = path, info
        self._key: str | None = None
        self._raw: bytes | None = None  # the bytes `key` hashed, until a hit lets them go

    def key(self) -> str:
        if self._key is None:
            from compartment.store import cache

            # Kept for a miss, whose cold or incremental load needs them (reading and hashing
            # again cost 0.3 s at 100k dossiers); a hit drops them (`drop`) before it decodes
            # the dataset, so they never sit beside it (228 MB more at 100k).
            self._raw = read_bytes(self._path, self._info)
            self._key = cache.digest(self._raw)
        return self._key

    def drop(self) -> None:
        self._raw = None

    def held(self) -> bytes | None:
        """The bytes `key` hashed; None if it has not been called, or a hit let them go."""
        return self._raw

    def take(self, keyed: bool) -> bytes:
        """The bytes, for a cold load. With `keyed`, `key()` then describes these very
        bytes, even if the file changed since it was first hashed."""
        raw, self._raw = self._raw, None
        if raw is not None:  # the very bytes `key` hashed
            return raw
        raw = read_bytes(self._path, self._info)
        if keyed:
            from compartment.store import cache

            self._key = cache.digest(raw)
        return raw
