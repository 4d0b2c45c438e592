"""The dataset as an SQLite database, for sqlite3, Datasette, pandas and friends.

Tables (every list of the data file gets its own table, ordered by `position`, so that SQL
can join and count without parsing JSON):

  actors                 id PK, name, bloc
  dossiers               id PK, position (file order), then each of the dossier's own
                         fields that is not a list (title, domain, ...), broken_off_by
                         -> actors, with since, first_broken_off_by -> actors and
                         first_broken_off_on after it
  breaks                 dossier_id -> dossiers, position, date, actor_id -> actors, status
  dossier_aliases        dossier_id -> dossiers, position, alias
  dossier_parties        dossier_id -> dossiers, position, actor_id -> actors
  dossier_third_parties  dossier_id -> dossiers, position, actor_id -> actors
  dossier_approaches     dossier_id -> dossiers, position, approach
  dossier_tags           dossier_id -> dossiers, position, tag
  events                 id PK (1, 2, ... in file order), dossier_id -> dossiers, position
                         (within the dossier), date, actor_id -> actors, action, status,
                         accuses_actor_id -> actors, unverified (0 or 1), summary
  event_over             event_id -> events, position, crisis_id -> crises, or
                         dossier_id -> dossiers and date: what the event answered
  crises                 id PK, name, date, summary
  crisis_sources         crisis_id -> crises, position, source
  decisions              id PK, dossier_id -> dossiers, position, date, due: what is next
  decision_deciders      decision_id -> decisions, position, actor_id -> actors
  decision_sources       decision_id -> decisions, position, source
  sources                event_id -> events, position, source
  claims                 id PK, event_id -> events, position, by_actor_id -> actors,
                         blames_actor_id -> actors, says
  claim_sources          claim_id -> claims, position, source
  publishers             host PK, name, kind, state_media, subdomains (0 or 1)

Dates are ISO 8601 text as the file writes them: 2014-03-01, or 2014-03 / 2014 when only that
is known, so they sort and compare as text the way compartment compares them.
"""

from __future__ import annotations

import sqlite3

from compartment.data.dataset import Dataset, Dossier
from compartment.data.vocab import DOSSIER_FIELDS, LIST_FIELDS, RECORD_LISTS

_SCHEMA = """
CREATE TABLE actors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    bloc TEXT NOT NULL
);
{dossiers}CREATE TABLE breaks (
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    position INTEGER NOT NULL,
    date TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES actors (id),
    status TEXT NOT NULL,
    PRIMARY KEY (dossier_id, position)
);
CREATE TABLE dossier_aliases (
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    position INTEGER NOT NULL,
    alias TEXT NOT NULL,
    PRIMARY KEY (dossier_id, position)
);
CREATE TABLE dossier_parties (
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    position INTEGER NOT NULL,
    actor_id TEXT NOT NULL REFERENCES actors (id),
    PRIMARY KEY (dossier_id, position)
);
CREATE TABLE dossier_third_parties (
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    position INTEGER NOT NULL,
    actor_id TEXT NOT NULL REFERENCES actors (id),
    PRIMARY KEY (dossier_id, position)
);
CREATE TABLE dossier_approaches (
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    position INTEGER NOT NULL,
    approach TEXT NOT NULL,
    PRIMARY KEY (dossier_id, position)
);
CREATE TABLE dossier_tags (
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    position INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (dossier_id, position)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    position INTEGER NOT NULL,
    date TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES actors (id),
    action TEXT NOT NULL,
    status TEXT,
    accuses_actor_id TEXT REFERENCES actors (id),
    unverified INTEGER NOT NULL CHECK (unverified IN (0, 1)),
    summary TEXT NOT NULL,
    UNIQUE (dossier_id, position)
);
CREATE TABLE crises (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    date TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE TABLE crisis_sources (
    crisis_id TEXT NOT NULL REFERENCES crises (id),
    position INTEGER NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (crisis_id, position)
);
CREATE TABLE event_over (
    event_id INTEGER NOT NULL REFERENCES events (id),
    position INTEGER NOT NULL,
    crisis_id TEXT REFERENCES crises (id),
    dossier_id TEXT REFERENCES dossiers (id),
    date TEXT,
    PRIMARY KEY (event_id, position),
    CHECK ((crisis_id IS NULL) != (dossier_id IS NULL))
);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    position INTEGER NOT NULL,
    date TEXT NOT NULL,
    due TEXT NOT NULL,
    UNIQUE (dossier_id, position)
);
CREATE TABLE decision_deciders (
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    position INTEGER NOT NULL,
    actor_id TEXT NOT NULL REFERENCES actors (id),
    PRIMARY KEY (decision_id, position)
);
CREATE TABLE decision_sources (
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    position INTEGER NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (decision_id, position)
);
CREATE TABLE sources (
    event_id INTEGER NOT NULL REFERENCES events (id),
    position INTEGER NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (event_id, position)
);
CREATE TABLE claims (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id),
    position INTEGER NOT NULL,
    by_actor_id TEXT NOT NULL REFERENCES actors (id),
    blames_actor_id TEXT REFERENCES actors (id),
    says TEXT NOT NULL,
    UNIQUE (event_id, position)
);
CREATE TABLE claim_sources (
    claim_id INTEGER NOT NULL REFERENCES claims (id),
    position INTEGER NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (claim_id, position)
);
CREATE TABLE publishers (
    host TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    state_media TEXT,
    subdomains INTEGER NOT NULL CHECK (subdomains IN (0, 1))
);
CREATE INDEX events_by_date ON events (date);
CREATE INDEX events_by_actor ON events (actor_id);
CREATE INDEX dossier_parties_by_actor ON dossier_parties (actor_id);
"""

