"""linemerge.unified_diff compares only the lines around the change; its output must be
what comparing the whole texts gives (the reference below is the implementation it
replaced, kept here verbatim but for its name)."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from compartment.edit import linemerge


def reference(before: str, after: str, name: str) -> str:
    relative = not name.startswith(("/", "\\")) and ":" not in name[:3]
    a = [linemerge._content(line) + "\n" for line in linemerge._lines(before)]
    b = [linemerge._content(line) + "\n" for line in linemerge._lines(after)]
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
    return "".join(linemerge._shifted(line, lo) for line in lines)


# Few distinct lines, so that shared heads and tails, repeats and ambiguous matches are common.
line = st.sampled_from(["a", "b", "a b", "", "x: 1", "  - id: c"])
ends = st.sampled_from(["\n", "\n", "\n", "\r\n", ""])


@st.composite
def pairs(draw: st.DrawFn) -> tuple[str, str]:
    head = draw(st.lists(line, max_size=12))
    tail = draw(st.lists(line, max_size=12))
    old = draw(st.lists(line, max_size=5))
    new = draw(st.lists(line, max_size=5))
    end = draw(ends)
    cr = draw(st.sampled_from(["", "", "", "\r"]))

    def text(middle: list[str]) -> str:
        body = (cr + "\n").join([*head, *middle, *tail])
        return body + (end if body else "")

    before, after = text(old), text(new)
    if draw(st.booleans()):  # a change of the very last characters
        after = after.rstrip("\n") if draw(st.booleans()) else after + draw(line)
    if draw(st.booleans()):  # one line end that differs only by a CR (shown as LF: equal)
        at = draw(st.integers(0, len(after)))
        after = after[:at] + after[at:].replace("\n", "\r\n", 1)
    return before, after


@settings(max_examples=600, deadline=None)
@given(pairs(), st.sampled_from(["data/issues.yaml", "/tmp/x.yaml"]))
def test_the_cut_diff_equals_the_whole_diff(pair: tuple[str, str], name: str) -> None:
    before, after = pair
    assert linemerge.unified_diff(before, after, name) == reference(before, after, name)


def test_a_long_shared_head_and_tail_are_not_split_into_lines() -> None:
    head = "".join(f"line {i}\n" for i in range(200_000))
    before, after = head + "old\n" + head, head + "new\n" + head
    diff = linemerge.unified_diff(before, after, "f.yaml")
    assert diff == reference(before, after, "f.yaml")
    assert "@@ -199998,7 +199998,7 @@" in diff


def test_common_prefix_and_suffix_across_chunks() -> None:
    size = linemerge._CHUNK * 3 + 17
    a = "x" * size + "A" + "y" * size
    b = "x" * size + "B" + "y" * size
    assert linemerge.common_prefix(a, b) == size
    assert linemerge._common_suffix(a, b, len(a)) == size
    assert linemerge.common_prefix(a, a) == len(a)
    assert linemerge._common_suffix("ab", "ab", 1) == 1


def first_differing_line(before: str, after: str) -> int:
    """Edit.line as it was: line by line."""
    a, b = before.split("\n"), after.split("\n")
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i + 1
    return min(len(a), len(b))


@settings(max_examples=400, deadline=None)
@given(pairs())
def test_an_edits_first_changed_line_is_the_line_by_line_answer(pair: tuple[str, str]) -> None:
    from compartment.edit.editflow import Edit

    before, after = pair
    assert Edit(before, after, "").line == first_differing_line(before, after)
