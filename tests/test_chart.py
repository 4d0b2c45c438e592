"""`compartment chart`: lanes of status over time, as PNG or SVG, drawn by matplotlib."""

from __future__ import annotations

import io
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from compartment.data import dates
from compartment.data.dataset import Dossier, Event
from compartment.errors import MissingExtra
from compartment.store.datafile import load
from compartment.views import chart

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def event(date: str, status: str | None = None) -> Event:
    return Event(date=date, actor="russia", action="a", summary="s", sources=("x",), status=status)


def dossier(*events: Event, domain: str = "space", id: str = "x") -> Dossier:
    return Dossier(id=id, title=id.upper(), domain=domain, parties=("russia",), status="active",
                   broken_off_by=None, summary="s", events=events)


def test_partial_dates_are_placed_at_the_start_of_their_period() -> None:
    assert [dates.first_day(d).isoformat() for d in ("2014", "2014-03", "2014-03-18")] == [
        "2014-01-01", "2014-03-01", "2014-03-18",
    ]


def test_spans_run_from_the_first_event_to_the_end() -> None:
    d = dossier(
        event("2009", None),  # before any status: grey
        event("2010-05", "active"),
        event("2012-01-01", None),
        event("2014-03", "suspended"),
        event("2014-04", "suspended"),  # the same status again: no new span
        event("2023-02-28", "terminated"),
    )
    assert chart.spans(d, "2026-11-26") == [
        chart.Span("2009", "2010-05", None),
        chart.Span("2010-05", "2014-03", "active"),
        chart.Span("2014-03", "2023-02-28", "suspended"),
        chart.Span("2023-02-28", "2026-11-26", "terminated"),
    ]
    # drawn as of an earlier date, the lane stops there
    assert chart.spans(d, "2014-03-15")[-1] == chart.Span("2014-03", "2014-03-15", "suspended")


def test_lanes_are_grouped_by_domain_in_contract_order() -> None:
    ds = [dossier(event("2020", "active"), domain=dom, id=i)
          for i, dom in [("a", "space"), ("b", "arms-control"), ("c", "space")]]
    assert [(dom, [d.id for d in members]) for dom, members in chart.lanes(ds)] == [
        ("arms-control", ["b"]), ("space", ["a", "c"]),
    ]


def test_png(run, sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "lanes.PNG"
    result = run("--data", str(sample), "chart", "-o", str(target))
    assert result.stdout == ""
    assert result.stderr == f"{target}: 2 dossiers drawn\n"
    assert target.read_bytes().startswith(PNG_MAGIC)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_svg_with_filters_is_xml_and_deterministic(run, sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "lanes.svg"
    args = ("--data", str(sample), "chart", "--broken-off-by", "russia", "-o", str(target))
    result = run(*args)
    assert result.stderr == f"{target}: 1 dossier drawn\n"
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    first = target.read_bytes()
    assert b"New START" in first and b"NATO-Russia" not in first  # text stays text
    run(*args)
    assert target.read_bytes() == first


def test_draw_to_a_stream(sample: Path) -> None:
    data = load(sample).dataset
    assert data is not None
    out = io.BytesIO()
    chart.draw(data.dossiers, out, "png", "2024-01-01", "title", start="2010")
    assert out.getvalue().startswith(PNG_MAGIC)


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("chart.gif", 2, "name the file .png or .svg (the format follows the extension)"),
        ("chart", 2, "name the file .png or .svg"),
        ("missing/chart.png", 1, "does not exist"),
    ],
)
def test_bad_output(run, sample: Path, tmp_path: Path, name: str, code: int, message: str) -> None:
    target = tmp_path / name
    result = run("--data", str(sample), "chart", "-o", str(target), ok=False)
    assert result.exit_code == code
    assert result.stderr.startswith(f"Error: -o {target}: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not target.exists()


def test_no_dossier_matches(run, sample: Path, tmp_path: Path) -> None:
    result = run("--data", str(sample), "chart", "-s", "active", "-o", str(tmp_path / "c.png"),
                 ok=False)
    assert result.exit_code == 1
    assert result.stderr == "Error: no dossier matches these filters; nothing to draw\n"


def test_unknown_actor_is_usage_error(run, sample: Path, tmp_path: Path) -> None:
    result = run("--data", str(sample), "chart", "-b", "rusia", "-o", str(tmp_path / "c.png"),
                 ok=False)
    assert result.exit_code == 2
    assert "unknown actor or bloc 'rusia'" in result.stderr


def test_without_matplotlib(run, sample: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    target = tmp_path / "c.png"
    result = run("--data", str(sample), "chart", "-o", str(target), ok=False)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the chart needs matplotlib: pip install matplotlib (or install "
        "compartment-ledger[chart])\n"
    )
    assert not target.exists()
    with pytest.raises(MissingExtra):
        chart.draw((), io.BytesIO(), "png", "2024-01-01")


def test_series_kind_draws_the_curve(run, sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "curve.svg"
    result = run("--data", str(sample), "chart", "--kind", "series", "-o", str(target))
    assert result.stderr == f"{target}: 2 dossiers drawn\n"
    svg = target.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "Cooperation dossiers by status" in svg
    lanes = tmp_path / "lanes.svg"
    run("--data", str(sample), "chart", "-o", str(lanes))
    assert lanes.read_text(encoding="utf-8") != svg  # the kind changes the picture


# -- hover texts and crisis marks ------------------------------------------------------------


def test_lane_tips_name_each_stretch_and_event_as_drawn(sample: Path) -> None:
    data = load(sample).dataset
    assert data is not None
    tips = chart.lane_tips(data, data.dossiers, "2024-01-01")
    out = io.BytesIO()
    chart.draw(data.dossiers, out, "svg", "2024-01-01")
    drawn = {g.get("id") for g in ET.fromstring(out.getvalue()).iter(
        "{http://www.w3.org/2000/svg}g")}
    assert set(tips) <= drawn  # every hover text has its group in the picture
    first = chart.lanes(data.dossiers)[0][1][0]
    assert tips[chart.span_gid(1, 1)].startswith(f"{first.title}: ")
    assert tips[chart.event_gid(1, 1)].startswith(f"{first.title}, {first.events[0].date}: ")


def test_the_curve_marks_crises_inside_its_time_axis() -> None:
    from compartment.views import series

    records = series.records([dossier(event("2010-05", "active"), event("2014-03", "suspended"))],
                             "year", end="2024-06-30")
    marks = [chart.Mark("crimea-2014", "2014-02-27", "Crimea"),
             chart.Mark("outside-1999", "1999", "too early"),
             chart.Mark("ukraine-2022", "2022-02-24", "Ukraine")]
    assert [m.label for m in chart.marks_within(marks, ["2010-12-31", "2024-06-30"])] == [
        "crimea-2014", "ukraine-2022"]
    tips = chart.series_tips(records, end="2024-06-30", marks=marks)
    assert tips["year-2014"] == "2014 (at the end of 2014): 1 suspended; 1 dossiers"
    assert tips["year-2024"] == "2024 (on 2024-06-30): 1 suspended; 1 dossiers"
    assert tips["mark-1"] == tips["mark-1-label"] == "Crimea" and tips["mark-2"] == "Ukraine"
    out = io.BytesIO()
    chart.draw_series(records, out, "svg", end="2024-06-30", marks=marks, size=(4.6, 4.4))
    root = ET.fromstring(out.getvalue())
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"crimea-2014", "ukraine-2022"} <= texts and "outside-1999" not in texts
    groups = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert set(tips) <= groups
