"""The merge driver: a three-way merge of the data file by record (merge.py, mergewrite.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compartment.data import loader
from compartment.data.dataset import Claim, Dataset, Event, with_state
from compartment.edit import changes as edit
from compartment.edit import rewrite
from compartment.history import merge

SAMPLE = (Path(__file__).parent / "sample.yaml").read_text(encoding="utf-8")
NO_LINE_MERGE: Callable[[], tuple[str, bool]] = lambda: pytest.fail("line merge used")  # noqa: E731


def event(date: str, actor: str, action: str, status: str | None = None) -> Event:
    return Event(date, actor, action, f"{action}.", ("https://tass.com/x",), status)


def add_event(text: str, dossier: str, new: Event) -> str:
    return rewrite.apply(text, "t", edit.add_event(dossier, new)).after


def run_merge(base: str, ours: str, theirs: str) -> merge.Outcome:
    return merge.merge_texts(base, ours, theirs, "data/issues.yaml", NO_LINE_MERGE)


def data(text: str) -> Dataset:
    result = loader.load_text(text, "t")
    assert not result.errors, result.errors
    return result.dataset


# -- independent changes merge ----------------------------------------------------------------


def test_events_added_to_the_same_dossier_on_both_sides() -> None:
    ours = add_event(SAMPLE, "new-start", event("2026-03-01", "russia", "said one thing"))
    theirs = add_event(SAMPLE, "new-start", event("2026-03-01", "united-states", "said another"))
    outcome = run_merge(SAMPLE, ours, theirs)
    assert outcome.conflicts == ()
    # Exactly what adding theirs's event to ours with `event add` writes: after ours's.
    assert outcome.text == add_event(ours, "new-start",
                                     event("2026-03-01", "united-states", "said another"))
    assert outcome.report() == ["data/issues.yaml: merged by record"]


def test_actors_added_next_to_each_other() -> None:
    ours = rewrite.apply(SAMPLE, "t", edit.add_actor("nato-pa", "NATO Parliamentary Assembly", "west")).after
    theirs = rewrite.apply(SAMPLE, "t", edit.add_actor("nato-sg", "NATO Secretary General", "west")).after
    outcome = run_merge(SAMPLE, ours, theirs)
    assert outcome.conflicts == ()
    assert outcome.text.index("nato-pa:") < outcome.text.index("nato-sg:") < outcome.text.index(
        "russia:")
    assert set(data(outcome.text).actors) == set(data(SAMPLE).actors) | {"nato-pa", "nato-sg"}


def test_a_field_on_one_side_and_an_event_on_the_other() -> None:
    ours = "# ours's own comment\n" + SAMPLE
    theirs = rewrite.apply(SAMPLE, "t", edit.set_field("new-start", "summary", ["The last cap."])).after
    theirs = add_event(theirs, "nato-russia-cooperation",
                       event("2022-03-01", "russia", "left", "terminated"))
    outcome = run_merge(SAMPLE, ours, theirs)
    assert outcome.conflicts == ()
    assert outcome.text.startswith("# ours's own comment\n")  # the header, merged like a field
    merged = data(outcome.text)
    dossier = merged.get("nato-russia-cooperation")
    assert (dossier.status, dossier.broken_off_by) == ("terminated", "russia")  # derived again
    assert merged.get("new-start").summary == "The last cap."


def test_both_sides_change_the_header_comments() -> None:
    outcome = run_merge(SAMPLE, "# ours\n" + SAMPLE, "# theirs\n" + SAMPLE)
    assert [str(c) for c in outcome.conflicts] == [
        "data/issues.yaml: the comments at the top changed on both sides"]
    assert "<<<<<<< ours\n# ours\n=======\n# theirs\n>>>>>>> theirs\n" in outcome.text


@pytest.mark.parametrize("side", ["ours", "theirs"])
def test_a_comment_outside_the_header_is_kept_by_the_line_merge_and_named(side: str) -> None:
    commented = SAMPLE.replace("    title: New START\n", "    title: New START  # kept\n")
    line = commented.split("\n").index("    title: New START  # kept") + 1
    changed = rewrite.apply(SAMPLE, "t", edit.set_field("new-start", "summary", ["Cap."])).after
    ours, theirs = (commented, changed) if side == "ours" else (changed, commented)
    outcome = merge.merge_texts(SAMPLE, ours, theirs, "data/issues.yaml",
                                lambda: (commented, True))
    assert "    title: New START  # kept\n" in outcome.text
    assert [str(c) for c in outcome.conflicts] == [
        f"{side}: a comment outside the header at line {line} has no place in the canonical "
        "layout; merged line by line to keep it: check the result"]


def test_the_same_change_on_both_sides_is_taken_once() -> None:
    both = add_event(SAMPLE, "new-start", event("2026-03-01", "russia", "said"))
    outcome = run_merge(SAMPLE, both, both)
    assert (outcome.conflicts, outcome.text) == ((), both)


def test_claims_and_event_fields_merge_by_record() -> None:
    claim = Claim("united-states", "Called it invalid.", ("https://tass.com/c",))
    ours = rewrite.apply(SAMPLE, "t", edit.add_claim("new-start", "2023-02-21", claim)).after
    theirs = SAMPLE.replace("summary: Russia announced it was suspending the treaty.",
                            "summary: Russia said it was suspending the treaty.")
    outcome = run_merge(SAMPLE, ours, theirs)
    assert outcome.conflicts == ()
    suspended = data(outcome.text).get("new-start").events[1]
    assert suspended.claims == (claim,)
    assert suspended.summary == "Russia said it was suspending the treaty."


PUBLISHED = SAMPLE + """publishers:
  diplomacy.state.gov:
    name: US Department of State
    kind: primary
  honvedelem.hu:
    name: Hungarian Ministry of Defence
    kind: primary
  russianforces.org:
    name: Russian strategic nuclear forces
    kind: reference
  tass.com:
    name: TASS
    kind: news
