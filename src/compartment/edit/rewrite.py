"""Read -> lock -> rewrite: the one way `fmt` and every edit change a data file.

The file is read and decoded under its lock, handed as text to a transform (an edit, or the
canonical layout) that returns an `editflow.Edit`, and written back atomically only if the result
has no errors and differs, with the byte-order mark the file had, and only if nobody changed
the file meanwhile. Without `write` (`--dry-run`, `fmt --check`) no lock is taken and nothing
is written. Failures that stop the rewrite are CompartmentErrors; problems of the data are
returned on the Edit, for the caller to report.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from compartment.errors import CompartmentError
from compartment.store import datafile, storage

if TYPE_CHECKING:
    from compartment.edit.editflow import Edit

BOM = b"\xef\xbb\xbf"

Transform = Callable[[str, str], "Edit"]  # (text, name in messages) -> the edit worked out


def rewrite(
    path: Path, transform: Transform, *, write: bool, name: str | None = None, force: bool = False
) -> Edit:
    """Apply `transform` to the file at `path`; with `write`, save the result if it has no
    errors and changes something. Returns the Edit either way. A read-only file is refused
    before any work unless `force` (storage.check_writable)."""
    shown = name if name is not None else str(path)
    with storage.locked(path) if write else nullcontext():
        if write:
            storage.check_writable(path, force=force)
        raw = datafile.read_bytes(path)
        text, (line, column), reason = datafile.decode(raw)
        if text is None:
            raise CompartmentError(f"{shown}:{line}:{column}: {reason}")
        from compartment.edit.editflow import WRITING

        token = WRITING.set(write)
        try:
            change = transform(text, shown)
        finally:
            WRITING.reset(token)
        if write and not change.errors and change.after != change.before:
            try:
                storage.write_atomic(path, encode(raw, change.after), expect=raw, force=force)
            except OSError as exc:
                raise CompartmentError(f"{shown}: cannot write ({exc.strerror or exc})") from None
    return change


def encode(raw: bytes, text: str) -> bytes:
    """`text` as the file's bytes: UTF-8, with the byte-order mark the file had, if any."""
    return (BOM if raw.startswith(BOM) else b"") + text.encode("utf-8")
