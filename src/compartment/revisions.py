"""The data file at a git revision, and what changed between two versions of it. Pure.

Reading uses the git of the repository that holds the data file (`git -C <folder>
rev-parse --show-toplevel`, then the blob at `REV:path`), whatever folder the command runs from.
Problems that a user can fix (no git, not a repository, an unknown revision, a file absent
at a revision) raise RevisionError with a one-line message; nothing here prints.

Comparing: dossiers are matched by id. Within a dossier, an event is matched by its
(date, actor, action); when several events share that key, the first is paired with the
first, the second with the second, and so on. A matched event whose other fields differ
(status, summary, sources, unverified) is "changed"; an event whose date, actor or action was
edited shows as one removed and one added.
"""

from __future__ import annotations

import os
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compartment.dataset import Dataset, Dossier, Event
from compartment.errors import UsageError, visible
from compartment.vocab import DERIVED_FIELDS, DOSSIER_FIELDS

if TYPE_CHECKING:
    from compartment.loader import LoadResult

WORKING_TREE = "working tree"
# Fields compared one by one for a dossier present on both sides; `events` has its own rules.
# status and broken_off_by are reported with both values, the others by name.
_TRACKED = (*DERIVED_FIELDS, "first_broken_off_by")
_OTHER_FIELDS = tuple(f for f in DOSSIER_FIELDS if f not in ("id", *DERIVED_FIELDS, "events"))
_EVENT_FIELDS = ("status", "unverified", "summary", "sources", "claims")


class RevisionError(UsageError):
    """A revision or repository problem the user can fix; the message is one line."""


# -- reading from git ---------------------------------------------------------------------


@dataclass(frozen=True)
class Repository:
    top: Path  # the work tree's top folder
    path: str  # the data file, relative to `top`, with forward slashes


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "LC_ALL": "C"}  # git's messages in English, to recognise them
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args], capture_output=True, check=False, timeout=60,
            env=env,
        )
    except FileNotFoundError:
        raise RevisionError("git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise RevisionError(f"git {args[0]} did not answer within 60 seconds") from None


def _first_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return visible(text.splitlines()[0]) if text else "no message"


def repository(data_file: Path) -> Repository:
    """The repository that holds `data_file`, or RevisionError if it is not in one."""
    folder = data_file.resolve().parent
    if not folder.is_dir():
        raise RevisionError(f"{data_file}: the folder {folder} does not exist")
    done = _git(["rev-parse", "--show-toplevel"], folder)
    if done.returncode != 0:
        if b"not a git repository" in done.stderr:
            raise RevisionError(f"{data_file} is not inside a git repository")
        raise RevisionError(f"git cannot read the repository of {data_file}: "
                            f"{_first_line(done.stderr)}")
    top = Path(done.stdout.decode("utf-8", "replace").strip()).resolve()
    try:
        relative = data_file.resolve().relative_to(top)
    except ValueError:
        raise RevisionError(f"{data_file} is outside the repository at {top}") from None
    return Repository(top, relative.as_posix())


def read(repo: Repository, rev: str) -> bytes:
    """The data file's bytes as committed at `rev`."""
    if rev.startswith("-") or not rev.strip():
        raise RevisionError(f"{rev!r} is not a revision")
    found = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], repo.top)
    if found.returncode != 0:
        raise RevisionError(f"unknown revision {rev!r} in the repository at {repo.top}")
    commit = found.stdout.decode().strip()
    shown = _git(["cat-file", "blob", f"{commit}:{repo.path}"], repo.top)
    if shown.returncode != 0:
        raise RevisionError(f"{repo.path} does not exist at revision {rev}")
    return shown.stdout


def load_revision(repo: Repository, rev: str | None, working_file: Path) -> LoadResult:
    """The data file at `rev` (the working tree's `working_file` when None), loaded and
    validated like any data file; problems are named `REV:path`."""
    from compartment import datafile, loader
    from compartment.errors import Location, Problem

    if rev is None:
        return loader.load(working_file, display=str(working_file))
    name = f"{rev}:{repo.path}"
    text, mark, reason = datafile.decode(read(repo, rev))
    if text is None:
        problem = Problem(Location(name, *mark), "encoding", reason)
        return loader.LoadResult(Path(repo.path), None, [problem])
    return loader.load_text(text, name, Path(repo.path))


# -- comparing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class EventChange:
    old: Event
    new: Event
    fields: tuple[str, ...]  # which of _EVENT_FIELDS differ


