"""The canonical layout of a data file, and the YAML writer that edits share.

Writing goes through ruamel.yaml in round-trip mode: it keeps comments, key order, quoting,
flow or block style and folded text as they were, which PyYAML cannot. Reading for
validation stays on our own loader (yamlsource), and every write is checked against it.

The canonical layout (what `compartment fmt` produces, and `fmt --check` demands):

* `actors` in alphabetical order of id, each `name` then `bloc`;
* `dossiers` grouped by domain in the vocabulary's order (vocab.DOMAINS), then by id; keys in
  the contract's order: DOSSIER_KEYS, and EVENT_KEYS inside events;
* events stably sorted by their date text (the partial-date rule of dates.py);
* 2-space indentation, a list's dash indented 2 under its key; dates unquoted; null written
  `null`; comments kept; the file's line endings (LF or CRLF) and byte-order mark kept.

Styles the author chose are kept: a list written `[a, b]` stays a flow list, a `>-` folded
summary stays folded with its line breaks, quotes stay. Nothing here prints.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compartment.data.vocab import (
    ACTOR_FIELDS,
    CLAIM_FIELDS,
    DOSSIER_FIELDS,
    EVENT_FIELDS,
    PUBLISHER_FIELDS,
    dossier_order,
)
from compartment.errors import CompartmentError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ruamel.yaml import YAML

    from compartment.data.dataset import Dataset, Dossier, Event
    from compartment.edit.editflow import Edit

# Keys are written in the data contract's order (vocab.py holds the one list of them).
DOSSIER_KEYS = DOSSIER_FIELDS
EVENT_KEYS = EVENT_FIELDS
ACTOR_KEYS = ACTOR_FIELDS
CLAIM_KEYS = CLAIM_FIELDS
PUBLISHER_KEYS = PUBLISHER_FIELDS

CANONICAL_INDENT = (2, 4, 2)  # ruamel's (mapping, sequence, offset): `key:\n  - item`
LINE_WIDTH = 100  # a `key: text` line longer than this is written as a folded `>-` block
FOLD_WIDTH = 96  # where folded text wraps, counting the indentation (as the shipped file does)

_DOC_START = re.compile(r"^---(\s|$)", re.M)


class FormatError(CompartmentError):
    """Formatting would change the data itself (a bug): nothing is written."""


# -- the text around the YAML: byte-order mark, line endings -----------------------------------


def newline_of(text: str) -> str:
    """The file's line ending, judged by its first line: "\\r\\n" or "\\n"."""
    end = text.find("\n")
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


def with_newline(text: str, newline: str) -> str:
    """`text` (LF line ends, as ruamel writes) with the file's own line ends."""
    return text.replace("\n", newline) if newline != "\n" else text


# -- the ruamel.yaml writer ---------------------------------------------------------------------


def detect_indent(text: str) -> tuple[int, int, int]:
    """ruamel's (mapping, sequence, offset) indentation as the file uses it.

    Judged from the first nested mapping and the first block list under a key; the canonical
    values where the file shows none.
    """
    mapping = sequence = offset = None
    opener: int | None = None  # the column of a `key:` with nothing after it, awaiting a child
    block: int | None = None  # inside a block scalar (`key: >-`) opened at this indentation
    for raw in _lines(text):
        line = raw.rstrip("\r")
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(line) - len(body)
        if block is not None and indent > block:
            continue
        block = None
        if opener is not None:
            if body == "-" or body.startswith("- "):
                rest = body[1:]
                if offset is None and indent >= opener and rest.strip():
                    offset = indent - opener
                    sequence = indent + 1 + len(rest) - len(rest.lstrip(" ")) - opener
            elif mapping is None and indent > opener:
                mapping = indent - opener
        if mapping is not None and offset is not None:
            break
        dashes = re.match(r"(?:- +)*", body)
        prefix = dashes.end() if dashes else 0
        entry = body[prefix:]
        opens = _KEY_ONLY.fullmatch(entry)
        opener = indent + prefix if opens else None
        if not opens and _KEY_BLOCK.fullmatch(entry):
            block = indent + prefix
    mapping = mapping or CANONICAL_INDENT[0]
    if offset is None or sequence is None or sequence < offset + 2:
        offset, sequence = CANONICAL_INDENT[2], CANONICAL_INDENT[1]
    return mapping, sequence, offset


