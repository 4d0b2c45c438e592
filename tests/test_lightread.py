"""Warm `list` and `show` read only what they need from the cache (cacheview.py, issue 19
item 2): their output is byte for byte the full load's (`--no-cache`), in every format, with
every filter, and any doubt about the entry is a miss that gives the right answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from compartment.cli import app
from compartment.data import loader
from compartment.data.vocab import BLOCS, DOMAINS, STATUSES
from compartment.store import cache, cacheview, heads
from compartment.views.query import Filters
from test_splice import ledgers

SAMPLE = Path(__file__).parent / "sample.yaml"
SORTS = ["file", "id", "title", "status", "since", "domain", "broken-off-by"]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


class FullLoads:
    """Counts the normal loads a command makes (a light hit makes none)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = loader.load

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(loader, "load", counted)


def same_as_full(path: Path, *args: str) -> tuple[int, str, str]:
    """The command's result from the warm cache, checked equal to `--no-cache`'s."""
    warm = invoke("--data", str(path), *args)
    full = invoke("--data", str(path), "--no-cache", *args)
    assert warm == full, args
    return warm


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "issues.yaml"
    path.write_bytes(SAMPLE.read_bytes())
    assert invoke("--data", str(path), "validate")[0] == 0  # primes the cache
    return path


