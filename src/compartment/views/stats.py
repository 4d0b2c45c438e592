"""Counts of dossiers (or of claims), pivoted by one or two fields, as plain data. Pure.

Fields of a dossier (the names `--by` and `--per` take):

  status                the dossier's status
  broken-off-by         the actor who broke it off last (`broken_off_by`)
  bloc                  that actor's bloc
  year                  the year of that break: the event that made `broken_off_by`
  first-broken-off-by   the actor of the dossier's first break (dataset.derive_breaks)
  first-bloc            that actor's bloc
  first-year            the year of the first break
  domain                the dossier's domain

Every dossier is counted exactly once, so the totals always add up to the number of
dossiers. A dossier that nothing broke off (it is active, or it expired on its own terms)
has no actor, bloc or year of break: it is counted under the value None, which the tables
show as "none", sorted last, and JSON as null. (A dossier that recovered keeps its first
break, but has no last one: `broken_off_by` is cleared while it is active.)

The fields of a claim, `by` (who says it) and `blames` (whom they hold responsible; None:
a claim that blames nobody), count each claim once and pair only with each other: `--by
blames --per by` is the who-blames-whom matrix.

The field of a break, `crisis` (the crisis it was made over; `none stated`, `not recorded`
when it names none), counts each break once per crisis (views/linkage.py), paired with a
field of the break: bloc, year, status, broken-off-by (whose break it is) or domain (its
dossier's). `--by crisis --per bloc` is what each crisis cost, and who linked.

The field of an event, `source-kind` (the best kind of source it cites, evidence.KIND_ORDER:
primary, reference, news, state-media, none), counts each event once (with `--per`, by a
field of its dossier).

Values appear in a fixed order: statuses, blocs and domains in the order of the data
contract (vocab.py), actors by id, years ascending; only values that occur are listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from compartment.data.dataset import Dataset, Dossier, derive_state
from compartment.data.vocab import BLOCS, DOMAINS, STATUSES
from compartment.views import linkage
from compartment.views.evidence import KIND_ORDER, best_kind

DOSSIER_FIELDS = (
    "status", "broken-off-by", "bloc", "year", "first-broken-off-by", "first-bloc", "first-year",
    "domain",
)
CLAIM_FIELDS = ("by", "blames")
EVENT_FIELDS = ("source-kind",)
BREAK_FIELDS = ("crisis",)
# The fields of a break that a crisis pairs with.
BREAK_PAIRS = ("bloc", "year", "status", "broken-off-by", "domain")
FIELDS = DOSSIER_FIELDS + CLAIM_FIELDS + EVENT_FIELDS + BREAK_FIELDS

Value = str | int | None


def json_key(field: str) -> str:
    """The record key of a field: `broken-off-by` becomes `broken_off_by`, as in exports."""
    return field.replace("-", "_")


def value_of(data: Dataset, dossier: Dossier, field: str) -> Value:
    if field in ("status", "domain"):
        return dossier.status if field == "status" else dossier.domain
    if field.startswith("first-"):
        first = dossier.first_break
        if field == "first-broken-off-by":
            return first.actor if first else None
        if field == "first-bloc":
            return data.bloc_of(first.actor) if first else None
        if field == "first-year":
            return int(first.date[:4]) if first else None
    state = derive_state(dossier.events)
    if field == "broken-off-by":
        return state.broken_off_by
    if field == "bloc":
        return data.bloc_of(state.broken_off_by)
    if field == "year":
        return int(state.break_date[:4]) if state.break_date else None
    raise ValueError(f"unknown field {field!r}; choose from {', '.join(FIELDS)}")


def _order(field: str) -> Callable[[Value], tuple[int, Any]]:
    orders: dict[str, tuple[str, ...]] = {
        "status": tuple(STATUSES), "bloc": tuple(BLOCS), "first-bloc": tuple(BLOCS),
        "domain": tuple(DOMAINS), "source-kind": KIND_ORDER,
    }
    if field == "crisis":  # by year, as history runs; moves by their date; the rest last
        def when(value: Value) -> tuple[int, Any]:
            text = str(value)
            if value is None or " " in text:
                return (2, text)
            return (0, text.partition("@")[2][:4] + text if "@" in text else text[-4:] + text)
        return when
    rank = orders.get(field)

    def key(value: Value) -> tuple[int, Any]:
        if value is None:
            return (2, 0)
        if rank is not None:
            return (0, rank.index(value)) if value in rank else (1, value)
        return (0, value)

    return key


@dataclass(frozen=True)
class Pivot:
    """Counts by `by`, optionally split by `per`: rows are `by` values, columns `per` values."""

    by: str
    per: str | None
    rows: tuple[Value, ...]
    columns: tuple[Value, ...]  # () when there is no `per`
    counts: dict[tuple[Value, Value], int]  # (row, column) -> count; column None without per

    def count(self, row: Value, column: Value = None) -> int:
        return self.counts.get((row, column), 0)

    def row_total(self, row: Value) -> int:
        return sum(n for (r, _), n in self.counts.items() if r == row)

    def column_total(self, column: Value) -> int:
        return sum(n for (_, c), n in self.counts.items() if c == column)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def records(self) -> list[dict[str, Any]]:
        """One record per non-zero cell, rows in order then columns in order:
        `{"bloc": "west", "year": 2014, "count": 9}`."""
        if self.per is None:
            return [{json_key(self.by): row, "count": self.count(row)} for row in self.rows]
        return [{json_key(self.by): row, json_key(self.per): column, "count": n}
                for row in self.rows for column in self.columns if (n := self.count(row, column))]


def pivot(data: Dataset, by: str, per: str | None = None) -> Pivot:
    for field in (by, per):
        if field is not None and field not in FIELDS:
            raise ValueError(f"unknown field {field!r}; choose from {', '.join(FIELDS)}")
    if per == by:
        raise ValueError(f"--per must differ from --by (both are {by!r})")
    if per is not None and (by in CLAIM_FIELDS) != (per in CLAIM_FIELDS):
        raise ValueError(f"{by} and {per} count different things: {', '.join(CLAIM_FIELDS)} "
                         "count claims, the others dossiers")
    if per in EVENT_FIELDS:
        raise ValueError(f"{per} counts events: give it as --by, with a dossier field as --per")
    if (by in BREAK_FIELDS or per in BREAK_FIELDS) and (
            {by, per} - {*BREAK_FIELDS, *BREAK_PAIRS, None}):
        raise ValueError(f"crisis counts breaks: pair it with {', '.join(BREAK_PAIRS)}")
    counts: Counter[tuple[Value, Value]] = Counter()
    if by in BREAK_FIELDS or per in BREAK_FIELDS:
        domains = {d.id: d.domain for d in data.dossiers}
        for b in linkage.linked_breaks(data):
            cells: dict[str | None, Value] = {
                "crisis": b.crisis, "bloc": b.bloc, "year": int(b.date[:4]), "status": b.status,
                "broken-off-by": b.actor, "domain": domains[b.dossier], None: None}
            counts[(cells[by], cells[per])] += 1
    elif by in EVENT_FIELDS:
        for dossier in data.dossiers:
            column = value_of(data, dossier, per) if per is not None else None
            for event in dossier.events:
                counts[(best_kind(data, event), column)] += 1
    elif by in CLAIM_FIELDS:
        counts.update((getattr(claim, by), getattr(claim, per) if per is not None else None)
                      for dossier in data.dossiers for event in dossier.events
                      for claim in event.claims)
    else:
        counts.update((value_of(data, d, by), value_of(data, d, per) if per is not None else None)
                      for d in data.dossiers)
    rows = tuple(sorted({r for r, _ in counts}, key=_order(by)))
    columns = tuple(sorted({c for _, c in counts}, key=_order(per))) if per else ()
    return Pivot(by, per, rows, columns, dict(counts))


def label(value: Value) -> str:
    return "none" if value is None else str(value)


def grid(pivot: Pivot) -> tuple[list[str], list[list[str]]]:
    """The pivot as text cells with a total row (and, with `per`, a total column); empty
    cells are blank. The layout of the table and of the Markdown output."""
    if pivot.per is None:
        columns = [pivot.by, "count"]
        rows = [[label(r), str(pivot.count(r))] for r in pivot.rows]
        rows.append(["total", str(pivot.total)])
        return columns, rows
    columns = [pivot.by, *(label(c) for c in pivot.columns), "total"]
    rows = [
        [label(r), *(str(pivot.count(r, c) or "") for c in pivot.columns), str(pivot.row_total(r))]
        for r in pivot.rows
    ]
    rows.append(["total", *(str(pivot.column_total(c)) for c in pivot.columns), str(pivot.total)])
    return columns, rows
