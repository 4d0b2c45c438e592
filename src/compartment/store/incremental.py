"""Load the data file again after a change, reading only the dossiers whose text changed.

A clean cache entry may carry an index (segments.py): digests of the text before and after
the dossier list and of each dossier's text, recorded only when the textual split agreed
with the parser's marks. When the file changes, `load` splits the new bytes the same way and

1. requires the head and the tail (actors, publishers, comments) to be byte for byte what
   they were: their records, and the absence of problems in them, are then unchanged;
2. takes the record of each dossier whose text is one the entry holds (it may have moved:
   identical text parses and validates identically, wherever it stands);
3. parses each run of new or changed dossiers on its own, as `dossiers:` followed by their
   text, with the loader's own intake, and requires the parser to put every item exactly
   where the split did, with no problem in the YAML at all;
4. runs the rules (checks.RULES) as a full load does, but those that judge each dossier
   alone (LOCAL_RULES) only on the changed dossiers: an unchanged one's findings are the
   index's (`Noted`, warnings only), with their lines relative to its text, so the rules
   across records (unique ids, unused actors) are all that reads every record again;
5. locates each new finding by composing only the piece of text it is in: the one
   dossier's, or the head and tail joined, plus the line where that piece starts.

The problems come out through loader.finish, as a full load's do, and the property test
(tests/test_incremental.py) holds the two equal on random edits. Anything unusual gives None
and the caller loads in full: a changed head or tail, a YAML problem in a changed dossier
(a full load reports it, with the problems around it), a line break other than LF or CR LF
in a changed piece (the parser's lines then drift from the split's), a finding that points
at neither a dossier nor the head or tail, a clock set back since the entry was written (a
date no longer in the past must be reported in every dossier).

Why the pieces parse alone as they do in the file: each piece the parser saw before (the
head, the tail, an unchanged dossier) starts in the same parser state as then, between two
items of a block list at the same indentation, and a changed piece is shown to be whole
items by step 3 (no quote, bracket or block scalar left open: its end is where the next
item begins). So the file's parse is the parses of its pieces, joined.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from compartment.data import checks, dates
from compartment.data.checks import Finding
from compartment.data.dataset import Dataset, Dossier
from compartment.errors import Severity
from compartment.store import segments
from compartment.store.segments import Noted, Segments

if TYPE_CHECKING:
    from compartment.data.checks import Rule
    from compartment.data.loader import LoadResult, Notes
    from compartment.store.segments import Lines, Split, Walked

_PREFIX = b"dossiers:\n"  # a changed run is parsed as the one key of its own document

# The rules whose findings about a dossier follow from that dossier, the actors, the
# publishers and today's date alone, each at a path inside it. A rule not listed here runs
# over every record, as in a full load: a new rule is safe until it is listed.
LOCAL_RULES: frozenset[Rule] = frozenset({
    checks.unique_tags, checks.actor_references, checks.chronological_events,
    checks.no_future_events, checks.status_matches_events,
    checks.broken_off_by_matches_events, checks.events_have_sources,
    checks.registered_publishers, checks.strong_sources,
})  # fmt: skip


# A rule's finding with the position of its dossier, and its mark when the index knows it.
_Judged = tuple[int, Finding, "tuple[int, int] | None"]


class Unsure(Exception):
    """Something the incremental load cannot show to equal a full one: load in full."""


def record(raw: bytes, notes: Notes) -> Segments | None:
    """The index of a clean full load of `raw`, or None if its split is not the parser's."""
    checked = segments.verified(raw, notes.item_lines)
    if checked is None:
        return None
    found, lines = checked
    local = noted(notes.findings, notes.rules, notes.marks, lines)
    if local is None:
        return None
    return segments.index(raw, found)._replace(today=dates.today(), local=local)


