"""The rules across records (checks.RULES), each pinned from rule to located problem.

Every rule has a dataset that it alone flags, with the exact code, message, line, column and
path, and a near miss that it lets pass. A table keyed by rule name must name every rule in
RULES, so a new rule without a test fails here. The warnings `validate --strict` turns into
failures are checked through the command line.
"""

from __future__ import annotations

import textwrap
from typing import NamedTuple

import pytest

from compartment.data import checks, dates
from compartment.data.loader import load_text
from compartment.errors import Severity

TODAY = "2024-06-01"

# Two dossiers, every actor used, every rule satisfied. Line numbers in the tables below refer
# to this text after the case's edits.
CLEAN = textwrap.dedent(
    """\
    actors:
      russia:
        name: Russia
        bloc: russia
      nato:
        name: NATO
        bloc: west
    dossiers:
      - id: new-start
        title: New START
        domain: arms-control
        parties: [russia, nato]
        status: suspended
        broken_off_by: russia
        summary: A treaty.
        events:
          - date: 2011-02-05
            actor: nato
            action: entered into force
            status: active
            summary: Started.
            sources: [https://example.org/a]
          - date: 2023-02-21
            actor: russia
            action: suspended implementation
            status: suspended
            over: []
            summary: Suspended.
            sources: [https://example.org/b]
      - id: arctic-council
        title: Arctic Council
        domain: arctic
        parties: [nato]
        status: active
        broken_off_by: null
        summary: A council.
        events:
          - date: 1996-09-19
            actor: nato
            action: founded
            status: active
            summary: Founded.
            sources: [https://example.org/c]
    """
)

# Edits to CLEAN, each (old, new) with `old` found exactly once.
Edits = tuple[tuple[str, str], ...]
NEW_START_SECOND_DATE = ("date: 2023-02-21", "date: {}")
NEW_START_FIRST_1990 = ("date: 2011-02-05", "date: 1990-01-01")
ARCTIC_SOURCES = "        sources: [https://example.org/c]\n"
ARCTIC_STATUS = "    status: active\n    broken_off_by: null\n"
ARCTIC_EVENT_STATUS = "status: active\n        summary: Founded."
ADD_CHINA = ("actors:\n", "actors:\n  china:\n    name: China\n    bloc: third-party\n")
ADD_ARCTIC_EVENT = (
    ARCTIC_SOURCES,
    ARCTIC_SOURCES + "      - date: 2000-01-01\n"
    "        actor: russia\n"
    "        action: met\n"
    "        summary: Met without changing anything.\n"
    "        sources: [https://example.org/d]\n",
)
NEW_START_EXPIRES = (
    "        sources: [https://example.org/b]\n",
    "        sources: [https://example.org/b]\n"
    "      - date: 2024-02-05\n"
    "        actor: nato\n"
    "        action: expired\n"
    "        status: expired\n"
    "        summary: Expired.\n"
    "        sources: [https://example.org/e]\n",
)


ADD_CRISIS = ("dossiers:\n", "crises:\n  crimea-2014:\n    name: Crimea\n    date: 2014-02-27\n"
              "    summary: Seized.\n    sources: [https://example.org/crisis]\n"
              "dossiers:\n")
OVER = ("        over: []\n", "        over: [{}]\n")


def over(*references: str) -> tuple[str, str]:
    return OVER[0], OVER[1].format(", ".join(references))


def registry(kind: str, subdomains: bool = False) -> tuple[str, str]:
    """A publisher registry for example.org, appended after the dossiers."""
    extra = "    subdomains: true\n" if subdomains else ""
    return (ARCTIC_SOURCES,
            f"{ARCTIC_SOURCES}publishers:\n  example.org:\n    name: Example\n"
            f"    kind: {kind}\n{extra}")


SUBDOMAIN_SOURCE = ("sources: [https://example.org/b]", "sources: [https://www.example.org/b]")
ADD_CLAIM = (
    "        sources: [https://example.org/b]\n",
    "        sources: [https://example.org/b]\n"
    "        claims:\n"
    "          - by: {by}\n"
    "            blames: nato\n"
    "            says: It was forced.\n"
    "            sources: [https://example.org/f]\n",
)


