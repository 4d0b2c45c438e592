"""Who broke a dossier off first, every break in order, and what each side claims."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import textwrap
from pathlib import Path

import pytest

from compartment.data.dataset import Break, Event, derive_breaks
from compartment.data.loader import load_text
from conftest import canonical


def ev(date: str, actor: str, status: str | None) -> Event:
    return Event(date, actor, "acted", "s", ("x",), status)


@pytest.mark.parametrize(
    ("events", "breaks"),
    [
        # Worse and worse: each step is a break.
        ([ev("2010", "both", "active"), ev("2014-03", "west", "strained"),
          ev("2014-04-01", "west", "suspended"), ev("2019", "russia", "terminated")],
         [("2014-03", "west", "strained"), ("2014-04-01", "west", "suspended"),
          ("2019", "russia", "terminated")]),
        # Recovery is no break; the next worsening is a second break.
        ([ev("2010", "both", "active"), ev("2014", "west", "suspended"),
          ev("2016", "both", "active"), ev("2022", "russia", "suspended")],
         [("2014", "west", "suspended"), ("2022", "russia", "suspended")]),
        # A milder status after a worse one is no break, and the same status again is none.
        ([ev("2010", "both", "active"), ev("2014", "west", "suspended"),
          ev("2015", "west", "strained"), ev("2016", "russia", "strained")],
         [("2014", "west", "suspended")]),
        # A break before any event set `active`: the dossier counts as active before it.
        ([ev("2014-03", "west", "suspended"), ev("2015", "both", "active")],
         [("2014-03", "west", "suspended")]),
        # Expired is no break; after it, a status is measured against active again.
        ([ev("2010", "both", "active"), ev("2022", "russia", "suspended"),
          ev("2026", "both", "expired"), ev("2026-03", "russia", "strained")],
         [("2022", "russia", "suspended"), ("2026-03", "russia", "strained")]),
        # Equal and partial dates keep file order: the first in the file breaks first.
        ([ev("2010", "both", "active"), ev("2022-02", "russia", "strained"),
          ev("2022-02", "west", "suspended")],
         [("2022-02", "russia", "strained"), ("2022-02", "west", "suspended")]),
        # Events without a status never break anything.
        ([ev("2010", "both", "active"), ev("2014", "west", None)], []),
    ],
    ids=["worsening", "recovery", "milder-and-same", "before-active", "expired", "ties",
         "no-status"],
)
def test_breaks(events: list[Event], breaks: list[tuple[str, str, str]]) -> None:
    assert derive_breaks(tuple(events)) == tuple(Break(*b) for b in breaks)


DATA = textwrap.dedent(
    """\
    actors:
      russia: {name: Russia, bloc: russia}
      united-states: {name: United States, bloc: west}
      us-russia: {name: US and Russia, bloc: international}
    dossiers:
      - id: treaty
        title: A treaty
        domain: arms-control
        parties: [united-states, russia]
        status: active
        broken_off_by: null
        summary: Signed, suspended, restored.
        events:
          - date: 2010-04-08
            actor: us-russia
            action: signed
            status: active
            summary: Signed.
            sources: [https://example.org/a]
          - date: 2023-02-21
            actor: russia
            action: suspended
            status: suspended
            summary: Suspended.
            sources: [https://example.org/b]
            claims:
              - by: russia
                blames: united-states
                says: US policy left no choice.
                sources: [https://example.org/r]
              - by: united-states
                blames: russia
                says: '"Legally invalid."'
                sources: [https://example.org/u]
          - date: 2024-01-01
            actor: us-russia
            action: restored
            status: active
            summary: Restored.
            sources: [https://example.org/c]
      - id: quiet
        title: Quiet
        domain: science
        parties: [united-states, russia]
        status: active
        broken_off_by: null
        summary: Nothing broke.
        events:
          - date: 2000
            actor: us-russia
            action: began
            status: active
            summary: Began.
            sources: [https://example.org/q]
    """
)


@pytest.fixture
def data_file(write_dataset) -> Path:
    return write_dataset(canonical(textwrap.dedent(DATA).lstrip("\n")))


def test_first_break_survives_recovery_the_last_does_not() -> None:
    data = load_text(DATA, "d.yaml").dataset
    assert data is not None
    treaty = data.get("treaty")
    assert treaty is not None
    assert treaty.broken_off_by is None  # active again
    assert (treaty.first_broken_off_by, treaty.first_broken_off_on) == ("russia", "2023-02-21")
    earlier = treaty.as_of("2020-01-01")
    assert earlier is not None and earlier.first_broken_off_by is None


def test_a_claim_needs_a_source_and_known_keys() -> None:
    broken = DATA.replace("            sources: [https://example.org/r]\n", "").replace(
        "blames: russia", "blame: russia")
    problems = [str(p) for p in load_text(broken, "d.yaml").problems]
    assert problems == [
        "d.yaml:27:13: dossiers[treaty].events[1].claims[0].sources: missing required field "
        "'sources'",
        "d.yaml:31:13: dossiers[treaty].events[1].claims[1].blame: unknown field 'blame'; "
        "did you mean 'blames'?",
    ]


def test_show_prints_claims_under_their_event(run, data_file: Path) -> None:
    out = run("--data", str(data_file), "show", "treaty").stdout
    assert "Russia says: US policy left no choice. (blames United States)" in out
    assert 'United States says: "Legally invalid." (blames Russia)' in out
    assert "breaks         suspended by Russia on 2023-02-21" in out


def test_exports_carry_breaks_and_claims(run, data_file: Path, tmp_path: Path) -> None:
    exported = json.loads(run("--data", str(data_file), "export", "-f", "json").stdout)
    treaty = exported["dossiers"][0]
    assert treaty["first_broken_off_by"] == "russia"
    assert treaty["breaks"] == [{"date": "2023-02-21", "actor": "russia", "status": "suspended"}]
    assert "claims" not in treaty["events"][0]  # only where there are some
    assert [c["by"] for c in treaty["events"][1]["claims"]] == ["russia", "united-states"]

    rows = list(csv.DictReader(io.StringIO(
        run("--data", str(data_file), "export", "-f", "csv", "--claims").stdout)))
    assert [(r["dossier"], r["date"], r["by"], r["blames"]) for r in rows] == [
        ("treaty", "2023-02-21", "russia", "united-states"),
        ("treaty", "2023-02-21", "united-states", "russia"),
    ]
    assert rows[1]["says"] == '"Legally invalid."'

    db = tmp_path / "ledger.db"
    run("--data", str(data_file), "export", "-f", "sqlite", "-o", str(db))
    with sqlite3.connect(db) as con:
        claims = con.execute(
            "SELECT d.id, c.by_actor_id, c.blames_actor_id, s.source FROM claims c"
            " JOIN events e ON e.id = c.event_id JOIN dossiers d ON d.id = e.dossier_id"
            " JOIN claim_sources s ON s.claim_id = c.id ORDER BY c.id").fetchall()
        first = con.execute(
            "SELECT first_broken_off_by, first_broken_off_on FROM dossiers WHERE id = 'treaty'"
        ).fetchone()
        breaks = con.execute("SELECT dossier_id, date, actor_id, status FROM breaks").fetchall()
    assert claims == [("treaty", "russia", "united-states", "https://example.org/r"),
                      ("treaty", "united-states", "russia", "https://example.org/u")]
    assert first == ("russia", "2023-02-21")
    assert breaks == [("treaty", "2023-02-21", "russia", "suspended")]


def test_list_filters_on_first_break_and_disputes(run, data_file: Path) -> None:
    def ids(*args: str) -> list[str]:
        out = run("--data", str(data_file), "list", "-f", "csv", *args).stdout
        return [row["id"] for row in csv.DictReader(io.StringIO(out))]

    assert ids("--first-broken-off-by", "russia") == ["treaty"]
    assert ids("--first-broken-off-by", "russia", "--broken-off-by", "russia") == []
    assert ids("--first-broken-off-by", "west") == []
    assert ids("--disputed") == ["treaty"]
    result = run("--data", str(data_file), "list", "--first-broken-off-by", "rusia", ok=False)
    assert result.exit_code == 2
    assert "--first-broken-off-by: unknown actor or bloc 'rusia'; did you mean russia?" in (
        result.stderr)


def test_claim_add_writes_a_minimal_diff(run, data_file: Path) -> None:
    before = data_file.read_text(encoding="utf-8")
    result = run("--data", str(data_file), "claim", "add", "treaty", "--date", "2024-01-01",
                 "--by", "russia", "--says", "Restored in good faith.",
                 "--source", "https://example.org/k")
    assert result.stderr.endswith("added a claim by russia to the event of 2024-01-01 in treaty\n")
    after = data_file.read_text(encoding="utf-8")
    event = (
        "      - date: 2024-01-01\n"
        "        actor: us-russia\n"
        "        action: restored\n"
        "        status: active\n"
        "        summary: Restored.\n"
        "        sources:\n"
        "          - https://example.org/c\n"
    )
    claim = (
        "        claims:\n"
        "          - by: russia\n"
        "            says: Restored in good faith.\n"
        "            sources:\n"
        "              - https://example.org/k\n"
    )
    assert before.count(event) == 1
    assert after == before.replace(event, event + claim)
    assert run("--data", str(data_file), "fmt", "--check").exit_code == 0


def test_claim_add_refusals(run, data_file: Path) -> None:
    base = ["--data", str(data_file), "claim", "add", "treaty", "--by", "russia", "--says", "x",
            "--source", "https://example.org/k"]
    missing = run(*base, "--date", "2023-02-22", ok=False)
    assert missing.exit_code == 1
    assert missing.stderr == (
        "Error: treaty has no event dated 2023-02-22 that matches; its events are dated "
        "2010-04-08, 2023-02-21, 2024-01-01\n")
    unknown = run(*base[:-4], "--by", "rusia", "--says", "x", "--source", "y", "--date",
                  "2024-01-01", ok=False)
    assert unknown.exit_code == 1
    assert "unknown actor 'rusia'" in unknown.stderr


def test_diff_reports_claims(run, data_file: Path) -> None:
    folder = data_file.parent

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                       cwd=folder, check=True, capture_output=True)

    git("init", "-q")
    git("add", data_file.name)
    git("commit", "-qm", "start")
    run("--data", str(data_file), "claim", "add", "treaty", "--date", "2024-01-01", "--by",
        "russia", "--says", "Restored.", "--source", "https://example.org/k")
    out = run("--data", str(data_file), "diff").stdout
    assert "~ event 2024-01-01 us-russia: restored [status: active] (claims: + by russia)" in out
