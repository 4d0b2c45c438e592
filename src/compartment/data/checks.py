"""Rules across records, one generator per rule, all listed in RULES.

Each rule reads a Dataset and yields Findings: a data path into the file, a code, a message
and a severity. The loader turns paths into file:line locations; nothing here prints.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from typing import NamedTuple

from compartment.data import dates
from compartment.data.dataset import (
    Dataset,
    Dossier,
    actors_named,
    breaking_events,
    derive_state,
    url_host,
)
from compartment.data.lookup import did_you_mean, suggest
from compartment.data.vocab import LINKAGE_SINCE, STRONG_KINDS
from compartment.errors import Severity


class Finding(NamedTuple):
    path: tuple[str | int, ...]
    code: str
    message: str
    severity: Severity = Severity.ERROR


def unique_ids(data: Dataset) -> Iterator[Finding]:
    counts = Counter(d.id for d in data.dossiers)
    for i, dossier in enumerate(data.dossiers):
        if counts[dossier.id] > 1:
            others = [j for j, d in enumerate(data.dossiers) if d.id == dossier.id and j != i]
            yield Finding(("dossiers", i, "id"), "duplicate-id",
                          f"dossier id {dossier.id!r} is used {counts[dossier.id]} times (also "
                          f"dossier number {', '.join(str(j + 1) for j in others)} in the file)")


def unique_tags(data: Dataset) -> Iterator[Finding]:
    """A tag listed twice on one dossier is a slip (a merge, a copy); it would count twice in
    anything that tallies tags. Each later copy is flagged, pointing at the first."""
    for i, d in enumerate(data.dossiers):
        first: dict[str, int] = {}
        for k, tag in enumerate(d.tags):
            if tag in first:
                yield Finding(("dossiers", i, "tags", k), "duplicate-tag",
                              f"tag {tag!r} is listed twice (first as tag {first[tag] + 1}); "
                              "remove this one")
            else:
                first[tag] = k


def actor_references(data: Dataset) -> Iterator[Finding]:
    for i, d in enumerate(data.dossiers):
        if actors_named(d) <= data.actors.keys():  # the common case, in one set operation
            continue
        for path, actor in _actor_places(d):
            if actor is not None and actor not in data.actors:
                yield Finding(("dossiers", i, *path), "unknown-actor",
                              f"unknown actor {actor!r}: add it under `actors:` or fix the id")


def _actor_places(d: Dossier) -> Iterator[tuple[tuple[str | int, ...], str | None]]:
    """Each place in the dossier that names an actor (or may: None where it names none)."""
    for field in ("parties", "third_parties"):
        for k, actor in enumerate(getattr(d, field)):
            yield (field, k), actor
    yield ("broken_off_by",), d.broken_off_by
    for n, decision in enumerate(d.next):
        for b, actor in enumerate(decision.by):
            yield ("next", n, "by", b), actor
    for k, event in enumerate(d.events):
        yield ("events", k, "actor"), event.actor
        yield ("events", k, "accuses"), event.accuses
        for c, claim in enumerate(event.claims):
            yield ("events", k, "claims", c, "by"), claim.by
            yield ("events", k, "claims", c, "blames"), claim.blames


def unused_actors(data: Dataset) -> Iterator[Finding]:
    used = {actor for d in data.dossiers for actor in actors_named(d)}
    for actor in data.actors:
        if actor not in used:
            yield Finding(("actors", actor), "unused-actor",
                          f"actor {actor!r} is not used by any dossier", Severity.WARNING)


def references(data: Dataset) -> Iterator[Finding]:
    """Every `over` names a registered crisis or another dossier's event (DOSSIER-ID@DATE)."""
    for i, d in enumerate(data.dossiers):
        for k, event in enumerate(d.events):
            for r, reference in enumerate(event.over or ()):
                if data.referenced(reference) is not None:
                    continue
                if "@" in reference:
                    dossier_id, _, date = reference.partition("@")
                    why = (f"no event of {dossier_id} is dated {date}" if data.get(dossier_id)
                           else f"no dossier {dossier_id!r}")
                else:
                    why = ("no such crisis under `crises:`"
                           + did_you_mean(reference, list(data.crises)))
                yield Finding(("dossiers", i, "events", k, "over", r), "unknown-reference",
                              f"over: {reference!r} names nothing: {why}")


def linkage_stated(data: Dataset) -> Iterator[Finding]:
    """A break after LINKAGE_SINCE says what it answered: `over: [crisis-id]`, another
    dossier's event, or `over: []` where the acting side stated no link."""
    for i, d in enumerate(data.dossiers):
        breaking = {id(e) for e in breaking_events(d.events)}
        for k, event in enumerate(d.events):
            if event.over is None and event.date >= LINKAGE_SINCE and id(event) in breaking:
                yield Finding(("dossiers", i, "events", k), "no-over",
                              "this break does not say what it answered: add `over:` with the "
                              "crisis or event its actor stated, or `over: []` if the actor "
                              "stated no link", Severity.WARNING)


def unused_crises(data: Dataset) -> Iterator[Finding]:
    named = {r for d in data.dossiers for e in d.events for r in e.over or ()}
    for crisis in data.crises:
        if crisis not in named:
            yield Finding(("crises", crisis), "unused-crisis",
                          f"crisis {crisis!r} is not named by any event's `over`",
                          Severity.WARNING)


