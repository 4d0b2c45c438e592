"""The cold-load progress bar: fed by the loader, shown only when a load is slow."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from compartment.store.datafile import load
from compartment.views.render import LoadProgress


def test_loader_reports_its_progress_through_the_file(sample: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    load(sample, use_cache=False, progress=lambda *call: calls.append(call))
    # Parsing and validating go together (record by record), measured in bytes of the file.
    assert calls == [("loading", 0, len(sample.read_bytes()))]


def test_cache_hit_reports_nothing(sample: Path) -> None:
    load(sample)
    calls: list[tuple[str, int, int]] = []
    load(sample, progress=lambda *call: calls.append(call))
    assert calls == []


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=60, color_system=None), out


def test_bar_waits_for_the_delay() -> None:
    console, out = _console()
    bar = LoadProgress(console, delay=3600)
    bar("parsing", 10, 100)
    bar.close()
    assert out.getvalue() == ""


def test_bar_shows_stage_and_clears_itself() -> None:
    console, out = _console()
    bar = LoadProgress(console, delay=0)
    bar("validating", 50, 100)
    bar.close()
    text = out.getvalue()
    assert "validating" in text and "50%" in text
