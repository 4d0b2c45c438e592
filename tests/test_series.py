"""The compartmentalization curve as data (series.py): counts per status per period."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from compartment.data.dataset import Dossier, Event
from compartment.data.vocab import STATUSES
from compartment.store.datafile import load
from compartment.views import series

DATA = Path(__file__).parent.parent / "data" / "issues.yaml"


def event(date: str, status: str | None = None) -> Event:
    return Event(date=date, actor="russia", action="a", summary="s", sources=("x",), status=status)


def dossier(*events: Event, id: str = "x", status: str = "active") -> Dossier:
    return Dossier(id=id, title=id, domain="space", parties=("russia",), status=status,
                   broken_off_by=None, summary="s", events=events)


def as_table(found: list[tuple[series.Period, Counter[str]]]) -> list[tuple[series.Period, dict[str, int]]]:
    return [(key, dict(tally)) for key, tally in found]


def test_each_period_counts_the_status_on_its_last_day() -> None:
    a = dossier(event("2013-05-01", "active"), event("2014-03", "suspended"),
                event("2016-01-01", "terminated"), id="a")
    b = dossier(event("2014-12-31", "active"), id="b")  # the last day of 2014 still counts
    c = dossier(event("2015-01-01", "active"), id="c")
    assert as_table(series.counts([a, b, c], "year", end="2016-06-30")) == [
        (2013, {"active": 1}),
        (2014, {"suspended": 1, "active": 1}),
        (2015, {"suspended": 1, "active": 2}),
        (2016, {"terminated": 1, "active": 2}),
    ]


def test_months_run_across_year_ends_and_count_partial_dates_from_their_start() -> None:
    a = dossier(event("2013-11-30", "active"), event("2014", "strained"),
                event("2014-02", "suspended"), id="a")
    assert as_table(series.counts([a], "month", end="2014-02-10")) == [
        ("2013-11", {"active": 1}),
        ("2013-12", {"active": 1}),
        ("2014-01", {"strained": 1}),  # "2014" is 1 January 2014
        ("2014-02", {"suspended": 1}),  # cut at end, 2014-02-10: "2014-02" is before it
    ]


def test_the_last_period_is_cut_at_end_and_later_events_are_ignored() -> None:
    a = dossier(event("2020-01-01", "active"), event("2022-02-24", "suspended"),
                event("2022-09-01", "terminated"), id="a")
    assert as_table(series.counts([a], "year", end="2022-06-30")) == [
        (2020, {"active": 1}), (2021, {"active": 1}), (2022, {"suspended": 1}),
    ]
    assert series.counts([a], "year", end="2019-12-31") == []


def test_a_first_event_without_status_counts_as_the_dossier_does_in_as_of() -> None:
    # Dossier.as_of falls back to the recorded status before any status-setting event.
    a = dossier(event("2010", None), event("2012", "terminated"), status="terminated")
    assert as_table(series.counts([a], "year", end="2012-12-31")) == [
        (2010, {"terminated": 1}), (2011, {"terminated": 1}), (2012, {"terminated": 1}),
    ]


@pytest.mark.parametrize("period", series.PERIODS)
def test_every_period_equals_stats_as_of_its_last_day_on_the_bundled_data(period: str) -> None:
    data = load(DATA).dataset
    assert data is not None
    end = "2026-05-31"
    first = min(e.date for d in data.dossiers for e in d.events)
    cuts = dict(series.periods(first, end, period))
    found = series.counts(data.dossiers, period, end=end)
    assert len(found) == len(cuts) > 50
    for key, tally in found:
        assert tally == Counter(d.status for d in data.as_of(cuts[key]).dossiers), key
    # the curve does move: the ledger's point is that cooperation broke down
    first_year, last_year = found[0][1], found[-1][1]
    assert first_year["terminated"] == 0 < last_year["terminated"]


dates_ = st.builds(
    lambda y, m, d, cut: f"{y}" if cut == 0 else f"{y}-{m:02d}" if cut == 1 else f"{y}-{m:02d}-{d:02d}",
    st.integers(2000, 2003), st.integers(1, 12), st.integers(1, 28), st.integers(0, 2),
)


@given(st.lists(st.lists(st.tuples(dates_, st.sampled_from([None, *STATUSES])), min_size=1,
                         max_size=5), max_size=6),
       st.sampled_from(series.PERIODS))
@example(raw=[[("2003-08", None)]], period="year")  # every event after `end` (CI drew it)
def test_the_sweep_equals_the_as_of_derivation_for_any_events(
    raw: list[list[tuple[str, str | None]]], period: str
) -> None:
    dossiers = [
        dossier(*(event(date, status) for date, status in sorted(evs, key=lambda e: e[0])),
                id=f"d{i}", status="expired")
        for i, evs in enumerate(raw)
    ]
    end = "2003-07-15"
    found = series.counts(dossiers, period, end=end)
    # Events after `end` are not counted: the curve starts at the first event up to it, and
    # there is none when every event is later (as 2003-08 is).
    first = min((d.events[0].date for d in dossiers if d.events[0].date <= end), default=None)
    if first is None:
        assert found == []
        return
    cuts = dict(series.periods(first, end, period))
    assert [key for key, _ in found] == list(cuts)
    for key, tally in found:
        kept = (d.as_of(cuts[key]) for d in dossiers)
        assert tally == Counter(d.status for d in kept if d is not None)


def test_records_are_dense_in_vocabulary_order_and_pivot_back() -> None:
    a = dossier(event("2013", "active"), event("2014-03", "suspended"), id="a")
    b = dossier(event("2014-06", "active"), id="b")
    recs = series.records([a, b], "year", end="2014-12-31")
    assert recs == [
        {"year": 2013, "status": s, "count": 1 if s == "active" else 0} for s in STATUSES
    ] + [
        {"year": 2014, "status": s, "count": {"active": 1, "suspended": 1}.get(s, 0)}
        for s in STATUSES
    ]
    assert series.columns(recs) == ["year", *STATUSES, "total"]
    assert series.pivot(recs) == [
        {"year": 2013, "active": 1, "strained": 0, "suspended": 0, "terminated": 0,
         "expired": 0, "total": 1},
        {"year": 2014, "active": 1, "strained": 0, "suspended": 1, "terminated": 0,
         "expired": 0, "total": 2},
    ]
    assert series.grid(recs) == (
        ["year", *STATUSES, "total"],
        [["2013", "1", "", "", "", "", "1"], ["2014", "1", "", "1", "", "", "2"]],
    )


def test_month_records_are_keyed_by_month() -> None:
    recs = series.records([dossier(event("2014-03-18", "active"))], "month", end="2014-04-02")
    assert {r["month"] for r in recs} == {"2014-03", "2014-04"}
    assert series.pivot(recs, "month")[0]["month"] == "2014-03"


def test_an_unknown_status_is_counted_not_dropped() -> None:
    recs = series.records([dossier(event("2014", "frozen"))], "year", end="2014-12-31")
    assert recs[-1] == {"year": 2014, "status": "frozen", "count": 1}
    assert series.pivot(recs)[0]["total"] == 1


def test_periods_and_their_days() -> None:
    assert series.periods("2023-11-05", "2024-02-10", "month") == [
        ("2023-11", "2023-11-30"), ("2023-12", "2023-12-31"), ("2024-01", "2024-01-31"),
        ("2024-02", "2024-02-10"),
    ]
    assert series.last_day("2024-02") == "2024-02-29"  # a leap year
    assert series.periods("1999", "2001-03-01", "year") == [
        (1999, "1999-12-31"), (2000, "2000-12-31"), (2001, "2001-03-01"),
    ]
    with pytest.raises(ValueError, match="unknown period 'week'"):
        series.records([], "week", end="2020-01-01")


# -- the chart of the curve (chart.draw_series) ---------------------------------------------


def curve_records() -> list[dict[str, object]]:
    a = dossier(event("2010-05", "active"), event("2014-03", "suspended"), id="a")
    b = dossier(event("2012", "active"), event("2022-02-28", "terminated"), id="b")
    return series.records([a, b], "year", end="2024-06-30")


def test_the_curve_is_a_deterministic_svg_with_text_as_text() -> None:
    import io
    import xml.etree.ElementTree as ET

    from compartment.views import chart

    pytest.importorskip("matplotlib")
    images = []
    for _ in range(2):
        out = io.BytesIO()
        chart.draw_series(curve_records(), out, "svg", "Dossiers <by> status", end="2024-06-30")
        images.append(out.getvalue())
    assert images[0] == images[1]
    root = ET.fromstring(images[0])
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"Dossiers <by> status", "active", "terminated", "2020"} <= texts
    assert b"<dc:date>" not in images[0]  # no timestamp


def test_the_curve_as_png_and_its_refusals() -> None:
    import io

    from compartment.views import chart

    pytest.importorskip("matplotlib")
    out = io.BytesIO()
    chart.draw_series(series.records([dossier(event("2014-03", "active"))], "month",
                                     end="2014-05-01"), out, "png")
    assert out.getvalue().startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match="unsupported format 'gif'"):
        chart.draw_series(curve_records(), io.BytesIO(), "gif")
    with pytest.raises(ValueError, match="no records"):
        chart.draw_series([], io.BytesIO(), "svg")


def test_the_terminal_table_of_the_curve() -> None:
    from rich.console import Console

    from compartment.views import render

    console = Console(width=80, record=True, color_system=None)
    console.print(render.series_table(*series.grid(curve_records())))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[0].split() == ["year", *STATUSES, "total"]
    assert lines[2].split() == ["2010", "1", "1"]  # zeros blank: only active, and the total
    assert lines[-1].split() == ["2024", "1", "1", "2"]  # 2024: suspended, terminated, total
    assert len(lines) == 2 + 15  # heading, rule, one row a year from 2010 to 2024
