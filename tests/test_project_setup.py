"""The project as a newcomer meets it: the README's set-up, what its examples write, the fuzz profile."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "sample.yaml"


ROOT = Path(__file__).resolve().parent.parent


def tagged(write_dataset: Callable[[str], Path], new_start: str = "[nuclear, treaty]",
           nato: str = "[council]", aliases: str = "") -> Path:
    """The sample with tags (and, optionally, New START's aliases)."""
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("    approach: [expose]\n", f"    approach: [expose]\n    tags: {new_start}\n")
    text = text.replace("    aliases: [NRC]\n", f"    aliases: [NRC]\n    tags: {nato}\n")
    if aliases:
        text = text.replace("    title: New START\n", f"    title: New START\n    aliases: {aliases}\n")
    return write_dataset(text)


def ids(csv_text: str, column: str = "id") -> list[str]:
    return [row[column] for row in csv.DictReader(io.StringIO(csv_text))]


# -- item 9: lookups resolve case, titles, aliases and names ------------------------------


@pytest.mark.slow  # a pytest of its own in a subprocess: 10 s
def test_the_fuzz_profile_gives_its_5000_examples_to_the_loader_fuzz_test_only(tmp_path) -> None:
    import os
    import subprocess
    import sys

    counts = tmp_path / "counts"
    (tmp_path / "test_profiled.py").write_text(
        "from hypothesis import given, strategies as st\n"
        f"COUNTS = {str(counts)!r}\n"
        "def count(name):\n"
        "    with open(COUNTS, 'a') as f:\n"
        "        f.write(name + '\\n')\n"
        "@given(st.integers())\n"
        "def test_loader_never_raises(n):\n"
        "    count('fuzz')\n"
        "@given(st.integers())\n"
        "def test_round_trip(n):\n"
        "    count('other')\n",
        encoding="utf-8",
    )
    tests = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": str(tests)}
    # The project's conftest as a plugin, on a test file of its own outside the project.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-c", os.devnull, "--hypothesis-profile=fuzz",
         str(tmp_path / "test_profiled.py")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen = counts.read_text(encoding="utf-8").split()
    # Hypothesis may run a few more (the shrinker, the explicit examples) but not fewer.
    assert 5_000 <= seen.count("fuzz") < 5_100
    assert 200 <= seen.count("other") < 300


def test_the_readme_pins_the_release_tag_of_the_one_version() -> None:
    from compartment import __version__

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"    rev: v{__version__}  " in text
    assert "OWNER" not in text


def test_what_the_readme_examples_write_is_ignored_by_git() -> None:
    ignored = set((ROOT / ".gitignore").read_text(encoding="utf-8").split())
    written = {"compartment.db", "dossiers.png", "curve.svg", "curve.png", "russia.svg",
               "events.csv", "dossiers.csv"}
    assert written <= ignored


def test_the_readme_makes_a_venv_with_python3() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`python3 -m venv .venv && . .venv/bin/activate`" in text
    assert "python -m venv" not in text