LIST_CASES = [
    [], ["--status", "suspended"], ["--status", "active", "--status", "terminated"],
    ["--domain", "arms-control"], ["--domain", "space", "--status", "suspended"],
    ["--broken-off-by", "russia"], ["--broken-off-by", "west"], ["--first-broken-off-by", "Russia"],
    ["--party", "united-states"], ["--search", "nrc"], ["--search", "TREATY"], ["--disputed"],
    ["--tag", "nuclear"], ["--tag", "no-such-tag"], ["--broken-off-by", "nobody"],
    ["--status", "strained"], ["--sort", "since"], ["--sort", "title", "--limit", "1"],
    ["--sort", "broken-off-by"], ["--limit", "0"],
]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
@pytest.mark.parametrize("case", LIST_CASES, ids=" ".join)
def test_list_from_heads_is_the_full_list(
    data: Path, case: list[str], fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = FullLoads(monkeypatch)
    same_as_full(data, "list", *case, "--format", fmt)
    assert loads.count == 1  # the --no-cache run only: the warm one read heads


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
@pytest.mark.parametrize("wanted", ["new-start", "NEW-START", "NRC", "nrc",
                                    "Nato-Russia-Cooperation", "new-strat", "nothing"])
def test_show_of_one_dossier_is_the_full_show(
    data: Path, wanted: str, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = FullLoads(monkeypatch)
    code, _, _ = same_as_full(data, "show", wanted, "--format", fmt)
    # A name that finds no dossier, or several, is left to the full load, which says why.
    assert loads.count == (1 if code == 0 else 2)
    same_as_full(data, "show", wanted, "--format", fmt, "--as-of", "2015-01-01")


def test_list_as_of_and_known_at_take_the_full_load(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = FullLoads(monkeypatch)
    same_as_full(data, "list", "--as-of", "2015-01-01")
    assert loads.count == 2


# -- distrust: a damaged or forged entry is a miss, and the command still answers right ------


def entry_of(path: Path) -> Path:
    return cache.entry_path(path)


def key_of(path: Path) -> Any:
    return lambda: cache.digest(path.read_bytes())


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_damaged_entry_is_a_miss_on_the_light_path(data: Path, draws: st.DataObject) -> None:
    entry = entry_of(data)
    good = entry.read_bytes()
    blob = bytearray(good)
    for bit in draws.draw(st.lists(st.integers(0, len(good) * 8 - 1), min_size=1, max_size=3)):
        blob[bit // 8] ^= 1 << (bit % 8)
    entry.write_bytes(bytes(blob))
    args = draws.draw(st.sampled_from([["list"], ["list", "--status", "suspended"],
                                       ["show", "new-start"], ["show", "NRC"]]))
    info, key = data.stat(), key_of(data)
    if args[0] == "list":
        filters = Filters(statuses=args[2:])
        hit = cacheview.read_heads(data, info, key, str(data), filters)
        if hit is not None:  # only ever the truth: the damage was in bytes not read
            truth = cacheview.read_heads(data, info, key, str(data), filters)
            assert hit == truth
    same_as_full(data, *args)  # a miss, then a normal load: the right answer
    entry.write_bytes(good)


def decoded(path: Path) -> tuple[cache.Payload, str]:
    """What the entry of `path` holds, and the content key it is stored under."""
    opened = cache._open(entry_of(path), path.stat().st_size)
    assert opened is not None
    payload = cache._decode(opened)
    assert payload is not None
    return payload, opened.header.key


def forge(path: Path, change: dict[str, Any]) -> None:
    """Rewrite the entry as a forger could: every length and CRC right, one head false."""
    payload, key = decoded(path)
    dossiers = list(payload.dossiers)
    dossiers[0] = dossiers[0]._replace(**change)
    opening, parts = cache.encode(payload._replace(dossiers=tuple(dossiers)))
    cache.store(path, None, key, opening, parts)


@pytest.mark.parametrize("change", [
    {"status": "unheard-of"}, {"domain": "nowhere"}, {"parties": ("nobody",)},
    {"status": "active"}, {"broken_off_by": None}, {"events": ()},
], ids=str)
@pytest.mark.parametrize("args", [["list"], ["list", "--status", "suspended"],
                                  ["show", "new-start"]], ids=" ".join)
def test_a_forged_head_is_a_miss_on_the_light_path(
    data: Path, change: dict[str, Any], args: list[str]
) -> None:
    forge(data, change)
    same_as_full(data, *args)
    assert cache._open(entry_of(data), data.stat().st_size) is not None  # rewritten


def test_events_that_belie_their_head_are_a_miss_for_show(data: Path) -> None:
    """A head whose `since` its events do not derive (every CRC right): `show` reads the
    events, derives them again and refuses the entry."""
    payload, key = decoded(data)
    hs, blobs = heads.split(payload.dossiers)
    assert hs[0].id == "new-start" and hs[0].since != "1999-01-01"
    forged = (hs[0]._replace(since="1999-01-01"), *hs[1:])
    layout, sections = heads.pack(forged, blobs)
    meta = cache.Meta(payload.actors, payload.warnings, payload.publishers, payload.segments,
                      layout)  # fmt: skip
    cache.store(data, None, key, meta, sections)
    assert cacheview.read_dossier(data, data.stat(), key_of(data), str(data), "NRC") is not None
    assert cacheview.read_dossier(data, data.stat(), key_of(data), str(data), "new-start") is None
    same_as_full(data, "show", "new-start")


# -- one semantics over random ledgers --------------------------------------------------------


def list_args(raw: dict[str, Any]) -> st.SearchStrategy[list[str]]:
    actors = [*raw["actors"], *BLOCS]
    tags = sorted({t for d in raw["dossiers"] for t in d.get("tags", ())}) or ["none"]

    @st.composite
    def args(draw: st.DrawFn) -> list[str]:
        out: list[str] = []
        for option, values in (("--status", list(STATUSES)), ("--domain", list(DOMAINS)),
                               ("--broken-off-by", actors), ("--first-broken-off-by", actors),
                               ("--party", actors), ("--tag", [*tags, "zz-no-tag"])):
            for value in draw(st.lists(st.sampled_from(values), max_size=2)):
                out += [option, value]
        if draw(st.booleans()):
            out += ["--search", draw(st.sampled_from(["a", "e", "-", "zz"]))]
        if draw(st.booleans()):
            out.append("--disputed")
        out += ["--sort", draw(st.sampled_from(SORTS)),
                "--format", draw(st.sampled_from(["table", "csv", "json", "markdown"])),
                "--limit", str(draw(st.sampled_from([0, 1, 500])))]
        return out

    return args()


@pytest.mark.slow
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ledgers(), st.data())
def test_light_reads_answer_as_the_full_load(
    tmp_path_factory: pytest.TempPathFactory, raw: dict[str, Any], draws: st.DataObject
) -> None:
    path = tmp_path_factory.mktemp("ledger") / "issues.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert invoke("--data", str(path), "validate")[0] == 0
    for _ in range(3):
        same_as_full(path, "list", *draws.draw(list_args(raw)))
    ids = [d["id"] for d in raw["dossiers"]]
    names = [*ids, *(i.upper() for i in ids), *(d["title"] for d in raw["dossiers"]), "zz"]
    wanted = draws.draw(st.sampled_from(names))
    fmt = draws.draw(st.sampled_from(["table", "json", "markdown"]))
    same_as_full(path, "show", wanted, "--format", fmt)


def test_the_full_read_and_the_light_reads_see_one_entry(data: Path) -> None:
    """What the heads say is what the full read's dossiers derive."""
    full = cache.read(data, data.stat(), key_of(data), str(data))
    light = cacheview.read_heads(data, data.stat(), key_of(data), str(data), Filters())
    assert full is not None and light is not None
    assert full[1] == light[1]
    assert light[0].dossiers == heads.split(full[0].dossiers)[0]
