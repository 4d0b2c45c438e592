"""A three-way merge of the data file by record, not by line: the core of `merge-driver`.

Records are matched by identity: actors by id, publishers by host, dossiers by id, events by
(date, actor, action) within their dossier, claims by (party, text) within their event (the
n-th of several equal keys pairs with the n-th). For each record and each field, the usual
three-way rule: what one side changed and the other left as in BASE is taken; the same
change on both sides is taken once; different changes to one field, or a removal on one side
of what the other changed, are conflicts. `status` and `broken_off_by` are not merged but
derived again from the merged events, as the contract says.

The merged data is then written onto OURS's text by mergewrite.py, which touches only the
records that differ from OURS, so OURS's comments and layout stay. With conflicts, it is
written twice, once taking OURS's side of every conflict and once THEIRS's; the lines where
these two differ, the smallest regions that hold the conflicts, get the standard markers.
A merged result that does not validate, or does not read back as exactly the merged data, is
a conflict too: its regions from THEIRS are marked. When a side does not load at all, no
record can be matched, and git's own line merge (`git merge-file`) is used, and reported.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from compartment.data.dataset import Actor, Claim, Dataset, Dossier, Event, Publisher, derive_state
from compartment.edit import mergewrite
from compartment.edit.mergewrite import DOSSIER_OWN, keyed_claims, keyed_events
from compartment.errors import CompartmentError

# The fields of an event and a claim outside their identity, merged one by one like a
# dossier's own fields (mergewrite.DOSSIER_OWN); the derived fields are recomputed.
EVENT_OWN = ("status", "unverified", "summary", "sources")
CLAIM_OWN = ("blames", "sources")

K = TypeVar("K")
V = TypeVar("V")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # a record absent on one side (None is a value: `forum: null`)


@dataclass(frozen=True)
class Conflict:
    record: str  # which record: "dossier new-start, event 2023-02-21 russia: suspended ..."
    reason: str  # "summary changed on both sides", "removed by ours, changed by theirs"

    def __str__(self) -> str:
        return f"{self.record}: {self.reason}"


class _Merger:
    """One pass of the merge; conflicts are resolved towards `prefer` and recorded."""

    def __init__(self, prefer: str) -> None:
        self.prefer = prefer
        self.conflicts: list[Conflict] = []

    def pick(self, base: Any, ours: Any, theirs: Any, record: str, what: str) -> Any:
        if ours == theirs:
            return ours
        if base == ours:
            return theirs
        if base == theirs:
            return ours
        self.conflicts.append(Conflict(record, what))
        return ours if self.prefer == "ours" else theirs

    def keyed(
        self,
        base: dict[K, V],
        ours: dict[K, V],
        theirs: dict[K, V],
        name: Callable[[K], str],
        merge: Callable[[V, V, V, str], V],
    ) -> dict[K, V]:
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
                side = "ours" if o is MISSING else "theirs"
                other = "theirs" if o is MISSING else "ours"
                self.conflicts.append(Conflict(record, f"removed by {side}, changed by {other}"))
                kept = o if self.prefer == "ours" else t
            elif b is MISSING:
                self.conflicts.append(Conflict(record, "added by both sides, differently"))
                kept = o if self.prefer == "ours" else t
            else:
                kept = merge(b, o, t, record)
            if kept is not MISSING:
                out[key] = kept
        return out

    # -- the records ---------------------------------------------------------------------

    def dataset(self, base: Dataset, ours: Dataset, theirs: Dataset) -> Dataset:
        actors = self.keyed(base.actors, ours.actors, theirs.actors, lambda k: f"actor {k}",
                            self._fields(Actor, ("name", "bloc")))
        publishers = self.keyed(
            base.publishers, ours.publishers, theirs.publishers, lambda k: f"publisher {k}",
            self._fields(Publisher, ("name", "kind", "state_media", "subdomains")))
        dossiers = self.keyed(
            {d.id: d for d in base.dossiers}, {d.id: d for d in ours.dossiers},
            {d.id: d for d in theirs.dossiers}, lambda k: f"dossier {k}", self.dossier)
        return Dataset(actors, tuple(dossiers.values()), publishers)

    def _fields(self, kind: Callable[..., V], fields: tuple[str, ...]) -> Callable[
            [V, V, V, str], V]:
        def merge(b: V, o: V, t: V, record: str) -> V:
            values = {f: self.pick(getattr(b, f), getattr(o, f), getattr(t, f), record,
                                   f"{f} changed on both sides") for f in fields}
            return kind(**{**o._asdict(), **values})  # type: ignore[attr-defined]
        return merge

    def dossier(self, b: Dossier, o: Dossier, t: Dossier, record: str) -> Dossier:
        own = {f: self.pick(getattr(b, f), getattr(o, f), getattr(t, f), record,
                            f"{f} changed on both sides") for f in DOSSIER_OWN}
        mine = keyed_events(o.events)
        merged = self.keyed(keyed_events(b.events), mine, keyed_events(t.events),
                            lambda k: f"{record}, {_event_name(k)}", self.event)
        events = place_events([e for k, e in merged.items() if k in mine],
                              [e for k, e in merged.items() if k not in mine])
        return with_state(o._replace(**own, events=tuple(events)))

    def event(self, b: Event, o: Event, t: Event, record: str) -> Event:
        own = {f: self.pick(getattr(b, f), getattr(o, f), getattr(t, f), record,
                            f"{f} changed on both sides") for f in EVENT_OWN}
        claims = self.keyed(keyed_claims(b.claims), keyed_claims(o.claims),
                            keyed_claims(t.claims), lambda k: f"{record}, claim by {k[0]}",
                            self._fields(Claim, CLAIM_OWN))
        return o._replace(**own, claims=tuple(claims.values()))


def _event_name(key: tuple[str, str, str, int]) -> str:
    return f"event {key[0]} {key[1]}: {key[2]}"


def place_events(kept: list[Event], added: list[Event]) -> list[Event]:
    """OURS's events in their order, with THEIRS's new ones each after the events of its
    date or earlier (where `event add` puts an event)."""
    out = list(kept)
    for event in added:
        out.insert(bisect.bisect_right([e.date for e in out], event.date), event)
    return out


def with_state(dossier: Dossier) -> Dossier:
    """The dossier with `status` and `broken_off_by` as its events say."""
    state = derive_state(dossier.events)
    return dossier._replace(status=state.status or dossier.status,
                            broken_off_by=state.broken_off_by)


def same(a: Dataset, b: Dataset) -> bool:
    """The same records, dossiers in any order (the file's order is the writer's business)."""
    return (a.actors == b.actors and a.publishers == b.publishers
            and sorted(a.dossiers) == sorted(b.dossiers))


# -- merging texts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    text: str  # what to write to OURS
    conflicts: tuple[Conflict, ...]
    name: str
    note: str = ""  # how it was merged, when not by record

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
    when a side does not load."""
    from compartment.data import loader

    loaded = {side: loader.load_text(text, f"{side}:{name}")
              for side, text in (("base", base), ("ours", ours), ("theirs", theirs))}
    bad = {side: r for side, r in loaded.items() if r.dataset is None or r.errors}
    if bad:
        return _by_line(bad, name, line_merge)
    b, o, t = (loaded[side].dataset for side in ("base", "ours", "theirs"))
    assert b is not None and o is not None and t is not None
    first = _Merger("ours")
    target = first.dataset(b, o, t)
    written = mergewrite.write(ours, o, target)
    if written is None:
        return _by_line({}, name, line_merge, "the merge cannot be written onto ours without "
                        "reformatting it", first.conflicts)
    if not first.conflicts:
        result = loader.load_text(written, name)
        if not result.errors and result.dataset is not None and same(result.dataset, target):
            return Outcome(written, (), name)
        why = (f"the merged file does not validate: {result.errors[0].message}"
               if result.errors else "the merged file does not read back as the merged data")
        # Theirs's changes, as brought in, are the regions to look at.
        return Outcome(markers(ours, written, "ours", "theirs (merged)"),
                       (Conflict(name, why),), name)
    theirs_side = mergewrite.write(ours, o, _Merger("theirs").dataset(b, o, t))
    if theirs_side is None:
        return _by_line({}, name, line_merge, "the conflicts cannot be marked by record",
                        first.conflicts)
    return Outcome(markers(written, theirs_side), tuple(first.conflicts), name)


