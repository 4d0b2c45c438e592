"""The evidence behind the ledger: which publishers it cites, how well each dossier and event
is sourced, and which events rest on weak evidence. Plain data; nothing here prints.

An event's *best kind* is the strongest kind among the publishers of its sources (claims'
sources are a party's words, not evidence of the event, and do not count): primary, then
reference, then news, then state media (news marked `state_media`), then none (a bare
citation, or a host the registry does not know).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, NamedTuple

from compartment.data.dataset import Dataset, Dossier, Event, url_host
from compartment.data.vocab import STRONG_KINDS

# Best first. "state-media" is news from an outlet its state owns or controls: evidence of
# what that government said, not of what happened.
KIND_ORDER = ("primary", "reference", "news", "state-media", "none")


def source_kind(data: Dataset, source: str) -> str:
    publisher = data.publisher_of(source)
    if publisher is None:
        return "none"
    if publisher.kind == "news" and publisher.state_media:
        return "state-media"
    return publisher.kind


def best_kind(data: Dataset, event: Event) -> str:
    """The strongest kind of source the event cites (KIND_ORDER)."""
    kinds = {source_kind(data, s) for s in event.sources}
    return next((k for k in KIND_ORDER if k in kinds), "none")


def is_strong(data: Dataset, event: Event) -> bool:
    return best_kind(data, event) in STRONG_KINDS


class PublisherUse(NamedTuple):
    host: str
    name: str
    kind: str
    state_media: str | None
    citations: int  # sources of events and claims that name this publisher
    events: int  # events citing it (in their sources or their claims')
    dossiers: int

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


def publishers(data: Dataset) -> list[PublisherUse]:
    """Every registered publisher with how much the ledger cites it, most cited first (then
    by host); a registered publisher nothing cites shows with zeros."""
    cited = [  # (host, dossier, event) for each citation
        (publisher.host, i, k) for i, d in enumerate(data.dossiers) for k, e in enumerate(d.events)
        for source in (*e.sources, *(s for c in e.claims for s in c.sources))
        if (publisher := data.publisher_of(source)) is not None
    ]
    citations = Counter(host for host, _, _ in cited)
    events = Counter(host for host, _, _ in set(cited))
    dossiers = Counter(host for host, _ in {(host, i) for host, i, _ in cited})
    rows = [PublisherUse(p.host, p.name, p.kind, p.state_media, citations[p.host],
                         events[p.host], dossiers[p.host]) for p in data.publishers.values()]
    return sorted(rows, key=lambda r: (-r.citations, r.host))


class DossierEvidence(NamedTuple):
    id: str
    title: str
    events: int
    strong: int  # events with a primary or reference source

    @property
    def share(self) -> float:
        return self.strong / self.events if self.events else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "events": self.events,
                "strong_events": self.strong, "strong_share": round(self.share, 3)}


def dossiers(data: Dataset) -> list[DossierEvidence]:
    """Per dossier, in file order: events, and how many cite a primary or reference source."""
    return [DossierEvidence(d.id, d.title, len(d.events), sum(is_strong(data, e) for e in d.events))
            for d in data.dossiers]


class WeakEvent(NamedTuple):
    dossier: str
    event: Event
    kind: str  # the best kind it cites: news, state-media or none

    def to_dict(self) -> dict[str, Any]:
        e = self.event
        return {"dossier": self.dossier, "date": e.date, "actor": e.actor, "action": e.action,
                "best_kind": self.kind, "sources": list(e.sources)}


def weak_events(data: Dataset) -> list[WeakEvent]:
    """Events with no primary or reference source, worst first: by the best kind they cite
    (none, then state media, then news), then the least well-sourced dossier, then date."""
    shares = {d.id: d.share for d in dossiers(data)}
    found = [WeakEvent(d.id, e, kind) for d in data.dossiers for e in d.events
             if (kind := best_kind(data, e)) not in STRONG_KINDS]
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(found, key=lambda w: (-rank[w.kind], shares[w.dossier], w.event.date))


# The recent years, whose sources the summary reports apart: since Russia's full-scale
# invasion, when most breaks of the ledger happened and the first reports were news.
RECENT_SINCE = "2022"


class Summary(NamedTuple):
    events: int
    strong: int  # events citing a primary or reference source
    dossiers: int
    dossiers_without_strong: int
    publishers: int
    recent_events: int  # those dated RECENT_SINCE or later
    recent_strong: int

    @property
    def share(self) -> float:
        return self.strong / self.events if self.events else 0.0

    @property
    def recent_share(self) -> float:
        return self.recent_strong / self.recent_events if self.recent_events else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"events": self.events, "strong_events": self.strong,
                "strong_share": round(self.share, 3), "dossiers": self.dossiers,
                "dossiers_without_strong": self.dossiers_without_strong,
                "publishers": self.publishers, "recent_since": RECENT_SINCE,
                "recent_events": self.recent_events, "recent_strong_events": self.recent_strong,
                "recent_strong_share": round(self.recent_share, 3)}


def summary(data: Dataset) -> Summary:
    per = dossiers(data)
    recent = [e for d in data.dossiers for e in d.events if e.date >= RECENT_SINCE]
    return Summary(events=sum(d.events for d in per), strong=sum(d.strong for d in per),
                   dossiers=len(per), dossiers_without_strong=sum(1 for d in per if not d.strong),
                   publishers=len(data.publishers), recent_events=len(recent),
                   recent_strong=sum(is_strong(data, e) for e in recent))


def cited_urls(data: Dataset, dossier: Dossier | None = None) -> list[str]:
    """Every http(s) source of events and claims, in file order, each once."""
    chosen = (dossier,) if dossier is not None else data.dossiers
    return list(dict.fromkeys(
        source.strip() for d in chosen for e in d.events
        for source in (*e.sources, *(s for c in e.claims for s in c.sources))
        if url_host(source) is not None))
