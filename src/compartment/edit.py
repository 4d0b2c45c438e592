"""Edits to the data file that touch only what they change.

Each edit is pure: text in, `Edit` out (the new text, what was done, and the problems of the
result); the command line decides whether to write it. How an edit is made:

1. The file must load without errors (loader.load_text): an edit needs to know the data.
2. ruamel.yaml loads the text in round-trip mode; it is written once as it is (the *base*),
   the edit is applied to the document, and it is written again (the *edited* text).
3. The difference between base and edited is exactly the edit as ruamel writes it. That
   difference is applied to the original text, at the lines where the base agrees with it
   (a three-way merge). Lines the edit does not touch are copied from the original byte for
   byte, so comments, blank lines, quoting and line endings (LF or CRLF) cannot change even
   where ruamel would have written them differently.
4. The result must read back (yamlsource.parse) as exactly the edited document, and the
   base as exactly the original. If any of that fails, the edit is refused (EditError):
   nothing partial is ever returned.

A new record goes above the blank lines and comments that open whatever follows it, so
comments stay with the record below them.
"""

from __future__ import annotations

import bisect
import stat
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compartment import fmt, linemerge
from compartment.dataset import Claim, Dataset, Dossier, Event, derive_state
from compartment.errors import CompartmentError, Problem, UsageError
from compartment.vocab import (
    DERIVED_FIELDS,
    DOSSIER_FIELDS,
    LIST_FIELDS,
    OPTIONAL_FIELDS,
    dossier_order,
)

if TYPE_CHECKING:
    from compartment.loader import LoadResult

# What `dossier set` may change: every field of the contract but the events and the fields
# that follow from them.
SETTABLE_FIELDS = tuple(f for f in DOSSIER_FIELDS if f not in (*DERIVED_FIELDS, "events"))
SCALAR_FIELDS = tuple(f for f in SETTABLE_FIELDS if f not in LIST_FIELDS)
BLOCK_LISTS = fmt.BLOCK_LISTS


# Whether the edit being worked out is to be written. rewrite.rewrite clears it for a
# --dry-run, whose result must not take the place of the file's cache entry: the next
# command would find the entry holding a text the file never held, and load again.
WRITING: ContextVar[bool] = ContextVar("WRITING", default=True)


class EditError(CompartmentError):
    """The edit cannot be made; `problems` says why when the data itself is the reason."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message, problems=problems)


@dataclass(frozen=True)
class Edit:
    """A change of the file's text worked out in memory: the text before and after, what was
    done, and what became of the data. `fmt` makes one too."""

    before: str
    after: str
    message: str
    problems: list[Problem] = field(default_factory=list)  # every problem of the result
    new_warnings: list[Problem] = field(default_factory=list)  # warnings the edit introduced

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def line(self) -> int:
        """The first line that differs (1-based), for `file:line` in messages."""
        before, after = self.before.split("\n"), self.after.split("\n")
        for i, (a, b) in enumerate(zip(before, after, strict=False)):
            if a != b:
                return i + 1
        return min(len(before), len(after))


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
    from compartment import query

    dossier = query.find(data, dossier_id)  # or an error suggesting the closest ids
    return data.dossiers.index(dossier), dossier


# -- the edit machinery ------------------------------------------------------------------------

Mutation = Callable[[Any, Dataset, tuple[int, int, int]], str]
# Which record an edit changes, judged on the whole dataset: the top-level section and the
# index of the item to take out with it (for an insertion, the item before the new one, or
# the first), and the dataset `mutate` is then given; None when the edit needs the whole
# document (it moves a record). May raise what `mutate` would raise on the whole data.
Scope = Callable[[Dataset], "tuple[str, int, Dataset] | None"]


def _edit(text: str, name: str, mutate: Mutation, scope: Scope | None = None) -> Edit:
    """Validate, make the edit by splicing (or the whole round trip), validate the result.

    The splice takes the lines of the one record the edit touches (located by libyaml's
    marks), makes the edit on them alone exactly as the round trip does on the whole
    document, and puts the result back. On the shipped file a round trip costs ruamel about
    1.5 s (load, two dumps and the line merge of 4,700 lines); one dossier takes milliseconds.
    `_round_trip` stays the fallback, and the reference the splice is tested against
    (tests/test_splice.py makes `_splice` give up to get it).
    """
    before = _validated(text, name)
    data = before.dataset
    assert data is not None
    spliced = None
    if scope is not None:
        # A dossier is found first by its `- id:` line (linemerge.dossier_lines), and the
        # result kept only if it changed no other dossier; else by libyaml's marks.
        target = scope(data)
        if target is not None and target[0] == "dossiers":
            found = linemerge.dossier_lines(text, [d.id for d in data.dossiers], target[1])
            quick = _splice(text, data, mutate, scope, found) if found is not None else None
            if quick is not None:
                edit, after = _finish(text, before, *quick, name)
                if _confined(text, edit.after, data, after.dataset, target[1]):
                    return edit
        spliced = _splice(text, data, mutate, scope)
    if spliced is None:
        spliced = _round_trip(text, name, data, mutate)
    return _finish(text, before, *spliced, name)[0]


def _confined(
    text: str, result: str, before: Dataset, after: Dataset | None, index: int
) -> bool:
    """Whether the edit's result leaves every dossier but the one at `index` unchanged (those
    before it in place, those after it counted from the end) and changes something there:
    what a splice on that dossier's lines gives."""
    if result == text:
        return True
    if after is None:  # the result has errors: not shown confined; the marks will tell
        return False
    old, new = before.dossiers, after.dossiers
    tail = len(old) - index - 1
    return (
        new[:index] == old[:index] and new[len(new) - tail :] == old[index + 1 :]
        and new[index : len(new) - tail] != old[index : index + 1]
    )  # fmt: skip


