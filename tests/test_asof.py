"""State as of a date: derived from the events alone, with partial dates and ties."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compartment.data import dates
from compartment.data.dataset import Dataset, Dossier, Event, State, derive_state
from compartment.data.vocab import BREAKING_STATUSES, STATUSES

DATA = Path(__file__).resolve().parent.parent / "data" / "issues.yaml"


def event(when: str, status: str | None = None, actor: str = "russia") -> Event:
    return Event(date=when, actor=actor, action="acted", summary="s", sources=("src",), status=status)


def test_partial_dates_count_from_the_start_of_their_period() -> None:
    events = (
        event("2014", "active", "us-russia"),
        event("2014-03", "suspended", "united-states"),
        event("2014-03-01", "terminated", "russia"),
    )
    assert derive_state(events, "2013-12-31") == State(None, None, None, None)
    assert derive_state(events, "2014-01-01") == State("active", None, "2014", None)
    assert derive_state(events, "2014-02-28").status == "active"
    # As of 1 March, "2014-03" and "2014-03-01" have both happened, in file order.
    assert derive_state(events, "2014-03-01") == State("terminated", "russia", "2014-03-01", "2014-03-01")


def test_ties_on_one_date_keep_file_order() -> None:
    events = (
        event("2022-03-03", "active", "arctic-states"),
        event("2022-03-03", "suspended", "western-states"),
        event("2022-03-03", "strained", "russia"),
    )
    assert derive_state(events, "2022-03-03") == State("strained", "russia", "2022-03-03", "2022-03-03")
    assert derive_state(events, "2022-03-02").status is None


def test_return_to_active_clears_the_breaker_and_expiry_keeps_it() -> None:
    restored = (event("2022-07-26", "strained"), event("2023-04-25", "active"))
    assert derive_state(restored).broken_off_by is None
    expired = (event("2023-02-28", "suspended"), event("2026-02-05", "expired", "us-russia"))
    assert derive_state(expired) == State("expired", "russia", "2026-02-05", "2023-02-28")


def test_dossier_with_no_event_yet_is_left_out() -> None:
    d = Dossier(
        id="x", title="X", domain="space", parties=("russia",), status="active",
        broken_off_by=None, summary="s", events=(event("2014-04", "active"),),
    )
    assert d.as_of("2014-03-31") is None
    assert d.as_of("2014-04-01") is not None
    data = Dataset({}, (d,))
    assert data.as_of("2014-03-31").dossiers == ()


# -- property: as of any date is the fold of the events up to that date --------------------

def _day(d: date) -> str:
    return d.isoformat()


partial_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)).flatmap(
    lambda d: st.sampled_from([d.isoformat()[:4], d.isoformat()[:7], d.isoformat()])
)
statuses = st.one_of(st.none(), st.sampled_from(list(STATUSES)))
actors = st.sampled_from(["russia", "united-states", "nato", "us-russia"])


def reference_fold(events: list[Event], as_of: str) -> State:
    """The contract, written out the slow way: keep the events that happened by then."""
    happened = [e for e in events if e.date <= as_of]
    setting = [e for e in happened if e.status is not None]
    if not setting:
        return State(None, None, None, None)
    last = setting[-1]
    breaker = break_date = None
    for e in setting:
        if e.status in BREAKING_STATUSES:
            breaker, break_date = e.actor, e.date
        elif e.status == "active":
            breaker = break_date = None
    return State(last.status, breaker, last.date, break_date)


@given(
    st.lists(st.tuples(partial_dates, statuses, actors), max_size=8),
    st.dates(min_value=date(1989, 1, 1), max_value=date(2031, 12, 31)).map(_day),
)
def test_as_of_equals_folding_the_events_up_to_that_date(raw, as_of: str) -> None:
    events = [event(d, s, a) for d, s, a in sorted(raw, key=lambda r: r[0])]
    expected = reference_fold(events, as_of)
    assert derive_state(tuple(events), as_of) == expected
    if events:
        dossier = Dossier(
            id="x", title="X", domain="space", parties=("russia",), status="active",
            broken_off_by=None, summary="s", events=tuple(events),
        )
        then = dossier.as_of(as_of)
        kept = [e for e in events if e.date <= as_of]
        if not kept:
            assert then is None
        else:
            assert then is not None and list(then.events) == kept
            assert then.broken_off_by == expected.broken_off_by
            assert then.since == expected.since


# -- the commands ---------------------------------------------------------------------------

def _new_start(run, as_of: str) -> dict:
    result = run("--data", str(DATA), "list", "--as-of", as_of, "--format", "json")
    return next(r for r in json.loads(result.stdout) if r["id"] == "new-start")


def test_list_as_of_new_start_before_and_after_the_suspension(run) -> None:
    before = _new_start(run, "2022-02-23")
    assert (before["status"], before["broken_off_by"]) == ("active", None)
    after = _new_start(run, "2023-03-01")
    assert (after["status"], after["broken_off_by"], after["since"]) == (
        "suspended", "russia", "2023-02-28"
    )


def test_stats_as_of(run, sample: Path) -> None:
    result = run("--data", str(sample), "stats", "--as-of", "2014-04-01", "-f", "json")
    # new-start was active then; nato-russia-cooperation (dated 2014-04) had been suspended.
    assert json.loads(result.stdout) == [
        {"status": "active", "count": 1},
        {"status": "suspended", "count": 1},
    ]
    early = run("--data", str(sample), "stats", "--as-of", "2012-01-01", "-f", "csv")
    assert early.stdout == "status,count\nactive,1\n"


def test_stats_as_of_rejects_a_bad_date(run, sample: Path) -> None:
    result = run("--data", str(sample), "stats", "--as-of", "2023-02-30", ok=False)
    assert result.exit_code == 2
    assert "2023-02-30 is not a day in the calendar" in result.stderr


@pytest.mark.parametrize(("given", "day"), [("2014", "2014-12-31"), ("2014-02", "2014-02-28"),
                                            ("2014-03-18", "2014-03-18")])
def test_as_of_a_month_or_a_year_is_its_last_day(run, given: str, day: str) -> None:
    """`--as-of 2014` was refused while `timeline --until 2014` worked."""
    shipped = ["--data", str(Path(__file__).resolve().parent.parent / "data" / "issues.yaml")]
    partial = run(*shipped, "list", "--as-of", given, "-f", "csv").stdout
    assert partial == run(*shipped, "list", "--as-of", day, "-f", "csv").stdout


def test_today_is_a_full_date() -> None:
    assert dates.check(dates.today()) is None
