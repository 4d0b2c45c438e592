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
import sys
from array import array
from collections.abc import Iterable, Sequence
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
    dossier item's text, in file order (`items` holds DIGEST_SIZE bytes per dossier), and
    what `walk` needs to find the changed dossiers without splitting the whole file."""

    head: bytes
    tail: bytes
    items: bytes
    today: str = ""  # the date the rules judged by: a later load needs today >= this
    local: tuple[Noted, ...] = ()
    indent: int = -1  # of the item lines (Split.indent)
    head_size: int = 0  # bytes before the first item
    tail_size: int = 0  # bytes from the end of the list on
    sizes: bytes = b""  # each item's length in bytes, as little-endian uint32
    # Runs of consecutive items, each (how many, GROUP_DIGEST of their text joined), in
    # order and covering every item: `walk` compares a run at a time.
    groups: tuple[tuple[int, bytes], ...] = ()


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
    count = len(found.starts)
    items = b"".join([digest(view[bounds[i] : bounds[i + 1]]) for i in range(count)])
    return Segments(
        digest(view[: found.starts[0]]), digest(view[found.end :]), items,
        indent=found.indent, head_size=found.starts[0], tail_size=len(raw) - found.end,
        sizes=packed("I", (bounds[i + 1] - bounds[i] for i in range(count))),
        groups=_groups(view, bounds, 0, count),
    )  # fmt: skip


# Items a group of the index holds. `walk` hashes the unchanged text a group at a time (one
# call per 256 dossiers: the per-call cost of hashing each of 100,000 dossiers is 0.5 s), and
# splits and hashes each dossier of a changed group: 256 dossiers are about 0.6 MB.
GROUP = 256


def group_digest(piece: bytes | memoryview) -> bytes:
    """The digest of a run of items: SHA-256, which OpenSSL computes twice as fast as
    BLAKE2b on long texts (0.21 s against 0.40 s for 228 MB), cut to DIGEST_SIZE."""
    import hashlib

    return hashlib.sha256(piece).digest()[:DIGEST_SIZE]


def _groups(
    view: memoryview, bounds: Sequence[int], first: int, end: int
) -> tuple[tuple[int, bytes], ...]:
    """Groups of at most GROUP items for items first..end-1 (`bounds`: each item's start,
    then the end of the list)."""
    return tuple(
        (min(GROUP, end - k), group_digest(view[bounds[k] : bounds[min(k + GROUP, end)]]))
        for k in range(first, end, GROUP)
    )


def packed(code: str, values: Iterable[int]) -> bytes:
    """`values` as a table of little-endian unsigned integers of array type `code` (the
    tables of the index here, and of a cache entry's body: heads.py)."""
    table = array(code, values)
    if sys.byteorder == "big":
        table.byteswap()
    return table.tobytes()


def unpacked(code: str, data: bytes | memoryview) -> array[int]:
    """The table `packed` made: ValueError if `data` is not a whole number of entries."""
    table = array(code, data)
    if sys.byteorder == "big":
        table.byteswap()
    return table


# An indentation no file has; the bound keeps a forged one out of a regex repeat count.
_MAX_INDENT = 1000


def _sizes(index: Segments) -> array[int] | None:
    """The items' sizes, if `index` is one `index` could have made: a size for each digest,
    groups that cover every item, lengths and an indentation in range. An index comes from
    a cache entry, which anyone who can write the cache folder can forge (cache.py)."""
    count = len(index.items) // DIGEST_SIZE
    if (not 0 <= index.indent <= _MAX_INDENT or count == 0 or len(index.sizes) != 4 * count
            or len(index.items) != DIGEST_SIZE * count or index.head_size < 0
            or index.tail_size < 0 or not index.groups
            or sum(n for n, _ in index.groups) != count or min(n for n, _ in index.groups) < 1):
        return None
    table = unpacked("I", index.sizes)
    return table if min(table) > 0 else None


class Walked(NamedTuple):
    """The split of a changed file that `walk` found, with each item's digest, and the new
    index's groups."""

    found: Split
    digests: list[bytes]
    fresh: range  # the items whose text was split and hashed anew (the changed run)
    groups: tuple[tuple[int, bytes], ...]


def walk(raw: bytes, index: Segments) -> Walked | None:
    """`split(raw)` and each item's digest, found from `index` (a verified split of an
    earlier version of the file) by hashing: the head and the tail must be unchanged; the
    groups that are unchanged at the start and at the end of the list keep their items
    (their text is the earlier text, whose split was the parser's); only the text between
    is split (`_split_run`). A change that is not one run of whole items between unchanged
    groups (a new indentation, a line at column 0) has the whole file split (`_split_all`).
    None when the head or the tail changed, or the index is not one `index` made.
    """
    view, total = memoryview(raw), len(raw)
    sizes = _sizes(index)
    if sizes is None or index.head_size + index.tail_size > total:
        return None
    count = len(sizes)
    end = total - index.tail_size
    if digest(view[: index.head_size]) != index.head or digest(view[end:]) != index.tail:
        return None
    starts = [index.head_size]  # the earlier file's item starts, then the end of the list
    for size in sizes:
        starts.append(starts[-1] + size)
    old_end = starts[-1]
    # The unchanged groups from the front, then from the back (in the earlier file's
    # offsets; the back ones move by the change in length).
    front, item, at = 0, 0, index.head_size
    for n, expected in index.groups:
        length = starts[item + n] - starts[item]
        if at + length > end or group_digest(view[at : at + length]) != expected:
            break
        front, item, at = front + 1, item + n, at + length
    shift = end - old_end
    back, back_item, back_at = len(index.groups), count, end
    while back > front:
        n, expected = index.groups[back - 1]
        length = starts[back_item] - starts[back_item - n]
        if back_at - length < at or group_digest(view[back_at - length : back_at]) != expected:
            break
        back, back_item, back_at = back - 1, back_item - n, back_at - length
    # What follows the run (an unchanged group, or the tail) begins a line, as in the earlier
    # file; else the run's last line runs on into it (a line break deleted before the tail).
    ends_line = back_at == total or raw[back_at - 1 : back_at] == b"\n"
    run = _split_run(raw, at, back_at, index.indent) if ends_line else None
    if run is None and front and ends_line:
        # The last unchanged group's last item may have grown (an event appended to it):
        # its old text is still there, and the new lines after it begin the run. Split that
        # group's text again with the run.
        front -= 1
        item -= index.groups[front][0]
        at = starts[item]
        run = _split_run(raw, at, back_at, index.indent)
    new_starts = None if run is None else [
        *starts[:item], *run, *(s + shift for s in starts[back_item:count])
    ]
    if not new_starts:  # the change is not one run of whole items: split it all
        return _split_all(raw, index)
    assert run is not None
    items = index.items
    size = DIGEST_SIZE
    bounds = (*run, back_at)
    fresh = [digest(view[bounds[k] : bounds[k + 1]]) for k in range(len(run))]
    digests = [items[k * size : (k + 1) * size] for k in range(item)]
    digests += fresh
    digests += [items[k * size : (k + 1) * size] for k in range(back_item, count)]
    groups = (*index.groups[:front], *_groups(view, bounds, 0, len(run)),
              *index.groups[back:])  # fmt: skip
    return Walked(Split(index.indent, new_starts, end), digests,
                  range(item, item + len(run)), groups)  # fmt: skip


def _split_all(raw: bytes, index: Segments) -> Walked | None:
    """What `walk` gives when the change is not one run between unchanged groups (a new
    indentation, a changed line at column 0): `split(raw)`, every item hashed."""
    found = split(raw)
    if found is None:
        return None
    view, bounds = memoryview(raw), (*found.starts, found.end)
    count = len(found.starts)
    if (digest(view[: bounds[0]]) != index.head or digest(view[found.end :]) != index.tail):
        return None
    return Walked(found, [digest(view[bounds[i] : bounds[i + 1]]) for i in range(count)],
                  range(count), _groups(view, bounds, 0, count))  # fmt: skip


def earlier(walked: Walked, index: Segments) -> list[int | None]:
    """Each item's position in the file `index` describes, None for a new or changed one:
    the unchanged runs keep theirs; a changed run's items are looked up by digest, since a
    dossier may have moved."""
    size = DIGEST_SIZE
    reused: list[int | None] = list(range(walked.fresh.start))
    if walked.fresh:
        known = {index.items[k : k + size]: k // size for k in range(0, len(index.items), size)}
        reused += [known.get(walked.digests[k]) for k in walked.fresh]
    shift = len(index.items) // size - len(walked.digests)
    reused += range(walked.fresh.stop + shift, len(walked.digests) + shift)
    return reused


def split_of(index: Segments, size: int) -> Split | None:
    """The split that `index` records (of the very text it was made for, of `size` bytes,
    whose parser marks it matched), or None for an index not sound for such a text."""
    sizes = _sizes(index)
    if sizes is None:
        return None
    starts = [index.head_size]
    for length in sizes:
        starts.append(starts[-1] + length)
    end = starts.pop()
    return Split(index.indent, starts, end) if end + index.tail_size == size else None


def indexed(
    raw: bytes, walked: Walked, before: Segments, today: str, local: tuple[Noted, ...]
) -> Segments:
    """The index of `raw` from what `walk` found in it against `before`."""
    bounds = (*walked.found.starts, walked.found.end)
    return before._replace(
        items=b"".join(walked.digests), today=today, local=local, indent=walked.found.indent,
        sizes=packed("I", (bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1))),
        groups=walked.groups,
    )  # fmt: skip


def _split_run(raw: bytes, start: int, end: int, indent: int) -> list[int] | None:
    """The item starts in raw[start:end], the text between two unchanged pieces, as `split`
    finds them in the whole file: it must begin at a line's start with an item line of
    `indent` (else its first lines would belong to the item before), and every other line
    indented no more than that must be an item line, a comment or blank (a line at column
    0 would end the list before the unchanged tail)."""
    if start >= end:  # `start` follows unchanged text that ends a line: the head, an item
        return [] if start == end else None
    item = re.compile(rb" {%d}-(?: |\r?\n)" % indent)
    if not item.match(raw, start, end):
        return None
    starts = [start]
    for line in re.compile(rb"\n {0,%d}[^ #\r\n]" % indent).finditer(raw, start, end):
        at = line.start() + 1
        if not item.match(raw, at, end):
            return None
        starts.append(at)
    return starts


def verified(raw: bytes, item_lines: list[int]) -> tuple[Split, list[int]] | None:
    """The split of `raw` and its lines (`lines`), if they agree with the parser's
    `item_lines` (the start line of each dossier, then the end of the list: what
    yamlsource.parse gives as item_lines); None if the split is not sure or is wrong."""
    found = split(raw)
    if found is None:
        return None
    at = lines(raw, found)
    return (found, at) if at == item_lines else None
