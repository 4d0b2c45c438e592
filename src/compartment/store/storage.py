"""Writing a file safely: a lock file against concurrent edits, and atomic replacement.

* `locked(path)` takes `PATH.lock`, created with O_CREAT | O_EXCL so that exactly one process
  gets it; a second edit is refused with `Locked`, never made to wait or to interleave. A
  lock whose process is provably gone is taken over (`_stale`).
* `replacing(path)` hands out a temporary file in the same folder, flushed to disk and
  renamed over `path` (os.replace, atomic on POSIX and Windows) when the block ends normally,
  keeping `path`'s permissions, owner and group; a crash never leaves half a file.
* `write_atomic` is an edit's write, `write_output` every `-o FILE`.

Standard library only; nothing here prints.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TextIO

from compartment.errors import CompartmentError, UsageError

LOCK_SUFFIX = ".lock"
TMP_SUFFIX = ".tmp"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# A temporary file of `replacing` untouched for this long is an orphan of a killed write. Only
# the lock holder looks, so no edit can be writing it; the margin is for writers that take no
# lock (another tool, an older compartment), whose temporary file is fresh while they write.
ORPHAN_SECONDS = 10.0


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
    """Hold `PATH.lock` for the duration of the block; raise Locked if someone else holds it.

    A lock left by a process that is provably gone is taken over (see `_stale`); once the
    lock is held, orphaned temporary files of earlier writes are removed.
    """
    target = _real(path)
    lock = lock_path(target)
    fd = _create(lock)
    if fd is None:
        seen = _read_lock(lock)
        if seen is None or not _stale(seen) or not _take_over(lock, seen.raw):
            raise Locked(_held_message(path, lock, seen))
        fd = _create(lock)
        if fd is None:  # another process took it over first: it is theirs now
            raise Locked(_held_message(path, lock, _read_lock(lock)))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            start = start_id(os.getpid())
            fh.write(f"{os.getpid()} {time.strftime('%Y-%m-%dT%H:%M:%S')}"
                     f"{' ' + start if start else ''}\n")  # fmt: skip
        _remove_orphans(target)
        yield lock
    finally:
        with suppress(FileNotFoundError):
            lock.unlink()


def _create(lock: Path) -> int | None:
    try:
        return os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return None


class _Holder:
    """What a lock file says: the raw bytes, the pid, since when, and the start id if any."""

    def __init__(self, raw: bytes, pid: int, since: str, start: str | None) -> None:
        self.raw, self.pid, self.since, self.start = raw, pid, since, start


def _read_lock(lock: Path) -> _Holder | None:
    """The lock's holder, or None if the file is gone or not a lock compartment wrote.

    The format is `PID TIME [START]`; older locks have no START."""
    try:
        raw = lock.read_bytes()[:4096]
        parts = raw.decode("ascii").split()
        pid = int(parts[0])
    except (OSError, UnicodeDecodeError, ValueError, IndexError):
        return None
    since = parts[1] if len(parts) > 1 else ""
    return _Holder(raw, pid, since, parts[2] if len(parts) > 2 else None)


def start_id(pid: int) -> str | None:
    """`BOOT:PIDNS:TICKS` naming process `pid` uniquely on this machine, or None if unknown.

    TICKS is the process's start time since boot (/proc/PID/stat, field 22): a reused pid has
    another. Start times only compare within one boot, and pids within one pid namespace (a
    container sharing the folder has its own), so both are part of the id. Linux only.
    """
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
            boot = fh.read().strip()
        namespace = os.readlink("/proc/self/ns/pid")
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat_line = fh.read()
    except (OSError, UnicodeDecodeError):
        return None
    # Field 2, the command name in parentheses, may itself hold spaces and parentheses: the
    # fields after it start after the last ")". Field 22 is then the 20th.
    fields = stat_line[stat_line.rfind(b")") + 1 :].split()
    ns_number = namespace.partition("[")[2].rstrip("]")
    if len(fields) < 20 or not fields[19].isdigit() or not boot or not ns_number.isdigit():
        return None
    return f"{boot}:{ns_number}:{fields[19].decode()}"


def _stale(holder: _Holder) -> bool:
    """Whether the lock's process is provably gone. Without a recorded start id (another
    system, an older compartment) or from another boot or pid namespace, it cannot be proved,
    and the lock stays for the user to judge."""
    here = start_id(os.getpid())
    if holder.start is None or here is None:
        return False
    if holder.start.rpartition(":")[0] != here.rpartition(":")[0]:
        return False
    if not _alive(holder.pid):
        return True
    now = start_id(holder.pid)
    return now is not None and now != holder.start  # the pid was reused by a later process


def _take_over(lock: Path, seen: bytes) -> bool:
    """Remove the stale lock if it is still the very file judged stale; True if removed.

    Two processes may judge the same lock stale at once: the first removes it and makes its
    own, and the second must not then remove that one. So the remover holds an flock on the
    lock file while it checks that the path still names that file, with the same bytes.
    """
    try:
        import fcntl
    except ImportError:  # no flock: leave it to the user, as the message says
        return False
    try:
        fd = os.open(lock, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held, named = os.fstat(fd), os.stat(lock, follow_symlinks=False)
        if (held.st_ino, held.st_dev) != (named.st_ino, named.st_dev):
            return False
        if os.read(fd, len(seen) + 1) != seen:
            return False
        os.unlink(lock)
        return True
    except OSError:  # someone else holds the flock, or the file went: not ours to take
        return False
    finally:
        os.close(fd)


def _held_message(path: Path, lock: Path, holder: _Holder | None) -> str:
    if holder is None:
        return (f"{path} is being edited by another process (lock file {lock}); try again, or "
                "delete the lock file if no compartment command is running")
    who = f"process {holder.pid}" + (f", since {holder.since}" if holder.since else "")
    if not _alive(holder.pid):
        return (f"{path} is locked by {who}, which is no longer running: the lock is stale. "
                f"Delete {lock} and try again")
    return (f"{path} is being edited by another compartment command ({who}); try again when it "
            f"has finished, or, if no compartment command is running, delete {lock}")


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but is not ours, or we cannot tell: assume it is running
    return True


def _remove_orphans(target: Path) -> None:
    """Remove `.NAME.XXXXXXXX.tmp` files that `replacing` left beside `target` when a write
    was killed: exactly mkstemp's eight characters, regular files (never a link or a folder),
    untouched for ORPHAN_SECONDS. Only a lock holder calls this. Never an error."""
    pattern = re.compile(re.escape(f".{target.name}.") + r"[a-z0-9_]{8}" + re.escape(TMP_SUFFIX))
    cutoff = time.time() - ORPHAN_SECONDS
    with suppress(OSError), os.scandir(target.parent) as found:
        for entry in found:
            if not pattern.fullmatch(entry.name):
                continue
            with suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    os.unlink(entry.path)


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
    # The name is what `_remove_orphans` recognises if this write is killed.
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=TMP_SUFFIX)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if info is None:
            os.chmod(tmp, _umask_mode())
        else:
            _keep_owner(tmp, info)
            os.chmod(tmp, stat.S_IMODE(info.st_mode))  # after chown, which may clear set-id bits
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with suppress(OSError):  # the rename made durable; not possible (nor needed) everywhere
        _fsync(folder, _DIRECTORY)


def _keep_owner(tmp: Path, info: os.stat_result) -> None:
    """Give the new file the owner and group of the old one, as far as we may: root editing
    another user's file must not leave it root's (that user could no longer read it)."""
    if not hasattr(os, "chown"):
        return
    try:
        os.chown(tmp, info.st_uid, info.st_gid)
    except PermissionError:
        # An ordinary user may still keep the group, if they belong to it.
        with suppress(PermissionError):
            os.chown(tmp, -1, info.st_gid)


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one existing file (an `-o` that would overwrite the input)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def write_output(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write an output file (`-o`) through `write`, which is handed a binary stream.

    The name itself is replaced, atomically: a new file is made in the same folder and
    renamed onto the name (`write_in`), so a regular file, a new path or a symlink is
    replaced by the output, and a symlink's target is never written. A FIFO, a character
    device or a socket, or a link to one (`/dev/stdout`), is written in place; a folder is a
    UsageError. Failures are CompartmentErrors naming the path.
    """
    buffer = io.BytesIO()
    write(buffer)
    try:
        folder = _open_folder(path.parent)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise CompartmentError(f"-o {path}: the folder {path.parent} does not exist") from None
        raise CompartmentError(f"-o {path}: cannot write ({exc.strerror})") from None
    try:
        kind = _kind_in(folder, path.name)
        if kind == stat.S_IFLNK:
            try:
                kind = stat.S_IFMT(os.stat(path).st_mode)
            except OSError:
                kind = None  # a dangling link: replaced like a file
        if kind == stat.S_IFDIR:
            raise UsageError(f"-o {path}: that is a folder; name a file")
        if kind not in (None, stat.S_IFREG):
            # A device, FIFO or socket: a reader may be waiting on it, and renaming over it
            # would replace it with a plain file (as root, even /dev/null).
            with open(path, "wb") as fh:
                fh.write(buffer.getvalue())
            return
        write_in(folder, path.name, buffer.getvalue())
    except OSError as exc:
        raise CompartmentError(f"-o {path}: cannot write output ({exc.strerror or exc})") from None
    finally:
        os.close(folder)


