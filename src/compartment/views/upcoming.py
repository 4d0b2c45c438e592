"""What comes next: the scheduled decision points of the dossiers, in date order. Pure.

A decision point's date may be partial (2027-05, 2027): it is due within a window if any day
of its period falls in it, and sorts as the start of its period, the rule used everywhere.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from typing import NamedTuple

from compartment.data import dates
from compartment.data.dataset import Dataset, Decision, Dossier

_SPAN = re.compile(r"([1-9][0-9]{0,2})([dwmy])")


class Upcoming(NamedTuple):
    date: str
    dossier: str
    title: str
    status: str
    due: str
    by: tuple[str, ...]
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {**self._asdict(), "by": list(self.by), "sources": list(self.sources)}


def parse_span(text: str) -> tuple[int, str]:
    """`6m`, `2y`, `90d`, `3w` as (number, unit); ValueError for anything else."""
    match = _SPAN.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError(f"{text!r} is not a span: write a number and d, w, m or y, such as 6m")
    return int(match[1]), match[2]


def window_end(start: str, span: str) -> str:
    """The last day of the window that opens on `start` (YYYY-MM-DD) and lasts `span`."""
    number, unit = parse_span(span)
    day = _dt.date.fromisoformat(start)
    if unit in "dw":
        end = day + _dt.timedelta(days=number * (7 if unit == "w" else 1))
    else:
        months = day.month - 1 + number * (12 if unit == "y" else 1)
        year, month = day.year + months // 12, months % 12 + 1
        last = int(dates.last_day(f"{year:04d}-{month:02d}")[8:])
        end = _dt.date(year, month, min(day.day, last))
    return (end - _dt.timedelta(days=1)).isoformat()


def decisions(dossiers: Iterable[Dossier]) -> list[Upcoming]:
    """Every decision point of `dossiers`, in date order (then the dossiers' order)."""
    out = [Upcoming(n.date, d.id, d.title, d.status, n.due, n.by, n.sources)
           for d in dossiers for n in d.next]
    return sorted(out, key=lambda u: u.date)


def within(found: Iterable[Upcoming], start: str, end: str | None) -> list[Upcoming]:
    """Those due on a day from `start` to `end` (inclusive; None: no end)."""
    return [u for u in found
            if dates.last_day(u.date) >= start and (end is None or u.date <= end)]


def deciders(data: Dataset, decision: Upcoming | Decision) -> str:
    """Who decides, by name."""
    return ", ".join(data.name_of(a) for a in decision.by)
