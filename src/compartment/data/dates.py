"""Dates that may be partial: YYYY-MM-DD, or YYYY-MM / YYYY where only that is known.

The rule, documented in docs/data.md: a date is compared as its text. So a partial date sorts
as the start of its period and before every full date inside it ("2014" < "2014-03" <
"2014-03-01"), and an event dated "2014-03" counts as having happened as of 2014-03-01.
One rule for sorting and for "as of" means the state on a day is always a prefix of the
timeline.
"""

from __future__ import annotations

import datetime as _dt
import re

# [0-9], not \d: \d matches every Unicode digit, and int() reads them, so "２０１４-０３-０１"
# (full-width) passed as a date, sorted after every ASCII date and was called in the future.
_SHAPE = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")


# A date this matches is valid, without building it: every month, and days up to 28.
_SURELY_VALID = re.compile(r"(?!0000)[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|1[0-9]|2[0-8]))?)?")


def check(text: str) -> str | None:
    """None if `text` is a valid (possibly partial) date, else what is wrong with it."""
    if _SURELY_VALID.fullmatch(text):  # most dates: one regex, no date built
        return None
    if not _SHAPE.fullmatch(text):
        return "must be a date written YYYY-MM-DD, YYYY-MM or YYYY"
    parts = [int(p) for p in text.split("-")]
    if parts[0] == 0:  # a partial date is drawn and compared as a day, and no day has year 0
        return "year 0000 does not exist; the calendar starts at 0001"
    if len(parts) >= 2 and not 1 <= parts[1] <= 12:
        return f"month {parts[1]:02d} does not exist"
    if len(parts) == 3:
        try:
            _dt.date(*parts)
        except ValueError:
            return f"{text} is not a day in the calendar"
    return None


def parse_full(text: str) -> str:
    """Validate a full YYYY-MM-DD date typed on the command line; raise ValueError if not one."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) or check(text):
        raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2022-02-23")
    return text


def today() -> str:
    return _dt.date.today().isoformat()


def first_day(text: str) -> _dt.date:
    """A (possibly partial) date as the first day of its period: "2027-05" is 1 May 2027."""
    return _dt.date.fromisoformat(text + "-01" * (2 - text.count("-")))


def last_day(text: str) -> str:
    """The last day of a (possibly partial) date's period, as YYYY-MM-DD: "2027" is
    "2027-12-31", "2027-02" is "2027-02-28"."""
    import calendar

    parts = [int(p) for p in text.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-{day:02d}"
