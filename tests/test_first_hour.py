"""Issue 16, "The first hour": what a newcomer tripped over, each checked as they met it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from compartment.data import lookup
from compartment.store.datafile import load
from compartment.views import timeline

SAMPLE = Path(__file__).parent / "sample.yaml"


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


@pytest.mark.parametrize("typed", ["NEW-START", "New Start", "new start", "Strategic Arms"])
def test_show_resolves_case_titles_and_aliases(run, write_dataset, typed: str) -> None:
    path = tagged(write_dataset, aliases="[Strategic Arms]")
    out = run("--data", str(path), "show", typed).stdout
    assert out.splitlines()[0].split() == ["id", "new-start"]


def test_show_by_alias_in_the_bundled_data(run) -> None:
    out = run("show", "Anti-Ballistic Missile Treaty").stdout
    assert out.splitlines()[0].split() == ["id", "abm-treaty"]


def test_an_ambiguous_alias_lists_the_candidates(run, write_dataset) -> None:
    path = tagged(write_dataset, aliases="[NRC]")
    result = run("--data", str(path), "show", "nrc", ok=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: 'nrc' names 2 dossiers (new-start, nato-russia-cooperation); give the id"
    )


def test_an_unknown_dossier_is_suggested_by_title_too(run) -> None:
    result = run("show", "Anti-Balistic Missile Treaty", ok=False)
    assert result.stderr.strip().endswith("did you mean abm-treaty?")


def test_party_suggests_by_name_and_initials(run) -> None:
    result = run("list", "--party", "usa", ok=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: --party: unknown actor or bloc 'usa'; did you mean united-states?"
    )


@pytest.mark.parametrize("option", ["--party", "--broken-off-by"])
@pytest.mark.parametrize("typed", ["United States", "united states", "UNITED-STATES"])
def test_actor_options_take_a_name_in_any_case(run, sample, option: str, typed: str) -> None:
    by_id = run("--data", str(sample), "list", option, "united-states", "-f", "csv").stdout
    assert run("--data", str(sample), "list", option, typed, "-f", "csv").stdout == by_id


def test_timeline_actor_and_dossier_resolve(run, sample) -> None:
    out = run("--data", str(sample), "timeline", "--actor", "Russia", "--dossier", "NEW-START",
              "-f", "csv").stdout
    assert [(r["dossier"], r["actor"]) for r in csv.DictReader(io.StringIO(out))] == [
        ("new-start", "russia")
    ]
    result = run("--data", str(sample), "timeline", "--dossier", "new-strat", ok=False)
    assert result.stderr.strip() == (
        "Error: --dossier: no dossier with id 'new-strat'; did you mean new-start?"
    )


def test_check_actors_returns_the_ids(sample) -> None:
    data = load(sample).dataset
    assert data is not None
    assert lookup.check_actors(data, "--party", ["NATO", "Russia", "west", "United States"]) == [
        "nato", "russia", "west", "united-states"
    ]


# -- item 10: --tag ---------------------------------------------------------------------------


def test_tag_filters_list_or_within_and_with_the_rest(run, write_dataset) -> None:
    path = str(tagged(write_dataset))
    assert ids(run("--data", path, "list", "--tag", "nuclear", "-f", "csv").stdout) == [
        "new-start"
    ]
    both = run("--data", path, "list", "-t", "TREATY", "-t", "council", "-f", "csv").stdout
    assert ids(both) == ["new-start", "nato-russia-cooperation"]  # a tag in any case
    anded = run("--data", path, "list", "-t", "treaty", "-t", "council", "--status", "suspended",
                "-f", "csv").stdout
    assert ids(anded) == ["nato-russia-cooperation"]


def test_an_unknown_tag_is_a_usage_error_with_a_suggestion(run, write_dataset) -> None:
    result = run("--data", str(tagged(write_dataset)), "list", "--tag", "nuclaer", ok=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: --tag: no dossier has the tag 'nuclaer'; did you mean nuclear?"


def test_search_matches_tags(run, write_dataset) -> None:
    path = str(tagged(write_dataset, new_start="[arms-race]"))
    assert ids(run("--data", path, "list", "--search", "arms-race", "-f", "csv").stdout) == [
        "new-start"
    ]


def test_tag_filters_timeline_export_stats_and_chart(run, write_dataset, tmp_path) -> None:
    path = str(tagged(write_dataset))
    events = run("--data", path, "timeline", "--tag", "council", "-f", "csv").stdout
    assert ids(events, "dossier") == ["nato-russia-cooperation"]
    exported = run("--data", path, "export", "--tag", "treaty", "-f", "csv").stdout
    assert ids(exported) == ["new-start"]
    counted = run("--data", path, "stats", "--tag", "council", "-f", "csv").stdout
    assert counted == "status,count\nsuspended,1\n"
    pytest.importorskip("matplotlib")
    result = run("--data", path, "chart", "--tag", "nuclear", "-o", str(tmp_path / "c.svg"))
    assert "1 dossier drawn" in result.stderr


def test_timeline_filters_by_the_dossiers_tags() -> None:
    data = load(SAMPLE).dataset
    assert data is not None
    # The sample has no tags: a tag filter keeps nothing, no filter keeps everything.
    assert timeline.select(data, timeline.Filters(tags=["nuclear"])) == []
    assert len(timeline.select(data, timeline.Filters())) == 4


def test_tags_complete_from_the_data(write_dataset) -> None:
    from compartment.cli import options

    class Root:
        params = {"data": str(tagged(write_dataset))}

    class Context:
        def find_root(self) -> Root:
            return Root()

    ctx = Context()
    assert options.complete_tag(ctx, "") == [  # type: ignore[arg-type]
        ("nuclear", "1 dossier"), ("treaty", "1 dossier"), ("council", "1 dossier")
    ]
    assert options.complete_tag(ctx, "t") == [("treaty", "1 dossier")]  # type: ignore[arg-type]


# -- item 1: sources whole, one to a line, and links in a terminal -----------------------

LONG_URL = (
    "https://www.armscontrol.org/act/2002-01/us-withdrawal-abm-treaty-president-bushs-"
    "remarks-and-us-diplomatic-notes"
)


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


# -- item 3: info shows the data file's path whole ---------------------------------------


def test_info_shows_a_long_path_whole_at_80_columns(run, monkeypatch, tmp_path) -> None:
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 3)
    folder.mkdir()
    path = folder / "issues.yaml"
    path.write_bytes(SAMPLE.read_bytes())
    monkeypatch.setenv("COLUMNS", "80")
    out = run("--data", str(path), "info").stdout
    assert f"file         {path}\n" in out
    assert "..." not in out and "…" not in out


# -- item 7: list's date is the status's -------------------------------------------------


def test_list_dates_the_status_beside_it(run, sample) -> None:
    out = run("--data", str(sample), "list", "--broken-off-by", "russia").stdout.splitlines()
    assert out[0].split() == ["id", "title", "status", "status", "since", "broken", "off", "by",
                              "domain"]
    assert out[2].split() == ["new-start", "New", "START", "expired", "2026-02-05", "russia",
                              "arms-control"]
    # Scripts keep their keys.
    csv_out = run("--data", str(sample), "list", "-f", "csv").stdout
    assert csv_out.splitlines()[0] == "id,title,status,broken_off_by,since,domain"


# -- item 14: no trailing blanks, ids never split, summaries whole ------------------------


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


# -- item 12: the fuzz profile runs the loader's fuzz test long, the others not -----------


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


# -- items 11 and 14: the README's pin, its files and its python --------------------------

ROOT = Path(__file__).resolve().parent.parent


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


def test_sources_weak_keeps_printing_urls_whole_at_80_columns(run, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run("sources", "--weak").stdout.splitlines()
    url = ("https://www.rbth.com/news/2014/04/05/moscow_will_not_take_initiative_in_restarting_"
           "bilateral_presidential_com_35694.html")
    assert f"    {url}" in out
