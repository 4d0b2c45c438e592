"""cache_patch.refresh: after a change, the entry made from the previous entry and the changed
dossiers is the entry a full cold load of the new text writes (issue 19, item 3)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from compartment.cli import app
from compartment.data import checks, loader
from compartment.store import cache, cache_patch, segments
from test_incremental import DATA, GENERATED, changed, outputs, swap_first_two
from test_splice import texts


@pytest.fixture(autouse=True)
def small_groups() -> Iterator[None]:
    before, segments.GROUP = segments.GROUP, 2
    yield
    segments.GROUP = before


def refresh(path: Path) -> bool:
    raw = path.read_bytes()
    return cache_patch.refresh(path, path.stat(), raw, cache.digest(raw), str(path))


def entry(path: Path) -> tuple[cache.Meta, bytes]:
    """The entry for `path`, whatever it describes: its Meta and its body after it."""
    opened = cache.open_entry(path, path.stat().st_size)
    assert opened is not None
    return opened.meta, bytes(opened.body[opened.header.meta :])


def same_as_full_write(path: Path) -> None:
    """The refreshed entry holds what a full load of the file writes: the same body, byte for
    byte, and the same Meta but for the groups of the index (any grouping that covers the
    dossiers serves) and its date."""
    refreshed, body = entry(path)
    cache.entry_path(path).unlink()
    full = loader.load(path)
    assert full.errors == []
    written, full_body = entry(path)
    assert body == full_body
    assert refreshed.segments is not None and written.segments is not None
    assert refreshed.segments._replace(groups=()) == written.segments._replace(groups=())
    assert refreshed._replace(segments=None) == written._replace(segments=None)
    # And it reads as the full load: the records and every problem.
    hit = loader.load(path)
    assert outputs(hit) == outputs(full) == outputs(loader.load(path, use_cache=False))


@pytest.mark.slow  # about 5 s: run by CI with -m slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.data())
def test_a_refreshed_entry_is_the_entry_a_full_load_writes(
    tmp_path: Path, data: st.DataObject
) -> None:
    text = data.draw(st.just(GENERATED) | texts())
    path = tmp_path / "ledger.yaml"
    path.write_bytes(text.encode("utf-8"))
    loader.load(path)
    for _ in range(data.draw(st.integers(1, 3))):
        text = data.draw(changed(text))
        path.write_bytes(text.encode("utf-8"))
        if refresh(path):
            event("refreshed")
            same_as_full_write(path)
        else:
            event("left to a load")
            loader.load(path)  # the next change refreshes from this version's entry, if any


def test_edits_of_the_shipped_file_are_refreshed_or_left_to_a_load(tmp_path: Path) -> None:
    """The property would pass if refresh always gave up; here it must not."""
    path = tmp_path / "issues.yaml"
    text = DATA.read_text(encoding="utf-8")
    cases = {
        "a dossier's summary": (text.replace("    summary: ", "    summary: Changed. ", 1), True),
        "moved": (swap_first_two(text), True),
        "a dossier deleted": (re.sub(r"(?ms)^  - id: new-start\n.*?(?=^  - id:)", "", text), True),
        "a validation error": (text.replace("    summary: ", "    sumary: ", 1), False),
        "an unknown actor": (text.replace("actor: ", "actor: nobody-", 1), False),
        "a duplicate id": (text.replace("  - id: new-start", "  - id: abm-treaty"), False),
        "the tail": (text.rstrip("\n"), False),
    }
    got = {}
    for why, (new, _) in cases.items():
        path.write_text(text, encoding="utf-8")
        assert loader.load(path).errors == []
        path.write_text(new, encoding="utf-8")
        got[why] = refresh(path)
        if got[why]:
            same_as_full_write(path)
    assert got == {why: expected for why, (_, expected) in cases.items()}


def test_an_actor_left_unused_by_the_change_is_warned_of(tmp_path: Path) -> None:
    """The counts of who names whom: the change removes the only dossier that names an
    actor, and a later change names it again."""
    text = DATA.read_text(encoding="utf-8")
    path = tmp_path / "issues.yaml"
    extra = "  zz-only-here:\n    name: Only here\n    bloc: west\n"
    with_actor = text.replace("actors:\n", "actors:\n" + extra, 1)
    naming = with_actor.replace("    third_parties: [", "    third_parties: [zz-only-here, ", 1)
    assert naming != with_actor
    path.write_text(naming, encoding="utf-8")
    assert loader.load(path).warnings == []
    path.write_text(with_actor, encoding="utf-8")
    assert refresh(path)
    (warning,) = loader.load(path).warnings
    assert warning.code == "unused-actor" and "zz-only-here" in warning.message
    same_as_full_write(path)
    path.write_text(naming, encoding="utf-8")
    assert refresh(path)
    assert loader.load(path).warnings == []
    same_as_full_write(path)


def test_a_rule_across_records_it_does_not_know_makes_it_give_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = DATA.read_text(encoding="utf-8")
    path = tmp_path / "issues.yaml"
    path.write_text(text, encoding="utf-8")
    loader.load(path)
    path.write_text(text.replace("    summary: ", "    summary: Changed. ", 1), encoding="utf-8")

    def every_title_once(data: object) -> Iterator[checks.Finding]:
        return iter(())

    with monkeypatch.context() as patched:
        patched.setattr(checks, "RULES", (*checks.RULES, every_title_once))
        assert not refresh(path)
    assert refresh(path)


@pytest.fixture
def refreshes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each call of cache_patch.refresh in the test returned."""
    calls: list[bool] = []
    real = cache_patch.refresh

    def spy(*a: Any) -> bool:
        calls.append(real(*a))
        return calls[-1]

    monkeypatch.setattr(cache_patch, "refresh", spy)
    return calls


