"""Keeping the data file sound: validate and fmt."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from compartment.cli import runtime
from compartment.cli.options import ProblemFormat
from compartment.errors import ExitCode


def validate(
    ctx: typer.Context,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
    output_format: Annotated[
        ProblemFormat,
        typer.Option("--format", "-f", help="text, json, or github (Actions annotations)."),
    ] = ProblemFormat.text,
    files: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="[FILE]...",
            help="Check these files instead of the data file in use (as pre-commit passes them).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check the data file and report every problem as file:line:col: path: message.

    Exit code 0 when clean, 1 when problems are found (warnings count only with --strict).
    With several FILEs, --format json prints a list with one report per file.

    Example:

      compartment validate --strict
    """
    from compartment import export, render, reports

    results = [runtime.load(ctx, path) for path in files] if files else [runtime.load(ctx)]
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
    check: Annotated[
        bool,
        typer.Option("--check", help="Change nothing: print the diff and exit 1 if not canonical."),
    ] = False,
    files: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="[FILE]...",
            help="Format these files instead of the data file in use.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Rewrite the data file in the one canonical layout, keeping every comment.

    Actors alphabetical; dossiers by domain (in the vocabulary's order), then id; events by
    date; keys in the data contract's order; 2-space indentation; dates unquoted. Data with
    errors is refused. --check is for CI and pre-commit: it prints the diff and fails.

    Examples:

      compartment fmt

      compartment fmt --check
    """
    from compartment import fmt, linemerge, render, rewrite

    paths = files or [runtime.data_source(ctx, "read" if check else "format").path]
    failed = False
    for path in paths:
        name = str(path)
        change = rewrite.rewrite(path, fmt.format_text, write=not check, name=name)
        if change.errors:
            render.problems(runtime.stderr(), change.errors)
            runtime.say(f"{name}: not formatted: fix the {len(change.errors)} error(s) first")
            failed = True
        elif change.after == change.before:
            runtime.say(f"{name}: already in the canonical layout")
        elif check:
            sys.stdout.write(linemerge.unified_diff(change.before, change.after, name))
            runtime.say(f"{name}: not in the canonical layout; run `compartment fmt`")
            failed = True
        else:
            runtime.say(f"{name}: reformatted")
    if failed:
        raise typer.Exit(ExitCode.PROBLEMS)