def claim_by(actor: str) -> tuple[str, str]:
    return (ADD_CLAIM[0], ADD_CLAIM[1].format(by=actor))


def edited(*edits: tuple[str, str]) -> str:
    text = CLEAN
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def date_of_second_event(date: str) -> tuple[str, str]:
    return NEW_START_SECOND_DATE[0], NEW_START_SECOND_DATE[1].format(date)


def new_start_status(status: str) -> tuple[str, str]:
    return "status: suspended\n    broken", f"status: {status}\n    broken"


def actor_of_arctic_event(actor: str) -> tuple[str, str]:
    return "actor: nato\n        action: founded", f"actor: {actor}\n        action: founded"


def arctic_third_parties(actors: str) -> tuple[str, str]:
    return "parties: [nato]", f"parties: [nato]\n    third_parties: [{actors}]"


def new_start_tags(tags: str) -> tuple[str, str]:
    return "summary: A treaty.", f"summary: A treaty.\n    tags: [{tags}]"


class Flagged(NamedTuple):
    line: int
    column: int
    where: str
    code: str
    message: str
    severity: Severity = Severity.ERROR


def found(text: str) -> list[Flagged]:
    result = load_text(text, "issues.yaml")
    return [
        Flagged(p.location.line, p.location.column, p.location.where, p.code, p.message, p.severity)
        for p in result.problems
    ]


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """no_future_events reads dates.today(); pin it so the future is a fixed date."""
    monkeypatch.setattr(dates, "today", lambda: TODAY)


