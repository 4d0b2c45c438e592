"""The latest events as an Atom feed (RFC 4287): `feed.xml` at the site's root. Pure.

The same data gives the same bytes: the feed's `updated` is the date of its newest event,
never the clock. The site does not know the address it will be published at, so links are
relative (a reader resolves them against the feed's own address) and ids are `tag:` URIs
(RFC 4151) made from what identifies an event: its dossier, its date and its place among the
dossier's events of that date, as on the dossier's page (`e-DATE`, `e-DATE-2`). Written with
ElementTree, which escapes every text: an entry's HTML content is escaped twice, as Atom's
`type="html"` wants.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from compartment.data import dates
from compartment.data.dataset import Dataset
from compartment.site.pages import Names, page_name
from compartment.views.timeline import entries

ATOM = "http://www.w3.org/2005/Atom"
# The authority and the year it was first used: never changes. An entry's id is
# `tag:compartment,2026:new-start/2023-02-21/1`: the first event of that date.
TAG = "tag:compartment,2026:"
TITLE = "Russia–West cooperation ledger: the latest events"
SIZE = 50  # entries, newest first


def timestamp(date: str) -> str:
    """A possibly partial date as an RFC 3339 time: the start of its period, in UTC."""
    return f"{dates.first_day(date).isoformat()}T00:00:00Z"


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _content(title: str, href: str, rows: list[tuple[str, str]], summary: str) -> str:
    """The entry's body as HTML (serialised here, so that every value is escaped)."""
    body = ET.Element("div")
    _text(ET.SubElement(body, "p"), "a", title, href=href)
    for label, value in rows:
        _text(ET.SubElement(body, "p"), "strong", label + ":").tail = " " + value
    _text(body, "p", summary)
    return ET.tostring(body, encoding="unicode", method="html")


def atom(data: Dataset) -> bytes:
    """The newest SIZE events of the data, newest first, as the bytes of an Atom feed."""
    names = Names(data)
    titles = {d.id: d.title for d in data.dossiers}
    latest = list(reversed(entries(data)))[:SIZE]
    feed = ET.Element("feed", xmlns=ATOM)
    _text(feed, "title", TITLE)
    _text(feed, "subtitle", "Every dated event of the dossiers of cooperation between Russia "
                            "and the West, each with its sources.")
    _text(feed, "id", f"{TAG}feed")
    _text(feed, "updated", timestamp(latest[0].date) if latest else "1970-01-01T00:00:00Z")
    _text(ET.SubElement(feed, "author"), "name", "compartment")
    ET.SubElement(feed, "link", rel="self", type="application/atom+xml", href="feed.xml")
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href="timeline.html")
    _text(feed, "generator", "compartment")
    _text(feed, "rights", "Data: CC BY 4.0")
    for found in latest:
        event = found.event
        href = f"dossiers/{page_name(found.dossier)}#{names.anchor(event)}"
        actor = names.name(event.actor) or event.actor
        entry = ET.SubElement(feed, "entry")
        _text(entry, "title", f"{titles[found.dossier]}: {actor} {event.action}", type="text")
        _text(entry, "id", f"{TAG}{found.dossier}/{event.date}/{names.place(event)}")
        _text(entry, "updated", timestamp(event.date))
        _text(entry, "published", timestamp(event.date))
        ET.SubElement(entry, "link", rel="alternate", type="text/html", href=href)
        ET.SubElement(entry, "category", term=found.dossier, label=titles[found.dossier])
        _text(entry, "summary", f"{event.date}: {event.summary}", type="text")
        rows = [("Date", event.date),
                ("Actor", actor + (f" ({found.bloc})" if found.bloc else "")),
                ("Action", event.action)]
        if event.status:
            rows.append(("Status", f"to {event.status}"))
        if event.unverified:
            rows.append(("Unverified", "yes"))
        _text(entry, "content", _content(titles[found.dossier], href, rows, event.summary),
              type="html")
    ET.indent(feed, space=" ")
    text = ET.tostring(feed, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{text}\n'.encode()
