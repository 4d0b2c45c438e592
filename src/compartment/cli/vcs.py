"""The ledger under git: `log` (its semantic history) and `merge-driver` (merging by record)."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from compartment.cli import runtime
from compartment.cli.options import BOUND_RULE, DiffFormat, bound, complete_dossier
from compartment.data import dates, lookup
from compartment.errors import UsageError


def log(
    ctx: typer.Context,
    dossier: Annotated[Optional[str], typer.Argument(
        metavar="[DOSSIER]", help="Only the commits that changed this dossier.",
        autocompletion=complete_dossier, show_default=False)] = None,
    reverse: Annotated[bool, typer.Option(
        "--reverse", help="Oldest first (the default is newest first).")] = False,
    since: Annotated[Optional[str], typer.Option(
        metavar="DATE", help=f"Only commits made on or after this date ({BOUND_RULE}).")] = None,
    max_count: Annotated[Optional[int], typer.Option(
        "-n", "--max-count", metavar="N", min=1, help="Only the N newest of these commits.")
    ] = None,
    output_format: Annotated[DiffFormat, typer.Option(
        "--format", "-f", help="text, markdown or json.")] = DiffFormat.text,
) -> None:
    """Show the data file's history, commit by commit.

    Each commit's changes are told as changes to the ledger.

    Follows the file across renames. For each commit that changed the data (or DOSSIER):
    its hash, date, author and subject, then what changed in the terms of `diff`. A
    version of the file that does not validate is listed with its first problem, and the
    next good version is compared with the last good one. Commits that only touched
    comments or layout are left out, and so are merge commits (their changes are the
    commits they merge). Dates are commit dates.

    Examples:

      compartment log new-start

      compartment log --since 2025-01 --reverse --format markdown
    """
    from compartment.history import ledgerlog, revisions
    from compartment.views import export, render

    start = bound("--since", since)
    if start is not None:
        start = dates.first_day(start).isoformat()
    runtime.refuse_known_at(ctx, "log (it reads every revision)")
    source = runtime.data_source(ctx)
    if source.bundled:
        raise UsageError(f"{source.path} is the copy bundled with compartment, which has no git "
                         "history; run log in a clone of the ledger, or name its data file "
                         "with --data PATH")
    repo = revisions.repository(source.path)
    entries = ledgerlog.walk(repo, start, dossier)
    if dossier is not None and not any(e.diff for e in entries):
        lookup.find(runtime.dataset(ctx), dossier, "DOSSIER")  # unknown: a usage error, hints
    if max_count is not None:
        entries = entries[-max_count:]
    if not reverse:
        entries.reverse()
    if output_format is DiffFormat.json:
        export.write_json(ledgerlog.to_dicts(entries), sys.stdout)
    elif not entries:
        runtime.say(f"No commit changed {dossier or 'the data'} in {repo.path}.")
    elif output_format is DiffFormat.markdown:
        sys.stdout.write(ledgerlog.markdown(entries))
    else:
        runtime.stdout().print(render.diff_report(ledgerlog.lines(entries)), soft_wrap=True)


def merge_driver(
    ctx: typer.Context,
    base: Annotated[Optional[Path], typer.Argument(
        metavar="BASE", help="The common ancestor (git's %O).", show_default=False)] = None,
    ours: Annotated[Optional[Path], typer.Argument(
        metavar="OURS", help="Our version (%A); the merge is written here.",
        show_default=False)] = None,
    theirs: Annotated[Optional[Path], typer.Argument(
        metavar="THEIRS", help="Their version (%B).", show_default=False)] = None,
    path: Annotated[Optional[str], typer.Argument(
        metavar="[PATH]", help="The file's name in messages (%P).", show_default=False)] = None,
    install: Annotated[bool, typer.Option(
        "--install", help="Set this repository up to merge its data file with this driver: git "
        "config and .gitattributes.")] = False,
) -> None:
    """Merge three versions of the data file, by record.

    It is meant as a git merge driver.

    Actors and publishers are matched by id and host, dossiers by id, events by date,
    actor and action, claims by event, party and text. Changes to different records, or
    to different fields of one record, merge; the result is written to OURS with its
    comments and layout. Both sides changing one field differently, or one side removing
    what the other changed, is a conflict: the file gets conflict markers around the
    smallest region, each conflict is named on stderr, and the exit code is 1. A result
    that would not validate is a conflict too.

    git runs it as `compartment merge-driver %O %A %B %P` once --install has set it up.

    Example:

      compartment merge-driver --install
    """
    from compartment.history import merge, revisions

    runtime.refuse_known_at(ctx, "merge-driver")
    if install:
        if base is not None:
            raise UsageError("--install takes no files")
        source = runtime.data_source(ctx)
        if source.bundled:
            raise UsageError("no data file in this folder or above; run --install in a clone "
                             "of the ledger, or name its data file with --data PATH")
        repo = revisions.repository(source.path)
        for line in merge.install(repo.top, repo.path):
            runtime.say(line)
        return
    if base is None or ours is None or theirs is None:
        raise UsageError("give BASE, OURS and THEIRS (git passes %O %A %B), or --install")
    outcome = merge.merge_files(base, ours, theirs, path or str(ours))
    for line in outcome.report():
        runtime.say(line)
    if outcome.conflicts:
        raise typer.Exit(1)