def _validated(text: str, name: str) -> LoadResult:
    from compartment import loader

    before = cached_load(text, name) or loader.load_text(text, name, cache_as=Path(name))
    if before.errors or before.dataset is None:
        raise EditError(
            f"{name} has {len(before.errors)} error(s); fix them before editing "
            "(`compartment validate` lists them)",
            before.errors,
        )
    return before


def cached_load(text: str, name: str) -> LoadResult | None:
    """The clean load of `text` from the cache of the data file `name`, if its entry holds
    this very text (digest checked): spares the first validation, 2.3 s at 10k dossiers."""
    from compartment import cache, loader

    path = Path(name)
    try:
        info = path.stat()
        raw = text.encode("utf-8")
    except (OSError, ValueError):  # no such file, or a text that is no file's (a surrogate)
        return None
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device is never the cache's
        return None
    hit = cache.read(path, info, lambda: cache.digest(raw), name, check_key=True)
    return None if hit is None else loader.LoadResult(path, hit[0], hit[1])


def _finish(
    text: str, before: LoadResult, result: str, message: str, name: str
) -> tuple[Edit, LoadResult]:
    """The edit and the load of its result, validated incrementally against the file's
    cache entry and stored there (loader.load_text): the command after the edit is warm."""
    from compartment import loader

    after = loader.load_text(result, name, cache_as=Path(name), store=WRITING.get())
    seen = {(p.code, p.message) for p in before.problems}
    new_warnings = [p for p in after.warnings if (p.code, p.message) not in seen]
    return Edit(text, result, message, after.problems, new_warnings), after


def _round_trip(text: str, name: str, data: Dataset, mutate: Mutation) -> tuple[str, str]:
    from compartment import yamlsource

    indent = fmt.detect_indent(text)
    yaml = fmt.make_yaml(indent, explicit_start=fmt.has_document_start(text))
    document = fmt.read_document(yaml, text.replace("\r\n", "\n"))  # ruamel keeps a CR in comments
    base = fmt.dump(yaml, document)
    message = mutate(document, data, indent)
    edited = fmt.dump(yaml, document)
    if yamlsource.parse(base)[0] != yamlsource.parse(text)[0]:
        raise EditError(f"{name}: cannot edit this file without changing its data; edit it by hand")
    result = linemerge.merge_checked(text, base, edited)
    if result is None:
        raise EditError(
            f"{name}: cannot make this edit without reformatting lines around it; run "
            "`compartment fmt` first, then edit again"
        )
    return result, message


def _splice(
    text: str, data: Dataset, mutate: Mutation, scope: Scope,
    found: tuple[list[int], int] | None = None,
) -> tuple[str, str] | None:
    """The edit made on one record's lines, or None when that cannot be shown to give what
    the round trip gives (the caller then makes the round trip).

    The record's lines (linemerge.excerpt) are read by ruamel as a document of their own,
    `section:` and that one item, edited, and merged back into those lines with the round
    trip's line merge, under the round trip's proof, on the excerpt: it must read back as
    itself once written, and the merged lines as the edited record.
    """
    from compartment import yamlsource

    target = scope(data)
    if target is None:
        return None
    section, index, part = target
    cut = linemerge.excerpt(text, section, index, found)
    if cut is None:
        return None
    before, original, after = cut
    indent = fmt.detect_indent(text)
    yaml = fmt.make_yaml(indent)
    try:
        document = fmt.read_document(yaml, original.replace("\r\n", "\n"))
        base = fmt.dump(yaml, document)
        message = mutate(document, part, indent)
        edited = fmt.dump(yaml, document)
    except CompartmentError:
        raise
    except Exception:  # noqa: BLE001 - what ruamel cannot do on the excerpt, the round trip decides
        return None
    if yamlsource.parse(base)[0] != yamlsource.parse(original)[0]:
        return None
    merged = linemerge.merge_checked(original, base, edited)
    head = original[: original.index("\n") + 1]
    if merged is None or not merged.startswith(head):
        return None
    return before + merged[len(head):] + after, message
