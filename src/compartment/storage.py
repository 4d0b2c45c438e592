"""Writing a file safely: a lock file against concurrent edits, and atomic replacement.

* `locked(path)` takes `PATH.lock`, created with O_CREAT | O_EXCL so that exactly one process
  gets it; a second edit is refused with `Locked`, never made to wait or to interleave.
* `replacing(path)` hands out a temporary file in the same folder; when the block ends
  normally the file is flushed to disk (fsync) and renamed over `path` (os.replace, atomic on
  POSIX and Windows), keeping the permissions, owner and group `path` had (owner and group
  where the system permits). If anything fails first, the temporary file is removed and
  `path` is untouched: a crash never leaves half a file.
* `write_output(path, write)` is every `-o FILE`: a regular file (or a new one) is replaced
  atomically as above; a FIFO, a character device or a socket (`/dev/null`, `/dev/stdout`,
  a named pipe) is opened and written in place, never renamed over; a folder is refused.

Standard library only; nothing here prints.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TextIO

from compartment.errors import CompartmentError, UsageError

LOCK_SUFFIX = ".lock"


class Locked(CompartmentError):
    """Another process holds the lock on the file."""


class Changed(CompartmentError):
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
        with suppress(FileNotFoundError):
            lock.unlink()


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
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if info is None:
            os.chmod(tmp, _umask_mode())
        else:
            _keep_owner(tmp, info)
            os.chmod(tmp, stat.S_IMODE(info.st_mode))  # after chown, which may clear set-id bits
        _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def _keep_owner(tmp: Path, info: os.stat_result) -> None:
    """Give the new file the owner and group of the old one, as far as we may: root editing
    another user's file must not leave it root's (that user could no longer read it)."""
    if not hasattr(os, "chown"):
        return
    try:
        os.chown(tmp, info.st_uid, info.st_gid)
    except PermissionError:
        # An ordinary user may still keep the group, if they belong to it.
        with contextlib.suppress(PermissionError):
            os.chown(tmp, -1, info.st_gid)


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one existing file (an `-o` that would overwrite the input)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def write_output(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write an output file (`-o`) through `write`, which is handed a binary stream.

    A regular file or a new path (or a symlink to either) is replaced atomically; a FIFO,
    character device or socket is written in place; a folder is a UsageError. Failures are
    CompartmentErrors naming the path.
    """
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise CompartmentError(f"-o {path}: cannot write ({exc.strerror})") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise UsageError(f"-o {path}: that is a folder; name a file")
    if info is None and not _real(path).parent.is_dir():
        raise CompartmentError(f"-o {path}: the folder {_real(path).parent} does not exist")
    try:
        if info is not None and not stat.S_ISREG(info.st_mode):
            # A device, FIFO or socket: a reader may be waiting on it, and renaming over it
            # would replace it with a plain file (as root, even /dev/null).
            with open(path, "wb") as fh:
                write(fh)
            return
        with replacing(path) as tmp, open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
    except OSError as exc:
        raise CompartmentError(f"-o {path}: cannot write output ({exc.strerror or exc})") from None


def write_text_output(path: Path, write: Callable[[TextIO], None]) -> None:
    """`write_output` for text: UTF-8, line ends as written."""

    def as_text(fh: BinaryIO) -> None:
        text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
        try:
            write(text)
            text.flush()
        finally:
            text.detach()  # the caller closes the binary stream

    write_output(path, as_text)


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
