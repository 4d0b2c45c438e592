"""Edits touch only what they change: every other byte of the file stays as it was."""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from compartment.data import loader
from compartment.data.dataset import Dossier, Event, derive_state
from compartment.data.vocab import BLOCS, DOMAINS, STATUSES
from compartment.edit import changes as edit
from compartment.edit import rewrite
from compartment.errors import CompartmentError, UsageError
from compartment.store import datafile

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "issues.yaml"


def split(text: str) -> list[str]:
    """Lines with their line ends, split at LF only (as the file is)."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def diff_ops(before: str, after: str) -> list[tuple[str, list[str], list[str]]]:
    a, b = split(before), split(after)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(tag, a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"]


def added_only(before: str, after: str) -> list[str]:
    """The lines `after` adds; fails if any line of `before` is changed or removed."""
    added = []
    for tag, old, new in diff_ops(before, after):
        assert tag == "insert", f"{tag}: {old!r} -> {new!r}"
        added += new
    return added


def event(date: str = "2026-03-01", **fields: object) -> Event:
    values: dict = {"actor": "russia", "action": "said so", "summary": "It was said.",
                    "sources": ("https://www.state.gov/a",)}
    values.update(fields)
    return Event(date=date, **values)


def events_of(text: str, dossier_id: str) -> tuple[Event, ...]:
    result = loader.load_text(text, "x.yaml")
    assert not result.errors, [str(p) for p in result.errors]
    dossier = result.dataset.get(dossier_id)
    return dossier.events


# -- round trip on the shipped data ---------------------------------------------------------


def canonical_of(text: str) -> str:
    return rewrite.apply(text, "c", None).after


@pytest.mark.parametrize(
    ("dossier_id", "date"),
    [
        ("abm-treaty", "1960"),  # before every event of the first dossier
        ("new-start", "2022-08"),  # a partial date sorts before the full dates of its month
        ("new-start", "2026-02-05"),  # after the events of the same date
        ("cern-russia", "2026-11-01"),  # the end of a dossier
    ],
)
def test_event_add_on_the_shipped_data_only_adds_lines(dossier_id, date) -> None:
    text = DATA.read_text(encoding="utf-8")
    old = events_of(text, dossier_id)
    index = bisect.bisect_right([e.date for e in old], date)
    new = event(date, summary="A summary long enough to be folded over two lines, as the "
                "shipped file folds every text that does not fit in one line of a hundred.")
    change = rewrite.apply(text, "data/issues.yaml", edit.add_event(dossier_id, new))
    assert change.errors == []
    added = added_only(text, change.after)
    assert added[0].lstrip().startswith("- date: ")
    assert added[-1].strip() == "- https://www.state.gov/a"
    assert events_of(change.after, dossier_id)[index] == new
    assert canonical_of(change.after) == change.after  # still canonical


def test_event_add_exact_lines(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    change = rewrite.apply(text, "s.yaml", edit.add_event("nato-russia-cooperation", event("2022-03")))
    assert added_only(text, change.after) == [
        "      - date: 2022-03\n",
        "        actor: russia\n",
        "        action: said so\n",
        "        summary: It was said.\n",
        "        sources:\n",
        "          - https://www.state.gov/a\n",
    ]
    assert change.message == "added the event of 2022-03 to nato-russia-cooperation"


def test_status_changes_only_the_status_lines(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    change = rewrite.apply(text, "s.yaml", edit.add_event("nato-russia-cooperation", event("2024", actor="nato", status="active")))
    replaced = [(old, new) for tag, old, new in diff_ops(text, change.after) if tag != "insert"]
    assert replaced == [
        (["    status: suspended\n", "    broken_off_by: nato\n"],
         ["    status: active\n", "    broken_off_by: null\n"])
    ]
    data = loader.load_text(change.after, "s.yaml").dataset
    dossier = data.get("nato-russia-cooperation")
    assert (dossier.status, dossier.broken_off_by, dossier.since) == ("active", None, "2024")


def test_earlier_status_event_keeps_the_later_status(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    change = rewrite.apply(text, "s.yaml", edit.add_event("new-start", event("2015", status="strained")))
    added_only(text, change.after)  # the dossier's status is still that of 2026: no change
    assert loader.load_text(change.after, "s").dataset.get("new-start").status == "expired"


def test_the_header_crlf_and_a_byte_order_mark_survive(sample: Path) -> None:
    text = "# a header comment\n\n# and another\n" + sample.read_text(encoding="utf-8")
    for newline in ("\n", "\r\n"):
        original = text.replace("\n", newline)
        change = rewrite.apply(original, "c.yaml", edit.add_event("new-start", event("2015")))
        added = added_only(original, change.after)
        assert len(added) == 6 and all(line.endswith(newline) for line in added)
        assert change.after.count("\r\n") == (change.after.count("\n") if newline == "\r\n" else 0)
        assert not change.relaid


def test_a_comment_outside_the_header_is_refused_not_dropped(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8").replace(
        "    title: New START\n", "    title: New START  # the treaty's short name\n")
    line = text.split("\n").index("    title: New START  # the treaty's short name") + 1
    with pytest.raises(rewrite.EditRefused) as refused:
        rewrite.apply(text, "c.yaml", edit.add_event("new-start", event("2015")))
    assert refused.value.message == (
        f"c.yaml:{line}: a comment outside the header at the top of the file (line {line}); "
        "the canonical layout keeps comments only there: move it into the header or delete "
        "it, then run this again")


def test_a_file_in_another_layout_is_laid_out_and_says_so(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8").replace("parties: [united-states, russia]",
                                                      "parties:\n      - united-states\n      - russia")
    change = rewrite.apply(text, "c.yaml", edit.add_event("new-start", event("2015")))
    assert change.relaid
    assert change.after == rewrite.apply(sample.read_text(encoding="utf-8"), "c.yaml",
                                         edit.add_event("new-start", event("2015"))).after


def test_broken_off_by_written_differently_is_replaced_in_place() -> None:
    text = DATA.read_text(encoding="utf-8").replace(
        "    status: active\n    broken_off_by: null\n    summary: >-\n      The station",
        "    status: active\n    broken_off_by: ~\n    summary: >-\n      The station",
    )
    assert "broken_off_by: ~" in text
    change = rewrite.apply(text, "d.yaml", edit.add_event("iss", event("2026-06", status="suspended")))
    assert change.errors == []
    replaced = [(old, new) for tag, old, new in diff_ops(text, change.after) if tag != "insert"]
    assert replaced == [
        (["    status: active\n", "    broken_off_by: ~\n"],
         ["    status: suspended\n", "    broken_off_by: russia\n"])
    ]


def test_no_final_newline_is_repaired_only_where_needed(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8").rstrip("\n")
    change = rewrite.apply(text, "s.yaml", edit.add_event("nato-russia-cooperation", event("2020")))
    assert change.after.startswith(text + "\n")
    assert change.after.endswith("- https://www.state.gov/a\n")


# -- the other edits ------------------------------------------------------------------------


def test_set_field_replaces_one_line(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    change = rewrite.apply(text, "s", edit.set_field("new-start", "title", ["New START Treaty"]))
    assert diff_ops(text, change.after) == [
        ("replace", ["    title: New START\n"], ["    title: New START Treaty\n"])
    ]
    change = rewrite.apply(text, "s", edit.set_field("new-start", "forum", ["Bilateral Consultative Commission"]))
    assert diff_ops(text, change.after) == [
        ("insert", [], ["    forum: Bilateral Consultative Commission\n"])
    ]
    assert split(change.after)[19] == "    forum: Bilateral Consultative Commission\n"
    change = rewrite.apply(text, "s", edit.set_field("nato-russia-cooperation", "aliases", [], unset=True))
    assert diff_ops(text, change.after) == [("delete", ["    aliases: [NRC]\n"], [])]
    change = rewrite.apply(text, "s", edit.set_field("nato-russia-cooperation", "aliases", ["NRC", "PJC"]))
    assert diff_ops(text, change.after) == [
        ("replace", ["    aliases: [NRC]\n"], ["    aliases: [NRC, PJC]\n"])
    ]


def test_set_domain_moves_the_dossier_to_its_canonical_place(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    change = rewrite.apply(text, "s", edit.set_field("nato-russia-cooperation", "domain", ["arms-control"]))
    data = loader.load_text(change.after, "s").dataset
    assert [d.id for d in data.dossiers] == ["nato-russia-cooperation", "new-start"]
    assert canonical_of(change.after) == change.after


@pytest.mark.parametrize(
    ("field_name", "values", "unset", "message"),
    [
        ("status", ["active"], False, "status follows the dossier's events"),
        ("events", ["x"], False, "cannot set 'events'"),
        ("title", [], True, "title is required; it cannot be removed"),
        ("title", ["a", "b"], False, "title takes one value; quote it if it has spaces"),
        ("forum", ["x"], True, "give VALUEs or --unset, not both"),
        ("forum", [], False, r"give a value for forum \(or --unset to remove it\)"),
        ("title", [], False, "give a value for title$"),
    ],
)
def test_set_field_refusals(sample: Path, field_name, values, unset, message) -> None:
    # The arguments are checked in one place, as usage errors, whoever calls.
    with pytest.raises(UsageError, match=message) as refused:
        rewrite.apply(sample.read_text(encoding="utf-8"), "s", edit.set_field("new-start", field_name, values, unset=unset))
    assert refused.value.exit_code == 2


def test_add_dossier_goes_where_fmt_would_put_it() -> None:
    text = DATA.read_text(encoding="utf-8")
    first = event("1988", actor="us-ussr", action="signed", status="active")
    record = Dossier(
        id="fisheries", title="US-Soviet fisheries agreement", domain="economy",
        parties=("united-states", "russia"), status="active", broken_off_by=None,
        summary="Fishing in each other's zones.", events=(first,), tags=("bilateral",),
    )
    change = rewrite.apply(text, "d", edit.add_dossier(record))
    assert change.errors == []
    added = added_only(text, change.after)
    assert added[:3] == ["  - id: fisheries\n", "    title: US-Soviet fisheries agreement\n",
                         "    domain: economy\n"]
    assert canonical_of(change.after) == change.after
    with pytest.raises(edit.EditError, match="already exists"):
        rewrite.apply(change.after, "d", edit.add_dossier(record))


def test_add_actor_alphabetically(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    change = rewrite.apply(text, "s", edit.add_actor("osce", "OSCE", "international"))
    assert added_only(text, change.after) == [
        "  osce:\n", "    name: OSCE\n", "    bloc: international\n"
    ]
    assert split(change.after)[5] == "  osce:\n"  # between nato and russia
    assert [p.code for p in change.new_warnings] == ["unused-actor"]
    assert change.errors == []
    with pytest.raises(edit.EditError, match="already exists"):
        rewrite.apply(text, "s", edit.add_actor("nato", "NATO", "west"))


def test_unknown_dossier_suggests(sample: Path) -> None:
    with pytest.raises(CompartmentError, match="no dossier with id 'new-strat'; did you mean") as info:
        rewrite.apply(sample.read_text(encoding="utf-8"), "s", edit.add_event("new-strat", event()))
    assert info.value.exit_code == 1


def test_an_invalid_file_is_not_edited(write_dataset) -> None:
    path = write_dataset("actors: {}\ndossiers: [1]\n")
    with pytest.raises(rewrite.EditRefused, match="fix them before editing") as info:
        rewrite.apply(path.read_text(encoding="utf-8"), "x", edit.add_event("a", event()))
    assert info.value.problems


def test_an_edit_that_brings_an_error_says_where(sample: Path) -> None:
    change = rewrite.apply(sample.read_text(encoding="utf-8"), "s", edit.add_event("new-start", event(actor="nobody")))
    assert [str(p) for p in change.errors] == [
        "s:48:16: dossiers[new-start].events[3].actor: unknown actor 'nobody': add it under "
        "`actors:` or fix the id"
    ]


# -- the property: any valid event added to any valid dataset ---------------------------------

ACTORS = {"nato": "west", "russia": "russia", "turkey": "third-party", "us-russia": "international"}
TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", categories=("L", "N", "P", "S", "Zs"),
        exclude_characters="\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068"
                           "\u2069\u2028\u2029\ufeff\ufffe\uffff\x85\xa0",
    ),
    min_size=1,
    max_size=30,
).filter(lambda t: not t.isspace())  # the contract refuses blank text (models._not_blank)
LINE = st.one_of(TEXT, st.sampled_from(["no", "null", "~", "true", "0012", "12:30", "- x", "a: b",
                                        "#x", "[x]", "'q'", '"q"', "x #y", "%x", "@x", "!x"]))
SUMMARY = st.one_of(
    LINE,
    st.lists(st.sampled_from(["word", "longer-word", "a", "text,", "x:", "'q'"]), min_size=20,
             max_size=40).map(" ".join),
    st.lists(LINE.filter(lambda s: s == s.strip()), min_size=2, max_size=3).map("\n".join),
)


@st.composite
def dates(draw) -> str:
    day = draw(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2025, 12, 31)))
    precision = draw(st.sampled_from([4, 7, 10]))
    return day.isoformat()[:precision]


@st.composite
def new_events(draw, status: bool = False) -> Event:
    return Event(
        date=draw(dates()), actor=draw(st.sampled_from(sorted(ACTORS))), action=draw(LINE),
        summary=draw(SUMMARY), sources=tuple(draw(st.lists(LINE, min_size=1, max_size=2))),
        status=draw(st.sampled_from(list(STATUSES))) if status else None,
        unverified=draw(st.booleans()),
    )


@st.composite
def datasets(draw) -> str:
    ids = draw(st.lists(st.sampled_from(["alpha", "beta", "gamma"]), min_size=1, max_size=3,
                        unique=True))
    dossiers = []
    for dossier_id in ids:
        events = sorted(draw(st.lists(new_events(status=True), min_size=1, max_size=3)),
                        key=lambda e: e.date)
        events = [Event(**{**_fields(e), "status": e.status if i == 0 or draw(st.booleans())
                           else None}) for i, e in enumerate(events)]
        state = derive_state(tuple(events))
        dossiers.append({
            "id": dossier_id, "title": draw(LINE),
            "domain": draw(st.sampled_from(list(DOMAINS))),
            "parties": [draw(st.sampled_from(sorted(ACTORS)))],
            "status": state.status, "broken_off_by": state.broken_off_by,
            "summary": draw(SUMMARY),
            "events": [_event_dict(e) for e in events],
        })
    document = {
        "actors": {a: {"name": a.title(), "bloc": bloc} for a, bloc in sorted(ACTORS.items())},
        "dossiers": dossiers,
    }
    text = canonical_of(yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1000))
    if draw(st.booleans()):  # a header, kept as it is
        text = "# a ledger\n" + text
    return text


def _fields(e: Event) -> dict:
    return e._asdict()


def _event_dict(e: Event) -> dict:
    record = {"date": e.date, "actor": e.actor, "action": e.action}
    if e.status:
        record["status"] = e.status
    if e.unverified:
        record["unverified"] = True
    record.update(summary=e.summary, sources=list(e.sources))
    return record


PROPERTY = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@PROPERTY
@given(text=datasets(), new=new_events(), data=st.data())
def test_any_event_added_to_any_dataset_only_adds_lines(text, new, data) -> None:
    before = loader.load_text(text, "p.yaml")
    assume(before.dataset is not None and not before.errors)
    dossier = data.draw(st.sampled_from(before.dataset.dossiers))
    change = rewrite.apply(text, "p.yaml", edit.add_event(dossier.id, new))
    assert change.errors == []
    added_only(text, change.after)
    full = loader.load_text(change.after, "p.yaml")
    assert change.loaded.problems == full.problems  # located without composing the file
    after = full.dataset
    assert new in after.get(dossier.id).events
    assert len(after.get(dossier.id).events) == len(dossier.events) + 1


@PROPERTY
@given(text=datasets(), new=new_events(status=True), data=st.data())
def test_any_status_event_changes_at_most_the_status_lines(text, new, data) -> None:
    before = loader.load_text(text, "p.yaml")
    assume(before.dataset is not None and not before.errors)
    dossier = data.draw(st.sampled_from(before.dataset.dossiers))
    change = rewrite.apply(text, "p.yaml", edit.add_event(dossier.id, new))
    assert change.errors == []
    for tag, old, new_lines in diff_ops(text, change.after):
        if tag != "insert":
            assert all(line.lstrip().startswith(("status:", "broken_off_by:"))
                       for line in old + new_lines), (old, new_lines)
    state = derive_state(loader.load_text(change.after, "p").dataset.get(dossier.id).events)
    result = loader.load_text(change.after, "p").dataset.get(dossier.id)
    assert (result.status, result.broken_off_by) == (state.status, state.broken_off_by)


@PROPERTY
@given(text=datasets())
def test_the_canonical_text_reads_back_as_the_records_it_was_written_from(text) -> None:
    loaded = loader.load_text(text, "p.yaml")
    assume(loaded.dataset is not None and not loaded.errors)
    written = rewrite.write_text(loaded.dataset, text)
    assert written == text  # the strategy's texts are canonical already
    again = loader.load_text(written, "p.yaml").dataset
    assert again == loaded.dataset
    assert [d.id for d in again.dossiers] == [d.id for d in loaded.dataset.dossiers]


def test_an_edit_of_a_file_with_warnings_locates_them_as_a_full_load_does(sample: Path) -> None:
    # Warnings on several records and sections: an unused actor, a break with no `over`.
    text = sample.read_text(encoding="utf-8")
    text = rewrite.apply(text, "s", edit.add_actor("zz-actor", "Z", "west")).after
    new = Event("2022-03-01", "russia", "left", "Left.", ("https://tass.com/x",),
                status="terminated")
    text = rewrite.apply(text, "s", edit.add_event("new-start", new)).after
    before = loader.load_text(text, "s")
    assert {p.code for p in before.warnings} >= {"unused-actor", "no-over"}
    change = rewrite.apply(text, "s", edit.add_actor("aa-actor", "A", "russia"), before)
    full = loader.load_text(change.after, "s")
    assert change.loaded.problems == full.problems
    assert len(full.warnings) == len(before.warnings) + 1


@pytest.mark.parametrize("bloc", sorted(BLOCS))
def test_actor_blocs(sample: Path, bloc: str) -> None:
    change = rewrite.apply(sample.read_text(encoding="utf-8"), "s", edit.add_actor("zz-actor", "Z", bloc))
    assert loader.load_text(change.after, "s").dataset.actors["zz-actor"].bloc == bloc


# -- the commands ------------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path, sample: Path) -> Path:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "issues.yaml"
    path.write_bytes(sample.read_bytes())
    return path


EVENT_ARGS = ["--date", "2026-03-01", "--actor", "russia", "--action", "declared it dead",
              "--summary", "Moscow said so.", "--source", "https://www.state.gov/a"]


def test_cli_event_add_dry_run_prints_the_diff(run, copy: Path) -> None:
    before = copy.read_bytes()
    result = run("--data", str(copy), "event", "add", "new-start", *EVENT_ARGS,
                 "--status", "terminated", "--dry-run")
    assert result.stdout == (
        f"--- {copy}\n+++ {copy}\n"
        "@@ -17,7 +17,7 @@\n"
        "     title: New START\n"
        "     domain: arms-control\n"
        "     parties: [united-states, russia]\n"
        "-    status: expired\n"
        "+    status: terminated\n"
        "     broken_off_by: russia\n"
        "     approach: [expose]\n"
        "     summary: The last treaty capping US and Russian strategic nuclear forces.\n"
        "@@ -44,6 +44,13 @@\n"
        "         summary: The treaty expired without a successor.\n"
        "         sources:\n"
        "           - https://tass.com/politics/2082091\n"
        "+      - date: 2026-03-01\n"
        "+        actor: russia\n"
        "+        action: declared it dead\n"
        "+        status: terminated\n"
        "+        summary: Moscow said so.\n"
        "+        sources:\n"
        "+          - https://www.state.gov/a\n"
        "   - id: nato-russia-cooperation\n"
        "     title: NATO-Russia practical cooperation\n"
        "     aliases: [NRC]\n"
    )
    assert result.stderr == ""
    assert copy.read_bytes() == before


def test_cli_event_add_writes_and_says_where(run, copy: Path) -> None:
    result = run("--data", str(copy), "event", "add", "new-start", *EVENT_ARGS)
    assert result.stdout == ""
    assert result.stderr == f"{copy}:47: added the event of 2026-03-01 to new-start\n"
    assert run("--data", str(copy), "validate", "--strict").exit_code == 0
    assert not storage_leftovers(copy)


def storage_leftovers(path: Path) -> list[str]:
    return [p.name for p in path.parent.iterdir() if p.name != path.name]


def test_cli_keeps_bom_and_crlf(run, copy: Path) -> None:
    original = b"\xef\xbb\xbf" + copy.read_bytes().replace(b"\n", b"\r\n")
    copy.write_bytes(original)
    run("--data", str(copy), "event", "add", "nato-russia-cooperation", *EVENT_ARGS)
    after = copy.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf# A small dataset")
    assert after.count(b"\n") == after.count(b"\r\n") == original.count(b"\r\n") + 6
    assert after.startswith(original)  # the event went at the very end


def test_cli_unknown_dossier_writes_nothing(run, copy: Path) -> None:
    before = copy.read_bytes()
    result = run("--data", str(copy), "event", "add", "new-strat", *EVENT_ARGS, ok=False)
    assert result.exit_code == 1
    assert result.stderr == "Error: no dossier with id 'new-strat'; did you mean new-start?\n"
    assert copy.read_bytes() == before


def test_cli_an_edit_bringing_an_error_is_refused(run, copy: Path) -> None:
    before = copy.read_bytes()
    args = [a if a != "russia" else "rusia" for a in EVENT_ARGS]
    result = run("--data", str(copy), "event", "add", "new-start", *args, ok=False)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{copy}:48:16: dossiers[new-start].events[3].actor: unknown actor 'rusia': add it "
        "under `actors:` or fix the id\n"
        f"Error: the edit would bring 1 error(s) into {copy}; nothing was written\n"
    )
    assert copy.read_bytes() == before
    assert not storage_leftovers(copy)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["event", "add", "new-start", "--date", "2026-03-01", "--actor", "russia", "--action",
          "x", "--summary", "y"], "give at least one --source"),
        (["event", "add", "new-start", "--date", "1 March", "--actor", "russia", "--action",
          "x", "--summary", "y", "--source", "z"], "must be a date written YYYY-MM-DD"),
        (["dossier", "set", "new-start", "status", "active"], "status follows the dossier"),
        (["dossier", "set", "new-start", "title"], "give a value for title"),
        (["dossier", "set", "new-start", "title", "a", "b"], "title takes one value"),
        (["dossier", "set", "new-start", "title", "--unset"], "title is required"),
        (["dossier", "set", "new-start", "colour", "red"], "cannot set 'colour'"),
        (["actor", "add", "x", "--name", "X", "--bloc", "east"], "'east' is not one of"),
    ],
)
def test_cli_usage_errors(run, copy: Path, args: list[str], message: str) -> None:
    before = copy.read_bytes()
    result = run("--data", str(copy), *args, ok=False)
    assert result.exit_code == 2
    assert message in result.stderr
    assert copy.read_bytes() == before


def test_cli_dossier_set_and_actor_add(run, copy: Path) -> None:
    run("--data", str(copy), "dossier", "set", "nato-russia-cooperation", "third_parties",
        "united-states")
    run("--data", str(copy), "dossier", "set", "new-start", "tags", "nuclear", "treaty")
    result = run("--data", str(copy), "actor", "add", "osce", "--name", "OSCE", "--bloc",
                 "international")
    assert result.stderr == (
        f"{copy}:6:3: actors.osce: warning: actor 'osce' is not used by any dossier\n"
        f"{copy}:6: added the actor osce\n"
    )
    data = datafile.load(copy).dataset
    assert data.get("nato-russia-cooperation").third_parties == ("united-states",)
    assert data.get("new-start").tags == ("nuclear", "treaty")
    assert run("fmt", "--check", str(copy)).exit_code == 0


def test_a_new_ledger_is_started_with_actor_and_publisher_add(run, tmp_path: Path) -> None:
    """Bug: on a ledger with no dossier yet, locating the new warnings crashed (exit 70)."""
    path = tmp_path / "new.yaml"
    path.write_text("actors: {}\ndossiers: []\n", encoding="utf-8")
    result = run("--data", str(path), "actor", "add", "newland", "--name", "New Land",
                 "--bloc", "west")
    assert result.stderr == (
        f"{path}:2:3: actors.newland: warning: actor 'newland' is not used by any dossier\n"
        f"{path}:1: added the actor newland\n"  # the first line changed: `actors: {}`
    )
    run("--data", str(path), "publisher", "add", "www.example.org", "--name", "Example",
        "--kind", "news")
    data = datafile.load(path).dataset
    assert list(data.actors) == ["newland"] and list(data.publishers) == ["www.example.org"]


def test_cli_dossier_add(run, copy: Path) -> None:
    run("--data", str(copy), "dossier", "add", "iss", "--title", "International Space Station",
        "--domain", "space", "--party", "united-states", "--party", "russia",
        "--summary", "Crews kept flying together.", "--date", "1998-01-29", "--actor",
        "us-russia", "--action", "signed the agreement", "--event-summary",
        "The partners signed the intergovernmental agreement.", "--source",
        "https://www.state.gov/iga", "--status", "active", "--approach", "go-around")
    data = datafile.load(copy).dataset
    assert [d.id for d in data.dossiers] == ["new-start", "iss", "nato-russia-cooperation"]
    assert data.get("iss").approach == ("go-around",)
    assert run("--data", str(copy), "validate", "--strict").exit_code == 0
    assert run("fmt", "--check", str(copy)).exit_code == 0


def test_cli_refuses_to_edit_the_bundled_copy(run, tmp_path: Path, monkeypatch) -> None:
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = run("actor", "add", "osce", "--name", "OSCE", "--bloc", "international", ok=False)
    assert result.exit_code == 2
    assert "is the copy bundled with compartment" in result.stderr


def test_git_sees_only_added_lines(run, copy: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    repo = copy.parent.parent

    def call(*args: str) -> str:
        env = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo),
               "PATH": os.environ.get("PATH", "")}
        return subprocess.run([git, "-C", str(repo), *args], check=True, capture_output=True,
                              text=True, env=env).stdout

    call("init", "-q")
    call("add", "data/issues.yaml")
    call("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "data")
    run("--data", str(copy), "event", "add", "new-start", *EVENT_ARGS)
    assert call("diff", "--numstat") == "6\t0\tdata/issues.yaml\n"
    run("--data", str(copy), "event", "add", "nato-russia-cooperation", *EVENT_ARGS,
        "--status", "terminated")
    assert call("diff", "--numstat") == "15\t2\tdata/issues.yaml\n"


def test_a_dry_run_writes_neither_the_file_nor_the_cache(run, copy: Path) -> None:
    """--dry-run validates a text that is not written: no cache entry may hold it."""
    from compartment.store import cache

    run("--data", str(copy), "validate")
    entry = cache.entry_path(copy)
    before, kept = copy.read_bytes(), entry.read_bytes()
    run("--data", str(copy), "event", "add", "new-start", *EVENT_ARGS, "--dry-run")
    assert copy.read_bytes() == before and entry.read_bytes() == kept
