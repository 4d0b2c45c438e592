"""Deterministic CSV, JSON and Markdown written to a text stream. No rich here.

The same data always gives byte-identical output: fixed column and key order, no timestamps.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from compartment.dataset import Dossier

LIST_SEPARATOR = "; "

DOSSIER_COLUMNS = (
    "id", "title", "aliases", "domain", "parties", "forum", "status", "broken_off_by", "since",
    "approach", "third_parties", "summary", "tags",
)
EVENT_COLUMNS = (
    "dossier", "date", "actor", "action", "status", "unverified", "summary", "sources",
)
LIST_COLUMNS = ("id", "title", "status", "broken_off_by", "since", "domain")

# OWASP's rule against formula injection: a cell a spreadsheet would evaluate gets a leading
# apostrophe, which spreadsheets hide and treat as "this is text".
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(value)
    return str(value)


def dossier_row(d: Dossier, columns: Sequence[str] = DOSSIER_COLUMNS) -> dict[str, Any]:
    """The columns of `d.to_dict()`, built without the rest of it (its events above all):
    `list -f csv` on 100,000 dossiers spent most of its time building records it dropped."""
    row: dict[str, Any] = {}
    for column in columns:
        value = d.since if column == "since" else getattr(d, column)
        row[column] = list(value) if isinstance(value, tuple) else value
    return row


def event_rows(dossiers: Iterable[Dossier]) -> Iterable[dict[str, Any]]:
    for d in dossiers:
        for e in d.events:
            yield {"dossier": d.id, **e.to_dict()}


def write_csv(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO, *, raw: bool = False
) -> None:
    """RFC 4180 quoting, a header row, LF line ends; list fields joined with '; '."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = (_cell(row[c]) for c in columns)
        writer.writerow(cells if raw else [neutralise(c) for c in cells])


def write_json(value: Any, out: TextIO) -> None:
    json.dump(value, out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_json_rows(rows: Iterable[Any], out: TextIO) -> None:
    """What write_json(list(rows)) writes, byte for byte, but row by row as they come."""
    out.write("[")
    first = True
    for row in rows:
        out.write("\n  " if first else ",\n  ")
        # A JSON string never holds a raw newline, so this indents exactly one level.
        out.write(json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        first = False
    out.write("]\n" if first else "\n]\n")


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False))
        out.write("\n")


def _md_cell(value: Any) -> str:
    text = _cell(value)
    # A pipe ends a cell and a newline ends the row; backslash-escape the first, fold the second.
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def write_markdown(rows: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO) -> None:
    out.write("| " + " | ".join(columns) + " |\n")
    out.write("|" + "|".join(" --- " for _ in columns) + "|\n")
    for row in rows:
        out.write("| " + " | ".join(_md_cell(row[c]) for c in columns) + " |\n")