# The dossiers table: the contract's fields that are no list (vocab.DOSSIER_FIELDS), with
# the derived ones after broken_off_by. A field the contract requires is NOT NULL.
_DERIVED = {"since": "TEXT", "first_broken_off_by": "TEXT REFERENCES actors (id)",
            "first_broken_off_on": "TEXT"}
_TYPES = {"id": "TEXT PRIMARY KEY", "broken_off_by": "TEXT REFERENCES actors (id)"}
DOSSIER_COLUMNS: tuple[str, ...] = ("id", "position", *(
    column
    for name in DOSSIER_FIELDS if name not in (*LIST_FIELDS, *RECORD_LISTS, "id")
    for column in ((name, *_DERIVED) if name == "broken_off_by" else (name,))
))


def _dossier_table() -> str:
    def kind(column: str) -> str:
        if column == "position":
            return "INTEGER NOT NULL UNIQUE"
        if column in _DERIVED:
            return _DERIVED[column]
        required = column not in Dossier._field_defaults and column != "broken_off_by"
        return _TYPES.get(column, "TEXT NOT NULL" if required else "TEXT")

    lines = ",\n".join(f"    {column} {kind(column)}" for column in DOSSIER_COLUMNS)
    return f"CREATE TABLE dossiers (\n{lines}\n);\n"


SCHEMA = _SCHEMA.format(dossiers=_dossier_table())

# One table per list field of the contract (vocab.LIST_FIELDS): its name and value column.
_LIST_TABLE = {
    "aliases": ("dossier_aliases", "alias"),
    "parties": ("dossier_parties", "actor_id"),
    "third_parties": ("dossier_third_parties", "actor_id"),
    "approach": ("dossier_approaches", "approach"),
    "tags": ("dossier_tags", "tag"),
}
LIST_TABLES = tuple((*_LIST_TABLE[field], field) for field in LIST_FIELDS)


