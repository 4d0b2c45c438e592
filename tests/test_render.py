"""The `list` table is laid out by render.LinesTable; rich's own Table is its oracle."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from compartment.data.dataset import Dossier, Event
from compartment.data.vocab import DOMAINS, STATUSES
from compartment.views import layout, render

KEBAB = st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,3}", fullmatch=True)
# Titles as people write them: words in Latin, accented, Cyrillic and CJK scripts (double
# width), with the odd long unbroken run, runs of spaces and a stray tab.
WORD = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789'()-,.éüßжЯ条約日本\t"),
    min_size=1,
    max_size=30,
)
TITLE = st.lists(st.tuples(WORD, st.sampled_from([" ", " ", " ", "  "])), max_size=14).map(
    lambda parts: "".join(w + sep for w, sep in parts).strip() or "x"
)
DATE = st.from_regex(r"(19[5-9][0-9]|20[0-2][0-9])(-(0[1-9]|1[0-2])(-(0[1-9]|1[0-9]|2[0-8]))?)?", fullmatch=True)


@st.composite
def dossiers(draw: st.DrawFn) -> Dossier:
    status = draw(st.sampled_from(sorted(STATUSES)))
    actor = draw(KEBAB)
    event = Event(draw(DATE), actor, "x", "y", ("https://example.org",), status)
    breaker = actor if status in {"strained", "suspended", "terminated"} else None
    return Dossier(
        draw(KEBAB), draw(TITLE), draw(st.sampled_from(sorted(DOMAINS))), (actor,), status,
        breaker, "summary", (event,),
    )  # fmt: skip


def rich_reference(rows: list[Dossier], width: int, with_domain: bool | None = None) -> layout.Trimmed:
    """The table as rich lays it out: what `list` printed before LinesTable."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    if with_domain is None:
        with_domain = width >= 120
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("title", overflow="fold", ratio=1)
    table.add_column("status", no_wrap=True)
    table.add_column("status since", no_wrap=True)
    table.add_column("broken off by", no_wrap=True)
    if with_domain:
        table.add_column("domain", no_wrap=True)
    table.expand = width <= 160
    for d in rows:
        # Tabs expanded first: rich measures a tab as zero columns but draws it as up to 8.
        cells = [Text(d.id), Text(d.title.expandtabs(8)), Text(d.status, render.STATUS_STYLES.get(d.status, "")),
                 Text(d.since or ""), Text(d.broken_off_by or "")]  # fmt: skip
        if with_domain:
            cells.append(Text(d.domain))
        table.add_row(*cells)
    # rich pads each line to the table's width; ours ends where its text ends.
    return layout.Trimmed(table)


def draw(renderable: object, width: int, colour: bool = False) -> str:
    out = io.StringIO()
    console = Console(
        file=out, width=width, color_system="truecolor" if colour else None,
        force_terminal=colour, legacy_windows=False,
    )  # fmt: skip
    console.print(renderable, crop=False)
    return out.getvalue()


@given(st.lists(dossiers(), max_size=12), st.integers(min_value=20, max_value=220))
def test_list_table_draws_what_rich_draws_or_keeps_every_cell(rows: list[Dossier], width: int) -> None:
    table = render.dossier_table(rows, width)
    ours = draw(table, width)
    if not table.squeezed(width):
        reference = rich_reference(rows, width, with_domain=len(table.header) == 6)
        assert ours == draw(reference, width)
        return
    # Where rich would squeeze the title, it goes under its row; every other cell is whole.
    # Where the row is still too wide, "broken off by" follows the title under it.
    lines = ours.splitlines()
    assert len(table.header) in (4, 5) and "title" not in lines[0]
    breaker_under = len(table.header) == 4
    starts = [n for n, line in enumerate(lines) if n > 1 and not line.startswith("  ")]
    assert len(starts) == len(rows)
    for d, start, end in zip(rows, starts, [*starts[1:], len(lines)], strict=False):
        row = lines[start]
        assert row.startswith(d.id + " ")
        for cell in (d.status, d.since, "" if breaker_under else d.broken_off_by or ""):
            assert f" {cell} " in row + " "
        under = lines[start + 1 : end]
        assert under and all(line.startswith("  ") for line in under)
        title = d.title
        if breaker_under and d.broken_off_by:
            title += f" (broken off by {d.broken_off_by})"
        assert "".join("".join(under).split()) == "".join(title.split())
    fixed = cell_len(lines[1])  # the rule spans the columns left in the table
    assert all(cell_len(line) <= max(width, fixed) for line in lines)
    if len(table.header) == 5:  # the breaker stays in the row only where the row fits
        assert fixed <= width


