"""Linkage: which breaks were made over which crisis, and what became of them. Pure.

A break (dataset.breaking_events) answered the crises its `over` names, and those of the
events it names in other dossiers, followed through their own `over` (Dataset.crises_of).
One that answered only another dossier's move, which itself names no crisis, is counted
under that move (DOSSIER-ID@DATE): Russia's step on START II in 2002 answered the US
withdrawal from the ABM Treaty. A break whose actor stated no link (`over: []`) is counted
under NONE_STATED, one whose link is not recorded (no `over`, before 1999) under
NOT_RECORDED, so that every break is counted once under each of its rows.
"""

from __future__ import annotations

from typing import NamedTuple

from compartment.data.dataset import Dataset, Dossier, Event, breaking_events

NONE_STATED = "none stated"
NOT_RECORDED = "not recorded"


class LinkedBreak(NamedTuple):
    crisis: str  # a crisis id, NONE_STATED or NOT_RECORDED
    date: str
    dossier: str
    title: str
    actor: str
    bloc: str | None
    status: str
    recovered: str | None  # when the dossier next became active again, if it did
    now: str  # the dossier's status today

    def to_dict(self) -> dict[str, object]:
        return self._asdict()


def labels(data: Dataset, event: Event) -> list[str]:
    """What a break answered, as the rows of a count: its crises, or why it has none."""
    if event.over is None:
        return [NOT_RECORDED]
    return data.crises_of(event) or [r for r in event.over if "@" in r] or [NONE_STATED]


def _recovered(dossier: Dossier, event: Event) -> str | None:
    later = dossier.events[dossier.events.index(event) + 1:]
    return next((e.date for e in later if e.status == "active"), None)


def linked_breaks(data: Dataset) -> list[LinkedBreak]:
    """Every break once per crisis it answered, in date order (crises in the registry's date
    order for one break)."""
    out = []
    for dossier in data.dossiers:
        for event in breaking_events(dossier.events):
            for crisis in labels(data, event):
                out.append(LinkedBreak(crisis, event.date, dossier.id, dossier.title, event.actor,
                                       data.bloc_of(event.actor), event.status or "",
                                       _recovered(dossier, event), dossier.status))
    return sorted(out, key=lambda b: b.date)


def by_crisis(data: Dataset) -> list[tuple[str, list[LinkedBreak]]]:
    """The breaks of each crisis, crises in date order, then those without one."""
    found = linked_breaks(data)
    order = [c.id for c in sorted(data.crises.values(), key=lambda c: (c.date, c.id))]
    moves = {b.crisis for b in found if "@" in b.crisis}
    order += sorted(moves, key=lambda m: (m.partition("@")[2], m))
    order += [NONE_STATED, NOT_RECORDED]
    return [(crisis, [b for b in found if b.crisis == crisis]) for crisis in order
            if crisis in data.crises or any(b.crisis == crisis for b in found)]
