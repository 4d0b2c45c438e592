"""Outputs at the command line: `-o` into special files, messages that no terminal width can
silence, and paths that cannot steer the terminal."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ESC_PATH = "odd\ndir/bad\x1b[2J\u202e.yaml"


@pytest.mark.parametrize("columns", ["0", "-5", "abc", ""])
def test_problems_print_whatever_columns_says(run, write_dataset, monkeypatch, columns) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    path = write_dataset("actors: {}\ndossiers: [1]\n")
    result = run("--data", str(path), "validate", ok=False)
    assert result.exit_code == 1
    assert f"{path}:2:12: dossiers[0]: Input should be a valid dictionary" in result.stdout
    refused = run("--data", str(path), "actor", "add", "x", "--name", "X", "--bloc", "west",
                  ok=False)
    assert refused.exit_code == 1 and "fix them before editing" in refused.stderr


def test_a_hostile_path_is_escaped_on_one_line(run, tmp_path: Path) -> None:
    path = tmp_path / ESC_PATH
    path.parent.mkdir()
    path.write_text("actors: {}\ndossiers: [1]\n", encoding="utf-8")
    out = run("validate", str(path), ok=False).stdout
    shown = str(tmp_path) + "/odd\\ndir/bad\\x1b[2J\\u202e.yaml"
    assert out.splitlines() == [
        f"{shown}:2:12: dossiers[0]: Input should be a valid dictionary or instance of "
        "DossierModel (found '1')",
        f"{shown}: 1 error",
    ]
    assert "\x1b" not in out and "\u202e" not in out


def test_fmt_check_diff_header_escapes_the_path(run, tmp_path: Path, sample: Path) -> None:
    path = tmp_path / ESC_PATH
    path.parent.mkdir()
    text = sample.read_text(encoding="utf-8")
    path.write_text(text.replace("  nato:\n    name: NATO\n", "  nato:\n    bloc: west\n    name: NATO\n", 1)
                    .replace("    bloc: west\n    name: NATO\n    bloc: west\n",
                             "    bloc: west\n    name: NATO\n", 1), encoding="utf-8")
    result = run("fmt", "--check", str(path), ok=False)
    assert "\x1b" not in result.stdout + result.stderr
    assert result.stdout.startswith(f"--- {tmp_path}/odd\\ndir/bad\\x1b[2J\\u202e.yaml\n")


def test_output_into_a_fifo_keeps_the_fifo(run, sample: Path, tmp_path: Path) -> None:
    (tmp_path / "o").mkdir()
    fifo = tmp_path / "o" / "out"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    run("--data", str(sample), "export", "--format", "csv", "-o", str(fifo))
    reader.join(timeout=10)
    assert got and got[0].startswith(b"id,title,")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in fifo.parent.iterdir()] == ["out"]  # no temporary file left


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_output_into_a_character_device_stays_a_device(run, sample: Path, tmp_path: Path) -> None:
    (tmp_path / "o").mkdir()
    null = tmp_path / "o" / "mynull"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null
    run("--data", str(sample), "export", "--format", "csv", "-o", str(null))
    run("--data", str(sample), "export", "--format", "sqlite", "-o", str(null))
    assert stat.S_ISCHR(null.stat().st_mode)
    assert [p.name for p in null.parent.iterdir()] == ["mynull"]


def test_output_to_a_folder_is_a_usage_error(run, sample: Path, tmp_path: Path) -> None:
    result = run("--data", str(sample), "export", "-o", str(tmp_path), ok=False)
    assert result.exit_code == 2
    assert result.stderr == f"Error: -o {tmp_path}: that is a folder; name a file\n"


def test_output_to_stdout_device(sample: Path) -> None:
    # /dev/stdout is a symlink to the process's own stdout: written in place, in a pipe.
    proc = subprocess.run(
        [sys.executable, "-m", "compartment", "--data", str(sample), "export", "-f", "csv",
         "-o", "/dev/stdout"], capture_output=True, check=True)
    assert proc.stdout.startswith(b"id,title,")


def test_output_onto_a_symlink_replaces_the_link_not_its_target(run, sample: Path, tmp_path: Path) -> None:
    """`-o NAME` replaces the name itself: a link placed there (by whoever shares the folder)
    is replaced by the output, and the file it points at is never written."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    out = tmp_path / "out.csv"
    out.symlink_to(victim)
    run("--data", str(sample), "export", "-f", "csv", "-o", str(out))
    assert victim.read_text() == "keep me\n"
    assert not out.is_symlink() and out.read_text().startswith("id,title,")
