"""The edits of the ledger, each a change of the records: add an event, a claim, a dossier, an
actor, a publisher; set a dossier's field.

Each function returns a `Change`: the records in, the records out and what was done. It never
sees text: rewrite.py parses the file, applies the change, validates the result and writes
it in the canonical layout, the same way for every edit, `fmt` and the merge driver.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from compartment.data.dataset import Actor, Claim, Dataset, Dossier, Event, Publisher, with_state
from compartment.data.lookup import find
from compartment.data.vocab import DERIVED_FIELDS, DOSSIER_FIELDS, LIST_FIELDS, OPTIONAL_FIELDS
from compartment.errors import UNSAFE_CHARS, CompartmentError, UsageError, visible

R = TypeVar("R")

Change = Callable[[Dataset], tuple[Dataset, str]]

# What `dossier set` may change: every field of the contract but the events and the fields
# that follow from them.
SETTABLE_FIELDS = tuple(f for f in DOSSIER_FIELDS if f not in (*DERIVED_FIELDS, "events"))
SCALAR_FIELDS = tuple(f for f in SETTABLE_FIELDS if f not in LIST_FIELDS)


class EditError(CompartmentError):
    """The edit cannot be made: the record it needs is missing, or already there."""


# What no text of the file may hold (control characters, bidi controls, the line breaks only
# YAML knows): an edit's new values are refused before anything is worked out, so that what
# is reported as set is what the file holds.
_REFUSED = re.compile(f"{UNSAFE_CHARS.pattern}|[\u2028\u2029]")


def checked(record: R) -> R:
    """`record`, if none of its texts (nested records' included) holds a character the file
    may not hold; else a UsageError naming the field and the character."""
    fields: dict[str, Any] = record._asdict()  # type: ignore[attr-defined]
    for name, value in fields.items():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, tuple):
                checked(item)
            elif isinstance(item, str):
                checked_text(name, item)
    return record


def checked_text(field: str, text: str) -> None:
    bad = _REFUSED.search(text)
    if bad is not None:
        raise UsageError(f"{field}: the text holds the character {visible(bad.group())}, which "
                         "the data file cannot hold (a control character, or a line break YAML "
                         "reads and editors do not); write the text without it")


def _replace_dossier(data: Dataset, old: Dossier, new: Dossier) -> Dataset:
    return data._replace(dossiers=tuple(new if d is old else d for d in data.dossiers))


def add_event(dossier_id: str, event: Event) -> Change:
    """Insert `event` in date order (after events of the same date); the dossier's `status`
    and `broken_off_by` follow its events."""
    checked(event)

    def change(data: Dataset) -> tuple[Dataset, str]:
        dossier = find(data, dossier_id)
        position = bisect.bisect_right([e.date for e in dossier.events], event.date)
        events = (*dossier.events[:position], event, *dossier.events[position:])
        new = with_state(dossier._replace(events=events))
        moved = f"; status {dossier.status} -> {new.status}" if new.status != dossier.status else ""
        return (_replace_dossier(data, dossier, new),
                f"added the event of {event.date} to {dossier.id}{moved}")

    return change


def add_claim(dossier_id: str, date: str, claim: Claim, actor: str | None = None,
              action: str | None = None) -> Change:
    """Append `claim` to the claims of the event of `date` in the dossier (`actor` and
    `action` pick it among several events of that date)."""
    checked(claim)

    def change(data: Dataset) -> tuple[Dataset, str]:
        dossier = find(data, dossier_id)
        matches = [k for k, e in enumerate(dossier.events)
                   if e.date == date and actor in (None, e.actor) and action in (None, e.action)]
        if not matches:
            on_day = [e for e in dossier.events if e.date == date]
            hint = (f"; its events are dated {', '.join(e.date for e in dossier.events)}"
                    if not on_day else "; --event-actor and --action must match one of them")
            raise EditError(f"{dossier.id} has no event dated {date} that matches{hint}")
        if len(matches) > 1:
            which = "; ".join(f"{dossier.events[k].actor}: {dossier.events[k].action}"
                              for k in matches)
            raise UsageError(f"{dossier.id} has {len(matches)} events dated {date} ({which}); "
                             "pick one with --event-actor and --action")
        k = matches[0]
        events = list(dossier.events)
        events[k] = events[k]._replace(claims=(*events[k].claims, claim))
        new = dossier._replace(events=tuple(events))
        return (_replace_dossier(data, dossier, new),
                f"added a claim by {claim.by} to the event of {date} in {dossier.id}")

    return change


def add_dossier(dossier: Dossier) -> Change:
    """Add a new dossier; its `status` and `broken_off_by` follow its events."""
    checked(dossier)

    def change(data: Dataset) -> tuple[Dataset, str]:
        if data.get(dossier.id) is not None:
            raise EditError(f"a dossier with id {dossier.id!r} already exists")
        return (data._replace(dossiers=(*data.dossiers, with_state(dossier))),
                f"added the dossier {dossier.id}")

    return change


def set_arguments(field: str, values: Sequence[str], unset: bool) -> tuple[str, list[str] | None]:
    """Check what `dossier set` was asked: the field's name (`third-parties` is accepted for
    `third_parties`) and its new values, or None to remove it. UsageError if they cannot be."""
    field_name = field.replace("-", "_")
    if field_name in DERIVED_FIELDS:
        raise UsageError(f"{field_name} follows the dossier's events: record the event that "
                         "changed it with `compartment event add ... --status STATUS`")
    if field_name not in SETTABLE_FIELDS:
        raise UsageError(f"cannot set {field!r}; FIELD is one of {', '.join(SETTABLE_FIELDS)}")
    if unset:
        if values:
            raise UsageError("give VALUEs or --unset, not both")
        if field_name not in OPTIONAL_FIELDS:
            raise UsageError(f"{field_name} is required; it cannot be removed")
        return field_name, None
    if not values:
        removable = " (or --unset to remove it)" if field_name in OPTIONAL_FIELDS else ""
        raise UsageError(f"give a value for {field_name}{removable}")
    if field_name in SCALAR_FIELDS and len(values) != 1:
        raise UsageError(f"{field_name} takes one value; quote it if it has spaces")
    return field_name, list(values)


def set_field(dossier_id: str, field: str, values: Sequence[str], *,
              unset: bool = False) -> Change:
    """Set one field of a dossier: a scalar takes one value, a list the given values (in that
    order); `unset` removes an optional field. The arguments are checked by set_arguments."""
    field_name, new_values = set_arguments(field, values, unset)
    for value in new_values or ():
        checked_text(field_name, value)

    def change(data: Dataset) -> tuple[Dataset, str]:
        dossier = find(data, dossier_id)
        if new_values is None:
            default = Dossier._field_defaults[field_name]
            if getattr(dossier, field_name) == default:
                raise EditError(f"{dossier.id} has no {field_name} to remove")
            return (_replace_dossier(data, dossier, dossier._replace(**{field_name: default})),
                    f"removed {field_name} from {dossier.id}")
        if (field_name == "id" and new_values[0] != dossier.id
                and data.get(new_values[0]) is not None):
            raise EditError(f"a dossier with id {new_values[0]!r} already exists")
        value: Any = tuple(new_values) if field_name in LIST_FIELDS else new_values[0]
        new = dossier._replace(**{field_name: value})
        shown = new_values[0] if field_name in SCALAR_FIELDS else ", ".join(new_values)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return (_replace_dossier(data, dossier, new),
                f"set {field_name} of {dossier.id} to {shown!r}")

    return change


def add_actor(actor_id: str, name: str, bloc: str) -> Change:
    """Register an actor."""
    actor = checked(Actor(actor_id, name, bloc))

    def change(data: Dataset) -> tuple[Dataset, str]:
        if actor_id in data.actors:
            raise EditError(f"an actor with id {actor_id!r} already exists")
        return data._replace(actors={**data.actors, actor_id: actor}), f"added the actor {actor_id}"

    return change


def add_publisher(host: str, name: str, kind: str, state_media: str | None = None,
                  subdomains: bool = False) -> Change:
    """Register the publisher of the sources at `host` (lower-cased)."""
    host = host.lower()
    publisher = checked(Publisher(host, name, kind, state_media, subdomains))

    def change(data: Dataset) -> tuple[Dataset, str]:
        if host in data.publishers:
            raise EditError(f"the publisher {host!r} is already registered")
        publishers = {**data.publishers, host: publisher}
        return data._replace(publishers=publishers), f"registered the publisher {host}"

    return change
