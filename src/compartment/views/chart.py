"""Dossiers as lanes over time, drawn with matplotlib into a PNG or SVG stream.

One horizontal lane per dossier, grouped by domain in the order of the data contract, in
the given order within a domain. A lane runs from the dossier's first event to `end` (today,
or the --as-of date), coloured by the status in force; a marker shows each event, a
larger one each event that set a status. A partial date is placed at the start of its
period ("2014-03" at 1 March 2014), the rule used everywhere.

matplotlib is optional (`pip install matplotlib`, or the extra `chart`) and imported only
when a chart is drawn; without it, `draw` raises errors.MissingExtra. No pyplot: a Figure with
the Agg canvas, so nothing global is touched and no display is needed.

Each chart names its parts with a `gid`, which matplotlib writes as the `id` of an SVG group
(each lane's stretches and events, each year of the curve, each crisis mark); `lane_tips` and
`series_tips` say what a reader hovering over each should read, without drawing. site/svg.py
turns them into SVG `<title>` elements.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from compartment import errors
from compartment.data import dates
from compartment.data.dataset import Dataset, Dossier, derive_state
from compartment.data.vocab import DOMAINS, STATUSES
from compartment.views import series

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FORMATS = ("png", "svg")

# The terminal's colours (render.STATUS_STYLES), as print-friendly hex values.
STATUS_COLOURS = {"active": "#3a9a4a", "strained": "#e3b505", "suspended": "#f07f1a",
                  "terminated": "#c8282d", "expired": "#9a9a9a"}
NO_STATUS_COLOUR = "#e4e4e4"
MARK_COLOUR = "#222222"
TITLE_WIDTH = 44  # characters of a dossier's title shown beside its lane

Tips = dict[str, str]  # an SVG group's id (matplotlib's gid) -> its hover text


def span_gid(lane: int, n: int) -> str:
    return f"lane-{lane}-span-{n}"


def event_gid(lane: int, n: int) -> str:
    return f"lane-{lane}-event-{n}"


def mark_gid(n: int) -> str:
    return f"mark-{n}"


class Span(NamedTuple):
    start: str  # a date, possibly partial
    end: str
    status: str | None  # None before the first status-setting event


class Mark(NamedTuple):
    """A dated vertical line across the curve, such as the start of a crisis."""

    label: str  # short, drawn beside the line: the crisis id
    date: str  # possibly partial
    note: str  # the hover text


def require() -> None:
    errors.require("matplotlib", "the chart", "chart")


@contextmanager
def _figure(out: IO[bytes], fmt: str, size: tuple[float, float], font_size: float, salt: str,
            dpi: int) -> Iterator[Figure]:
    """A Figure on the Agg canvas, written to `out` when the block ends. It is drawn with
    matplotlib's own defaults and ours, whatever the matplotlibrc files of the working folder
    or the user say, and only while drawing: the same data gives the same bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format {fmt!r}; choose from {', '.join(FORMATS)}")
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update({
            "font.family": "DejaVu Sans",
            "font.size": font_size,
            "svg.hashsalt": salt,  # stable ids, so the same data gives the same SVG
            "svg.fonttype": "none",  # text stays text: searchable, selectable
        })
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        yield fig
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(out, format=fmt, dpi=dpi, metadata=metadata)


def spans(dossier: Dossier, end: str) -> list[Span]:
    """The lane's coloured stretches, from the first event to `end`, one per status."""
    if not dossier.events:
        return []
    out: list[Span] = []
    start, status = dossier.events[0].date, None
    for event in dossier.events:
        if event.date > end:
            break
        if event.status is None or event.status == status:
            continue
        if event.date > start:
            out.append(Span(start, event.date, status))
        start, status = event.date, event.status
    out.append(Span(start, end, status))
    return out


def lanes(dossiers: Sequence[Dossier]) -> list[tuple[str, list[Dossier]]]:
    """The dossiers grouped by domain, domains in the contract's order."""
    order = {d: i for i, d in enumerate(DOMAINS)}
    groups: dict[str, list[Dossier]] = {}
    for d in dossiers:
        groups.setdefault(d.domain, []).append(d)
    return sorted(groups.items(), key=lambda item: order.get(item[0], len(order)))


