from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compartment.cli import app

SAMPLE = Path(__file__).parent / "sample.yaml"


@pytest.fixture(autouse=True)
def stable_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fixed width, no colour, no data file from the environment, no cache between tests."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("COMPARTMENT_DATA", raising=False)
    monkeypatch.setenv("COMPARTMENT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def sample() -> Path:
    return SAMPLE


@pytest.fixture
def write_dataset(tmp_path: Path) -> Callable[[str], Path]:
    """Write a dataset given inline (dedented) and return its path."""

    def write(text: str, name: str = "issues.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def tagged(write_dataset: Callable[[str], Path]) -> Callable[..., Path]:
    """Write the sample with tags (and, optionally, New START's aliases); return its path."""

    def write(new_start: str = "[nuclear, treaty]", nato: str = "[council]",
              aliases: str = "") -> Path:
        text = (Path(__file__).parent / "sample.yaml").read_text(encoding="utf-8")
        text = text.replace("    approach: [expose]\n",
                            f"    approach: [expose]\n    tags: {new_start}\n")
        text = text.replace("    aliases: [NRC]\n", f"    aliases: [NRC]\n    tags: {nato}\n")
        if aliases:
            text = text.replace("    title: New START\n",
                                f"    title: New START\n    aliases: {aliases}\n")
        return write_dataset(text)

    return write


class Run:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> object:
        result = self.runner.invoke(app, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def run() -> Run:
    return Run()


# `python -m pytest --hypothesis-profile=fuzz tests/test_properties.py` runs the property
# tests far longer than the everyday default, and the loader's fuzz test longest of all: it
# is the one that guards against hostile files. See docs/contributing.md, "Tests", for how long.
from hypothesis import HealthCheck, settings  # noqa: E402

FUZZ_EXAMPLES = 5_000
FUZZ_TESTS = frozenset({"test_loader_never_raises"})  # tests/test_properties.py
settings.register_profile("fuzz", max_examples=200, deadline=None)
settings.register_profile(
    "default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under the fuzz profile, FUZZ_TESTS get FUZZ_EXAMPLES. (5,000 for every property
    test took about 20 minutes on two cores, most of it in tests that find nothing new
    after a few hundred.)"""
    if config.getoption("hypothesis_profile", None) != "fuzz":
        return
    for item in items:
        test = getattr(item, "obj", None)
        if item.name in FUZZ_TESTS and getattr(test, "is_hypothesis_test", False):
            settings(settings.get_profile("fuzz"), max_examples=FUZZ_EXAMPLES)(test)


def canonical(text: str) -> str:
    """`text` (a valid data file) in the canonical layout: what `compartment fmt` makes of
    it, for tests whose edits should change only the lines of what changed."""
    from compartment.data.loader import load_text
    from compartment.edit.rewrite import write_text

    result = load_text(text, "canonical")
    assert result.dataset is not None and not result.errors, result.errors
    return write_text(result.dataset, text)