"""


def test_a_moved_dossier_a_renamed_actor_and_publishers() -> None:
    """The writer's other paths: a domain change moves a dossier where `dossier set` would;
    a changed actor or publisher is changed in place; new publishers go in host order."""
    ours = rewrite.apply(PUBLISHED, "t", edit.set_field("new-start", "domain", ["security-dialogue"])).after
    ours = rewrite.apply(ours, "t", edit.add_publisher("www.nato.int", "NATO", "primary")).after
    theirs = PUBLISHED.replace("    name: NATO\n", "    name: North Atlantic Treaty Org\n")
    theirs = theirs.replace("    name: TASS\n    kind: news\n",
                            "    name: TASS\n    kind: news\n    state_media: russia\n")
    theirs = rewrite.apply(theirs, "t", edit.add_publisher("www.kremlin.ru", "Kremlin", "primary")).after
    outcome = run_merge(PUBLISHED, ours, theirs)
    assert outcome.conflicts == ()
    expected = ours.replace("    name: NATO\n", "    name: North Atlantic Treaty Org\n", 1)
    expected = expected.replace("    name: TASS\n    kind: news\n",
                                "    name: TASS\n    kind: news\n    state_media: russia\n")
    expected = rewrite.apply(expected, "t", edit.add_publisher("www.kremlin.ru", "Kremlin", "primary")).after
    assert outcome.text == expected
    reversed_roles = run_merge(PUBLISHED, theirs, ours)
    assert reversed_roles.conflicts == ()
    assert merge.same(data(reversed_roles.text), data(expected))
    assert [d.id for d in data(reversed_roles.text).dossiers] == [
        "nato-russia-cooperation", "new-start"]  # moved as the domain now orders it


# -- conflicts --------------------------------------------------------------------------------


def test_both_sides_change_one_field() -> None:
    ours = rewrite.apply(SAMPLE, "t", edit.set_field("new-start", "title", ["New START treaty"])).after
    theirs = rewrite.apply(SAMPLE, "t", edit.set_field("new-start", "title", ["NEW START"])).after
    theirs = add_event(theirs, "new-start", event("2026-03-01", "russia", "said"))
    outcome = run_merge(SAMPLE, ours, theirs)
    assert [str(c) for c in outcome.conflicts] == [
        "dossier new-start: title changed on both sides"]
    # The markers hold the one line; theirs's independent event is merged all the same.
    assert ("<<<<<<< ours\n    title: New START treaty\n=======\n    title: NEW START\n"
            ">>>>>>> theirs\n") in outcome.text
    assert outcome.text.count("<<<<<<<") == 1
    assert "action: said\n" in outcome.text
    assert outcome.report()[0] == "conflict: dossier new-start: title changed on both sides"


def test_one_side_deletes_a_dossier_the_other_edits() -> None:
    start = SAMPLE.index("  - id: nato-russia-cooperation")
    ours = SAMPLE[:start]  # the last dossier removed
    theirs = add_event(SAMPLE, "nato-russia-cooperation", event("2022-03-01", "russia", "left"))
    outcome = run_merge(SAMPLE, ours, theirs)
    assert [str(c) for c in outcome.conflicts] == [
        "dossier nato-russia-cooperation: removed by ours, changed by theirs"]
    # Nothing of theirs is lost: the whole dossier, with the new event, is between markers.
    region = outcome.text.split("=======\n", 1)[1].split(">>>>>>> theirs\n")[0]
    assert "  - id: nato-russia-cooperation\n" in region and "action: left\n" in region
    assert outcome.text.split("=======\n")[0].endswith("<<<<<<< ours\n")


def test_one_side_edits_an_event_the_other_removes() -> None:
    expiry = SAMPLE.index("      - date: 2026-02-05")
    ours = SAMPLE[:expiry] + SAMPLE[SAMPLE.index("  - id: nato-russia"):]
    ours = ours.replace("status: expired\n", "status: suspended\n", 1)
    theirs = SAMPLE.replace("The treaty expired without a successor.", "It lapsed.")
    outcome = run_merge(SAMPLE, ours, theirs)
    assert [str(c) for c in outcome.conflicts] == [
        "dossier new-start, event 2026-02-05 us-russia: expired: removed by ours, changed by "
        "theirs"]


def test_a_merge_that_would_not_validate_is_a_conflict() -> None:
    # Ours retires NATO with its dossier; theirs records a NATO event elsewhere. Each is
    # valid; together they cite an actor that no longer exists.
    start = SAMPLE.index("  - id: nato-russia-cooperation")
    ours = SAMPLE[:start].replace("  nato:\n    name: NATO\n    bloc: west\n", "")
    theirs = add_event(SAMPLE, "new-start", event("2026-03-01", "nato", "commented"))
    outcome = run_merge(SAMPLE, ours, theirs)
    assert len(outcome.conflicts) == 1
    assert "the merged file does not validate" in str(outcome.conflicts[0])
    assert "<<<<<<< ours\n" in outcome.text and ">>>>>>> theirs (merged)\n" in outcome.text


def test_a_side_with_invalid_data_falls_back_to_the_line_merge() -> None:
    theirs = SAMPLE.replace("bloc: west\n", "bloc: westish\n", 1)
    outcome = merge.merge_texts(SAMPLE, SAMPLE, theirs, "data/issues.yaml",
                                lambda: (theirs, True))
    assert outcome.text == theirs  # git's line merge, as it is
    assert outcome.note == "merged line by line (git merge-file)"
    assert [c.record for c in outcome.conflicts] == ["theirs"]
    assert "does not validate" in outcome.conflicts[0].reason


def test_markers_keep_crlf() -> None:
    assert merge.markers("a\r\nb\r\n", "a\r\nc\r\n") == (
        "a\r\n<<<<<<< ours\r\nb\r\n=======\r\nc\r\n>>>>>>> theirs\r\n")


# -- merging independent edits is applying them one after the other --------------------------

DOSSIERS = ("new-start", "nato-russia-cooperation")
DATES = ("2011-02-05", "2015-06-01", "2023-02-21", "2024-01-01", "2026-02-05")


def edits(side: str) -> st.SearchStrategy[list[tuple[str, ...]]]:
    """Edits that cannot collide with the other side's: their actor ids, event actions and
    fields are the side's own."""
    field = "title" if side == "ours" else "summary"
    return st.lists(st.one_of(
        st.tuples(st.just("event"), st.sampled_from(DOSSIERS), st.sampled_from(DATES),
                  st.sampled_from(("russia", "nato")), st.integers(0, 3),
                  st.sampled_from(("", "strained", "active"))),
        st.tuples(st.just("actor"), st.sampled_from(("a", "m", "z")), st.integers(0, 3)),
        st.tuples(st.just("set"), st.sampled_from(DOSSIERS), st.just(field),
                  st.sampled_from(("One", "Two words", "x" * 120))),
    ), max_size=4)


