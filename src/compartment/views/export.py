"""Deterministic CSV, JSON and Markdown written to a text stream. No rich here.

The same data always gives byte-identical output: fixed column and key order, no timestamps.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from compartment.data.dataset import Dataset, Dossier
from compartment.data.vocab import CLAIM_FIELDS, DOSSIER_FIELDS, EVENT_FIELDS, RECORD_LISTS
from compartment.views import linkage
from compartment.views.fields import fields as dossier_fields

LIST_SEPARATOR = "; "

# The contract's fields (vocab.py), with the derived ones after broken_off_by: `since`, who
# broke the dossier off first and when, and the blocs of who broke it off last and first.
# Events and claims have their own rows.
DERIVED_COLUMNS = ("since", "first_broken_off_by", "first_broken_off_on", "broken_off_by_bloc",
                   "first_broken_off_by_bloc")
DOSSIER_COLUMNS = tuple(
    column for field in DOSSIER_FIELDS if field not in RECORD_LISTS
    for column in ((field, *DERIVED_COLUMNS) if field == "broken_off_by" else (field,))
)
EVENT_COLUMNS = ("dossier", *(f for f in EVENT_FIELDS if f != "claims"))
# One row per claim, with the event it is about (dossier, date, actor, action identify it).
CLAIM_COLUMNS = ("dossier", "date", "actor", "action", *CLAIM_FIELDS)
LIST_COLUMNS = ("id", "title", "status", "broken_off_by", "since", "domain")

# OWASP's rule against formula injection: a cell a spreadsheet would evaluate gets a leading
# apostrophe, which spreadsheets hide and treat as "this is text". OWASP's list (=, +, -, @,
# tab, CR) covers the first character only, and is widened here because:
# * Excel skips leading blanks before a formula (reported for spaces, tabs and U+00A0 in
#   other projects' CSV-injection fixes), and LibreOffice's CSV import has a "trim spaces"
#   option that does the same; so any run of Unicode whitespace or zero-width characters
#   before a trigger counts.
# * The full-width forms ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20) are what a Japanese or
#   Chinese input method types for = + - @, and spreadsheets in those locales may take them
#   as the ASCII ones. We have not verified each application and version, so we treat them
#   as triggers: the apostrophe costs nothing in a spreadsheet.
# * A cell that starts with LF, U+2028 or U+2029 (line and paragraph separators, which some
#   readers treat as line ends) gets the apostrophe too, as tab and CR did already.
# A cell that merely contains these characters later on (`a = b`, `x - y`) is left alone.
_FORMULA_STARTS = (
    "=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20",
    "\t", "\r", "\n", "\u2028", "\u2029",
)  # fmt: skip
_TRIGGER_AFTER_BLANKS = re.compile(  # blanks: whitespace, zero-width spaces and joiners, BOM
    "[\\s\u200b-\u200d\u2060\ufeff]+[=+\\-@\uff1d\uff0b\uff0d\uff20]"
)


def neutralise(cell: str) -> str:
    if not cell or cell[0].isalnum():  # most cells: one check, no regex
        return cell
    if cell.startswith(_FORMULA_STARTS) or _TRIGGER_AFTER_BLANKS.match(cell):
        return "'" + cell
    return cell


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(value)
    return str(value)


def dossier_row(d: Dossier, columns: Sequence[str] = DOSSIER_COLUMNS,
                data: Dataset | None = None) -> dict[str, Any]:
    """The dossier's `columns` (DOSSIER_COLUMNS), built without the rest of it (its events
    above all); the blocs need `data`, whose registry of actors gives them."""
    row: dict[str, Any] = {}
    for column in columns:
        if column.endswith("_bloc"):
            actor = getattr(d, column.removesuffix("_bloc"))
            value = data.bloc_of(actor) if data is not None else None
        else:
            value = getattr(d, column)
        row[column] = list(value) if isinstance(value, tuple) else value
    return row


def event_rows(dossiers: Iterable[Dossier], *, cells: bool = False) -> Iterable[dict[str, Any]]:
    """A row per event, claims left out (they have rows of their own: claim_rows). With
    `cells`, for a table (CSV, Markdown), which cannot tell an empty list from a missing
    one: `over: []` (its actor stated no link) as linkage.NONE_STATED."""
    for d in dossiers:
        for e in d.events:
            row = {"dossier": d.id, **e.to_dict()}
            row.pop("claims", None)
            if cells and row["over"] == []:
                row["over"] = linkage.NONE_STATED
            yield row


def claim_rows(dossiers: Iterable[Dossier]) -> Iterable[dict[str, Any]]:
    for d in dossiers:
        for e in d.events:
            for c in e.claims:
                yield {"dossier": d.id, "date": e.date, "actor": e.actor, "action": e.action,
                       **c.to_dict()}


def write_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO, *,
              raw: bool = False) -> None:
    """RFC 4180 quoting, a header row, LF line ends; list fields joined with '; '."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = (cell_text(row[c]) for c in columns)
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


