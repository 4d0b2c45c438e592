"""A three-way merge of the data file by record, not by line: the core of `merge-driver`.

Records are matched by identity: actors by id, publishers by host, dossiers by id, events by
(date, actor, action) within their dossier, claims by (party, text) within their event. Two
records of one identity in one version cannot be told apart: unless both sides agree on
them, that is a conflict, never a guess by position. For each record and each field, the
usual three-way rule: what one side changed and the other left as in BASE is taken; the same
change on both sides is taken once; different changes to one field, or a removal on one side
of what the other changed, are conflicts. `status` and `broken_off_by` are not merged but
derived again from the merged events, as the contract says.

Events of the same date keep each side's relative order (it decides the derived status):
for each two of them, the order both sides agree on, or the one a side changed from BASE,
or the one the only side holding both gives; two orders that cannot both hold are a
conflict.

The merged records are written by the canonical writer (edit/canonical.py), with the
preamble merged three-way like a field. A comment outside the preamble on either side has no
place in that layout: git's line merge is used instead, and the merge reported as a conflict
that names the comment, so that nobody loses it unread. With conflicts, the result is written
twice, once taking OURS's side of every conflict and once THEIRS's; the lines where these two
differ get the standard markers. A merged result that does not validate is a conflict too.
When a side does not load at all, no record can be matched, and git's line merge is used.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from compartment.data import vocab
from compartment.data.dataset import Dataset, Dossier, Event, LoadResult, with_state
from compartment.edit import canonical
from compartment.edit.rewrite import newline_of, read_file, save, write_text
from compartment.history.datadiff import event_key

# The fields merged one by one: all but a record's identity, the lists of records that have
# an identity of their own (events, claims) and the fields derived from the events.
DOSSIER_OWN = tuple(f for f in vocab.DOSSIER_FIELDS
                    if f not in ("id", "events", *vocab.DERIVED_FIELDS))
EVENT_OWN = tuple(f for f in vocab.EVENT_FIELDS if f not in ("date", "actor", "action", "claims"))
CLAIM_OWN = tuple(f for f in vocab.CLAIM_FIELDS if f not in ("by", "says"))

K = TypeVar("K")
V = TypeVar("V")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # a record absent on one side (None is a value, a field's null)


class Conflict(NamedTuple):
    record: str  # which record: "dossier new-start, event 2023-02-21 russia: suspended ..."
    reason: str  # "summary changed on both sides", "removed by ours, changed by theirs"

    def __str__(self) -> str:
        return f"{self.record}: {self.reason}"


EventKey = tuple[str, str, str]


def _by_identity(records: Iterable[V],
                 key: Callable[[V], K]) -> tuple[dict[K, V], dict[K, tuple[V, ...]]]:
    """The records by identity, and the identities several records share (with all of them)."""
    out: dict[K, V] = {}
    shared: dict[K, list[V]] = {}
    for record in records:
        k = key(record)
        if k in out:
            shared.setdefault(k, [out[k]]).append(record)
        else:
            out[k] = record
    return out, {k: tuple(v) for k, v in shared.items()}


class _Merger:
    """One pass of the merge; conflicts are resolved towards `prefer` and recorded."""

    def __init__(self, prefer: str) -> None:
        self.prefer = prefer
        self.conflicts: list[Conflict] = []

    def _choose(self, ours: Any, theirs: Any, record: str, why: str) -> Any:
        self.conflicts.append(Conflict(record, why))
        return ours if self.prefer == "ours" else theirs

    def pick(self, base: Any, ours: Any, theirs: Any, record: str, what: str) -> Any:
        if ours == theirs:
            return ours
        if base == ours:
            return theirs
        if base == theirs:
            return ours
        return self._choose(ours, theirs, record, what)

    def keyed(self, base: dict[K, V], ours: dict[K, V], theirs: dict[K, V],
              name: Callable[[K], str], merge: Callable[[V, V, V, str], V]) -> dict[K, V]:
        """Records by key: OURS's order, then those only THEIRS has, in THEIRS's order."""
        out: dict[K, V] = {}
        for key in (*ours, *(k for k in theirs if k not in ours)):
            b, o, t = base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING)
            record = name(key)
            if o == t or b == t:
                kept = o
            elif b == o:
                kept = t
            elif o is MISSING or t is MISSING:
                side, other = ("ours", "theirs") if o is MISSING else ("theirs", "ours")
                kept = self._choose(o, t, record, f"removed by {side}, changed by {other}")
            elif b is MISSING:
                kept = self._choose(o, t, record, "added by both sides, differently")
            else:
                kept = merge(b, o, t, record)
            if kept is not MISSING:
                out[key] = kept
        return out

    def identified(self, versions: tuple[Sequence[V], Sequence[V], Sequence[V]],
                   key: Callable[[V], K], name: Callable[[K], str],
                   merge: Callable[[V, V, V, str], V]) -> dict[K, Any]:
        """`keyed` over records that carry their identity (events, claims). An identity that
        several records share in some version is kept as it is where both sides agree on
        those records, else it is a conflict (OURS's or THEIRS's records kept)."""
        (b, b_shared), (o, o_shared), (t, t_shared) = (_by_identity(v, key) for v in versions)
        merged: dict[K, Any] = dict(self.keyed(b, o, t, name, merge))
        # In the sides' order, not a set's: a set of strings iterates in an order that changes
        # from one process to the next. An identity kept stays where `keyed` placed it.
        for k in dict.fromkeys([*o_shared, *t_shared, *b_shared]):
            sides = [tuple(r for r in v if key(r) == k) for v in versions]
            if sides[1] == sides[2]:
                kept = sides[1]
            else:
                kept = self._choose(sides[1], sides[2], name(k),
                                    "two records of this kind on one side cannot be told apart")
            if kept:
                merged[k] = kept
            else:
                merged.pop(k, None)
        return merged

    # -- the records ---------------------------------------------------------------------

    def dataset(self, base: Dataset, ours: Dataset, theirs: Dataset) -> Dataset:
        actors = self.keyed(base.actors, ours.actors, theirs.actors, lambda k: f"actor {k}",
                            self._fields(vocab.ACTOR_FIELDS))
        publishers = self.keyed(base.publishers, ours.publishers, theirs.publishers,
                                lambda k: f"publisher {k}", self._fields(vocab.PUBLISHER_FIELDS))
        crises = self.keyed(base.crises, ours.crises, theirs.crises, lambda k: f"crisis {k}",
                            self._fields(vocab.CRISIS_FIELDS))
        dossiers = self.keyed(
            {d.id: d for d in base.dossiers}, {d.id: d for d in ours.dossiers},
            {d.id: d for d in theirs.dossiers}, lambda k: f"dossier {k}", self.dossier)
        return Dataset(actors, tuple(dossiers.values()), publishers, crises)

    def own(self, b: Any, o: Any, t: Any, record: str, fields: tuple[str, ...]) -> dict[str, Any]:
        return {f: self.pick(getattr(b, f), getattr(o, f), getattr(t, f), record,
                             f"{f} changed on both sides") for f in fields}

    def _fields(self, fields: tuple[str, ...]) -> Callable[[V, V, V, str], V]:
        def merge(b: Any, o: Any, t: Any, record: str) -> Any:
            return o._replace(**self.own(b, o, t, record, fields))
        return merge

    def dossier(self, b: Dossier, o: Dossier, t: Dossier, record: str) -> Dossier:
        own = self.own(b, o, t, record, DOSSIER_OWN)
        merged = self.identified((b.events, o.events, t.events), event_key,
                                 lambda k: f"{record}, event {k[0]} {k[1]}: {k[2]}", self.event)
        events = self.order(merged, (b.events, o.events, t.events), record)
        return with_state(o._replace(**own, events=tuple(events)))

    def event(self, b: Event, o: Event, t: Event, record: str) -> Event:
        own = self.own(b, o, t, record, EVENT_OWN)
        claims = self.identified(
            (b.claims, o.claims, t.claims), lambda c: (c.by, c.says),
            lambda k: f"{record}, claim by {k[0]}", self._fields(CLAIM_OWN))
        flat = tuple(c for value in claims.values() for c in _records(value))
        return o._replace(**own, claims=flat)

    def order(self, merged: dict[EventKey, Event | tuple[Event, ...]],
              versions: tuple[Sequence[Event], ...], record: str) -> list[Event]:
        """The merged events in date order; those of one date in the order both sides allow
        (see the module's docstring)."""
        positions = [{event_key(e): i for i, e in enumerate(v)} for v in versions]
        by_date: dict[str, list[EventKey]] = {}
        for k in merged:
            by_date.setdefault(k[0], []).append(k)
        out: list[Event] = []
        for date in sorted(by_date):
            keys = by_date[date]
            after: dict[EventKey, set[EventKey]] = {k: set() for k in keys}  # k -> its preds
            for i, x in enumerate(keys):
                for y in keys[i + 1:]:
                    first = self._pair(x, y, positions, record)
                    if first is not None:
                        after[first[1]].add(first[0])
            placed: list[EventKey] = []
            while len(placed) < len(keys):
                ready = [k for k in keys if k not in placed and after[k] <= set(placed)]
                if not ready:  # a cycle: the two orders cannot both hold
                    self._choose(None, None, f"{record}, events of {date}",
                                 "the two sides order them differently")
                    placed += [k for k in keys if k not in placed]
                    break
                placed.append(ready[0])
            for k in placed:
                out.extend(_records(merged[k]))
        return out

    def _pair(self, x: EventKey, y: EventKey, positions: list[dict[EventKey, int]],
              record: str) -> tuple[EventKey, EventKey] | None:
        """Which of two same-date events comes first: (first, second), or None if no side
        holds both (then the order of `merged`: OURS's first)."""
        def says(side: dict[EventKey, int]) -> bool | None:
            return side[x] < side[y] if x in side and y in side else None

        b, o, t = (says(p) for p in positions)
        if o is None and t is None:
            return None
        if o is None or t is None:
            decided = o if o is not None else t
        else:
            decided = self.pick(b, o, t, f"{record}, events of {x[0]}",
                                "the two sides order them differently")
        return (x, y) if decided else (y, x)


def _records(value: Any) -> tuple[Any, ...]:
    """A merged identity's records: one record (a named tuple), or several (a plain tuple)."""
    return value if type(value) is tuple else (value,)


def same(a: Dataset, b: Dataset) -> bool:
    """The same records, dossiers in any order (the file's order is the writer's business)."""
    return (a.actors == b.actors and a.publishers == b.publishers
            and sorted(a.dossiers) == sorted(b.dossiers))


# -- merging texts ---------------------------------------------------------------------------


class Outcome(NamedTuple):
    text: str  # what to write to OURS
    conflicts: tuple[Conflict, ...]
    name: str
    note: str = ""  # how it was merged, when not by record
    loaded: LoadResult | None = None  # the load of `text`, when it is clean

    def report(self) -> list[str]:
        lines = [f"{self.name}: {self.note}"] if self.note else []
        lines += [f"conflict: {c}" for c in self.conflicts]
        if self.conflicts:
            n = len(self.conflicts)
            lines.append(f"{self.name}: {n} conflict{'s' * (n != 1)}; resolve the marked "
                         "regions, run `compartment validate`, then `git add` the file")
        elif not self.note:
            lines.append(f"{self.name}: merged by record")
        return lines


def merge_texts(base: str, ours: str, theirs: str, name: str,
                line_merge: Callable[[], tuple[str, bool]]) -> Outcome:
    """Merge three versions of a data file; `line_merge` is git's line merge of them, used
    when a side does not load or holds a comment the canonical layout cannot keep."""
    from compartment.data import loader

    loaded: dict[str, LoadResult] = {}
    commented: list[Conflict] = []
    for side, text in (("base", base), ("ours", ours), ("theirs", theirs)):
        spans: list[tuple[int, int]] = []
        loaded[side] = loader.load_text(text, f"{side}:{name}", spans=spans)
        data = loaded[side].dataset
        if side != "base" and data is not None and write_text(data, text) != text:
            lines = canonical.comments(text, spans)
            if lines:
                commented.append(Conflict(
                    side, f"a comment outside the header at line {lines[0]} has no place in "
                    "the canonical layout; merged line by line to keep it: check the result"))
    bad = {side: r for side, r in loaded.items() if r.dataset is None or r.errors}
    if bad or commented:
        return _by_line(bad, name, line_merge, commented)
    b, o, t = (loaded[side].dataset for side in ("base", "ours", "theirs"))
    assert b is not None and o is not None and t is not None
    preambles = [canonical.preamble(text) for text in (base, ours, theirs)]

    def written(prefer: str) -> tuple[str, list[Conflict]]:
        merger = _Merger(prefer)
        header = merger.pick(preambles[0], preambles[1], preambles[2], name,
                             "the comments at the top changed on both sides")
        text = canonical.dump(merger.dataset(b, o, t), header)
        return text.replace("\n", newline_of(ours)), merger.conflicts

    text, conflicts = written("ours")
    if not conflicts:
        result = loader.load_text(text, name)
        if not result.errors and result.dataset is not None:
            return Outcome(text, (), name, loaded=result)
        why = f"the merged file does not validate: {result.errors[0].message}"
        # Theirs's changes, as brought in, are the regions to look at.
        return Outcome(markers(ours, text, "ours", "theirs (merged)"),
                       (Conflict(name, why),), name)
    theirs_side, _ = written("theirs")
    return Outcome(markers(text, theirs_side), tuple(conflicts), name)


def _by_line(bad: dict[str, Any], name: str, line_merge: Callable[[], tuple[str, bool]],
             conflicts: Iterable[Conflict]) -> Outcome:
    """git's line merge, when the records cannot be matched or written. A side with errors
    makes it a conflict even where the lines merge, so that nobody commits it unread; with
    only BASE bad, a clean line merge that validates is a merge."""
    from compartment.data import loader

    text, clean = line_merge()
    found = list(conflicts)
    for side, result in bad.items():
        first = result.errors[0] if result.errors else None
        found.append(Conflict(side, f"does not validate ({first})" if first else
                              "does not load"))
    if not clean:
        found.append(Conflict(name, "lines conflict in git's line merge"))
    elif set(bad) <= {"base"}:
        result = loader.load_text(text, name)
        if result.errors:
            found.append(Conflict(name, f"the merged file does not validate: "
                                        f"{result.errors[0].message}"))
    return Outcome(text, tuple(found), name, "merged line by line (git merge-file)")


def markers(ours: str, theirs: str, ours_label: str = "ours",
            theirs_label: str = "theirs") -> str:
    """`ours` with each region where `theirs` differs in standard conflict markers."""
    newline = newline_of(ours)
    a, b = ([line if line.endswith("\n") else line + newline
             for line in text.splitlines(keepends=True)] for text in (ours, theirs))
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += a[i1:i2]
        else:
            out += [f"<<<<<<< {ours_label}{newline}", *a[i1:i2], f"======={newline}",
                    *b[j1:j2], f">>>>>>> {theirs_label}{newline}"]
    return "".join(out)


def merge_files(base: Path, ours: Path, theirs: Path, name: str) -> Outcome:
    """The merge driver: merge the three files and write the result to `ours`."""
    from compartment.history import revisions

    (_, base_text), (raw, ours_text), (_, theirs_text) = (
        read_file(path, str(path)) for path in (base, ours, theirs))
    outcome = merge_texts(base_text, ours_text, theirs_text, name,
                          lambda: revisions.merge_file(ours, base, theirs))
    save(ours, str(ours), raw, outcome.text, force=True)
    return outcome


ATTRIBUTE = "merge=compartment"
DRIVER = "compartment merge-driver %O %A %B %P"


def install(top: Path, path: str, driver: str = DRIVER) -> list[str]:
    """Set the repository at `top` up to merge `path` with the driver; what was done, as
    lines. Running it again changes nothing."""
    from compartment.history import revisions
    from compartment.store import storage

    done = []
    for key, value in (("merge.compartment.name", "compartment: merge the ledger by record"),
                       ("merge.compartment.driver", driver)):
        if revisions.config(top, key) == value:
            done.append(f"git config {key} is already {value!r}")
        else:
            revisions.config(top, key, value)
            done.append(f"git config {key} {value!r}")
    attributes = top / ".gitattributes"
    line = f"{path} {ATTRIBUTE}"
    old = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
    if any(entry.split() == line.split() for entry in old.splitlines()):
        done.append(f"{attributes}: already has {line!r}")
    else:
        new = old + ("\n" if old and not old.endswith("\n") else "") + line + "\n"
        storage.write_atomic(attributes, new.encode("utf-8"))
        done.append(f"{attributes}: added {line!r} (commit it, so that clones merge alike)")
    return done