def apply(text: str, side: str, steps: list[tuple[str, ...]]) -> str:
    for step in steps:
        if step[0] == "event":
            _, dossier, date, actor, n, status = step
            new = event(date, actor, f"{side} step {n}", status or None)
            text = add_event(text, dossier, new) if new not in data(text).get(
                dossier).events and f"{side} step {n}" not in _actions(text, dossier, date,
                                                                         actor) else text
        elif step[0] == "actor":
            actor_id = f"{step[1]}-{side}-{step[2]}"
            if actor_id not in data(text).actors:
                text = rewrite.apply(text, "t", edit.add_actor(actor_id, f"Actor {actor_id}", "west")).after
        else:
            text = rewrite.apply(text, "t", edit.set_field(step[1], step[2], [f"{side}: {step[3]}"])).after
    return text


def _actions(text: str, dossier: str, date: str, actor: str) -> list[str]:
    return [e.action for e in data(text).get(dossier).events
            if (e.date, e.actor) == (date, actor)]


@settings(max_examples=20, deadline=None)
@given(edits("ours"), edits("theirs"))
def test_independent_edits_merge_as_if_applied_in_turn(ours_steps, theirs_steps) -> None:
    ours = apply(SAMPLE, "ours", ours_steps)
    theirs = apply(SAMPLE, "theirs", theirs_steps)
    outcome = run_merge(SAMPLE, ours, theirs)
    assert outcome.conflicts == ()
    assert outcome.text == apply(ours, "theirs", theirs_steps)


