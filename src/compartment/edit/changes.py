"""The edits of the data file, each as what it does to the document: add an event, a claim,
a dossier, an actor, a publisher; set a dossier's field. How an edit is carried out on the
text (validated, located, spliced or made by the round trip, validated again) is
editflow.py's; each edit here gives it a mutation and the record it touches.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any

from compartment.data.dataset import Claim, Dataset, Dossier, Event, derive_state
from compartment.data.vocab import (
    DERIVED_FIELDS,
    DOSSIER_FIELDS,
    LIST_FIELDS,
    OPTIONAL_FIELDS,
    dossier_order,
)
from compartment.edit import fmt
from compartment.edit.editflow import Edit as Edit  # re-exported: the edits' result
from compartment.edit.editflow import EditError as EditError
from compartment.edit.editflow import Scope
from compartment.edit.editflow import run as _edit
from compartment.errors import UsageError

# What `dossier set` may change: every field of the contract but the events and the fields
# that follow from them.
SETTABLE_FIELDS = tuple(f for f in DOSSIER_FIELDS if f not in (*DERIVED_FIELDS, "events"))
SCALAR_FIELDS = tuple(f for f in SETTABLE_FIELDS if f not in LIST_FIELDS)
BLOCK_LISTS = fmt.BLOCK_LISTS


# -- the edits ------------------------------------------------------------------------------


def add_event(text: str, name: str, dossier_id: str, event: Event) -> Edit:
    """Insert `event` in date order (after events of the same date) and keep the dossier's
    `status` and `broken_off_by` what its events now say."""

    def mutate(document: Any, data: Dataset, indent: tuple[int, int, int]) -> str:
        index, dossier = _find(data, dossier_id)
        node = document["dossiers"][index]
        position = bisect.bisect_right([e.date for e in dossier.events], event.date)
        column = indent[1] * 2  # events are a list inside a list item
        node["events"].insert(position, _event_map(event, column, indent[0]))
        events = (*dossier.events[:position], event, *dossier.events[position:])
        state = derive_state(events)
        if state.status is not None and state.status != dossier.status:
            fmt.assign(node, "status", state.status)
        if state.broken_off_by != dossier.broken_off_by:
            fmt.assign(node, "broken_off_by", state.broken_off_by)
        changed = state.status != dossier.status
        status = f"; status {dossier.status} -> {state.status}" if changed else ""
        return f"added the event of {event.date} to {dossier_id}{status}"

    return _edit(text, name, mutate, _dossier_scope(dossier_id))


def add_claim(
    text: str, name: str, dossier_id: str, date: str, claim: Claim,
    actor: str | None = None, action: str | None = None,
) -> Edit:
    """Append `claim` to the claims of the event of `date` in the dossier (`actor` and
    `action` pick it among several events of that date)."""

    def mutate(document: Any, data: Dataset, indent: tuple[int, int, int]) -> str:
        index, dossier = _find(data, dossier_id)
        matches = [
            k for k, e in enumerate(dossier.events)
            if e.date == date and actor in (None, e.actor) and action in (None, e.action)
        ]
        if not matches:
            on_day = [e for e in dossier.events if e.date == date]
            hint = (f"; its events are dated {', '.join(e.date for e in dossier.events)}"
                    if not on_day else "; --event-actor and --action must match one of them")
            raise EditError(f"{dossier_id} has no event dated {date} that matches{hint}")
        if len(matches) > 1:
            which = "; ".join(f"{dossier.events[k].actor}: {dossier.events[k].action}"
                              for k in matches)
            raise UsageError(
                f"{dossier_id} has {len(matches)} events dated {date} ({which}); pick one "
                "with --event-actor and --action"
            )
        event_node = document["dossiers"][index]["events"][matches[0]]
        column = indent[1] * 3  # a claim is a list item inside an event inside a dossier
        record = fmt.new_mapping()
        record["by"] = claim.by
        if claim.blames is not None:
            record["blames"] = claim.blames
        record["says"] = fmt.yaml_text(claim.says, "says", column, indent[0])
        record["sources"] = fmt.yaml_list(list(claim.sources), flow=False)
        if "claims" in event_node:
            event_node["claims"].append(record)
        else:
            _put(event_node, "claims", fmt.yaml_list([record], flow=False), fmt.EVENT_KEYS)
        return f"added a claim by {claim.by} to the event of {date} in {dossier_id}"

    return _edit(text, name, mutate, _dossier_scope(dossier_id))


def add_dossier(text: str, name: str, dossier: Dossier) -> Edit:
    """Insert a new dossier where the canonical order (domain, then id) puts it."""

    def mutate(document: Any, data: Dataset, indent: tuple[int, int, int]) -> str:
        if data.get(dossier.id) is not None:
            raise EditError(f"a dossier with id {dossier.id!r} already exists")
        state = derive_state(dossier.events)
        record = Dossier(
            **{**_fields(dossier), "status": state.status or dossier.status,
               "broken_off_by": state.broken_off_by}
        )
        keys = [dossier_order(d.domain, d.id) for d in data.dossiers]
        place = dossier_order(record.domain, record.id)
        position = next((i for i, k in enumerate(keys) if k > place), len(keys))
        document["dossiers"].insert(position, _dossier_map(record, indent))
        return f"added the dossier {dossier.id}"

    def scope(data: Dataset) -> tuple[str, int, Dataset] | None:
        if data.get(dossier.id) is not None or not data.dossiers:
            return None  # the round trip says so, or makes the first dossier
        place = dossier_order(dossier.domain, dossier.id)
        keys = [dossier_order(d.domain, d.id) for d in data.dossiers]
        position = next((i for i, k in enumerate(keys) if k > place), len(keys))
        index = max(position - 1, 0)
        return "dossiers", index, _with_dossier(data, index)

    return _edit(text, name, mutate, scope)


def set_arguments(field: str, values: Sequence[str], unset: bool) -> tuple[str, list[str] | None]:
    """Check what `dossier set` was asked: the field's name (`third-parties` is accepted for
    `third_parties`) and its new values, or None to remove it. UsageError if they cannot be."""
    field_name = field.replace("-", "_")
    if field_name in DERIVED_FIELDS:
        raise UsageError(
            f"{field_name} follows the dossier's events: record the event that changed it with "
            "`compartment event add ... --status STATUS`"
        )
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


def set_field(
    text: str, name: str, dossier_id: str, field: str, values: Sequence[str], *, unset: bool = False
) -> Edit:
    """Set one field of a dossier: a scalar takes one value, a list the given values (in that
    order); `unset` removes an optional field. The arguments are checked by set_arguments."""
    field_name, new = set_arguments(field, values, unset)

    def mutate(document: Any, data: Dataset, indent: tuple[int, int, int]) -> str:
        index, _dossier = _find(data, dossier_id)
        dossiers = document["dossiers"]
        node = dossiers[index]
        if new is None:
            if field_name not in node:
                raise EditError(f"{dossier_id} has no {field_name} to remove")
            del node[field_name]
            return f"removed {field_name} from {dossier_id}"
        if field_name == "id" and new[0] != dossier_id and data.get(new[0]) is not None:
            raise EditError(f"a dossier with id {new[0]!r} already exists")
        column = indent[1]
        if field_name in LIST_FIELDS:
            old = node.get(field_name)
            if hasattr(old, "fa") and old:
                flow = bool(old.fa.flow_style())  # keep the style the author chose
            else:
                flow = _fits_flow(field_name, new, column)
            value: Any = fmt.yaml_list(new, flow=flow or not new)
        elif field_name in ("id", "domain"):
            value = new[0]
        else:
            value = fmt.yaml_text(new[0], field_name, column, indent[0])
        _put(node, field_name, value, fmt.DOSSIER_KEYS)
        if field_name in ("id", "domain"):
            _reposition(dossiers, index, data)
        shown = new[0] if field_name in SCALAR_FIELDS else ", ".join(new)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"set {field_name} of {dossier_id} to {shown!r}"

    moves = field_name in ("id", "domain")  # the dossier may move: the whole document
    return _edit(text, name, mutate, None if moves else _dossier_scope(dossier_id))


def add_actor(text: str, name: str, actor_id: str, actor_name: str, bloc: str) -> Edit:
    """Register an actor, in alphabetical order of id."""

    def mutate(document: Any, data: Dataset, indent: tuple[int, int, int]) -> str:
        if actor_id in data.actors:
            raise EditError(f"an actor with id {actor_id!r} already exists")
        record = fmt.new_mapping()
        record["name"] = fmt.yaml_text(actor_name, "name", indent[0] * 2, indent[0])
        record["bloc"] = bloc
        _insert_sorted(document["actors"], actor_id, record)
        return f"added the actor {actor_id}"

    return _edit(text, name, mutate, _key_scope("actors", actor_id, lambda d: d.actors))


def add_publisher(
    text: str, name: str, host: str, publisher_name: str, kind: str,
    state_media: str | None = None, subdomains: bool = False,
) -> Edit:
    """Register a publisher under `publishers:` (made at the end of the file if the file has
    none yet), in alphabetical order of host."""
    host = host.lower()

    def mutate(document: Any, data: Dataset, indent: tuple[int, int, int]) -> str:
        if host in data.publishers:
            raise EditError(f"the publisher {host!r} is already registered")
        record = fmt.new_mapping()
        record["name"] = fmt.yaml_text(publisher_name, "name", indent[0] * 2, indent[0])
        record["kind"] = kind
        if state_media is not None:
            record["state_media"] = state_media
        if subdomains:
            record["subdomains"] = True
        if "publishers" not in document:
            document["publishers"] = fmt.new_mapping()
        _insert_sorted(document["publishers"], host, record)
        return f"registered the publisher {host}"

    return _edit(text, name, mutate, _key_scope("publishers", host, lambda d: d.publishers))


def _dossier_scope(dossier_id: str) -> Scope:
    """The edit changes the dossier `dossier_id` (an unknown id fails as the round trip
    would: query.find suggests the closest ids)."""

    def scope(data: Dataset) -> tuple[str, int, Dataset]:
        index, _dossier = _find(data, dossier_id)
        return "dossiers", index, _with_dossier(data, index)

    return scope


def _with_dossier(data: Dataset, index: int) -> Dataset:
    """`data` as the excerpt holds it: the one dossier at `index`."""
    return Dataset(data.actors, (data.dossiers[index],), data.publishers)


def _key_scope(section: str, key: str, entries: Callable[[Dataset], Any]) -> Scope:
    """The edit inserts `key` among the entries of a mapping section, in alphabetical order;
    the excerpt is the entry it goes after (or the first, if it goes first)."""

    def scope(data: Dataset) -> tuple[str, int, Dataset] | None:
        keys = list(entries(data))
        if key in keys or not keys:
            return None  # the round trip refuses it, or makes the first entry
        position = next((i for i, k in enumerate(keys) if str(k) > key), len(keys))
        return section, max(position - 1, 0), data

    return scope


def _insert_sorted(mapping: Any, key: str, record: Any) -> None:
    """Insert `key` in alphabetical order among a mapping's keys, its comments kept."""
    keys = list(mapping)
    position = next((i for i, k in enumerate(keys) if str(k) > key), len(keys))
    if not hasattr(mapping, "insert"):  # `actors: {}` written in flow style
        mapping[key] = record
        return
    mapping.insert(position, key, record)
    if hasattr(mapping, "fa") and mapping.fa.flow_style() and not keys:
        mapping.fa.set_block_style()


