"""Text-level helpers of the edits: the line merge that applies an edit as ruamel wrote it to
the original text (so untouched lines stay byte for byte), and the unified diff that
`--dry-run` and `fmt --check` print. Plain text in, plain text out.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from compartment.edit.fmt import newline_of

if TYPE_CHECKING:
    from compartment.store.segments import Segments


def unified_diff(before: str, after: str, name: str) -> str:
    """The change as `git diff` shows it (line ends shown as LF); `a/`, `b/` prefixes only
    for a relative file name."""
    relative = not name.startswith(("/", "\\")) and ":" not in name[:3]
    # Only the lines around the change are split and compared: the lines the two texts share
    # at their start and end are found by comparing the strings in C (an edit's diff of a
    # 10k-dossier file spent 1.1 s splitting and comparing 530,000 lines in Python). The
    # cut keeps three shared lines each side, so the loops below see what they would have
    # seen on the whole texts. A CR anywhere makes two lines equal that differ as text
    # (line ends are compared as LF): then the whole texts are compared, as before.
    lo_char, offset, hi_before, hi_after = 0, 0, len(before), len(after)
    if "\r" not in before and "\r" not in after:
        head = before.rfind("\n", 0, common_prefix(before, after)) + 1
        tail = _common_suffix(before, after, min(len(before), len(after)) - head)
        start = len(before) - tail  # the shared tail, from the start of a line in both
        shift = len(after) - len(before)
        if (start > 0 and before[start - 1] != "\n") or (
            start + shift > 0 and after[start + shift - 1] != "\n"
        ):  # the next line start is one in both: its "\n" lies in the shared tail
            found = before.find("\n", start)
            start = len(before) if found == -1 else found + 1
        lo_char = _lines_back(before, head, 3)
        offset = before.count("\n", 0, lo_char)
        hi_before = _lines_forward(before, start, 3)
        hi_after = hi_before + shift
    a = [_content(line) + "\n" for line in _lines(before[lo_char:hi_before])]
    b = [_content(line) + "\n" for line in _lines(after[lo_char:hi_after])]
    # difflib compares only what lies between the common head and tail, and 3 lines of
    # context each side: an edit's diff of a 1k-dossier file took 0.7 s through difflib.
    prefix = 0
    limit = min(len(a), len(b))
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    lo, keep = max(prefix - 3, 0), max(suffix - 3, 0)
    lines = difflib.unified_diff(
        a[lo : len(a) - keep], b[lo : len(b) - keep],
        fromfile=f"a/{name}" if relative else name,
        tofile=f"b/{name}" if relative else name,
    )
    return "".join(_shifted(line, lo + offset) for line in lines)


_CHUNK = 1 << 16  # characters compared at a time before narrowing down


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of `a` and `b`."""
    n = min(len(a), len(b))
    lo = 0
    while lo < n:
        hi = min(lo + _CHUNK, n)
        if a[lo:hi] != b[lo:hi]:
            while hi - lo > 1:  # a[:lo] == b[:lo]; they differ in [lo, hi)
                mid = (lo + hi) // 2
                if a[lo:mid] == b[lo:mid]:
                    lo = mid
                else:
                    hi = mid
            return lo
        lo = hi
    return n


def _common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common suffix of `a` and `b`, at most `limit`."""
    la, lb = len(a), len(b)
    lo = 0
    while lo < limit:
        hi = min(lo + _CHUNK, limit)
        if a[la - hi : la - lo] != b[lb - hi : lb - lo]:
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
                    lo = mid
                else:
                    hi = mid
            return lo
        lo = hi
    return max(limit, 0)


def _lines_back(text: str, at: int, count: int) -> int:
    """The start of the line `count` lines above the line that starts at `at` (or 0)."""
    for _ in range(count):
        if at == 0:
            return 0
        at = text.rfind("\n", 0, at - 1) + 1
    return at


def _lines_forward(text: str, at: int, count: int) -> int:
    """Where the line `count` lines below the one that starts at `at` starts (or the end)."""
    for _ in range(count):
        found = text.find("\n", at)
        if found == -1:
            return len(text)
        at = found + 1
    return at


_HUNK = re.compile(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@\n")


def _shifted(line: str, by: int) -> str:
    """A hunk header of the cut texts, numbered as in the whole ones."""
    match = _HUNK.fullmatch(line) if by and line.startswith("@@") else None
    if match is None:
        return line
    old, old_len, new, new_len = match.groups()
    return f"@@ -{int(old) + by}{old_len or ''} +{int(new) + by}{new_len or ''} @@\n"



def _lines(text: str) -> list[str]:
    """Lines with their line ends ("\\n" or "\\r\\n"); the last may have none."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _content(line: str) -> str:
    return line.rstrip("\n").removesuffix("\r")


