"""The project as a newcomer meets it: the README's set-up, what its examples write, the fuzz profile."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "sample.yaml"


ROOT = Path(__file__).resolve().parent.parent


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


def test_the_pre_commit_example_pins_a_commit_that_any_clone_can_name() -> None:
    # A fresh clone has no tags, so an example naming one (`rev: v0.1.0`) fails there.
    text = (ROOT / "docs" / "editing.md").read_text(encoding="utf-8")
    revs = re.findall(r"^\s+rev: (\S+)", text, re.M)
    assert revs and all(re.fullmatch(r"[0-9a-f]{40}", rev) for rev in revs), revs


def test_the_version_is_the_same_in_the_changelog_and_the_citation() -> None:
    import yaml

    from compartment import __version__

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == __version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    # The newest release's heading; an "Unreleased" section may stand above it.
    assert re.search(r"^## ([0-9]\S*)", changelog, re.M)[1] == __version__  # type: ignore[index]


def test_what_the_docs_examples_write_is_ignored_by_git() -> None:
    ignored = set((ROOT / ".gitignore").read_text(encoding="utf-8").split())
    pages = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    text = " ".join(" ".join(page.read_text(encoding="utf-8").split()) for page in pages)
    written = set(re.findall(r"(?:-o|--output) ([a-z_][\w.-]*)", text))
    assert {"ledger.db", "_site", "next.ics"} <= written  # the regex finds them
    assert written <= ignored, written - ignored


def test_the_readme_makes_a_venv_with_python3() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`python3 -m venv .venv && . .venv/bin/activate`" in text
    assert "python -m venv" not in text


def test_no_install_hint_names_the_package_index_project_that_is_not_ours() -> None:
    # `compartment` on the package index is an unrelated project: a hint that installs
    # `compartment[...]` fetches it. Ours is compartment-ledger.
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py")]
    texts += [p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]]
    assert not [t for t in texts if re.search(r"(?<![-\w])compartment\[", t)]