def noted(
    findings: list[Finding], made_by: list[str], marks: list[tuple[int, int]], lines: Lines
) -> tuple[Noted, ...] | None:
    """The findings of LOCAL_RULES, as the index keeps them; None if one is not a warning
    in a dossier (not a clean load's: no index)."""
    local, names = [], {rule.__name__ for rule in LOCAL_RULES}
    for finding, rule, (line, column) in zip(findings, made_by, marks, strict=True):
        if rule in names:
            at = finding.path[1] if len(finding.path) > 1 else None
            if finding.severity is not Severity.WARNING or not isinstance(at, int):
                return None
            local.append(Noted(at, rule, finding.path[2:], finding.code, finding.message,
                               line - lines[at], column))  # fmt: skip
    # In file order: a full load lists them rule by rule, an incremental one the changed
    # dossiers' first; sorted (stably, so rule by rule within a line), both index alike.
    return tuple(sorted(local, key=lambda n: (n.position, n.line, n.column)))


def load(
    raw: bytes, name: str, path: Path, previous: tuple[Dataset, Segments]
) -> tuple[LoadResult, Segments] | None:
    """The load of `raw` (the data file's bytes, UTF-8) built from `previous` (the dataset
    and index of a clean load of an earlier version of the file) and the changed dossiers,
    with the index of `raw`; None when it cannot be shown to equal a full load."""
    old, index = previous
    found = changes(raw, index)
    if found is None:
        return None
    today, walked, reused = found
    try:
        result, local = Assembly(raw, walked.found, old, index, reused).run(name, path)
    except Unsure:
        return None
    return result, segments.indexed(raw, walked, index, today, local)


def changes(raw: bytes, index: Segments) -> tuple[str, Walked, list[int | None]] | None:
    """Today's date, the walk of `raw` against `index` (segments.walk), and each dossier's
    earlier position or None (segments.earlier); None when the rules judged by a later date
    than today (a clock set back: a date no longer in the past must be reported everywhere)
    or the walk is not sure."""
    today = dates.today()
    if today < index.today:
        return None
    walked = segments.walk(raw, index)
    if walked is None:
        return None
    return today, walked, segments.earlier(walked, index)


class Assembly:
    """The load of the new text from the reused records, the changed runs and the rules."""

    def __init__(
        self, raw: bytes, found: Split, old: Dataset, index: Segments, reused: list[int | None]
    ) -> None:
        self.raw, self.found, self.old, self.reused = raw, found, old, reused
        self.lines = segments.LineOf(raw, found)
        self.noted: dict[int, list[Noted]] = {}  # old position -> its findings
        for note in index.local:
            self.noted.setdefault(note.position, []).append(note)
        self._fresh: tuple[list[int], Dataset] | None = None
        self._carried: dict[str, list[_Judged]] = {}  # rule name -> noted findings, in order

    def run(self, name: str, path: Path) -> tuple[LoadResult, tuple[Noted, ...]]:
        from compartment.data import loader

        ids = loader._id_pattern()
        valid: list[Dossier] = []
        index: list[int] = []  # the file position of each valid dossier
        names: dict[int, str] = {}
        findings: list[Finding] = []
        reused, total, i = self.reused, len(self.reused), 0
        while i < total:
            j = reused[i]
            if j is not None:
                record = self.old.dossiers[j]
                valid.append(record)
                index.append(i)
                if ids(record.id):
                    names[i] = record.id
                i += 1
                continue
            end = i
            while end < total and reused[end] is None:
                end += 1
            intake = self.parse_run(i, end)
            valid.extend(intake.valid)
            index.extend(intake.index)
            names.update(intake.names)
            findings.extend(intake.findings)
            i = end
        dataset = Dataset(self.old.actors, tuple(valid), self.old.publishers)
        marks: list[tuple[int, int] | None] = [None] * len(findings)
        made_by = [""] * len(findings)
        for rule in loader.rules_for(len(index), total):
            for finding, mark in self.judge(rule, dataset, index):
                findings.append(finding)
                marks.append(mark)
                made_by.append(rule.__name__)
        locate = Marks(self.raw, self.found, self.lines).locate
        located = [
            mark or locate(f.path, f.code in loader.LOCATED_BY_KEY)
            for f, mark in zip(findings, marks, strict=True)
        ]
        complete = not any(f.severity is Severity.ERROR for f in findings)
        problems = loader.finish([], name, self.raw, findings, located, names)
        local = noted(findings, made_by, located, self.lines) if complete else None
        return loader.LoadResult(path, dataset if complete else None, problems), local or ()

    def judge(
        self, rule: Rule, dataset: Dataset, index: list[int]
    ) -> list[tuple[Finding, tuple[int, int] | None]]:
        """The rule's findings in the order a full load has them (by dossier), each with
        its mark if the index already knows it."""
        if rule not in LOCAL_RULES:
            return [(_moved(f, index), None) for f in rule(dataset)]
        if self._fresh is None:  # the changed valid dossiers, and the others' noted findings
            reused = self.reused
            fresh = [k for k, position in enumerate(index) if reused[position] is None]
            self._fresh = [index[k] for k in fresh], Dataset(
                dataset.actors, tuple(dataset.dossiers[k] for k in fresh), dataset.publishers
            )
            for position, j in enumerate(reused):
                for note in self.noted.get(j, ()) if j is not None else ():
                    finding = Finding(("dossiers", position, *note.path), note.code,
                                      note.message, Severity.WARNING)  # fmt: skip
                    mark = (note.line + self.lines[position], note.column)
                    self._carried.setdefault(note.rule, []).append((position, finding, mark))
        positions, part = self._fresh
        found: list[_Judged] = []
        for f in rule(part):
            moved = _moved(f, positions)
            if moved is f:  # not a path into a dossier: not the local rule it was said to be
                raise Unsure
            found.append((positions[f.path[1]], moved, None))  # type: ignore[index]
        # After the changed dossiers', the others': not the full load's order, but the same
        # once sorted by line, since no two dossiers' findings share a line.
        found += self._carried.get(rule.__name__, [])
        return [(finding, mark) for _, finding, mark in found]

    def parse_run(self, first: int, end: int) -> Any:
        """Parse and validate the dossiers first..end-1 on their own; their intake."""
        from compartment.data import loader, yamlsource

        lines = self.lines
        start, stop = self.found.span(first)[0], self.found.span(end - 1)[1]
        intake = loader._DossierIntake(offset=first)
        marks: list[int] = []
        _, problems = yamlsource.parse(
            _PREFIX + self.raw[start:stop], stream="dossiers", intake=intake, item_lines=marks
        )
        # Where the parser put each item and the end of the list, counted from the prefix:
        # the marks show one list of exactly these items, ended by the end of the text. A
        # line break YAML counts and the split does not (a lone CR, NEL, LS, PS) moves the end.
        expected = [1 + lines[k] - lines[first] for k in range(first, end + 1)]
        if problems or marks != expected:
            raise Unsure
        return intake


