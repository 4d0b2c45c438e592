"""Keeping the data file sound: validate, fmt, and the evidence report `sources`."""

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from compartment.cli import runtime
from compartment.cli.options import (
    FORMAT,
    Force,
    ListFormat,
    ProblemFormat,
    complete_dossier,
    full_date,
)
from compartment.data import lookup
from compartment.errors import CompartmentError, ExitCode, UsageError, one_line


def validate(
    ctx: typer.Context,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
    output_format: Annotated[ProblemFormat, typer.Option(
        "--format", "-f", help="text, json, or github (Actions annotations).")
    ] = ProblemFormat.text,
    files: Annotated[Optional[list[Path]], typer.Argument(
        metavar="[FILE]...", show_default=False, help="Check these files instead of the data "
        "file in use (as pre-commit passes them).")] = None,
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", metavar="DATE", callback=full_date, help="The day a decision point (`next:`) "
        "counts as passed after (YYYY-MM-DD). Default: today.")] = None,
) -> None:
    """Check the data file and report every problem.

    Each problem is one line, file:line:col: path: message. A decision point (`next:`)
    whose date has passed is a warning: record what happened as an event, then drop the
    entry or move it to the next date.

    Exit code 0 when clean, 1 when problems are found (warnings count only with --strict).
    With several FILEs, --format json prints a list with one report per file.

    Example:

      compartment validate --strict
    """
    from compartment.data import dates, loader
    from compartment.store import datafile
    from compartment.views import export, render, reports

    if files:
        runtime.refuse_known_at(ctx, "validate FILE...")

    day = as_of or dates.today()
    results = []
    paths: list[Path | None] = [*files] if files else [None]
    for path in paths:
        result = runtime.load(ctx, path)
        if result.dataset is not None and any(d.next for d in result.dataset.dossiers):
            known = runtime.known_at(ctx) if path is None else None
            source = (runtime.blob(ctx, known) if known is not None
                      else datafile.read_bytes(result.path))
            result = loader.with_past_due(result, day, source)
        results.append(result)
    failed = any(reports.failing(r.problems, strict) for r in results)
    if output_format is ProblemFormat.json:
        found = [reports.validation(r, strict) for r in results]
        export.write_json(found[0] if len(found) == 1 else found, sys.stdout)
    elif output_format is ProblemFormat.github:
        for result in results:
            sys.stdout.writelines(reports.github_annotation(p, strict) for p in result.problems)
    else:
        out = runtime.stdout()
        for result in results:
            render.problems(out, result.problems)
            render.summary_line(out, result.problems, str(result.path))
    if failed:
        raise typer.Exit(ExitCode.PROBLEMS)


def fmt_(
    ctx: typer.Context,
    check: Annotated[bool, typer.Option(
        "--check", help="Change nothing: print the diff and exit 1 if not canonical.")] = False,
    files: Annotated[Optional[list[Path]], typer.Argument(
        metavar="[FILE]...", show_default=False,
        help="Format these files instead of the data file in use.")] = None,
    force: Force = False,
) -> None:
    """Rewrite the data file in its canonical layout.

    The comment lines that open the file are kept; a comment anywhere else is refused
    with its line, never dropped.

    Actors alphabetical; dossiers by domain (in the vocabulary's order), then id; events by
    date; keys in the data contract's order; 2-space indentation; dates unquoted. Data with
    errors is refused. --check is for CI and pre-commit: it prints the diff and fails.

    Examples:

      compartment fmt

      compartment fmt --check
    """
    from compartment.edit import rewrite
    from compartment.views import render

    runtime.refuse_known_at(ctx, "fmt")
    paths = files or [runtime.data_source(ctx, "read" if check else "format").path]
    failed = False
    for path in paths:
        name = str(path)
        change = rewrite.rewrite(path, None, write=not check, force=force)
        if change.errors:
            render.problems(runtime.stderr(), change.errors)
            runtime.say(f"{name}: not formatted: fix the {len(change.errors)} error(s) first")
            failed = True
        elif change.after == change.before:
            runtime.say(f"{name}: already in the canonical layout")
        elif check:
            sys.stdout.write(change.diff(one_line(name)))
            runtime.say(f"{name}: not in the canonical layout; run `compartment fmt`")
            failed = True
        else:
            runtime.say(f"{name}: reformatted")
    if failed:
        raise typer.Exit(ExitCode.PROBLEMS)


SourcesView = StrEnum("SourcesView", "publisher dossier")


