"""Incremental loading (issue 19, item 3): after a change, only the changed dossiers are read
again, and the result is exactly what a full cold load gives, problems and all."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from compartment.data import checks, loader, yamlsource
from compartment.data.dataset import Event
from compartment.edit import changes as edit
from compartment.store import cache, cache_patch, incremental, segments
from test_splice import texts  # valid ledgers in the layouts people write

DATA = Path(__file__).resolve().parent.parent / "data" / "issues.yaml"
GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"


def _generated(n: int) -> str:
    spec = importlib.util.spec_from_file_location("compartment_bench_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return str(module.ensure(n, path=Path(folder) / "g.yaml").read_text(encoding="utf-8"))


GENERATED = _generated(8)


@contextmanager
def taken() -> Iterator[list[bool]]:
    """Whether each incremental attempt gave a result (True) or left it to a full load: a
    refresh of the cache entry (cache_patch.refresh, tried first) or an incremental load."""
    results: list[bool] = []
    real, real_refresh = incremental.load, cache_patch.refresh

    def spy(*args: Any) -> Any:
        out = real(*args)
        results.append(out is not None)
        return out

    def refresh_spy(*args: Any) -> bool:
        done = real_refresh(*args)
        results.append(done)
        return done

    with mock.patch.object(incremental, "load", spy), mock.patch.object(
        cache_patch, "refresh", refresh_spy
    ):
        yield results


def outputs(result: loader.LoadResult) -> tuple[Any, ...]:
    """Everything a command can show of a load: the records and every problem, in order."""
    return result.dataset, [(str(p), p.location, p.code, p.severity) for p in result.problems]


def same_as_full(path: Path) -> bool:
    """Load `path` with the cache (incremental when it can be) and compare with a full cold
    load; then once more from the entry the first load stored. Whether it was incremental."""
    with taken() as results:
        first = loader.load(path)
    full = loader.load(path, use_cache=False)
    assert outputs(first) == outputs(full)
    assert outputs(loader.load(path)) == outputs(full)  # the entry it stored, if any
    return any(results)


# -- random edits of random ledgers -----------------------------------------------------------

LINES = [
    "summary: A changed summary.", "summary: \"an unclosed quote", "sumary: a typo",
    "date: 2999-01-01", "date: 1999-13-01", "actor: nobody-known", "status: terminated",
    "status: suspended", "sources: []", "unverified: true", "tags: [a, a]", "id: Bad Id",
    "- x", "# a comment", "", "title: &anchor T", "title: *anchor", "title: 'a: b'",
    "summary: \"multi\n  - id: fake\n  line\"", "summary: \"multi\n  - id: fake\n    line\"",
    "summary: |\n    kept\n    text",
]  # fmt: skip


@st.composite
def changed(draw: st.DrawFn, text: str) -> str:
    """`text` with one random change: in a dossier, between dossiers, or around them."""
    lines = text.split("\n")
    starts = [i for i, s in enumerate(lines) if re.match(r" *- id:", s)]
    if not starts:
        return text
    kind = draw(st.sampled_from(
        ["line", "line", "line", "delete", "copy", "swap", "move", "comment", "actors",
         "newline", "tail"]
    ))  # fmt: skip
    bounds = [*starts, len(lines) - (1 if lines[-1] == "" else 0)]
    tail = next((i for i in range(starts[-1] + 1, len(lines)) if re.match(r"[a-z]", lines[i])),
                bounds[-1])
    bounds[-1] = tail
    items = [lines[bounds[k] : bounds[k + 1]] for k in range(len(starts))]
    head, rest = lines[: starts[0]], lines[tail:]
    k = draw(st.integers(0, len(items) - 1))
    if kind == "line":
        item = items[k]
        at = draw(st.integers(0, len(item) - 1))
        indent = re.match(r" *(- )?", item[at]).end()  # type: ignore[union-attr]
        new = draw(st.sampled_from(LINES))
        how = draw(st.sampled_from(["replace", "insert", "append"]))
        if how == "append":
            item[at] = item[at] + " more"
        else:
            item[at : at + (how == "replace")] = [" " * indent + new]
    elif kind == "delete" and len(items) > 1:
        del items[k]
    elif kind == "copy":
        items.insert(draw(st.integers(0, len(items))), list(items[k]))
    elif kind in ("swap", "move"):
        j = draw(st.integers(0, len(items) - 1))
        if kind == "swap":
            items[k], items[j] = items[j], items[k]
        else:
            items.insert(j, items.pop(k))
    elif kind == "comment":
        items[k] = [*items[k], draw(st.sampled_from(["# between", "", "  # indented", "   "]))]
    elif kind == "actors":  # the head: an actor renamed, dropped or added
        at = next((i for i, s in enumerate(head) if re.match(r"  [a-z]", s)), None)
        if at is not None:
            head[at] = draw(st.sampled_from([head[at] + "x", "  zz-new:", "# " + head[at]]))
    elif kind == "tail":
        rest = [*rest[:-1], "# a last comment", rest[-1]] if rest else rest
    out = "\n".join(head + [s for item in items for s in item] + rest)
    if kind == "newline":
        out = out.rstrip("\n")
    return out


@pytest.mark.slow  # about 8 s: run by CI with -m slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture], phases=[Phase.explicit, Phase.reuse,
          Phase.generate])  # fmt: skip
@given(st.data())
def test_an_incremental_load_equals_a_full_one(tmp_path: Path, data: st.DataObject) -> None:
    text = data.draw(st.just(GENERATED) | texts())
    path = tmp_path / "ledger.yaml"
    path.write_bytes(text.encode("utf-8"))
    same_as_full(path)  # the first load (cold, or against a previous example's entry)
    for _ in range(data.draw(st.integers(1, 3))):
        text = data.draw(changed(text))
        path.write_bytes(text.encode("utf-8"))
        event("incremental" if same_as_full(path) else "full")


def test_edits_of_the_shipped_file_are_incremental_and_equal(tmp_path: Path) -> None:
    """The property would pass if incremental loading always gave up; here it must not."""
    path = tmp_path / "issues.yaml"
    text = DATA.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    assert not same_as_full(path)  # no entry yet
    cases = [
        text.replace("    summary: ", "    summary: Changed. ", 1),  # a dossier's text
        text.replace("    summary: ", "    sumary: ", 1),  # a validation error
        text.replace("actor: ", "actor: nobody-", 1),  # an unknown actor (a rule)
        text.replace("    summary: ", "    summary: x\n    summary: ", 1),  # a duplicate key
        swap_first_two(text),  # moved, not changed
        text.rstrip("\n"),  # no final newline: the tail (publishers) changed
    ]
    expected = [True, True, True, False, True, False]
    got = []
    for new in cases:
        path.write_text(new, encoding="utf-8")
        got.append(same_as_full(path))
        path.write_text(text, encoding="utf-8")
    assert got == expected


def swap_first_two(text: str) -> str:
    starts = [m.start() for m in re.finditer(r"^  - id:", text, re.M)]
    a, b, c = starts[0], starts[1], starts[2]
    return text[:a] + text[b:c] + text[a:b] + text[c:]


def test_an_unused_actor_and_a_warning_are_located_in_the_head_and_the_dossier(
    tmp_path: Path,
) -> None:
    path = tmp_path / "issues.yaml"
    text = GENERATED
    path.write_text(text, encoding="utf-8")
    same_as_full(path)
    # The only use of an actor goes (a warning on `actors:`), and an event loses its sources
    # but is marked unverified (a warning inside the dossier).
    used = re.search(r"^    parties: \[(\S+?)[,\]]", text, re.M)
    assert used is not None
    actor = used.group(1)
    new = re.sub(rf"\b{actor}\b", "russia", text.split("\ndossiers:\n")[1])
    new = text.split("\ndossiers:\n")[0] + "\ndossiers:\n" + new
    new = re.sub(r"\n        unverified: true\n(.*\n)*?        sources:\n(?:          - \S+\n)+",
                 "\n        unverified: true\n        summary: Gone.\n        sources: []\n", new,
                 count=1)
    path.write_text(new, encoding="utf-8")
    assert same_as_full(path)
    codes = {p.code for p in loader.load(path, use_cache=False).problems}
    assert {"unused-actor", "unsourced-unverified"} <= codes


def test_a_finding_in_the_tail_is_located_after_the_changed_list(tmp_path: Path) -> None:
    """Actors after the dossiers: an unused actor's line moves with the list's length."""
    text = DATA.read_text(encoding="utf-8")
    head, rest = text.split("\nactors:\n")
    actors, rest = rest.split("\ndossiers:\n")
    dossiers, publishers = rest.split("\npublishers:\n")
    moved = (f"{head}\ndossiers:\n{dossiers}\nactors:\n  zz-unused:\n    name: Z\n"
             f"    bloc: west\n{actors}\npublishers:\n{publishers}")
    path = tmp_path / "issues.yaml"
    path.write_text(moved, encoding="utf-8")
    assert [p.code for p in loader.load(path).problems] == ["unused-actor"]
    path.write_text(moved.replace("    summary: ", "    summary: Longer.\n      More.\n      x ", 1),
                    encoding="utf-8")
    assert same_as_full(path)


def test_an_unchanged_dossiers_warning_moves_with_it(tmp_path: Path) -> None:
    """A warning of a dossier that did not change comes from the index, not from its rule,
    at the line its dossier now starts on."""
    text = GENERATED
    last = text.rindex("\n  - id: ")
    first_event = text.index("\n      - date:", last)
    second = text.find("\n      - date:", first_event + 1)
    event_text = text[first_event : second if second != -1 else len(text)]
    bare = re.sub(r"\n        unverified: true", "", event_text)
    bare = re.sub(r"\n        sources:\n(?:          - .+\n?)+", "\n        unverified: true"
                  "\n        sources: []\n", bare)
    warned = text[last:first_event] + bare + (text[second:] if second != -1 else "")
    assert warned != text[last:]
    path = tmp_path / "issues.yaml"
    path.write_text(text[:last] + warned, encoding="utf-8")
    assert [p.code for p in loader.load(path).problems] == ["unsourced-unverified"]
    grown = text[:last].replace("    summary: ", "    summary: Longer.\n      More.\n      x ", 1)
    path.write_text(grown + warned, encoding="utf-8")
    seen: list[int] = []
    real = checks.events_have_sources

    def spy(data: Any) -> Any:
        seen.append(len(data.dossiers))
        return real(data)

    spy.__name__ = real.__name__  # the index knows a rule's findings by its name

    rules = tuple(spy if r is real else r for r in checks.RULES)
    with mock.patch.object(checks, "RULES", rules), \
            mock.patch.object(incremental, "LOCAL_RULES", incremental.LOCAL_RULES | {spy}):
        assert same_as_full(path)
    assert seen[0] == 1  # the incremental load judged the one changed dossier only
    problems = loader.load(path, use_cache=False).problems
    assert [p.code for p in problems] == ["unsourced-unverified"]
    assert problems[0].location.line == loader.load(path).problems[0].location.line


# -- the split ---------------------------------------------------------------------------------

PLAIN = "actors:\n  a:\n    name: A\n    bloc: west\ndossiers:\n  - id: x\n    t: 1\n  - id: y\npublishers: {}\n"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (PLAIN.replace("dossiers:\n", "dossiers: \n  # x\n"), "`dossiers:` not alone"),
        (PLAIN + "dossiers:\n  - id: z\n", "`dossiers:` twice"),
        ("%YAML 1.1\n---\n" + PLAIN, "a directive"),
        (PLAIN.replace("  - id: y", "  - id: y\n t: 1"), "a line less indented than the items"),
        (PLAIN.replace("dossiers:\n", "dossiers:\n  x: 1\n"), "no item first"),
        (PLAIN.replace("dossiers:\n", "dossiers: []\n"), "flow style"),
    ],
)
def test_the_split_refuses_what_it_is_not_sure_of(text: str, why: str) -> None:
    assert segments.split(text.encode()) is None, why


def test_the_split_of_the_plain_layout() -> None:
    raw = PLAIN.encode()
    found = segments.split(raw)
    assert found is not None and found.indent == 2
    assert [raw[a:b] for a, b in (found.span(0), found.span(1))] == [
        b"  - id: x\n    t: 1\n", b"  - id: y\n"]
    assert raw[found.end:] == b"publishers: {}\n"
    assert segments.lines(raw, found) == [5, 7, 8]


@pytest.mark.parametrize(
    "text",
    [
        # An item line inside a quoted scalar that runs over lines: the split sees 3 items.
        PLAIN.replace("t: 1", "t: \"a\n  - id: q\n    b\""),
        # A block scalar whose text holds a line like an item: indented, so not one.
        PLAIN.replace("t: 1", "t: |\n      - id: q"),
        # A lone CR is a line break to YAML, not to the split.
        PLAIN.replace("t: 1", "t: 1 # a\rb"),
        # A comment line at column 0 in the list; the end marker of the document.
        PLAIN.replace("  - id: y", "# note\n  - id: y"),
        PLAIN + "...\n",
        "\ufeff" + PLAIN.replace("\n", "\r\n"),
    ],
)
def test_the_index_is_recorded_only_when_the_parser_agrees(text: str) -> None:
    raw = text.encode()
    item_lines: list[int] = []
    yamlsource.parse(raw, stream="dossiers", intake=lambda _l, _i, r: r, item_lines=item_lines)
    found = segments.split(raw)
    agrees = found is not None and segments.lines(raw, found) == item_lines
    assert (segments.verified(raw, item_lines) is not None) == agrees


def test_a_quoted_scalar_over_an_item_line_gets_no_index() -> None:
    raw = PLAIN.replace("t: 1", "t: \"a\n  - id: q\n    b\"").encode()
    item_lines: list[int] = []
    yamlsource.parse(raw, stream="dossiers", intake=lambda _l, _i, r: r, item_lines=item_lines)
    assert segments.split(raw) is not None  # the split is fooled...
    assert segments.verified(raw, item_lines) is None  # ...and the parser's marks say so


@given(st.lists(st.sampled_from(["  - id: x", "    t: 1", "", "# c"]), max_size=30),
       st.lists(st.integers(0, 40), max_size=20))
def test_lines_counted_where_asked_equal_lines_counted_everywhere(
    body: list[str], asked: list[int]
) -> None:
    raw = ("a: 1\ndossiers:\n  - id: w\n" + "\n".join(body) + "\nz: 2\n").encode()
    found = segments.split(raw)
    assert found is not None
    every, lazy = segments.lines(raw, found), segments.LineOf(raw, found)
    for i in [*asked, -1]:
        i = i if i < 0 else i % len(every)
        assert lazy[i] == every[i]


# -- the fallbacks, each shown to matter -------------------------------------------------------


def primed(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "issues.yaml"
    path.write_text(text, encoding="utf-8")
    assert loader.load(path).errors == []
    return path


def test_a_changed_head_or_tail_loads_in_full(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8")
    path = primed(tmp_path, text)
    for new in (text.replace("    bloc: west", "    bloc: russia", 1),
                text.replace("\npublishers:\n", "\npublishers:\n  # a comment\n", 1)):
        path.write_text(new, encoding="utf-8")
        assert not same_as_full(path)


def test_a_changed_indentation_is_a_change_of_every_dossier(tmp_path: Path) -> None:
    path = primed(tmp_path, PLAIN_VALID)
    head, rest = PLAIN_VALID.split("\ndossiers:\n")
    items, tail = rest.split("\npublishers:\n")
    items = "\n".join(line[2:] for line in items.split("\n"))  # two spaces less
    path.write_text(f"{head}\ndossiers:\n{items}\npublishers:\n{tail}", encoding="utf-8")
    assert same_as_full(path)


def test_a_tag_directive_in_the_head_loads_in_full(tmp_path: Path) -> None:
    """`%TAG !! ...` makes `!!str` another tag (refused) in the file, not in a piece alone."""
    text = "%TAG !! tag:example.com,2000:\n---\n" + DATA.read_text(encoding="utf-8")
    path = primed(tmp_path, text)
    path.write_text(text.replace("    title: ", "    title: !!str ", 1), encoding="utf-8")
    assert not same_as_full(path)
    assert [p.code for p in loader.load(path).problems] == ["tag"]


def test_a_clock_set_back_loads_in_full(tmp_path: Path) -> None:
    """Every dossier's dates are judged against today: earlier than the entry's, all again."""
    text = DATA.read_text(encoding="utf-8")
    path = primed(tmp_path, text)
    path.write_text(text.replace("    summary: ", "    summary: Changed. ", 1), encoding="utf-8")
    with mock.patch("compartment.data.dates.today", return_value="2000-01-01"):
        assert not same_as_full(path)
        assert {p.code for p in loader.load(path).problems} == {"future-date"}


def test_a_local_rule_that_points_outside_its_dossier_loads_in_full(tmp_path: Path) -> None:
    """LOCAL_RULES is a promise about each rule; a rule that breaks it is caught."""
    text = DATA.read_text(encoding="utf-8")
    path = primed(tmp_path, text)

    def stray(data: Any) -> Any:
        for d in data.dossiers:
            yield checks.Finding(("actors", d.parties[0]), "stray", "a stray", loader.Severity.WARNING)

    path.write_text(text.replace("    summary: ", "    summary: Changed. ", 1), encoding="utf-8")
    with mock.patch.object(checks, "RULES", (*checks.RULES, stray)), \
            mock.patch.object(incremental, "LOCAL_RULES", incremental.LOCAL_RULES | {stray}):
        assert not same_as_full(path)


PLAIN_VALID = (DATA.read_text(encoding="utf-8").split("\ndossiers:\n")[0] + "\ndossiers:\n"
               + "".join(re.findall(r"^  - id: new-start\n(?:(?:    |      ).*\n)+",
                                    DATA.read_text(encoding="utf-8"), re.M))
               + "publishers:\n" + DATA.read_text(encoding="utf-8").split("\npublishers:\n")[1])


def test_a_line_break_yaml_counts_alone_in_a_changed_dossier_loads_in_full(
    tmp_path: Path,
) -> None:
    text = DATA.read_text(encoding="utf-8")
    path = primed(tmp_path, text)
    for brk in ("\r", "\u2028", "\x85"):
        # In a comment, so the file stays valid: only the line numbers after it move.
        new = text.replace("    summary: ", f"    # a{brk}    # b\n    summary: ", 1)
        path.write_bytes(new.encode("utf-8"))
        taken_now = same_as_full(path)
        assert not taken_now, repr(brk)


def test_a_quoted_scalar_over_an_item_line_in_a_changed_dossier_loads_in_full(
    tmp_path: Path,
) -> None:
    text = DATA.read_text(encoding="utf-8")
    path = primed(tmp_path, text)
    # The split now sees an item `- id: fake`; alone, the text before it is an open quote.
    new = text.replace("    summary: ", "    summary: \"multi\n  - id: fake\n    line\"\n    x: ", 1)
    path.write_text(new, encoding="utf-8")
    assert segments.split(new.encode()) is not None
    assert not same_as_full(path)


def test_findings_are_located_even_with_many_per_dossier(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8")
    path = primed(tmp_path, text)
    new = re.sub(r"actor: (\S+)", r"actor: x-\1", text)  # every event: unknown actor
    path.write_text(new, encoding="utf-8")
    assert same_as_full(path)


def test_an_entry_with_a_bad_index_is_not_used(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8")
    path = primed(tmp_path, text)
    before = cache.previous(path, path.stat().st_size)
    assert before is not None
    dataset, index = before
    short = index._replace(items=index.items[: -segments.DIGEST_SIZE])
    cache.write(path, None, "blake2b:other", dataset, [], short)
    assert cache.previous(path, path.stat().st_size) is None
    note = segments.Noted(len(dataset.dossiers), "strong_sources", (), "c", "m", 0, 1)
    cache.write(path, None, "blake2b:other", dataset, [], index._replace(local=(note,)))
    assert cache.previous(path, path.stat().st_size) is None
    unsafe = note._replace(position=0, message="\x1b[2J")
    cache.write(path, None, "blake2b:other", dataset, [], index._replace(local=(unsafe,)))
    assert cache.previous(path, path.stat().st_size) is None
    cache.write(path, None, "blake2b:other", dataset, [], index._replace(local=(unsafe._replace(message="m"),)))
    assert cache.previous(path, path.stat().st_size) is not None


# -- edits ---------------------------------------------------------------------------------------


def test_an_edit_validates_its_result_incrementally(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8")
    path = primed(tmp_path, text)
    new = Event(date="2026-11-20", actor="russia", action="said so", summary="It was said.",
                sources=("https://tass.com/x",))
    with taken() as results:
        change = edit.add_event(text, str(path), "new-start", new)
    # The first validation from the entry; the result validated incrementally, and its
    # entry refreshed from the file's (cache_patch), not encoded whole.
    assert results == [True, True]
    full = loader.load_text(change.after, str(path))
    assert [str(p) for p in change.problems] == [str(p) for p in full.problems]
    path.write_text(change.after, encoding="utf-8")
    with taken() as results:
        warm = loader.load(path)  # the entry the edit stored: no load at all
    assert results == [] and outputs(warm) == outputs(loader.load(path, use_cache=False))
