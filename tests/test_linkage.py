"""Linkage: crises, what each break answered (`over`), accusations apart from breaks, and the
views of them: `crises`, `stats --by crisis`, `list --over`, `show`, the exports, `diff`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from compartment.data.loader import load_text

LEDGER = """\
actors:
  nato: {name: NATO, bloc: west}
  russia: {name: Russia, bloc: russia}
  united-states: {name: United States, bloc: west}
crises:
  crimea-2014:
    name: The seizure of Crimea
    date: 2014-02-27
    summary: Russia seized and annexed Crimea.
    sources: [https://example.org/crimea]
  kosovo-1999:
    name: Kosovo
    date: 1999-03-24
    summary: NATO's air campaign.
    sources: [https://example.org/kosovo]
dossiers:
  - id: council
    title: The Council
    domain: security-dialogue
    parties: [nato, russia]
    status: active
    broken_off_by: null
    summary: A council.
    events:
      - date: 1997-05-27
        actor: nato
        action: founded it
        status: active
        summary: Founded.
        sources: [https://example.org/a]
      - date: 1999-03-24
        actor: russia
        action: froze it
        status: suspended
        over: [kosovo-1999]
        summary: Frozen.
        sources: [https://example.org/b]
      - date: 2000-03-15
        actor: russia
        action: returned
        status: active
        summary: Back.
        sources: [https://example.org/c]
  - id: treaty
    title: A treaty
    domain: arms-control
    parties: [united-states, russia]
    status: terminated
    broken_off_by: united-states
    summary: A treaty.
    events:
      - date: 1988-06-01
        actor: united-states
        action: signed it
        status: active
        summary: Signed.
        sources: [https://example.org/d]
      - date: 2014-07-29
        actor: united-states
        action: found Russia in violation
        accuses: russia
        summary: Found.
        sources: [https://example.org/e]
      - date: 2019-08-02
        actor: united-states
        action: withdrew
        status: terminated
        over: [treaty@2014-07-29]
        summary: Withdrew.
        sources: [https://example.org/f]
  - id: talks
    title: Talks
    domain: diplomacy
    parties: [nato, russia]
    status: suspended
    broken_off_by: nato
    summary: Talks.
    events:
      - date: 2001
        actor: nato
        action: began
        status: active
        summary: Began.
        sources: [https://example.org/g]
      - date: 2014-04-01
        actor: nato
        action: suspended them
        status: suspended
        over: [crimea-2014]
        summary: Suspended.
        sources: [https://example.org/h]
"""


@pytest.fixture
def ledger(write_dataset) -> Path:
    return write_dataset(LEDGER)


def test_the_ledger_is_clean() -> None:
    result = load_text(LEDGER, "l.yaml")
    assert result.problems == []
    treaty = result.dataset.get("treaty")
    assert treaty.first_accusation == ("2014-07-29", "united-states", "russia")
    assert [b.date for b in treaty.breaks] == ["2019-08-02"]  # an accusation is no break


def test_crises_lists_each_crisis_with_its_breaks(run, ledger: Path) -> None:
    out = run("--data", str(ledger), "crises").stdout
    assert out == (
        "kosovo-1999  1999-03-24  Kosovo  (1 break, russia 1)\n"
        "  1999-03-24  suspended  council  by Russia (russia); recovered 2000-03-15\n"
        "\n"
        "crimea-2014  2014-02-27  The seizure of Crimea  (1 break, west 1)\n"
        "  2014-04-01  suspended  talks  by NATO (west); now suspended\n"
        "\n"
        "treaty@2014-07-29  United States: found Russia in violation  (1 break, west 1)\n"
        "  2019-08-02  terminated  treaty  by United States (west); now terminated\n"
    )
    rows = list(csv.DictReader(io.StringIO(
        run("--data", str(ledger), "crises", "-f", "csv").stdout)))
    assert [(r["crisis"], r["dossier"], r["bloc"], r["recovered"]) for r in rows] == [
        ("kosovo-1999", "council", "russia", "2000-03-15"),
        ("crimea-2014", "talks", "west", ""),
        ("treaty@2014-07-29", "treaty", "west", ""),
    ]
    # On a terminal a line too long wraps at its words, under the date.
    from compartment.cli import runtime

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runtime, "stdout_is_terminal", lambda: True)
        patch.setenv("COLUMNS", "60")
        narrow = run("--data", str(ledger), "crises").stdout.splitlines()
    assert narrow[:3] == [
        "kosovo-1999  1999-03-24  Kosovo  (1 break, russia 1)",
        "  1999-03-24  suspended  council  by Russia (russia);",
        "              recovered 2000-03-15",
    ]
    assert max(len(line) for line in narrow) <= 60
    unknown = run("--data", str(ledger), "crises", "--crisis", "crimea-2041", ok=False)
    assert unknown.exit_code == 2
    assert "no crisis 'crimea-2041'; did you mean crimea-2014?" in unknown.stderr


def test_a_break_counts_under_the_crisis_of_the_move_it_answered(run, write_dataset) -> None:
    """START II in 2002 answered the US withdrawal from the ABM Treaty: a break over another
    dossier's event counts under that event's own crisis, when it names one."""
    text = LEDGER.replace("over: [treaty@2014-07-29]", "over: [talks@2014-04-01]")
    path = write_dataset(text)
    out = run("--data", str(path), "stats", "--by", "crisis", "--per", "bloc",
              "-f", "csv").stdout
    assert out == "crisis,bloc,count\nkosovo-1999,russia,1\ncrimea-2014,west,2\n"


def test_stats_by_crisis_per_bloc(run, ledger: Path) -> None:
    result = run("--data", str(ledger), "stats", "--by", "crisis", "--per", "bloc")
    assert result.stdout.splitlines() == [
        "crisis             west  russia  total",
        "─" * 38,
        "kosovo-1999                   1      1",
        "crimea-2014           1              1",
        "treaty@2014-07-29     1              1",
        "─" * 38,
        "total                 2       1      3",
    ]
    wrong = run("--data", str(ledger), "stats", "--by", "crisis", "--per", "first-bloc", ok=False)
    assert wrong.exit_code == 2
    assert "crisis counts breaks: pair it with bloc, year, status" in wrong.stderr


def test_list_over_a_crisis(run, ledger: Path) -> None:
    def ids(*args: str) -> list[str]:
        out = run("--data", str(ledger), "list", "-f", "csv", *args).stdout
        return [row["id"] for row in csv.DictReader(io.StringIO(out))]

    assert ids("--over", "crimea-2014") == ["talks"]
    assert ids("--over", "kosovo-1999", "--over", "crimea-2014") == ["council", "talks"]
    assert run("--data", str(ledger), "list", "--over", "kosovo", ok=False).exit_code == 2


def test_show_gives_the_first_accusation_beside_the_breaks(run, ledger: Path) -> None:
    out = run("--data", str(ledger), "show", "treaty").stdout.splitlines()
    assert "first accused  Russia, by United States, on 2014-07-29" in out
    assert "breaks         terminated by United States on 2019-08-02" in out
    assert any("over: treaty@2014-07-29" in line for line in out)
    markdown = run("--data", str(ledger), "show", "treaty", "-f", "markdown").stdout
    assert "| first accused | Russia (`russia`), by United States (`united-states`), " \
           "on 2014-07-29 |" in markdown
    assert "Over: `treaty@2014-07-29`." in markdown


def test_the_exports_carry_crises_over_and_accusations(run, ledger: Path) -> None:
    data = json.loads(run("--data", str(ledger), "export", "-f", "json").stdout)
    assert list(data) == ["actors", "crises", "dossiers"]
    treaty = next(d for d in data["dossiers"] if d["id"] == "treaty")
    assert treaty["first_accusation"] == {"date": "2014-07-29", "actor": "united-states",
                                          "accused": "russia"}
    assert [e["over"] for e in treaty["events"]] == [None, None, ["treaty@2014-07-29"]]
    events = list(csv.DictReader(io.StringIO(
        run("--data", str(ledger), "export", "-f", "csv", "--events").stdout)))
    assert [(e["over"], e["accuses"]) for e in events if e["dossier"] == "treaty"] == [
        ("", ""), ("", "russia"), ("treaty@2014-07-29", "")]


def test_event_add_records_over_or_no_link_and_accusations(run, write_dataset) -> None:
    path = write_dataset(LEDGER)
    base = ["--data", str(path), "event", "add", "talks", "--date", "2022-03-01", "--actor",
            "russia", "--action", "left", "--summary", "Left.", "--source",
            "https://example.org/i"]
    both = run(*base, "--over", "crimea-2014", "--no-link", ok=False)
    assert both.exit_code == 2 and "give --over or --no-link, not both" in both.stderr
    run(*base, "--status", "terminated", "--over", "crimea-2014", "--accuses", "nato")
    text = path.read_text(encoding="utf-8")
    assert ("        status: terminated\n        over: [crimea-2014]\n        accuses: nato\n"
            in text)
    run(*base[:6], "2022-04-01", *base[7:], "--no-link")
    assert "        over: []\n        summary: Left." in path.read_text(encoding="utf-8")
    unknown = run(*base[:6], "2022-05-01", *base[7:], "--over", "crimea-2041", ok=False)
    assert unknown.exit_code == 1
    assert "over: 'crimea-2041' names nothing" in unknown.stderr


def test_diff_reports_crises_and_what_a_break_answered(tmp_path: Path) -> None:
    from compartment.history import datadiff

    old = load_text(LEDGER, "a").dataset
    new_text = LEDGER.replace("over: [crimea-2014]", "over: [crimea-2014, kosovo-1999]").replace(
        "crises:\n", "crises:\n  georgia-2008:\n    name: Georgia\n    date: 2008-08-08\n"
        "    summary: War.\n    sources: [https://example.org/georgia]\n")
    new = load_text(new_text, "b").dataset
    lines = [line for _, line in datadiff.lines(datadiff.compare(old, new))]
    assert "+ crisis georgia-2008" in lines
    assert ("    ~ event 2014-04-01 nato: suspended them [status: suspended] "
            "(over: [crimea-2014] -> [crimea-2014, kosovo-1999])") in lines
