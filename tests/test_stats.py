"""`compartment stats`: counts of dossiers pivoted by one or two fields."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from compartment.cli import runtime
from compartment.data.loader import load_text
from compartment.store.datafile import load
from compartment.views import render, stats

DATA = Path(__file__).resolve().parent.parent / "data" / "issues.yaml"

# Four dossiers: broken off by the West in 2014 (twice), by Russia in 2022, and never.
SMALL = """
actors:
  russia: {name: Russia, bloc: russia}
  nato: {name: NATO, bloc: west}
  eu: {name: EU, bloc: west}
  both: {name: Both, bloc: international}
dossiers:
  - id: a
    title: A
    domain: diplomacy
    parties: [eu, russia]
    status: suspended
    broken_off_by: eu
    summary: s
    events:
      - {date: 2014-03, actor: eu, action: x, status: suspended, summary: s, sources: [x]}
  - id: b
    title: B
    domain: security-dialogue
    parties: [nato, russia]
    status: terminated
    broken_off_by: nato
    summary: s
    events:
      - {date: "2002", actor: both, action: x, status: active, summary: s, sources: [x]}
      - {date: 2014-04-01, actor: nato, action: x, status: suspended, summary: s, sources: [x]}
      - {date: 2019-08-02, actor: nato, action: x, status: terminated, summary: s, sources: [x]}
  - id: c
    title: C
    domain: arms-control
    parties: [nato, russia]
    status: expired
    broken_off_by: russia
    summary: s
    events:
      - {date: 2010, actor: both, action: x, status: active, summary: s, sources: [x]}
      - date: 2022-08-08
        actor: russia
        action: x
        status: strained
        summary: s
        sources: [x]
        claims:
          - {by: russia, blames: nato, says: They forced it., sources: [y]}
          - {by: nato, blames: russia, says: It was theirs., sources: [z]}
          - {by: russia, blames: nato, says: Again., sources: [y]}
      - {date: 2026-02-05, actor: both, action: x, status: expired, summary: s, sources: [x]}
  - id: d
    title: D
    domain: arms-control
    parties: [nato, russia]
    status: active
    broken_off_by: null
    summary: s
    events:
      - {date: 2018, actor: both, action: x, status: active, summary: s, sources: [x]}
