"""The evidence report (`compartment sources`), `publisher add`, and source kinds in stats."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

import pytest

from compartment.data.loader import load_text
from compartment.views import evidence
from conftest import canonical

DATA = textwrap.dedent(
    """\
    actors:
      russia: {name: Russia, bloc: russia}
      nato: {name: NATO, bloc: west}
    dossiers:
      - id: council
        title: NATO-Russia Council
        domain: security-dialogue
        parties: [nato, russia]
        status: suspended
        broken_off_by: nato
        summary: s
        events:
          - date: 2002-05-28
            actor: nato
            action: founded
            status: active
            summary: s
            sources: [https://www.nato.int/a, https://tass.com/b]
          - date: 2014-04-01
            actor: nato
            action: suspended
            status: suspended
            summary: s
            sources: [https://tass.com/c, "Hanna Notte, War on the Rocks, 2023"]
      - id: talks
        title: Talks
        domain: diplomacy
        parties: [nato, russia]
        status: active
        broken_off_by: null
        summary: s
        events:
          - date: 2020
            actor: russia
            action: began
            status: active
            summary: s
            sources: [https://news.example.com/d]
            claims:
              - by: russia
                says: s
                sources: [https://tass.com/e]
    publishers:
      news.example.com:
        name: Example News
        kind: news
      tass.com:
        name: TASS
        kind: news
        state_media: russia
      www.nato.int:
        name: NATO
        kind: primary
    """
)


@pytest.fixture
def data_file(write_dataset) -> Path:
    return write_dataset(canonical(textwrap.dedent(DATA).lstrip("\n")))


def loaded():
    result = load_text(DATA, "d.yaml")
    assert result.dataset is not None, [str(p) for p in result.problems]
    return result.dataset


def test_best_kind_and_weak_events_worst_first() -> None:
    data = loaded()
    council, talks = data.dossiers
    assert [evidence.best_kind(data, e) for e in council.events] == ["primary", "state-media"]
    assert evidence.best_kind(data, talks.events[0]) == "news"  # claims' sources do not count
    weak = evidence.weak_events(data)
    assert [(w.dossier, w.event.date, w.kind) for w in weak] == [
        ("council", "2014-04-01", "state-media"),  # worse kind first
        ("talks", "2020", "news"),
    ]


def test_publisher_counts_include_claims() -> None:
    rows = {r.host: (r.citations, r.events, r.dossiers) for r in evidence.publishers(loaded())}
    assert rows == {"tass.com": (3, 3, 2), "news.example.com": (1, 1, 1),
                    "www.nato.int": (1, 1, 1)}
    summary = evidence.summary(loaded())
    assert (summary.events, summary.strong, summary.dossiers_without_strong) == (3, 1, 1)


def test_sources_report_formats(run, data_file: Path) -> None:
    out = run("--data", str(data_file), "sources", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["host"], r["kind"], r["citations"]) for r in rows] == [
        ("tass.com", "news", "3"), ("news.example.com", "news", "1"),
        ("www.nato.int", "primary", "1"),
    ]
    assert out.stderr == ("1 of 3 events (33.3%) cite a primary or reference source; 1 of 2 "
                          "dossiers have none; 3 publishers registered\n")
    per_dossier = json.loads(run("--data", str(data_file), "sources", "--by", "dossier",
                                 "-f", "json").stdout)
    assert per_dossier["rows"] == [
        {"id": "council", "title": "NATO-Russia Council", "events": 2, "strong_events": 1,
         "strong_share": 0.5},
        {"id": "talks", "title": "Talks", "events": 1, "strong_events": 0, "strong_share": 0.0},
    ]
    weak = run("--data", str(data_file), "sources", "--weak").stdout
    assert weak.splitlines() == [
        "council  2014-04-01  nato: suspended  [state-media]",
        "    https://tass.com/c",
        "    Hanna Notte, War on the Rocks, 2023",
        "talks  2020  russia: began  [news]",
        "    https://news.example.com/d",
    ]


def test_sources_needs_a_registry(run, sample: Path) -> None:
    result = run("--data", str(sample), "sources", ok=False)
    assert result.exit_code == 1
    assert "has no publisher registry" in result.stderr


def test_strict_warns_for_a_dossier_without_strong_sources(run, data_file: Path) -> None:
    assert run("--data", str(data_file), "validate").exit_code == 0
    strict = run("--data", str(data_file), "validate", "--strict", ok=False)
    assert strict.exit_code == 1
    assert "dossiers[talks].events: warning: no event of this dossier cites a primary" in (
        strict.stdout)


def test_stats_by_source_kind(run, data_file: Path) -> None:
    records = json.loads(run("--data", str(data_file), "stats", "--by", "source-kind",
                             "-f", "json").stdout)
    assert records == [{"source_kind": "primary", "count": 1},
                       {"source_kind": "news", "count": 1},
                       {"source_kind": "state-media", "count": 1}]
    bad = run("--data", str(data_file), "stats", "--by", "status", "--per", "source-kind",
              ok=False)
    assert bad.exit_code == 2


def test_publisher_add(run, data_file: Path) -> None:
    before = data_file.read_text(encoding="utf-8")
    result = run("--data", str(data_file), "publisher", "add", "WWW.SIPRI.ORG", "--name", "SIPRI",
                 "--kind", "reference")
    assert result.stderr.endswith("registered the publisher www.sipri.org\n")
    # In alphabetical order of host, here after www.nato.int, at the end of the file.
    assert data_file.read_text(encoding="utf-8") == (
        before + "  www.sipri.org:\n    name: SIPRI\n    kind: reference\n")
    again = run("--data", str(data_file), "publisher", "add", "www.sipri.org", "--name", "S",
                "--kind", "reference", ok=False)
    assert again.exit_code == 1
    assert "already registered" in again.stderr


def test_unregistered_host_is_an_error_with_a_hint(run, write_dataset) -> None:
    path = write_dataset(DATA.replace("https://news.example.com/d", "https://news.example.co/d"))
    result = run("--data", str(path), "validate", ok=False)
    assert ("the host 'news.example.co' is not a registered publisher (did you mean "
            "news.example.com?); register it with `compartment publisher add news.example.co "
            "--name NAME --kind KIND`") in result.stdout


def test_the_hint_works_publisher_add_registers_a_host_already_cited(run, write_dataset) -> None:
    # A source cited first, its publisher registered after, as the hint above says to do:
    # the edit must not be refused for the very error it mends.
    path = write_dataset(DATA.replace("https://news.example.com/d", "https://news.example.co/d"))
    run("--data", str(path), "publisher", "add", "news.example.co", "--name", "News",
        "--kind", "news")
    assert run("--data", str(path), "validate").exit_code == 0
    # Any other error still refuses the edit, with the problems listed.
    broken = write_dataset(DATA.replace("https://news.example.com/d", "https://news.example.co/d")
                           .replace("actor: nato", "actor: natto", 1))
    refused = run("--data", str(broken), "publisher", "add", "news.example.co", "--name", "News",
                  "--kind", "news", ok=False)
    assert refused.exit_code == 1 and "unknown actor 'natto'" in refused.stderr
    assert "news.example.co:" not in broken.read_text(encoding="utf-8")


def test_a_read_only_data_file_is_refused_unless_forced(run, data_file: Path) -> None:
    data_file.chmod(0o444)
    args = ["--data", str(data_file), "publisher", "add", "www.sipri.org", "--name", "SIPRI",
            "--kind", "reference"]
    refused = run(*args, ok=False)
    assert refused.exit_code == 1
    assert refused.stderr == (f"Error: {data_file} is read-only; make it writable (chmod u+w) "
                              "or use --force to write it anyway\n")
    assert "www.sipri.org" not in data_file.read_text(encoding="utf-8")
    run(*args, "--force")
    assert "www.sipri.org" in data_file.read_text(encoding="utf-8")
    assert data_file.stat().st_mode & 0o777 == 0o444  # still read-only, as editors leave it
