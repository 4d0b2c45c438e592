"""The dataset as an SQLite database, for sqlite3, Datasette, pandas and friends.

Every list of the data file gets its own table, its items ordered by `position`, so that SQL
can join and count without parsing JSON: TABLES below is the schema, column by column. A
record with lists of its own (an event, a claim, a decision of `next`) has an id, 1, 2, ...
in file order. `event_over` holds what an event answered: a crisis, or another dossier's move
(its dossier_id and date).

Dates are ISO 8601 text as the file writes them: 2014-03-01, or 2014-03 / 2014 when only that
is known, so they sort and compare as text the way compartment compares them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing

from compartment.data.dataset import Dataset, Dossier
from compartment.data.vocab import LIST_FIELDS
from compartment.views import export

_TEXT = "TEXT NOT NULL"
_ACTOR = "TEXT NOT NULL REFERENCES actors (id)"
_OF_DOSSIER = "dossier_id TEXT NOT NULL REFERENCES dossiers (id)"
_OF_EVENT = "event_id INTEGER NOT NULL REFERENCES events (id)"
_OF_DECISION = "decision_id INTEGER NOT NULL REFERENCES decisions (id)"


def _listed(key: str, *columns: str, numbered: bool = False) -> tuple[str, ...]:
    """A list's table: the key of the record holding the list, the item's position in it,
    then its own columns. A `numbered` item (one with lists of its own) has an id too."""
    at = f"({key.split()[0]}, position)"
    if numbered:
        return ("id INTEGER PRIMARY KEY", key, "position INTEGER NOT NULL", *columns,
                f"UNIQUE {at}")
    return (key, "position INTEGER NOT NULL", *columns, f"PRIMARY KEY {at}")


# The dossiers table: the columns of a CSV export (export.DOSSIER_COLUMNS) but the lists,
# which have tables of their own, and the blocs, which the actors table gives. A field the
# contract requires is NOT NULL.
_TYPES = {"id": "TEXT PRIMARY KEY", "position": "INTEGER NOT NULL UNIQUE", "since": "TEXT",
          "broken_off_by": "TEXT REFERENCES actors (id)", "first_broken_off_on": "TEXT",
          "first_broken_off_by": "TEXT REFERENCES actors (id)"}
DOSSIER_COLUMNS = ("id", "position", *(
    c for c in export.DOSSIER_COLUMNS if c not in (*LIST_FIELDS, "id") and not c.endswith("_bloc")))

# One table per list field of the contract (vocab.LIST_FIELDS): its name and value column.
_LIST_TABLE = {
    "aliases": ("dossier_aliases", "alias"),
    "parties": ("dossier_parties", "actor_id"),
    "third_parties": ("dossier_third_parties", "actor_id"),
    "approach": ("dossier_approaches", "approach"),
    "tags": ("dossier_tags", "tag"),
}
LIST_TABLES = tuple((*_LIST_TABLE[field], field) for field in LIST_FIELDS)

# Every column of a table in order, then its constraints. The schema is written from these,
# and so is each table's INSERT.
TABLES: dict[str, tuple[str, ...]] = {
    "actors": ("id TEXT PRIMARY KEY", "name TEXT NOT NULL", "bloc TEXT NOT NULL"),
    "dossiers": tuple(
        f"{column} {_TYPES.get(column, 'TEXT' if column in Dossier._field_defaults else _TEXT)}"
        for column in DOSSIER_COLUMNS),
    "breaks": _listed(_OF_DOSSIER, "date TEXT NOT NULL", f"actor_id {_ACTOR}",
                      "status TEXT NOT NULL"),
    **{table: _listed(_OF_DOSSIER, f"{column} {_ACTOR if column == 'actor_id' else _TEXT}")
       for table, column in _LIST_TABLE.values()},
    "events": _listed(
        _OF_DOSSIER, "date TEXT NOT NULL", f"actor_id {_ACTOR}", "action TEXT NOT NULL",
        "status TEXT", "accuses_actor_id TEXT REFERENCES actors (id)",
        "unverified INTEGER NOT NULL CHECK (unverified IN (0, 1))", "summary TEXT NOT NULL",
        numbered=True),
    "crises": ("id TEXT PRIMARY KEY", "name TEXT NOT NULL", "date TEXT NOT NULL",
               "summary TEXT NOT NULL"),
    "crisis_sources": _listed("crisis_id TEXT NOT NULL REFERENCES crises (id)",
                              "source TEXT NOT NULL"),
    "event_over": (*_listed(_OF_EVENT, "crisis_id TEXT REFERENCES crises (id)",
                            "dossier_id TEXT REFERENCES dossiers (id)", "date TEXT"),
                   "CHECK ((crisis_id IS NULL) != (dossier_id IS NULL))"),
    "decisions": _listed(_OF_DOSSIER, "date TEXT NOT NULL", "due TEXT NOT NULL", numbered=True),
    "decision_deciders": _listed(_OF_DECISION, f"actor_id {_ACTOR}"),
    "decision_sources": _listed(_OF_DECISION, "source TEXT NOT NULL"),
    "sources": _listed(_OF_EVENT, "source TEXT NOT NULL"),
    "claims": _listed(_OF_EVENT, f"by_actor_id {_ACTOR}",
                      "blames_actor_id TEXT REFERENCES actors (id)", "says TEXT NOT NULL",
                      numbered=True),
    "claim_sources": _listed("claim_id INTEGER NOT NULL REFERENCES claims (id)",
                             "source TEXT NOT NULL"),
    "publishers": ("host TEXT PRIMARY KEY", "name TEXT NOT NULL", "kind TEXT NOT NULL",
                   "state_media TEXT", "subdomains INTEGER NOT NULL CHECK (subdomains IN (0, 1))"),
}
SCHEMA = "\n" + "".join(
    f"CREATE TABLE {table} (\n" + ",\n".join(f"    {c}" for c in columns) + "\n);\n"
    for table, columns in TABLES.items()
) + """CREATE INDEX events_by_date ON events (date);
CREATE INDEX events_by_actor ON events (actor_id);
CREATE INDEX dossier_parties_by_actor ON dossier_parties (actor_id);
"""


def _insert(db: sqlite3.Connection, table: str, rows: Iterable[Sequence[object]]) -> None:
    columns = [c.split()[0] for c in TABLES[table]
               if not c.startswith(("PRIMARY KEY", "UNIQUE", "CHECK"))]
    db.executemany(f"INSERT INTO {table} ({', '.join(columns)})"
                   f" VALUES ({', '.join('?' * len(columns))})", rows)


def fill(db: sqlite3.Connection, data: Dataset) -> None:
    db.executescript(SCHEMA)
    _insert(db, "actors", [(a.id, a.name, a.bloc) for a in data.actors.values()])
    _insert(db, "crises", [(c.id, c.name, c.date, c.summary) for c in data.crises.values()])
    _insert(db, "crisis_sources",
            [(c.id, n, s) for c in data.crises.values() for n, s in enumerate(c.sources)])
    _insert(db, "dossiers", [tuple(i if c == "position" else getattr(d, c) for c in DOSSIER_COLUMNS)
                             for i, d in enumerate(data.dossiers)])
    _insert(db, "breaks", [(d.id, k, b.date, b.actor, b.status)
                           for d in data.dossiers for k, b in enumerate(d.breaks)])
    _insert(db, "publishers", [(p.host, p.name, p.kind, p.state_media, int(p.subdomains))
                               for p in data.publishers.values()])
    for table, _, attribute in LIST_TABLES:
        _insert(db, table, [(d.id, k, value) for d in data.dossiers
                            for k, value in enumerate(getattr(d, attribute))])
    # Events, decisions and claims are numbered 1, 2, ... in file order.
    events = list(enumerate(((d.id, k, e) for d in data.dossiers for k, e in enumerate(d.events)),
                            1))
    _insert(db, "events", [(i, d, k, e.date, e.actor, e.action, e.status, e.accuses,
                            int(e.unverified), e.summary) for i, (d, k, e) in events])
    over = []
    for i, (_, _, e) in events:
        for r, reference in enumerate(e.over or ()):
            target, _, date = reference.partition("@")
            over.append((i, r, None if date else target, target if date else None, date or None))
    _insert(db, "event_over", over)
    decisions = list(enumerate(((d.id, n, x) for d in data.dossiers for n, x in enumerate(d.next)),
                               1))
    _insert(db, "decisions", [(k, d, n, x.date, x.due) for k, (d, n, x) in decisions])
    _insert(db, "decision_deciders",
            [(k, b, a) for k, (_, _, x) in decisions for b, a in enumerate(x.by)])
    _insert(db, "decision_sources",
            [(k, b, s) for k, (_, _, x) in decisions for b, s in enumerate(x.sources)])
    _insert(db, "sources", [(i, n, s) for i, (_, _, e) in events for n, s in enumerate(e.sources)])
    claims = list(enumerate(((i, c, claim) for i, (_, _, e) in events
                             for c, claim in enumerate(e.claims)), 1))
    _insert(db, "claims", [(k, i, c, claim.by, claim.blames, claim.says)
                           for k, (i, c, claim) in claims])
    _insert(db, "claim_sources",
            [(k, n, s) for k, (_, _, claim) in claims for n, s in enumerate(claim.sources)])


def database(data: Dataset) -> bytes:
    """The whole database as the bytes of an SQLite file, built in memory: the caller writes
    them where it likes (storage.write_output), so a database is never half-written."""
    with closing(sqlite3.connect(":memory:")) as db:
        db.execute("PRAGMA foreign_keys = ON")
        with db:
            fill(db, data)
        return db.serialize()
