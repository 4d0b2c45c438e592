"""What changed between two versions of the dataset, and the report of it. Pure.

Dossiers are matched by id. Within a dossier, an event is matched by its (date, actor,
action); when several events share that key, the first is paired with the first, the second
with the second, and so on. A matched event whose other fields differ (status, summary,
sources, unverified, claims) is "changed"; an event whose date, actor or action was edited
shows as one removed and one added. `diff` and `log` report with these (revisions.py reads
the versions from git).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from compartment.data.dataset import Dataset, Dossier, Event
from compartment.data.vocab import DERIVED_FIELDS, DOSSIER_FIELDS, EVENT_FIELDS

# Fields compared one by one for a dossier present on both sides; `events` has its own rules.
# status and broken_off_by are reported with both values, the others by name.
_TRACKED = (*DERIVED_FIELDS, "first_broken_off_by")
_OTHER_FIELDS = tuple(f for f in DOSSIER_FIELDS if f not in ("id", *DERIVED_FIELDS, "events"))
_EVENT_FIELDS = tuple(f for f in EVENT_FIELDS if f not in ("date", "actor", "action"))
# Event fields reported with both values; the others by name (text, lists of sources).
_SHOWN = ("status", "unverified", "over", "accuses")


# -- comparing ----------------------------------------------------------------------------


class FieldChange(NamedTuple):
    field: str
    old: Any
    new: Any


class EventChange(NamedTuple):
    old: Event
    new: Event
    fields: tuple[str, ...]  # which of _EVENT_FIELDS differ


@dataclass(frozen=True)
class DossierDiff:
    id: str
    changes: tuple[FieldChange, ...] = ()  # status, broken_off_by
    other_fields: tuple[str, ...] = ()  # names of other dossier fields that changed
    events_added: tuple[Event, ...] = ()
    events_removed: tuple[Event, ...] = ()
    events_changed: tuple[EventChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changes or self.other_fields or self.events_added
                    or self.events_removed or self.events_changed)


@dataclass(frozen=True)
class DatasetDiff:
    old_name: str  # a revision, or "working tree"
    new_name: str
    file: str = ""  # the data file's path in the repository
    added: tuple[Dossier, ...] = ()
    removed: tuple[Dossier, ...] = ()
    changed: tuple[DossierDiff, ...] = ()
    actors_added: tuple[str, ...] = ()
    actors_removed: tuple[str, ...] = ()
    crises_added: tuple[str, ...] = ()
    crises_removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.actors_added
                    or self.actors_removed or self.crises_added or self.crises_removed)


def event_key(event: Event) -> tuple[str, str, str]:
    return (event.date, event.actor, event.action)


def _pair_events(old: tuple[Event, ...],
                 new: tuple[Event, ...]) -> tuple[list[Event], list[Event], list[EventChange]]:
    waiting: dict[tuple[str, str, str], list[Event]] = defaultdict(list)
    for event in old:
        waiting[event_key(event)].append(event)
    added: list[Event] = []
    changed: list[EventChange] = []
    for event in new:
        queue = waiting.get(event_key(event))
        if not queue:
            added.append(event)
            continue
        before = queue.pop(0)
        differ = tuple(f for f in _EVENT_FIELDS if getattr(before, f) != getattr(event, f))
        if differ:
            changed.append(EventChange(before, event, differ))
    left = {id(e) for queue in waiting.values() for e in queue}
    removed = [e for e in old if id(e) in left]
    return added, removed, changed


def compare_dossiers(old: Dossier, new: Dossier) -> DossierDiff:
    changes = tuple(FieldChange(f, getattr(old, f), getattr(new, f))
                    for f in _TRACKED if getattr(old, f) != getattr(new, f))
    other = tuple(f for f in _OTHER_FIELDS if getattr(old, f) != getattr(new, f))
    added, removed, changed = _pair_events(old.events, new.events)
    return DossierDiff(new.id, changes, other, tuple(added), tuple(removed), tuple(changed))


def compare(old: Dataset, new: Dataset, old_name: str = "old", new_name: str = "new",
            file: str = "") -> DatasetDiff:
    """What changed from `old` to `new`; dossiers in the order of the file they come from."""
    old_by_id = {d.id: d for d in old.dossiers}
    new_ids = {d.id for d in new.dossiers}
    diffs = (compare_dossiers(old_by_id[d.id], d) for d in new.dossiers if d.id in old_by_id)
    return DatasetDiff(
        old_name, new_name, file,
        added=tuple(d for d in new.dossiers if d.id not in old_by_id),
        removed=tuple(d for d in old.dossiers if d.id not in new_ids),
        changed=tuple(diff for diff in diffs if diff),
        actors_added=tuple(a for a in new.actors if a not in old.actors),
        actors_removed=tuple(a for a in old.actors if a not in new.actors),
        crises_added=tuple(c for c in new.crises if c not in old.crises),
        crises_removed=tuple(c for c in old.crises if c not in new.crises),
    )


# -- reporting ----------------------------------------------------------------------------


def _value(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return "null" if value is None else str(value)


def _events(dossier: Dossier) -> str:
    n = len(dossier.events)
    return f"{n} event{'s' * (n != 1)}"


def _event_line(event: Event) -> str:
    status = f" [status: {event.status}]" if event.status else ""
    return f"{event.date} {event.actor}: {event.action}{status}"


def lines(diff: DatasetDiff) -> Iterator[tuple[str, str]]:
    """The report as (kind, line) pairs; kind is "head", "add", "remove", "change" or ""."""
    where = f"{diff.file}: " if diff.file else ""
    yield "head", f"{where}{diff.old_name} -> {diff.new_name}"
    if not diff:
        yield "", "no differences"
        return
    for kind, added, removed in (("actor", diff.actors_added, diff.actors_removed),
                                 ("crisis", diff.crises_added, diff.crises_removed)):
        yield from (("add", f"+ {kind} {name}") for name in added)
        yield from (("remove", f"- {kind} {name}") for name in removed)
    for kind, mark, dossiers in (("add", "+", diff.added), ("remove", "-", diff.removed)):
        yield from ((kind, f"{mark} dossier {d.id}: {d.title} ({d.status}, {_events(d)})")
                    for d in dossiers)
    for dd in diff.changed:
        yield "", f"~ dossier {dd.id}"
        for c in dd.changes:
            yield "change", f"    {c.field}: {_value(c.old)} -> {_value(c.new)}"
        if dd.other_fields:
            yield "change", f"    also changed: {', '.join(dd.other_fields)}"
        yield from (("add", f"    + event {_event_line(e)}") for e in dd.events_added)
        yield from (("remove", f"    - event {_event_line(e)}") for e in dd.events_removed)
        for ec in dd.events_changed:
            yield "change", f"    ~ event {_event_line(ec.new)} ({_what_changed(ec)})"


def _what_changed(ec: EventChange) -> str:
    parts = []
    for f in ec.fields:
        if f in _SHOWN:
            parts.append(f"{f}: {_value(getattr(ec.old, f))} -> {_value(getattr(ec.new, f))}")
        elif f == "claims":
            parts.append(_claims_changed(ec.old, ec.new))
        else:
            parts.append(f"{f} edited")
    return "; ".join(parts)


def _claims_changed(old: Event, new: Event) -> str:
    """`claims: + by united-states, - by russia` (a claim edited shows as one of each)."""
    marks = ([f"+ by {c.by}" for c in new.claims if c not in old.claims]
             + [f"- by {c.by}" for c in old.claims if c not in new.claims])
    return "claims: " + (", ".join(marks) if marks else "reordered")


def md_text(text: str) -> str:
    """Text safe inside a Markdown list item: no markup, no line breaks."""
    out = text.replace("\\", "\\\\")
    for char in "`*_[]<>|#":
        out = out.replace(char, "\\" + char)
    return out.replace("\r", " ").replace("\n", " ")


def _md_event(event: Event) -> str:
    status = f" (status: **{event.status}**)" if event.status else ""
    return f"{event.date} `{event.actor}`: {md_text(event.action)}{status}"


def markdown(diff: DatasetDiff) -> str:
    """A report to paste into a pull request."""
    where = f" in `{diff.file}`" if diff.file else ""
    out = [f"### Data changes{where}: {md_text(diff.old_name)} → {md_text(diff.new_name)}", ""]
    if not diff:
        out += ["No differences.", ""]
        return "\n".join(out)
    for what, dossiers in (("added", diff.added), ("removed", diff.removed)):
        if dossiers:
            out += [f"**Dossiers {what}**", ""]
            out += [f"- `{d.id}`: {md_text(d.title)} ({d.status}, {_events(d)})" for d in dossiers]
            out.append("")
    for heading, added, removed in (("Actors", diff.actors_added, diff.actors_removed),
                                    ("Crises", diff.crises_added, diff.crises_removed)):
        if added or removed:
            out += [f"**{heading}**", ""]
            out += [f"- added `{n}`" for n in added] + [f"- removed `{n}`" for n in removed]
            out.append("")
    for dd in diff.changed:
        out += [f"**`{dd.id}`**", ""]
        out += [f"- {c.field}: {_value(c.old)} → **{_value(c.new)}**" for c in dd.changes]
        if dd.other_fields:
            out.append(f"- also changed: {', '.join(dd.other_fields)}")
        out += [f"- event added: {_md_event(e)}" for e in dd.events_added]
        out += [f"- event removed: {_md_event(e)}" for e in dd.events_removed]
        out += [f"- event changed: {_md_event(ec.new)} ({md_text(_what_changed(ec))})"
                for ec in dd.events_changed]
        out.append("")
    return "\n".join(out)


def _dossier_brief(d: Dossier) -> dict[str, Any]:
    return {"id": d.id, "title": d.title, "status": d.status, "broken_off_by": d.broken_off_by,
            "events": len(d.events)}


def to_dict(diff: DatasetDiff) -> dict[str, Any]:
    return {
        "file": diff.file, "old": diff.old_name, "new": diff.new_name, "same": not diff,
        "actors_added": list(diff.actors_added), "actors_removed": list(diff.actors_removed),
        "crises_added": list(diff.crises_added), "crises_removed": list(diff.crises_removed),
        "dossiers_added": [_dossier_brief(d) for d in diff.added],
        "dossiers_removed": [_dossier_brief(d) for d in diff.removed],
        "dossiers_changed": [{
            "id": d.id, "changes": {c.field: {"old": c.old, "new": c.new} for c in d.changes},
            "other_fields": list(d.other_fields),
            "events_added": [e.to_dict() for e in d.events_added],
            "events_removed": [e.to_dict() for e in d.events_removed],
            "events_changed": [{"old": ec.old.to_dict(), "new": ec.new.to_dict(),
                                "fields": list(ec.fields)} for ec in d.events_changed],
        } for d in diff.changed],
    }