def sources(
    ctx: typer.Context,
    by: Annotated[SourcesView, typer.Option(
        help="One row per publisher, or per dossier.")] = SourcesView.publisher,
    weak: Annotated[bool, typer.Option(
        "--weak", help="List the events with no primary or reference source, worst first.")
    ] = False,
    check_links: Annotated[bool, typer.Option(
        "--check", help="Fetch every cited URL and report dead links, moved ones and "
        "unreachable hosts; exit 1 if a link is dead. Needs httpx.")] = False,
    dossier: Annotated[Optional[str], typer.Option(
        metavar="ID", help="--check: only this dossier's URLs.",
        autocompletion=complete_dossier)] = None,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="--check: seconds for each step of a request.")] = 10.0,
    deadline: Annotated[
        float, typer.Option(min=1, help="--check: seconds for the whole check, a hard stop.")
    ] = 120.0,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="--check: requests at once.")] = 8,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="--check: also fetch URLs that resolve to loopback, private or "
        "link-local addresses (refused by default, so that a citation cannot probe your "
        "network); for testing a local copy.")] = False,
    output_format: Annotated[ListFormat, FORMAT] = ListFormat.table,
) -> None:
    """Report the evidence behind the ledger.

    The publishers cited, sourcing per dossier, weak events, and (with --check) whether
    the links still answer.

    An event counts as well sourced when it cites a primary source (a government, an
    intergovernmental body, an official archive) or a reference source (an institute, a
    scholarly archive), by the kinds in the data file's publisher registry. Claims' sources
    are a party's own words and count as citations of their publisher, not as evidence of
    the event.

    Examples:

      compartment sources

      compartment sources --by dossier --format csv

      compartment sources --weak

      compartment sources --check --format json
    """
    from compartment.views import evidence, export, render

    data = runtime.dataset(ctx)
    if check_links:
        from compartment import linkcheck

        linkcheck.require()
        chosen = lookup.find(data, dossier, "--dossier") if dossier is not None else None
        urls = evidence.cited_urls(data, chosen)
        runtime.say(f"checking {len(urls)} links ({concurrency} at a time, at most "
                    f"{deadline:g} s in all)...")
        results = linkcheck.check(urls, concurrency=concurrency, timeout=timeout,
                                  deadline=deadline, allow_private=allow_private)
        counts = linkcheck.summary(results)
        shown = [r for r in results if r.status != "ok"]
        columns = ["status", "code", "url", "reason", "final_url"]
        if output_format is ListFormat.json:
            export.write_json({"summary": counts, "links": [r.to_dict() for r in results]},
                              sys.stdout)
        elif output_format is ListFormat.table:
            runtime.stdout().print(render.link_results([r.to_dict() for r in shown]),
                                   soft_wrap=True, end="")
        else:
            runtime.write_rows(output_format, (r.to_dict() for r in shown), columns)
        runtime.say(", ".join(f"{n} {status}" for status, n in counts.items() if n))
        skipped = sum(r.reason.startswith(linkcheck.NO_NETWORK) for r in results)
        if skipped:
            runtime.say(f"no network: {skipped} link{'s' * (skipped != 1)} could not be "
                        "checked; the check fails until they can be")
        if linkcheck.failed(results):
            raise typer.Exit(ExitCode.PROBLEMS)
        return
    if dossier is not None:
        raise UsageError("--dossier goes with --check")
    if not data.publishers:
        raise CompartmentError("the data file has no publisher registry (`publishers:`); "
                               "register the hosts of its sources with `compartment publisher add`")
    total = evidence.summary(data)
    if weak:
        columns = ["dossier", "date", "actor", "action", "best_kind", "sources"]
        records = [w.to_dict() for w in evidence.weak_events(data)]
    elif by is SourcesView.dossier:
        columns = ["id", "events", "strong_events", "strong_share", "title"]
        records = [d.to_dict() for d in evidence.dossiers(data)]
    else:
        columns = ["host", "kind", "state_media", "citations", "events", "dossiers", "name"]
        records = [p.to_dict() for p in evidence.publishers(data)]
    if output_format is ListFormat.json:
        export.write_json({"summary": total.to_dict(), "rows": records}, sys.stdout)
    elif output_format is ListFormat.table and weak:
        runtime.stdout().print(render.weak_events(records), soft_wrap=True, end="")
    elif output_format is ListFormat.table:
        numeric = ("events", "strong_events", "strong_share", "citations", "dossiers")
        cells = [[_cell(r[c]) for c in columns] for r in records]
        console = runtime.stdout()
        table, long = render.fitted(columns, cells, console.width, numeric, ("name", "title"))
        if long:
            runtime.say(f"the table is wider than {console.width} columns: one line per row "
                        "instead (--format csv gives the table)")
        console.print(table)
    else:
        runtime.write_rows(output_format, records, columns)
    recent = (f", {total.recent_strong} of {total.recent_events} ({total.recent_share:.1%}) "
              f"of those since {evidence.RECENT_SINCE}" if total.recent_events else "")
    runtime.say(
        f"{total.strong} of {total.events} events ({total.share:.1%}) cite a primary or "
        f"reference source{recent}; {total.dossiers_without_strong} of {total.dossiers} "
        f"dossiers have none; {total.publishers} publishers registered"
    )


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.0%}"
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)