def _lines(text: str) -> Iterator[str]:
    """text.split("\\n"), a line at a time: detect_indent stops at the first lines that
    tell, and splitting a 10,000-dossier file whole costs an edit 0.08 s."""
    start = 0
    while (end := text.find("\n", start)) != -1:
        yield text[start:end]
        start = end + 1
    yield text[start:]


_KEY_ONLY = re.compile(r"""(?:[^\s#'"{\[\]},&*!|>%@`-][^#]*?|"[^"]*"|'[^']*'):[ ]*(?:#.*)?""")
_KEY_BLOCK = re.compile(r"""[^#]*?:[ ]+[|>][-+0-9]*[ ]*(?:#.*)?""")


def make_yaml(
    indent: tuple[int, int, int] = CANONICAL_INDENT, *, explicit_start: bool = False
) -> YAML:
    """A round-trip ruamel.yaml set up like our files: YAML 1.2, quotes kept, no re-wrapping."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    mapping, sequence, offset = indent
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.width = 1 << 16  # never re-wrap a long line the author wrote on one line
    yaml.preserve_quotes = True
    yaml.explicit_start = explicit_start
    yaml.representer.add_representer(type(None), _represent_null)
    return yaml


def new_mapping() -> Any:
    """An empty round-trip mapping, for a record an edit inserts (it keeps key order and can
    carry comments like the ones ruamel read)."""
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap()


def _represent_null(representer: Any, _value: None) -> Any:
    # ruamel writes a null mapping value as nothing at all (`key:`); the contract writes null.
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def has_document_start(text: str) -> bool:
    """Whether the document opens with `---` (after any comments)."""
    for line in text.split("\n"):
        body = line.strip()
        if not body or body.startswith("#") or body.startswith("%"):
            continue
        return _DOC_START.match(body) is not None
    return False


def read_document(yaml: YAML, text: str) -> Any:
    return yaml.load(text)


def dump(yaml: YAML, document: Any) -> str:
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


# -- new values, written the way the shipped file writes them ---------------------------------


def yaml_date(text: str) -> Any:
    """A date as a value ruamel writes unquoted: 2014-03-01, 2014-03 or 2014.

    A full date becomes a datetime.date and a year an int (a YAML 1.2 writer would otherwise
    quote them as looking like a timestamp or a number); our loader reads both back as the
    text they were. Anything else stays text.
    """
    if re.fullmatch(r"[1-9]\d{3}", text):
        return int(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text


def yaml_text(value: str, key: str, column: int, step: int = 2) -> Any:
    """Text for `key:` written at `column`: as it is when `key: value` fits in LINE_WIDTH,
    else folded (`>-`, wrapped at FOLD_WIDTH, its lines indented `step` under the key), or a
    literal block (`|-`) when it holds line breaks.

    Text that a block cannot carry exactly (leading or trailing blanks, runs of spaces,
    tabs) is left to the writer, which quotes it.
    """
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

    if "\t" in value or value != value.strip() or not value:
        return value
    if "\n" in value:
        lines = value.split("\n")
        if any(line != line.strip() or not line for line in lines):
            return value
        return LiteralScalarString(value)
    if column + len(key) + 2 + len(value) <= LINE_WIDTH or "  " in value:
        return value
    folded = FoldedScalarString(value)
    width = FOLD_WIDTH - (column + step)
    folded.fold_pos = fold_positions(value, width)
    return folded


def fold_positions(value: str, width: int) -> list[int]:
    """The spaces at which greedy wrapping to `width` breaks `value`."""
    positions: list[int] = []
    start = 0
    last_space = -1
    for i, char in enumerate(value):
        if char == " ":
            if i - start > width and last_space > start:
                positions.append(last_space)
                start = last_space + 1
            last_space = i
    if len(value) - start > width and last_space > start:
        positions.append(last_space)
    return positions


def yaml_list(values: list[str], *, flow: bool) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(values)
    if flow:
        seq.fa.set_flow_style()
    else:
        seq.fa.set_block_style()
    return seq


# -- new records ------------------------------------------------------------------------------

BLOCK_LISTS = ("aliases", "sources")  # written one item a line, as the shipped file does


def fits_flow(key: str, values: list[str], column: int) -> bool:
    """Whether `key: [values]` fits on one line at `column` (and the key is not one written
    one item a line)."""
    width = column + len(key) + 4 + sum(len(v) + 2 for v in values)
    return key not in BLOCK_LISTS and width <= LINE_WIDTH


def event_map(event: Event, column: int, step: int) -> Any:
    """A new event as the shipped file writes one, its mapping at `column`."""
    record = new_mapping()
    record["date"] = yaml_date(event.date)
    record["actor"] = event.actor
    record["action"] = yaml_text(event.action, "action", column, step)
    if event.status is not None:
        record["status"] = event.status
    if event.unverified:
        record["unverified"] = True
    record["summary"] = yaml_text(event.summary, "summary", column, step)
    record["sources"] = yaml_list(list(event.sources), flow=not event.sources)
    return record


def dossier_map(dossier: Dossier, indent: tuple[int, int, int]) -> Any:
    """A new dossier as the shipped file writes one."""
    column, step = indent[1], indent[0]
    record = new_mapping()
    record["id"] = dossier.id
    record["title"] = yaml_text(dossier.title, "title", column, step)
    if dossier.aliases:
        record["aliases"] = yaml_list(list(dossier.aliases), flow=False)
    record["domain"] = dossier.domain
    record["parties"] = _flow_list("parties", dossier.parties, column)
    if dossier.forum is not None:
        record["forum"] = yaml_text(dossier.forum, "forum", column, step)
    record["status"] = dossier.status
    record["broken_off_by"] = dossier.broken_off_by
    for key in ("approach", "third_parties"):
        if getattr(dossier, key):
            record[key] = _flow_list(key, getattr(dossier, key), column)
    record["summary"] = yaml_text(dossier.summary, "summary", column, step)
    if dossier.tags:
        record["tags"] = _flow_list("tags", dossier.tags, column)
    record["events"] = yaml_list(
        [event_map(e, column + indent[1], step) for e in dossier.events], flow=False
    )
    return record


def _flow_list(key: str, values: tuple[str, ...], column: int) -> Any:
    return yaml_list(list(values), flow=fits_flow(key, list(values), column))


# -- the canonical layout ---------------------------------------------------------------------


def canonical(text: str) -> str:
    """`text` (a valid data file, without byte-order mark) in the canonical layout."""
    yaml = make_yaml(CANONICAL_INDENT, explicit_start=has_document_start(text))
    document = read_document(yaml, text.replace("\r\n", "\n"))  # ruamel would keep a CR in comments
    reorder(document)
    return with_newline(dump(yaml, document), newline_of(text))


def reorder(document: Any) -> None:
    """Put a round-trip document in canonical order, in place, comments travelling along."""
    actors = document.get("actors")
    if hasattr(actors, "move_to_end"):
        for actor_id in sorted(actors):
            actors.move_to_end(actor_id)
        for actor in actors.values():
            _order_keys(actor, ACTOR_KEYS)
    publishers = document.get("publishers")
    if hasattr(publishers, "move_to_end"):
        for host in sorted(publishers):
            publishers.move_to_end(host)
        for publisher in publishers.values():
            _order_keys(publisher, PUBLISHER_KEYS)
    dossiers = document.get("dossiers")
    if not isinstance(dossiers, list):
        return
    _sort_seq(dossiers, lambda d: dossier_order(str(d.get("domain")), str(d.get("id"))))
    for dossier in dossiers:
        _order_keys(dossier, DOSSIER_KEYS)
        events = dossier.get("events")
        if not isinstance(events, list):
            continue
        _sort_seq(events, lambda e: date_text(e.get("date")))
        for event in events:
            _order_keys(event, EVENT_KEYS)
            for claim in event.get("claims") or ():
                _order_keys(claim, CLAIM_KEYS)
            if "date" in event:
                assign(event, "date", yaml_date(date_text(event["date"])))


def assign(mapping: Any, key: str, value: Any) -> None:
    """Set `mapping[key]` to exactly `value`, in place, its comments kept.

    ruamel's own assignment gives new text the quoting of the old value; a value we write
    follows our rules (dates unquoted, long text folded) instead.
    """
    from ruamel.yaml.compat import ordereddict

    if key in mapping:
        ordereddict.__setitem__(mapping, key, value)
    else:
        mapping[key] = value


def date_text(value: Any) -> str:
    """A date as our loader reads it: the text written, whatever type ruamel made of it."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _order_keys(mapping: Any, keys: tuple[str, ...]) -> None:
    if not hasattr(mapping, "move_to_end"):
        return
    present = list(mapping)
    wanted = [k for k in keys if k in mapping] + [k for k in present if k not in keys]
    if present == wanted:
        return
    for key in wanted:
        mapping.move_to_end(key)


