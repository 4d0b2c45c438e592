"""Writes are atomic and locked: a crash never leaves half a file, two edits never mix."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from compartment.errors import CompartmentError
from compartment.store import storage

HOLD_LOCK = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from compartment.store import storage
    with storage.locked(Path(sys.argv[1])):
        print("locked", flush=True)
        sys.stdin.readline()
    """
)


def test_write_replaces_and_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    path.write_bytes(b"old\n")
    path.chmod(0o640)
    storage.write_atomic(path, b"new\n", expect=b"old\n")
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issues.yaml"]


def test_write_through_a_symlink_replaces_the_target(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_bytes(b"old\n")
    link = tmp_path / "issues.yaml"
    link.symlink_to(target)
    storage.write_atomic(link, b"new\n")
    assert link.is_symlink() and target.read_bytes() == b"new\n"


def test_a_crash_mid_write_leaves_the_file_intact(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "issues.yaml"
    path.write_bytes(b"precious\n")

    def crash(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(storage.os, "fsync", crash)
    with pytest.raises(OSError):
        storage.write_atomic(path, b"half of the new" * 1000)
    assert path.read_bytes() == b"precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issues.yaml"]


def test_an_exception_inside_replacing_leaves_the_file_intact(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    path.write_bytes(b"precious\n")
    with pytest.raises(KeyboardInterrupt), storage.replacing(path) as tmp:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert path.read_bytes() == b"precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issues.yaml"]


def test_a_change_on_disk_since_reading_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    path.write_bytes(b"saved by hand meanwhile\n")
    with pytest.raises(storage.Changed, match="changed while it was being edited"):
        storage.write_atomic(path, b"ours\n", expect=b"what we read\n")
    assert path.read_bytes() == b"saved by hand meanwhile\n"


def test_the_lock_is_released_even_after_an_error(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    with pytest.raises(RuntimeError), storage.locked(path):
        assert storage.lock_path(path).exists()
        raise RuntimeError
    assert not storage.lock_path(path).exists()


def test_a_stale_lock_says_so(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    storage.lock_path(path).write_text("999999999 2026-01-01T00:00:00\n", encoding="utf-8")
    with pytest.raises(storage.Locked, match="no longer running: the lock is stale"), storage.locked(path):
        pass


def test_a_second_process_is_refused_while_one_holds_the_lock(
    tmp_path: Path, sample: Path, run
) -> None:
    path = tmp_path / "issues.yaml"
    path.write_bytes(sample.read_bytes())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(storage.Locked, match=f"process {holder.pid}"), storage.locked(path):
            pass
        args = ["--data", str(path), "actor", "add", "osce", "--name", "OSCE",
                "--bloc", "international"]
        refused = run(*args, ok=False)
        assert refused.exit_code == 1
        assert refused.stderr.startswith(f"Error: {path} is being edited by another compartment")
        assert path.read_bytes() == sample.read_bytes()
    finally:
        holder.communicate("done\n", timeout=30)
    assert holder.returncode == 0
    run(*args)  # the lock is free again
    assert "osce:" in path.read_text(encoding="utf-8")
    assert not storage.lock_path(path).exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_new_files_get_the_usual_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    storage.write_atomic(path, b"x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


# Edits keep what they should; stale locks and orphans are cleaned up safely.

def _old(path: Path, seconds: float = 3600) -> None:
    then = path.stat().st_mtime - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_orphan_temporaries_are_removed_by_the_next_locked_write(tmp_path: Path) -> None:
    """A killed write leaves `.NAME.XXXXXXXX.tmp` beside the file; only those, and only old
    ones, are removed, by the next process that holds the lock."""
    path = tmp_path / "issues.yaml"
    path.write_bytes(b"data\n")
    orphan = tmp_path / ".issues.yaml.k3_9zq1a.tmp"
    orphan.write_bytes(b"x" * 1000)
    _old(orphan)
    fresh = tmp_path / ".issues.yaml.abcdefgh.tmp"  # may belong to a write in progress
    fresh.write_bytes(b"y")
    kept = [
        ".issues.yaml.abcdefg.tmp",  # seven characters: not mkstemp's
        ".issues.yaml.abcdefgh.tmp.bak",
        ".other.yaml.abcdefgh.tmp",
        "issues.yaml.abcdefgh.tmp",
        ".issues.yaml.ABCDEFGH.tmp",
    ]
    for name in kept:
        (tmp_path / name).write_bytes(b"keep")
        _old(tmp_path / name)
    folder = tmp_path / ".issues.yaml.dirdirdi.tmp"
    folder.mkdir()
    link = tmp_path / ".issues.yaml.linklink.tmp"
    link.symlink_to(path)
    _old(link)
    with storage.locked(path):
        pass
    assert not orphan.exists()
    assert fresh.exists() and folder.is_dir() and link.is_symlink() and path.exists()
    assert all((tmp_path / name).exists() for name in kept)


def test_orphans_are_left_alone_without_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    path.write_bytes(b"data\n")
    storage.lock_path(path).write_text("1 2026-01-01T00:00:00\n", encoding="utf-8")
    orphan = tmp_path / ".issues.yaml.k3_9zq1a.tmp"
    orphan.write_bytes(b"x")
    _old(orphan)
    with pytest.raises(storage.Locked), storage.locked(path):
        pass
    assert orphan.exists()


def _lock_line(pid: int, start: str | None) -> str:
    return f"{pid} 2026-01-01T00:00:00" + (f" {start}" if start else "") + "\n"


needs_proc = pytest.mark.skipif(
    storage.start_id(os.getpid()) is None, reason="process start times are unknown here"
)


@needs_proc
def test_the_lock_records_the_process_start(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    with storage.locked(path) as lock:
        pid, _, start = lock.read_text(encoding="utf-8").split()
    assert int(pid) == os.getpid() and start == storage.start_id(os.getpid())


@needs_proc
def test_a_lock_whose_process_is_gone_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(gone.stdout)
    here = storage.start_id(os.getpid())
    assert here is not None
    boot_ns = here.rsplit(":", 1)[0]
    storage.lock_path(path).write_text(_lock_line(pid, f"{boot_ns}:12345"), encoding="utf-8")
    with storage.locked(path) as lock:
        assert lock.read_text(encoding="utf-8").split()[0] == str(os.getpid())
    assert not lock.exists()


@needs_proc
def test_a_lock_whose_pid_was_reused_is_taken_over(tmp_path: Path) -> None:
    """The recorded pid is alive, but it is another process: its start time differs."""
    path = tmp_path / "issues.yaml"
    holder = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"],
                              stdin=subprocess.PIPE, text=True)
    try:
        real = storage.start_id(holder.pid)
        assert real is not None
        other = real.rsplit(":", 1)[0] + ":" + str(int(real.rsplit(":", 1)[1]) - 1)
        storage.lock_path(path).write_text(_lock_line(holder.pid, other), encoding="utf-8")
        with storage.locked(path) as lock:
            assert lock.read_text(encoding="utf-8").split()[0] == str(os.getpid())
        # With its true start time, the same process holds the lock.
        storage.lock_path(path).write_text(_lock_line(holder.pid, real), encoding="utf-8")
        with pytest.raises(storage.Locked, match=f"process {holder.pid}"), storage.locked(path):
            pass
    finally:
        holder.communicate("\n", timeout=30)


@needs_proc
def test_a_lock_from_another_boot_is_not_taken_over(tmp_path: Path) -> None:
    """Start times count from boot, and pids from their namespace: from another machine, boot
    or container, neither can be compared, so the lock stays and the message says what to do."""
    path = tmp_path / "issues.yaml"
    lock = storage.lock_path(path)
    lock.write_text(_lock_line(999_999_999, "00000000-other-boot:4026531836:12"), encoding="utf-8")
    with pytest.raises(storage.Locked, match="no longer running: the lock is stale"), storage.locked(path):
        pass
    assert lock.exists()


def test_a_live_holder_message_names_the_lock_file(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    lock = storage.lock_path(path)
    lock.write_text(_lock_line(os.getpid(), None), encoding="utf-8")  # alive: this very process
    with pytest.raises(storage.Locked) as refused, storage.locked(path):
        pass
    message = refused.value.message
    assert message.startswith(f"{path} is being edited by another compartment command (process {os.getpid()}")
    assert f"delete {lock}" in message
    assert lock.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_read_only_file_is_refused_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    path.write_bytes(b"old\n")
    path.chmod(0o444)
    with pytest.raises(CompartmentError, match=r"is read-only; .*use --force to write it anyway") as refused:
        storage.write_atomic(path, b"new\n", expect=b"old\n")
    assert refused.value.message.startswith(f"{path} is read-only")
    assert path.read_bytes() == b"old\n"
    storage.write_atomic(path, b"new\n", expect=b"old\n", force=True)
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issues.yaml"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_read_only_file_through_a_symlink_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_bytes(b"old\n")
    target.chmod(0o400)
    link = tmp_path / "issues.yaml"
    link.symlink_to(target)
    with pytest.raises(CompartmentError, match="read-only"):
        storage.write_atomic(link, b"new\n")
    storage.check_writable(tmp_path / "new.yaml")  # a file yet to be made is writable


RACE = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from compartment.store import storage
    go = Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.001)
    try:
        with storage.locked(Path(sys.argv[1])):
            print("got", flush=True)
            time.sleep(1.0)
    except storage.Locked:
        print("refused", flush=True)
    """
)


@needs_proc
def test_a_stale_lock_is_taken_over_by_exactly_one_of_many(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    here = storage.start_id(os.getpid())
    assert here is not None
    storage.lock_path(path).write_text(
        _lock_line(999_999_999, here.rsplit(":", 1)[0] + ":1"), encoding="utf-8"
    )
    go = tmp_path / "go"
    racers = [
        subprocess.Popen([sys.executable, "-c", RACE, str(path), str(go)],
                         stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    time.sleep(0.5)  # let them start and wait
    go.touch()
    said = sorted(r.communicate(timeout=60)[0].strip() for r in racers)
    assert said == ["got"] + ["refused"] * 7
