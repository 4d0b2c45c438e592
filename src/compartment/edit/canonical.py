"""The canonical text of a data file: the one writer every change goes through.

`dump(dataset, preamble)` writes the records as YAML in one fixed layout, so that `fmt`,
every edit and the merge driver produce the same bytes for the same data, and an edit of a
canonical file changes only the lines of what changed:

* the preamble (the comment lines that open the file) as it was, then `actors:` in
  alphabetical order of id, `crises:` by id, `dossiers:` in the canonical order (domain in
  the vocabulary's order, then id), `publishers:` in alphabetical order of host;
* keys in the data contract's order (vocab.py); a field left at its default (no aliases, no
  claims, `unverified: false`) is left out, `broken_off_by: null` and `sources:` never;
* 2-space indentation, a list's dash indented 2 under its key;
* a text written plain when `key: text` fits in LINE_WIDTH columns and plain YAML reads it
  back as the same text; longer text folded (`>-`, wrapped at FOLD_WIDTH); text with line
  breaks as a literal block (`|-`); anything else quoted;
* a list of short values `[a, b]` when it fits on its line, else one item a line; sources
  always one a line, so that a new source is a one-line diff.

Comments other than the preamble have no place in this layout: `comments` finds them, so
that a command refuses to drop one silently. Nothing here reads files or prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from compartment.data import vocab
from compartment.data.dataset import (
    Actor,
    Claim,
    Crisis,
    Dataset,
    Decision,
    Dossier,
    Event,
    Publisher,
)

LINE_WIDTH = 100  # a `key: text` line longer than this is folded
FOLD_WIDTH = 96  # where folded text wraps, counting its indentation
INDENT = 2

# The fields written for each kind of record, in the contract's order.
FIELDS: dict[type, tuple[str, ...]] = {
    Actor: vocab.ACTOR_FIELDS, Publisher: vocab.PUBLISHER_FIELDS, Dossier: vocab.DOSSIER_FIELDS,
    Event: vocab.EVENT_FIELDS, Claim: vocab.CLAIM_FIELDS, Crisis: vocab.CRISIS_FIELDS,
    Decision: vocab.DECISION_FIELDS,
}
BLOCK_LISTS = ("sources",)  # one item a line whatever their length

# Plain scalars that a YAML reader would take for something other than text: null, booleans
# (YAML 1.1's too, for the other tools that read the file), numbers.
_RESERVED = frozenset((
    "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
    "on", "On", "ON", "off", "Off", "OFF",
))
_NUMBER = re.compile(
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
    r"|0[xob][0-9a-fA-F_]+|\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN|[0-9][0-9_]*(?::[0-5]?[0-9])+)"
)
_DATE = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_UNSAFE = re.compile(r"[,\[\]{}]")
# What YAML can hold unescaped: tab, line feed and printable Unicode, less the line breaks
# YAML knows besides "\n", the byte-order mark and what errors.UNSAFE_CHARS holds (C0, C1,
# bidi controls, surrogates): those are written as escapes in double quotes.
_NEEDS_ESCAPE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufeff\ufffe\uffff]"
)


class Memo:
    """The text of each dossier already written, by the record's identity: an edit writes the
    data before and after its change, and every dossier it did not touch is written once."""

    def __init__(self) -> None:
        self._chunks: dict[int, tuple[Dossier, str]] = {}

    def dossier(self, dossier: Dossier) -> str:
        found = self._chunks.get(id(dossier))
        if found is None or found[0] is not dossier:
            out: list[str] = []
            _mapping(dossier, 2 * INDENT, out, " " * INDENT + "- ")
            found = self._chunks[id(dossier)] = (dossier, "".join(out))
        return found[1]


def ordered(data: Dataset) -> Dataset:
    """`data` in the order the canonical text holds it, as a load of that text gives it."""
    dossiers = sorted(data.dossiers, key=lambda d: vocab.dossier_order(d.domain, d.id))
    return Dataset(dict(sorted(data.actors.items())), tuple(dossiers),
                   dict(sorted(data.publishers.items())), dict(sorted(data.crises.items())))


def dump(data: Dataset, preamble: str = "", memo: Memo | None = None) -> str:
    """The canonical text of `data`, after `preamble` (comment lines, each ending "\\n")."""
    memo = memo or Memo()
    data = ordered(data)
    out: list[str] = [preamble] if preamble else []
    _registry("actors", data.actors, out, empty="actors: {}\n")
    _registry("crises", data.crises, out)
    if data.dossiers:
        out.append("dossiers:\n")
        out.extend(memo.dossier(d) for d in data.dossiers)
    else:
        out.append("dossiers: []\n")
    _registry("publishers", data.publishers, out)
    return "".join(out)


def _registry(name: str, records: dict[str, Any], out: list[str], empty: str = "") -> None:
    """A mapping of records by key (actors, crises, publishers); `empty` if it has none."""
    if not records:
        out.append(empty)
    else:
        out.append(f"{name}:\n")
        for key, record in records.items():
            out.append(f"{' ' * INDENT}{_scalar(key)}:\n")
            _mapping(record, 2 * INDENT, out)


def plain(record: Any) -> dict[str, Any]:
    """The record as the file holds it, as plain values (what the models validate)."""
    return {name: _plain_value(value) for name, value in fields(record)}


def _plain_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [plain(v) if isinstance(v, tuple) and hasattr(v, "_fields") else v
                for v in value]
    return value


def fields(record: Any) -> Iterator[tuple[str, Any]]:
    """The fields of a record that the file writes, in order: those at their default value
    are left out, unless the record type has no default for them."""
    defaults = type(record)._field_defaults
    for name in FIELDS[type(record)]:
        value = getattr(record, name)
        if name not in defaults or value != defaults[name]:
            yield name, value


def _mapping(record: Any, column: int, out: list[str], first: str = "") -> None:
    """The record as a block mapping at `column`; `first` opens it as a list item."""
    for i, (name, value) in enumerate(fields(record)):
        prefix = first if i == 0 and first else " " * column
        _value(name, value, column, prefix, out)


def _value(name: str, value: Any, column: int, prefix: str, out: list[str]) -> None:
    head = f"{prefix}{name}:"
    if isinstance(value, tuple):
        dash = " " * (column + INDENT) + "- "
        if not value:
            out.append(f"{head} []\n")
        elif isinstance(value[0], tuple):  # records: events, claims
            out.append(head + "\n")
            for item in value:
                _mapping(item, column + 2 * INDENT, out, dash)
        else:
            flow = f"{head} [{', '.join(_scalar(v, flow=True) for v in value)}]"
            if name not in BLOCK_LISTS and len(flow) <= LINE_WIDTH and all(
                _plain(v, flow=True) for v in value
            ):
                out.append(flow + "\n")
            else:
                out.append(head + "\n")
                out.extend(f"{dash}{_scalar(v)}\n" for v in value)
        return
    if value is None:
        out.append(f"{head} null\n")
    elif isinstance(value, bool):
        out.append(f"{head} {'true' if value else 'false'}\n")
    elif name == "date" and _DATE.fullmatch(value):
        out.append(f"{head} {value}\n")
    else:
        out.extend(_text(head, value, column))


def _text(head: str, value: str, column: int) -> list[str]:
    """`head` and the text after it: plain, folded, literal or quoted (module docstring)."""
    indent = " " * (column + INDENT)
    if "\n" in value:
        lines = value.split("\n")
        if all(line and line == line.strip() and _yaml_printable(line) for line in lines):
            return [f"{head} |-\n", *(f"{indent}{line}\n" for line in lines)]
        return [f"{head} {_double_quoted(value)}\n"]
    if _plain(value) and len(head) + 1 + len(value) <= LINE_WIDTH:
        return [f"{head} {value}\n"]
    foldable = (value == value.strip() and "  " not in value and "\t" not in value
                and _yaml_printable(value))
    if foldable and len(head) + 1 + len(value) > LINE_WIDTH:
        return [f"{head} >-\n", *(f"{indent}{line}\n" for line in fold(value, FOLD_WIDTH
                                                                        - len(indent)))]
    return [f"{head} {_scalar(value)}\n"]


def fold(value: str, width: int) -> list[str]:
    """`value` broken at single spaces into lines of at most `width` characters where a word
    allows it (greedy); joined with single spaces they give `value` back."""
    lines: list[str] = []
    start, last_space = 0, -1
    for i, char in enumerate(value + " "):  # the space added closes the last line
        if char == " ":
            if i - start > width and last_space > start:
                lines.append(value[start:last_space])
                start = last_space + 1
            last_space = i
    lines.append(value[start:])
    return lines


def _scalar(value: str, flow: bool = False) -> str:
    """`value` as a one-line scalar: plain where that reads back as the same text, else in
    single quotes, else (line breaks, characters that need escapes) in double quotes."""
    if _plain(value, flow):
        return value
    if _yaml_printable(value) and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    return _double_quoted(value)


def _plain(value: str, flow: bool = False) -> bool:
    """Whether `value` written plain reads back as the same text, by us and other readers."""
    if not value or value != value.strip(" \t") or value in _RESERVED:
        return False
    if value[0] in _INDICATORS or value.startswith("..."):
        return False
    if ": " in value or " #" in value or value.endswith(":") or "\t" in value:
        return False
    if "\n" in value or not _yaml_printable(value) or _NUMBER.fullmatch(value):
        return False
    return not (flow and _FLOW_UNSAFE.search(value))


def _yaml_printable(value: str) -> bool:
    return _NEEDS_ESCAPE.search(value) is None


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


def _double_quoted(value: str) -> str:
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _NEEDS_ESCAPE.match(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


# -- the text around the data --------------------------------------------------------------


def preamble(text: str) -> str:
    """The comment lines (and blank lines among them) that open `text`, as they are, line
    ends made "\\n"; blank lines before and after them are dropped."""
    lines = []
    for line in text.split("\n"):
        body = line.rstrip("\r")
        if body.strip() and not body.startswith("#"):
            break
        lines.append(body if body.strip() else "")
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "".join(f"{line}\n" for line in lines)


_COMMENT_START = re.compile(r"(?:^|[ \t])#", re.M)


def comments(text: str, scalar_spans: list[tuple[int, int]]) -> list[int]:
    """The 1-based lines of the comments after the preamble: a `#` that starts a comment
    (at a line's start or after a blank) and lies in no scalar. `scalar_spans` are the
    character ranges [start, end) of every scalar of the parse (yamlsource.scalar_spans)."""
    start = len(preamble(text).replace("\n", "\r\n")) if "\r\n" in text else len(preamble(text))
    found: list[int] = []
    spans = sorted(scalar_spans)
    k = 0
    for match in _COMMENT_START.finditer(text, start):
        at = match.end() - 1
        while k < len(spans) and spans[k][1] <= at:
            k += 1
        if k < len(spans) and spans[k][0] <= at:
            continue  # inside a scalar: text, not a comment
        line = text.count("\n", 0, at) + 1
        if not found or found[-1] != line:
            found.append(line)
    return found
