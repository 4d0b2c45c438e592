"""Where each dossier's text lies in the data file, found by a cheap textual split that a full
load has checked against the parser's own marks; incremental.py reuses what did not change.

The split (`split`) reads the bytes only: the one line `dossiers:` at column 0, then each
item of that block list is a line of `indent` spaces and `- `, and the list ends at the first
line that starts at column 0 with anything but a comment. An item's text runs from its first
line to the next item's (so the comments and blank lines after an item are its own), and the
text before the first item (the *head*) and from the end of the list on (the *tail*: the
other top-level keys) are the rest. Anything the split is not sure of gives None: a second
`dossiers:` line, a line inside the list indented less than its items that is neither a
comment nor an item, a directive (`%`) before it, no item at all.

A textual split can be fooled: a line `  - x` inside a quoted scalar that runs over several
lines looks like an item. So a full load records an index (`Segments`) only when every item
line and the end of the list are exactly where libyaml's marks put them (`verified`); a file
whose split disagrees gets no index, and every later load of it is a full one.

Nothing here parses YAML or validates: stdlib only, so cache.py can hold a `Segments`.
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

try:  # hashlib's own BLAKE2 without loading OpenSSL (see cache.py)
    from _blake2 import blake2b
except ImportError:  # another Python implementation
    from hashlib import blake2b

DIGEST_SIZE = 16  # bytes of BLAKE2b per piece of text: 128 bits, no accidental collision

# Compiled on first use (re's own cache keeps them): a warm command imports this module for
# the Segments record and never splits.
_SECTION = rb"dossiers:\r?\n"
_BLANK = rb"(?:[ ]*(?:#[^\n]*)?\r?\n)*"  # blank and comment lines (CR before LF too)
_FIRST_ITEM = rb"( *)-(?: |\r?\n)"


class Noted(NamedTuple):
    """A finding of a rule that judges each dossier alone (incremental.LOCAL_RULES), kept
    so that an unchanged dossier's findings need neither the rule nor a line lookup again.
    Only warnings: the entry is a clean load's."""

    position: int  # of the dossier in the file
    rule: str  # the rule's function name
    path: tuple[str | int, ...]  # inside the dossier
    code: str
    message: str
    line: int  # counted from the dossier's first line (0-based), so it moves with the text
    column: int


class Segments(NamedTuple):
    """The index recorded with a clean cache entry: digests of the head, the tail and each
    dossier item's text, in file order (`items` holds DIGEST_SIZE bytes per dossier)."""

    head: bytes
    tail: bytes
    items: bytes
    today: str = ""  # the date the rules judged by: a later load needs today >= this
    local: tuple[Noted, ...] = ()


class Split(NamedTuple):
    """Byte offsets: where each item starts, and where the list ends (the tail starts)."""

    indent: int
    starts: list[int]
    end: int

    def span(self, i: int) -> tuple[int, int]:
        """The byte range of item `i`."""
        return self.starts[i], self.starts[i + 1] if i + 1 < len(self.starts) else self.end


def digest(piece: bytes | memoryview) -> bytes:
    return blake2b(piece, digest_size=DIGEST_SIZE).digest()


def split(raw: bytes) -> Split | None:
    """The textual split of the file, or None when it is not the plain layout above.

    Line breaks that YAML counts and `\\n` does not (a lone CR, NEL, LS, PS) are not looked
    for here: they move the parser's lines off the split's, which `verified` (and for a
    changed piece, incremental.py) then sees.
    """
    # Found with bytes.find: a `^` regex in MULTILINE mode tries every position (0.3 s at 10k).
    at = 0 if raw.startswith(b"dossiers:") else raw.find(b"\ndossiers:") + 1
    section = re.compile(_SECTION).match(raw, at) if at or raw.startswith(b"dossiers:") else None
    if section is None or raw.find(b"\ndossiers:", at) != -1:  # a second one: not ours
        return None
    if raw.startswith(b"%") or b"\n%" in raw[: section.start()]:  # %TAG changes what tags mean
        return None
    blank = re.compile(_BLANK).match(raw, section.end())
    first = re.compile(_FIRST_ITEM).match(raw, blank.end())  # type: ignore[union-attr]
    if first is None:
        return None
    indent = len(first.group(1))
    starts = [first.start()]
    # Every line indented no more than the items, but for comments and blank lines: each is
    # an item, or the end of the list if it starts at column 0; anything else is not ours.
    # (`\n` first, not `^`: the regex engine then skips from newline to newline, 7x faster.)
    item = re.compile(rb" {%d}-(?: |\r?\n)" % indent)
    end = len(raw)
    for line in re.compile(rb"\n {0,%d}[^ #\r\n]" % indent).finditer(raw, first.end() - 1):
        at = line.start() + 1
        if item.match(raw, at):
            starts.append(at)
        elif raw[at : at + 1] != b" ":
            end = at
            break
        else:
            return None
    return Split(indent, starts, end)


def lines(raw: bytes, found: Split) -> list[int]:
    """The 0-based line of each item's start, then of the list's end."""
    out: list[int] = []
    line, at = 0, 0
    count = raw.count
    for offset in (*found.starts, found.end):
        line += count(b"\n", at, offset)
        out.append(line)
        at = offset
    return out


class LineOf:
    """`lines(raw, found)` computed only where asked: `[i]` is the 0-based line of item
    `i`'s start (`[len(starts)]` and `[-1]`: of the list's end). An incremental load needs
    the lines of a few dossiers, and counting every newline of 228 MB is 0.3 s."""

    def __init__(self, raw: bytes, found: Split) -> None:
        self._raw, self._bounds = raw, (*found.starts, found.end)
        self._known = {0: 0}  # offset -> line, at least the start of the text
        self._offsets = [0]  # the keys of _known, sorted

    def __getitem__(self, i: int) -> int:
        offset = self._bounds[i]
        line = self._known.get(offset)
        if line is None:  # count from the nearest offset before it that is known
            k = bisect.bisect(self._offsets, offset)
            before = self._offsets[k - 1]
            line = self._known[before] + self._raw.count(b"\n", before, offset)
            self._known[offset] = line
            self._offsets.insert(k, offset)
        return line


Lines = list[int] | LineOf


def index(raw: bytes, found: Split) -> Segments:
    view = memoryview(raw)
    bounds = (*found.starts, found.end)
    items = b"".join(
        [digest(view[bounds[i] : bounds[i + 1]]) for i in range(len(found.starts))]
    )
    return Segments(digest(view[: found.starts[0]]), digest(view[found.end :]), items)


def verified(raw: bytes, item_lines: list[int]) -> tuple[Split, list[int]] | None:
    """The split of `raw` and its lines (`lines`), if they agree with the parser's
    `item_lines` (the start line of each dossier, then the end of the list: what
    yamlsource.parse gives as item_lines); None if the split is not sure or is wrong."""
    found = split(raw)
    if found is None:
        return None
    at = lines(raw, found)
    return (found, at) if at == item_lines else None