@dataclass(frozen=True)
class DossierDiff:
    id: str
    changes: tuple[FieldChange, ...] = ()  # status, broken_off_by
    other_fields: tuple[str, ...] = ()  # names of other dossier fields that changed
    events_added: tuple[Event, ...] = ()
    events_removed: tuple[Event, ...] = ()
    events_changed: tuple[EventChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.changes or self.other_fields or self.events_added or self.events_removed
            or self.events_changed
        )


@dataclass(frozen=True)
class DatasetDiff:
    old_name: str  # a revision, or "working tree"
    new_name: str
    file: str = ""  # the data file's path in the repository
    added: tuple[Dossier, ...] = ()
    removed: tuple[Dossier, ...] = ()
    changed: tuple[DossierDiff, ...] = ()
    actors_added: tuple[str, ...] = field(default=())
    actors_removed: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(
            self.added or self.removed or self.changed or self.actors_added
            or self.actors_removed
        )


def event_key(event: Event) -> tuple[str, str, str]:
    return (event.date, event.actor, event.action)


def _pair_events(
    old: tuple[Event, ...], new: tuple[Event, ...]
) -> tuple[list[Event], list[Event], list[EventChange]]:
    waiting: dict[tuple[str, str, str], list[Event]] = defaultdict(list)
    for event in old:
        waiting[event_key(event)].append(event)
    added: list[Event] = []
    changed: list[EventChange] = []
    for event in new:
        queue = waiting.get(event_key(event))
        if not queue:
            added.append(event)
            continue
        before = queue.pop(0)
        differ = tuple(f for f in _EVENT_FIELDS if getattr(before, f) != getattr(event, f))
        if differ:
            changed.append(EventChange(before, event, differ))
    left = {id(e) for queue in waiting.values() for e in queue}
    removed = [e for e in old if id(e) in left]
    return added, removed, changed


def compare_dossiers(old: Dossier, new: Dossier) -> DossierDiff:
    changes = tuple(
        FieldChange(f, getattr(old, f), getattr(new, f))
        for f in _TRACKED
        if getattr(old, f) != getattr(new, f)
    )
    other = tuple(f for f in _OTHER_FIELDS if getattr(old, f) != getattr(new, f))
    added, removed, changed = _pair_events(old.events, new.events)
    return DossierDiff(new.id, changes, other, tuple(added), tuple(removed), tuple(changed))


def compare(
    old: Dataset, new: Dataset, old_name: str = "old", new_name: str = "new", file: str = ""
) -> DatasetDiff:
    """What changed from `old` to `new`; dossiers in the order of the file they come from."""
    old_ids = {d.id for d in old.dossiers}
    new_ids = {d.id for d in new.dossiers}
    changed = []
    for dossier in new.dossiers:
        before = old.get(dossier.id)
        if before is not None:
            diff = compare_dossiers(before, dossier)
            if diff:
                changed.append(diff)
    return DatasetDiff(
        old_name,
        new_name,
        file,
        added=tuple(d for d in new.dossiers if d.id not in old_ids),
        removed=tuple(d for d in old.dossiers if d.id not in new_ids),
        changed=tuple(changed),
        actors_added=tuple(a for a in new.actors if a not in old.actors),
        actors_removed=tuple(a for a in old.actors if a not in new.actors),
    )


# -- reporting ----------------------------------------------------------------------------


def _value(value: Any) -> str:
    return "null" if value is None else str(value)


def _events(dossier: Dossier) -> str:
    n = len(dossier.events)
    return f"{n} event{'s' * (n != 1)}"


def _event_line(event: Event) -> str:
    status = f" [status: {event.status}]" if event.status else ""
    return f"{event.date} {event.actor}: {event.action}{status}"


def lines(diff: DatasetDiff) -> Iterator[tuple[str, str]]:
    """The report as (kind, line) pairs; kind is "head", "add", "remove", "change" or ""."""
    where = f"{diff.file}: " if diff.file else ""
    yield "head", f"{where}{diff.old_name} -> {diff.new_name}"
    if not diff:
        yield "", "no differences"
        return
    for actor in diff.actors_added:
        yield "add", f"+ actor {actor}"
    for actor in diff.actors_removed:
        yield "remove", f"- actor {actor}"
    for d in diff.added:
        yield "add", f"+ dossier {d.id}: {d.title} ({d.status}, {_events(d)})"
    for d in diff.removed:
        yield "remove", f"- dossier {d.id}: {d.title} ({d.status}, {_events(d)})"
    for dd in diff.changed:
        yield "", f"~ dossier {dd.id}"
        for c in dd.changes:
            yield "change", f"    {c.field}: {_value(c.old)} -> {_value(c.new)}"
        if dd.other_fields:
            yield "change", f"    also changed: {', '.join(dd.other_fields)}"
        for e in dd.events_added:
            yield "add", f"    + event {_event_line(e)}"
        for e in dd.events_removed:
            yield "remove", f"    - event {_event_line(e)}"
        for ec in dd.events_changed:
            yield "change", f"    ~ event {_event_line(ec.new)} ({_what_changed(ec)})"


