"""Finding what a person types: dossiers by id in any case, title or alias; actors by id, name or initials; did-you-mean."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from compartment.data import lookup
from compartment.store.datafile import load

SAMPLE = Path(__file__).parent / "sample.yaml"




# -- item 9: lookups resolve case, titles, aliases and names ------------------------------


@pytest.mark.parametrize("typed", ["NEW-START", "New Start", "new start", "Strategic Arms"])
def test_show_resolves_case_titles_and_aliases(run, tagged, typed: str) -> None:
    path = tagged(aliases="[Strategic Arms]")
    out = run("--data", str(path), "show", typed).stdout
    assert out.splitlines()[0].split() == ["id", "new-start"]


def test_show_by_alias_in_the_bundled_data(run) -> None:
    out = run("show", "Anti-Ballistic Missile Treaty").stdout
    assert out.splitlines()[0].split() == ["id", "abm-treaty"]


def test_an_ambiguous_alias_lists_the_candidates(run, tagged) -> None:
    path = tagged(aliases="[NRC]")
    result = run("--data", str(path), "show", "nrc", ok=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: 'nrc' names 2 dossiers (new-start, nato-russia-cooperation); give the id"
    )


def test_an_unknown_dossier_is_suggested_by_title_too(run) -> None:
    result = run("show", "Anti-Balistic Missile Treaty", ok=False)
    assert result.stderr.strip().endswith("did you mean abm-treaty?")


def test_party_suggests_by_name_and_initials(run) -> None:
    result = run("list", "--party", "usa", ok=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: --party: unknown actor or bloc 'usa'; did you mean united-states?"
    )


@pytest.mark.parametrize("option", ["--party", "--broken-off-by"])
@pytest.mark.parametrize("typed", ["United States", "united states", "UNITED-STATES"])
def test_actor_options_take_a_name_in_any_case(run, sample, option: str, typed: str) -> None:
    by_id = run("--data", str(sample), "list", option, "united-states", "-f", "csv").stdout
    assert run("--data", str(sample), "list", option, typed, "-f", "csv").stdout == by_id


def test_timeline_actor_and_dossier_resolve(run, sample) -> None:
    out = run("--data", str(sample), "timeline", "--actor", "Russia", "--dossier", "NEW-START",
              "-f", "csv").stdout
    assert [(r["dossier"], r["actor"]) for r in csv.DictReader(io.StringIO(out))] == [
        ("new-start", "russia")
    ]
    result = run("--data", str(sample), "timeline", "--dossier", "new-strat", ok=False)
    assert result.stderr.strip() == (
        "Error: --dossier: no dossier with id 'new-strat'; did you mean new-start?"
    )


def test_check_actors_returns_the_ids(sample) -> None:
    data = load(sample).dataset
    assert data is not None
    assert lookup.check_actors(data, "--party", ["NATO", "Russia", "west", "United States"]) == [
        "nato", "russia", "west", "united-states"
    ]
