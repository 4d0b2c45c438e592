"""Layouts that rich's Table cannot draw, or draws slowly: rendering's engines, used by
render.py (which builds every rich object from the data; these know nothing of the data).

Each ends its lines where their text ends: rich pads every line of a table to the table's
width, which a pipe carries on as blanks to grep, diff and the next program.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from compartment.errors import visible

TITLE_MIN_WIDTH = 20  # below this a wrapped title is more line breaks than words


def rstrip_line(line: list[Segment]) -> list[Segment]:
    """One line's segments without its trailing blanks (rich pads every cell to its width)."""
    out = list(line)
    while out and not out[-1].control:
        last = out[-1]
        stripped = last.text.rstrip(" ")
        if stripped:
            out[-1] = Segment(stripped, last.style)
            break
        out.pop()
    return out


def rstrip_lines(segments: Iterable[Segment]) -> RenderResult:
    """`segments`, line by line, with each line's trailing blanks removed."""
    lines = list(Segment.split_lines(segments))
    while lines and not lines[-1]:
        lines.pop()
    for line in lines:
        yield from rstrip_line(line)
        yield Segment.line()


class Trimmed:
    """A renderable as rich lays it out, less the blanks that end its lines.

    Its lines are cut to the width, as print() would cut them anyway: only for renderables
    that fit (tables, grids), not for lines meant to run past the edge (source URLs)."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in console.render_lines(self.renderable, options, pad=False):
            yield from rstrip_line(line)
            yield Segment.line()


class LinesTable:
    """A table of text cells, drawn the way rich draws `Table(box=SIMPLE_HEAD,
    pad_edge=False, show_edge=False)` whose columns are all `no_wrap` except the `wrap`
    column (`overflow="fold", ratio=1`), as long as the wrap column keeps TITLE_MIN_WIDTH
    (or its natural width, if less).

    Where it would not (it is `squeezed`), the wrap column leaves the table: its text goes on
    the lines under each row, indented by two. No cell is ever cut; if the other columns alone
    are wider than the page, so are the lines.

    Column 0 is bold and the status column is coloured by `status_styles`.
    """

    def __init__(self, header: list[str], rows: list[list[str]], *, wrap: int, expand: bool,
                 status_styles: Mapping[str, str] | None = None, under: bool = False) -> None:
        self.header, self.rows, self.wrap, self.expand = header, rows, wrap, expand
        self.under = under  # the wrap column goes under each row whatever the width
        self.status_styles = {name: Style.parse(style)
                              for name, style in (status_styles or {}).items()}
        self._natural = [max(map(cell_len, [title, *(row[i] for row in rows)]))
                         for i, title in enumerate(header)]

    def _layout(self, width: int) -> tuple[list[int], list[int], bool]:
        """The columns in the row, each one's width with its padding as rich computes it,
        and whether the wrap column left the row (it would get less than its minimum)."""
        pads = _pads(len(self.header))
        widths = [w + pad for w, pad in zip(self._natural, pads, strict=True)]
        wrap = self.wrap
        available = width - (len(widths) - 1)  # one divider between columns
        fixed = sum(widths) - widths[wrap]
        least = min(widths[wrap], TITLE_MIN_WIDTH + pads[wrap])
        if self.expand or fixed + widths[wrap] > available:
            widths[wrap] = available - fixed
        if not self.under and widths[wrap] >= least:
            return list(range(len(widths))), widths, False
        columns = [i for i in range(len(widths)) if i != wrap]
        pads = _pads(len(columns))
        return columns, [self._natural[i] + pad for i, pad in zip(columns, pads, strict=True)], True

    def squeezed(self, width: int) -> bool:
        return self._layout(width)[2]

    def row_width(self, width: int) -> int:
        """How wide the rows are drawn at `width`: wider only where the wrap column left them."""
        widths = self._layout(width)[1]
        return sum(widths) + len(widths) - 1

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Drawn as rich would draw it, then each line's trailing blanks dropped.
        yield from rstrip_lines(self._segments(console, options))

    def _segments(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        width = options.max_width
        columns, widths, squeezed = self._layout(width)
        last = len(columns) - 1
        inner = [w - pad for w, pad in zip(widths, _pads(len(columns)), strict=True)]
        status_at = self.header.index("status") if "status" in self.header else -1
        # Segment by segment as rich emits them, so that colour codes match too: each cell
        # is its padding in the cell's style around its text, filled out in the text's style.
        bold, plain = Style(bold=True), Style()
        new_line, divider = Segment("\n"), Segment(" ")

        def line(cells: list[str | None], styles: list[Style],
                 text_styles: list[Style]) -> list[Segment]:
            out: list[Segment] = []
            for i, cell in enumerate(cells):
                if i:
                    out.append(divider)
                if cell is None:  # a row's continuation line, below a one-line cell
                    out.append(Segment(" " * widths[i], styles[i]))
                    continue
                if i:
                    out.append(Segment(" ", styles[i]))
                out.append(Segment(cell + " " * (inner[i] - cell_len(cell)),
                                   styles[i] + text_styles[i]))
                if i < last:
                    out.append(Segment(" ", styles[i]))
            out.append(new_line)
            return out

        yield from line([self.header[i] for i in columns],
                        [console.get_style("table.header")] * (last + 1), [plain] * (last + 1))
        yield Segment("\u2500" * (sum(widths) + last))
        yield new_line
        styles = [bold] + [plain] * last
        wrap_width = max(width - 2, TITLE_MIN_WIDTH) if squeezed else inner[self.wrap]
        for row in self.rows:
            text_styles = [self.status_styles.get(row[i], plain) if i == status_at else plain
                           for i in columns]
            text = row[self.wrap]
            pieces = [text] if cell_len(text) <= wrap_width else [
                str(p) for p in Text(text).wrap(console, wrap_width, overflow="fold")]
            cells: list[str | None] = [row[i] for i in columns]
            if squeezed:
                yield from line(cells, styles, text_styles)
                for piece in pieces:
                    yield Segment("  " + piece)
                    yield new_line
                continue
            for piece in pieces:
                cells[self.wrap] = piece
                yield from line(cells, styles, text_styles)
                cells = [None] * len(columns)  # the row's further lines: the wrap cell's only


def _pads(count: int) -> list[int]:
    # pad_edge=False: no padding left of the first column or right of the last.
    return [(i > 0) + (i < count - 1) for i in range(count)]


class KeyValues:
    """Labels in bold, each value beside its label. A value with no blank in it (a file
    path, a number, a date) or labelled in `whole` is one line that runs past the right edge
    rather than being cut (print with crop=False: a grid cut the path with "..." at 80
    columns); other values wrap under themselves."""

    def __init__(self, rows: Sequence[tuple[str, str]], whole: Sequence[str] = ("file",)) -> None:
        self.rows, self.whole = rows, whole

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from rstrip_lines(self._segments(console, options))

    def _segments(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        indent = max((cell_len(key) for key, _ in self.rows), default=0) + 2
        bold = Style(bold=True)
        for key, value in self.rows:
            label = [Segment(visible(key), bold), Segment(" " * (indent - cell_len(visible(key))))]
            shown = visible(value)
            whole = key in self.whole or not any(c.isspace() for c in shown)
            room = max(options.max_width - indent, TITLE_MIN_WIDTH)
            pieces = [shown] if whole else [p.plain for p in Text(shown).wrap(console, room)]
            for n, piece in enumerate(pieces):
                yield from label if n == 0 else [Segment(" " * indent)]
                yield Segment(piece)
                yield Segment.line()


class Hanging:
    """Text wrapped at its words to the width, after `indent` blanks, its later lines `hang`
    blanks further in; each line ends where its text ends. For a terminal, where the text
    would otherwise run on at the edge and break mid-word."""

    def __init__(self, text: Text, indent: int = 2, hang: int = 2) -> None:
        self.text, self.indent, self.hang = text, indent, hang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = max(options.max_width - self.indent, TITLE_MIN_WIDTH)
        first = self.text.wrap(console, room)[0]
        rest = self.text[len(first.plain):]
        rest = rest[len(rest.plain) - len(rest.plain.lstrip()):]  # the blank the wrap ate
        later = list(rest.wrap(console, max(room - self.hang, TITLE_MIN_WIDTH)) if rest else ())
        for n, line in enumerate([first, *later]):
            line.rstrip()
            yield Segment(" " * (self.indent + (self.hang if n else 0)))
            yield from line.render(console)
            yield Segment.line()


def web_link(source: str) -> str | None:
    """The URL to make a hyperlink of: an http(s) URL that is one clean word; else None (a
    citation, or anything with a blank or a control character, is only ever text)."""
    clean = visible(source) == source and not any(c.isspace() for c in source)
    return source if clean and source.startswith(("http://", "https://")) else None


def source_text(source: str, style: str = "dim") -> Text:
    """A source as text; an http(s) URL also as an OSC 8 hyperlink, which rich writes only
    to a terminal (a pipe gets the bare URL). The URL is the data of the link, never markup."""
    url = web_link(source)
    if url is None:
        return Text(visible(source), style=style)
    return Text(url, style=Style.parse(style) + Style(link=url))


class EventRow(NamedTuple):
    """One event as EventList draws it: its cells, its sources, and each claim about it
    (what was said, and its sources)."""

    date: Text
    actor: Text
    status: Text
    what: Text
    sources: Sequence[str]
    claims: Sequence[tuple[Text, Sequence[str]]]


class EventList:
    """`show`'s events: date, actor, status and what happened in columns, and under each
    event its sources, one to a line, starting below the actor.

    A URL is never wrapped, folded or cut, at any width: it is one line of its own that runs
    past the right edge when it must (print with crop=False), so that it can be copied or
    clicked whole. (In the table's last column, rich folded it into pieces of the column's
    width, at 80 columns and, for long URLs, at 200 in a pipe.) A citation that is not a URL
    wraps at blanks; a party's claim follows its event's sources, its own sources under it.
    """

    GAP = 3  # between columns, as rich's SIMPLE_HEAD tables leave
    ACTOR_WIDTH = 18  # a longer name folds within the column

    def __init__(self, rows: Sequence[EventRow]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from rstrip_lines(self._segments(console, options))

    def _segments(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        width = options.max_width
        widths = [max(cell_len(v) for v in (name, *(getattr(r, name).plain for r in self.rows)))
                  for name in ("date", "actor", "status")]
        widths[1] = min(widths[1], self.ACTOR_WIDTH)
        indent = widths[0] + self.GAP
        new_line = Segment.line()

        def row_of(*cells: Text) -> Iterable[Segment]:
            grid = Table.grid(padding=(0, self.GAP, 0, 0), pad_edge=False, expand=True)
            grid.add_column(width=widths[0], no_wrap=True)
            grid.add_column(width=widths[1], overflow="fold")
            grid.add_column(width=widths[2], no_wrap=True)
            grid.add_column(ratio=1, overflow="fold")
            grid.add_row(*cells)
            for line in console.render_lines(grid, options.update_width(width), pad=False):
                yield from line
                yield new_line

        def lines(item: Text, at: int, whole: bool = False) -> Iterable[Segment]:
            for line in [item] if whole else item.wrap(console, max(width - at, TITLE_MIN_WIDTH)):
                yield Segment(" " * at)
                # Text.render leaves out the Text's own style (its caller applies it).
                base = console.get_style(line.style, default=Style.null())
                yield from Segment.apply_style(line.render(console), base)
                yield new_line

        def source(item: str, at: int) -> Iterable[Segment]:
            return lines(source_text(item), at, whole=web_link(item) is not None)

        yield from lines(Text("events", style="table.title"), 0, whole=True)
        yield from row_of(*(Text(h, style="table.header") for h in
                            ("date", "actor", "status", "what happened, and the sources")))
        yield Segment("\u2500" * width)
        yield new_line
        for row in self.rows:
            yield from row_of(row.date, row.actor, row.status, row.what)
            for item in row.sources:
                yield from source(item, indent)
            for said, sources in row.claims:
                yield from lines(said, indent)
                for item in sources:
                    yield from source(item, indent + 2)
