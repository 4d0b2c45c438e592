"""The invariants of a clean load, checked on what a cache entry decodes (cache.py's
distrust): a decoded dataset that breaks none of them is one validation would accept."""

from __future__ import annotations

import re
from datetime import date as _date
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING

from compartment.data.vocab import (
    APPROACHES,
    BLOCS,
    BREAKING_STATUSES,
    DOMAINS,
    PUBLISHER_KINDS,
    STATUSES,
)
from compartment.errors import UNSAFE_CHARS
from compartment.store.segments import DIGEST_SIZE

if TYPE_CHECKING:
    from compartment.data.dataset import Claim
    from compartment.store.cache import Payload

_STATUSES = frozenset(STATUSES)
_ID, _DOMAIN, _STATUS, _BROKEN, _EVENTS, _PARTIES, _THIRD, _APPROACH = (
    attrgetter(f)
    for f in ("id", "domain", "status", "broken_off_by", "events", "parties", "third_parties",
              "approach")
)  # fmt: skip
# The loop over every event unpacks each one, the fastest way to read several fields of a
# tuple; it must list Event's fields in order (tests/test_cache.py checks that it does).
UNPACKED_EVENT_FIELDS = (
    "date", "actor", "action", "summary", "sources", "status", "unverified", "claims",
)  # fmt: skip
# dates.check's rule as regexes over all distinct dates joined by newlines (C, no Python per
# date): the shape with month and day ranges, then date.fromisoformat for the few days
# (29-31) whose month decides. tests/test_cache.py holds this equal to dates.check.
_DATES = re.compile(r"(?:[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?\n)*")
_LATE_DAYS = ("-29", "-30", "-31")


def dates_valid(texts: set[str]) -> bool:
    """Whether dates.check passes every one of `texts` (3 ms for 17,000 distinct dates, where
    calling dates.check on each takes 37 ms)."""
    joined = "\n".join(texts) + "\n" if texts else ""
    if not _DATES.fullmatch(joined):
        return False
    try:
        for text in texts:
            if text.endswith(_LATE_DAYS):
                _date.fromisoformat(text)
    except ValueError:  # such as 2023-02-30
        return False
    return True


def consistent(payload: Payload) -> bool:
    """Whether the decoded payload keeps the invariants every clean load has.

    msgspec has already checked every type. These are the rules whose breach could crash a
    command or give an answer validation would refuse: vocabularies, real dates, unique ids,
    events present, `status` and `broken_off_by` as `derive_state` derives them, every actor
    named known. The cost is reading every event's strings once more after the decode:
    joining the 50,000 dates of a 10,000-dossier ledger, in C, already takes 15 ms on the
    benchmark machine. So the events are walked once, everything gathered on the way, and
    each distinct date checked once: 55-70 ms at 10,000 dossiers against 88 ms to decode
    them (measured under load; a formulation in map/set/join was no faster, and neither was
    decoding and checking in chunks while the records were still in the CPU's cache).
    """
    actors, dossiers, publishers = payload.actors, payload.dossiers, payload.publishers
    index = payload.segments
    if index is not None and (
        len(index.items) != DIGEST_SIZE * len(dossiers)
        or not all(0 <= n.position < len(dossiers) for n in index.local)
    ):
        return False
    known = {a.id for a in actors}
    if len(known) != len(actors) or not {a.bloc for a in actors} <= BLOCS.keys():
        return False
    if len({p.host for p in publishers}) != len(publishers):
        return False
    if not {p.kind for p in publishers} <= PUBLISHER_KINDS.keys():
        return False
    if len(set(map(_ID, dossiers))) != len(dossiers):
        return False
    if not set(map(_DOMAIN, dossiers)) <= DOMAINS.keys():
        return False
    if not set(map(_STATUS, dossiers)) <= _STATUSES:
        return False
    if not all(map(_PARTIES, dossiers)):
        return False
    if not set(chain.from_iterable(map(_APPROACH, dossiers))) <= APPROACHES.keys():
        return False
    referenced = set(chain.from_iterable(map(_PARTIES, dossiers)))
    referenced.update(chain.from_iterable(map(_THIRD, dossiers)))
    referenced.update(map(_BROKEN, dossiers))
    seen_dates: set[str] = set()
    seen_statuses: set[str] = set()
    claims: list[tuple[Claim, ...]] = []
    add_date, add_actor, add_status = seen_dates.add, referenced.add, seen_statuses.add
    breaking = BREAKING_STATUSES
    for status, breaker, events in zip(
        map(_STATUS, dossiers), map(_BROKEN, dossiers), map(_EVENTS, dossiers), strict=True
    ):
        if not events:
            return False
        # derive_state, inline: the last status set, and the actor of the last break unless
        # a later event made the dossier active again.
        derived = derived_breaker = None
        for date, actor, _, _, _, new, _, event_claims in events:
            add_date(date)
            add_actor(actor)
            if new is not None:
                add_status(new)
                derived = new
                if new in breaking:
                    derived_breaker = actor
                elif new == "active":
                    derived_breaker = None
            if event_claims:
                claims.append(event_claims)
        if derived != status or derived_breaker != breaker:
            return False
    if not seen_statuses <= _STATUSES or not dates_valid(seen_dates):
        return False
    for claim in chain.from_iterable(claims):
        add_actor(claim.by)
        add_actor(claim.blames)
    referenced.discard(None)
    if not referenced <= known:
        return False
    # Warnings are printed: their text must be as safe as validation would have made it.
    texts = "".join(chain.from_iterable((w.where, w.code, w.message) for w in payload.warnings))
    if index is not None:  # an unchanged dossier's warnings come back from here
        texts += "".join(chain.from_iterable((n.code, n.message) for n in index.local))
    return UNSAFE_CHARS.search(texts) is None
