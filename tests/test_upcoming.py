"""What comes next: decision points (`next:`), `upcoming`, the calendar file, and the warning
for a date that has passed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from compartment.data import dates
from compartment.views import upcoming as up

ROOT = Path(__file__).resolve().parent.parent

LEDGER = """\
actors:
  nato: {name: NATO, bloc: west}
  russia: {name: Russia, bloc: russia}
dossiers:
  - id: council
    title: The Council
    domain: security-dialogue
    parties: [nato, russia]
    status: active
    broken_off_by: null
    summary: A council.
    next:
      - date: 2027-05
        due: The ministerial meets
        by: [nato, russia]
        sources: [https://example.org/ministerial]
      - date: 2026-12-15
        due: A report is due
        by: [nato]
        sources: [https://example.org/report]
    events:
      - date: 1997-05-27
        actor: nato
        action: founded it
        status: active
        summary: Founded.
        sources: [https://example.org/a]
  - id: station
    title: The station
    domain: space
    parties: [nato]
    status: active
    broken_off_by: null
    summary: A station.
    next:
      - date: '2030'
        due: The station's end
        by: [nato]
        sources: [https://example.org/end]
    events:
      - date: 1998-11-20
        actor: nato
        action: launched it
        status: active
        summary: Launched.
        sources: [https://example.org/b]
"""


@pytest.fixture
def ledger(write_dataset) -> Path:
    return write_dataset(LEDGER)


@pytest.mark.parametrize(("start", "span", "end"), [
    ("2026-12-07", "6m", "2027-06-06"),
    ("2026-08-31", "6m", "2027-02-27"),  # no 31 February: the window ends on its last day
    ("2026-12-07", "2y", "2028-12-06"),
    ("2026-12-07", "90d", "2027-03-06"),
    ("2026-12-07", "1w", "2026-12-13"),
])
def test_a_window_ends_the_day_before_its_span_is_up(start: str, span: str, end: str) -> None:
    assert up.window_end(start, span) == end


@pytest.mark.parametrize("span", ["6", "m6", "6 months", "0m", "-1y", "1000y"])
def test_a_span_that_is_not_one_is_refused(run, ledger: Path, span: str) -> None:
    result = run("--data", str(ledger), "upcoming", "--within", span, ok=False)
    assert result.exit_code == 2
    assert "is not a span: write a number and d, w, m or y, such as 6m" in result.stderr


def test_upcoming_lists_what_is_due_in_date_order(run, ledger: Path) -> None:
    out = run("--data", str(ledger), "upcoming", "--from", "2026-12-07").stdout
    assert out.splitlines() == [
        "2026-12-15  council  active",
        "  A report is due (decided by NATO)",
        "  https://example.org/report",
        "2027-05  council  active",
        "  The ministerial meets (decided by NATO, Russia)",
        "  https://example.org/ministerial",
        "2030  station  active",
        "  The station's end (decided by NATO)",
        "  https://example.org/end",
    ]
    # A month-only date is ahead while any day of it is; a window takes what starts in it.
    window = run("--data", str(ledger), "upcoming", "--from", "2027-05-20", "--within", "6m",
                 "-f", "csv").stdout
    assert [r["date"] for r in csv.DictReader(io.StringIO(window))] == ["2027-05"]
    spaced = run("--data", str(ledger), "upcoming", "--from", "2026-12-07", "--domain", "space",
                 "-f", "csv").stdout
    assert [r["dossier"] for r in csv.DictReader(io.StringIO(spaced))] == ["station"]
    none = run("--data", str(ledger), "upcoming", "--from", "2031-01-01")
    assert none.stderr == "No decision point from 2031-01-01 matches these filters.\n"


def test_the_shipped_data_has_eight_decision_points_ahead_each_with_a_source(run) -> None:
    out = run("--data", str(ROOT / "data" / "issues.yaml"), "upcoming", "--from",
              dates.today(), "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) >= 8
    assert all(r["sources"].startswith("http") for r in rows)


def test_a_decision_point_in_the_past_is_a_located_warning(run, ledger: Path) -> None:
    clean = run("--data", str(ledger), "validate", "--strict", "--as-of", "2026-12-07")
    assert clean.stdout == f"{ledger}: no problems found\n"
    late = run("--data", str(ledger), "validate", "--strict", "--as-of", "2027-06-01", ok=False)
    assert late.exit_code == 1
    assert late.stdout.splitlines() == [
        f"{ledger}:13:15: dossiers[council].next[0].date: warning: the decision point of "
        "2027-05 (The ministerial meets) has passed (as of 2027-06-01): record what "
        "happened as an event, then drop this entry or move it to the next date",
        f"{ledger}:17:15: dossiers[council].next[1].date: warning: the decision point of "
        "2026-12-15 (A report is due) has passed (as of 2027-06-01): record what happened "
        "as an event, then drop this entry or move it to the next date",
        f"{ledger}: 2 warnings",
    ]
    # Not cached: the same file, warm, is judged by the day asked for.
    again = run("--data", str(ledger), "validate", "--strict", "--as-of", "2026-12-20", ok=False)
    assert len(again.stdout.splitlines()) == 2


def test_the_calendar_is_a_standard_file_with_stable_uids(run, ledger: Path, tmp_path) -> None:
    icalendar = pytest.importorskip("icalendar")
    first = tmp_path / "next.ics"
    result = run("--data", str(ledger), "export", "-f", "ics", "-o", str(first))
    assert result.stderr == f"{first}: wrote 3 decision points (iCalendar)\n"
    calendar = icalendar.Calendar.from_ical(first.read_bytes())
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [
        "The Council: A report is due", "The Council: The ministerial meets",
        "The station: The station's end",
    ]
    assert [e.decoded("dtstart").isoformat() for e in events] == [
        "2026-12-15", "2027-05-01", "2030-01-01"]
    uids = [str(e["uid"]) for e in events]
    assert len(set(uids)) == 3 and all(u.endswith("@compartment") for u in uids)
    assert "Published date: 2027-05 (only the month is known" in str(events[1]["description"])
    second = run("--data", str(ledger), "export", "-f", "ics").stdout_bytes
    assert second == first.read_bytes()  # the same bytes, run after run
    # A change to another decision point leaves each UID of the others as it was.
    changed = ledger.read_text(encoding="utf-8").replace("The station's end", "The end")
    ledger.write_text(changed, encoding="utf-8")
    after = icalendar.Calendar.from_ical(run("--data", str(ledger), "export", "-f",
                                             "ics").stdout_bytes)
    assert [str(e["uid"]) for e in after.walk("VEVENT")][:2] == uids[:2]


def test_on_a_terminal_what_is_due_wraps_at_its_words_and_sources_stay_whole(
    run, ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compartment.cli import runtime

    long_due = "The ministerial meets to decide whether the council resumes its work " * 2
    data = ledger.read_text(encoding="utf-8").replace("The ministerial meets", long_due.strip())
    ledger.write_text(data, encoding="utf-8")
    piped = run("--data", str(ledger), "upcoming", "--from", "2027-01-01").stdout
    assert len(piped.splitlines()) == 6  # into a pipe, one line each, for grep
    monkeypatch.setattr(runtime, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "50")
    shown = run("--data", str(ledger), "upcoming", "--from", "2027-01-01").stdout.splitlines()
    due = [line for line in shown if line.startswith("  ") and "https://" not in line]
    assert len(due) > 3 and all(len(line) <= 50 and line.startswith("  ") for line in due)
    assert " ".join(line.strip() for line in due).split() == (
        f"{long_due.strip()} (decided by NATO, Russia) The station's end (decided by NATO)"
    ).split()
    assert "  https://example.org/ministerial" in shown