# rule name -> [(case id, edits, the problems expected, in file order)]
FLAGGED: dict[str, list[tuple[str, Edits, list[Flagged]]]] = {
    "unique_ids": [
        ("duplicate-id", (("id: arctic-council", "id: new-start"),), [
            Flagged(9, 9, "dossiers[new-start].id", "duplicate-id",
                    "dossier id 'new-start' is used 2 times (also dossier number 2 in the file)"),
            Flagged(30, 9, "dossiers[new-start].id", "duplicate-id",
                    "dossier id 'new-start' is used 2 times (also dossier number 1 in the file)"),
        ]),
    ],
    "actor_references": [
        ("party", (("parties: [nato]", "parties: [nato, rusia]"),), [
            Flagged(33, 21, "dossiers[arctic-council].parties[1]", "unknown-actor",
                    "unknown actor 'rusia': add it under `actors:` or fix the id"),
        ]),
        ("third-party", (arctic_third_parties("china"),), [
            Flagged(34, 21, "dossiers[arctic-council].third_parties[0]", "unknown-actor",
                    "unknown actor 'china': add it under `actors:` or fix the id"),
        ]),
        ("event-actor", (actor_of_arctic_event("natoo"),), [
            Flagged(39, 16, "dossiers[arctic-council].events[0].actor", "unknown-actor",
                    "unknown actor 'natoo': add it under `actors:` or fix the id"),
        ]),
        ("claim-by", (claim_by("rusia"),), [
            Flagged(31, 17, "dossiers[new-start].events[1].claims[0].by", "unknown-actor",
                    "unknown actor 'rusia': add it under `actors:` or fix the id"),
        ]),
    ],
    "unused_actors": [
        ("unused-actor", (ADD_CHINA,), [
            Flagged(2, 3, "actors.china", "unused-actor",
                    "actor 'china' is not used by any dossier", Severity.WARNING),
        ]),
    ],
    "chronological_events": [
        ("earlier-day", (date_of_second_event("2010-12-31"),), [
            Flagged(23, 15, "dossiers[new-start].events[1].date", "event-order",
                    "event dated 2010-12-31 comes after one dated 2011-02-05; "
                    "keep events in date order"),
        ]),
        # A partial date sorts as the start of its period, so 2011 is before 2011-02-05.
        ("partial-date", (date_of_second_event("2011"),), [
            Flagged(23, 15, "dossiers[new-start].events[1].date", "event-order",
                    "event dated 2011 comes after one dated 2011-02-05; "
                    "keep events in date order"),
        ]),
    ],
    "no_future_events": [
        ("tomorrow", (date_of_second_event("2024-06-02"),), [
            Flagged(23, 15, "dossiers[new-start].events[1].date", "future-date",
                    "event dated 2024-06-02 is in the future (today is 2024-06-01)"),
        ]),
        ("next-month", (date_of_second_event("2024-07"),), [
            Flagged(23, 15, "dossiers[new-start].events[1].date", "future-date",
                    "event dated 2024-07 is in the future (today is 2024-06-01)"),
        ]),
    ],
    "status_matches_events": [
        ("status-mismatch", (new_start_status("terminated"),), [
            Flagged(13, 13, "dossiers[new-start].status", "status-mismatch",
                    "status is 'terminated' but the latest status-setting event (2023-02-21) "
                    "sets 'suspended'"),
        ]),
        ("no-status-event", ((ARCTIC_EVENT_STATUS, "summary: Founded."),), [
            Flagged(38, 7, "dossiers[arctic-council].events", "no-status-event",
                    "no event sets a status; "
                    "give the event that started or changed it a `status:`"),
        ]),
    ],
    "broken_off_by_matches_events": [
        ("wrong-actor", (("broken_off_by: russia", "broken_off_by: nato"),), [
            Flagged(14, 20, "dossiers[new-start].broken_off_by", "broken-off-by-mismatch",
                    "broken_off_by is 'nato' but the events say 'russia', "
                    "the actor of the event of 2023-02-21"),
        ]),
        ("active-not-null", ((ARCTIC_STATUS, ARCTIC_STATUS.replace("null", "russia")),), [
            Flagged(35, 20, "dossiers[arctic-council].broken_off_by", "broken-off-by-mismatch",
                    "broken_off_by is 'russia' but the events say null, "
                    "since the dossier is active"),
        ]),
        ("never-broken", (
            (ARCTIC_STATUS, "    status: expired\n    broken_off_by: nato\n"),
            (ARCTIC_EVENT_STATUS, ARCTIC_EVENT_STATUS.replace("active", "expired")),
        ), [
            Flagged(35, 20, "dossiers[arctic-council].broken_off_by", "broken-off-by-mismatch",
                    "broken_off_by is 'nato' but the events say null, "
                    "since no event moved it to strained, suspended or terminated"),
        ]),
        ("null-after-break", (("broken_off_by: russia", "broken_off_by: null"),), [
            Flagged(14, 20, "dossiers[new-start].broken_off_by", "broken-off-by-mismatch",
                    "broken_off_by is None but the events say 'russia', "
                    "the actor of the event of 2023-02-21"),
        ]),
    ],
    "events_have_sources": [
        ("no-source", ((ARCTIC_SOURCES, "        sources: []\n"),), [
            Flagged(38, 9, "dossiers[arctic-council].events[0]", "no-source",
                    "event has no source: add at least one URL or citation under `sources:`"),
        ]),
        ("unsourced-unverified", ((ARCTIC_SOURCES, "        unverified: true\n"),), [
            Flagged(38, 9, "dossiers[arctic-council].events[0]", "unsourced-unverified",
                    "unverified event has no source; add what was found, even if weak",
                    Severity.WARNING),
        ]),
    ],
    "unique_tags": [
        ("listed-twice", (new_start_tags("treaty, nuclear, treaty, nuclear"),), [
            Flagged(16, 29, "dossiers[new-start].tags[2]", "duplicate-tag",
                    "tag 'treaty' is listed twice (first as tag 1); remove this one"),
            Flagged(16, 37, "dossiers[new-start].tags[3]", "duplicate-tag",
                    "tag 'nuclear' is listed twice (first as tag 2); remove this one"),
        ]),
    ],
    "registered_publishers": [
        ("unregistered-subdomain", (registry("primary"), SUBDOMAIN_SOURCE), [
            Flagged(29, 19, "dossiers[new-start].events[1].sources[0]", "unregistered-publisher",
                    "the host 'www.example.org' is not a registered publisher (did you mean "
                    "example.org?); register it with `compartment publisher add "
                    "www.example.org --name NAME --kind KIND`"),
        ]),
        ("crisis-source", (registry("primary"), ADD_CRISIS,
                           ("https://example.org/crisis", "https://other.example/crisis"),
                           over("crimea-2014")), [
            Flagged(13, 15, "crises.crimea-2014.sources[0]", "unregistered-publisher",
                    "the host 'other.example' is not a registered publisher (did you mean "
                    "example.org?); register it with `compartment publisher add other.example "
                    "--name NAME --kind KIND`"),
        ]),
    ],
    "strong_sources": [
        ("only-news", (registry("news"),), [
            Flagged(17, 7, "dossiers[new-start].events", "no-strong-source",
                    "no event of this dossier cites a primary or reference source",
                    Severity.WARNING),
            Flagged(38, 7, "dossiers[arctic-council].events", "no-strong-source",
                    "no event of this dossier cites a primary or reference source",
                    Severity.WARNING),
        ]),
    ],
}

