"""How an edit of the data file is carried out, touching only what it changes.

Each edit is pure: text in, `Edit` out (the new text, what was done, and the problems of the
result); the command line decides whether to write it. How an edit is made:

1. The file must load without errors (loader.load_text): an edit needs to know the data.
2. ruamel.yaml loads the text in round-trip mode; it is written once as it is (the *base*),
   the edit is applied to the document, and it is written again (the *edited* text).
3. The difference between base and edited is exactly the edit as ruamel writes it. That
   difference is applied to the original text, at the lines where the base agrees with it
   (a three-way merge). Lines the edit does not touch are copied from the original byte for
   byte, so comments, blank lines, quoting and line endings (LF or CRLF) cannot change even
   where ruamel would have written them differently.
4. The result must read back (yamlsource.parse) as exactly the edited document, and the
   base as exactly the original. If any of that fails, the edit is refused (EditError):
   nothing partial is ever returned.

A new record goes above the blank lines and comments that open whatever follows it, so
comments stay with the record below them.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compartment.data.dataset import Dataset
from compartment.edit import fmt, linemerge
from compartment.errors import CompartmentError, Problem

if TYPE_CHECKING:
    from compartment.data.loader import LoadResult
    from compartment.store.segments import Segments


# Whether the edit being worked out is to be written. rewrite.rewrite clears it for a
# --dry-run, whose result must not take the place of the file's cache entry: the next
# command would find the entry holding a text the file never held, and load again.
WRITING: ContextVar[bool] = ContextVar("WRITING", default=True)


class EditError(CompartmentError):
    """The edit cannot be made; `problems` says why when the data itself is the reason."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message, problems=problems)


@dataclass(frozen=True)
class Edit:
    """A change of the file's text worked out in memory: the text before and after, what was
    done, and what became of the data. `fmt` makes one too."""

    before: str
    after: str
    message: str
    problems: list[Problem] = field(default_factory=list)  # every problem of the result
    new_warnings: list[Problem] = field(default_factory=list)  # warnings the edit introduced

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def line(self) -> int:
        """The first line that differs (1-based), for `file:line` in messages: the line that
        holds the first character that differs (compared in C: splitting and comparing every
        line took 0.3 s of an edit at 10,000 dossiers)."""
        return self.before.count("\n", 0, linemerge.common_prefix(self.before, self.after)) + 1


# -- the edit machinery ------------------------------------------------------------------------

Mutation = Callable[[Any, Dataset, tuple[int, int, int]], str]
# Which record an edit changes, judged on the whole dataset: the top-level section and the
# index of the item to take out with it (for an insertion, the item before the new one, or
# the first), and the dataset `mutate` is then given; None when the edit needs the whole
# document (it moves a record). May raise what `mutate` would raise on the whole data.
Scope = Callable[[Dataset], "tuple[str, int, Dataset] | None"]


def run(text: str, name: str, mutate: Mutation, scope: Scope | None = None) -> Edit:
    """Validate, make the edit by splicing (or the whole round trip), validate the result.

    The splice takes the lines of the one record the edit touches (located by libyaml's
    marks), makes the edit on them alone exactly as the round trip does on the whole
    document, and puts the result back. On the shipped file a round trip costs ruamel about
    1.5 s (load, two dumps and the line merge of 4,700 lines); one dossier takes milliseconds.
    `_round_trip` stays the fallback, and the reference the splice is tested against
    (tests/test_splice.py makes `_splice` give up to get it).
    """
    before, index = _validated(text, name)
    data = before.dataset
    assert data is not None
    spliced = None
    if scope is not None:
        # A dossier is found first from the cache entry's index of this text, or by its
        # `- id:` line (linemerge.dossier_lines), and the result kept only if it changed no
        # other dossier; else by libyaml's marks.
        target = scope(data)
        if target is not None and target[0] == "dossiers":
            ids = [d.id for d in data.dossiers]
            found = linemerge.dossier_lines(text, ids, target[1], index)
            quick = _splice(text, data, mutate, scope, found) if found is not None else None
            if quick is not None:
                edit, after = _finish(text, before, *quick, name)
                if _confined(text, edit.after, data, after.dataset, target[1]):
                    return edit
        spliced = _splice(text, data, mutate, scope)
    if spliced is None:
        spliced = _round_trip(text, name, data, mutate)
    return _finish(text, before, *spliced, name)[0]


