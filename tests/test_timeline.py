"""`compartment timeline`: every event in date order, filtered, grouped by year."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from compartment.data.loader import load_text
from compartment.views import timeline

TIES = """
actors:
  russia: {name: Russia, bloc: russia}
  nato: {name: NATO, bloc: west}
  un: {name: UN Security Council, bloc: international}
dossiers:
  - id: second-in-file
    title: B
    domain: diplomacy
    parties: [nato, russia]
    status: suspended
    broken_off_by: nato
    summary: s
    events:
      - {date: "2014", actor: un, action: b1, status: active, summary: s, sources: [x]}
      - {date: 2014-03-01, actor: nato, action: b2, status: suspended, summary: s, sources: [x]}
      - {date: 2014-03-01, actor: russia, action: b3, summary: s, sources: [x]}
  - id: first-in-file
    title: A
    domain: space
    parties: [nato, russia]
    status: terminated
    broken_off_by: russia
    summary: s
    events:
      - {date: 2014-03, actor: un, action: a1, status: active, summary: s, sources: [x]}
      - {date: 2014-03-01, actor: russia, action: a2, status: terminated, summary: s, sources: [x]}
      - {date: 2022-01-02, actor: nato, action: a3, summary: s, sources: [x], unverified: true}
"""


@pytest.fixture
def ties():
    result = load_text(TIES, "ties.yaml")
    assert result.dataset is not None, result.problems
    return result.dataset


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_order_is_date_text_then_file_order(ties) -> None:
    order = [(e.date, e.event.action) for e in timeline.entries(ties)]
    assert order == [
        ("2014", "b1"),
        ("2014-03", "a1"),
        # a tie: the dossier earlier in the file first, then the events in file order
        ("2014-03-01", "b2"),
        ("2014-03-01", "b3"),
        ("2014-03-01", "a2"),
        ("2022-01-02", "a3"),
    ]


@pytest.mark.parametrize(
    ("since", "until", "inside", "outside"),
    [
        ("2014", "2014", ["2014", "2014-03", "2014-03-01", "2014-12-31"], ["2013-12-31", "2015"]),
        ("2014-03", "2014-03", ["2014-03", "2014-03-01", "2014-03-31"], ["2014", "2014-04-01"]),
        # a partial event date is the start of its period: 2014-03 is before 15 March
        ("2014-03-15", None, ["2014-03-15", "2014-04", "2015"], ["2014-03", "2014-03-14", "2014"]),
        (None, "2014-03-15", ["2014", "2014-03", "2014-03-15"], ["2014-03-16", "2014-04"]),
    ],
)
def test_bounds_are_inclusive_and_partial_dates_start_their_period(
    since, until, inside, outside
) -> None:
    assert [when for when in inside if not timeline.within(when, since, until)] == []
    assert [when for when in outside if timeline.within(when, since, until)] == []


def test_filters(ties) -> None:
    def actions(**kw) -> list[str]:
        return [e.event.action for e in timeline.select(ties, timeline.Filters(**kw))]

    assert actions(since="2014-03-01", until="2014") == ["b2", "b3", "a2"]
    assert actions(dossiers=["first-in-file"]) == ["a1", "a2", "a3"]
    assert actions(actors=["russia", "nato"]) == ["b2", "b3", "a2", "a3"]
    assert actions(blocs=["international"]) == ["b1", "a1"]
    assert actions(statuses=["active"]) == ["b1", "a1"]
    assert actions(blocs=["west"], statuses=["suspended"]) == ["b2"]


def test_table_groups_by_year_exact(run, write_dataset) -> None:
    path = write_dataset(TIES)
    result = run("--data", str(path), "timeline")
    assert lines(result.stdout) == [
        "date         dossier          status       who did what",
        "─" * 63,
        "2014         5 events",
        "2014         second-in-file   active       un: b1",
        "2014-03      first-in-file    active       un: a1",
        "2014-03-01   second-in-file   suspended    nato: b2",
        "2014-03-01   second-in-file                russia: b3",
        "2014-03-01   first-in-file    terminated   russia: a2",
        "",
        "2022         1 event",
        "2022-01-02   first-in-file                 nato: a3  UNVERIFIED",
    ]


def test_csv_json_markdown(run, sample: Path) -> None:
    csv_out = run("--data", str(sample), "timeline", "--since", "2014", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert list(rows[0]) == list(timeline.COLUMNS)
    assert [(r["date"], r["dossier"], r["bloc"]) for r in rows] == [
        ("2014-04", "nato-russia-cooperation", "west"),
        ("2023-02-21", "new-start", "russia"),
        ("2026-02-05", "new-start", "international"),
    ]
    records = json.loads(run("--data", str(sample), "timeline", "-s", "suspended", "-f", "json").stdout)
    assert [(r["dossier"], r["date"], r["status"]) for r in records] == [
        ("nato-russia-cooperation", "2014-04", "suspended"),
        ("new-start", "2023-02-21", "suspended"),
    ]
    assert records[0]["sources"] == ["https://honvedelem.hu/hirek/measures-following-nato-ministers-decision-to-suspend-all-practical-cooperation-with-russia.html"]
    md = run("--data", str(sample), "timeline", "--dossier", "new-start", "--until", "2011",
             "-f", "markdown").stdout
    assert md == (
        "| date | dossier | actor | bloc | action | status | unverified | summary | sources |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        "| 2011-02-05 | new-start | us-russia | international | entered into force | active | false "
        "| The treaty entered into force. | https://diplomacy.state.gov/practice/arms-control-2/ |\n"
    )


def test_repeated_options_are_or(run, sample: Path) -> None:
    out = run("--data", str(sample), "timeline", "--bloc", "west", "--bloc", "russia", "-f", "csv")
    assert [r.split(",")[0] for r in out.stdout.splitlines()[1:]] == ["2014-04", "2023-02-21"]
    out = run("--data", str(sample), "timeline", "--actor", "nato", "--actor", "us-russia", "-f", "csv")
    assert len(out.stdout.splitlines()) == 1 + 3


def test_nothing_matches(run, sample: Path) -> None:
    result = run("--data", str(sample), "timeline", "--since", "2027")
    assert result.stdout == ""
    assert result.stderr == "No event matches these filters.\n"
    assert run("--data", str(sample), "timeline", "--since", "2027", "-f", "json").stdout == "[]\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2014-13"], "Error: --since '2014-13': month 13 does not exist"),
        (["--until", "March 2014"], "Error: --until 'March 2014': must be a date written YYYY-MM-DD, YYYY-MM or YYYY"),
        (["--until", "2014-02-30"], "Error: --until '2014-02-30': 2014-02-30 is not a day in the calendar"),
        (["--since", "2015", "--until", "2014-12"], "Error: --since 2015 is after --until 2014-12"),
        (["--dossier", "new-strat"], "Error: --dossier: no dossier with id 'new-strat'; did you mean new-start?"),
        (["--actor", "rusia"], "Error: --actor: unknown actor 'rusia'; did you mean russia?"),
    ],
)
def test_usage_errors_are_one_line(run, sample: Path, args: list[str], message: str) -> None:
    result = run("--data", str(sample), "timeline", *args, ok=False)
    assert result.exit_code == 2
    assert result.stderr == message + "\n"
    assert result.stdout == ""


def test_bad_bloc_lists_the_blocs(run, sample: Path) -> None:
    result = run("--data", str(sample), "timeline", "--bloc", "east", ok=False)
    assert result.exit_code == 2
    assert "west" in result.stderr and "third-party" in result.stderr