def _moved(finding: Finding, index: list[int]) -> Finding:
    """`finding` with its dossier counted among all dossiers: index[k] is the file position
    of the k-th dossier the rule was given."""
    path = finding.path
    if path[:1] == ("dossiers",) and len(path) > 1 and isinstance(path[1], int):
        return finding._replace(path=("dossiers", index[path[1]], *path[2:]))
    return finding


class Marks:
    """Lines and columns of findings, from composing only the piece of text each is in."""

    def __init__(self, raw: bytes, found: Split, lines: Lines) -> None:
        self._raw, self._found, self._lines = raw, found, lines
        self._maps: dict[int | None, Any] = {}  # dossier position (None: head and tail) -> map

    def locate(self, path: tuple[str | int, ...], key: bool) -> tuple[int, int]:
        from compartment.data import yamlsource

        raw, found, lines = self._raw, self._found, self._lines
        if path[:1] == ("dossiers",):
            at = path[1] if len(path) > 1 else None
            if not isinstance(at, int) or not 0 <= at < len(found.starts):
                raise Unsure
            if at not in self._maps:
                start, stop = found.span(at)
                self._maps[at] = yamlsource.SourceMap(_PREFIX + raw[start:stop])
            line, column = self._maps[at].locate(("dossiers", 0, *path[2:]), key=key)
            if line < 2:  # not inside the dossier: composing failed (it parsed: cannot happen)
                raise Unsure
            return line + lines[at] - 1, column
        # The head and the tail joined: `dossiers:` is then null, and the tail's lines come
        # right after the head's.
        if None not in self._maps:
            self._maps[None] = yamlsource.SourceMap(raw[: found.starts[0]] + raw[found.end :])
        line, column = self._maps[None].locate(path, key=key)
        if line < 1:  # composing failed (the file parsed: cannot happen)
            raise Unsure
        head = lines[0]  # the head's lines: the first item's 0-based line
        return (line if line <= head else line + lines[-1] - head), column
