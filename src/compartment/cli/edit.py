"""Changing the ledger: the event, dossier and actor sub-commands.

Each builds the record from its options and hands an edit to rewrite.rewrite, which reads
the file under its lock, refuses a result with errors and writes atomically.
"""

import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from compartment.cli import runtime
from compartment.cli.options import (
    ApproachChoice,
    BlocChoice,
    DomainChoice,
    DryRun,
    Force,
    KindChoice,
    StatusChoice,
    complete_actor,
    complete_crisis,
    complete_dossier,
    complete_field,
    complete_field_value,
    partial_date,
)
from compartment.errors import CompartmentError, UsageError, one_line

if TYPE_CHECKING:
    from compartment.edit.changes import Change


def _sub_app(help_text: str) -> typer.Typer:
    return typer.Typer(
        help=help_text, no_args_is_help=True, rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


event_app = _sub_app("Add events to dossiers.")
dossier_app = _sub_app("Add dossiers and change their fields.")
actor_app = _sub_app("Register actors.")
claim_app = _sub_app("Record what a party said about an event.")
publisher_app = _sub_app("Register the publishers of sources.")

DossierArgument = Annotated[
    str,
    typer.Argument(metavar="DOSSIER", help="The dossier's id.", autocompletion=complete_dossier),
]


def _apply(ctx: typer.Context, dry_run: bool, force: bool, transform: "Change") -> None:
    """Make the edit on the data file in use, or print its diff with --dry-run."""
    from compartment.edit import rewrite
    from compartment.views import render

    runtime.refuse_known_at(ctx, "an edit")
    source = runtime.data_source(ctx, "read" if dry_run else "edit")
    name = str(source.path)
    change = rewrite.rewrite(source.path, transform, write=not dry_run, force=force)
    if change.errors:
        raise CompartmentError(
            f"the edit would bring {len(change.errors)} error(s) into {name}; nothing was written",
            problems=change.errors,
        )
    if change.after == change.before:
        runtime.say(f"{name}: nothing to change")
        return
    if change.relaid:
        runtime.say(f"{name}: not in the canonical layout: the edit lays out the whole file, "
                    "as `compartment fmt` would")
    if dry_run:
        sys.stdout.write(change.diff(one_line(name)))
        return
    render.problems(runtime.stderr(), change.new_warnings)
    runtime.say(f"{name}:{change.line}: {change.message}")


def _sources(sources: list[str] | None, unverified: bool) -> tuple[str, ...]:
    if not sources and not unverified:
        raise UsageError("give at least one --source URL or citation (or --unverified for an "
                         "event no source confirms)")
    return tuple(sources or ())


@event_app.command("add")
def event_add(
    ctx: typer.Context,
    dossier_id: DossierArgument,
    date: Annotated[str, typer.Option(
        metavar="DATE", help="YYYY-MM-DD, or YYYY-MM / YYYY.", callback=partial_date)],
    actor: Annotated[str, typer.Option(
        metavar="ACTOR", help="Who acted: an actor id.", autocompletion=complete_actor)],
    action: Annotated[str, typer.Option(help="A short verb phrase: 'suspended participation'.")],
    summary: Annotated[str, typer.Option(help="What happened, in your own words.")],
    source: Annotated[Optional[list[str]], typer.Option(
        metavar="URL", help="A URL or citation (repeatable).")] = None,
    status: Annotated[Optional[StatusChoice], typer.Option(
        help="The dossier's status after this event, if it changed.")] = None,
    unverified: Annotated[
        bool, typer.Option("--unverified", help="No source confirms it.")] = False,
    over: Annotated[Optional[list[str]], typer.Option(
        metavar="CRISIS", autocompletion=complete_crisis, help="What the step answered, as its "
        "actor stated it: a crisis id, or another dossier's event as DOSSIER-ID@DATE "
        "(repeatable).")] = None,
    no_link: Annotated[bool, typer.Option(
        "--no-link", help="Its actor stated no link to a crisis: records `over: []`.")] = False,
    accuses: Annotated[Optional[str], typer.Option(
        metavar="ACTOR", autocompletion=complete_actor, help="Whom the acting side formally "
        "accuses of a breach (an accusation, not a break).")] = None,
    dry_run: DryRun = False,
    force: Force = False,
) -> None:
    """Add an event to a dossier, in date order.

    It goes after the events of the same date.

    With --status the dossier's status and broken_off_by are updated to what the events now
    say. A break (a status worse than the one before) from 1999 on says what it answered:
    --over with the crisis or event its actor named, or --no-link. The whole file is
    validated before anything is written; in a canonical file only the new lines change.

    Example:

    \b
      compartment event add new-start --date 2026-02-05 --actor russia \\
        --action "declared the treaty over" --summary "Moscow said ..." \\
        --source https://tass.com/politics/2082091 --dry-run
    """
    from compartment.data.dataset import Event
    from compartment.edit import changes as edit

    if over and no_link:
        raise UsageError("give --over or --no-link, not both")
    new = Event(
        date=date, actor=actor, action=action, summary=summary,
        sources=_sources(source, unverified),
        status=status.value if status is not None else None, unverified=unverified,
        over=tuple(over) if over else (() if no_link else None), accuses=accuses,
    )
    _apply(ctx, dry_run, force, edit.add_event(dossier_id, new))


@dossier_app.command("add")
def dossier_add(
    ctx: typer.Context,
    dossier_id: Annotated[str, typer.Argument(
        metavar="ID", help="The new dossier's id (kebab-case).")],
    title: Annotated[str, typer.Option(help="The dossier's title.")],
    domain: Annotated[DomainChoice, typer.Option(help="Its domain.")],
    party: Annotated[list[str], typer.Option(
        metavar="ACTOR", help="A party: actor id (repeatable).", autocompletion=complete_actor)],
    summary: Annotated[str, typer.Option(help="What the cooperation is, and what became of it.")],
    date: Annotated[str, typer.Option(
        metavar="DATE", help="First event: its date.", callback=partial_date)],
    actor: Annotated[str, typer.Option(
        metavar="ACTOR", help="First event: who acted.", autocompletion=complete_actor)],
    action: Annotated[str, typer.Option(help="First event: what they did, e.g. 'signed'.")],
    event_summary: Annotated[str, typer.Option(help="First event: what happened.")],
    status: Annotated[StatusChoice, typer.Option(help="First event: the status it set.")],
    source: Annotated[Optional[list[str]], typer.Option(
        metavar="URL", help="First event: a source (repeatable).")] = None,
    unverified: Annotated[
        bool, typer.Option("--unverified", help="First event: unconfirmed.")] = False,
    alias: Annotated[Optional[list[str]], typer.Option(help="Another name (repeatable).")] = None,
    forum: Annotated[Optional[str], typer.Option(help="Where the parties meet.")] = None,
    approach: Annotated[Optional[list[ApproachChoice]], typer.Option(
        help="A Western response named (repeatable).")] = None,
    third_party: Annotated[Optional[list[str]], typer.Option(
        metavar="ACTOR", help="A third party (repeatable).", autocompletion=complete_actor)] = None,
    tag: Annotated[Optional[list[str]], typer.Option(help="A tag (repeatable).")] = None,
    dry_run: DryRun = False,
    force: Force = False,
) -> None:
    """Add a dossier with its first event.

    It goes where the canonical order puts it.

    A dossier needs an event that sets its status: the --date, --actor, --action,
    --event-summary, --source and --status options describe that first event. The dossier's
    status and broken_off_by follow from it. Add more events with `compartment event add`.

    Example:

    \b
      compartment dossier add us-russia-fisheries --title "US-Russia fisheries" \\
        --domain economy --party united-states --party russia --summary "..." \\
        --date 1988-05-31 --actor us-ussr --action signed --event-summary "..." \\
        --source https://www.state.gov/ --status active
    """
    from compartment.data.dataset import Dossier, Event
    from compartment.edit import changes as edit

    first = Event(
        date=date, actor=actor, action=action, summary=event_summary,
        sources=_sources(source, unverified), status=status.value, unverified=unverified,
    )
    record = Dossier(
        id=dossier_id, title=title, domain=domain.value, parties=tuple(party),
        status=status.value, broken_off_by=None, summary=summary, events=(first,),
        aliases=tuple(alias or ()), forum=forum,
        approach=tuple(a.value for a in approach or ()), third_parties=tuple(third_party or ()),
        tags=tuple(tag or ()),
    )
    _apply(ctx, dry_run, force, edit.add_dossier(record))


@dossier_app.command("set")
def dossier_set(
    ctx: typer.Context,
    dossier_id: Annotated[str, typer.Argument(
        metavar="ID", help="The dossier's id.", autocompletion=complete_dossier)],
    field: Annotated[str, typer.Argument(
        metavar="FIELD", help="The field to set.", autocompletion=complete_field)],
    values: Annotated[Optional[list[str]], typer.Argument(
        metavar="VALUE", autocompletion=complete_field_value, show_default=False,
        help="The new value; for a list field each VALUE is one item, in order.")] = None,
    unset: Annotated[bool, typer.Option(
        "--unset", help="Remove an optional field (forum or a list).")] = False,
    dry_run: DryRun = False,
    force: Force = False,
) -> None:
    """Set one field of a dossier.

    FIELD is one of: id, title, aliases, domain, parties, forum, approach, third_parties,
    summary, tags. Text fields take one VALUE. A list field takes each item as its own VALUE
    (`tags nuclear treaty`), never split at commas, and replaces the whole list. --unset
    removes forum or a list field. status and broken_off_by follow the events: record the
    event with `compartment event add ... --status`. A new id or domain moves the dossier to
    its place in the canonical order.

    Examples:

      compartment dossier set new-start forum "Geneva talks"

      compartment dossier set new-start tags nuclear bilateral treaty
    """
    from compartment.edit import changes as edit

    _apply(ctx, dry_run, force, edit.set_field(dossier_id, field, values or [], unset=unset))


@claim_app.command("add")
def claim_add(
    ctx: typer.Context,
    dossier_id: DossierArgument,
    date: Annotated[str, typer.Option(
        metavar="DATE", help="The event's date, as the file writes it.", callback=partial_date)],
    by: Annotated[str, typer.Option(
        metavar="ACTOR", help="Who says it: an actor id.", autocompletion=complete_actor)],
    says: Annotated[
        str, typer.Option(help="What they say, in your own words or a short exact quote.")],
    source: Annotated[
        list[str], typer.Option(metavar="URL", help="Where they said it (repeatable).")],
    blames: Annotated[Optional[str], typer.Option(
        metavar="ACTOR", help="Whom they hold responsible.", autocompletion=complete_actor)] = None,
    event_actor: Annotated[Optional[str], typer.Option(
        metavar="ACTOR", help="The event's actor, if several events share the date.",
        autocompletion=complete_actor)] = None,
    action: Annotated[Optional[str], typer.Option(
        help="The event's action, if several share the date.")] = None,
    dry_run: DryRun = False,
    force: Force = False,
) -> None:
    """Add a party's claim to an event of a dossier.

    A claim is what a party said about the event of DATE.

    A claim needs a source, like an event. --blames names the actor the claim holds
    responsible; `compartment list --disputed` finds dossiers where the claims blame
    different actors, and `compartment stats --by blames --per by` counts who blames whom.

    Example:

    \b
      compartment claim add new-start --date 2023-02-21 --by united-states \\
        --blames russia --says "The suspension is legally invalid." \\
        --source https://www.state.gov/ --dry-run
    """
    from compartment.data.dataset import Claim
    from compartment.edit import changes as edit

    claim = Claim(by=by, says=says, sources=tuple(source), blames=blames)
    _apply(ctx, dry_run, force, edit.add_claim(dossier_id, date, claim, event_actor, action))


@actor_app.command("add")
def actor_add(
    ctx: typer.Context,
    actor_id: Annotated[str, typer.Argument(metavar="ID", help="The new actor's id (kebab-case).")],
    name: Annotated[str, typer.Option(help="The actor's name as people write it.")],
    bloc: Annotated[BlocChoice, typer.Option(help="west, russia, third-party or international.")],
    dry_run: DryRun = False,
    force: Force = False,
) -> None:
    """Register an actor under `actors:`, in alphabetical order of id.

    An actor no dossier uses yet draws a warning (not an error) until one does.

    Example:

      compartment actor add kazakhstan --name Kazakhstan --bloc third-party \\
        --dry-run
    """
    from compartment.edit import changes as edit

    _apply(ctx, dry_run, force, edit.add_actor(actor_id, name, bloc.value))


@publisher_app.command("add")
def publisher_add(
    ctx: typer.Context,
    host: Annotated[str, typer.Argument(
        metavar="HOST", help="The host of its URLs, e.g. www.state.gov.")],
    name: Annotated[str, typer.Option(help="The publisher's name as people write it.")],
    kind: Annotated[KindChoice, typer.Option(help="primary, reference or news.")],
    state_media: Annotated[Optional[str], typer.Option(
        metavar="COUNTRY", help="For a state-owned or state-controlled outlet: whose state, e.g. "
        "russia.")] = None,
    subdomains: Annotated[bool, typer.Option(
        "--subdomains", help="Every subdomain of HOST is this publisher too.")] = False,
    dry_run: DryRun = False,
    force: Force = False,
) -> None:
    """Register a publisher of sources.

    It goes under `publishers:`, in alphabetical order of host.

    Once a data file keeps a registry, every source URL's host must be in it (validate
    reports the others, with the closest registered host). primary: governments and their
    agencies, intergovernmental bodies, treaty depositaries, official archives; reference:
    research institutes, scholarly archives, reference works; news: news organisations.

    Example:

      compartment publisher add www.sipri.org --name SIPRI --kind reference \\
        --dry-run
    """
    from compartment.edit import changes as edit

    _apply(ctx, dry_run, force, edit.add_publisher(host, name, kind.value, state_media, subdomains))
