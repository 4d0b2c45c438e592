"""The ledger's own history: each commit that changed the data file, and what it changed in
the terms of `diff` (datadiff). Pure but for git, which revisions.py runs.

Each distinct blob is read (in batches of up to 32 MB, one git process each) and parsed
once, however many commits name it, and dropped once no later commit needs it, so a few
hundred revisions of a large ledger never sit in memory together. A commit is compared with
its parent's version of the file (from `git log --raw`); when that version does not
validate, with the last version before it that did, so that fixing a broken commit does not
show the whole ledger as added.
A version that does not parse or validate is an entry of its own, with its first problem.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, NamedTuple

from compartment.data.dataset import Dataset
from compartment.history import datadiff, revisions

EMPTY = Dataset({}, ())
_BATCH_BYTES = 32 << 20


class Entry(NamedTuple):
    commit: revisions.FileCommit
    diff: datadiff.DatasetDiff | None  # None when the file does not validate (or was deleted)
    problem: str = ""  # the first problem of a version that does not validate
    against: str = ""  # the commit compared with, when not the parent (its version was bad)


def walk(repo: revisions.Repository, since: str | None = None,
         dossier: str | None = None) -> list[Entry]:
    """The commits that changed the data (or, with `dossier`, that dossier), oldest first;
    not those that changed only comments or layout, nor, with `dossier`, those whose valid
    versions leave that dossier as it was."""
    history = list(reversed(revisions.file_history(repo, since)))
    # How many times each blob is still needed, in the order they are first needed.
    needed = Counter(b for c in history for b in (c.old_blob, c.new_blob) if b)
    order = list(needed)
    position = {blob: i for i, blob in enumerate(order)}
    size = revisions.sizes(repo, order)
    raw: dict[str, bytes] = {}  # read, not yet parsed
    parsed: dict[str, Dataset | str] = {}  # blob -> its dataset, or its first problem

    def fetch(blob: str) -> None:
        """Read the blobs due from `blob` on, up to _BATCH_BYTES: a few git processes for
        the whole history, and never the whole history's bytes at once."""
        batch: list[str] = []
        total = 0
        for later in order[position[blob]:]:
            if later in parsed or later in raw:
                continue
            if batch and total + size.get(later, 0) > _BATCH_BYTES:
                break
            batch.append(later)
            total += size.get(later, 0)
        raw.update(revisions.read_blobs(repo, batch))

    def version(blob: str, name: str) -> Dataset | str:
        if blob not in parsed:
            if blob not in raw:
                fetch(blob)
            # A blob over the size limit was not read: load_blob reports it.
            result = revisions.load_blob(repo, blob, name, raw.pop(blob, None))
            if result.dataset is None or result.errors:
                parsed[blob] = str(result.errors[0]) if result.errors else "does not load"
            else:
                parsed[blob] = result.dataset
        found = parsed[blob]
        needed[blob] -= 1
        if needed[blob] <= 0:
            del parsed[blob]
        return found

    entries: list[Entry] = []
    last_good: tuple[str, Dataset] = ("", EMPTY)
    for commit in history:
        short = commit.sha[:12]
        old = version(commit.old_blob, f"{short}^:{commit.path}") if commit.old_blob else EMPTY
        new = version(commit.new_blob, f"{short}:{commit.path}") if commit.new_blob else None
        against = ""
        if isinstance(old, str):  # the parent's version was bad: compare with the last good
            against, old = last_good[0][:12], last_good[1]
        if new is None:
            entries.append(Entry(commit, None, "the data file was deleted", against))
            last_good = (commit.sha, EMPTY)
            continue
        if isinstance(new, str):
            entries.append(Entry(commit, None, new))
            continue
        last_good = (commit.sha, new)
        diff = datadiff.compare(old, new, against or f"{short}^", short, file=commit.path)
        if dossier is not None:
            diff = only(diff, dossier)
        if diff:
            entries.append(Entry(commit, diff, "", against))
    return entries


def only(diff: datadiff.DatasetDiff, dossier: str) -> datadiff.DatasetDiff:
    """The part of `diff` about one dossier."""
    return replace(diff, added=tuple(d for d in diff.added if d.id == dossier),
                   removed=tuple(d for d in diff.removed if d.id == dossier),
                   changed=tuple(d for d in diff.changed if d.id == dossier),
                   actors_added=(), actors_removed=(), crises_added=(), crises_removed=())


def _heading(entry: Entry) -> str:
    c = entry.commit
    return f"{c.sha[:12]} {c.date[:10]} {c.author}: {c.subject}"


def lines(entries: list[Entry]) -> Iterator[tuple[str, str]]:
    """The log as (kind, line) pairs, the kinds of datadiff.lines."""
    for n, entry in enumerate(entries):
        if n:
            yield "", ""
        yield "head", _heading(entry)
        if entry.against:
            yield "", f"  (compared with {entry.against}: the parent's version does not validate)"
        if entry.diff is None:
            yield "remove", f"  ! {entry.problem}"
            continue
        for kind, line in list(datadiff.lines(entry.diff))[1:]:
            yield kind, "  " + line


def markdown(entries: list[Entry]) -> str:
    out = []
    for entry in entries:
        out += [f"#### {datadiff.md_text(_heading(entry))}", ""]
        if entry.against:
            out += [f"Compared with `{entry.against}`: the parent's version does not "
                    "validate.", ""]
        if entry.diff is None:
            out += [f"**Not valid:** {datadiff.md_text(entry.problem)}", ""]
            continue
        body = datadiff.markdown(entry.diff).split("\n", 2)[2]  # its own heading dropped
        out.append(body)
    return "\n".join(out)


def to_dicts(entries: list[Entry]) -> list[dict[str, Any]]:
    return [{"commit": e.commit.sha, "date": e.commit.date, "author": e.commit.author,
             "subject": e.commit.subject, "file": e.commit.path, "valid": e.diff is not None,
             "problem": e.problem or None, "compared_with": e.against or None,
             "changes": datadiff.to_dict(e.diff) if e.diff is not None else None}
            for e in entries]
