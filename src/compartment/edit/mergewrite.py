"""Write a merged dataset onto OURS's text, touching only the records that differ.

The way edit.py makes an edit, in one pass for all of them: ruamel reads OURS in round trip
(fmt), the document is changed record by record into the merged data, and the difference
between ruamel's writing before and after is applied to OURS's own lines (linemerge), so
that every line the merge does not change stays byte for byte. New records are built by
fmt's record builders and placed by edit's helpers, those of the edit commands, so that a
merged event is written exactly as `event add` writes it. One pass matters: a single edit
of the shipped ledger costs 2 s in ruamel, and a merge may bring dozens.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compartment.data.dataset import Claim, Dataset, Dossier, Event
from compartment.data.vocab import LIST_FIELDS, OPTIONAL_FIELDS, dossier_order
from compartment.edit import changes as edit
from compartment.edit import fmt, linemerge

Indent = tuple[int, int, int]

# The fields of a dossier that are merged and written one by one: all but the id, the
# events (which have their own identity) and the fields derived from the events.
DOSSIER_OWN = ("title", "aliases", "domain", "parties", "forum", "approach", "third_parties",
               "summary", "tags")


# -- identity: what makes two versions of an event or a claim the same record ----------------


def keyed_events(events: Iterable[Event]) -> dict[tuple[str, str, str, int], Event]:
    """Events by identity: (date, actor, action) and which of its kind (0 for the first)."""
    seen: dict[tuple[str, str, str], int] = {}
    out = {}
    for event in events:
        key = (event.date, event.actor, event.action)
        seen[key] = seen.get(key, -1) + 1
        out[(*key, seen[key])] = event
    return out


def keyed_claims(claims: Iterable[Claim]) -> dict[tuple[str, str, int], Claim]:
    seen: dict[tuple[str, str], int] = {}
    out = {}
    for claim in claims:
        key = (claim.by, claim.says)
        seen[key] = seen.get(key, -1) + 1
        out[(*key, seen[key])] = claim
    return out


# -- writing -----------------------------------------------------------------------------------


def write(text: str, ours: Dataset, target: Dataset) -> str | None:
    """OURS's `text` changed into `target`; None if that cannot be done without rewriting
    lines the merge does not change (the caller then falls back to a line merge)."""
    from compartment.data import yamlsource

    indent = fmt.detect_indent(text)
    yaml = fmt.make_yaml(indent, explicit_start=fmt.has_document_start(text))
    document = fmt.read_document(yaml, text.replace("\r\n", "\n"))
    base = fmt.dump(yaml, document)
    _registry(document, "actors", ours.actors, target.actors, _actor, indent)
    _registry(document, "publishers", ours.publishers, target.publishers, _publisher, indent)
    _dossiers(document["dossiers"], ours, target, indent)
    edited = fmt.dump(yaml, document)
    try:
        if yamlsource.parse(base)[0] != yamlsource.parse(text)[0]:
            return None
        wanted = yamlsource.parse(edited)[0]
        for slide in (True, False):
            result = linemerge.merge(text, base, edited, slide=slide)
            if result is not None and yamlsource.parse(result)[0] == wanted:
                return result
    except Exception:  # noqa: BLE001 - any text that does not read back is "cannot"
        return None
    return None


# -- actors and publishers -------------------------------------------------------------------


def _actor(record: Any, indent: Indent) -> Any:
    node = fmt.new_mapping()
    node["name"] = fmt.yaml_text(record.name, "name", indent[0] * 2, indent[0])
    node["bloc"] = record.bloc
    return node


def _publisher(record: Any, indent: Indent) -> Any:
    node = fmt.new_mapping()
    node["name"] = fmt.yaml_text(record.name, "name", indent[0] * 2, indent[0])
    node["kind"] = record.kind
    if record.state_media is not None:
        node["state_media"] = record.state_media
    if record.subdomains:
        node["subdomains"] = True
    return node


def _registry(document: Any, key: str, ours: dict[str, Any], target: dict[str, Any],
              build: Any, indent: Indent) -> None:
    if ours == target:
        return
    if key not in document:
        document[key] = fmt.new_mapping()
    mapping = document[key]
    for name in ours:
        if name not in target:
            del mapping[name]
    for name, record in target.items():
        if name not in ours:
            edit._insert_sorted(mapping, name, build(record, indent))
        elif record != ours[name]:
            fresh = build(record, indent)
            node = mapping[name]
            for field in list(node):
                if field not in fresh:
                    del node[field]
            for field, value in fresh.items():
                if node.get(field) != value:
                    edit._put(node, field, value, tuple(fresh))


# -- dossiers, events, claims ----------------------------------------------------------------


def _dossiers(seq: Any, ours: Dataset, target: Dataset, indent: Indent) -> None:
    wanted = {d.id: d for d in target.dossiers}
    for i in reversed(range(len(ours.dossiers))):
        if ours.dossiers[i].id not in wanted:
            del seq[i]
    kept = [d for d in ours.dossiers if d.id in wanted]
    for i, old in enumerate(kept):
        if wanted[old.id] != old:
            _dossier(seq[i], old, wanted[old.id], indent)
    _move(seq, [d.id for d in kept if wanted[d.id].domain != d.domain])
    present = {d.id for d in kept}
    for dossier in target.dossiers:
        if dossier.id in present:
            continue
        node = fmt.dossier_map(dossier, indent)
        for event, event_node in zip(dossier.events, node["events"], strict=True):
            _set_claims(event_node, (), event.claims, indent)
        order = [dossier_order(str(n["domain"]), str(n["id"])) for n in seq]
        place = dossier_order(dossier.domain, dossier.id)
        seq.insert(next((i for i, k in enumerate(order) if k > place), len(order)), node)


def _move(seq: Any, moved: list[str]) -> None:
    """Dossiers whose domain changed go where the canonical order puts them among the
    others, which stay where they are (as `dossier set domain` does)."""
    for dossier_id in moved:
        index = next(i for i, n in enumerate(seq) if str(n["id"]) == dossier_id)
        node = seq[index]
        del seq[index]
        place = dossier_order(str(node["domain"]), dossier_id)
        order = [dossier_order(str(n["domain"]), str(n["id"])) for n in seq]
        seq.insert(next((i for i, k in enumerate(order) if k > place), len(order)), node)


def _dossier(node: Any, old: Dossier, new: Dossier, indent: Indent) -> None:
    column, step = indent[1], indent[0]
    for field in DOSSIER_OWN:
        value = getattr(new, field)
        if value == getattr(old, field):
            continue
        if field in OPTIONAL_FIELDS and not value:
            if field in node:
                del node[field]
            continue
        if field in LIST_FIELDS:
            previous = node.get(field)
            flow = (bool(previous.fa.flow_style()) if hasattr(previous, "fa") and previous
                    else fmt.fits_flow(field, list(value), column))
            written: Any = fmt.yaml_list(list(value), flow=flow)
        elif field in ("id", "domain"):
            written = value
        else:
            written = fmt.yaml_text(value, field, column, step)
        edit._put(node, field, written, fmt.DOSSIER_KEYS)
    _events(node["events"], old.events, new.events, indent)
    for field in ("status", "broken_off_by"):
        if getattr(new, field) != getattr(old, field):
            fmt.assign(node, field, getattr(new, field))


def _events(seq: Any, old: tuple[Event, ...], new: tuple[Event, ...], indent: Indent) -> None:
    """Make the event list `new`: OURS's nodes kept (and changed in place) where the event
    is still there; new events built as `event add` builds them."""
    wanted = keyed_events(new)
    have = keyed_events(old)
    old_keys = list(have)
    for i in reversed(range(len(old_keys))):
        if old_keys[i] not in wanted:
            del seq[i]
    for i, key in enumerate(k for k in old_keys if k in wanted):
        if have[key] != wanted[key]:
            _event(seq[i], have[key], wanted[key], indent)
    column = indent[1] * 2  # as edit.add_event: events are a list inside a list item
    for i, (key, event) in enumerate(wanted.items()):
        if key not in have:
            node = fmt.event_map(event, column, indent[0])
            _set_claims(node, (), event.claims, indent)
            seq.insert(i, node)


def _event(node: Any, old: Event, new: Event, indent: Indent) -> None:
    column, step = indent[1] * 2, indent[0]
    fresh = fmt.event_map(new, column, step)
    for field in ("status", "unverified", "summary", "sources"):
        if getattr(new, field) == getattr(old, field):
            continue
        if field not in fresh:
            if field in node:
                del node[field]
        elif field == "sources" and hasattr(node.get(field), "fa"):
            flow = bool(node[field].fa.flow_style()) or not new.sources
            edit._put(node, field, fmt.yaml_list(list(new.sources), flow=flow), fmt.EVENT_KEYS)
        else:
            edit._put(node, field, fresh[field], fmt.EVENT_KEYS)
    if new.claims != old.claims:
        _set_claims(node, old.claims, new.claims, indent)


def _set_claims(node: Any, old: tuple[Claim, ...], new: tuple[Claim, ...],
                indent: Indent) -> None:
    if not new:
        if "claims" in node:
            del node["claims"]
        return
    if "claims" not in node:
        edit._put(node, "claims", fmt.yaml_list([], flow=False), fmt.EVENT_KEYS)
    seq = node["claims"]
    wanted, have = keyed_claims(new), keyed_claims(old)
    old_keys = list(have)
    for i in reversed(range(len(old_keys))):
        if old_keys[i] not in wanted:
            del seq[i]
    for i, key in enumerate(k for k in old_keys if k in wanted):
        if have[key] != wanted[key]:
            seq[i] = _claim(wanted[key], indent)
    for i, (key, claim) in enumerate(wanted.items()):
        if key not in have:
            seq.insert(i, _claim(claim, indent))


def _claim(claim: Claim, indent: Indent) -> Any:
    """A claim as `claim add` writes it."""
    record = fmt.new_mapping()
    record["by"] = claim.by
    if claim.blames is not None:
        record["blames"] = claim.blames
    record["says"] = fmt.yaml_text(claim.says, "says", indent[1] * 3, indent[0])
    record["sources"] = fmt.yaml_list(list(claim.sources), flow=False)
    return record
