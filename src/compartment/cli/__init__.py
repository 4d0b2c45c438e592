"""The command line: the Typer app, its global options, and the console script's guards.

Each command module (read, check, history, edit) holds thin commands: parse the options,
call the core, render, choose the exit code. A CompartmentError raised anywhere below is
caught in one place, `_Group.invoke`, and becomes `Error: ...` on stderr with its exit
code: 0 success, 1 problems in the data or a failed operation, 2 bad usage, 70 an internal
error (a bug: please report it). Data goes to stdout, messages to stderr.
"""

import errno
import gc
import inspect
import os
import sys
from collections.abc import Iterator, MutableMapping
from importlib import import_module
from typing import Annotated, Any, NoReturn, Optional

import typer
from typer._completion_classes import completion_init
from typer.core import TyperGroup

from compartment import __version__
from compartment.cli import options, runtime
from compartment.errors import CompartmentError, ExitCode

# The commands, in the order `compartment --help` lists them: name -> (module of cli, the
# function or Typer sub-app in it). A command's module is imported, and its Click object
# built, only when the command runs or a help page lists it: Typer builds the parameters of
# every registered command at start-up, 1-2 ms each, 18 ms for all of them, which every
# warm command paid to run one (benchmarks/README.md, "Start-up after the CLI became a package").
COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("read", "list_"),
    "show": ("read", "show"),
    "validate": ("check", "validate"),
    "export": ("read", "export_"),
    "info": ("read", "info"),
    "timeline": ("history", "timeline"),
    "stats": ("history", "stats"),
    "crises": ("history", "crises"),
    "upcoming": ("history", "upcoming"),
    "diff": ("history", "diff"),
    "log": ("vcs", "log"),
    "chart": ("history", "chart"),
    "site": ("publish", "site"),
    "fmt": ("check", "fmt_"),
    "sources": ("check", "sources"),
    "schema": ("read", "schema_"),
    "merge-driver": ("vcs", "merge_driver"),
    "event": ("edit", "event_app"),
    "dossier": ("edit", "dossier_app"),
    "actor": ("edit", "actor_app"),
    "claim": ("edit", "claim_app"),
    "publisher": ("edit", "publisher_app"),
}


def build_command(name: str) -> Any:
    """The Click object of one command of COMMANDS, as `app.command(name)` or
    `app.add_typer(sub_app, name=name)` would have had Typer build it."""
    module, attribute = COMMANDS[name]
    target = getattr(import_module(f"compartment.cli.{module}"), attribute)
    style: dict[str, Any] = {"pretty_exceptions_short": app.pretty_exceptions_short,
                             "rich_markup_mode": app.rich_markup_mode}
    built: Any
    if isinstance(target, typer.Typer):
        built = typer.main.get_group_from_info(typer.models.TyperInfo(target, name=name),
                                               suggest_commands=app.suggest_commands, **style)
    else:
        built = typer.main.get_command_from_info(
            typer.models.CommandInfo(name=name, callback=target), **style)
    _plain_metavars(built)
    return built


def _plain_metavars(command: Any) -> None:
    """A required argument reads `ID` in the usage line, as in every other tool's help,
    not Typer's `{ID}`, which looks like a choice or a placeholder to fill with braces."""
    for sub in getattr(command, "commands", {}).values():
        _plain_metavars(sub)
    for param in command.params:
        if param.param_type_name == "argument" and param.metavar and param.required:
            param.make_metavar = lambda ctx=None, usage=False, shown=param.metavar: shown
        elif (param.param_type_name == "option" and param.metavar is None
              and not getattr(param, "is_flag", False)):
            # `<str>`, `<int range>`: Typer's names of types, not what to type.
            param.metavar = _METAVARS.get(param.type.name)


_METAVARS = {"str": "TEXT", "int": "N", "int range": "N", "float": "SECONDS",
             "float range": "SECONDS"}


def summary(name: str) -> str:
    """The help text the command of COMMANDS would have, without building it."""
    module, attribute = COMMANDS[name]
    target = getattr(import_module(f"compartment.cli.{module}"), attribute)
    text = target.info.help if isinstance(target, typer.Typer) else inspect.getdoc(target)
    return text if isinstance(text, str) else ""


