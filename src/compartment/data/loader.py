"""Read the data file and validate it: load(path) -> LoadResult(dataset, problems).

Bad data never raises here: every problem comes back as a value with a file:line location, so
one run reports them all (the way beancount's loader returns its errors). Only a bug raises.
"""

from __future__ import annotations

import gc
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from compartment.data.dataset import Actor, Claim, Dataset, Dossier, Event, Publisher
from compartment.errors import Location, Problem, Severity, render_path, visible
from compartment.store.datafile import Content, check_encoding, stat_file

if TYPE_CHECKING:
    from compartment.data.checks import Finding, Rule
    from compartment.store.segments import Segments

TOP_LEVEL_KEYS = ("actors", "dossiers", "publishers")


# A NamedTuple, and checks and describe imported where a cold load needs them: a warm
# command imports this module, and a dataclass costs 0.85 ms to define (errors.py).
class LoadResult(NamedTuple):
    path: Path
    dataset: Dataset | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


Progress = Callable[[str, int, int], None]  # (stage, done, total): for a progress bar


def load(
    path: Path,
    display: str | None = None,
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> LoadResult:
    """Read, parse and validate the data file at `path`.

    `display` is how the file is named in problems (the path as the user gave it). With
    `use_cache`, a clean load is served from and saved to the content-keyed cache (cache.py).
    `progress`, if given, is called now and then during a cold load, never on a cache hit.
    Raises DataFileNotFound only when there is no file to read.
    """
    name = display if display is not None else str(path)
    info = stat_file(path)
    content = Content(path, info)
    if use_cache:
        from compartment.store import cache, lightload

        with collector_paused():
            hit = cache.read(path, info, content.key, name, matched=content.drop)
            if hit is None and lightload.refreshed(path, info, content, name):
                hit = cache.read(path, info, content.key, name, matched=content.drop)
        if hit is not None:
            return LoadResult(path, hit[0], hit[1])
    raw = content.take(keyed=use_cache)
    problem = check_encoding(raw)
    if problem is not None:
        bad = Problem(Location(name, *problem[0]), "encoding", problem[1])
        return LoadResult(path, None, [bad])
    if not use_cache:
        with collector_paused():  # the bytes, not a decoded copy: libyaml reads UTF-8 itself
            return _load_source(raw, name, path, progress)
    from compartment.store import cache

    with collector_paused():
        result, index = _load_indexed(raw, raw, name, path, path, progress)
    del raw
    if result.dataset is not None and not result.errors:
        cache.write(path, info, content.key(), result.dataset, result.warnings, index)
    return result


def _load_indexed(
    source: str | bytes, raw: bytes, name: str, path: Path, entry: Path,
    progress: Progress | None,
) -> tuple[LoadResult, Segments | None]:
    """Load `source` (whose UTF-8 bytes are `raw`), incrementally against the cache entry of
    the data file `entry` when its index allows (incremental.py), else in full; with the
    index of the result, when a clean load should record one (segments.py)."""
    from compartment.store import cache
    from compartment.store.incremental import load as load_changes
    from compartment.store.incremental import record

    before = cache.previous(entry, len(raw))
    done = None if before is None else load_changes(raw, name, path, before)
    if done is not None:
        return done
    notes = Notes()
    result = _load_source(source, name, path, progress, notes)
    clean = result.dataset is not None and not result.errors
    return result, record(raw, notes) if clean else None


class Notes:
    """What a full load notes for the index of its cache entry (incremental.record)."""

    def __init__(self) -> None:
        self.item_lines: list[int] = []  # yamlsource.parse's
        self.findings: list[Finding] = []
        self.rules: list[str] = []  # each finding's rule, "" if none made it
        self.marks: list[tuple[int, int]] = []  # each finding's line, column


def load_text(
    text: str, name: str, path: Path | None = None, *, progress: Progress | None = None,
    cache_as: Path | None = None, store: bool = True,
) -> LoadResult:
    """Validate `text` as the data file `name`.

    With `cache_as` (a data file's path; an edit's), the load is incremental against that
    file's cache entry when it can be, and a clean result is stored there (unless not
    `store`: a text that will not be written, such as a --dry-run's), without a stamp:
    the text need not be what the file holds, so the entry is found by its digest only.
    Only a regular file has an entry (not a library caller's made-up name, nor a FIFO).
    """
    path = path or Path(name)
    with collector_paused():
        try:  # a lone surrogate fails to encode: _load_text reports it
            regular = cache_as is not None and stat.S_ISREG(cache_as.stat().st_mode)
            raw = text.encode("utf-8") if regular else None
        except (OSError, ValueError):
            raw = None
        if raw is None or cache_as is None:
            return _load_text(text, name, path, progress)
        from compartment.store import cache

        result, index = _load_indexed(text, raw, name, path, cache_as, progress)
        if store and result.dataset is not None and not result.errors:
            # Refreshing the file's entry copies the unchanged dossiers' bytes; encoding the
            # dataset again costs 0.3 s at 10,000 dossiers (cache_patch.py).
            from compartment.store import cache_patch

            key = cache.digest(raw)
            if not cache_patch.refresh(cache_as, None, raw, key, name):
                cache.write(cache_as, None, key, result.dataset, result.warnings, index)
        return result


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a load builds its many small objects.

    Loaded records hold no reference cycles, and the collector's repeated scans of a growing
    heap made loading superlinear: rebuilding 10,000 cached dossiers spent 0.18 s in the
    collector alone (benchmarks/README.md). It is restored even if the load fails.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_text(text: str, name: str, path: Path, progress: Progress | None) -> LoadResult:
    try:  # only a caller passing text, not a file (decoded strictly), can bring a surrogate
        text.encode("utf-8")  # in C: several times faster than a regex over the whole text
    except UnicodeEncodeError as exc:
        at = exc.start
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        return LoadResult(path, None, [Problem(
            Location(name, line, col), "encoding",
            "the text holds a lone surrogate; it is not valid Unicode"
        )])
    return _load_source(text, name, path, progress)


def _load_source(
    source: str | bytes, name: str, path: Path, progress: Progress | None,
    notes: Notes | None = None,
) -> LoadResult:
    """Parse and validate text, or bytes already known to be UTF-8; `notes`, if given,
    receives what an index of the result is made from."""
    from compartment.data import yamlsource

    intake = _DossierIntake()
    value, yaml_problems = yamlsource.parse(
        source, progress, stream="dossiers", intake=intake,
        item_lines=None if notes is None else notes.item_lines,
    )
    problems = [
        Problem(Location(name, line, col), p.code, p.message)
        for p in yaml_problems
        for line, col in [p.mark]
    ]
    if value is None and problems:
        return LoadResult(path, None, problems)
    # Go on after problems in the YAML that left a value (a duplicate key, an alias read as
    # null, a control character) so that one run reports everything.
    rules: list[str] | None = None if notes is None else notes.rules
    dataset, findings, names = _validate(value, intake, rules)
    if problems:
        dataset = None
    marks: list[tuple[int, int]] = []
    if findings:
        located = yamlsource.SourceMap(source)
        marks = [
            located.locate(path_, key=code in LOCATED_BY_KEY) for path_, code, *_ in findings
        ]
    if notes is not None:
        notes.findings, notes.marks = findings, marks
    return LoadResult(path, dataset, finish(problems, name, source, findings, marks, names))


LOCATED_BY_KEY = ("unknown-field", "unused-actor")  # these point at the key, not its value


def finish(
    problems: list[Problem], name: str, source: str | bytes, findings: list[Finding],
    marks: list[tuple[int, int]], names: dict[int, str],
) -> list[Problem]:
    """The problems of a load: those of the YAML, a missing final newline, then each finding
    at its mark (`marks`, in the order of `findings`), sorted by line and column. A full and
    an incremental load both end here, so their lists cannot differ in order or wording."""
    newline = "\n" if isinstance(source, str) else b"\n"
    if not source.endswith(newline):  # type: ignore[arg-type]
        problems.append(
            Problem(
                Location(name, source.count(newline) + 1, 1),  # type: ignore[arg-type]
                "no-final-newline",
                "the file does not end with a newline; it may have been cut off",
                Severity.WARNING,
            )
        )
    if findings:
        for (path_, code, message, severity), (line, col) in zip(findings, marks, strict=True):
            where = render_path(path_, names)
            location = Location(name, line, col, path_, where)
            problems.append(Problem(location, code, message, severity))
        problems.sort(key=lambda p: (p.location.line, p.location.column))
    return problems


class _DossierIntake:
    """Validates dossiers one at a time, as the parser completes each (yamlsource.parse's
    `intake`), so that each raw record is freed once its record is built: the whole parsed
    tree never exists at once. For 100,000 dossiers that tree is about five times the file.

    Records are validated one at a time so that one bad dossier does not hide the problems
    of the others.
    """

    def __init__(self, offset: int = 0) -> None:
        from pydantic import ValidationError

        from compartment.data.describe import describe
        from compartment.data.models import DossierModel

        self._model, self._invalid, self._describe = DossierModel, ValidationError, describe
        self._ids = _id_pattern()
        self.items: list[Any] | None = None  # the list whose items were taken in
        self.valid: list[Dossier] = []
        self.index: list[int] = []  # the file position of each valid dossier
        self.names: dict[int, str] = {}
        self.findings: list[Finding] = []
        self.offset = offset  # the file position of the first item handed over

    def __call__(self, items: list[Any], i: int, record: Any) -> None:
        self.items = items
        i += self.offset
        record_id = record.get("id") if isinstance(record, dict) else None
        if isinstance(record_id, str) and self._ids(record_id):
            self.names[i] = record_id
        try:
            model = self._model.model_validate(record)
        except self._invalid as exc:
            for err in exc.errors(include_input=False, include_url=False):
                self.findings.append(self._describe(err, ("dossiers", i), record))
            return None
        self.valid.append(_record(model))
        self.index.append(i)
        return None  # the list keeps a placeholder; the raw record goes


def _validate(
    value: Any, intake: _DossierIntake | None = None, rules: list[str] | None = None
) -> tuple[Dataset | None, list[Finding], dict[int, str]]:
    """Validate the parsed file record by record, then across records.

    `intake` holds the dossiers already validated while parsing, if the parser could hand
    them over; any others are validated here. The cross-record checks still run over every
    dossier that is well formed. `rules`, if given, receives each finding's rule (or "").
    """
    from pydantic import ValidationError

    from compartment.data.checks import Finding
    from compartment.data.describe import describe, unknown
    from compartment.data.models import ActorModel, PublisherModel

    findings: list[Finding] = []
    if not isinstance(value, dict):
        findings.append(
            Finding(
                (), "shape", "the file must be a mapping with the keys `actors:` and `dossiers:`"
            )
        )
        return None, findings, {}
    for key in value:
        if key not in TOP_LEVEL_KEYS:
            findings.append(Finding((key,), "unknown-field", unknown(key, TOP_LEVEL_KEYS)))
    actors_raw = value.get("actors")
    dossiers_raw = value.get("dossiers")
    if not isinstance(actors_raw, dict):
        findings.append(Finding(("actors",), "shape", "`actors:` must be a mapping of actor ids"))
        actors_raw = {}
    if not isinstance(dossiers_raw, list):
        findings.append(Finding(("dossiers",), "shape", "`dossiers:` must be a list of dossiers"))
        dossiers_raw = []

    publishers_raw = value.get("publishers", {})
    if not isinstance(publishers_raw, dict):
        findings.append(Finding(
            ("publishers",), "shape", "`publishers:` must be a mapping of host names"
        ))
        publishers_raw = {}
    publishers: dict[str, Publisher] = {}
    for host, record in publishers_raw.items():
        try:
            model = PublisherModel.model_validate(record)
        except ValidationError as exc:
            for err in exc.errors(include_input=False, include_url=False):
                findings.append(describe(err, ("publishers", host), record))
            continue
        if not _host_pattern(host):
            findings.append(Finding(
                ("publishers", host), "bad-host",
                f"{visible(str(host))!r} is not a host name in lower case, such as www.state.gov",
            ))
            continue
        publishers[host] = Publisher(host, model.name, model.kind, model.state_media,
                                     model.subdomains)

    ids = _id_pattern()
    actors: dict[str, Any] = {}
    for actor_id, record in actors_raw.items():
        if not ids(actor_id):
            findings.append(
                Finding(
                    ("actors", actor_id), "bad-id",
                    f"actor id {visible(actor_id)!r} must be kebab-case (a-z, 0-9, single hyphens)",
                )
            )
        try:
            actors[actor_id] = ActorModel.model_validate(record)
        except ValidationError as exc:
            for err in exc.errors(include_input=False, include_url=False):
                findings.append(describe(err, ("actors", actor_id), record))

    # The parser hands over the items of the first `dossiers:` list only; if the file holds
    # another (a duplicate key, already reported), that is the one YAML keeps.
    if intake is None or intake.items is not dossiers_raw:
        intake = _DossierIntake()
        for i, record in enumerate(dossiers_raw):
            dossiers_raw[i] = intake(dossiers_raw, i, record)
    findings.extend(intake.findings)
    valid, index = intake.valid, intake.index

    dataset = Dataset(
        {k: Actor(k, m.name, m.bloc) for k, m in actors.items()}, tuple(valid), publishers
    )
    if rules is not None:
        rules.extend([""] * len(findings))
    findings.extend(cross_check(dataset, index, len(dossiers_raw), rules))
    complete = not any(sev is Severity.ERROR for *_, sev in findings)
    return (dataset if complete else None), findings, intake.names


def cross_check(
    dataset: Dataset, index: list[int], total: int, made_by: list[str] | None = None
) -> list[Finding]:
    """The findings of checks.RULES over the valid dossiers, whose file positions are `index`
    (`total` dossiers in the file, valid or not), with paths that count every dossier;
    `made_by`, if given, receives the name of each finding's rule."""
    from compartment.data.checks import Finding

    findings = []
    for rule in rules_for(len(index), total):
        for path, code, message, severity in rule(dataset):
            if path[:1] == ("dossiers",) and len(path) > 1 and isinstance(path[1], int):
                path = ("dossiers", index[path[1]], *path[2:])
            findings.append(Finding(path, code, message, severity))
            if made_by is not None:
                made_by.append(rule.__name__)
    return findings


def rules_for(valid: int, total: int) -> tuple[Rule, ...]:
    """checks.RULES, but for unused_actors when some of the `total` dossiers are not valid:
    an actor used only by a broken dossier is not unused."""
    from compartment.data import checks

    if valid < total:
        return tuple(r for r in checks.RULES if r is not checks.unused_actors)
    return checks.RULES


def _record(model: Any) -> Dossier:
    """The validated model as a plain record, built directly (no model_dump() copy)."""
    return Dossier(
        model.id, model.title, model.domain, tuple(model.parties), model.status,
        model.broken_off_by, model.summary,
        tuple([
            Event(e.date, e.actor, e.action, e.summary, tuple(e.sources), e.status, e.unverified,
                  tuple([Claim(c.by, c.says, tuple(c.sources), c.blames) for c in e.claims]))
            for e in model.events
        ]),
        tuple(model.aliases), model.forum, tuple(model.approach), tuple(model.third_parties),
        tuple(model.tags),
    )  # fmt: skip


def _host_pattern(host: object) -> bool:
    from compartment.data.models import HOST_PATTERN  # one pattern, beside the model it documents

    pattern = re.compile(HOST_PATTERN)
    return isinstance(host, str) and pattern.fullmatch(host) is not None


def _id_pattern() -> Callable[[str], bool]:
    pattern = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
    return lambda s: isinstance(s, str) and pattern.fullmatch(s) is not None
