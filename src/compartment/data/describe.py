"""Validation errors as findings a dataset editor can act on: pydantic's errors reworded,
with the user's own text quoted short and escaped (the loader's, moved here to keep it
small)."""

from __future__ import annotations

from typing import Any

from compartment.data.checks import Finding
from compartment.errors import visible


def unknown(key: object, allowed: tuple[str, ...] | list[str]) -> str:
    from compartment.views.query import suggest

    text = visible(str(key))
    close = suggest(str(key), allowed)
    hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
    return f"unknown field {text!r}{hint}"


def _value_at(raw: Any, loc: tuple[str | int, ...]) -> Any:
    for part in loc:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


def _quote_input(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "true" if value is True else "false" if value is False else "null"
    if isinstance(value, str):
        text = visible(value)
        return repr(text if len(text) <= 60 else text[:57] + "...")
    kinds: dict[type, str] = {dict: "a mapping", list: "a list"}
    return kinds.get(type(value), type(value).__name__)


def describe(err: Any, prefix: tuple[str | int, ...], raw: Any) -> Finding:
    """A pydantic error as a Finding with a message a dataset editor can act on.

    Built from `errors(include_input=False)`, never from str(ValidationError), whose
    rendering of the input can be enormous; the user's own text is quoted short and escaped.
    """
    loc = tuple(err["loc"])
    kind = err["type"]
    path = prefix + loc
    if kind == "extra_forbidden":
        from compartment.data.models import (
            ActorModel,
            ClaimModel,
            DossierModel,
            EventModel,
            PublisherModel,
        )

        model: Any = DossierModel
        if prefix[0] == "actors":
            model = ActorModel
        elif prefix[0] == "publishers":
            model = PublisherModel
        elif "claims" in loc[:-1]:
            model = ClaimModel
        elif "events" in loc[:-1]:
            model = EventModel
        return Finding(path, "unknown-field", unknown(loc[-1], list(model.model_fields)))
    if kind == "missing":
        return Finding(path, "missing-field", f"missing required field {loc[-1]!r}")
    message = err["msg"].removeprefix("Value error, ")
    given = _value_at(raw, loc)
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if "date" in loc:
            message = "must be a date written YYYY-MM-DD, YYYY-MM or YYYY"
        elif "\\n" in pattern:
            message = "must be a single line"
        else:
            message = "must be a kebab-case id (a-z, 0-9, single hyphens)"
    return Finding(path, kind, f"{message} (found {_quote_input(given)})")