def md_text(text: str) -> str:
    """Text that a Markdown renderer shows as written, on one line: HTML and entities are
    escaped (a title holding `<script>` stays text on GitHub and in a static site), a pipe
    cannot end a table cell, and line breaks fold into spaces."""
    return (
        text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
        .replace(">", "&gt;").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    )


def md_source(source: str) -> str:
    """A source as Markdown: an http(s) URL as a link, anything else (a citation, or a
    `javascript:` URL) as plain text."""
    if source.startswith(("https://", "http://")) and not any(c in source for c in " <>"):
        return f"<{source}>"
    return md_text(source)


def write_markdown(rows: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO) -> None:
    out.write("| " + " | ".join(columns) + " |\n")
    out.write("|" + "|".join(" --- " for _ in columns) + "|\n")
    for row in rows:
        out.write("| " + " | ".join(md_text(cell_text(row[c])) for c in columns) + " |\n")


def dossier_markdown(dossier: Dossier, names: dict[str, str]) -> str:
    """`show --format markdown`: one dossier as a Markdown page (fields, then its events
    with their sources as links). `names` maps actor ids to their names."""

    def actors(ids: Iterable[str]) -> str:
        return ", ".join(f"{md_text(names.get(a, a))} (`{a}`)" for a in ids)

    lines = [f"# {md_text(dossier.title)}", "", "| field | value |", "| --- | --- |"]
    for field in dossier_fields(dossier):
        if field.name == "title":  # the page's heading
            continue
        if field.name == "id":
            value = f"`{dossier.id}`"
        elif field.actors:
            value = actors(field.values)
        else:
            value = md_text(("; " if field.name == "aliases" else ", ").join(field.values))
        lines.append(f"| {field.label} | {value} |")
        if field.name == "since" and (accused := dossier.first_accusation) is not None:
            lines.append(f"| first accused | {actors([accused.accused])}, by "
                         f"{actors([accused.actor])}, on {accused.date} |")
    lines += ["", md_text(dossier.summary), ""]
    if dossier.next:
        lines += ["## Next", ""]
        for decision in dossier.next:
            lines.append(f"- **{decision.date}**: {md_text(decision.due)} (decided by "
                         f"{actors(decision.by)}); {md_source(decision.sources[0])}")
        lines.append("")
    lines += ["## Events", ""]
    for e in dossier.events:
        status = f" → **{e.status}**" if e.status else ""
        unverified = " *(unverified)*" if e.unverified else ""
        lines.append(f"### {e.date}: {md_text(names.get(e.actor, e.actor))} {md_text(e.action)}"
                     f"{status}{unverified}")
        lines += ["", md_text(e.summary), ""]
        if e.accuses:
            lines += [f"Accuses {actors([e.accuses])}.", ""]
        if e.over is not None:
            lines += [f"Over: {', '.join(f'`{r}`' for r in e.over) or 'no link stated'}.", ""]
        lines += [f"- {md_source(s)}" for s in e.sources]
        lines.append("")
    return "\n".join(lines)