"""


@pytest.fixture
def small():
    result = load_text(SMALL, "small.yaml")
    assert result.dataset is not None, result.problems
    return result.dataset


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_values_of_each_field(small) -> None:
    b = small.get("b")
    assert [stats.value_of(small, b, f) for f in stats.DOSSIER_FIELDS] == [
        "terminated", "nato", "west", 2019, "nato", "west", 2014, "security-dialogue",
    ]
    c = small.get("c")  # expired, but broken off by Russia in 2022 on the way
    assert stats.value_of(small, c, "year") == 2022
    d = small.get("d")  # never broken off
    assert [stats.value_of(small, d, f) for f in ("broken-off-by", "bloc", "year")] == [None] * 3


def test_pivot_orders_values_and_counts_every_dossier_once(small) -> None:
    p = stats.pivot(small, "bloc", "year")
    assert p.rows == ("west", "russia", None)  # contract order, none last
    assert p.columns == (2014, 2019, 2022, None)
    assert p.total == 4
    assert p.records() == [
        {"bloc": "west", "year": 2014, "count": 1},
        {"bloc": "west", "year": 2019, "count": 1},
        {"bloc": "russia", "year": 2022, "count": 1},
        {"bloc": None, "year": None, "count": 1},
    ]
    by_status = stats.pivot(small, "status")
    assert by_status.rows == ("active", "suspended", "terminated", "expired")
    assert by_status.records()[0] == {"status": "active", "count": 1}
    actors = stats.pivot(small, "broken-off-by")
    assert actors.rows == ("eu", "nato", "russia", None)  # ids in order, none last
    assert actors.records()[-1] == {"broken_off_by": None, "count": 1}


def test_first_break_fields(small) -> None:
    p = stats.pivot(small, "first-bloc", "first-year")
    assert p.records() == [
        {"first_bloc": "west", "first_year": 2014, "count": 2},
        {"first_bloc": "russia", "first_year": 2022, "count": 1},
        {"first_bloc": None, "first_year": None, "count": 1},
    ]


def test_claims_are_counted_once_each_who_blames_whom(small) -> None:
    p = stats.pivot(small, "blames", "by")
    assert p.records() == [
        {"blames": "nato", "by": "russia", "count": 2},
        {"blames": "russia", "by": "nato", "count": 1},
    ]
    assert p.total == 3  # claims, not dossiers
    with pytest.raises(ValueError, match="count different things"):
        stats.pivot(small, "blames", "status")


def test_claim_and_dossier_fields_do_not_mix_on_the_command_line(run, write_dataset) -> None:
    path = write_dataset(SMALL)
    result = run("--data", str(path), "stats", "--by", "blames", "--per", "year", ok=False)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --by blames --per year: by and blames count claims, the other fields dossiers; "
        "pair by with blames\n"
    )


def test_pivot_rejects_bad_fields(small) -> None:
    with pytest.raises(ValueError, match="unknown field"):
        stats.pivot(small, "colour")
    with pytest.raises(ValueError, match="must differ"):
        stats.pivot(small, "year", "year")


def test_grid_has_totals_and_blank_empty_cells(small) -> None:
    columns, rows = stats.grid(stats.pivot(small, "domain", "status"))
    assert columns == ["domain", "active", "suspended", "terminated", "expired", "total"]
    assert rows == [
        ["arms-control", "1", "", "", "1", "2"],
        ["security-dialogue", "", "", "1", "", "1"],
        ["diplomacy", "", "1", "", "", "1"],
        ["total", "1", "1", "1", "1", "4"],
    ]


def test_table_exact(run, write_dataset) -> None:
    path = write_dataset(SMALL)
    result = run("--data", str(path), "stats", "--by", "bloc", "--per", "year")
    assert lines(result.stdout) == [
        "bloc    2014  2019  2022  none  total",
        "─" * 37,
        "west       1     1                  2",
        "russia                 1            1",
        "none                         1      1",
        "─" * 37,
        "total      1     1     1     1      4",
    ]
    one = run("--data", str(path), "stats", "--by", "broken-off-by")
    assert lines(one.stdout) == [
        "broken-off-by  count",
        "─" * 20,
        "eu                 1",
        "nato               1",
        "russia             1",
        "none               1",
        "─" * 20,
        "total              4",
    ]


def test_default_is_by_status(run, sample: Path) -> None:
    assert lines(run("--data", str(sample), "stats").stdout) == [
        "status     count",
        "─" * 16,
        "suspended      1",
        "expired        1",
        "─" * 16,
        "total          2",
    ]


def test_csv_json_markdown(run, write_dataset) -> None:
    path = write_dataset(SMALL)
    args = ("--data", str(path), "stats", "--by", "year", "--per", "bloc")
    assert run(*args, "-f", "csv").stdout == (
        "year,bloc,count\n2014,west,1\n2019,west,1\n2022,russia,1\n,,1\n"
    )
    assert json.loads(run(*args, "-f", "json").stdout) == [
        {"year": 2014, "bloc": "west", "count": 1},
        {"year": 2019, "bloc": "west", "count": 1},
        {"year": 2022, "bloc": "russia", "count": 1},
        {"year": None, "bloc": None, "count": 1},
    ]
    assert run(*args, "-f", "markdown").stdout == (
        "| year | west | russia | none | total |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| 2014 | 1 |  |  | 1 |\n"
        "| 2019 | 1 |  |  | 1 |\n"
        "| 2022 |  | 1 |  | 1 |\n"
        "| none |  |  | 1 | 1 |\n"
        "| total | 2 | 1 | 1 | 4 |\n"
    )


def test_same_field_twice_is_usage_error(run, sample: Path) -> None:
    result = run("--data", str(sample), "stats", "--by", "year", "--per", "year", ok=False)
    assert result.exit_code == 2
    assert result.stderr == "Error: --per must name another field than --by (both are year)\n"


def test_bars_only_on_a_terminal(run, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    piped = run("--data", str(sample), "stats").stdout
    assert "█" not in piped
    monkeypatch.setattr(runtime, "stdout_is_terminal", lambda: True)
    shown = run("--data", str(sample), "stats").stdout
    assert shown.startswith(piped)
    assert lines(shown[len(piped):]) == ["", "suspended ██ 1", "expired   ██ 1"]


def test_grouped_bars(small) -> None:
    console = Console(file=io.StringIO(), width=40, no_color=True)
    console.print(render.stats_bars(stats.pivot(small, "bloc", "year"), console.width))
    assert lines(console.file.getvalue()) == [
        "west",
        "  2014 ██ 1",
        "  2019 ██ 1",
        "russia",
        "  2022 ██ 1",
        "none",
        "  none ██ 1",
    ]


def test_shipped_data_west_broke_off_in_2014_russia_in_2022_23() -> None:
    result = load(DATA)
    assert result.dataset is not None
    p = stats.pivot(result.dataset, "bloc", "year")
    west = {year: p.count("west", year) for year in p.columns}
    russia = {year: p.count("russia", year) for year in p.columns}
    # The article's sequence: the West's year of breaking off is 2014, more than Russia broke
    # off in any year before 2022; Russia's breaks cluster in 2022-23. (With the 2022 wave of
    # European withdrawals, 2014 is no longer more than half of the West's breaks.)
    assert max(west, key=west.__getitem__) == 2014
    assert west[2014] > max((n for year, n in russia.items() if year and year < 2022), default=0)
    assert russia.get(2022, 0) + russia.get(2023, 0) > sum(russia.values()) / 2
    assert p.total == len(result.dataset.dossiers)


def test_series_from_the_command_line(run, write_dataset) -> None:
    path = write_dataset(SMALL)
    records = json.loads(run("--data", str(path), "stats", "--series", "year", "--as-of",
                             "2015-06-30", "-f", "json").stdout)
    by_year = {(r["year"], r["status"]): r["count"] for r in records if r["count"]}
    # 2014 closes with a (suspended since 2014-03), b (suspended), c and d not yet... c began
    # 2010 (active); d began 2018.
    assert by_year[(2014, "suspended")] == 2
    assert by_year[(2014, "active")] == 1
    assert (2015, "suspended") in by_year
    filtered = json.loads(run("--data", str(path), "stats", "--series", "year", "--domain",
                              "arms-control", "--as-of", "2015-06-30", "-f", "json").stdout)
    assert {r["status"]: r["count"] for r in filtered if r["year"] == 2014} == {
        "active": 1, "strained": 0, "suspended": 0, "terminated": 0, "expired": 0}
    table = run("--data", str(path), "stats", "--series", "year", "--as-of", "2015-06-30").stdout
    assert table.splitlines()[0].split()[:3] == ["year", "active", "strained"]
