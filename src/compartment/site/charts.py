"""The site's charts: each as inline SVG with its hover texts, the line that says what it
counts, and the data behind it as CSV and JSON files beside the pages.

The curve is drawn twice: whole, for a wide screen, and its recent years alone, narrow, for a
phone (the page's style sheet shows one or the other), so that a phone shows 2014 to the end
without scrolling sideways and without a script. Crises are marked on both at their dates.
The lanes are one chart. matplotlib is imported by views/chart.py, when a site is built.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from compartment.data.dataset import Dataset
from compartment.site import svg
from compartment.views import chart, series

CURVE_TITLE = "How many cooperation dossiers stood in each status, year by year"
LANES_TITLE = "Each dossier's status over time"
# The phone's curve starts at the end of the year this many years before the end's: with an
# end in 2026, at the end of 2013, so that it shows 2014 on.
RECENT_YEARS = 13
RECENT_SIZE = (4.6, 4.4)  # inches: 460 px wide, readable at a phone's 358 px of column


class Chart(NamedTuple):
    """A chart as the page shows it, and the files of the data behind it."""

    svg: str
    counted: str  # what is counted or drawn
    source: str  # from which data, as of which date
    data: dict[str, str]  # format ("csv", "json") -> the file's path from the site's root


def _inline(draw: Callable[[io.BytesIO], None], tips: chart.Tips, prefix: str, title: str,
            desc: str) -> str:
    out = io.BytesIO()
    draw(out)
    return svg.inline(out.getvalue(), prefix, title, desc, tips)


def csv_bytes(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    writer.writerows([["" if row[c] is None else row[c] for c in columns] for row in rows])
    return out.getvalue().encode("utf-8")


def marks(data: Dataset) -> list[chart.Mark]:
    """The crises of the registry, to be marked on the curve at their start dates."""
    return [chart.Mark(c.id, c.date, f"{c.id}: {c.name} (from {c.date})")
            for c in sorted(data.crises.values(), key=lambda c: (c.date, c.id))]


def lane_rows(data: Dataset, end: str) -> list[dict[str, Any]]:
    """The lanes as data: one row per stretch of one status, dossiers in the chart's order."""
    return [{"dossier": d.id, "title": d.title, "domain": domain, "status": span.status,
             "from": span.start, "to": span.end}
            for domain, members in chart.lanes(data.dossiers) for d in members
            for span in chart.spans(d, end)]


def charts(data: Dataset, end: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The charts for the pages (the curve, its table, the lanes), and the files of their
    data by path. Raises errors.MissingExtra without matplotlib."""
    chart.require()
    records = series.records(data.dossiers, "year", end=end)
    columns = series.columns(records)
    rows = series.pivot(records)
    crisis_marks = marks(data)
    events = sum(len(d.events) for d in data.dossiers)
    source = (f"the ledger's data, {len(data.dossiers)} dossiers and {events} dated events, "
              f"as of {end}")
    curve_counted = ("every dossier once a year, under the status its latest status-setting "
                     f"event gave it by 31 December (the last year: by {end}), from the year of "
                     "its first event; the dashed lines mark the start of each crisis that "
                     "breaks were made over")
    curve = _inline(
        lambda out: chart.draw_series(records, out, "svg", "", end=end, marks=crisis_marks),
        chart.series_tips(records, end=end, marks=crisis_marks), "curve", CURVE_TITLE,
        "A stacked area chart of the number of dossiers in each status at the end of each "
        f"year, from the first event to {end}, with the crises marked; the table below gives "
        "the same counts.",
    )
    since = int(end[:4]) - RECENT_YEARS
    recent_records = [r for r in records if r["year"] >= since]
    recent = _inline(
        lambda out: chart.draw_series(recent_records, out, "svg", "", end=end,
                                      marks=crisis_marks, size=RECENT_SIZE),
        chart.series_tips(recent_records, end=end, marks=crisis_marks), "recent",
        f"{CURVE_TITLE}, since the end of {since}",
        f"The same chart from the end of {since} to {end}.",
    )
    lanes = _inline(
        lambda out: chart.draw(data.dossiers, out, "svg", end),
        chart.lane_tips(data, data.dossiers, end), "lanes", LANES_TITLE,
        f"One lane per dossier, grouped by domain, from its first event to {end}, "
        "coloured by the status in force, with a marker for each event; the dossier table "
        "on the index and the dossier pages give the same facts as text.",
    )
    lanes_counted = (f"one lane per dossier from its first event to {end}, coloured by the "
                     "status its events gave it; a diamond marks an event that set a status, a "
                     "dot any other event")
    lane_columns = ["dossier", "title", "domain", "status", "from", "to"]
    crises = {"crises": [{"id": m.label, "date": m.date} for m in crisis_marks]}
    drawn: dict[str, Any] = {"recent": recent, "recent_since": since, "curve_columns": columns,
                             "curve_rows": rows}
    files: dict[str, bytes] = {}
    for name, title, svg_text, counted, names, table, extra in (
        ("curve", CURVE_TITLE, curve, curve_counted, columns, rows, crises),
        ("lanes", LANES_TITLE, lanes, lanes_counted, lane_columns, lane_rows(data, end), {}),
    ):
        paths = {"csv": f"data/{name}.csv", "json": f"data/{name}.json"}
        files[paths["csv"]] = csv_bytes(names, table)
        about = {"chart": title, "source": source, "as_of": end, "counted": counted,
                 "columns": names, **extra, "rows": table}
        files[paths["json"]] = (json.dumps(about, ensure_ascii=False, indent=1) + "\n").encode()
        drawn[name] = Chart(svg_text, counted, source, paths)
    return drawn, files
