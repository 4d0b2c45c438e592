"""What `fmt --check` remembers: the pieces of a data file already judged canonical.

fmtcheck.is_canonical writes the whole file again from libyaml's events and compares: 4 s
at 10,000 dossiers (benchmarks/README.md), paid again by every `fmt --check` of a pre-commit
hook although a commit changes a dossier or two. Every rule of is_canonical looks at one
piece of the file at a time (the header and the actors before the dossier list, each dossier
item, the publishers after it: its layout, its blank lines, the order of its keys and events),
but for one: the order of the dossiers. So after a True verdict, the digests of the pieces
(segments.py's split: head, tail and each item, blank lines and comments included) are kept
beside the cache entry; the next check of a file with the same head and tail judges only
the items whose text it has not seen, in a small document made of the head, those items, the
last item (whose text is the only one not followed by a blank line) and the tail, and checks
the order of all the dossiers from the validated records.

The memo is trusted as the cache is (cache.py, "Distrust"): read without following a
symlink, as a regular file of bounded size, its body's length and CRC checked; a damaged or
foreign memo is no memo. Anyone who can write the cache folder can forge a verdict, as they
can forge a dataset. Failing to write one is never an error.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from compartment.data.vocab import dossier_order
from compartment.store import segments

if TYPE_CHECKING:
    from compartment.data.dataset import Dataset

SUFFIX = ".fmt"
CANONICAL_INDENT = 2  # `  - id: ...`: the canonical dump indents the dossier list
_MAX_ITEMS = 10_000_000  # a bound on the memo's size: 16 bytes an item


class Memo(NamedTuple):
    head: bytes
    tail: bytes
    items: bytes  # segments.DIGEST_SIZE bytes per dossier item judged canonical


def memo_path(data_path: Path) -> Path:
    from compartment.store.cache import entry_path

    return entry_path(data_path).with_suffix(SUFFIX)


def is_canonical(text: str, data_path: Path, data: Dataset) -> bool:
    """fmtcheck.is_canonical(text), judged from the memo of `data_path` where it can be.

    `data` is the clean load of `text` (its dossiers in file order). A True verdict is
    remembered for the next call.
    """
    import stat

    from compartment.edit import fmtcheck

    try:  # only a data file has a memo: not a made-up name (merge's "ours:..."), nor a FIFO
        regular = stat.S_ISREG(data_path.stat().st_mode)
        raw = text.encode("utf-8")
    except (OSError, ValueError):  # no such file; a lone surrogate
        regular = False
    if not regular:
        return fmtcheck.is_canonical(text)
    found = segments.split(raw)
    if found is None or found.indent != CANONICAL_INDENT or len(found.starts) != len(
        data.dossiers
    ):
        return fmtcheck.is_canonical(text)
    view = memoryview(raw)
    bounds = (*found.starts, found.end)
    head, tail = segments.digest(view[: bounds[0]]), segments.digest(view[found.end :])
    items = [segments.digest(view[bounds[i] : bounds[i + 1]]) for i in range(len(found.starts))]
    memo = read(data_path)
    if memo is None or memo.head != head or memo.tail != tail:
        verdict = fmtcheck.is_canonical(text)
    else:
        size = segments.DIGEST_SIZE
        known = {memo.items[k : k + size] for k in range(0, len(memo.items), size)}
        # The last item is judged again unless it was the last one before: only the last
        # item is followed by the tail, where a blank line is not canonical.
        last = len(items) - 1
        unseen = [i for i, d in enumerate(items) if d not in known or i == last]
        order = [dossier_order(d.domain, d.id) for d in data.dossiers]
        if order != sorted(order):
            verdict = False
        elif unseen == [last] and items[last] == memo.items[-size:]:
            verdict = True  # every piece seen in a canonical file, the last one last
        else:
            pieces = [view[bounds[i] : bounds[i + 1]] for i in unseen]
            small = b"".join([view[: bounds[0]], *pieces, view[found.end :]])
            verdict = fmtcheck.is_canonical(small.decode("utf-8"))
    if verdict:
        write(data_path, Memo(head, tail, b"".join(items)))
    return verdict


def read(data_path: Path) -> Memo | None:
    """The memo of `data_path`, or None: absent, damaged, or of another version."""
    import msgspec

    from compartment.store import cache

    try:
        blob = cache._map(memo_path(data_path), _MAX_ITEMS * segments.DIGEST_SIZE)
        if blob is None:
            return None
        size = int.from_bytes(blob[: cache._LENGTH], "big")
        if not 0 < size <= cache._MAX_HEADER:
            return None
        header = msgspec.msgpack.decode(blob[cache._LENGTH : cache._LENGTH + size],
                                        type=cache.Header)
        body = blob[cache._LENGTH + size :]
        if (header.format, header.version, header.key) != _identity() or len(
            body
        ) != header.length or zlib.crc32(body) != header.check:
            return None
        memo = msgspec.msgpack.decode(body, type=Memo)
    except (OSError, ValueError, msgspec.DecodeError):
        return None
    if len(memo.items) % segments.DIGEST_SIZE or len(memo.head) != segments.DIGEST_SIZE:
        return None
    return memo


def write(data_path: Path, memo: Memo) -> None:
    import msgspec

    from compartment.store import cache

    body = msgspec.msgpack.encode(memo)
    format_, version, key = _identity()
    header = cache.Header(format_, version, key, None, len(body), zlib.crc32(body))
    cache._store(memo_path(data_path), header, body)  # atomic; gives up quietly


def _identity() -> tuple[int, str, str]:
    """What a memo must say it is: this kind of entry, written by this very compartment
    (a new version may judge the layout by other rules)."""
    from compartment import __version__
    from compartment.store import cache

    return cache.FORMAT, __version__, "fmt-memo"