FLAGGED.update({
    "references": [
        ("unknown-crisis", (ADD_CRISIS, over("crimea-2014", "crimea-2041")), [
            Flagged(33, 29, "dossiers[new-start].events[1].over[1]", "unknown-reference",
                    "over: 'crimea-2041' names nothing: no such crisis under `crises:`; did "
                    "you mean crimea-2014?"),
        ]),
        ("no-event-that-day", (over("arctic-council@1996-09-20"),), [
            Flagged(27, 16, "dossiers[new-start].events[1].over[0]", "unknown-reference",
                    "over: 'arctic-council@1996-09-20' names nothing: no event of "
                    "arctic-council is dated 1996-09-20"),
        ]),
        ("no-such-dossier", (over("arctic@1996-09-19"),), [
            Flagged(27, 16, "dossiers[new-start].events[1].over[0]", "unknown-reference",
                    "over: 'arctic@1996-09-19' names nothing: no dossier 'arctic'"),
        ]),
    ],
    "linkage_stated": [
        ("break-without-over", (("        over: []\n", ""),), [
            Flagged(23, 9, "dossiers[new-start].events[1]", "no-over",
                    "this break does not say what it answered: add `over:` with the crisis "
                    "or event its actor stated, or `over: []` if the actor stated no link",
                    Severity.WARNING),
        ]),
    ],
    "unused_crises": [
        ("named-by-no-event", (ADD_CRISIS,), [
            Flagged(9, 3, "crises.crimea-2014", "unused-crisis",
                    "crisis 'crimea-2014' is not named by any event's `over`", Severity.WARNING),
        ]),
    ],
})

# rule name -> [(case id, edits)]: near misses that load clean, the rule included.
PASSES: dict[str, list[tuple[str, Edits]]] = {
    "unique_ids": [("same-title-other-id", (("title: Arctic Council", "title: New START"),))],
    "actor_references": [
        ("declared-third-party", (arctic_third_parties("russia"),)),
        ("claim-by-known-actor", (claim_by("russia"),)),
    ],
    "unused_actors": [
        ("used-only-as-third-party", (ADD_CHINA, arctic_third_parties("china"))),
        ("used-only-by-an-event", (ADD_CHINA, actor_of_arctic_event("china"))),
    ],
    "chronological_events": [
        ("same-day", (date_of_second_event("2011-02-05"),)),
        ("partial-date-after", (date_of_second_event("2011-03"),)),
    ],
    "no_future_events": [
        ("today", (date_of_second_event(TODAY),)),
        ("this-month", (date_of_second_event("2024-06"),)),
    ],
    "status_matches_events": [("latest-event-sets-no-status", (ADD_ARCTIC_EVENT,))],
    "broken_off_by_matches_events": [
        ("breaker-kept-after-expiry", (NEW_START_EXPIRES, new_start_status("expired"))),
    ],
    "events_have_sources": [
        ("unverified-with-source",
         ((ARCTIC_SOURCES, "        unverified: true\n" + ARCTIC_SOURCES),)),
    ],
    "unique_tags": [
        # Tags are per dossier: the same tag on two dossiers is what tags are for.
        ("same-tag-on-two-dossiers", (
            new_start_tags("treaty, nuclear"),
            ("summary: A council.", "summary: A council.\n    tags: [treaty]"),
        )),
    ],
    "registered_publishers": [
        ("registered-with-subdomains", (registry("primary", subdomains=True), SUBDOMAIN_SOURCE)),
        ("no-registry-no-check", (SUBDOMAIN_SOURCE,)),
        ("registered-crisis-source", (registry("primary"), ADD_CRISIS, over("crimea-2014"))),
    ],
    "strong_sources": [("reference-counts", (registry("reference"),))],
    "references": [
        ("a-crisis", (ADD_CRISIS, over("crimea-2014"))),
        ("an-event-of-another-dossier", (over("arctic-council@1996-09-19"),)),
    ],
    "linkage_stated": [
        ("before-1999", (date_of_second_event("1998-12-31"),
                         ("        over: []\n", ""), NEW_START_FIRST_1990)),
    ],
    "unused_crises": [("named", (ADD_CRISIS, over("crimea-2014")))],
}

