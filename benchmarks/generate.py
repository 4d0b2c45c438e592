"""Synthetic datasets for the scale benchmark: N dossiers that pass `validate --strict`.

Run by hand, or let benchmarks/scale.py call it; each file is written once per size and
reused:

    python benchmarks/generate.py 10000                  # benchmarks/generated/dossiers-10000.yaml
    python benchmarks/generate.py 10000 --format rec     # the same records for GNU recutils
    python benchmarks/generate.py 10000 --format journal # the same events as an hledger journal
    python benchmarks/generate.py 20 -o /tmp/small.yaml --force

The records follow the data contract (README, "The data contract"): 3 to 10 events each, 1 to
3 sources per event, about 2 KB of YAML per dossier, every bloc, status and domain, some
partial dates, `status` and `broken_off_by` derived from the events exactly as the validator
derives them, no date after 2025, and an actor registry that lists exactly the actors used.
The random seed is fixed, so a given N always gives the same bytes (and the first records of
a larger file are the records of a smaller one).

The YAML is written as text, a dossier at a time, in the layout of data/issues.yaml (block
style, folded summaries wrapped near 90 columns); PyYAML is not used. The actor registry
comes first in the file but is only known at the end, so the dossiers go to a temporary file
that is appended after it.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

SEED = 20230301  # fixed: the same N always gives the same file
GENERATED = Path(__file__).resolve().parent / "generated"
FORMATS = ("yaml", "rec", "journal")
SUFFIX = {"yaml": "yaml", "rec": "rec", "journal": "journal"}

# -- the actor registry ---------------------------------------------------------------------
# (id, name) per bloc. Every Western state or body also gets a joint actor with Russia
# ("norway-russia", bloc international), as the contract asks for joint steps.

WEST = [
    ("united-states", "United States"), ("united-kingdom", "United Kingdom"),
    ("france", "France"), ("germany", "Germany"), ("italy", "Italy"), ("canada", "Canada"),
    ("japan", "Japan"), ("netherlands", "Netherlands"), ("norway", "Norway"),
    ("poland", "Poland"), ("finland", "Finland"), ("sweden", "Sweden"),
    ("denmark", "Denmark"), ("estonia", "Estonia"), ("latvia", "Latvia"),
    ("lithuania", "Lithuania"), ("belgium", "Belgium"), ("spain", "Spain"),
    ("australia", "Australia"), ("south-korea", "South Korea"), ("nato", "NATO"),
    ("eu", "European Union"),
    ("g7-states", "G7 states (Canada, France, Germany, Italy, Japan, UK, US)"),
    ("e3", "E3 (France, Germany, United Kingdom)"), ("nasa", "NASA"),
    ("esa", "European Space Agency"), ("us-department-of-energy", "US Department of Energy"),
    ("european-commission", "European Commission"),
]
RUSSIA = [
    ("russia", "Russia"), ("soviet-union", "Soviet Union"), ("roscosmos", "Roscosmos"),
    ("rosatom", "Rosatom"), ("russian-foreign-ministry", "Russian Ministry of Foreign Affairs"),
    ("russian-defence-ministry", "Russian Ministry of Defence"), ("state-duma", "State Duma"),
    ("federation-council", "Federation Council"),
]
THIRD = [
    ("china", "China"), ("india", "India"), ("turkiye", "Türkiye"), ("iran", "Iran"),
    ("brazil", "Brazil"), ("south-africa", "South Africa"), ("switzerland", "Switzerland"),
    ("austria", "Austria"), ("kazakhstan", "Kazakhstan"), ("egypt", "Egypt"),
    ("saudi-arabia", "Saudi Arabia"), ("qatar", "Qatar"),
    ("united-arab-emirates", "United Arab Emirates"),
    ("israel", "Israel"), ("serbia", "Serbia"), ("ukraine", "Ukraine"), ("syria", "Syria"),
    ("belarus", "Belarus"), ("mongolia", "Mongolia"), ("indonesia", "Indonesia"),
]
INTERNATIONAL = [
    ("un-security-council", "UN Security Council"), ("un-general-assembly", "UN General Assembly"),
    ("iaea", "International Atomic Energy Agency"),
    ("opcw", "Organisation for the Prohibition of Chemical Weapons"),
    ("osce", "Organization for Security and Co-operation in Europe"),
    ("arctic-council-states", "Arctic Council states (all eight, incl. Russia)"),
    ("npt-states-parties", "NPT states parties (Review Conference)"),
    ("ctbto", "CTBT Organization Preparatory Commission"), ("wto", "World Trade Organization"),
    ("interpol", "Interpol"), ("icao", "International Civil Aviation Organization"),
]

DOMAINS = {
    "arms-control": ["strategic stability talks", "missile defence consultations",
                     "conventional forces inspections", "intermediate-range missile talks",
                     "observation flights", "nuclear risk reduction centres",
                     "military data exchange", "warhead verification research"],
    "nonproliferation": ["nuclear security cooperation", "chemical weapons destruction",
                         "export control dialogue", "fissile material disposition",
                         "nuclear fuel take-back", "reactor conversion programme"],
    "humanitarian": ["prisoner exchanges", "cross-border aid deliveries",
                     "food export corridor", "missing persons commission",
                     "medical evacuation channel", "refugee return talks"],
    "space": ["crewed spaceflight cooperation", "launch services agreement",
              "space science missions", "satellite navigation compatibility",
              "space debris consultations", "lunar exploration plans"],
    "arctic": ["Arctic search and rescue", "Barents Sea fisheries commission",
               "Arctic research stations", "polar environmental monitoring",
               "northern sea route consultations", "indigenous peoples forum"],
    "security-dialogue": ["military-to-military channel", "incidents at sea agreement",
                          "deconfliction line", "defence ministers dialogue",
                          "border guard cooperation", "cyber security consultations"],
    "diplomacy": ["intergovernmental consultations", "summit format",
                  "parliamentary exchanges", "foreign ministers dialogue",
                  "cultural exchange programme", "visa facilitation talks"],
    "economy": ["trade and investment council", "business dialogue",
                "customs cooperation", "aviation overflight agreement",
                "fisheries quota talks", "tax information exchange"],
    "law-enforcement": ["counter-narcotics cooperation", "counter-terrorism working group",
                        "extradition talks", "cybercrime cooperation",
                        "anti-money-laundering dialogue", "police liaison officers"],
    "energy": ["civil nuclear energy cooperation", "gas transit agreement",
               "energy efficiency dialogue", "oil and gas exploration joint venture",
               "electricity grid synchronisation", "uranium enrichment contracts"],
}
FORUMS = ["Joint Commission", "Bilateral Consultative Commission", "Working Group",
          "Intergovernmental Commission", "Steering Committee", "Joint Coordinating Committee",
          "High-Level Group", "Expert Council"]
APPROACHES = ["third-party", "overrule", "go-around", "hinder", "expose"]
TAGS = ["nuclear", "bilateral", "multilateral", "treaty", "russia-break-2022-23", "crimea-2014",
        "un", "verification", "sanctions", "science", "trade", "military", "consensus",
        "missile-defense", "grain", "aviation", "maritime", "cold-war"]

# Statuses: the first event starts the dossier (active); later ones move it on. Weights of
# the next status from each one, so the final mix resembles the real data (mostly suspended
# and terminated, some active, strained and expired).
MOVES = {
    "active": (("strained", "suspended", "terminated", "expired"), (30, 45, 18, 7)),
    "strained": (("suspended", "terminated", "active", "expired"), (55, 25, 15, 5)),
    "suspended": (("terminated", "active", "expired", "strained"), (45, 30, 10, 15)),
    "terminated": (("active",), (1,)),
    "expired": ((), ()),
}
BREAKING = frozenset({"strained", "suspended", "terminated"})
ACTIONS = {
    "start": ["signed the agreement", "launched the programme", "established the working group",
              "entered into force", "held the first session", "opened the channel"],
    "active": ["resumed contacts", "restored the channel", "renewed the agreement",
               "reconvened the commission"],
    "strained": ["conditioned its participation", "downgraded the talks",
                 "blocked the consensus statement", "delayed the data exchange",
                 "expelled the liaison officers"],
    "suspended": ["suspended participation", "froze contacts", "halted cooperation",
                  "postponed the talks indefinitely", "put engagements on hold"],
    "terminated": ["withdrew", "denounced the agreement", "vetoed the renewal",
                   "terminated the agreement", "closed the mission"],
    "expired": ["let the agreement lapse", "reached the end of the mandate",
                "expired without a successor"],
    None: ["held a session", "exchanged data", "issued a joint statement", "met in Geneva",
           "published its annual report", "extended the mandate", "criticised the other side",
           "proposed new talks", "named a new envoy", "reported compliance concerns"],
}
# Sentences for summaries, filled in per dossier: {w} the Western party, {r} the Russian
# one, {t} the topic, {y} a year.
DOSSIER_SENTENCES = [
    "{w} and {r} set up the {t} in {y} to keep a working channel open whatever the wider climate.",
    "The {t} produced regular meetings of experts, data exchanges and joint reports.",
    "Officials on both sides called it one of the few formats that still delivered results.",
    ("After 2014 the {t} survived the first round of sanctions but lost most of its political "
     "support."),
    "From 2022 {r} tied further work to sanctions relief, which {w} refused to discuss.",
    "Technical contacts continued for a while at the level of agencies and experts.",
    "The record is thin after the last session and some steps are known only from press reports.",
    "Western capitals debated whether to keep the {t} walled off from the confrontation.",
]
EVENT_SENTENCES = [
    "Delegations met after months of delay and agreed the agenda of the next round.",
    "{r} said the decision answered hostile steps by {w}.",
    "{w} announced the step in a statement by its foreign ministry.",
    "Both sides cited the pandemic when they cancelled the planned session.",
    "The agreement was extended for five years after an exchange of notes.",
    "The secretariat reported that inspections had fallen behind schedule.",
    "A joint statement promised to resume the {t} once conditions allowed.",
    "{r} blocked the consensus text at the last minute.",
    "Experts exchanged data as the {t} required.",
    "{w} said it would not take part while the war went on.",
]
SLUG_WORDS = ["statement", "talks", "agreement", "session", "sanctions", "treaty", "channel",
              "report", "talks", "inspections", "meeting", "envoy", "notes", "summit", "deal",
              "exchange", "ministers"]
SITES = ["www.state.gov", "tass.com", "www.reuters.com", "www.armscontrol.org", "mid.ru",
         "www.nato.int", "www.consilium.europa.eu", "news.un.org", "www.iaea.org",
         "www.opcw.org", "kremlin.ru", "www.gov.uk", "www.bundesregierung.de", "www.nasa.gov",
         "interfax.com", "www.themoscowtimes.com", "arctic-council.org", "www.osce.org"]
SECTIONS = ["news", "press", "politics", "world", "releases", "statements", "act", "blog"]
CITATIONS = [
    'Hanna Notte, "U.S.-Russian Relations Can Still Get Worse", War on the Rocks, March 2023',
    "SIPRI Yearbook, chapter on arms control and disarmament",
    "Congressional Research Service report, updated edition",
]
LAST_DAY = (2025, 12, 31)  # no event after this: never in the future, and stable over time


# -- the records ----------------------------------------------------------------------------


def registry() -> dict[str, tuple[str, str]]:
    """Every actor the generator may use: id -> (name, bloc)."""
    actors: dict[str, tuple[str, str]] = {}
    for bloc, members in (("west", WEST), ("russia", RUSSIA), ("third-party", THIRD),
                          ("international", INTERNATIONAL)):
        for aid, name in members:
            actors[aid] = (name, bloc)
    for aid, name in WEST:
        actors[f"{aid}-russia"] = (f"{name} and Russia (jointly)", "international")
    return actors


def _dates(rng: random.Random, count: int) -> list[str]:
    """`count` dates in the contract's order (text order: a partial date sorts first)."""
    start = rng.randint(1972, 2021)
    out = []
    for _ in range(count):
        year = rng.randint(start, min(start + rng.randint(1, 12), LAST_DAY[0]))
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        roll = rng.random()
        out.append(f"{year}" if roll < 0.03 else f"{year}-{month:02d}" if roll < 0.12
                   else f"{year}-{month:02d}-{day:02d}")
    out.sort()
    return out


