"""Parse and validate a data file's text: load_bytes / load_text -> LoadResult.

Bad data never raises here: every problem comes back as a value with a file:line location, so
one run reports them all (the way beancount's loader returns its errors). Only a bug raises.
Reading the file and the cache are store/'s business; this module sees text only.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from compartment.data import checks, yamlsource
from compartment.data.checks import Finding
from compartment.data.dataset import (
    Actor,
    Claim,
    Crisis,
    Dataset,
    Decision,
    Dossier,
    Event,
    LoadResult,
    Publisher,
)
from compartment.data.lookup import suggest
from compartment.errors import Location, Problem, Severity, render_path, visible

R = TypeVar("R")  # a record type of a keyed section: Actor, Crisis

TOP_LEVEL_KEYS = ("actors", "crises", "dossiers", "publishers")
LOCATED_BY_KEY = ("unknown-field", "unused-actor", "unused-crisis")  # at the key, not its value

# YAML reads these as line breaks, editors, diffs and CI annotations do not: a comment that
# holds one ends early for the parser while a reviewer sees it go on (so data can hide there),
# and every line number after one drifts. They are refused wherever they stand.
LINE_SEPARATORS = re.compile("[\u2028\u2029\u0085]")
_LINE_SEPARATOR_BYTES = re.compile(b"\xe2\x80[\xa8\xa9]|\xc2\x85")


def load_bytes(raw: bytes, name: str, path: Path | None = None) -> LoadResult:
    """Validate a data file's bytes: UTF-8 (a byte-order mark allowed), then YAML, then the
    contract. `name` is how the file is named in problems."""
    path = path or Path(name)
    problem = check_encoding(raw)
    if problem is not None:
        return LoadResult(path, None, [Problem(Location(name, *problem[0]), "encoding",
                                               problem[1])])
    if _LINE_SEPARATOR_BYTES.search(raw):
        return LoadResult(path, None, line_separators(raw.decode("utf-8"), name))
    with collector_paused():
        return _load(raw, name, path)


def load_text(
    text: str, name: str, path: Path | None = None, *,
    spans: list[tuple[int, int]] | None = None, lenient: bool = False,
) -> LoadResult:
    """Validate `text` as the data file `name`; `spans`, if given, receives the parse's
    scalar ranges (yamlsource.parse)."""
    path = path or Path(name)
    try:  # only a caller passing text, not a file (decoded strictly), can bring a surrogate
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return LoadResult(path, None, [Problem(
            Location(name, *yamlsource.position(text, exc.start)), "encoding",
            "the text holds a lone surrogate; it is not valid Unicode")])
    if LINE_SEPARATORS.search(text):
        return LoadResult(path, None, line_separators(text, name))
    with collector_paused():
        return _load(text, name, path, spans, lenient)


def line_separators(text: str, name: str) -> list[Problem]:
    """Each U+2028, U+2029 and U+0085 in `text`, located by line feeds as editors count."""
    return [Problem(Location(name, *yamlsource.position(text, match.start())), "line-separator",
                    f"the character {visible(match.group())} is a line break to YAML but not "
                    "to editors or diffs; delete it (use a plain space or a new line)")
            for match in LINE_SEPARATORS.finditer(text)]


_CHUNK = 1 << 20


def check_encoding(raw: bytes) -> tuple[tuple[int, int], str] | None:
    """None if `raw` is UTF-8, else the line, column and reason it is not.

    It decodes a megabyte at a time, cut after a newline (a byte no multi-byte sequence
    holds), so checking a large file never holds a second, decoded copy of it.
    """
    import codecs

    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (1, 1), "the file is UTF-16; save it as UTF-8"
    view, start, size = memoryview(raw), 0, len(raw)
    while start < size:
        end = raw.find(b"\n", start + _CHUNK) + 1 or size
        try:
            codecs.utf_8_decode(view[start:end], "strict", True)
        except UnicodeDecodeError as exc:
            at = start + exc.start
            return yamlsource.position(raw, at), (
                f"the file is not valid UTF-8 (byte 0x{raw[at]:02x}); save it as UTF-8")
        start = end
    return None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a load builds its many small objects: they
    hold no reference cycles, and the collector's repeated scans of a growing heap made
    loading superlinear (benchmarks/README.md)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(source: str | bytes, name: str, path: Path,
          spans: list[tuple[int, int]] | None = None, lenient: bool = False) -> LoadResult:
    value, yaml_problems = yamlsource.parse(source, spans=spans)
    problems = [Problem(Location(name, *p.mark), p.code, p.message) for p in yaml_problems]
    if value is None and problems:
        return LoadResult(path, None, problems)
    # Go on after problems in the YAML that left a value (a duplicate key, an alias read as
    # null, a control character) so that one run reports everything.
    dataset, findings, names = validate(value, lenient)
    if problems:
        dataset = None
    newline = "\n" if isinstance(source, str) else b"\n"
    if not source.endswith(newline):  # type: ignore[arg-type]
        problems.append(Problem(
            Location(name, source.count(newline) + 1, 1),  # type: ignore[arg-type]
            "no-final-newline", "the file does not end with a newline; it may have been cut off",
            Severity.WARNING))
    if findings:
        problems.extend(locate(findings, source, name, names))
        problems.sort(key=lambda p: (p.location.line, p.location.column))
    return LoadResult(path, dataset, problems)


def locate(
    findings: list[Finding], source: str | bytes, name: str, names: dict[int, str]
) -> list[Problem]:
    """The findings as problems at their lines in `source` (the text they were found in);
    `names` gives each dossier's id by its position, for paths a reader can follow."""
    located = yamlsource.SourceMap(source)
    out = []
    for path_, code, message, severity in findings:
        line, col = located.locate(path_, key=code in LOCATED_BY_KEY)
        where = render_path(path_, names)
        out.append(Problem(Location(name, line, col, path_, where), code, message, severity))
    return out