def _short(title: str) -> str:
    return title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1].rstrip() + "…"


def draw(dossiers: Sequence[Dossier], out: IO[bytes], fmt: str, end: str,
         title: str = "", start: str | None = None) -> None:
    """Draw `dossiers` as lanes up to the date `end` and write the image to `out`. The
    lanes are numbered from 1 in the order drawn, their parts named as `lane_tips` says.

    The time axis starts at `start` when given (lanes that began earlier are cut at the
    edge), else just before the earliest event. The right margin names who broke each
    dossier off, with the year of the break.
    """
    require()
    from matplotlib import dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    groups = lanes(dossiers)
    drawn = [d for _, members in groups for d in members]  # in the order of their lanes
    rows = len(drawn) + len(groups)  # a heading row per domain
    with _figure(out, fmt, (15, 1.6 + 0.3 * max(rows, 1)), 9, "compartment", 130) as fig:
        ax = fig.add_subplot()
        lane_height = 0.62
        y = 0.0
        ticks: list[float] = []
        first = dates.first_day(start) if start is not None else min(
            (dates.first_day(d.events[0].date) for d in dossiers if d.events), default=None)
        last = dates.first_day(end)
        for domain, members in groups:
            y += 1
            ax.text(0.0, y, domain, transform=ax.get_yaxis_transform(), ha="left", va="center",
                    fontsize=10, fontweight="bold", color="#333333")
            for dossier in members:
                y += 1
                ticks.append(y)
                _lane(ax, dossier, len(ticks), y, lane_height, end)
        ax.set_ylim(y + 0.8, 0.2)
        ax.set_yticks(ticks, [_short(d.title) for d in drawn])
        ax.tick_params(axis="y", length=0)
        right = ax.twinx()
        right.set_ylim(y + 0.8, 0.2)
        right.set_yticks(ticks, [_breaker(d, end) for d in drawn], fontsize=8, color="#444444")
        right.tick_params(axis="y", length=0)
        right.text(1.005, 1.0, "broken off by", transform=right.transAxes, ha="left",
                   va="bottom", fontweight="bold", color="#333333")
        long_run = first is not None and last.year - first.year > 25
        ax.xaxis.set_major_locator(mdates.YearLocator(5 if long_run else 1))
        ax.xaxis.set_minor_locator(mdates.YearLocator(1))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        if first is not None:
            pad = max((last - first).days // 80, 30)
            left = first if start is not None else first - _dt.timedelta(days=pad)
            ax.set_xlim(mdates.date2num(left), mdates.date2num(last + _dt.timedelta(days=pad)))
        ax.grid(axis="x", which="major", color="#cccccc", linewidth=0.8)
        ax.grid(axis="x", which="minor", color="#eeeeee", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.tick_params(axis="x", labeltop=True, top=True)
        for axes in (ax, right):
            axes.spines[["left", "right"]].set_visible(False)
        legend: list[Artist] = [Patch(facecolor=STATUS_COLOURS[s], label=s) for s in STATUSES]
        legend += [
            Patch(facecolor=NO_STATUS_COLOUR, label="no status yet"),
            Line2D([], [], marker="D", linestyle="", markerfacecolor="white",
                   markeredgecolor="black", markersize=6, label="event that set a status"),
            Line2D([], [], marker="o", linestyle="", color="#222222", markersize=3.5,
                   label="other event"),
            Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                   markeredgecolor="#222222", markersize=4, label="unverified event"),
        ]
        fig.legend(handles=legend, loc="outside lower center", ncols=len(legend), frameon=False)
        if title:
            fig.suptitle(title, fontsize=12, fontweight="bold")


def lane_tips(data: Dataset, dossiers: Sequence[Dossier], end: str) -> Tips:
    """What `draw`'s lanes say on hover: each stretch of a status, each event."""
    tips: Tips = {}
    for lane, dossier in enumerate([d for _, members in lanes(dossiers) for d in members], 1):
        for n, span in enumerate(spans(dossier, end), 1):
            tips[span_gid(lane, n)] = (f"{dossier.title}: {span.status or 'no status yet'} "
                                       f"from {span.start} to {span.end}")
        for n, event in enumerate(dossier.events, 1):
            if event.date > end:
                break
            actor = data.name_of(event.actor)
            tips[event_gid(lane, n)] = (
                f"{dossier.title}, {event.date}: {actor} {event.action}"
                + (f" (to {event.status})" if event.status else "")
                + (" (unverified)" if event.unverified else "")
            )
    return tips


def _breaker(dossier: Dossier, end: str) -> str:
    state = derive_state(dossier.events, as_of=end)
    if state.broken_off_by is None or state.break_date is None:
        return ""
    return f"{state.broken_off_by} {state.break_date[:4]}"


def _lane(ax: Axes, dossier: Dossier, lane: int, y: float, height: float, end: str) -> None:
    from matplotlib.dates import date2num as num

    for n, span in enumerate(spans(dossier, end), 1):
        x0, x1 = num(dates.first_day(span.start)), num(dates.first_day(span.end))
        colour = STATUS_COLOURS.get(span.status or "", NO_STATUS_COLOUR)
        ax.broken_barh([(x0, max(x1 - x0, 1.0))], (y - height / 2, height), facecolors=colour,
                       edgecolor="none", gid=span_gid(lane, n))
    for n, event in enumerate(dossier.events, 1):
        if event.date > end:
            break
        x = num(dates.first_day(event.date))
        marker: dict[str, Any]
        if event.status is not None:
            marker = {"marker": "D", "markersize": 6, "markerfacecolor":
                      STATUS_COLOURS[event.status], "markeredgecolor": "black",
                      "markeredgewidth": 0.8, "zorder": 4}
        elif event.unverified:
            marker = {"marker": "o", "markersize": 4, "markerfacecolor": "white",
                      "markeredgecolor": "#222222", "markeredgewidth": 0.8, "zorder": 3}
        else:
            marker = {"marker": "o", "markersize": 3.5, "color": "#222222", "zorder": 3}
        ax.plot([x], [y], linestyle="", gid=event_gid(lane, n), **marker)


# -- the compartmentalization curve (series.py) ---------------------------------------------


def curve(records: Sequence[Mapping[str, Any]],
          end: str | None) -> tuple[str, list[dict[str, Any]], list[str], list[str]]:
    """The curve's records as drawn: the period ("year" or "month"), one row per period
    (series.pivot), the statuses bottom of the stack first, and the day each count is taken:
    each period's last day, or `end` for the last."""
    period = "month" if "month" in records[0] else "year"
    rows = series.pivot(records, period)
    cuts = [series.last_day(row[period]) for row in rows]
    if end is not None and cuts:
        cuts[-1] = min(cuts[-1], end)
    return period, rows, series.columns(records, period)[1:-1], cuts


def marks_within(marks: Sequence[Mark], cuts: Sequence[str]) -> list[Mark]:
    """The marks inside the curve's time axis, in date order."""
    first, last = dates.first_day(cuts[0]), dates.first_day(cuts[-1])
    return sorted((m for m in marks if first <= dates.first_day(m.date) <= last),
                  key=lambda m: (dates.first_day(m.date), m.label))


def draw_series(records: Sequence[Mapping[str, Any]], out: IO[bytes], fmt: str, title: str = "",
                *, end: str | None = None, marks: Sequence[Mark] = (),
                size: tuple[float, float] = (10, 5)) -> None:
    """Draw `series.records(...)` as a stacked area chart and write the image to `out`.

    Statuses stack in the vocabulary's order, active at the bottom, so the green band is
    what is still walled off and the band's thinning is the curve the ledger is about. Each
    period's count is placed on the day it was taken (`curve`). `marks` inside the time axis
    are drawn as labelled vertical lines. Sized to read at 1000 px wide (`size` in inches;
    below 7 inches wide the legend goes under the chart).
    """
    if not records:
        raise ValueError("no records to draw")
    require()
    from matplotlib import dates as mdates
    from matplotlib.patches import Patch, Rectangle
    from matplotlib.ticker import MaxNLocator

    period, rows, statuses, cuts = curve(records, end)
    x = [mdates.date2num(dates.first_day(c)) for c in cuts]
    with _figure(out, fmt, size, 12, "compartment-series", 100) as fig:
        ax = fig.add_subplot()
        colours = [STATUS_COLOURS.get(s, NO_STATUS_COLOUR) for s in statuses]
        ax.stackplot(x, [[row[s] for row in rows] for s in statuses], colors=colours,
                     edgecolor="white", linewidth=0.4)
        span = dates.first_day(cuts[-1]).year - dates.first_day(cuts[0]).year
        ax.xaxis.set_major_locator(mdates.YearLocator(10 if span > 40 else 5 if span > 12 else 1))
        ax.xaxis.set_minor_locator(mdates.YearLocator(1))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.set_xlim(x[0], x[-1])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        top = max(row["total"] for row in rows) * 1.04
        ax.set_ylim(0, top)
        ax.set_ylabel("dossiers")
        ax.grid(axis="y", color="#ffffff", linewidth=0.6, alpha=0.6)
        ax.set_axisbelow(False)  # the white rules run across the bands, as a scale
        ax.spines[["top", "right"]].set_visible(False)
        # One invisible column per period, from halfway to the previous point to halfway to
        # the next: what a reader hovers over to read the period's counts.
        edges = [x[0], *((a + b) / 2 for a, b in itertools.pairwise(x)), x[-1]]
        for i, row in enumerate(rows):
            ax.add_patch(Rectangle((edges[i], 0), edges[i + 1] - edges[i], top,
                                   facecolor="none", edgecolor="none",
                                   gid=f"{period}-{row[period]}", zorder=5))
        _marks(ax, marks_within(marks, cuts), x[-1] - x[0], size[0])
        legend = [Patch(facecolor=c, label=s) for s, c in zip(statuses, colours, strict=True)]
        if size[0] < 7:  # narrow
            fig.legend(handles=legend, loc="outside lower center", ncols=3, frameon=False,
                       fontsize=10)
        else:
            # Top of the stack first, so the legend reads in the same order as the bands.
            fig.legend(handles=legend[::-1], loc="outside right upper", frameon=False)
        if title:
            fig.suptitle(title, fontsize=13, fontweight="bold")


def series_tips(records: Sequence[Mapping[str, Any]], *, end: str | None = None,
                marks: Sequence[Mark] = ()) -> Tips:
    """What `draw_series` says on hover: each period's counts, each mark's note."""
    period, rows, statuses, cuts = curve(records, end)
    tips: Tips = {}
    for i, row in enumerate(rows):
        when = f"on {cuts[i]}" if i == len(rows) - 1 else f"at the end of {row[period]}"
        counts = ", ".join(f"{row[s]} {s}" for s in statuses if row[s])
        tips[f"{period}-{row[period]}"] = (f"{row[period]} ({when}): {counts or 'none'}; "
                                           f"{row['total']} dossiers")
    for n, mark in enumerate(marks_within(marks, cuts), 1):
        tips[mark_gid(n)] = tips[f"{mark_gid(n)}-label"] = mark.note
    return tips


def _marks(ax: Axes, marks: Sequence[Mark], days: float, width: float) -> None:
    """Vertical lines at the marks' dates, labelled from the top of the axes down, right of
    the line; a label too close to the one before moves right, so that two never overlap."""
    from matplotlib import dates as mdates

    size = 10 if width < 7 else 8.5  # points: a narrow chart is drawn to be shown larger
    # A label takes its size and a little more across; the axes take ~80% of the figure.
    gap = days * (size * 1.35 / 72) / (width * 0.8)
    place = float("-inf")  # where the label before went
    for n, mark in enumerate(marks, 1):
        at = mdates.date2num(dates.first_day(mark.date))
        place = max(at, place + gap)
        ax.axvline(at, color=MARK_COLOUR, linewidth=0.9, linestyle=(0, (4, 2)), zorder=6,
                   gid=mark_gid(n))
        ax.text(place, 0.985, mark.label, transform=ax.get_xaxis_transform(),
                rotation=90, ha="left", va="top", fontsize=size, color=MARK_COLOUR, zorder=7,
                gid=f"{mark_gid(n)}-label",
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "alpha": 0.8,
                      "edgecolor": "none"})
