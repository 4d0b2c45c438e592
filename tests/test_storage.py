"""Writes are atomic and locked: a crash never leaves half a file, two edits never mix."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compartment import storage

HOLD_LOCK = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from compartment import storage
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