def test_list_and_show_after_a_change_answer_from_the_refreshed_entry(
    tmp_path: Path, refreshes: list[bool]
) -> None:
    """Through the CLI: the first `list` after a change refreshes the entry and answers from
    it, as does the `show` after it, exactly as a full load would."""
    from typer.testing import CliRunner

    text = DATA.read_text(encoding="utf-8")
    path = tmp_path / "issues.yaml"
    path.write_text(text, encoding="utf-8")
    runner = CliRunner()
    args = ["--data", str(path)]
    assert runner.invoke(app, [*args, "validate"]).exit_code == 0
    path.write_text(text.replace("    title: ", "    title: Renamed ", 1), encoding="utf-8")
    for command in (["list"], ["show", "abm-treaty"]):
        warm = runner.invoke(app, [*args, *command])
        cold = runner.invoke(app, [*args, "--no-cache", *command])
        assert warm.exit_code == cold.exit_code == 0
        assert warm.output == cold.output and "Renamed" in warm.output
    assert refreshes == [True]  # the first command refreshed; the second read the new entry


# -- what a forged or odd entry must not do (found in review) ---------------------------------


def primed_entry(tmp_path: Path) -> tuple[Path, str]:
    text = DATA.read_text(encoding="utf-8")
    path = tmp_path / "issues.yaml"
    path.write_text(text, encoding="utf-8")
    assert loader.load(path).errors == []
    return path, text


def forge_index(path: Path, **change: Any) -> None:
    """The entry of `path` with its index changed and every CRC put right."""
    opened = cache.open_entry(path, path.stat().st_size)
    assert opened is not None and opened.meta.segments is not None
    meta = opened.meta._replace(segments=opened.meta.segments._replace(**change))
    cache.store(path, None, opened.header.key, meta, [bytes(opened.body[opened.header.meta :])])


@pytest.mark.parametrize("change", [
    {"sizes": b"abc"}, {"indent": 2**40}, {"indent": 10**6}, {"head_size": -1},
    {"tail_size": -5000}, {"groups": ()}, {"groups": ((0, b"x" * 16),)},
], ids=str)
def test_a_forged_index_is_no_index(tmp_path: Path, change: dict[str, Any]) -> None:
    """Commands after a change load as if there were no index; an edit of the unchanged
    file finds its dossier another way."""
    from compartment.data.dataset import Event
    from compartment.edit import changes as edit

    path, text = primed_entry(tmp_path)
    forge_index(path, **change)
    path.write_text(text.replace("    summary: ", "    summary: Changed. ", 1), encoding="utf-8")
    assert not refresh(path)
    assert outputs(loader.load(path)) == outputs(loader.load(path, use_cache=False))
    path.write_text(text, encoding="utf-8")
    loader.load(path)
    forge_index(path, **change)
    new = Event("2026-11-20", "russia", "said so", "It was said.", ("https://tass.com/x",))
    assert "said so" in edit.add_event(text, str(path), "new-start", new).after


