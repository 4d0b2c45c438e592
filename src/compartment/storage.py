"""Writing a file safely: a lock file against concurrent edits, and atomic replacement.

* `locked(path)` takes `PATH.lock`, created with O_CREAT | O_EXCL so that exactly one process
  gets it; a second edit is refused with `Locked`, never made to wait or to interleave.
* `replacing(path)` hands out a temporary file in the same folder; when the block ends
  normally the file is flushed to disk (fsync) and renamed over `path` (os.replace, atomic on
  POSIX and Windows), keeping the permissions `path` had. If anything fails first, the
  temporary file is removed and `path` is untouched: a crash never leaves half a file.

Standard library only; nothing here prints.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_SUFFIX = ".lock"


class Locked(Exception):
    """Another process holds the lock on the file."""


class Changed(Exception):
    """The file changed on disk between reading it and writing the edit."""


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + LOCK_SUFFIX)


def _real(path: Path) -> Path:
    """The file a symlink points at: replace that file, not the link."""
    return Path(os.path.realpath(path))


@contextmanager
def locked(path: Path) -> Iterator[Path]:
    """Hold `PATH.lock` for the duration of the block; raise Locked if someone else holds it."""
    lock = lock_path(_real(path))
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise Locked(_held_message(path, lock)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {time.strftime('%Y-%m-%dT%H:%M:%S')}\n")
        yield lock
    finally:
        try:
            lock.unlink()
        except FileNotFoundError:
            pass


def _held_message(path: Path, lock: Path) -> str:
    try:
        pid_text, _, since = lock.read_text(encoding="utf-8").strip().partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        return (
            f"{path} is being edited by another process (lock file {lock}); try again, or "
            "delete the lock file if no compartment command is running"
        )
    holder = f"process {pid}" + (f", since {since}" if since else "")
    if not _alive(pid):
        return (
            f"{path} is locked by {holder}, which is no longer running: the lock is stale. "
            f"Delete {lock} and try again"
        )
    return f"{path} is being edited by another compartment command ({holder}); try again"


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists but is not ours, or we cannot tell: assume it is running
    return True


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success move it over `path`, atomically.

    The temporary file exists (empty) when the block starts; write it by name. The final
    file keeps the mode of the file it replaces, or gets the usual mode for a new file.
    """
    target = _real(path)
    folder = target.parent
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = _umask_mode()
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def write_atomic(path: Path, data: bytes, *, expect: bytes | None = None) -> None:
    """Replace the file at `path` with `data`, atomically.

    With `expect`, refuse (Changed) if the file no longer holds those bytes: someone saved it
    while we were working, and writing would lose their change.
    """
    with replacing(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
        if expect is not None:
            try:
                current = _real(path).read_bytes()
            except FileNotFoundError:
                current = None
            if current != expect:
                raise Changed(f"{path} changed while it was being edited; nothing was written")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) everywhere."""
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:
        return
    try:
        fd = os.open(folder, os.O_RDONLY | flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
