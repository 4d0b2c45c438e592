"""The JSON Schema of the data file, generated from the pydantic models.

`compartment schema` prints it; the repository ships it as schema/issues.schema.json (a test
keeps that copy fresh) so that an editor's YAML language server can check and complete the
file as it is typed. compartment itself validates with its own loader, which also checks
what a schema cannot say: references between records, event order, derived statuses.
"""

from __future__ import annotations

from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:compartment:schema:issues"
TITLE = "compartment data file (data/issues.yaml)"


def json_schema() -> dict[str, Any]:
    from compartment.data.models import DatasetModel

    generated = DatasetModel.model_json_schema()
    _allow_bare_years(generated)
    schema: dict[str, Any] = {"$schema": SCHEMA_DIALECT, "$id": SCHEMA_ID, "title": TITLE}
    schema["description"] = (
        "Actors and cooperation dossiers between Russia and the West. Generated from "
        "compartment's models by `compartment schema`; `compartment validate` checks more "
        "(references, event order, derived statuses)."
    )
    schema.update({k: v for k, v in generated.items() if k != "title"})
    return schema


def _allow_bare_years(schema: dict[str, Any]) -> None:
    """Let an event date also be a bare year as a YAML 1.2 editor reads it.

    The file writes dates unquoted (`date: 2014`, `date: 2014-03-01`). compartment reads every
    one as text, but a YAML 1.2 tool such as an editor's language server reads a bare year
    as a number and would flag it; the schema accepts that number too.
    """
    event = schema.get("$defs", {}).get("EventModel", {})
    date = event.get("properties", {}).get("date")
    if not isinstance(date, dict) or date.get("type") != "string":
        return
    text = {k: v for k, v in date.items() if k not in ("title", "description")}
    year = {"type": "integer", "minimum": 1000, "maximum": 9999}
    outer = {k: v for k, v in date.items() if k in ("title", "description")}
    event["properties"]["date"] = {**outer, "anyOf": [text, year]}