def merge_checked(original: str, base: str, edited: str) -> str | None:
    """`merge`, sliding new records above the comments that open what follows, else not; the
    result must read back (yamlsource.parse) as exactly `edited`. None if neither way does."""
    from compartment.data import yamlsource

    wanted = yamlsource.parse(edited)[0]
    for slide in (True, False):
        result = merge(original, base, edited, slide=slide)
        if result is not None and yamlsource.parse(result)[0] == wanted:
            return result
    return None


def excerpt(
    text: str, section: str, index: int, found: tuple[list[int], int] | None = None
) -> tuple[str, str, str] | None:
    """The text cut around item `index` of the top-level block collection `section`: what
    stands before the item, the item's lines (to the next item's first line: blank lines and
    comments between them go with the item above, as the round trip's merge sees them) as a
    document of their own under `section:`, and what follows. None where that cut would not
    be the one item: a section not found by libyaml's marks, lines before the first item
    (comments), a last line without a line end.

    `found` gives the items' lines (as yamlsource.block_items would: `dossier_lines`) instead
    of libyaml's marks; the caller must then check the result (see there).
    """
    from compartment.data import yamlsource

    if found is None:
        found = yamlsource.block_items(text, section, index)
    if found is None or index >= len(found[0]):
        return None
    starts, end = found
    lines = text.split("\n")
    start = starts[index]
    stop = starts[index + 1] if index + 1 < len(starts) else end
    if stop == -1:
        stop = len(lines) - 1
    if not text.endswith("\n") or stop <= start:
        return None
    if index == 0 and lines[start - 1].rstrip("\r") != f"{section}:":
        return None
    head = f"{section}:{newline_of(text)}"
    return ("\n".join(lines[:start]) + "\n", head + "\n".join(lines[start:stop]) + "\n",
            "\n".join(lines[stop:]))


def dossier_lines(
    text: str, ids: Sequence[str], index: int, known: Segments | None = None
) -> tuple[list[int], int] | None:
    """Where each dossier item starts and where the list ends (0-based lines, as
    yamlsource.block_items gives them).

    `known`, if given, is the index of a cache entry made for this very text (its digest
    checked): its split is the one libyaml's marks confirmed when it was made, so it is
    used as it is. Otherwise segments.split's textual cut: 0.1 s at 10,000 dossiers where
    libyaml's events up to the middle one take about 1 s. Used only when every item line
    reads `- id: ` and the id of the dossier in that place, one line per dossier of the
    load, and never for the last dossier (a quoted text running over a column-0 line could
    end the cut early there). That leaves a crafted file whose quoted texts imitate whole
    items: the edit checks that its result changed no other dossier (editflow._confined),
    and otherwise finds the record by libyaml's marks.
    """
    from compartment.store import segments

    raw = text.encode("utf-8")
    recorded = None if known is None else segments.split_of(known, len(raw))
    if recorded is not None and len(recorded.starts) == len(ids):
        lines = segments.lines(raw, recorded)
        return lines[:-1], lines[-1]
    if index >= len(ids) - 1:
        return None
    found = segments.split(raw)
    if found is None or len(found.starts) != len(ids):
        return None
    lead = b" " * found.indent + b"- id: "
    for start, dossier_id in zip(found.starts, ids, strict=True):
        line = lead + dossier_id.encode("utf-8")
        stop = start + len(line)
        if not raw.startswith(line, start) or raw[stop : stop + 1] not in (b"\n", b"\r"):
            return None
    lines = segments.lines(raw, found)
    return lines[:-1], lines[-1]