def _by_line(
    bad: dict[str, Any], name: str, line_merge: Callable[[], tuple[str, bool]],
    why: str = "", conflicts: Iterable[Conflict] = (),
) -> Outcome:
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
    if why:
        found.append(Conflict(name, why))
    if not clean:
        found.append(Conflict(name, "lines conflict in git's line merge"))
    elif set(bad) <= {"base"} and not why:
        result = loader.load_text(text, name)
        if result.errors:
            found.append(Conflict(name, f"the merged file does not validate: "
                                        f"{result.errors[0].message}"))
    return Outcome(text, tuple(found), name, "merged line by line (git merge-file)")


def markers(ours: str, theirs: str, ours_label: str = "ours",
            theirs_label: str = "theirs") -> str:
    """`ours` with each region where `theirs` differs in standard conflict markers."""
    from compartment.edit.fmt import newline_of

    newline = newline_of(ours)
    a = [line if line.endswith("\n") else line + newline
         for line in ours.splitlines(keepends=True)]
    b = [line if line.endswith("\n") else line + newline
         for line in theirs.splitlines(keepends=True)]
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
    from compartment.edit import rewrite
    from compartment.history import revisions
    from compartment.store import datafile, storage

    texts = []
    raws = []
    for path in (base, ours, theirs):
        raw = datafile.read_bytes(path)
        text, (line, column), reason = datafile.decode(raw)
        if text is None:
            raise CompartmentError(f"{path}:{line}:{column}: {reason}")
        raws.append(raw)
        texts.append(text)
    outcome = merge_texts(texts[0], texts[1], texts[2], name,
                          lambda: revisions.merge_file(ours, base, theirs))
    try:
        storage.write_atomic(ours, rewrite.encode(raws[1], outcome.text), force=True)
    except OSError as exc:
        raise CompartmentError(f"{ours}: cannot write ({exc.strerror or exc})") from None
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
        if attributes.exists():
            storage.write_atomic(attributes, new.encode("utf-8"))
        else:
            attributes.write_text(new, encoding="utf-8")
        done.append(f"{attributes}: added {line!r} (commit it, so that clones merge alike)")
    return done