# -- as git's merge driver ----------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh repository holding the sample, with the driver installed."""
    for key, value in {
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
    }.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "clone"
    (root / "data").mkdir(parents=True)
    (root / "data" / "issues.yaml").write_text(SAMPLE, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "sample")
    return root


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=check)


def compartment(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "compartment", *args], cwd=root,
                          capture_output=True, text=True, env=env, check=False)


def branches(root: Path, ours: str, theirs: str) -> None:
    data = root / "data" / "issues.yaml"
    git(root, "checkout", "-qb", "theirs")
    data.write_text(theirs, encoding="utf-8")
    git(root, "commit", "-qam", "theirs")
    git(root, "checkout", "-q", "main")
    data.write_text(ours, encoding="utf-8")
    git(root, "commit", "-qam", "ours")


@needs_git
def test_install_is_idempotent_and_says_what_it_wrote(clone: Path) -> None:
    first = compartment(clone, "merge-driver", "--install")
    assert first.returncode == 0, first.stderr
    assert "git config merge.compartment.driver 'compartment merge-driver %O %A %B %P'" in (
        first.stderr)
    assert (clone / ".gitattributes").read_text() == "data/issues.yaml merge=compartment\n"
    again = compartment(clone, "merge-driver", "--install")
    assert "already" in again.stderr and "added" not in again.stderr
    assert (clone / ".gitattributes").read_text() == "data/issues.yaml merge=compartment\n"
    assert git(clone, "config", "merge.compartment.driver").stdout.strip() == (
        "compartment merge-driver %O %A %B %P")


