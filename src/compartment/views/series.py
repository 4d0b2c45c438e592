"""The compartmentalization curve as data: how many dossiers stood in each status, period by
period. Pure.

For each period (a year, or a month) from the one holding the first event to the one holding
`end` (today, or an --as-of date), every dossier is counted once under the status it had on
the period's last day, derived from its events alone exactly as `--as-of` derives it
(`Dataset.as_of`): the status of its last status-setting event dated on or before that day.
A dossier with no event by then is not counted yet. The last period is cut at `end`, so the
last point of the curve is `compartment stats --by status --as-of END`; a test holds the two
equal for every period.

Partial dates follow the rule used everywhere (dates.py): an event dated `2014-03` counts
from the start of March 2014, so it is in the count for March 2014 and for the year 2014.

Records are dense: every period has one record per status, in the vocabulary's order,
zero counts included. A time series with holes reads as missing data, and a chart or a
spreadsheet pivot wants every cell; `total` is the number of dossiers counted in a period.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from compartment.data import dates
from compartment.data.dataset import Dossier
from compartment.data.vocab import STATUSES

PERIODS = ("year", "month")

Period = int | str  # a year as a number (2014), a month as text ("2014-03")


def period_of(date: str, period: str) -> Period:
    """The period holding a (possibly partial) date: 2014 for a year, "2014-03" for a month.
    A year-only date falls in January, the start of its period."""
    if period == "year":
        return int(date[:4])
    return date[:7] if len(date) >= 7 else f"{date[:4]}-01"


def last_day(key: Period) -> str:
    """The last day of a period, as YYYY-MM-DD."""
    return dates.last_day(f"{key:04d}" if isinstance(key, int) else key)


def periods(first: str, end: str, period: str) -> list[tuple[Period, str]]:
    """Each period from the one holding `first` to the one holding `end`, with the day its
    count is taken: the period's last day, or `end` itself for the period holding it."""
    start, stop = period_of(first, period), period_of(end, period)
    keys: list[Period] = []
    if isinstance(start, int) and isinstance(stop, int):
        keys.extend(range(start, stop + 1))
    else:
        y, m = int(str(start)[:4]), int(str(start)[5:7])
        while (month := f"{y:04d}-{m:02d}") <= str(stop):
            keys.append(month)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return [(key, end if key == stop else last_day(key)) for key in keys]


def counts(dossiers: Sequence[Dossier], period: str = "year", *,
           end: str) -> list[tuple[Period, Counter[str]]]:
    """The count of dossiers in each status at the close of each period, in order.

    One sweep over all the events in date order, so a month series over 10,000 dossiers
    costs a sort, not a fold per dossier per month. Events dated after `end` are ignored.
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; choose from {', '.join(PERIODS)}")
    changes: list[tuple[str, int, int, str]] = []  # (date, dossier, position, status)
    for i, dossier in enumerate(dossiers):
        # The status after an event is that of the last status-setting event so far; before
        # the first one, the dossier's recorded status, as Dossier.as_of has it (the validator
        # makes the first event set a status in practice, so this only keeps the two one).
        current: str | None = None
        for j, event in enumerate(dossier.events):
            if event.status is not None:
                current = event.status
            if event.date <= end:
                changes.append((event.date, i, j, current or dossier.status))
    if not changes:
        return []
    changes.sort()  # by date; equal dates keep dossier, then file, order
    now: dict[int, str] = {}  # the current status of each dossier counted so far
    tally: Counter[str] = Counter()
    out: list[tuple[Period, Counter[str]]] = []
    k = 0
    for key, cut in periods(changes[0][0], end, period):
        while k < len(changes) and changes[k][0] <= cut:
            _, i, _, status = changes[k]
            if i in now:
                tally[now[i]] -= 1
            now[i] = status
            tally[status] += 1
            k += 1
        out.append((key, +tally))  # unary plus drops the zeros left by moves
    return out


def _statuses(seen: Iterable[str]) -> list[str]:
    """The statuses to show: the vocabulary's, in its order, then any unknown one (which
    the validator reports) sorted, so no dossier drops out of a total."""
    return [*STATUSES, *sorted(set(seen) - set(STATUSES))]


def records(dossiers: Sequence[Dossier], period: str = "year", *,
            end: str) -> list[dict[str, Any]]:
    """The curve as JSON-ready records, periods in order and statuses in the vocabulary's
    order within each, zeros included: `{"year": 2014, "status": "suspended", "count": 9}`
    (the key is "month", with a "2014-03" value, for a month series)."""
    found = counts(dossiers, period, end=end)
    shown = _statuses(status for _, tally in found for status in tally)
    return [{period: key, "status": status, "count": tally[status]}
            for key, tally in found for status in shown]


def columns(found_records: Sequence[Mapping[str, Any]], period: str = "year") -> list[str]:
    """The columns of the pivot table: the period, each status, total."""
    return [period, *_statuses(r["status"] for r in found_records), "total"]


def pivot(found_records: Sequence[Mapping[str, Any]], period: str = "year") -> list[dict[str, Any]]:
    """The records as one row per period (periods down, statuses across, and a total), the
    shape of the table, CSV and Markdown views: `{"year": 2014, "active": 30, ..., "total": 45}`.
    Numbers stay numbers; every column of `columns()` is in every row."""
    names = columns(found_records, period)
    rows: dict[Period, dict[str, Any]] = {}
    for record in found_records:
        row = rows.setdefault(record[period], {**dict.fromkeys(names, 0), period: record[period]})
        row[record["status"]] += record["count"]
        row["total"] += record["count"]
    return list(rows.values())


def grid(found_records: Sequence[Mapping[str, Any]],
         period: str = "year") -> tuple[list[str], list[list[str]]]:
    """The pivot as text cells, for a terminal table: zero counts blank so that the shape of
    the curve stands out (as in stats.grid), no total row (a sum over periods counts each
    dossier many times)."""
    names = columns(found_records, period)
    rows = [
        [str(row[period]), *(str(row[n] or "") for n in names[1:-1]), str(row["total"])]
        for row in pivot(found_records, period)
    ]
    return names, rows