def with_past_due(result: LoadResult, today: str, source: str | bytes) -> LoadResult:
    """`result` with a warning for each decision point dated before `today` (checks.past_due),
    located in `source`, the text `result` was loaded from. Asked for by `validate`, never
    cached: the answer changes with the day."""
    if result.dataset is None:
        return result
    findings = list(checks.past_due(result.dataset, today))
    if not findings:
        return result
    name = result.problems[0].location.file if result.problems else str(result.path)
    names = dict(enumerate(d.id for d in result.dataset.dossiers))
    problems = [*result.problems, *locate(findings, source, name, names)]
    problems.sort(key=lambda p: (p.location.line, p.location.column))
    return result._replace(problems=problems)


def validate(
    value: Any, lenient: bool = False
) -> tuple[Dataset | None, list[Finding], dict[int, str]]:
    """Validate the parsed file record by record, then across records (checks.RULES).

    Records are validated one at a time so that one bad dossier does not hide the problems
    of the others; the rules across records run over every record that is well formed.
    Returns the dataset (None if any error; `lenient`: only if a record itself is bad, so
    that an edit can mend an error of the rules across records), the findings, and each
    dossier's id by its position, for paths a reader can follow.
    """
    from compartment.data import models

    findings: list[Finding] = []
    if not isinstance(value, dict):
        findings.append(Finding(
            (), "shape", "the file must be a mapping with the keys `actors:` and `dossiers:`"
        ))
        return None, findings, {}
    for key in value:
        if key not in TOP_LEVEL_KEYS:
            findings.append(Finding((key,), "unknown-field", unknown(key, TOP_LEVEL_KEYS)))
    sections: dict[str, Any] = {}
    for key, kind, wanted in (("actors", dict, "a mapping of actor ids"),
                              ("crises", dict, "a mapping of crisis ids"),
                              ("dossiers", list, "a list of dossiers"),
                              ("publishers", dict, "a mapping of host names")):
        raw = value.get(key, {} if key in ("crises", "publishers") else None)
        if not isinstance(raw, kind):
            findings.append(Finding((key,), "shape", f"`{key}:` must be {wanted}"))
            raw = kind()
        sections[key] = raw

    publishers: dict[str, Publisher] = {}
    for host, record in sections["publishers"].items():
        model = _model(models.PublisherModel, record, ("publishers", host), findings)
        if model is None:
            continue
        if not isinstance(host, str) or not re.fullmatch(models.HOST_PATTERN, host):
            findings.append(Finding(
                ("publishers", host), "bad-host",
                f"{visible(str(host))!r} is not a host name in lower case, such as www.state.gov",
            ))
            continue
        publishers[host] = Publisher(host, **_fields(model, Publisher, skip=1))

    valid_id = re.compile(models.ID_PATTERN).fullmatch
    actors = _registry(sections, "actors", findings, models.ActorModel, Actor,
                       "actor id {} must be kebab-case (a-z, 0-9, single hyphens)")
    crises = _registry(sections, "crises", findings, models.CrisisModel, Crisis,
                       "crisis id {} must be kebab-case: a name and its year, such as crimea-2014")

    names: dict[int, str] = {}
    valid: list[Dossier] = []
    index: list[int] = []  # the file position of each valid dossier
    for i, record in enumerate(sections["dossiers"]):
        record_id = record.get("id") if isinstance(record, dict) else None
        if isinstance(record_id, str) and valid_id(record_id):
            names[i] = record_id
        model = _model(models.DossierModel, record, ("dossiers", i), findings)
        if model is not None:
            valid.append(_record(model))
            index.append(i)

    dataset = Dataset(actors, tuple(valid), publishers, crises)
    records_sound = not any(f.severity is Severity.ERROR for f in findings)
    # An actor named only by a dossier that is not valid is not unused.
    rules = checks.RULES if len(valid) == len(sections["dossiers"]) else tuple(
        r for r in checks.RULES if r is not checks.unused_actors)
    for path, code, message, severity in checks.run(dataset, rules):
        if path[:1] == ("dossiers",) and len(path) > 1 and isinstance(path[1], int):
            path = ("dossiers", index[path[1]], *path[2:])
        findings.append(Finding(path, code, message, severity))
    complete = not any(f.severity is Severity.ERROR for f in findings)
    return (dataset if complete or (lenient and records_sound) else None), findings, names