@needs_git
def test_git_merge_with_the_driver(clone: Path) -> None:
    ours = add_event(SAMPLE, "new-start", event("2026-03-01", "russia", "said one thing"))
    theirs = add_event(SAMPLE, "new-start", event("2026-03-02", "united-states", "replied"))
    branches(clone, ours, theirs)
    # Without the driver, git's line merge conflicts: both events go at the same place.
    plain = git(clone, "merge", "-q", "--no-edit", "theirs", check=False)
    assert plain.returncode != 0
    git(clone, "merge", "--abort")

    assert compartment(clone, "merge-driver", "--install").returncode == 0
    # The console script may not be on git's PATH in a test: run this interpreter's.
    git(clone, "config", "merge.compartment.driver",
        f"'{sys.executable}' -m compartment merge-driver %O %A %B %P")
    git(clone, "add", ".gitattributes")
    git(clone, "commit", "-qm", "merge driver")
    merged = git(clone, "merge", "--no-edit", "theirs", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    text = (clone / "data" / "issues.yaml").read_text(encoding="utf-8")
    assert "<<<<<<<" not in text
    actions = [e.action for e in data(text).get("new-start").events]
    assert actions[-2:] == ["said one thing", "replied"]
    assert compartment(clone, "validate").returncode == 0


@needs_git
def test_git_merge_reports_a_true_conflict(clone: Path) -> None:
    ours = rewrite.apply(SAMPLE, "t", edit.set_field("new-start", "title", ["New START treaty"])).after
    theirs = rewrite.apply(SAMPLE, "t", edit.set_field("new-start", "title", ["NEW START"])).after
    assert compartment(clone, "merge-driver", "--install").returncode == 0
    git(clone, "config", "merge.compartment.driver",
        f"'{sys.executable}' -m compartment merge-driver %O %A %B %P")
    branches(clone, ours, theirs)
    merged = git(clone, "merge", "--no-edit", "theirs", check=False)
    assert merged.returncode == 1
    assert "conflict: dossier new-start: title changed on both sides" in merged.stderr
    assert "CONFLICT" in merged.stdout
    text = (clone / "data" / "issues.yaml").read_text(encoding="utf-8")
    assert "<<<<<<< ours\n    title: New START treaty\n=======\n" in text


@needs_git
def test_the_driver_on_files_with_an_invalid_side(tmp_path: Path, run) -> None:
    """git's line merge takes over, the result is written to OURS, and the exit code says
    conflict even where the lines merged."""
    paths = {side: tmp_path / f"{side}.yaml" for side in ("base", "ours", "theirs")}
    paths["base"].write_text(SAMPLE, encoding="utf-8")
    paths["ours"].write_text(SAMPLE.replace("title: New START", "title: New START (ours)"),
                             encoding="utf-8")
    paths["theirs"].write_text(SAMPLE.replace("bloc: west\n", "bloc: westish\n", 1),
                               encoding="utf-8")
    result = run("merge-driver", *map(str, paths.values()), "data/issues.yaml", ok=False)
    assert result.exit_code == 1
    assert "data/issues.yaml: merged line by line (git merge-file)" in result.stderr
    assert "conflict: theirs: does not validate (theirs:data/issues.yaml:" in result.stderr
    merged = paths["ours"].read_text(encoding="utf-8")
    assert "title: New START (ours)" in merged and "bloc: westish" in merged


def test_the_driver_needs_three_files(run) -> None:
    result = run("merge-driver", "base.yaml", ok=False)
    assert result.exit_code == 2
    assert "give BASE, OURS and THEIRS" in result.stderr


# -- the attacks of the reliability round: order and identity ----------------------------------


def with_events(text: str, dossier_id: str, events: list[Event]) -> str:
    """`text` with the dossier's events replaced by `events`, in that order, written by the
    canonical writer (so the order is exactly what a side's file holds)."""
    dataset = data(text)
    dossiers = tuple(with_state(d._replace(events=tuple(events))) if d.id == dossier_id
                     else d for d in dataset.dossiers)
    return rewrite.write_text(dataset._replace(dossiers=dossiers), text)


NRC = "nato-russia-cooperation"


def test_each_sides_order_of_same_date_events_is_kept() -> None:
    """Attack: theirs inserted a same-date event (United States, strained) before an existing
    one (Russia, suspended), ours added a later event; the merge placed theirs's event after
    the existing one, so the dossier read "strained, broken off by United States"."""
    existing = event("2022-03-01", "russia", "suspended talks", "suspended")
    base = add_event(SAMPLE, NRC, existing)
    old = list(data(base).get(NRC).events)
    inserted = event("2022-03-01", "united-states", "strained talks", "strained")
    theirs = with_events(base, NRC, [*old[:-1], inserted, old[-1]])
    ours = add_event(base, NRC, event("2023-01-01", "nato", "noted it"))
    outcome = run_merge(base, ours, theirs)
    assert outcome.conflicts == ()
    merged = data(outcome.text).get(NRC)
    assert [e.action for e in merged.events[-3:]] == ["strained talks", "suspended talks",
                                                      "noted it"]
    assert (merged.status, merged.broken_off_by) == ("suspended", "russia")


def test_a_reorder_on_one_side_is_taken_and_two_that_cannot_both_hold_conflict() -> None:
    a, b, c = (event("2022-03-01", actor, action, status) for actor, action, status in (
        ("russia", "first", "strained"), ("nato", "second", "suspended"),
        ("united-states", "third", None)))
    first = list(data(SAMPLE).get(NRC).events)
    base = with_events(SAMPLE, NRC, [*first, a, b, c])
    ours = with_events(SAMPLE, NRC, [*first, b, a, c])  # ours moves b first
    taken = run_merge(base, ours, base)
    assert taken.conflicts == ()
    assert [e.action for e in data(taken.text).get(NRC).events[-3:]] == ["second", "first",
                                                                         "third"]
    theirs = with_events(SAMPLE, NRC, [*first, a, c, b])  # theirs moves c before b
    outcome = run_merge(base, ours, theirs)  # b < a (ours), c < b (theirs), a < c (both)
    assert [c.reason for c in outcome.conflicts] == ["the two sides order them differently"]


def test_events_that_cannot_be_told_apart_are_a_conflict_not_a_guess() -> None:
    """Attack: with two events of one date, actor and action, events were paired by
    position, so theirs's correction landed on ours's new event, exit 0."""
    original = event("2022-03-01", "russia", "left", "suspended")
    base = add_event(SAMPLE, "nato-russia-cooperation", original)
    ours = add_event(base, "nato-russia-cooperation",
                     original._replace(summary="A second departure.", status=None))
    theirs = base.replace("        summary: left.\n", "        summary: Left, corrected.\n")
    outcome = run_merge(base, ours, theirs)
    assert [c.reason for c in outcome.conflicts] == [
        "two records of this kind on one side cannot be told apart"]
    assert "<<<<<<< ours" in outcome.text


def test_claims_keep_their_order_where_some_cannot_be_told_apart() -> None:
    """Bug: claims that share a party and a text were moved behind the others, in an order
    that followed the process's string hashing, although no side had moved them."""
    said = [Claim(by, says, (f"https://tass.com/{n}",)) for n, (by, says) in enumerate([
        ("russia", "Said A."), ("russia", "Said A."), ("united-states", "Said B."),
        ("united-states", "Said B."), ("nato", "Said C.")])]
    first = data(SAMPLE).get(NRC).events[0]
    base = with_events(SAMPLE, NRC, [first._replace(claims=tuple(said))])
    ours = with_events(SAMPLE, NRC, [first._replace(claims=tuple(said), summary="Changed.")])
    added = Claim("united-states", "Said D.", ("https://tass.com/d",))
    theirs = with_events(SAMPLE, NRC, [first._replace(claims=(*said, added))])
    outcome = run_merge(base, ours, theirs)
    assert outcome.conflicts == ()
    merged = data(outcome.text).get(NRC).events[0]
    assert (merged.summary, merged.claims) == ("Changed.", (*said, added))


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(DOSSIERS), st.sampled_from(("title", "summary")),
       st.text(alphabet="abc ", min_size=1, max_size=8).map(str.strip).filter(bool))
def test_both_sides_changing_one_record_differently_is_a_conflict(dossier, field, value) -> None:
    ours = rewrite.apply(SAMPLE, "t", edit.set_field(dossier, field, [f"ours {value}"])).after
    theirs = rewrite.apply(SAMPLE, "t", edit.set_field(dossier, field, [f"theirs {value}"])).after
    outcome = run_merge(SAMPLE, ours, theirs)
    assert [c.reason for c in outcome.conflicts] == [f"{field} changed on both sides"]
