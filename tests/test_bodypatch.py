"""bodypatch.patched: a body made by copying the unchanged dossiers' bytes from the previous
body is byte for byte the body that packing every dossier again gives."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compartment.data.dataset import Dossier
from compartment.store import bodypatch, heads, segments
from test_heads import body, dossier_lists, forged, packed, sample_body, where


@st.composite
def changes(draw: st.DrawFn) -> tuple[tuple[Dossier, ...], list[int | None], tuple[Dossier, ...]]:
    """An old list of dossiers, and a new one: some old ones kept (in any order, each at
    most once), some new ones among them; with the plan saying which is which."""
    old = draw(dossier_lists())
    fresh = [d for d in draw(dossier_lists()) if d.id not in {o.id for o in old}]
    kept = draw(st.lists(st.integers(0, len(old) - 1), unique=True))
    plan: list[int | None] = [*kept, *([None] * len(fresh))]
    plan = draw(st.permutations(plan)) if draw(st.booleans()) else sorted(
        kept) + [None] * len(fresh)  # fmt: skip
    supply = iter(fresh)
    new = tuple(old[j] if j is not None else next(supply) for j in plan)
    return old, plan, new


@given(changes())
def test_a_patched_body_is_the_body_packed_anew(
    change: tuple[tuple[Dossier, ...], list[int | None], tuple[Dossier, ...]],
) -> None:
    old, plan, new = change
    layout, buffer = packed(old)
    fresh = tuple(d for d, j in zip(new, plan, strict=True) if j is None)
    fresh_heads, fresh_blobs = heads.split(fresh)
    got_layout, pieces = bodypatch.patched(body(layout, buffer), plan, fresh_heads, fresh_blobs)
    want_layout, want = packed(new)
    assert got_layout == want_layout
    assert b"".join(pieces) == bytes(want)


@pytest.mark.parametrize("name", ["ids", "offsets", "checks", "at", "rows", "blobs", "status"])
def test_damage_in_what_is_copied_is_a_miss(name: str) -> None:
    layout, buffer = sample_body()
    start, end = where(layout, name)
    buffer[(start + end) // 2] ^= 0x01
    with pytest.raises(heads.Miss):
        bodypatch.patched(body(layout, buffer), [1, 0], (), [])


@pytest.mark.parametrize("name", ["offsets", "at"])
def test_tables_forged_short_of_their_section_are_a_miss(name: str) -> None:
    """Every CRC right, but a table that leaves the end of its section out: copying by it
    would drop bytes under new CRCs."""
    layout, buffer = sample_body()
    start, end = where(layout, name)
    code = "I" if name == "offsets" else "Q"
    table = memoryview(bytes(buffer[start:end])).cast(code).tolist()
    table[-1] -= 1
    new_layout, new = forged(layout, buffer, name, segments.packed(code, table))
    with pytest.raises(heads.Miss):
        bodypatch.patched(body(new_layout, new), [1, 0], (), [])
