"""The one way the data file is changed: parse -> change the records -> validate -> write.

`apply(text, name, change)` is pure: the text is validated (an edit needs clean data), the
change is made on the records, and the result is written by the canonical writer and
validated again; it returns an `Edit` (the text before and after, what was done, the
problems of the result). `rewrite(path, change)` does that to the file under its lock and
writes the result atomically if it has no errors and changes something, then stores it in
the cache, so that the command after an edit is warm. `fmt` is the same path with no change;
the merge driver writes through the same writer.

A comment a user wrote is never dropped silently: the canonical layout keeps the comment
lines that open the file (the preamble); a comment anywhere else makes the command refuse,
naming its line.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from compartment.data.dataset import LoadResult
from compartment.edit import canonical, changes
from compartment.errors import CompartmentError, Location, Problem, Severity, render_path
from compartment.store import datafile, storage

if TYPE_CHECKING:
    from compartment.data.checks import Finding
    from compartment.data.dataset import Dataset
    from compartment.edit.changes import Change

BOM = b"\xef\xbb\xbf"


class Edit(NamedTuple):
    """A change of the file's text worked out in memory."""

    before: str
    after: str
    message: str
    problems: list[Problem] = []  # every problem of the result
    new_warnings: list[Problem] = []  # warnings the change introduced
    loaded: LoadResult | None = None  # the load of `after`, when it was validated
    relaid: bool = False  # the text was not canonical: the change laid out all of it

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def line(self) -> int:
        """The first line that differs (1-based), for `file:line` in messages."""
        before, after = self.before.split("\n"), self.after.split("\n")
        same = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                    min(len(before), len(after)))
        return same + 1

    def diff(self, name: str) -> str:
        """The change as `git diff` shows it (line ends shown as LF); `a/`, `b/` prefixes only
        for a relative file name."""
        import difflib

        relative = not name.startswith(("/", "\\")) and ":" not in name[:3]
        a, b = ([line.rstrip("\r") + "\n" for line in text.splitlines()]
                for text in (self.before, self.after))
        return "".join(difflib.unified_diff(
            a, b, f"a/{name}" if relative else name, f"b/{name}" if relative else name))


class EditRefused(CompartmentError):
    """The file cannot be changed as it stands: it has errors, or comments outside the
    preamble that the canonical layout would drop."""


def newline_of(text: str) -> str:
    """The file's line ending, judged by its first line: "\\r\\n" or "\\n"."""
    end = text.find("\n")
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


def write_text(data: Dataset, like: str, memo: canonical.Memo | None = None) -> str:
    """`data` in the canonical layout, with the preamble and line ends of the text `like`."""
    out = canonical.dump(data, canonical.preamble(like), memo)
    newline = newline_of(like)
    return out.replace("\n", newline) if newline != "\n" else out


def apply(text: str, name: str, change: Change | None, before: LoadResult | None = None) -> Edit:
    """Validate `text` (or take `before`, its load from the cache), make `change` (None: lay
    the text out canonically, as `fmt` does) and validate the result. Data with errors: for
    `fmt`, an Edit that changes nothing and carries the problems; for a change, EditRefused,
    unless the errors are of the rules across records and the change mends them all (as
    `publisher add` does for a host already cited: what the error's hint says to run)."""
    from compartment.data import loader

    spans: list[tuple[int, int]] | None = None
    if before is None:
        spans = []
        before = loader.load_text(text, name, spans=spans, lenient=True)
    refused = EditRefused(f"{name} has {len(before.errors)} error(s); fix them before editing "
                          "(`compartment validate` lists them)", problems=before.errors)
    if before.dataset is None or (before.errors and change is None):
        if change is None:
            return Edit(text, text, "not formatted", before.problems)
        raise refused
    memo = canonical.Memo()
    laid_out = write_text(before.dataset, text, memo)
    relaid = laid_out != text
    if relaid:  # not canonical: would a comment be lost?
        if spans is None:
            spans = []
            loader.load_text(text, name, spans=spans)
        lines = canonical.comments(text, spans)
        if lines:
            where = ", ".join(str(n) for n in lines[:5]) + (", ..." if len(lines) > 5 else "")
            raise EditRefused(f"{name}:{lines[0]}: a comment outside the header at the top of "
                              f"the file (line{'s' * (len(lines) > 1)} {where}); the canonical "
                              "layout keeps comments only there: move it into the header or "
                              "delete it, then run this again")
    if change is None:
        return Edit(text, laid_out, "reformatted", before.problems, [], before)
    data, message = change(before.dataset)
    data = canonical.ordered(data)  # as a load of the text written gives it
    after_text = write_text(data, text, memo)
    after = _validated(before, data, after_text, name)
    if before.errors and after.errors:
        raise refused
    seen = {(p.code, p.message) for p in before.problems}
    new_warnings = [p for p in after.warnings if (p.code, p.message) not in seen]
    return Edit(text, after_text, message, after.problems, new_warnings, after, relaid)


