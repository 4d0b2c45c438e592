"""The JSON Schema: generated from the models, shipped fresh, and true of the shipped data."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from compartment.data import schema, yamlsource

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "schema" / "issues.schema.json"
DATA = ROOT / "data" / "issues.yaml"


def test_the_shipped_schema_is_fresh(run) -> None:
    printed = run("schema").stdout
    assert printed == SHIPPED.read_text(encoding="utf-8"), (
        "schema/issues.schema.json is stale: run `compartment schema > schema/issues.schema.json`"
    )
    assert json.loads(printed) == schema.json_schema()


def test_schema_header() -> None:
    generated = schema.json_schema()
    assert list(generated)[:3] == ["$schema", "$id", "title"]
    jsonschema.Draft202012Validator.check_schema(generated)
    assert generated["required"] == ["actors", "dossiers"]


def test_the_shipped_data_satisfies_the_schema() -> None:
    value, problems = yamlsource.parse(DATA.read_text(encoding="utf-8"))
    assert problems == []
    validator = jsonschema.Draft202012Validator(json.loads(SHIPPED.read_text(encoding="utf-8")))
    assert [e.message for e in validator.iter_errors(value)] == []


def test_the_schema_catches_what_an_editor_should_flag(sample: Path) -> None:
    value, _ = yamlsource.parse(sample.read_text(encoding="utf-8"))
    value["dossiers"][0]["events"][0]["sorce"] = "typo"
    value["dossiers"][0]["status"] = "paused"
    value["dossiers"][1]["events"][0]["date"] = "April 2014"
    validator = jsonschema.Draft202012Validator(schema.json_schema())
    paths = sorted(e.json_path for e in validator.iter_errors(value))
    assert paths == [
        "$.dossiers[0].events[0]",
        "$.dossiers[0].status",
        "$.dossiers[1].events[0].date",
    ]


def test_a_bare_year_as_an_editor_reads_it_is_accepted() -> None:
    date = schema.json_schema()["$defs"]["EventModel"]["properties"]["date"]
    validator = jsonschema.Draft202012Validator(date)
    assert validator.is_valid(2014) and validator.is_valid("2014-03")
    assert not validator.is_valid(14) and not validator.is_valid("14 March")


def test_the_data_file_points_editors_at_the_schema() -> None:
    first = DATA.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/issues.schema.json"
    assert (DATA.parent / "../schema/issues.schema.json").resolve() == SHIPPED.resolve()
