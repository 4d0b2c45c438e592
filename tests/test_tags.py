"""Tags: filtering list, timeline, export, stats and chart by tag, search and completion."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from compartment.store.datafile import load
from compartment.views import timeline

SAMPLE = Path(__file__).parent / "sample.yaml"



def ids(csv_text: str, column: str = "id") -> list[str]:
    return [row[column] for row in csv.DictReader(io.StringIO(csv_text))]


# -- item 9: lookups resolve case, titles, aliases and names ------------------------------


def test_tag_filters_list_or_within_and_with_the_rest(run, tagged) -> None:
    path = str(tagged())
    assert ids(run("--data", path, "list", "--tag", "nuclear", "-f", "csv").stdout) == [
        "new-start"
    ]
    both = run("--data", path, "list", "-t", "TREATY", "-t", "council", "-f", "csv").stdout
    assert ids(both) == ["new-start", "nato-russia-cooperation"]  # a tag in any case
    anded = run("--data", path, "list", "-t", "treaty", "-t", "council", "--status", "suspended",
                "-f", "csv").stdout
    assert ids(anded) == ["nato-russia-cooperation"]


def test_an_unknown_tag_is_a_usage_error_with_a_suggestion(run, tagged) -> None:
    result = run("--data", str(tagged()), "list", "--tag", "nuclaer", ok=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: --tag: no dossier has the tag 'nuclaer'; did you mean nuclear?"


def test_search_matches_tags(run, tagged) -> None:
    path = str(tagged(new_start="[arms-race]"))
    assert ids(run("--data", path, "list", "--search", "arms-race", "-f", "csv").stdout) == [
        "new-start"
    ]


def test_tag_filters_timeline_export_stats_and_chart(run, tagged, tmp_path) -> None:
    path = str(tagged())
    events = run("--data", path, "timeline", "--tag", "council", "-f", "csv").stdout
    assert ids(events, "dossier") == ["nato-russia-cooperation"]
    exported = run("--data", path, "export", "--tag", "treaty", "-f", "csv").stdout
    assert ids(exported) == ["new-start"]
    counted = run("--data", path, "stats", "--tag", "council", "-f", "csv").stdout
    assert counted == "status,count\nsuspended,1\n"
    pytest.importorskip("matplotlib")
    result = run("--data", path, "chart", "--tag", "nuclear", "-o", str(tmp_path / "c.svg"))
    assert "1 dossier drawn" in result.stderr


def test_timeline_filters_by_the_dossiers_tags() -> None:
    data = load(SAMPLE).dataset
    assert data is not None
    # The sample has no tags: a tag filter keeps nothing, no filter keeps everything.
    assert timeline.select(data, timeline.Filters(tags=["nuclear"])) == []
    assert len(timeline.select(data, timeline.Filters())) == 4


def test_tags_complete_from_the_data(tagged) -> None:
    from compartment.cli import options

    class Root:
        params = {"data": str(tagged())}

    class Context:
        def find_root(self) -> Root:
            return Root()

    ctx = Context()
    assert options.complete_tag(ctx, "") == [  # type: ignore[arg-type]
        ("nuclear", "1 dossier"), ("treaty", "1 dossier"), ("council", "1 dossier")
    ]
    assert options.complete_tag(ctx, "t") == [("treaty", "1 dossier")]  # type: ignore[arg-type]
