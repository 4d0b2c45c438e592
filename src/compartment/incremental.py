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
4. runs the rules across records (checks.RULES) on the assembled dataset, as a full load
   does, and locates each finding by composing only the piece of text it is in: the one
   dossier's, or the head and tail joined, plus the line where that piece starts.

The problems come out through loader.finish, as a full load's do, and the property test
(tests/test_incremental.py) holds the two equal on random edits. Anything unusual gives None
and the caller loads in full: a changed head or tail, a YAML problem in a changed dossier
(a full load reports it, with the problems around it), a line break other than LF or CR LF
in a changed piece, a finding that points at neither a dossier nor the head or tail.

Why the pieces parse alone as they do in the file: each piece the parser saw before (the
head, the tail, an unchanged dossier) starts in the same parser state as then, between two
items of a block list at the same indentation, and a changed piece is shown to be whole
items by step 3 (no quote, bracket or block scalar left open: its end is where the next
item begins). So the file's parse is the parses of its pieces, joined.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from compartment import segments
from compartment.dataset import Dataset, Dossier
from compartment.errors import Severity

if TYPE_CHECKING:
    from compartment.checks import Finding
    from compartment.loader import LoadResult
    from compartment.segments import Segments, Split

_PREFIX = b"dossiers:\n"  # a changed run is parsed as the one key of its own document


class _Unsure(Exception):
    """Something the incremental load cannot show to equal a full one: load in full."""


def load(
    raw: bytes, name: str, path: Path, previous: tuple[Dataset, Segments]
) -> tuple[LoadResult, Segments] | None:
    """The load of `raw` (the data file's bytes, UTF-8) built from `previous` (the dataset
    and index of a clean load of an earlier version of the file) and the changed dossiers,
    with the index of `raw`; None when it cannot be shown to equal a full load."""
    old, index = previous
    found = segments.split(raw)
    if found is None or found.indent != index.indent:
        return None
    view = memoryview(raw)
    bounds = (*found.starts, found.end)
    digest = segments.digest
    if digest(view[: bounds[0]]) != index.head or digest(view[found.end :]) != index.tail:
        return None
    size = segments.DIGEST_SIZE
    known = {index.items[k : k + size]: k // size for k in range(0, len(index.items), size)}
    digests = [digest(view[bounds[i] : bounds[i + 1]]) for i in range(len(found.starts))]
    try:
        return _assemble(raw, name, path, old, found, [known.get(d) for d in digests]), (
            segments.Segments(index.indent, index.head, index.tail, b"".join(digests))
        )
    except _Unsure:
        return None


def _assemble(
    raw: bytes, name: str, path: Path, old: Dataset, found: Split, reused: list[int | None]
) -> LoadResult:
    from compartment import loader

    lines = segments.lines(raw, found)
    ids = loader._id_pattern()
    valid: list[Dossier] = []
    index: list[int] = []  # the file position of each valid dossier
    names: dict[int, str] = {}
    findings: list[Finding] = []
    i, total = 0, len(reused)
    while i < total:
        j = reused[i]
        if j is not None:
            record = old.dossiers[j]
            valid.append(record)
            index.append(i)
            if ids(record.id):
                names[i] = record.id
            i += 1
            continue
        end = i
        while end < total and reused[end] is None:
            end += 1
        intake = _parse_run(raw, found, lines, i, end)
        valid.extend(intake.valid)
        index.extend(intake.index)
        names.update(intake.names)
        findings.extend(intake.findings)
        i = end
    dataset = Dataset(old.actors, tuple(valid), old.publishers)
    findings.extend(loader.cross_check(dataset, index, total))
    marks = _Marks(raw, found, lines)
    located = [marks.locate(path_, code in loader.LOCATED_BY_KEY) for path_, code, *_ in findings]
    complete = not any(sev is Severity.ERROR for *_, sev in findings)
    problems = loader.finish([], name, raw, findings, located, names)
    return loader.LoadResult(path, dataset if complete else None, problems)


def _parse_run(raw: bytes, found: Split, lines: list[int], first: int, end: int) -> Any:
    """Parse and validate the dossiers first..end-1 on their own; their intake."""
    from compartment import loader, yamlsource

    start, stop = found.span(first)[0], found.span(end - 1)[1]
    piece = raw[start:stop]
    if not segments.plain_breaks(piece):
        raise _Unsure
    intake = loader._DossierIntake(offset=first)
    marks: list[int] = []
    value, problems = yamlsource.parse(
        _PREFIX + piece, stream="dossiers", intake=intake, item_lines=marks
    )
    # Where the parser put each item and the end of the list, counted from the prefix.
    expected = [1 + lines[k] - lines[first] for k in range(first, end + 1)]
    if (
        problems or type(value) is not dict or list(value) != ["dossiers"]
        or intake.items is not value["dossiers"] or len(intake.items) != end - first
        or marks != expected
    ):  # fmt: skip
        raise _Unsure
    return intake


class _Marks:
    """Lines and columns of findings, from composing only the piece of text each is in."""

    def __init__(self, raw: bytes, found: Split, lines: list[int]) -> None:
        self._raw, self._found, self._lines = raw, found, lines
        self._maps: dict[int | None, Any] = {}  # dossier position (None: head and tail) -> map

    def locate(self, path: tuple[str | int, ...], key: bool) -> tuple[int, int]:
        from compartment import yamlsource

        raw, found, lines = self._raw, self._found, self._lines
        if path[:1] == ("dossiers",):
            at = path[1] if len(path) > 1 else None
            if not isinstance(at, int) or not 0 <= at < len(found.starts):
                raise _Unsure
            if at not in self._maps:
                start, stop = found.span(at)
                self._maps[at] = yamlsource.SourceMap(_PREFIX + raw[start:stop])
            line, column = self._maps[at].locate(("dossiers", 0, *path[2:]), key=key)
            if line < 2:  # not inside the dossier: composing failed
                raise _Unsure
            return line + lines[at] - 1, column
        if not path:
            raise _Unsure
        # The head and the tail joined: `dossiers:` is then null, and the tail's lines come
        # right after the head's.
        if None not in self._maps:
            self._maps[None] = yamlsource.SourceMap(raw[: found.starts[0]] + raw[found.end :])
        line, column = self._maps[None].locate(path, key=key)
        if line < 1:
            raise _Unsure
        head = lines[0]  # the head's lines: the first item's 0-based line
        return (line if line <= head else line + lines[-1] - head), column
