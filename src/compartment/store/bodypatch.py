"""The body of a cache entry for a changed data file, made from the previous entry's body:
the rows and event blobs of the dossiers that did not change are copied as bytes, never
decoded (issue 19: the first command after a change at 100,000 dossiers decoded and
re-encoded all of them, 2-3 s).

A row holds nothing about where it or its blob lies (heads.Head keeps no offset; the body's
tables do), so an unchanged dossier's row, its CRC and its blob (whose CRC is in the row)
are the same bytes in the new body. Only the tables, the columns and the ids are made again.

What is copied is first checked as a full read checks it (each section's CRC, the row table
filling the rows), so damage in the previous entry cannot be carried into the new one under
fresh CRCs. Anything in doubt raises heads.Miss.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from compartment.store import heads
from compartment.store.segments import packed

if TYPE_CHECKING:
    from compartment.store.heads import Body, Head, Layout

# A section's pieces, written one after the other; memoryviews into the previous entry
# where they are copied.
Pieces = list[bytes | memoryview]


def patched(
    old: Body, plan: list[int | None], fresh: tuple[Head, ...], blobs: list[bytes]
) -> tuple[Layout, Pieces]:
    """The layout and the pieces (in order) of a body whose dossier i is the previous body's
    dossier plan[i], or, where plan[i] is None, the next of `fresh` (with its blob)."""
    count = old.count
    offsets = old.table("offsets", count + 1)
    checks = old.table("checks", count)
    at = old.table("at", count + 1, "Q")
    rows, all_blobs = old.whole("rows"), old.whole("blobs")
    if offsets[0] != heads.ROWS_AT or offsets[count] != len(rows) or at[0] != 0 or at[
            count] != len(all_blobs):  # fmt: skip
        raise heads.Miss("the tables do not fill the rows and blobs")
    cols, ids = old.columns(), old.ids()
    status, domain = bytearray(), bytearray()
    new_ids: list[str] = []
    row_pieces: Pieces = [heads.rows_prefix(len(plan))]
    row_ends, row_checks = [heads.ROWS_AT], []
    blob_pieces: Pieces = []
    blob_ends = [0]
    encode, k, i = heads.encode, 0, 0
    while i < len(plan):
        j = plan[i]
        if j is None:  # a changed dossier
            head, row = fresh[k], encode(fresh[k])
            status.append(heads.STATUS_CODES[head.status])
            domain.append(heads.DOMAIN_CODES[head.domain])
            new_ids.append(head.id)
            row_pieces.append(row)
            row_ends.append(row_ends[-1] + len(row))
            row_checks.append(zlib.crc32(row))
            blob_pieces.append(blobs[k])
            blob_ends.append(blob_ends[-1] + len(blobs[k]))
            k, i = k + 1, i + 1
            continue
        end = i + 1  # a run of dossiers that were consecutive before: copied at once
        while end < len(plan) and plan[end] == j + end - i:
            end += 1
        stop = j + end - i
        status += cols.status[j:stop]
        domain += cols.domain[j:stop]
        new_ids += ids[j:stop]
        row_pieces.append(rows[offsets[j] : offsets[stop]])
        shift = row_ends[-1] - offsets[j]
        row_ends += [o + shift for o in offsets[j + 1 : stop + 1]]
        row_checks += checks[j:stop]
        blob_pieces.append(all_blobs[at[j] : at[stop]])
        shift = blob_ends[-1] - at[j]
        blob_ends += [o + shift for o in at[j + 1 : stop + 1]]
        i = end
    if k != len(fresh):
        raise ValueError("the plan does not place every fresh dossier")
    sections: dict[str, Pieces] = {
        "status": [bytes(status)], "domain": [bytes(domain)], "ids": [encode(new_ids)],
        "offsets": [packed("I", row_ends)], "checks": [packed("I", row_checks)],
        "at": [packed("Q", blob_ends)], "rows": row_pieces,
        "events": [heads.rows_prefix(len(plan))], "blobs": blob_pieces,
    }  # fmt: skip
    lengths, crcs, pieces = [], [], []
    for name in heads.SECTIONS:
        crc = 0
        for piece in sections[name]:
            crc = zlib.crc32(piece, crc)
        lengths.append(sum(map(len, sections[name])))
        crcs.append(crc)
        pieces += sections[name]
    return heads.Layout(len(plan), tuple(lengths), tuple(crcs)), pieces