def _source(rng: random.Random, date: str) -> str:
    if rng.random() < 0.08:
        return rng.choice(CITATIONS)
    slug = "-".join(rng.sample(SLUG_WORDS, rng.randint(2, 4)))
    return f"https://{rng.choice(SITES)}/{rng.choice(SECTIONS)}/{date[:4]}/{slug}"


def dossiers(n: int) -> Iterator[dict[str, Any]]:
    """N dossier records, as the validated dataset would hold them (plain dicts)."""
    rng = random.Random(SEED)
    west = [a for a, _ in WEST]
    russia = [a for a, _ in RUSSIA]
    third = [a for a, _ in THIRD]
    international = [a for a, _ in INTERNATIONAL]
    names = registry()
    domains = list(DOMAINS)
    sizes = (3, 4, 5, 6, 7, 8, 9, 10)
    size_weights = (28, 24, 16, 10, 8, 6, 4, 4)  # 5 events on average
    for i in range(n):
        domain = domains[i % len(domains)] if i < len(domains) else rng.choice(domains)
        topic = rng.choice(DOMAINS[domain])
        w = rng.choice(west)
        r = "russia" if rng.random() < 0.7 else rng.choice(russia)
        joint = f"{w}-russia"
        parties = [w, r]
        if rng.random() < 0.3:
            extra = rng.choice(west + international)
            if extra not in parties:
                parties.append(extra)
        third_parties = rng.sample(third, rng.choice((0, 0, 0, 1, 1, 2)))
        short = names[w][0].split(" (")[0]
        title = f"{short}-{names[r][0]} {topic}"
        slug = "".join(c if c.isalnum() else "-" for c in f"{w} {r} {topic}".lower())
        dossier_id = "-".join(p for p in slug.split("-") if p)[:60].rstrip("-") + f"-{i + 1}"
        fill = {"w": short, "r": names[r][0], "t": topic}

        count = rng.choices(sizes, size_weights)[0]
        dates = _dates(rng, count)
        events = []
        status = "active"  # set by the first event, which always starts the dossier
        breaker: str | None = None
        for k, date in enumerate(dates):
            new: str | None = None
            if k == 0:
                new = "active"
            elif MOVES[status][0] and rng.random() < (0.08 if status == "terminated" else 0.4):
                targets, weights = MOVES[status]
                new = rng.choices(targets, weights)[0]
            if new in BREAKING:
                actor = rng.choice((w, r)) if rng.random() < 0.85 else rng.choice(parties)
            elif new is not None:
                actor = joint if rng.random() < 0.6 else rng.choice(parties)
            else:
                actor = rng.choice((*parties, joint, *third_parties))
            if new is not None:
                status = new
                if new in BREAKING:
                    breaker = actor
                elif new == "active":
                    breaker = None
            actions = ACTIONS["start" if k == 0 else new]
            events.append({
                "date": date,
                "actor": actor,
                "action": rng.choice(actions),
                "status": new,
                "unverified": rng.random() < 0.03,
                "summary": rng.choice(EVENT_SENTENCES).format(**fill),
                "sources": [_source(rng, date) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))],
            })
        record: dict[str, Any] = {
            "id": dossier_id,
            "title": title,
            "aliases": ([f"{topic.capitalize()} ({dates[0][:4]} agreement)"]
                        if rng.random() < 0.4 else []),
            "domain": domain,
            "parties": parties,
            "forum": f"{short}-Russia {rng.choice(FORUMS)}" if rng.random() < 0.4 else None,
            "status": status,
            "broken_off_by": breaker,
            "approach": rng.sample(APPROACHES, rng.choice((0, 0, 1, 1, 2))),
            "third_parties": third_parties,
            "summary": " ".join(s.format(y=dates[0][:4], **fill)
                                for s in rng.sample(DOSSIER_SENTENCES, rng.randint(2, 3))),
            "tags": rng.sample(TAGS, rng.randint(1, 4)),
            "events": events,
        }
        yield record


