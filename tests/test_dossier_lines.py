"""Edits find a dossier by its `- id:` line (linemerge.dossier_lines) instead of libyaml's
marks, and keep that result only if it changed no other dossier (editflow._confined)."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from compartment.data import loader, yamlsource
from compartment.data.dataset import Event
from compartment.edit import changes as edit
from compartment.edit import linemerge

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = (ROOT / "data" / "issues.yaml").read_text(encoding="utf-8")
SAMPLE = (ROOT / "tests" / "sample.yaml").read_text(encoding="utf-8")
EVENT = Event("2026-03-01", "nato", "met again", "They met.", ("https://www.nato.int/x",))


def ids(text: str) -> list[str]:
    data = loader.load_text(text, "x.yaml").dataset
    assert data is not None
    return [d.id for d in data.dossiers]


def test_the_id_lines_are_where_libyaml_puts_the_dossiers() -> None:
    known = ids(SHIPPED)
    for index in range(len(known) - 1):
        starts, _end = linemerge.dossier_lines(SHIPPED, known, index) or ([], 0)
        marks = yamlsource.block_items(SHIPPED, "dossiers", index)
        assert marks is not None
        assert starts[: index + 2] == marks[0][: index + 2]
    assert linemerge.dossier_lines(SHIPPED, known, len(known) - 1) is None  # never the last


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  - id: nato-russia-cooperation\n", "  - id: 'nato-russia-cooperation'\n"),
        ("  - id: nato-russia-cooperation\n", "  - title: x\n    id: nato-russia-cooperation\n"),
        ("  - id: nato-russia-cooperation\n", "  - id: nato-russia-cooperation  # c\n"),
    ],
)
def test_other_layouts_are_left_to_the_marks(old: str, new: str) -> None:
    text = SAMPLE.replace(old, new)
    assert linemerge.dossier_lines(text, ["new-start", "nato-russia-cooperation", "z"], 0) is None


def crafted() -> str:
    """Three dossiers, the first with a quoted summary that imitates the other two as lines
    and ends the textual cut early (a line at column 0 inside the quotes: libyaml takes it)."""
    head, _, rest = SAMPLE.partition("  - id: nato-russia-cooperation\n")
    real_b = "  - id: nato-russia-cooperation\n" + rest
    real_c = real_b.replace("id: nato-russia-cooperation", "id: zz-copy").replace(
        "aliases: [NRC]", "aliases: [NRC2]")
    fake = (
        '    summary: "start\n'
        "  - id: nato-russia-cooperation\n    title: Fake\n    domain: security-dialogue\n"
        "    parties: [nato, russia]\n    status: suspended\n    broken_off_by: nato\n"
        "    summary: fake\n    events:\n      - date: 2014-04\n        actor: nato\n"
        "        action: x\n        status: suspended\n        summary: y\n"
        "        sources:\n          - https://www.nato.int/y\n"
        "  - id: zz-copy\n"
        'x: end"\n'
    )
    line = "    summary: The last treaty capping US and Russian strategic nuclear forces.\n"
    assert line in head
    return head.replace(line, fake) + real_b + real_c


def test_a_result_that_changed_another_dossier_is_made_again_by_the_marks(tmp_path: Path) -> None:
    text = crafted()
    path = tmp_path / "issues.yaml"
    path.write_text(text, encoding="utf-8")
    assert ids(text) == ["new-start", "nato-russia-cooperation", "zz-copy"]
    found = linemerge.dossier_lines(text, ids(text), 1)
    assert found is not None  # the textual cut is fooled: it sees the imitations
    marks = yamlsource.block_items(text, "dossiers", 1)
    assert marks is not None and found[0][1] != marks[0][1]
    change = edit.add_event(text, str(path), "nato-russia-cooperation", EVENT)
    with mock.patch.object(linemerge, "dossier_lines", lambda *_args: None):
        by_marks = edit.add_event(text, str(path), "nato-russia-cooperation", EVENT)
    assert change.after == by_marks.after
    after = loader.load_text(change.after, "x.yaml").dataset
    before = loader.load_text(text, "x.yaml").dataset
    assert after is not None and before is not None
    assert after.dossiers[0] == before.dossiers[0]  # the imitation in the summary untouched
    assert len(after.dossiers[1].events) == len(before.dossiers[1].events) + 1


def test_the_quick_cut_is_taken_on_the_shipped_file(tmp_path: Path) -> None:
    path = tmp_path / "issues.yaml"
    path.write_text(SHIPPED, encoding="utf-8")
    with mock.patch.object(yamlsource, "block_items", side_effect=AssertionError("marks read")):
        change = edit.add_event(SHIPPED, str(path), "new-start", Event(
            "2026-11-30", "russia", "said something", "x", ("https://tass.com/x",)))
    assert change.after != SHIPPED


def test_an_edit_decodes_the_cache_entry_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry read for the first validation is the `previous` of the second (cache._last):
    decoding and checking it twice cost 0.15-0.25 s at 10,000 dossiers."""
    from compartment.store import cache

    monkeypatch.setenv("COMPARTMENT_CACHE_DIR", str(tmp_path / "c"))
    path = tmp_path / "issues.yaml"
    path.write_text(SHIPPED, encoding="utf-8")
    assert loader.load(path).dataset is not None  # writes the entry, with its index
    cache._last.clear()
    decoded = []
    real = cache._decode
    monkeypatch.setattr(cache, "_decode", lambda opened: decoded.append(1) or real(opened))
    change = edit.add_event(SHIPPED, str(path), "new-start", Event(
        "2026-11-30", "russia", "said something", "x", ("https://tass.com/x",)))
    assert change.after != SHIPPED and not change.errors
    assert len(decoded) == 1


def test_an_entry_index_of_the_text_gives_every_dossier_even_the_last() -> None:
    """With the index of a cache entry made for this text (its split the parser's), the
    lines come from it: no textual cut, and the last dossier too."""
    from compartment.store import segments

    raw = SHIPPED.encode("utf-8")
    found = segments.split(raw)
    assert found is not None
    index = segments.index(raw, found)
    known = ids(SHIPPED)
    marks = yamlsource.block_items(SHIPPED, "dossiers", len(known) - 1)
    with mock.patch.object(segments, "split", side_effect=AssertionError("split again")):
        got = linemerge.dossier_lines(SHIPPED, known, len(known) - 1, index)
    assert got == marks
    # An index of another text (one dossier fewer) is not used.
    assert linemerge.dossier_lines(SHIPPED, [*known, "x"], 0, index) is None
