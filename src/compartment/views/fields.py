"""A dossier's fields as a reader sees them: one list, in the contract's order, for `show`,
its Markdown page and the website, so that a new field of the contract shows everywhere
without naming it here.
"""

from __future__ import annotations

from typing import NamedTuple

from compartment.data.dataset import Dossier
from compartment.data.vocab import DOSSIER_FIELDS

# Fields that hold actor ids (shown with the actors' names), and fields shown elsewhere.
ACTOR_REFERENCES = ("parties", "third_parties", "broken_off_by")
NOT_LISTED = ("events", "summary", "next")


class Field(NamedTuple):
    name: str  # the contract's name, or a derived one: "since"
    label: str  # "broken off by"
    values: tuple[str, ...]  # one value, or a list's items
    actors: bool  # the values are actor ids


def fields(d: Dossier) -> list[Field]:
    """The dossier's fields but its events and summary, in order, with `since` after who
    broke it off; empty optional fields are left out."""
    out = []
    for name in DOSSIER_FIELDS:
        if name in NOT_LISTED:
            continue
        value = getattr(d, name)
        values = value if isinstance(value, tuple) else (() if value is None else (value,))
        if values or name == "broken_off_by":
            out.append(Field(name, name.replace("_", " "), values, name in ACTOR_REFERENCES))
        if name == "broken_off_by":
            out.append(Field("since", "since", (d.since,) if d.since else (), False))
    return out
