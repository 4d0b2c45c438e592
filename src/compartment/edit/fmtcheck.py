"""Whether a data file is already in the canonical layout, judged from its parse.

`canonical` costs ruamel a load and a dump of the whole file (about 1.5 s for the shipped
file, 4,000 lines); most files `fmt --check` sees are already canonical. is_canonical
writes the text again from libyaml's node tree, the way the canonical dump writes it, for
the forms that dump is known to write unchanged (tests/test_splice.py holds the two equal
on random ledgers), and compares. Any other form (a comment after the header, a blank line
anywhere but between two dossiers, a `---`, a `~`, a number, a quoted scalar needing escapes,
a multi-line plain scalar, CRLF line ends) gives False, and `fmt.format_text` makes the round
trip to decide. The shipped file: 0.02-0.03 s here against 1.5 s for the round trip.
"""

from __future__ import annotations

import re
from typing import Any

from compartment.data.vocab import (
    ACTOR_FIELDS,
    CLAIM_FIELDS,
    DOSSIER_FIELDS,
    EVENT_FIELDS,
    PUBLISHER_FIELDS,
    dossier_order,
)

_PLAIN_WORDS = frozenset({"null", "true", "false"})
_OTHER_WORDS = frozenset({"~", "Null", "NULL", "True", "TRUE", "False", "FALSE", ""})
_DATE_LIKE = re.compile(r"[1-9][0-9]{3}(?:-[0-9]{2}(?:-[0-9]{2})?)?")
# A letter no number or timestamp can hold: text such as `2001-2009.state.gov` stays text.
_WORDY = re.compile(r"[^\W\d_eExXoObBtTzZ]")
_PLAIN_START = re.compile(r"[^\W\d_]|[(/]")  # a letter (any script), `(` or `/`
_FLOW_UNSAFE = re.compile(r"[,\[\]{}]")
# The fields of a layout node (yamlsource.LayoutNode).
_KIND, _VALUE, _STYLE, _LINE, _END = range(5)


class _NotCanonical(Exception):
    pass


def is_canonical(text: str) -> bool:
    """Whether `canonical(text) == text`, decided without the round trip where the layout
    allows; False means only "not shown canonical"."""
    from compartment.data import yamlsource

    if "\r" in text or not text.endswith("\n") or text.endswith("\n\n"):
        return False  # CRLF files and odd endings: the round trip decides
    lines = text.split("\n")[:-1]
    header = 0
    while header < len(lines) and (lines[header].startswith("#") or not lines[header]):
        if lines[header] != lines[header].rstrip():
            return False
        header += 1
    if header < len(lines) and lines[header].startswith(("---", "%")):
        return False
    body = lines[header:]
    kept = []
    for i, line in enumerate(body):
        if line:
            kept.append(line)
        # One blank line between two dossiers, as the shipped file has: ruamel keeps it.
        elif not (0 < i < len(body) - 1 and body[i + 1].startswith("  - ")
                  and body[i - 1] and not body[i - 1].endswith(":")):
            return False
    root = yamlsource.layout(text)
    if root is None or root[_KIND] != "mapping" or root[_STYLE]:
        return False
    out: list[str] = []
    try:
        _write_mapping(root, 0, "", out, lines)
        _check_order(root)
    except _NotCanonical:
        return False
    return out == kept


def _scalar_text(node: Any, flow: bool = False) -> str:
    kind, value, style, line, end = node
    if kind != "scalar" or line != end:
        raise _NotCanonical
    if style is None:  # plain
        if value in _PLAIN_WORDS:
            return str(value)
        if value in _OTHER_WORDS or value != value.strip() or not value.isprintable():
            raise _NotCanonical
        if value[0].isdigit():
            if _DATE_LIKE.fullmatch(value) is None and _WORDY.search(value) is None:
                raise _NotCanonical
        elif _PLAIN_START.match(value) is None:
            raise _NotCanonical
        if flow and _FLOW_UNSAFE.search(value):
            raise _NotCanonical
        return str(value)
    if not value.isprintable() or flow:
        raise _NotCanonical
    text = str(value)
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    if style == '"' and '"' not in text and "\\" not in text:
        return '"' + text + '"'
    raise _NotCanonical


