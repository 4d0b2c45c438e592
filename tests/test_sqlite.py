"""`compartment export --format sqlite`: a database ready for sqlite3, Datasette and pandas."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from compartment.store import datafile


def test_sqlite_export_counts_keys_and_joins(run, sample: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "out.db"
    result = run("--data", str(sample), "export", "--format", "sqlite", "-o", str(target))
    assert result.stdout == ""
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.db"]  # no temporary left
    db = sqlite3.connect(target)
    try:
        count = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
            "actors", "dossiers", "events", "sources", "dossier_parties", "dossier_aliases",
            "dossier_approaches", "dossier_third_parties", "dossier_tags")}
        assert count == {"actors": 4, "dossiers": 2, "events": 4, "sources": 4,
                         "dossier_parties": 4, "dossier_aliases": 1, "dossier_approaches": 1,
                         "dossier_third_parties": 0, "dossier_tags": 0}
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = db.execute(
            """SELECT d.id, e.date, a.name, s.source FROM events e
               JOIN dossiers d ON d.id = e.dossier_id
               JOIN actors a ON a.id = e.actor_id
               JOIN sources s ON s.event_id = e.id
               WHERE d.status = 'suspended' ORDER BY e.date"""
        ).fetchall()
        assert rows == [("nato-russia-cooperation", "2014-04", "NATO",
                         "https://honvedelem.hu/hirek/measures-following-nato-ministers-decision-to-suspend-all-practical-cooperation-with-russia.html")]
        assert db.execute(
            "SELECT id, since, broken_off_by FROM dossiers ORDER BY position"
        ).fetchall() == [("new-start", "2026-02-05", "russia"),
                         ("nato-russia-cooperation", "2014-04", "nato")]
        foreign = db.execute("PRAGMA foreign_key_list(events)").fetchall()
        assert {(f[2], f[3]) for f in foreign} == {
            ("dossiers", "dossier_id"), ("actors", "actor_id"), ("actors", "accuses_actor_id")
        }
        assert db.execute("SELECT count(*) FROM event_over").fetchone()[0] == 0  # `over: []`
    finally:
        db.close()


def test_sqlite_export_of_the_shipped_data(run, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent / "data" / "issues.yaml"
    data = datafile.load(root).dataset
    target = tmp_path / "all.db"
    target.write_bytes(b"an older export")  # replaced whole
    run("--data", str(root), "export", "-f", "sqlite", "-o", str(target))
    db = sqlite3.connect(target)
    try:
        events = sum(len(d.events) for d in data.dossiers)
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == events
        assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == sum(
            len(e.sources) for d in data.dossiers for e in d.events)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()


def test_sqlite_needs_an_output_file(run, sample: Path) -> None:
    result = run("--data", str(sample), "export", "--format", "sqlite", ok=False)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: --format sqlite writes a database file, not to stdout: give -o FILE\n"
    )