# -- building new records ----------------------------------------------------------------------


def _fields(dossier: Dossier) -> dict[str, Any]:
    return dossier._asdict()


# The record builders live in fmt (the writer); these names stay for edit's callers.
_fits_flow, _event_map, _dossier_map = fmt.fits_flow, fmt.event_map, fmt.dossier_map


def _put(node: Any, key: str, value: Any, order: Sequence[str]) -> None:
    """Set `key` in place, or insert it where `order` puts it among the keys present."""
    if key in node:
        fmt.assign(node, key, value)
        return
    rank = {k: i for i, k in enumerate(order)}
    position = sum(1 for k in node if rank.get(k, len(rank)) < rank[key])
    node.insert(position, key, value)


def _reposition(dossiers: Any, index: int, data: Dataset) -> None:
    """Move the dossier at `index` to where its (new) domain and id put it."""
    node = dossiers[index]
    key = dossier_order(str(node["domain"]), str(node["id"]))
    others = [dossier_order(d.domain, d.id) for i, d in enumerate(data.dossiers) if i != index]
    target = next((i for i, k in enumerate(others) if k > key), len(others))
    if target != index:
        dossiers.pop(index)
        dossiers.insert(target, node)


def _find(data: Dataset, dossier_id: str) -> tuple[int, Dossier]:
    from compartment.views import query

    dossier = query.find(data, dossier_id)  # or an error suggesting the closest ids
    return data.dossiers.index(dossier), dossier


