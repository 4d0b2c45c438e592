"""Reports about a data file as plain data: `validate`'s JSON and GitHub annotations, and
`info`'s figures. The text forms are drawn by render.py; nothing here prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from compartment.data.vocab import STATUSES
from compartment.errors import Problem, visible

if TYPE_CHECKING:
    from compartment.data.dataset import Dataset, LoadResult
    from compartment.history.revisions import Commit
    from compartment.store.datafile import DataSource


def failing(problems: Sequence[Problem], strict: bool) -> list[Problem]:
    """The problems that make `validate` fail: errors, and warnings too when strict."""
    return [p for p in problems if p.is_error or strict]


def validation(result: LoadResult, strict: bool) -> dict[str, Any]:
    """One file's `validate --format json` report."""
    return {"file": str(result.path), "ok": not failing(result.problems, strict),
            "errors": len(result.errors), "warnings": len(result.warnings),
            "problems": [p.to_dict() for p in result.problems]}


# GitHub's escaping of a workflow command's message, and of its properties (file=...).
_MESSAGE = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})


def github_annotation(problem: Problem, strict: bool) -> str:
    """One workflow command (`::error file=...,line=...,col=...::message`) for GitHub Actions,
    which turns it into an annotation on the pull request's diff."""
    level = "error" if problem.is_error or strict else "warning"
    loc = problem.location
    message = visible(f"{loc.where}: {problem.message}" if loc.where else problem.message)
    return (f"::{level} file={loc.file.translate(_PROPERTY)},line={loc.line},col={loc.column}"
            f"::{message.translate(_MESSAGE)}\n")


def info(source: DataSource, data: Dataset,
         known_at: Commit | None = None) -> list[tuple[str, str]]:
    """`compartment info`: which file, why, and what it holds, as (label, value) rows; with
    `known_at`, the commit whose version of the file was read, and that commit's date."""
    event_dates = [e.date for d in data.dossiers for e in d.events]
    statuses = Counter(d.status for d in data.dossiers)
    revision = [] if known_at is None else [
        ("known at", f"{known_at.rev} (commit {known_at.sha[:12]})"),
        ("commit date", known_at.date),
    ]
    return [
        ("file", str(source.path)),
        ("chosen by", source.how),
        *revision,
        ("dossiers", str(len(data.dossiers))),
        ("events", str(len(event_dates))),
        ("actors", str(len(data.actors))),
        ("first event", min(event_dates, default="")),
        ("last event", max(event_dates, default="")),
        ("by status", ", ".join(f"{s} {statuses[s]}" for s in STATUSES if statuses[s])),
    ]
