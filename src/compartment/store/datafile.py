"""Which data file, and its bytes: how the file is chosen (--data, $COMPARTMENT_DATA, the
nearest data/issues.yaml, the bundled copy), read within a size limit, and checked as UTF-8.

Standard library only, and cheap to import: every command, warm or cold, comes through here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NamedTuple

from compartment.data.dataset import LoadResult
from compartment.errors import UsageError
from compartment.store import cache

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
        raise UsageError(f"{MAX_BYTES_ENV}={raw!r} is not a size: give a whole number of bytes "
                         "above 0, such as 50000000")
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
        raise DataFileNotFound(f"{path}: the file is {info.st_size:,} bytes, over the limit of "
                               f"{limit:,}; set {MAX_BYTES_ENV} to raise it")
    return info


def read_bytes(path: Path) -> bytes:
    """The file's bytes; raises DataFileNotFound with a readable reason."""
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
    from compartment.data.loader import check_encoding  # the cold path's: not at start-up

    problem = check_encoding(raw)
    if problem is not None:
        return None, *problem
    return raw.decode("utf-8-sig"), (0, 0), ""


def load(path: Path, display: str | None = None, *, use_cache: bool = True) -> LoadResult:
    """Read, parse and validate the data file at `path`: from its cache entry when that
    holds this very content, else afresh (then a clean result is stored for next time).

    `display` is how the file is named in problems (the path as the user gave it). Raises
    DataFileNotFound only when there is no file to read.
    """
    name = display if display is not None else str(path)
    raw = read_bytes(path)
    if use_cache:
        hit = cache.read(path, raw, name)
        if hit is not None:
            return LoadResult(path, *hit)
    from compartment.data import loader  # the cold path's: yaml and pydantic come with it

    result = loader.load_bytes(raw, name, path)
    if use_cache:
        remember(path, raw, result)
    return result


def remember(path: Path, raw: bytes, result: LoadResult) -> None:
    """Store `result`, the load of the bytes `raw` that `path` holds (or is about to hold),
    in the cache if it is clean."""
    if result.dataset is not None and not result.errors:
        cache.write(path, raw, result.dataset, result.warnings)