class _Commands(MutableMapping[str, Any]):
    """The root group's `commands`: every name of COMMANDS from the start (for usage errors'
    did-you-mean and completion), each Click object built on first access."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = build_command(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(COMMANDS), **self._built})

    def __len__(self) -> int:
        return len(COMMANDS.keys() | self._built.keys())

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._built

# Added to an unexpected exception when --debug was given, so that main() shows its traceback.
_DEBUG_NOTE = "compartment: --debug"


class _Group(TyperGroup):
    """The root command group: the one place where a CompartmentError ends a command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands()
        completion_init()  # as add_completion=True would: the completion options are ours

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only: TyperGroup's reads every item

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # The listing of `compartment --help` needs each command's first line of help, not
        # its parameters: take it from the docstring rather than build all 20 commands.
        from typer._click.utils import make_default_short_help

        rows = [(name, summary(name)) for name in self.list_commands(ctx)]
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, make_default_short_help(text, limit).strip())
                                for name, text in rows])

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # `--show-completion` may name a shell or not; see options.completion_args.
        return super().parse_args(ctx, options.completion_args(args, self.commands))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CompartmentError as exc:
            runtime.report_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            if runtime.settings(ctx).debug:
                exc.add_note(_DEBUG_NOTE)
            raise


app = typer.Typer(
    name="compartment",
    cls=_Group,
    help=(
        "A ledger of cooperation dossiers between Russia and the West: what was walled off "
        "from the confrontation, what was broken off, by whom and when, with a source for "
        "every event."
    ),
    no_args_is_help=True,
    add_completion=False,  # ours take a shell's name: options.ShowCompletion
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"compartment {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Annotated[Optional[str], typer.Option(
        metavar="PATH", help="The data file. Default: $COMPARTMENT_DATA, else the nearest "
        "data/issues.yaml in this folder or above, else the copy bundled with compartment.")
    ] = None,
    known_at: Annotated[Optional[str], typer.Option(
        metavar="REV", help="Read the data file as committed at this git revision: a commit, "
        "tag or branch, or a date YYYY-MM-DD (the current branch's last commit on or before "
        "it). Combines with --as-of.")] = None,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show a traceback if compartment itself fails.")] = False,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Parse and validate the data file afresh; do not read or write the "
        "cache (kept in $COMPARTMENT_CACHE_DIR, else $XDG_CACHE_HOME/compartment).")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version.")] = False,
    install_completion: options.InstallCompletion = None,
    show_completion: options.ShowCompletion = None,
) -> None:
    ctx.obj = runtime.Settings(data, use_cache=not no_cache, debug=debug, known_at=known_at)


def main() -> None:
    """The console script: the CLI with the guards a user needs and tests do not want.

    A closed pipe (`compartment export | head -1`) ends quietly; an output encoding that
    cannot show a character prints an escape instead; any other unexpected exception is a
    bug and becomes one 'internal error' line with exit code 70 (traceback with --debug).
    """
    # The collector stays off until the data is loaded; then runtime.load freezes what is
    # loaded, so that no later pass rescans it (see there).
    gc.disable()
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        app()
    except SystemExit:  # every normal ending, usage errors included, comes through here
        _flush_or_quiet()
        raise
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS:
            _internal_error(exc)
        sys.stderr.write(f"Error: cannot write output ({exc.strerror})\n")
        os._exit(ExitCode.PROBLEMS)  # skip the interpreter's final flush of the same full buffer
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted\n")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence, see docstring
        _internal_error(exc)
    _flush_or_quiet()


# A full disk or a failing device while writing: the user's environment, not our bug.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG})


def _flush_or_quiet() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as exc:
        sys.stderr.write(f"Error: cannot write output ({exc.strerror})\n")
        os._exit(ExitCode.PROBLEMS)


def _quiet_broken_pipe() -> NoReturn:
    # Point stdout at /dev/null so the interpreter's final flush does not complain again.
    # Exit 1, as the bundled Click does when it meets the closed pipe first: the output was
    # cut short, and which of the two sees it depends only on timing.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(ExitCode.PROBLEMS)


def _internal_error(exc: BaseException) -> NoReturn:
    if _DEBUG_NOTE in getattr(exc, "__notes__", ()):
        import traceback

        traceback.print_exception(exc)
    else:
        sys.stderr.write(
            f"compartment: internal error: {type(exc).__name__}. This is a bug; please report "
            "it with the command you ran. Run again with --debug to see the traceback.\n"
        )
    sys.exit(ExitCode.INTERNAL)
