"""The decision points as an iCalendar file (RFC 5545), for any calendar application.

One all-day event per decision point (views/upcoming.py), written by the icalendar library.
The same data gives the same bytes: each event's UID is made from its dossier, date and
what is due, and the DTSTAMP every event must carry is the date of the ledger's latest
event, not the clock. A partial date (2027-05) is placed on the first day of its period,
and the description says how precisely the date is published.

icalendar is imported only here, when a calendar is written: it costs 60 ms to import.
"""

from __future__ import annotations

import datetime as _dt
import hashlib

from compartment.data import dates
from compartment.data.dataset import Dataset, url_host
from compartment.views.upcoming import Upcoming, deciders, decisions

PRODID = "-//compartment//compartment ledger//EN"
NAME = "compartment: what comes next"


def uid(point: Upcoming) -> str:
    """Stable across runs and edits elsewhere: the dossier, the date and what is due."""
    digest = hashlib.sha256(f"{point.dossier}\n{point.date}\n{point.due}".encode()).hexdigest()
    return f"{point.dossier}-{point.date}-{digest[:12]}@compartment"


def ics(data: Dataset) -> bytes:
    """Every decision point of the data, in date order, as the bytes of a .ics file."""
    from icalendar import Calendar, Event

    latest = max((e.date for d in data.dossiers for e in d.events), default="1970")
    stamp = _dt.datetime.combine(dates.first_day(latest), _dt.time(), tzinfo=_dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", NAME)
    for point in decisions(data.dossiers):
        day = dates.first_day(point.date)
        precision = {4: "the year", 7: "the month"}.get(len(point.date))
        when = (f"Published date: {point.date} (only {precision} is known; placed on its "
                "first day).\n" if precision else "")
        source = point.sources[0] if point.sources else ""
        event = Event()
        event.add("uid", uid(point))
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + _dt.timedelta(days=1))
        event.add("summary", f"{point.title}: {point.due}")
        event.add("description", f"{point.due}\nDecided by: {deciders(data, point)}\n"
                                 f"Dossier: {point.dossier} ({point.status})\n{when}"
                                 f"Source: {source}")
        if url_host(source) is not None:
            event.add("url", source)
        event.add("categories", [point.dossier])
        event.add("transp", "TRANSPARENT")  # a date to watch, not time taken
        calendar.add_component(event)
    return bytes(calendar.to_ical())