# -- writers --------------------------------------------------------------------------------


def _fold(text: str, indent: str, width: int = 92) -> str:
    """`text` as the lines of a folded block scalar, wrapped greedily at `width` columns."""
    lines, line = [], indent
    for word in text.split(" "):
        if len(line) + len(word) + 1 > width and line != indent:
            lines.append(line)
            line = indent
        line = f"{line} {word}" if line != indent else line + word
    lines.append(line)
    return "\n".join(lines) + "\n"


def _text(key: str, value: str, indent: str) -> str:
    if len(value) + len(indent) + len(key) + 2 <= 92:
        return f"{indent}{key}: {value}\n"
    return f"{indent}{key}: >-\n" + _fold(value, indent + "  ")


def yaml_dossier(d: dict[str, Any]) -> str:
    out = [f"  - id: {d['id']}\n    title: {d['title']}\n"]
    if d["aliases"]:
        out.append("    aliases:\n" + "".join(f"      - {a}\n" for a in d["aliases"]))
    out.append(f"    domain: {d['domain']}\n    parties: [{', '.join(d['parties'])}]\n")
    if d["forum"]:
        out.append(f"    forum: {d['forum']}\n")
    out.append(f"    status: {d['status']}\n    broken_off_by: {d['broken_off_by'] or 'null'}\n")
    if d["approach"]:
        out.append(f"    approach: [{', '.join(d['approach'])}]\n")
    if d["third_parties"]:
        out.append(f"    third_parties: [{', '.join(d['third_parties'])}]\n")
    out.append("    summary: >-\n" + _fold(d["summary"], "      "))
    out.append(f"    tags: [{', '.join(d['tags'])}]\n    events:\n")
    for e in d["events"]:
        out.append(f"      - date: {e['date']}\n        actor: {e['actor']}\n"
                   f"        action: {e['action']}\n")
        if e["status"]:
            out.append(f"        status: {e['status']}\n")
        if e["status"] in BREAKING:  # a break says what it answered: here, nothing stated
            out.append("        over: []\n")
        if e["unverified"]:
            out.append("        unverified: true\n")
        out.append(_text("summary", e["summary"], "        "))
        out.append("        sources:\n" + "".join(f"          - {s}\n" for s in e["sources"]))
    return "".join(out)