def _validated(before: LoadResult, data: Dataset, text: str, name: str) -> LoadResult:
    """The load of `text`, the canonical writing of `data` (a change of `before`'s dataset):
    the records the change made are validated by the models, then the whole by the rules
    across records. Only when that finds a problem is the text loaded in full, for the lines
    to report (the writer's round trip is held exact by the tests; it is not parsed again)."""
    from pydantic import ValidationError

    from compartment.data import checks, loader
    from compartment.data.models import ActorModel, DossierModel, PublisherModel

    old = before.dataset
    assert old is not None
    unchanged = {id(d) for d in old.dossiers}
    new_records: list[tuple[Any, Any]] = [
        *((DossierModel, d) for d in data.dossiers if id(d) not in unchanged),
        *((ActorModel, a) for k, a in data.actors.items() if old.actors.get(k) is not a),
        *((PublisherModel, p) for k, p in data.publishers.items()
          if old.publishers.get(k) is not p),
    ]
    try:
        for model, record in new_records:
            changes.checked(record)  # a character the file cannot hold: the full load says
            model.model_validate(canonical.plain(record))
        findings = checks.run(data)
    except (ValidationError, CompartmentError):
        return loader.load_text(text, name, before.path)
    if any(f.severity is Severity.ERROR for f in findings):
        return loader.load_text(text, name, before.path)
    located = _located(findings, text, name, dict(enumerate(d.id for d in data.dossiers)))
    if located is None:
        return loader.load_text(text, name, before.path)
    return LoadResult(before.path, data, located)


def _located(findings: list[Finding], text: str, name: str,
             names: dict[int, str]) -> list[Problem] | None:
    """The warnings `findings` at their lines in `text`, a canonical writing: each located
    in the one block it points into (a dossier, or a top-level section such as `actors:`),
    composed alone. A ledger with warnings on many dossiers then costs an edit a fraction of
    composing the whole file. None if a path leads nowhere (the full load will say)."""
    from compartment.data import yamlsource
    from compartment.data.loader import LOCATED_BY_KEY

    lines = text.splitlines(keepends=True)
    tops = [n for n, line in enumerate(lines) if line[:1] not in ("", " ", "#", "\n")]
    # Each top-level section's (first line, end), by its key; then each dossier's.
    blocks = {lines[n].split(":", 1)[0]: (n, end)
              for n, end in zip(tops, [*tops[1:], len(lines)], strict=True)}
    first, last = blocks.get("dossiers", (0, 0))
    starts = [n for n in range(first, last) if lines[n].startswith("  - id: ")]
    # Not strict: with no dossier (a new ledger) `last` has no start to pair with.
    dossiers = list(zip(starts, [*starts[1:], last], strict=False))
    maps: dict[tuple[int, int], yamlsource.SourceMap] = {}
    out = []
    for path, code, message, severity in findings:
        if (path[0] == "dossiers" and len(path) > 1 and isinstance(path[1], int)
                and path[1] < len(dossiers)):
            (start, end), inner = dossiers[path[1]], (0, *path[2:])
        elif isinstance(path[0], str) and path[0] in blocks:
            (start, end), inner = blocks[path[0]], path
        else:
            return None
        if (start, end) not in maps:
            maps[start, end] = yamlsource.SourceMap("".join(lines[start:end]))
        line, col = maps[start, end].locate(inner, key=code in LOCATED_BY_KEY)
        if not line:
            return None
        where = Location(name, start + line, col, path, render_path(path, names))
        out.append(Problem(where, code, message, severity))
    out.sort(key=lambda p: (p.location.line, p.location.column))
    return out


def rewrite(path: Path, change: Change | None, *, write: bool, force: bool = False) -> Edit:
    """`apply` to the file at `path`; with `write`, save the result if it has no errors and
    changes something, and store its load in the cache. The file's cache entry, if it holds
    this very content, spares the first validation. A read-only file is refused before any
    work unless `force` (storage.check_writable)."""
    from compartment.store import cache

    shown = str(path)
    with storage.locked(path) if write else nullcontext():
        if write:
            storage.check_writable(path, force=force)
        raw, text = read_file(path, shown)
        hit = cache.read(path, raw, shown)
        before = None if hit is None else LoadResult(path, *hit)
        edit = apply(text, shown, change, before)
        if write and not edit.errors and edit.after != edit.before:
            new = save(path, shown, raw, edit.after, expect=raw, force=force)
            if edit.loaded is not None:
                datafile.remember(path, new, edit.loaded)
    return edit


def read_file(path: Path, shown: str) -> tuple[bytes, str]:
    """The file's bytes and its text; CompartmentError where it is not UTF-8."""
    raw = datafile.read_bytes(path)
    text, (line, column), reason = datafile.decode(raw)
    if text is None:
        raise CompartmentError(f"{shown}:{line}:{column}: {reason}")
    return raw, text


def save(path: Path, shown: str, raw: bytes, text: str, *, expect: bytes | None = None,
         force: bool = False) -> bytes:
    """Write `text` atomically over the file that held `raw`, as UTF-8 with the byte-order
    mark `raw` had, if any; the bytes written."""
    new = (BOM if raw.startswith(BOM) else b"") + text.encode("utf-8")
    try:
        storage.write_atomic(path, new, expect=expect, force=force)
    except OSError as exc:
        raise CompartmentError(f"{shown}: cannot write ({exc.strerror or exc})") from None
    return new