def write_tree(folder: Path, files: dict[str, bytes]) -> None:
    """Write `files` (relative paths with "/") under `folder`, each name replaced as
    `write_in` does. Below `folder` (the user's own choice, followed if a link) no link is
    followed: each subfolder is opened relative to its parent without following one, so a
    page or a subfolder swapped for a link while the site is written makes a refusal, never
    a write elsewhere."""
    top = _open_folder(folder)
    try:
        for relative in sorted(files):
            *parts, name = relative.split("/")
            fd = os.dup(top)
            try:
                for part in parts:
                    fd = _descend(fd, part, folder / relative)
                kind = _kind_in(fd, name)
                if kind not in (None, stat.S_IFREG):
                    raise CompartmentError(f"{folder / relative}: not a regular file (a folder, "
                                           "link or device); it was left as it is")
                write_in(fd, name, files[relative])
            finally:
                os.close(fd)
    except OSError as exc:
        raise CompartmentError(f"-o {folder}: cannot write ({exc.strerror or exc})") from None
    finally:
        os.close(top)


def _open_folder(folder: Path) -> int:
    return os.open(folder, os.O_RDONLY | _DIRECTORY | getattr(os, "O_CLOEXEC", 0))


def _descend(parent: int, name: str, shown: Path) -> int:
    """The subfolder `name` of the folder open as `parent` (closed here), made if missing;
    a link or a file there is refused."""
    try:
        with suppress(FileExistsError):
            os.mkdir(name, dir_fd=parent)
        try:
            return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=parent)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise CompartmentError(f"{shown}: the site needs a folder at {name}, and there "
                                       "is a link or a file; nothing more was written") from None
            raise
    finally:
        os.close(parent)