def _what_changed(ec: EventChange) -> str:
    parts = []
    for f in ec.fields:
        if f in ("status", "unverified"):
            parts.append(f"{f}: {_value(getattr(ec.old, f))} -> {_value(getattr(ec.new, f))}")
        elif f == "claims":
            parts.append(_claims_changed(ec.old, ec.new))
        else:
            parts.append(f"{f} edited")
    return "; ".join(parts)


def _claims_changed(old: Event, new: Event) -> str:
    """`claims: + by united-states, - by russia` (a claim edited shows as one of each)."""
    before, after = list(old.claims), list(new.claims)
    added = [c for c in after if c not in before]
    removed = [c for c in before if c not in after]
    marks = [f"+ by {c.by}" for c in added] + [f"- by {c.by}" for c in removed]
    return "claims: " + (", ".join(marks) if marks else "reordered")


def _md(text: str) -> str:
    """Text safe inside a Markdown list item: no markup, no line breaks."""
    out = text.replace("\\", "\\\\")
    for char in "`*_[]<>|#":
        out = out.replace(char, "\\" + char)
    return out.replace("\r", " ").replace("\n", " ")


def _md_event(event: Event) -> str:
    status = f" (status: **{event.status}**)" if event.status else ""
    return f"{event.date} `{event.actor}`: {_md(event.action)}{status}"


def markdown(diff: DatasetDiff) -> str:
    """A report to paste into a pull request."""
    where = f" in `{diff.file}`" if diff.file else ""
    out = [f"### Data changes{where}: {_md(diff.old_name)} → {_md(diff.new_name)}", ""]
    if not diff:
        out += ["No differences.", ""]
        return "\n".join(out)
    if diff.added:
        out += ["**Dossiers added**", ""]
        out += [f"- `{d.id}`: {_md(d.title)} ({d.status}, {_events(d)})"
                for d in diff.added]
        out.append("")
    if diff.removed:
        out += ["**Dossiers removed**", ""]
        out += [f"- `{d.id}`: {_md(d.title)} ({d.status}, {_events(d)})"
                for d in diff.removed]
        out.append("")
    if diff.actors_added or diff.actors_removed:
        out += ["**Actors**", ""]
        out += [f"- added `{a}`" for a in diff.actors_added]
        out += [f"- removed `{a}`" for a in diff.actors_removed]
        out.append("")
    for dd in diff.changed:
        out += [f"**`{dd.id}`**", ""]
        out += [f"- {c.field}: {_value(c.old)} → **{_value(c.new)}**" for c in dd.changes]
        if dd.other_fields:
            out.append(f"- also changed: {', '.join(dd.other_fields)}")
        out += [f"- event added: {_md_event(e)}" for e in dd.events_added]
        out += [f"- event removed: {_md_event(e)}" for e in dd.events_removed]
        out += [f"- event changed: {_md_event(ec.new)} ({_md(_what_changed(ec))})"
                for ec in dd.events_changed]
        out.append("")
    return "\n".join(out)


def _dossier_brief(d: Dossier) -> dict[str, Any]:
    return {"id": d.id, "title": d.title, "status": d.status, "broken_off_by": d.broken_off_by,
            "events": len(d.events)}


def to_dict(diff: DatasetDiff) -> dict[str, Any]:
    return {
        "file": diff.file,
        "old": diff.old_name,
        "new": diff.new_name,
        "same": not diff,
        "actors_added": list(diff.actors_added),
        "actors_removed": list(diff.actors_removed),
        "dossiers_added": [_dossier_brief(d) for d in diff.added],
        "dossiers_removed": [_dossier_brief(d) for d in diff.removed],
        "dossiers_changed": [
            {
                "id": d.id,
                "changes": {c.field: {"old": c.old, "new": c.new} for c in d.changes},
                "other_fields": list(d.other_fields),
                "events_added": [e.to_dict() for e in d.events_added],
                "events_removed": [e.to_dict() for e in d.events_removed],
                "events_changed": [
                    {"old": ec.old.to_dict(), "new": ec.new.to_dict(), "fields": list(ec.fields)}
                    for ec in d.events_changed
                ],
            }
            for d in diff.changed
        ],
    }
