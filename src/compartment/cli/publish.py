"""Publishing: site."""

from pathlib import Path
from typing import Annotated

import typer

from compartment.cli import runtime


def site(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="DIR",
        help="The folder to write the site into: new, or empty unless --force.")],
    force: Annotated[bool, typer.Option(
        "--force", help="Write into a folder that is not empty: the site's own files are "
        "replaced, nothing else in the folder is touched or removed.")] = False,
    stamp: Annotated[bool, typer.Option(
        "--stamp", help="Print today's date in each page's footer (the output then changes "
        "every day; without it the same data gives the same files).")] = False,
) -> None:
    """Write the ledger as a static website.

    An index with the curve, what comes next and a table that filters; a page per dossier;
    the crises and the breaks made over each; the decision points ahead with a calendar file
    (next.ics); a timeline; the sources; an about page; an Atom feed of the latest events
    (feed.xml); and each chart's data as CSV and JSON (data/).

    Plain files with relative links: open index.html from disk, or publish the folder on
    any static host. No page asks any other origin for anything. The charts run to the
    date of the last event, so the same data always gives byte-identical files. Needs
    jinja2 and matplotlib: pip install jinja2 matplotlib.

    Examples:

      compartment site -o _site

      compartment site -o _site --force --stamp
    """
    from compartment import site as builder
    from compartment.data import dates

    source = runtime.data_source(ctx)
    built = builder.build(runtime.dataset(ctx), output, force=force,
                          stamp=dates.today() if stamp else None, data_file=source.path)
    runtime.say(f"{output}: {len(built.files)} files, {built.dossiers} dossier pages; "
                f"open {output / 'index.html'}")