def _confined(
    text: str, result: str, before: Dataset, after: Dataset | None, index: int
) -> bool:
    """Whether the edit's result leaves every dossier but the one at `index` unchanged (those
    before it in place, those after it counted from the end) and changes something there:
    what a splice on that dossier's lines gives."""
    if result == text:
        return True
    if after is None:  # the result has errors: not shown confined; the marks will tell
        return False
    old, new = before.dossiers, after.dossiers
    tail = len(old) - index - 1
    return (
        new[:index] == old[:index] and new[len(new) - tail :] == old[index + 1 :]
        and new[index : len(new) - tail] != old[index : index + 1]
    )  # fmt: skip


def _validated(text: str, name: str) -> tuple[LoadResult, Segments | None]:
    """The clean load of `text`, and the index of its cache entry if it came from one (the
    index of this very text: cached_load checks the digest)."""
    from compartment.data import loader
    from compartment.store import cache

    cached = cached_load(text, name)
    index = cache.last_index(Path(name)) if cached is not None else None
    before = cached or loader.load_text(text, name, cache_as=Path(name))
    if before.errors or before.dataset is None:
        raise EditError(
            f"{name} has {len(before.errors)} error(s); fix them before editing "
            "(`compartment validate` lists them)",
            before.errors,
        )
    return before, index


def cached_load(text: str, name: str) -> LoadResult | None:
    """The clean load of `text` from the cache of the data file `name`, if its entry holds
    this very text (digest checked): spares the first validation, 2.3 s at 10k dossiers."""
    from compartment.data import loader
    from compartment.store import cache

    path = Path(name)
    try:
        info = path.stat()
        raw = text.encode("utf-8")
    except (OSError, ValueError):  # no such file, or a text that is no file's (a surrogate)
        return None
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device is never the cache's
        return None
    hit = cache.read(path, info, lambda: cache.digest(raw), name, check_key=True)
    return None if hit is None else loader.LoadResult(path, hit[0], hit[1])


def _finish(
    text: str, before: LoadResult, result: str, message: str, name: str
) -> tuple[Edit, LoadResult]:
    """The edit and the load of its result, validated incrementally against the file's
    cache entry and stored there (loader.load_text): the command after the edit is warm."""
    from compartment.data import loader

    after = loader.load_text(result, name, cache_as=Path(name), store=WRITING.get())
    seen = {(p.code, p.message) for p in before.problems}
    new_warnings = [p for p in after.warnings if (p.code, p.message) not in seen]
    return Edit(text, result, message, after.problems, new_warnings), after


def _round_trip(text: str, name: str, data: Dataset, mutate: Mutation) -> tuple[str, str]:
    from compartment.data import yamlsource

    indent = fmt.detect_indent(text)
    yaml = fmt.make_yaml(indent, explicit_start=fmt.has_document_start(text))
    document = fmt.read_document(yaml, text.replace("\r\n", "\n"))  # ruamel keeps a CR in comments
    base = fmt.dump(yaml, document)
    message = mutate(document, data, indent)
    edited = fmt.dump(yaml, document)
    if yamlsource.parse(base)[0] != yamlsource.parse(text)[0]:
        raise EditError(f"{name}: cannot edit this file without changing its data; edit it by hand")
    result = linemerge.merge_checked(text, base, edited)
    if result is None:
        raise EditError(
            f"{name}: cannot make this edit without reformatting lines around it; run "
            "`compartment fmt` first, then edit again"
        )
    return result, message


def _splice(
    text: str, data: Dataset, mutate: Mutation, scope: Scope,
    found: tuple[list[int], int] | None = None,
) -> tuple[str, str] | None:
    """The edit made on one record's lines, or None when that cannot be shown to give what
    the round trip gives (the caller then makes the round trip).

    The record's lines (linemerge.excerpt) are read by ruamel as a document of their own,
    `section:` and that one item, edited, and merged back into those lines with the round
    trip's line merge, under the round trip's proof, on the excerpt: it must read back as
    itself once written, and the merged lines as the edited record.
    """
    from compartment.data import yamlsource

    target = scope(data)
    if target is None:
        return None
    section, index, part = target
    cut = linemerge.excerpt(text, section, index, found)
    if cut is None:
        return None
    before, original, after = cut
    indent = fmt.detect_indent(text)
    yaml = fmt.make_yaml(indent)
    try:
        document = fmt.read_document(yaml, original.replace("\r\n", "\n"))
        base = fmt.dump(yaml, document)
        message = mutate(document, part, indent)
        edited = fmt.dump(yaml, document)
    except CompartmentError:
        raise
    except Exception:  # noqa: BLE001 - what ruamel cannot do on the excerpt, the round trip decides
        return None
    if yamlsource.parse(base)[0] != yamlsource.parse(original)[0]:
        return None
    merged = linemerge.merge_checked(original, base, edited)
    head = original[: original.index("\n") + 1]
    if merged is None or not merged.startswith(head):
        return None
    return before + merged[len(head):] + after, message
