"""Problems found in a data file, each with the place it points at; the one error type that
ends a command, with its exit code. Standard library only.

Bad data is a value (`Problem`, with its `Location`), collected and reported together. A
failure that stops a command (a missing file, a held lock, bad usage) is a `CompartmentError`:
the core raises it, the command line catches it in one place and exits with its code.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from enum import Enum, IntEnum
from typing import NamedTuple

# Characters that would let data steer a terminal or hide text: C0 controls except tab and
# newline, DEL, the C1 range (U+009B is a one-byte CSI), bidi overrides and isolates, and lone
# surrogates (they cannot be encoded, so printing them fails halfway through the output).
UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def visible(text: str) -> str:
    """Return text with every unsafe character shown as an escape such as \\x1b or \\u202e."""
    return UNSAFE_CHARS.sub(_escape_char, text)


def one_line(text: str) -> str:
    """`visible`, and newlines and tabs escaped too: for a file name or a message that must
    stay on its one line (a newline in a path would split `file:line:col: ...` in two)."""
    return visible(text).replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class ExitCode(IntEnum):
    OK = 0
    PROBLEMS = 1  # problems in the data, or an operation that failed
    USAGE = 2  # the command line itself is wrong
    INTERNAL = 70  # a bug in compartment (EX_SOFTWARE)


class CompartmentError(Exception):
    """A failure that ends the command: its message, its exit code, and any problems of the
    data that explain it (printed before the message)."""

    exit_code: ExitCode = ExitCode.PROBLEMS

    def __init__(self, message: str, *, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


class UsageError(CompartmentError):
    """The command line asked for something that cannot be: exit 2."""

    exit_code = ExitCode.USAGE


class MissingExtra(CompartmentError):
    """A command needs an optional package that is not installed; says how to install it."""

    def __init__(self, package: str, what: str, extra: str) -> None:
        super().__init__(f"{what} needs {package}: pip install {package} (or install "
                         f"compartment-ledger[{extra}])")


def require(package: str, what: str, extra: str) -> None:
    """Raise MissingExtra unless `package` imports (it is imported only where it is used)."""
    try:
        importlib.import_module(package)
    except ImportError:
        raise MissingExtra(package, what, extra) from None


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


# Named tuples rather than frozen dataclasses, here and for the other small records every
# command meets (State, Dataset, Filters, DataSource, Settings): defining a frozen dataclass
# runs generated code, 0.85 ms each against 0.1 ms for a NamedTuple, paid at every start.
class Location(NamedTuple):
    """Where a problem is: a file, a 1-based line and column (0 when unknown), a data path
    of keys and list indices as the file has them, and `where`, that path for people."""

    file: str
    line: int = 0
    column: int = 0
    path: tuple[str | int, ...] = ()
    where: str = ""

    def __str__(self) -> str:
        head = one_line(self.file)  # paths come from pull requests and pre-commit hooks
        if self.line:
            head += f":{self.line}:{self.column or 1}"
        return f"{head}: {self.where}" if self.where else head


class Problem(NamedTuple):
    location: Location
    code: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        label = "" if self.is_error else "warning: "
        return f"{self.location}: {label}{visible(self.message)}"

    def to_dict(self) -> dict[str, object]:
        loc = self.location
        return {
            "file": loc.file,
            "line": loc.line,
            "column": loc.column,
            "path": loc.where,
            "severity": self.severity.value,
            "code": self.code,
            "message": visible(self.message),
        }


def render_path(path: tuple[str | int, ...], names: dict[int, str] | None = None) -> str:
    """Render a data path as `dossiers[new-start].events[3].date`.

    `names` maps a dossier's index in the file to its id, so a reader sees which dossier is
    meant; events and other lists keep their index.
    """
    out: list[str] = []
    parent: str | int | None = None
    for part in path:
        if isinstance(part, int):
            label = str(part)
            if parent == "dossiers" and names and part in names:
                label = names[part]
            out.append(f"[{label}]")
        else:
            out.append(("." if out else "") + visible(part))
        parent = part
    return "".join(out)