def _registry(sections: dict[str, Any], section: str, findings: list[Finding], model_type: Any,
              record_type: Callable[..., R], bad_id: str) -> dict[str, R]:
    """A section of records keyed by id (`actors:`, `crises:`), each record validated alone
    into `record_type`; a malformed id is a finding (`bad_id`, with the id for its {})."""
    from compartment.data import models

    valid_id = re.compile(models.ID_PATTERN).fullmatch
    out: dict[str, R] = {}
    for record_id, record in sections[section].items():
        if not valid_id(record_id):
            findings.append(Finding((section, record_id), "bad-id",
                                    bad_id.format(repr(visible(record_id)))))
        model = _model(model_type, record, (section, record_id), findings)
        if model is not None:
            out[record_id] = record_type(record_id, **_fields(model, record_type, skip=1))
    return out


def _model(kind: Any, record: Any, where: tuple[str | int, ...], findings: list[Finding]) -> Any:
    """`record` validated as `kind`, or None with its problems added to `findings`."""
    from pydantic import ValidationError

    try:
        return kind.model_validate(record)
    except ValidationError as exc:
        findings.extend(describe(err, where, record)
                        for err in exc.errors(include_input=False, include_url=False))
        return None


# Which record each model becomes; the record's fields are the model's (a test keeps them so).
_RECORDS: dict[str, Any] = {"DossierModel": Dossier, "EventModel": Event, "ClaimModel": Claim,
                            "DecisionModel": Decision}


def _record(model: Any) -> Any:
    kind = _RECORDS[type(model).__name__]
    return kind(**_fields(model, kind))


def _fields(model: Any, kind: Any, skip: int = 0) -> dict[str, Any]:
    """The model's values for the record type `kind`'s fields (but the first `skip`, which
    come from a mapping's key): lists as tuples, nested models as records."""
    return {name: _value(getattr(model, name)) for name in kind._fields[skip:]}


def _value(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_value(v) for v in value)
    if hasattr(type(value), "model_fields"):
        return _record(value)
    return value


# -- pydantic's errors, in a dataset editor's words ----------------------------------------------


def unknown(key: object, allowed: tuple[str, ...] | list[str]) -> str:
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
    from compartment.data.models import MODEL_OF_FIELD, TOP_MODELS

    loc = tuple(err["loc"])
    kind = err["type"]
    path = prefix + loc
    if kind == "extra_forbidden":
        # The model that refused the key: the innermost list field named in its path.
        model = TOP_MODELS[str(prefix[0])]
        for part in loc[:-1]:
            if isinstance(part, str) and part in MODEL_OF_FIELD:
                model = MODEL_OF_FIELD[part]
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