def chronological_events(data: Dataset) -> Iterator[Finding]:
    for i, d in enumerate(data.dossiers):
        for k, (before, event) in enumerate(itertools.pairwise(d.events), start=1):
            if event.date < before.date:
                yield Finding(("dossiers", i, "events", k, "date"), "event-order",
                              f"event dated {event.date} comes after one dated {before.date}; "
                              "keep events in date order")


def no_future_events(data: Dataset) -> Iterator[Finding]:
    today = dates.today()
    for i, d in enumerate(data.dossiers):
        for k, event in enumerate(d.events):
            if event.date > today:
                yield Finding(("dossiers", i, "events", k, "date"), "future-date",
                              f"event dated {event.date} is in the future (today is {today})")


def status_matches_events(data: Dataset) -> Iterator[Finding]:
    for i, d in enumerate(data.dossiers):
        state = derive_state(d.events)
        if state.status is None:
            yield Finding(("dossiers", i, "events"), "no-status-event", "no event sets a "
                          "status; give the event that started or changed it a `status:`")
        elif state.status != d.status:
            yield Finding(("dossiers", i, "status"), "status-mismatch",
                          f"status is {d.status!r} but the latest status-setting event "
                          f"({state.since}) sets {state.status!r}")


def broken_off_by_matches_events(data: Dataset) -> Iterator[Finding]:
    for i, d in enumerate(data.dossiers):
        state = derive_state(d.events)
        if state.status is None or state.broken_off_by == d.broken_off_by:
            continue
        if state.broken_off_by is None:
            why = ("the dossier is active" if state.status == "active"
                   else "no event moved it to strained, suspended or terminated")
            expected = f"null, since {why}"
        else:
            expected = f"{state.broken_off_by!r}, the actor of the event of {state.break_date}"
        yield Finding(("dossiers", i, "broken_off_by"), "broken-off-by-mismatch",
                      f"broken_off_by is {d.broken_off_by!r} but the events say {expected}")


def events_have_sources(data: Dataset) -> Iterator[Finding]:
    for i, d in enumerate(data.dossiers):
        for k, event in enumerate(d.events):
            if event.sources:
                continue
            if event.unverified:
                yield Finding(("dossiers", i, "events", k), "unsourced-unverified",
                              "unverified event has no source; add what was found, even if weak",
                              Severity.WARNING)
            else:
                yield Finding(("dossiers", i, "events", k), "no-source", "event has no source: "
                              "add at least one URL or citation under `sources:`")


def cited(data: Dataset) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every source the ledger cites, with its path: the crises', the decision points', the
    events' and their claims'."""
    for crisis_id, crisis in data.crises.items():
        for n, source in enumerate(crisis.sources):
            yield ("crises", crisis_id, "sources", n), source
    for i, d in enumerate(data.dossiers):
        for m, decision in enumerate(d.next):
            for n, source in enumerate(decision.sources):
                yield ("dossiers", i, "next", m, "sources", n), source
        for k, event in enumerate(d.events):
            for n, source in enumerate(event.sources):
                yield ("dossiers", i, "events", k, "sources", n), source
            for c, claim in enumerate(event.claims):
                for n, source in enumerate(claim.sources):
                    yield ("dossiers", i, "events", k, "claims", c, "sources", n), source


def registered_publishers(data: Dataset) -> Iterator[Finding]:
    """In a ledger that keeps a publisher registry, every source URL's host is in it."""
    if not data.publishers:
        return
    for path, source in cited(data):
        host = url_host(source)
        if host is not None and data.publisher_of(source) is None:
            close = suggest(host, list(data.publishers))
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            yield Finding(path, "unregistered-publisher",
                          f"the host {host!r} is not a registered publisher{hint}; register "
                          f"it with `compartment publisher add {host} --name NAME --kind KIND`")


def strong_sources(data: Dataset) -> Iterator[Finding]:
    """A dossier should rest on at least one primary or reference source (`compartment
    sources --weak` lists the events that have none; that is advice, not a rule)."""
    if not data.publishers:
        return
    for i, d in enumerate(data.dossiers):
        kinds = {data.publisher_of(s) for e in d.events for s in e.sources}
        if not any(p is not None and p.kind in STRONG_KINDS for p in kinds):
            yield Finding(("dossiers", i, "events"), "no-strong-source",
                          "no event of this dossier cites a primary or reference source",
                          Severity.WARNING)


Rule = Callable[[Dataset], Iterator[Finding]]

RULES: tuple[Rule, ...] = (
    unique_ids, unique_tags, actor_references, unused_actors, chronological_events,
    no_future_events, status_matches_events, broken_off_by_matches_events, events_have_sources,
    registered_publishers, strong_sources, references, linkage_stated, unused_crises,
)


def past_due(data: Dataset, today: str) -> Iterator[Finding]:
    """Decision points dated before `today` (a partial date once its whole period is past):
    what happened is to be recorded as an event, and the entry dropped or moved. Not one of
    RULES: the answer changes with the day, so it is asked when validating, never cached."""
    for i, d in enumerate(data.dossiers):
        for n, decision in enumerate(d.next):
            if dates.last_day(decision.date) < today:
                yield Finding(("dossiers", i, "next", n, "date"), "past-due",
                              f"the decision point of {decision.date} ({decision.due}) has "
                              f"passed (as of {today}): record what happened as an event, then "
                              "drop this entry or move it to the next date", Severity.WARNING)


def run(data: Dataset, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    return [finding for rule in rules for finding in rule(data)]