def rec_dossier(d: dict[str, Any], events: IO[str]) -> str:
    out = [f"id: {d['id']}\ntitle: {d['title']}\n"]
    out.extend(f"alias: {a}\n" for a in d["aliases"])
    out.append(f"domain: {d['domain']}\n")
    out.extend(f"party: {p}\n" for p in d["parties"])
    if d["forum"]:
        out.append(f"forum: {d['forum']}\n")
    out.append(f"status: {d['status']}\n")
    if d["broken_off_by"]:
        out.append(f"broken_off_by: {d['broken_off_by']}\n")
    out.extend(f"approach: {a}\n" for a in d["approach"])
    out.extend(f"third_party: {a}\n" for a in d["third_parties"])
    out.append(f"summary: {d['summary']}\n")
    out.extend(f"tag: {t}\n" for t in d["tags"])
    for e in d["events"]:
        rec = [(f"\ndossier: {d['id']}\ndate: {e['date']}\nactor: {e['actor']}\n"
                f"action: {e['action']}\n")]
        if e["status"]:
            rec.append(f"status: {e['status']}\n")
        rec.append(f"unverified: {'yes' if e['unverified'] else 'no'}\nsummary: {e['summary']}\n")
        rec.extend(f"source: {s}\n" for s in e["sources"])
        events.write("".join(rec))
    return "\n" + "".join(out)