RULE_NAMES = {rule.__name__ for rule in checks.RULES}


def test_every_rule_is_covered() -> None:
    assert set(FLAGGED) == RULE_NAMES
    assert set(PASSES) == RULE_NAMES


def test_clean_dataset_has_no_problems() -> None:
    result = load_text(CLEAN, "issues.yaml")
    assert result.problems == [] and result.dataset is not None
    for rule in checks.RULES:
        assert list(rule(result.dataset)) == [], rule.__name__


@pytest.mark.parametrize(
    ("rule", "edits", "expected"),
    [(rule, edits, expected) for rule, cases in FLAGGED.items() for _, edits, expected in cases],
    ids=[f"{rule}-{case}" for rule, cases in FLAGGED.items() for case, _, _ in cases],
)
def test_rule_flags(
    monkeypatch: pytest.MonkeyPatch, rule: str, edits: Edits, expected: list[Flagged]
) -> None:
    text = edited(*edits)
    assert found(text) == expected
    # The problems come from this rule alone: without it, the file is clean.
    monkeypatch.setattr(checks, "RULES", tuple(r for r in checks.RULES if r.__name__ != rule))
    assert found(text) == []


@pytest.mark.parametrize(
    ("rule", "edits"),
    [(rule, edits) for rule, cases in PASSES.items() for _, edits in cases],
    ids=[f"{rule}-{case}" for rule, cases in PASSES.items() for case, _ in cases],
)
def test_rule_passes(rule: str, edits: Edits) -> None:
    result = load_text(edited(*edits), "issues.yaml")
    assert result.problems == [] and result.dataset is not None
    assert list(getattr(checks, rule)(result.dataset)) == []


# The warnings of a dataset that is otherwise clean: `validate` passes, `--strict` fails.
WARNINGS = [
    ("unused-actor", edited(ADD_CHINA),
     "{path}:2:3: actors.china: warning: actor 'china' is not used by any dossier"),
    ("unsourced-unverified", edited((ARCTIC_SOURCES, "        unverified: true\n")),
     "{path}:38:9: dossiers[arctic-council].events[0]: warning: "
     "unverified event has no source; add what was found, even if weak"),
    # New START cites a primary source (un.example); the Arctic Council only news.
    ("no-strong-source", edited(
        registry("news"),
        ("publishers:\n", "publishers:\n  un.example:\n    name: UN\n    kind: primary\n"),
        ("sources: [https://example.org/b]", "sources: [https://un.example/b]"),
    ),
     "{path}:38:7: dossiers[arctic-council].events: warning: "
     "no event of this dossier cites a primary or reference source"),
    ("no-final-newline", CLEAN.rstrip("\n"),
     "{path}:43:1: warning: the file does not end with a newline; it may have been cut off"),
    ("no-over", edited(("        over: []\n", "")),
     "{path}:23:9: dossiers[new-start].events[1]: warning: this break does not say what it "
     "answered: add `over:` with the crisis or event its actor stated, or `over: []` if the "
     "actor stated no link"),
    ("unused-crisis", edited(ADD_CRISIS),
     "{path}:9:3: crises.crimea-2014: warning: crisis 'crimea-2014' is not named by any "
     "event's `over`"),
]


@pytest.mark.parametrize(("text", "line"), [w[1:] for w in WARNINGS], ids=[w[0] for w in WARNINGS])
def test_strict_fails_on_warning(run, write_dataset, text: str, line: str) -> None:
    path = write_dataset(text)
    expected = f"{line.format(path=path)}\n{path}: 1 warning\n"
    lenient = run("--data", str(path), "validate")
    assert lenient.stdout == expected
    strict = run("--data", str(path), "validate", "--strict", ok=False)
    assert strict.exit_code == 1
    assert strict.stdout == expected
