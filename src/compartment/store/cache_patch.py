"""Refresh a cache entry after its data file changed, without reading the dossiers that did
not change (issue 19: the first command after one dossier changed).

incremental.py loads a changed file from the previous entry's records: it decodes every
dossier of the entry, validates the changed ones, and the caller then writes a new entry
with every dossier encoded again. At 100,000 dossiers the decoding and the encoding are
2-3 s of the first `list`. `refresh` makes the new entry from the previous one instead, for
a command that then reads it as a warm command does (`list` and `show` read only what they
need, cacheview.py):

1. the file is walked as incremental.load walks it (segments.walk): the head and the tail
   unchanged, the changed dossiers found by their digests;
2. each changed run is parsed and validated alone, exactly as there (Assembly._parse_run),
   the rules that judge a dossier alone (incremental.LOCAL_RULES) run on the changed ones,
   and the findings the index noted for the others are carried to their new lines;
3. the two rules across records are answered from the entry: unique ids from its ids, and
   unused actors from how many dossiers name each actor (cache.Meta.named), less what the
   changed dossiers named before and plus what they name now. Any other rule across records
   (one added to checks.RULES later) makes the refresh give up, until it is taught here;
4. the new body copies the unchanged rows and blobs as bytes (bodypatch.py).

Only a clean result is written (warnings allowed, as in any entry). An error, a doubt about
the entry or anything incremental.load would not be sure of returns False, and the caller
loads as before, which reports the problems. tests/test_cache_patch.py holds what a
refreshed entry gives equal to a full load, on random edits.

Trust (cache.py, "Distrust"): what is copied is checked against damage as a full read checks
it (bodypatch.py), and the new entry is read by the same checks as any other. The ids and
the counts that answer the rules across records are under the entry's CRCs, not derived
again: a forged entry can make a refresh miss a warning, as it can forge the warnings
themselves; it cannot make a dataset that validation would refuse pass a later read.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from compartment.data import checks
from compartment.data.dataset import Dataset, Dossier, actors_named
from compartment.errors import Severity
from compartment.store import bodypatch, cache, heads, segments
from compartment.store.incremental import LOCAL_RULES, Assembly, Marks, Unsure, changes, noted

if TYPE_CHECKING:
    import os
    from pathlib import Path

    from compartment.data.checks import Finding
    from compartment.errors import Problem


def refresh(
    data_path: Path, info: os.stat_result | None, raw: bytes, key: str, display: str
) -> bool:
    """Write the entry of `raw` (the bytes of the data file at `data_path`, whose status
    before they were read is `info`, and whose digest is `key`) from the file's previous
    entry and the changed dossiers, if the result is a clean load. Whether it did. `info`
    None: a text that need not be the file's (an edit's result, cache.write)."""
    opened = cache.open_entry(data_path, len(raw))
    if opened is None or opened.meta.segments is None:
        return False
    meta, index = opened.meta, opened.meta.segments
    try:
        found = changes(raw, index) if len(meta.named) == len(meta.actors) else None
        if found is None:
            return False
        today, walked, plan = found
        body = opened.dossiers()
        if body.count * segments.DIGEST_SIZE != len(index.items):
            return False
        result = _Refresh(raw, walked, meta, index, plan).run(display, body)
        if result is None:
            return False
        warnings, local, fresh, named = result
        layout, pieces = bodypatch.patched(body, plan, *heads.split(fresh))
    except (Unsure, ValueError, OverflowError):
        # heads.Miss is a ValueError. An entry can forge its tables of row and blob offsets
        # (their CRCs put right) out of order, which the checks before copying do not look
        # for: copying by them then goes below zero (OverflowError).
        return False
    new_index = segments.indexed(raw, walked, index, today, local)
    opening = cache.Meta(meta.actors, cache.warning_rows(warnings), meta.publishers, new_index,
                         layout, named)  # fmt: skip
    cache.store(data_path, info, key, opening, pieces)
    return True


class _Refresh:
    """The part of an incremental load that reads the changed dossiers (incremental.Assembly,
    given no records), and the rules across records answered from the entry."""

    def __init__(
        self, raw: bytes, walked: segments.Walked, meta: cache.Meta, index: segments.Segments,
        plan: list[int | None],
    ) -> None:
        self.known = Dataset({a.id: a for a in meta.actors}, (),
                             {p.host: p for p in meta.publishers})  # fmt: skip
        self.assembly = Assembly(raw, walked.found, self.known, index, plan)
        self.raw, self.walked, self.meta, self.plan = raw, walked, meta, plan

    def run(
        self, name: str, body: heads.Body
    ) -> tuple[list[Problem], tuple[segments.Noted, ...], tuple[Dossier, ...],
               tuple[int, ...]] | None:  # fmt: skip
        """The warnings, the index's notes, the changed dossiers' records and the new
        counts of `Meta.named`; None if the result is not clean."""
        from compartment.data import loader

        plan, fresh_range, assembly = self.plan, self.walked.fresh, self.assembly
        valid: list[Dossier] = []
        index: list[int] = []  # the file position of each changed dossier
        findings: list[Finding] = []
        i = fresh_range.start
        while i < fresh_range.stop:  # every changed dossier lies in the walk's fresh range
            if plan[i] is not None:
                i += 1
                continue
            end = i
            while end < fresh_range.stop and plan[end] is None:
                end += 1
            intake = assembly.parse_run(i, end)
            valid.extend(intake.valid)
            index.extend(intake.index)
            findings.extend(intake.findings)
            i = end
        if any(f.severity is Severity.ERROR for f in findings):
            return None  # a dossier that is not valid: the full load reports it
        old_ids = body.ids()
        fresh_ids = dict(zip(index, (d.id for d in valid), strict=True))
        ids = [old_ids[j] if j is not None else fresh_ids[k] for k, j in enumerate(plan)]
        if len(set(ids)) != len(ids):
            return None  # checks.unique_ids would find an error
        named = self._named(body, valid)
        if named is None:
            return None
        used = {a.id for a, n in zip(self.meta.actors, named, strict=True) if n}
        dataset = self.known._replace(dossiers=tuple(valid))
        marks: list[tuple[int, int] | None] = [None] * len(findings)
        made_by = [""] * len(findings)
        for rule in checks.RULES:
            if rule in LOCAL_RULES:
                judged = assembly.judge(rule, dataset, index)
            elif rule is checks.unused_actors:
                judged = [(f, None) for f in checks.unused(self.known.actors, used)]
            elif rule is checks.unique_ids:
                judged = []  # the ids are unique (above)
            else:
                return None  # a rule across records this refresh does not know
            for finding, mark in judged:
                findings.append(finding)
                marks.append(mark)
                made_by.append(rule.__name__)
        if any(f.severity is Severity.ERROR for f in findings):
            return None
        locate = Marks(self.raw, self.walked.found, assembly.lines).locate
        located = [
            mark or locate(f.path, f.code in loader.LOCATED_BY_KEY)
            for f, mark in zip(findings, marks, strict=True)
        ]
        at = {f.path[1] for f in findings if f.path[:1] == ("dossiers",) and len(f.path) > 1}
        names = {p: ids[p] for p in at if isinstance(p, int)}
        problems = loader.finish([], name, self.raw, findings, located, names)
        local = noted(findings, made_by, located, assembly.lines)
        if local is None:
            return None
        return problems, local, tuple(valid), named

    def _named(self, body: heads.Body, fresh: list[Dossier]) -> tuple[int, ...] | None:
        """How many dossiers of the new text name each actor: the entry's counts, less what
        the dossiers that changed or went named, plus what the changed ones name now. None
        if the counts cannot be the entry's (below zero)."""
        counts = Counter(dict(zip((a.id for a in self.meta.actors), self.meta.named,
                                  strict=True)))  # fmt: skip
        gone = set(range(body.count)).difference(j for j in self.plan if j is not None)
        for j in sorted(gone):
            (head,) = body.heads([j])
            counts.subtract(actors_named(heads.dossier(head, body.events(j, head))))
        for d in fresh:
            counts.update(actors_named(d))
        named = tuple(counts[a.id] for a in self.meta.actors)
        return None if min(named, default=0) < 0 else named