def fill(db: sqlite3.Connection, data: Dataset) -> None:
    """Create the tables in an empty database and insert the dataset."""
    db.executescript(SCHEMA)
    db.executemany(
        "INSERT INTO actors (id, name, bloc) VALUES (?, ?, ?)",
        [(a.id, a.name, a.bloc) for a in data.actors.values()],
    )
    db.executemany("INSERT INTO crises (id, name, date, summary) VALUES (?, ?, ?, ?)",
                   [(c.id, c.name, c.date, c.summary) for c in data.crises.values()])
    db.executemany("INSERT INTO crisis_sources (crisis_id, position, source) VALUES (?, ?, ?)",
                   [(c.id, n, s) for c in data.crises.values() for n, s in enumerate(c.sources)])
    db.executemany(
        f"INSERT INTO dossiers ({', '.join(DOSSIER_COLUMNS)})"
        f" VALUES ({', '.join('?' * len(DOSSIER_COLUMNS))})",
        [tuple(i if c == "position" else getattr(d, c) for c in DOSSIER_COLUMNS)
         for i, d in enumerate(data.dossiers)],
    )
    db.executemany(
        "INSERT INTO breaks (dossier_id, position, date, actor_id, status) VALUES (?, ?, ?, ?, ?)",
        [(d.id, k, b.date, b.actor, b.status) for d in data.dossiers
         for k, b in enumerate(d.breaks)],
    )
    db.executemany(
        "INSERT INTO publishers (host, name, kind, state_media, subdomains) VALUES (?, ?, ?, ?, ?)",
        [(p.host, p.name, p.kind, p.state_media, int(p.subdomains))
         for p in data.publishers.values()],
    )
    for table, column, attribute in LIST_TABLES:
        db.executemany(
            f"INSERT INTO {table} (dossier_id, position, {column}) VALUES (?, ?, ?)",
            [
                (d.id, k, value)
                for d in data.dossiers
                for k, value in enumerate(getattr(d, attribute))
            ],
        )
    event_id = claim_id = 0
    events: list[tuple[object, ...]] = []
    sources: list[tuple[int, int, str]] = []
    claims: list[tuple[object, ...]] = []
    claim_sources: list[tuple[int, int, str]] = []
    over: list[tuple[object, ...]] = []
    for d in data.dossiers:
        for k, e in enumerate(d.events):
            event_id += 1
            events.append(
                (event_id, d.id, k, e.date, e.actor, e.action, e.status, e.accuses,
                 int(e.unverified), e.summary)
            )
            for r, reference in enumerate(e.over or ()):
                target, _, date = reference.partition("@")
                over.append((event_id, r, None if date else target, target if date else None,
                             date or None))
            sources.extend((event_id, n, source) for n, source in enumerate(e.sources))
            for c, claim in enumerate(e.claims):
                claim_id += 1
                claims.append((claim_id, event_id, c, claim.by, claim.blames, claim.says))
                claim_sources.extend((claim_id, n, s) for n, s in enumerate(claim.sources))
    db.executemany(
        "INSERT INTO events (id, dossier_id, position, date, actor_id, action, status,"
        " accuses_actor_id, unverified, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        events,
    )
    db.executemany("INSERT INTO event_over (event_id, position, crisis_id, dossier_id, date)"
                   " VALUES (?, ?, ?, ?, ?)", over)
    decisions = [(d.id, n, x) for d in data.dossiers for n, x in enumerate(d.next)]
    db.executemany("INSERT INTO decisions (id, dossier_id, position, date, due)"
                   " VALUES (?, ?, ?, ?, ?)",
                   [(k, d, n, x.date, x.due) for k, (d, n, x) in enumerate(decisions, 1)])
    db.executemany("INSERT INTO decision_deciders (decision_id, position, actor_id)"
                   " VALUES (?, ?, ?)",
                   [(k, b, a) for k, (_, _, x) in enumerate(decisions, 1)
                    for b, a in enumerate(x.by)])
    db.executemany("INSERT INTO decision_sources (decision_id, position, source)"
                   " VALUES (?, ?, ?)",
                   [(k, b, s) for k, (_, _, x) in enumerate(decisions, 1)
                    for b, s in enumerate(x.sources)])
    db.executemany("INSERT INTO sources (event_id, position, source) VALUES (?, ?, ?)", sources)
    db.executemany(
        "INSERT INTO claims (id, event_id, position, by_actor_id, blames_actor_id, says)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        claims,
    )
    db.executemany(
        "INSERT INTO claim_sources (claim_id, position, source) VALUES (?, ?, ?)", claim_sources
    )


def database(data: Dataset) -> bytes:
    """The whole database as the bytes of an SQLite file, built in memory: the caller writes
    them where it likes (storage.write_output), so a database is never half-written."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute("PRAGMA foreign_keys = ON")
        with db:
            fill(db, data)
        return db.serialize()
    finally:
        db.close()
