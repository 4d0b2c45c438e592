"""pydantic models of the data file: the rules about one record at a time.

They are strict (no coercion: `unverified: "yes"` is an error, not True) and forbid unknown
fields, so a typo such as `sorce:` is reported rather than dropped and erased by a later edit.
Rules across records (references, order, status consistency) live in checks.py. The JSON
Schema of the file is generated from these models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from compartment.data import dates
from compartment.data.vocab import APPROACHES, BLOCS, DOMAINS, PUBLISHER_KINDS, STATUSES

# The vocabularies are built from vocab.py, so that they are written once; a type checker
# cannot read a Literal built at run time, and sees plain text instead.
if TYPE_CHECKING:
    from typing import TypeAlias

    Status: TypeAlias = str
    Bloc: TypeAlias = str
    Domain: TypeAlias = str
    Approach: TypeAlias = str
    PublisherKind: TypeAlias = str
else:
    Status = Literal[tuple(STATUSES)]
    Bloc = Literal[tuple(BLOCS)]
    Domain = Literal[tuple(DOMAINS)]
    Approach = Literal[tuple(APPROACHES)]
    PublisherKind = Literal[tuple(PUBLISHER_KINDS)]

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"  # the loader checks the ids that are keys with it too
Id = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN, max_length=80),
    Field(description="kebab-case identifier: lower-case letters, digits and single hyphens"),
]
HOST_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
Host = Annotated[
    str,
    StringConstraints(pattern=HOST_PATTERN, max_length=253),
    Field(description="a host name in lower case, such as www.state.gov"),
]


def _not_blank(text: str) -> str:
    # A validator, not a pattern: the JSON Schema stays as it was, and the message says what
    # is wrong (the loader words pattern mismatches as "single line" or "kebab-case id").
    if text.isspace():
        raise ValueError("must not be blank: write some text")
    return text


Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000),
                 AfterValidator(_not_blank)]
Line = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500, pattern=r"^[^\n]*$"),
    AfterValidator(_not_blank),
]


def _valid_date(text: str) -> str:
    problem = dates.check(text)
    if problem:
        raise ValueError(problem)
    return text


PartialDate = Annotated[
    str,
    # [0-9]: pydantic's \d (Rust regex) matches every Unicode digit, such as full-width ones.
    StringConstraints(pattern=r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"),
    AfterValidator(_valid_date),
    Field(description="YYYY-MM-DD, or YYYY-MM / YYYY when only that precision is known"),
]

_CONFIG = ConfigDict(extra="forbid", strict=True, frozen=True)


class ActorModel(BaseModel):
    model_config = _CONFIG
    name: Line
    bloc: Bloc = Field(description="; ".join(f"{k}: {v}" for k, v in BLOCS.items()))


class PublisherModel(BaseModel):
    model_config = _CONFIG
    name: Line
    kind: PublisherKind = Field(
        description="; ".join(f"{k}: {v}" for k, v in PUBLISHER_KINDS.items()))
    state_media: Id | None = Field(
        default=None, description="for a state-owned or state-controlled outlet: whose state")
    subdomains: bool = Field(
        default=False, description="true when every subdomain of the host is this publisher too")


class ClaimModel(BaseModel):
    model_config = _CONFIG
    by: Id = Field(description="the actor id of who says it")
    blames: Id | None = Field(default=None, description="the actor id they hold responsible")
    says: Text = Field(description="in our own words, or a short exact quote in quotation marks")
    sources: list[Line] = Field(min_length=1, description="where they said it: URLs or citations")


Reference = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*(@[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?$",
                      max_length=100),
    Field(description="a crisis id (kosovo-1999), or another dossier's event as "
          "DOSSIER-ID@YYYY-MM-DD"),
]


class CrisisModel(BaseModel):
    model_config = _CONFIG
    name: Line
    date: PartialDate = Field(description="when it began")
    summary: Text
    sources: list[Line] = Field(min_length=1, description="URLs or citations")


class DecisionModel(BaseModel):
    model_config = _CONFIG
    date: PartialDate = Field(description="when it is due, as precisely as published")
    due: Line = Field(description="what is due, in a reader's words")
    by: list[Id] = Field(min_length=1, description="the actor ids of who decides")
    sources: list[Line] = Field(
        min_length=1, description="where the date is published: a schedule, a resolution's "
        "expiry, a treaty's term, an announced meeting")


class EventModel(BaseModel):
    model_config = _CONFIG
    date: PartialDate
    actor: Id = Field(description="the actor id of who acted")
    action: Line = Field(description="a short verb phrase, such as 'suspended participation'")
    status: Status | None = Field(
        default=None, description="the dossier's status after this event, if it changed")
    unverified: bool = Field(default=False, description="true when no source confirms it")
    summary: Text
    sources: list[Line] = Field(default_factory=list, description="URLs or citations")
    claims: list[ClaimModel] = Field(
        default_factory=list, description="what each party said about the event")
    over: list[Reference] | None = Field(
        default=None, description="what the step answered, as its actor stated it: crisis "
        "ids or other dossiers' events (DOSSIER-ID@DATE); [] when the actor stated no link",
    )
    accuses: Id | None = Field(
        default=None, description="the actor id of whom the actor formally accuses of a "
        "breach (an accusation is no break)",
    )


class DossierModel(BaseModel):
    model_config = _CONFIG
    id: Id
    title: Line
    aliases: list[Line] = Field(default_factory=list)
    domain: Domain
    parties: list[Id] = Field(min_length=1)
    forum: Line | None = None
    status: Status = Field(description="; ".join(f"{k}: {v}" for k, v in STATUSES.items()))
    broken_off_by: Id | None = Field(
        description="the actor who broke cooperation off, or null (derived from the events: "
        "see docs/data.md)")
    approach: list[Approach] = Field(default_factory=list)
    third_parties: list[Id] = Field(default_factory=list)
    summary: Text
    tags: list[Id] = Field(default_factory=list)
    next: list[DecisionModel] = Field(
        default_factory=list, description="scheduled decision points still ahead")
    events: list[EventModel] = Field(min_length=1)


class DatasetModel(BaseModel):
    model_config = _CONFIG
    actors: dict[Id, ActorModel]
    crises: dict[Id, CrisisModel] = Field(
        default_factory=dict, description="the crises and moves that breaks were made over, "
        "by id: a name and the year it began (crimea-2014)")
    dossiers: list[DossierModel]
    publishers: dict[Host, PublisherModel] = Field(
        default_factory=dict,
        description="the registry of source publishers, keyed by the host of their URLs")


# Which model holds the records of a list field, and of each top-level section: what the
# loader names when a key is unknown (`allowed: ...`).
MODEL_OF_FIELD: dict[str, type[BaseModel]] = {
    "events": EventModel, "claims": ClaimModel, "next": DecisionModel,
}
TOP_MODELS: dict[str, type[BaseModel]] = {
    "actors": ActorModel, "crises": CrisisModel, "dossiers": DossierModel,
    "publishers": PublisherModel,
}