def _kind_in(folder: int, name: str) -> int | None:
    """The file type bits of `name` in the folder open as `folder`; a link is a link."""
    try:
        return stat.S_IFMT(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return None


def write_in(folder: int, name: str, data: bytes) -> None:
    """Replace the entry `name` of the folder open as `folder` with a file holding `data`:
    a temporary file made there (never through a link), flushed, then renamed onto the name,
    so the entry is replaced whatever it is (a link is replaced, not followed). A regular
    file's mode is kept; a new one gets the usual mode."""
    info = None
    with suppress(FileNotFoundError):
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    mode = stat.S_IMODE(info.st_mode) if info is not None and stat.S_ISREG(info.st_mode) \
        else _umask_mode()
    tmp = f".{name}.{os.getpid()}.{time.monotonic_ns()}{TMP_SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=folder)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp, dir_fd=folder)
        raise
    with suppress(OSError):
        os.fsync(folder)


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


def check_writable(path: Path, *, force: bool = False) -> None:
    """Refuse to replace a read-only file unless `force`, as editors do (vim's `:w!`).

    Replacing a file needs write permission on its folder, not on the file, so without this
    a 0444 file in a writable folder would be overwritten silently. Read-only means no write
    permission for this user, or no write bit at all: root may write anything, and its
    edits are refused by the bits alone (vim's rule too). A file yet to be made is writable.
    """
    if force:
        return
    target = _real(path)
    try:
        info = target.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CompartmentError(f"{path}: cannot write ({exc.strerror})") from None
    if stat.S_IMODE(info.st_mode) & 0o222 == 0 or not os.access(target, os.W_OK):
        raise CompartmentError(f"{path} is read-only; make it writable (chmod u+w) or use "
                               "--force to write it anyway")


def write_atomic(path: Path, data: bytes, *, expect: bytes | None = None,
                 force: bool = False) -> None:
    """Replace the file at `path` with `data`, atomically.

    With `expect`, refuse (Changed) if the file no longer holds those bytes: someone saved it
    while we were working, and writing would lose their change. A read-only file is refused
    (CompartmentError) unless `force`; forced, it stays read-only.
    """
    check_writable(path, force=force)
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


def _fsync(path: Path, flags: int = 0) -> None:
    fd = os.open(path, os.O_RDONLY | flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
