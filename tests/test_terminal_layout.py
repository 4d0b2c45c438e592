"""What the tables and pages look like in a terminal and in a pipe: widths, links, whole ids and sources."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from compartment.store.datafile import load
from compartment.views import timeline

SAMPLE = Path(__file__).parent / "sample.yaml"


LONG_URL = (
    "https://www.armscontrol.org/act/2002-01/us-withdrawal-abm-treaty-president-bushs-"
    "remarks-and-us-diplomatic-notes"
)




# -- item 9: lookups resolve case, titles, aliases and names ------------------------------


@pytest.mark.parametrize("columns", ["80", "200"])
def test_show_prints_every_source_whole_on_its_own_line(run, monkeypatch, columns: str) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    out = run("show", "abm-treaty").stdout.splitlines()
    assert f"             {LONG_URL}" in out
    data = load(Path(__file__).parent.parent / "data" / "issues.yaml").dataset
    assert data is not None
    dossier = data.get("abm-treaty")
    assert dossier is not None
    urls = [s for e in dossier.events for s in e.sources if s.startswith("http")]
    assert [line.strip() for line in out if line.strip().startswith("http")] == urls


def test_show_links_web_sources_in_a_terminal() -> None:
    from rich.console import Console

    from compartment.views import render

    data = load(SAMPLE).dataset
    assert data is not None
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="truecolor", width=80)
    console.print(render.dossier_detail(data, data.get("nato-russia-cooperation")), crop=False)
    url = ("https://honvedelem.hu/hirek/measures-following-nato-ministers-decision-to-suspend-"
           "all-practical-cooperation-with-russia.html")
    # OSC 8: ESC ] 8 ; params ; URL ESC \ text ESC ] 8 ; ; ESC \, the text the whole URL too.
    assert f";{url}\x1b\\\x1b[2m{url}\x1b[0m\x1b]8;;\x1b\\" in out.getvalue()


@pytest.mark.parametrize("source", [
    "Hanna Notte, War on the Rocks, March 2023",
    "ftp://example.org/file",
    "javascript:alert(1)",
    "https://example.org/a b",
])
def test_only_clean_web_urls_become_links(source: str) -> None:
    from compartment.views import layout

    assert layout.web_link(source) is None
    assert layout.source_text(source).style == "dim"
    assert layout.web_link("https://example.org/x?a=1") == "https://example.org/x?a=1"


def test_a_piped_show_has_no_link_codes(run, sample) -> None:
    out = run("--data", str(sample), "show", "new-start").stdout
    assert "\x1b" not in out


def test_info_shows_a_long_path_whole_at_80_columns(run, monkeypatch, tmp_path) -> None:
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 3)
    folder.mkdir()
    path = folder / "issues.yaml"
    path.write_bytes(SAMPLE.read_bytes())
    monkeypatch.setenv("COLUMNS", "80")
    out = run("--data", str(path), "info").stdout
    assert f"file         {path}\n" in out
    assert "..." not in out and "…" not in out


def test_list_dates_the_status_beside_it(run, sample) -> None:
    out = run("--data", str(sample), "list", "--broken-off-by", "russia").stdout.splitlines()
    assert out[0].split() == ["id", "title", "status", "status", "since", "broken", "off", "by",
                              "domain"]
    assert out[2].split() == ["new-start", "New", "START", "expired", "2026-02-05", "russia",
                              "arms-control"]
    # Scripts keep their keys.
    csv_out = run("--data", str(sample), "list", "-f", "csv").stdout
    assert csv_out.splitlines()[0] == "id,title,status,broken_off_by,since,domain"


@pytest.mark.parametrize("argv", [
    ["list"], ["show", "new-start"], ["info"], ["timeline"], ["stats"], ["stats", "--series", "year"],
    ["stats", "--by", "status", "--per", "bloc"],
])
def test_piped_tables_have_no_trailing_blanks(run, sample, argv: list[str]) -> None:
    out = run("--data", str(sample), *argv).stdout
    assert out.strip()
    assert [line for line in out.splitlines() if line != line.rstrip()] == []


def test_timeline_never_splits_an_id_at_80_columns(run, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run("timeline", "--dossier", "black-sea-grain-initiative").stdout
    assert "black-sea-initiative-parties:" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    data = load(Path(__file__).parent.parent / "data" / "issues.yaml").dataset
    assert data is not None
    words = set(out.split())
    for entry in timeline.select(data, timeline.Filters()):
        if entry.dossier == "black-sea-grain-initiative":
            assert {entry.dossier, f"{entry.event.actor}:"} <= words


def test_timeline_keeps_one_line_per_event_where_there_is_room(run, sample) -> None:
    out = run("--data", str(sample), "timeline").stdout.splitlines()
    assert out[0].split() == ["date", "dossier", "status", "who", "did", "what"]
    assert "2023-02-21   new-start                 suspended   russia: suspended implementation" in out


@pytest.mark.parametrize("group", ["", "event", "dossier", "actor", "claim", "publisher"])
def test_help_shows_every_command_summary_whole_at_80_columns(run, monkeypatch, group: str) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run(*([group] if group else []), "--help").stdout
    listed = out.split("Commands:")[1].splitlines()
    assert [line for line in listed if line.rstrip().endswith("...")] == []


def test_sources_weak_keeps_printing_urls_whole_at_80_columns(run, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run("sources", "--weak").stdout.splitlines()
    urls = [line.strip() for line in out if line.strip().startswith("http")]
    longest = max(urls, key=len)
    assert len(longest) > 80 and f"    {longest}" in out  # whole, on its line, past the edge


def test_a_pivot_too_wide_for_the_terminal_keeps_every_value_and_says_so(run, monkeypatch) -> None:
    """`stats --by first-bloc --per first-year` at 80 columns dropped 2020, 2022, ... and the
    total with nothing on stderr; now it switches to one line per row, and says so."""
    monkeypatch.setenv("COLUMNS", "80")
    table = run("stats", "--by", "first-bloc", "--per", "first-year")
    assert table.stderr == ("the table is wider than 80 columns: one line per first-bloc "
                            "instead (--format csv gives the table)\n")
    rows = list(csv.DictReader(io.StringIO(
        run("stats", "--by", "first-bloc", "--per", "first-year", "-f", "csv").stdout)))
    years = {r["first_year"] for r in rows if r["first_year"]}
    assert years and all(f"{year}=" in table.stdout for year in years)
    assert "total=" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


@pytest.mark.parametrize("by", ["publisher", "dossier"])
def test_sources_never_cut_a_cell_at_80_columns(run, monkeypatch, by: str) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run("sources", "--by", by).stdout
    rows = list(csv.DictReader(io.StringIO(run("sources", "--by", by, "-f", "csv").stdout)))
    key = "host" if by == "publisher" else "id"
    for row in rows:
        assert row[key] in out
        if by == "publisher":
            assert f"kind={row['kind']}" in out or f" {row['kind']} " in out


def test_a_pivot_that_fits_is_a_table_with_whole_ids(run, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = run("stats", "--by", "blames", "--per", "by")
    assert out.stderr == ""
    assert "osce-chair-and-secretariat" in out.stdout.splitlines()[0]  # a header never folded
