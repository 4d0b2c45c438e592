"""cache_patch.refresh: after a change, the entry made from the previous entry and the changed
dossiers is the entry a full cold load of the new text writes (issue 19, item 3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from compartment import cache, cache_patch, checks, loader, segments
from compartment.cli import app
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


def test_list_and_show_after_a_change_answer_from_the_refreshed_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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
    calls: list[bool] = []
    real = cache_patch.refresh

    def spy(*a: Any) -> bool:
        calls.append(real(*a))
        return calls[-1]

    monkeypatch.setattr(cache_patch, "refresh", spy)
    for command in (["list"], ["show", "abm-treaty"]):
        warm = runner.invoke(app, [*args, *command])
        cold = runner.invoke(app, [*args, "--no-cache", *command])
        assert warm.exit_code == cold.exit_code == 0
        assert warm.output == cold.output and "Renamed" in warm.output
    assert calls == [True]  # the first command refreshed; the second read the new entry