def _block_scalar(node: Any, column: int, out: list[str], lines: list[str]) -> str:
    """`>-` or `|-` and the lines under it, as written (ruamel keeps the author's breaks)."""
    _kind, value, style, line, end = node
    if value != value.strip() or not value or value.endswith("\n"):
        raise _NotCanonical
    indent = " " * column
    contents = []
    for source in lines[line + 1 : end + 1]:  # the end mark is on the next line, or beyond
        if not source.startswith(indent):
            break
        content = source[column:]
        if not content or content != content.strip():
            raise _NotCanonical
        contents.append(content)
    joined = "\n".join(contents) if style == "|" else " ".join(contents)
    if joined != value or not all(c.isprintable() for c in contents):
        raise _NotCanonical
    out.extend(indent + c for c in contents)
    return ">-" if style == ">" else "|-"


def _write_mapping(node: Any, column: int, first: str, out: list[str], lines: list[str]) -> None:
    """The block mapping at `column`; `first` is the `- ` that opens a list item's mapping."""
    if not node[_VALUE]:
        raise _NotCanonical
    for i, (key, value) in enumerate(node[_VALUE]):
        prefix = (first if i == 0 and first else " " * column) + _scalar_text(key) + ":"
        _write_value(value, column, prefix, out, lines)


def _write_value(value: Any, column: int, prefix: str, out: list[str], lines: list[str]) -> None:
    kind, items, style, line, end = value
    if kind == "scalar":
        if style in (">", "|"):
            at = len(out)
            out.append("")
            out[at] = prefix + " " + _block_scalar(value, column + 2, out, lines)
        else:
            out.append(prefix + " " + _scalar_text(value))
        return
    if style:  # flow style
        if line != end:
            raise _NotCanonical
        if kind == "sequence":
            out.append(prefix + " [" + ", ".join(_scalar_text(v, flow=True) for v in items) + "]")
        elif not items:
            out.append(prefix + " {}")
        else:
            raise _NotCanonical
        return
    out.append(prefix)
    if kind == "mapping":
        _write_mapping(value, column + 2, "", out, lines)
        return
    dash = " " * (column + 2) + "- "
    for item in items:
        if item[_KIND] == "mapping" and not item[_STYLE]:
            _write_mapping(item, column + 4, dash, out, lines)
        elif item[_KIND] == "scalar" and item[_STYLE] not in (">", "|"):
            out.append(dash + _scalar_text(item))
        else:
            raise _NotCanonical


def _check_order(root: Any) -> None:
    """What `reorder` would move: it must find everything in place already."""
    top = {key[_VALUE]: value for key, value in root[_VALUE]}
    for section, keys in (("actors", ACTOR_FIELDS), ("publishers", PUBLISHER_FIELDS)):
        entries = top.get(section)
        if entries is None:
            continue
        if entries[_KIND] != "mapping":
            raise _NotCanonical
        names = [key[_VALUE] for key, _ in entries[_VALUE]]
        if names != sorted(names):
            raise _NotCanonical
        for _, record in entries[_VALUE]:
            _check_keys(record, keys)
    dossiers = top.get("dossiers")
    if dossiers is None or dossiers[_KIND] != "sequence":
        raise _NotCanonical  # the validator refuses such a file before this is asked
    order = []
    for dossier in dossiers[_VALUE]:
        fields = _check_keys(dossier, DOSSIER_FIELDS)
        order.append(dossier_order(_plain(fields.get("domain")), _plain(fields.get("id"))))
        events = fields.get("events")
        if events is None:
            continue
        if events[_KIND] != "sequence":
            raise _NotCanonical
        dates = []
        for event in events[_VALUE]:
            event_fields = _check_keys(event, EVENT_FIELDS)
            date = event_fields.get("date")
            if date is not None:  # written plain, as `yaml_date` makes it
                if date[_KIND] != "scalar" or date[_STYLE] is not None:
                    raise _NotCanonical
                dates.append(date[_VALUE])
            claims = event_fields.get("claims")
            if claims is not None and claims[_KIND] == "sequence":
                for claim in claims[_VALUE]:
                    _check_keys(claim, CLAIM_FIELDS)
        if dates != sorted(dates):
            raise _NotCanonical
    if order != sorted(order):
        raise _NotCanonical


def _check_keys(node: Any, order: tuple[str, ...]) -> dict[str, Any]:
    if node[_KIND] != "mapping":
        raise _NotCanonical
    present = [key[_VALUE] for key, _ in node[_VALUE]]
    wanted = [k for k in order if k in present] + [k for k in present if k not in order]
    if present != wanted:
        raise _NotCanonical
    return {key[_VALUE]: value for key, value in node[_VALUE]}


def _plain(node: Any) -> str:
    if node is None or node[_KIND] != "scalar":
        raise _NotCanonical
    return str(node[_VALUE])
