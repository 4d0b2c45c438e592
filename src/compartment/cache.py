"""A cache of the validated dataset, keyed by the data file's content.

A warm command reads the cache instead of parsing YAML and validating with pydantic, and
imports neither: that is most of a command's start-up time (see benchmarks/). The key is a
digest of the file's bytes (see `digest`), checked on every read. A modification time and size check alone
would be cheaper, but it misses an edit that keeps both (a checkout within the same second,
a tool that restores mtimes); hashing even a 20 MB file costs a few tens of milliseconds.

Only clean loads are cached (warnings are kept, errors are not), so a cached answer is
always the answer a cold load would give. A cache that is stale, corrupt, unreadable or
written by another version of compartment is ignored and rewritten; failing to write one is
never an error. Stored as JSON: stdlib, safe to read back, and fast enough (measured in
benchmarks/README.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from compartment import __version__
from compartment.dataset import Actor, Dataset, Dossier
from compartment.errors import Location, Problem, Severity

try:  # hashlib's own BLAKE2, without hashlib loading OpenSSL first (3 ms of every start)
    from _blake2 import blake2b
except ImportError:  # another Python implementation
    from hashlib import blake2b

CACHE_ENV = "COMPARTMENT_CACHE_DIR"
FORMAT = 4  # bump when the layout of the cached JSON changes


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


def _entry(data_path: Path) -> Path:
    # One entry per data file, so a second ledger does not evict the first.
    name = blake2b(str(data_path.resolve()).encode("utf-8", "surrogatepass"), digest_size=16)
    return cache_dir() / f"{name.hexdigest()}.json"


def read(data_path: Path, key: str, display: str) -> tuple[Dataset, list[Problem]] | None:
    """The cached dataset and warnings for this content, or None on any kind of miss."""
    try:
        with _entry(data_path).open("rb") as fh:
            stored = json.loads(fh.read())
        if (
            stored.get("format") != FORMAT
            or stored.get("version") != __version__
            or stored.get("key") != key
        ):
            return None
        dataset = Dataset(
            {aid: Actor(aid, name, bloc) for aid, name, bloc in stored["actors"]},
            tuple([Dossier.from_row(row) for row in stored["dossiers"]]),
        )
        warnings = [
            Problem(
                Location(display, w["line"], w["column"], tuple(w["path"]), w["where"]),
                w["code"],
                w["message"],
                Severity.WARNING,
            )
            for w in stored["warnings"]
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return dataset, warnings


def write(data_path: Path, key: str, dataset: Dataset, warnings: list[Problem]) -> None:
    """Store a clean load; silently give up if the cache folder cannot be written."""
    record: dict[str, Any] = {
        "format": FORMAT,
        "version": __version__,
        "key": key,
        # Rows, not objects: half the size, and twice as fast to decode (benchmarks/).
        "actors": [list(actor) for actor in dataset.actors.values()],
        "dossiers": [d.to_row() for d in dataset.dossiers],
        "warnings": [
            {
                "line": w.location.line,
                "column": w.location.column,
                "path": list(w.location.path),
                "where": w.location.where,
                "code": w.code,
                "message": w.message,
            }
            for w in warnings
        ],
    }
    import tempfile  # only a cold load writes; a warm one should not pay for the import

    target = _entry(data_path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        try:
            # One dumps() and one write: json.dump() to a file takes the pure-Python encoder.
            text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