def merge(original: str, base: str, edited: str, *, slide: bool = True) -> str | None:
    """Apply the difference base -> edited to `original`, or None where the two disagree.

    `base` and `edited` are ruamel's writing of the same document before and after the
    edit; `original` is the file. A changed region must sit on lines that base and original
    share (so it is clear where it goes); every other line of `original` is kept as is.
    """
    original_lines = _lines(original)
    ours = [_content(line) for line in original_lines]
    b = base.split("\n")[:-1] if base.endswith("\n") else base.split("\n")
    e = edited.split("\n")[:-1] if edited.endswith("\n") else edited.split("\n")
    anchor = _anchors(b, ours)
    newline = newline_of(original)
    out: list[str] = []
    done = 0  # lines of `original` already copied or replaced
    for i1, i2, j1, j2 in _hunks(b, e):
        if i1 < i2:
            span = _replaced_span(anchor, i1, i2, len(b), len(ours))
            if span is None:
                return None
            start, stop = span
        else:
            before = anchor[i1 - 1] if i1 > 0 else -1
            after = anchor[i1] if i1 < len(b) else len(ours)
            if before is None or after is None or after != before + 1:
                return None
            start = stop = after
            if slide and j1 < j2 and _opens_block(e[j1:j2]):
                column = _indent(e[j1])
                while start > done and _belongs_below(ours[start - 1], column):
                    start -= 1
                stop = start
        if start < done:
            return None
        out.extend(original_lines[done:start])
        out.extend(line + newline for line in e[j1:j2])
        done = stop
    out.extend(original_lines[done:])
    for i in range(len(out) - 1):  # a last line without a line end that is last no more
        if not out[i].endswith("\n"):
            out[i] += newline
    return "".join(out)


def _replaced_span(
    anchor: list[int | None], i1: int, i2: int, base_len: int, original_len: int
) -> tuple[int, int] | None:
    """The lines of the original that base lines i1..i2 (replaced by the edit) stand for.

    Either base and original agree on those lines, or the original writes them differently
    (`~` where ruamel writes `null`) but the lines on both sides agree and the count matches:
    then the original's own lines are the ones the edit replaces.
    """
    start = anchor[i1]
    if start is not None and all(anchor[i] == start + (i - i1) for i in range(i1, i2)):
        return start, start + (i2 - i1)
    before = anchor[i1 - 1] if i1 > 0 else -1
    after = anchor[i2] if i2 < base_len else original_len
    if before is None or after is None or after - before - 1 != i2 - i1:
        return None
    if any(anchor[i] is not None and anchor[i] != before + 1 + (i - i1) for i in range(i1, i2)):
        return None
    return before + 1, after


def _hunks(a: list[str], b: list[str]) -> list[tuple[int, int, int, int]]:
    """The changed regions between two line lists, as (a1, a2, b1, b2) slices."""
    prefix = 0
    limit = min(len(a), len(b))
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    matcher = difflib.SequenceMatcher(
        None, a[prefix:len(a) - suffix], b[prefix:len(b) - suffix], autojunk=False
    )
    return [
        (i1 + prefix, i2 + prefix, j1 + prefix, j2 + prefix)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _anchors(a: list[str], b: list[str]) -> list[int | None]:
    """For each line of `a`, the line of `b` it corresponds to, or None."""
    result: list[int | None] = [None] * len(a)
    prefix = 0
    limit = min(len(a), len(b))
    while prefix < limit and a[prefix] == b[prefix]:
        result[prefix] = prefix
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[-1 - suffix] == b[-1 - suffix]:
        result[len(a) - 1 - suffix] = len(b) - 1 - suffix
        suffix += 1
    matcher = difflib.SequenceMatcher(
        None, a[prefix:len(a) - suffix], b[prefix:len(b) - suffix], autojunk=False
    )
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            result[prefix + block.a + k] = prefix + block.b + k
    return result


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _opens_block(lines: list[str]) -> bool:
    """Whether inserted lines are whole records: the first is the least indented."""
    first = _indent(lines[0])
    return bool(lines[0].strip()) and all(_indent(line) >= first for line in lines if line.strip())


def _belongs_below(line: str, column: int) -> bool:
    """A blank line, or a comment no deeper than a new record: it opens what follows."""
    body = line.strip()
    return not body or (body.startswith("#") and _indent(line) <= column)