def _sort_seq(seq: Any, key: Any) -> None:
    """Sort a round-trip list stably, moving each item's comments with it."""
    order = sorted(range(len(seq)), key=lambda i: key(seq[i]))
    if order == list(range(len(seq))):
        return
    items = [seq[i] for i in order]
    comments = getattr(seq, "ca", None)
    moved = {}
    if comments is not None:
        moved = {new: comments.items[old] for new, old in enumerate(order) if old in comments.items}
    list.clear(seq)
    list.extend(seq, items)
    if comments is not None:
        comments.items.clear()
        comments.items.update(moved)


# -- fmt as the command uses it ---------------------------------------------------------------


def format_text(text: str, name: str) -> Edit:
    """Validate `text`, then lay it out canonically; data with errors is left as it is, and
    the Edit carries the errors.

    The result is validated again and must hold exactly the same records: formatting that
    changed a value would be a bug, reported as FormatError rather than written.
    """
    from compartment.data import loader
    from compartment.edit.editflow import Edit, cached_load

    # From the cache entry of the file when it holds this text, else incrementally against
    # it (loader.load_text's cache_as): a pre-commit check after a small edit stays cheap.
    before = cached_load(text, name) or loader.load_text(text, name, cache_as=Path(name))
    if before.errors or before.dataset is None:
        return Edit(text, text, "not formatted", before.problems)
    from compartment.store import fmtmemo

    # The round trip below would give the text back unchanged: judged from the parse, and
    # from the pieces an earlier check found canonical (fmtmemo).
    if fmtmemo.is_canonical(text, before.path, before.dataset):
        return Edit(text, text, "reformatted", before.problems)
    result = canonical(text)
    after = loader.load_text(result, name)
    if after.errors or after.dataset is None or not same_data(before.dataset, after.dataset):
        raise FormatError(f"{name}: formatting would change the data; nothing was written")
    if comment_lines(result) != comment_lines(text):
        raise FormatError(f"{name}: formatting would lose a comment; nothing was written")
    return Edit(text, result, "reformatted", before.problems)


def comment_lines(text: str) -> Counter[str]:
    """The whole-line comments of a text, wherever they stand."""
    return Counter(
        body for body in (line.strip() for line in text.split("\n")) if body.startswith("#")
    )


def same_data(a: Dataset, b: Dataset) -> bool:
    """The same actors and dossiers, in whatever order."""
    return a.actors == b.actors and sorted(a.dossiers, key=lambda d: d.id) == sorted(
        b.dossiers, key=lambda d: d.id
    )
