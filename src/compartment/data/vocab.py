"""The data contract's controlled vocabularies, with what each value means.

Plain tuples and dicts, so that the command line, the models and the docs share one list.
"""

STATUSES: dict[str, str] = {
    "active": "cooperation continues, walled off from the wider confrontation",
    "strained": "continues, but degraded, conditioned or held hostage",
    "suspended": "paused by a party; could resume",
    "terminated": "ended by a party's act: withdrawal, veto, denunciation",
    "expired": "ended by its own terms",
}

# A move into one of these is a party breaking cooperation off; `broken_off_by` names who.
BREAKING_STATUSES = frozenset({"strained", "suspended", "terminated"})

# How far cooperation has broken down, for breaks: an event that moves a dossier to a higher
# rank than it had is a break. `expired` has no rank: a treaty ending by its own terms is
# nobody's break.
BREAK_RANK = {"active": 0, "strained": 1, "suspended": 2, "terminated": 3}

BLOCS: dict[str, str] = {
    "west": "the United States, its allies, and Western organisations (NATO, EU, G7)",
    "russia": "Russia (and the Soviet Union before it)",
    "third-party": "states and bodies outside both camps: mediators, hosts, other parties",
    "international": "joint or multilateral actors: both sides together, UN bodies, conferences",
}

# Publishers of sources, by kind (the registry under `publishers:`). A source of the first two
# kinds is evidence the ledger prefers; state media are news, marked by whose state runs them.
PUBLISHER_KINDS: dict[str, str] = {
    "primary": "governments and their agencies, intergovernmental bodies, treaty depositaries "
    "and official archives",
    "reference": "research institutes, scholarly archives and reference works",
    "news": "news organisations (state-owned or state-controlled ones marked `state_media`)",
}
STRONG_KINDS = ("primary", "reference")

DOMAINS: dict[str, str] = {
    "arms-control": "treaties limiting weapons and their verification",
    "nonproliferation": "the NPT, the Iran deal, chemical weapons",
    "humanitarian": "aid, food exports, prisoner exchanges",
    "space": "human spaceflight and space exploration",
    "arctic": "the Arctic Council and Arctic cooperation",
    "security-dialogue": "military channels and security forums",
    "diplomacy": "summits, consultations and diplomatic formats",
    "economy": "trade and economic formats",
    "law-enforcement": "police, counter-narcotics and counter-terrorism cooperation",
    "energy": "civil nuclear energy and other energy cooperation",
    "science": "joint research outside spaceflight: laboratories, fusion, polar and ocean science",
}

# The Western responses named in the reference article (Notte, War on the Rocks, 2023).
APPROACHES: dict[str, str] = {
    "third-party": "bargain with Russia through a third party such as Turkey",
    "overrule": "outvote Russia where decisions need a majority, not consensus",
    "go-around": "work around Russia: contingency plans, projects without it",
    "hinder": "push back against Russia, e.g. counterproliferation",
    "expose": "make Russia's responsibility visible",
}

# The data contract's fields, in the order the canonical layout writes them. The models'
# tests, the layout (fmt), the exports, SQLite, diff and the edits all derive their lists
# from these, so a new field is added here once.
ACTOR_FIELDS = ("name", "bloc")
CRISIS_FIELDS = ("name", "date", "summary", "sources")
DOSSIER_FIELDS = (
    "id", "title", "aliases", "domain", "parties", "forum", "status", "broken_off_by",
    "approach", "third_parties", "summary", "tags", "next", "events",
)
EVENT_FIELDS = (
    "date", "actor", "action", "status", "over", "accuses", "unverified", "summary", "sources",
    "claims",
)
DECISION_FIELDS = ("date", "due", "by", "sources")
CLAIM_FIELDS = ("by", "blames", "says", "sources")
PUBLISHER_FIELDS = ("name", "kind", "state_media", "subdomains")
# Of the dossier's fields: lists of text, those that may be left out, and those that follow
# from the events and are never set by hand.
LIST_FIELDS = ("aliases", "parties", "approach", "third_parties", "tags")
OPTIONAL_FIELDS = ("aliases", "forum", "approach", "third_parties", "tags", "next")
# Of the dossier's fields: lists of records, each with fields of its own.
RECORD_LISTS = ("next", "events")
# Breaks after this year must say what they answered (`over:`): before it, the record of
# who linked what to which crisis is not what the ledger is for.
LINKAGE_SINCE = "1999"
DERIVED_FIELDS = ("status", "broken_off_by")


def dossier_order(domain: str, dossier_id: str) -> tuple[int, str]:
    """The canonical place of a dossier: by domain in the vocabulary's order, then by id.

    An unknown domain sorts last (the validator reports it)."""
    rank = list(DOMAINS)
    return (rank.index(domain) if domain in DOMAINS else len(rank), dossier_id)
