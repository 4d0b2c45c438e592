"""Property tests: exports round-trip any valid dataset; the loader survives any input."""

from __future__ import annotations

import csv
import io
import json
import string
from datetime import date

import yaml
from hypothesis import given
from hypothesis import strategies as st

from compartment.data.dataset import Dataset, LoadResult
from compartment.data.loader import load_text
from compartment.data.vocab import APPROACHES, BLOCS, DOMAINS, DOSSIER_FIELDS, STATUSES
from compartment.errors import Problem
from compartment.views import export

ids = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
# Text as users write it: any printable character, including markup, quotes, commas,
# formula starters and non-Latin scripts; never the separator the CSV joins lists with.
text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp", "Co", "Cn"), blacklist_characters=";"
    ),
    min_size=1,
    max_size=30,
).map(lambda s: s.strip() or "x")
dates = st.dates(min_value=date(1901, 1, 1), max_value=date(2025, 12, 31)).map(date.isoformat)


@st.composite
def datasets(draw) -> dict:
    actor_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    actors = {a: {"name": draw(text), "bloc": draw(st.sampled_from(list(BLOCS)))} for a in actor_ids}
    dossiers = []
    for dossier_id in draw(st.lists(ids, min_size=1, max_size=4, unique=True)):
        event_dates = sorted(draw(st.lists(dates, min_size=1, max_size=4)))
        events = [
            {
                "date": d,
                "actor": draw(st.sampled_from(actor_ids)),
                "action": draw(text),
                "status": draw(st.sampled_from(list(STATUSES))),
                "unverified": draw(st.booleans()),
                "summary": draw(text),
                "sources": draw(st.lists(text, min_size=1, max_size=2)),
            }
            for d in event_dates
        ]
        last = events[-1]
        breaker = None
        for e in events:
            if e["status"] in ("strained", "suspended", "terminated"):
                breaker = e["actor"]
            elif e["status"] == "active":
                breaker = None
        dossiers.append(
            {
                "id": dossier_id,
                "title": draw(text),
                "aliases": draw(st.lists(text, max_size=2)),
                "domain": draw(st.sampled_from(list(DOMAINS))),
                "parties": draw(st.lists(st.sampled_from(actor_ids), min_size=1, max_size=2)),
                "forum": draw(st.none() | text),
                "status": last["status"],
                "broken_off_by": breaker,
                "approach": draw(st.lists(st.sampled_from(list(APPROACHES)), max_size=2, unique=True)),
                "third_parties": [],
                "summary": draw(text),
                "tags": draw(st.lists(ids, max_size=2, unique=True)),  # checks.unique_tags
                "events": events,
            }
        )
    return {"actors": actors, "dossiers": dossiers}


def loaded(raw: dict) -> Dataset:
    result = load_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "gen.yaml")
    assert result.errors == [], [str(p) for p in result.errors]
    assert result.dataset is not None
    return result.dataset


@given(datasets())
def test_json_export_round_trips(raw: dict) -> None:
    data = loaded(raw)
    out = io.StringIO()
    export.write_json(data.to_dict(), out)
    back = json.loads(out.getvalue())
    for record in back["dossiers"]:  # drop what the events derive: the loader derives it again
        for key in set(record) - set(DOSSIER_FIELDS):
            del record[key]
    assert loaded(back) == data


@given(datasets())
def test_csv_exports_round_trip(raw: dict) -> None:
    data = loaded(raw)
    out = io.StringIO()
    export.write_csv((export.dossier_row(d) for d in data.dossiers), export.DOSSIER_COLUMNS, out, raw=True)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["id"] for r in rows] == [d.id for d in data.dossiers]
    for row, d in zip(rows, data.dossiers, strict=False):
        assert row["title"] == d.title and row["summary"] == d.summary
        assert row["parties"].split("; ") == list(d.parties)
        assert (row["aliases"].split("; ") if row["aliases"] else []) == list(d.aliases)
        assert row["forum"] == (d.forum or "")
        assert row["since"] == d.since

    events = io.StringIO()
    export.write_csv(export.event_rows(data.dossiers), export.EVENT_COLUMNS, events, raw=True)
    event_rows = list(csv.DictReader(io.StringIO(events.getvalue())))
    flat = [(d.id, e) for d in data.dossiers for e in d.events]
    assert len(event_rows) == len(flat)
    for row, (dossier_id, e) in zip(event_rows, flat, strict=False):
        assert row["dossier"] == dossier_id
        assert (row["date"], row["actor"], row["action"], row["summary"]) == (
            e.date, e.actor, e.action, e.summary,
        )
        assert row["sources"].split("; ") == list(e.sources)
        assert row["unverified"] == ("true" if e.unverified else "false")


# The fuzz test: valid datasets, mutated; the loader returns problems, never raises.
junk = st.sampled_from(
    ["", "\x1b[31m", "\u202e", "&a", "*a", "!!binary", "\t", ": ", "- ", "[", "{", "'", '"', "#",
     "---\n", "\x00", "\ud800", "no", "~", "0x1F", "2023-02-30", "\\"]
)
values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text, st.lists(text, max_size=2),
    st.dictionaries(text, text, max_size=2),
)


@st.composite
def mutated(draw) -> str:
    raw = draw(datasets())
    for _ in range(draw(st.integers(0, 3))):
        dossier = draw(st.sampled_from(raw["dossiers"]))
        events = dossier.get("events")
        targets = [dossier] + (
            [e for e in events if isinstance(e, dict) and e] if isinstance(events, list) else []
        )
        target = draw(st.sampled_from(targets))
        if not target:
            continue
        key = draw(st.sampled_from(sorted(target)))
        action = draw(st.sampled_from(["drop", "swap", "typo"]))
        if action == "drop":
            del target[key]
        elif action == "swap":
            target[key] = draw(values)
        else:
            target[key + draw(st.sampled_from(string.ascii_lowercase))] = target.pop(key)
    dumped = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(dumped)))
        dumped = dumped[:at] + draw(junk) + dumped[at:]
    return dumped


@given(mutated())
def test_loader_never_raises(text_in: str) -> None:
    result = load_text(text_in, "fuzz.yaml")
    assert isinstance(result, LoadResult)
    for problem in result.problems:
        assert isinstance(problem, Problem)
        rendered = str(problem)
        assert rendered.startswith("fuzz.yaml")
        assert "\x1b" not in rendered and "\u202e" not in rendered
        rendered.encode("utf-8")  # no lone surrogate survives into a message
    if not result.errors:
        assert result.dataset is not None


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


@given(st.lists(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4), max_size=5))
def test_json_rows_are_written_as_json_dump_writes_the_list(rows: list) -> None:
    whole, streamed = io.StringIO(), io.StringIO()
    export.write_json(rows, whole)
    export.write_json_rows(iter(rows), streamed)
    assert streamed.getvalue() == whole.getvalue()


@given(datasets())
def test_dossier_rows_are_the_columns_of_to_dict(raw: dict) -> None:
    data = loaded(raw)
    for d in data.dossiers:
        record = d.to_dict()
        blocs = {"broken_off_by_bloc": data.bloc_of(d.broken_off_by),
                  "first_broken_off_by_bloc": data.bloc_of(d.first_broken_off_by)}
        for columns in (export.DOSSIER_COLUMNS, export.LIST_COLUMNS):
            assert export.dossier_row(d, columns, data) == {
                c: blocs[c] if c in blocs else record[c] for c in columns}