def test_a_forged_blob_table_makes_the_refresh_give_up(tmp_path: Path) -> None:
    """A table of blob offsets out of order (its CRC put right), which a full read never
    consults: copying by it would go below zero."""
    import zlib

    from compartment.store import heads

    path, text = primed_entry(tmp_path)
    opened = cache.open_entry(path, path.stat().st_size)
    assert opened is not None
    meta, body = opened.meta, bytearray(opened.body[opened.header.meta :])
    i = heads.SECTIONS.index("at")
    start = sum(meta.layout.lengths[:i])
    table = memoryview(bytes(body[start : start + meta.layout.lengths[i]])).cast("Q").tolist()
    table[7] = 0
    forged = segments.packed("Q", table)
    body[start : start + len(forged)] = forged
    checks = list(meta.layout.checks)
    checks[i] = zlib.crc32(forged)
    meta = meta._replace(layout=meta.layout._replace(checks=tuple(checks)))
    cache.store(path, None, opened.header.key, meta, [bytes(body)])
    del opened
    raw = text.encode()
    found = segments.split(raw)
    assert found is not None
    start, end = found.span(5)  # a change in the sixth dossier's events
    at = raw.index(b" the ", raw.index(b"events:", start))
    assert at < end
    path.write_bytes(raw[:at] + raw[at + 4 :])
    assert not refresh(path)
    assert outputs(loader.load(path)) == outputs(loader.load(path, use_cache=False))


def test_a_new_indentation_is_recorded(tmp_path: Path) -> None:
    """The whole list moved two columns left: the refreshed index has the new indentation,
    so that the next change is found by the walk, not by splitting the whole file."""
    path, text = primed_entry(tmp_path)
    head, rest = text.split("\ndossiers:\n", 1)
    items, tail = rest.split("\npublishers:\n", 1)
    items = "\n".join(line[2:] if line.startswith("  ") else line for line in items.split("\n"))
    moved = f"{head}\ndossiers:\n{items}\npublishers:\n{tail}"
    path.write_text(moved, encoding="utf-8")
    assert refresh(path)
    same_as_full_write(path)  # (this unlinks and rewrites the entry; refresh again below)
    path.write_text(text, encoding="utf-8")
    loader.load(path)
    path.write_text(moved, encoding="utf-8")
    assert refresh(path)
    index = entry(path)[0].segments
    assert index is not None and index.indent == 0
    edited = moved.replace("    summary: ", "    summary: Changed. ", 1).encode()
    walked = segments.walk(edited, index)
    assert walked is not None and len(walked.fresh) <= segments.GROUP


def test_show_of_no_dossier_on_a_touched_file_rewrites_nothing(tmp_path: Path) -> None:
    """The digest matches the entry's (a touch): there is nothing to refresh."""
    from compartment.store import lightload

    path, _ = primed_entry(tmp_path)
    os.utime(path)
    calls: list[object] = []
    real = cache_patch.refresh
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(cache_patch, "refresh", lambda *a: calls.append(a) or real(*a))
        assert lightload.load_dossier(path, str(path), "no-such-dossier") is None
    assert calls == []


def test_a_line_break_deleted_before_the_tail_is_no_walk(tmp_path: Path) -> None:
    """The list's last line then runs on into `publishers:`; the walk must not cut there."""
    path, text = primed_entry(tmp_path)
    index = entry(path)[0].segments
    assert index is not None
    joined = text.replace("\npublishers:\n", "publishers:\n", 1).encode()
    walked = segments.walk(joined, index)
    assert walked is None or (walked.found, walked.digests) == (
        segments.split(joined), walked.digests)
    path.write_bytes(joined)
    assert not refresh(path)
    assert outputs(loader.load(path)) == outputs(loader.load(path, use_cache=False))


def test_a_list_that_cannot_refresh_tries_once(tmp_path: Path, refreshes: list[bool]) -> None:
    """An error in the changed dossier: the light read's refresh gives up, and the load
    `list` falls back to does not try the same refresh again."""
    from typer.testing import CliRunner

    path, text = primed_entry(tmp_path)
    path.write_text(text.replace("    summary: ", "    sumary: ", 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["--data", str(path), "list"])
    assert result.exit_code != 0 and "sumary" in result.output
    assert refreshes == [False]