def journal_dossier(d: dict[str, Any]) -> str:
    """One hledger transaction per event: dated, described, with the text as comments."""
    out = []
    for e in d["events"]:
        date = e["date"] + "-01-01"[len(e["date"]) - 4:] if len(e["date"]) < 10 else e["date"]
        out.append(f"{date} {d['id']}: {e['action']}\n    ; {e['summary']}\n")
        if e["status"]:
            out.append(f"    ; status:{e['status']}\n")
        out.extend(f"    ; source {s}\n" for s in e["sources"])
        out.append(f"    dossiers:{d['domain']}:{d['id']}    1\n    actors:{e['actor']}\n\n")
    return "".join(out)


HEADER = (
    "# Synthetic data for benchmarks/scale.py, written by benchmarks/generate.py ({n} dossiers).\n"
    "# Made-up records in the shape of data/issues.yaml; not facts.\n"
)


def write(n: int, path: Path, fmt: str = "yaml") -> None:
    """Write N dossiers to `path` in `fmt` (yaml, rec or journal), through a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # renamed into place when complete
    try:
        with (
            tempfile.TemporaryFile("w+", encoding="utf-8", dir=path.parent) as body,
            tempfile.TemporaryFile("w+", encoding="utf-8", dir=path.parent) as side,
            tmp.open("w", encoding="utf-8") as out,
        ):
            render: Callable[[dict[str, Any]], str] = {
                "yaml": yaml_dossier,
                "rec": lambda d: rec_dossier(d, side),
                "journal": journal_dossier,
            }[fmt]
            for d in dossiers(n):
                used.update(d["parties"], d["third_parties"], (e["actor"] for e in d["events"]))
                body.write(render(d))
            known = registry()
            actors = sorted(used)
            if fmt == "yaml":
                out.write(HEADER.format(n=n) + "actors:\n")
                out.writelines(f"  {a}:\n    name: {known[a][0]}\n    bloc: {known[a][1]}\n"
                               for a in actors)
                out.write("dossiers:\n")
            elif fmt == "rec":
                out.write(HEADER.format(n=n).replace("scale.py", "scale.py (recutils)"))
                out.write("\n%rec: Dossier\n%key: id\n")
            else:
                out.write(HEADER.format(n=n).replace("scale.py", "scale.py (hledger)") + "\n")
            body.seek(0)
            shutil.copyfileobj(body, out, 1 << 20)
            if fmt == "rec":
                out.write("\n%rec: Event\n")
                side.seek(0)
                shutil.copyfileobj(side, out, 1 << 20)
                out.write("\n%rec: Actor\n%key: id\n")
                out.writelines(f"\nid: {a}\nname: {known[a][0]}\nbloc: {known[a][1]}\n"
                               for a in actors)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def default_path(n: int, fmt: str = "yaml") -> Path:
    return GENERATED / f"dossiers-{n}.{SUFFIX[fmt]}"


def ensure(n: int, fmt: str = "yaml", path: Path | None = None, *, force: bool = False) -> Path:
    """The file for N dossiers in `fmt`, written first if it does not exist (or `force`)."""
    path = path or default_path(n, fmt)
    if force or not path.exists():
        write(n, path, fmt)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="how many dossiers")
    parser.add_argument("-o", "--output", type=Path,
                        help="where to write (default: benchmarks/generated/dossiers-N.EXT)")
    parser.add_argument("--format", choices=FORMATS, default="yaml",
                        help="yaml (the data file), rec (GNU recutils) or journal (hledger)")
    parser.add_argument("--force", action="store_true", help="write even if the file exists")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    path = args.output or default_path(args.n, args.format)
    if path.exists() and not args.force:
        print(f"{path}: exists, kept (--force to write it again)", file=sys.stderr)
        return
    start = time.perf_counter()
    write(args.n, path, args.format)
    size = path.stat().st_size
    print(f"{path}: {args.n} dossiers, {size / 1e6:.1f} MB ({size / args.n:.0f} bytes per dossier) "
          f"in {time.perf_counter() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
