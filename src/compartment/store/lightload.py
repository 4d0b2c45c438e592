"""The loads of `list` and `show` from a warm cache entry (cacheview.py), and the refresh of
an entry of an earlier version of the file before them (cache_patch.py).

loader.load answers every other command, and refreshes too (`refreshed`); a light read that
cannot answer leaves the command to it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from compartment.data.loader import collector_paused
from compartment.store.datafile import Content, check_encoding, stat_file

if TYPE_CHECKING:
    from pathlib import Path

    from compartment.data.dataset import Dataset
    from compartment.errors import Problem
    from compartment.views.query import Filters


def load_heads(path: Path, display: str, filters: Filters) -> Dataset | None:
    """From a warm cache, the dataset `list` needs for `filters`: heads in place of the
    dossiers that may match (cacheview.read_heads); None when only a normal `load` can
    answer (no entry, a stale or doubtful one). Raises DataFileNotFound as `load` does."""
    from compartment.store import cacheview

    return _light(path, display, lambda info, key, matched: cacheview.read_heads(
        path, info, key, display, filters, matched=matched))  # fmt: skip


def load_dossier(path: Path, display: str, wanted: str) -> Dataset | None:
    """From a warm cache, the dataset `show` needs: the one dossier `wanted` names, whole
    (cacheview.read_dossier); None when only a normal `load` can answer."""
    from compartment.store import cacheview

    return _light(path, display, lambda info, key, matched: cacheview.read_dossier(
        path, info, key, display, wanted, matched=matched))  # fmt: skip


# The refresh the last light read tried and could not make (the file, its digest): the
# normal load that `list` or `show` then makes would try it again, in vain.
_unrefreshed: list[tuple[Path, str]] = []


def _light(
    path: Path, display: str,
    read: Callable[
        [os.stat_result, Callable[[], str], Callable[[], None]],
        tuple[Dataset, list[Problem]] | None,
    ],
) -> Dataset | None:
    """What `read` makes of the file's cache entry; when the entry is of an earlier version
    of the file, once more after refreshing it from that version (cache_patch.refresh).
    `read` is given the file's status, its digest, and what to call if the digest matched
    (the bytes are let go: an entry of this very content has nothing to refresh from)."""
    info = stat_file(path)
    content = Content(path, info)
    with collector_paused():
        hit = read(info, content.key, content.drop)
        if hit is None and refreshed(path, info, content, display, light=True):
            hit = read(info, content.key, content.drop)
    return None if hit is None else hit[0]


def refreshed(
    path: Path, info: os.stat_result, content: Content, display: str, *, light: bool = False
) -> bool:
    """Whether the file's entry now describes its content, refreshed from the entry of an
    earlier version. Only tried when a read of the entry compared digests and found another
    (so the file's bytes are at hand): with no entry there is nothing to refresh from. A
    refresh a light read could not make is not tried again by the load that follows it."""
    raw = content.held()
    if raw is None or check_encoding(raw) is not None:
        return False
    from compartment.store import cache_patch

    attempt = (path, content.key())
    if not light and _unrefreshed == [attempt]:
        _unrefreshed.clear()
        return False
    done = cache_patch.refresh(path, info, raw, attempt[1], display)
    _unrefreshed[:] = [] if done or not light else [attempt]
    if done:  # the read that follows needs the digest only: let the bytes go (228 MB at 100k)
        del raw
        content.drop()
    return done