@given(st.lists(dossiers(), min_size=1, max_size=5), st.sampled_from([80, 120, 200]))
def test_list_table_colours_as_rich_does(rows: list[Dossier], width: int) -> None:
    table = render.dossier_table(rows, width)
    assume(not table.squeezed(width))
    reference = rich_reference(rows, width, with_domain=len(table.header) == 6)
    assert draw(table, width, colour=True) == draw(reference, width, colour=True)


def test_long_title_wraps_under_its_column() -> None:
    event = Event("2014-03", "west", "x", "y", ("https://example.org",), "suspended")
    title = "Cooperation on counter-narcotics and counter-terrorism in the NATO-Russia Council"
    d = Dossier("nrc", title, "security", ("west",), "suspended", "west", "s", (event,))
    assert draw(render.dossier_table([d], 80), 80).splitlines() == [
        "id    title                             status      status since   broken off by",
        "─" * 80,
        "nrc   Cooperation on                    suspended   2014-03        west",
        "      counter-narcotics and",
        "      counter-terrorism in the",
        "      NATO-Russia Council",
    ]


def test_narrow_terminal_puts_titles_under_their_rows() -> None:
    """At 40 columns rich cut this row to `a-rather-long-dossi…   suspe…   some-long-act…`."""
    event = Event("2014-03", "west", "x", "y", ("https://example.org",), "suspended")
    d = Dossier("a-rather-long-dossier-id", "A title that is long enough to wrap at forty",
                "security", ("west",), "suspended", "some-long-actor-identifier", "s", (event,))  # fmt: skip
    assert draw(render.dossier_table([d], 40), 40).splitlines() == [
        "id                         status      status since",
        "─" * 51,
        "a-rather-long-dossier-id   suspended   2014-03",
        "  A title that is long enough to wrap at",
        "  forty (broken off by",
        "  some-long-actor-identifier)",
    ]


def test_a_long_id_at_80_columns_sends_the_breaker_under_the_row() -> None:
    """The shipped ledger's longest id (45 characters) made each row 86 wide at 80 columns."""
    event = Event("2014-03", "united-states", "x", "y", ("https://example.org",), "suspended")
    long_id = "us-russia-bilateral-presidential-commission"
    d = Dossier(long_id, "US-Russia Bilateral Presidential Commission", "diplomacy",
                ("united-states",), "suspended", "united-states", "s", (event,))  # fmt: skip
    short = d._replace(id="g8", title="G8")
    assert draw(render.dossier_table([d, short], 80), 80).splitlines() == [
        "id                                            status      status since",
        "─" * 70,
        "us-russia-bilateral-presidential-commission   suspended   2014-03",
        "  US-Russia Bilateral Presidential Commission (broken off by united-states)",
        "g8                                            suspended   2014-03",
        "  G8 (broken off by united-states)",
    ]
    # With short ids the breaker keeps its column.
    assert len(render.dossier_table([short], 80).header) == 5


def test_an_80_column_terminal_keeps_the_titles(run, sample: Path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run("--data", str(sample), "list").stdout.splitlines()
    assert out[0].split() == ["id", "status", "status", "since", "broken", "off", "by"]
    assert out[3].strip() == "New START" and out[2].startswith("new-start ")
    assert max(cell_len(line) for line in out) <= 80


def test_domain_gives_way_to_the_title() -> None:
    event = Event("2014-03", "west", "x", "y", ("https://example.org",), "suspended")
    d = Dossier("d" * 60, "A title of thirty characters!!", "security", ("west",), "suspended",
                "west", "s", (event,))  # fmt: skip
    assert len(render.dossier_table([d], 200).header) == 6
    assert len(render.dossier_table([d], 120).header) == 5  # 6 columns would squeeze it
    assert len(render.dossier_table([d], 119).header) == 5
