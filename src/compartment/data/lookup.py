"""Finding records by what a person types: a dossier by its id in any case, its title or an
alias; an actor by its id, its name or a bloc; a tag in any case. What is not found gets the
closest candidates ("did you mean"), used by the commands' messages and the loader's alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from compartment.data.dataset import Dataset, Dossier
from compartment.data.vocab import BLOCS
from compartment.errors import CompartmentError, UsageError

# A suggestion must be at least this alike (difflib's ratio); a second one is shown only when
# it is nearly as alike as the best, so `new-strat` suggests new-start alone.
SUGGEST_CUTOFF = 0.5
SUGGEST_CLOSE = 0.05


def suggest(value: str, choices: Sequence[str]) -> list[str]:
    """The closest of `choices` to a mistyped `value`, then any nearly as close (at most 3)."""
    return suggest_by(value, [(c, c) for c in choices])


def suggest_by(value: str, keys: Iterable[tuple[str, str]]) -> list[str]:
    """Like `suggest`, where each choice (the second of a pair) may be found by several keys,
    its id, name, title or aliases: a choice scores as its closest key. Case is ignored."""
    import difflib

    best_of: dict[str, float] = {}
    wanted = value.casefold()
    for key, choice in keys:
        matcher = difflib.SequenceMatcher(None, wanted, key.casefold())
        if matcher.real_quick_ratio() >= SUGGEST_CUTOFF and matcher.quick_ratio() >= SUGGEST_CUTOFF:
            ratio = matcher.ratio()
            if ratio >= SUGGEST_CUTOFF and ratio > best_of.get(choice, 0.0):
                best_of[choice] = ratio
    if not best_of:
        return []
    # sorted() is stable: equal scores keep the order of the choices' first keys.
    scored = sorted(best_of.items(), key=lambda pair: -pair[1])
    best = scored[0][1]
    return [choice for choice, ratio in scored[:3] if ratio >= best - SUGGEST_CLOSE]


def did_you_mean(value: str, choices: Sequence[str], otherwise: str = "") -> str:
    """The tail of an error message: `; did you mean X?`, or `otherwise` when nothing is close."""
    return _hint(suggest(value, choices), otherwise)


def _hint(suggestions: Sequence[str], otherwise: str = "") -> str:
    return f"; did you mean {', '.join(suggestions)}?" if suggestions else otherwise


def _ambiguous(option: str | None, value: str, what: str, candidates: Sequence[str]) -> UsageError:
    where = f"{option}: " if option else ""
    return UsageError(
        f"{where}{value!r} names {len(candidates)} {what}s ({', '.join(candidates)}); "
        "give the id"
    )


def find(data: Dataset, dossier_id: str, option: str | None = None) -> Dossier:
    """The dossier with this id; else the one whose id, title or alias this is, ignoring case
    (ids in the data stay exact; a person types `NEW-START` or an alias). Several such
    dossiers are a UsageError listing them; none is an error that suggests the closest ids,
    titles and aliases (a UsageError naming `option` when the value came from one)."""
    dossier = data.get(dossier_id)
    if dossier is not None:
        return dossier
    wanted = dossier_id.casefold().strip()
    # An id in another case first: only then titles and aliases, which may be shared.
    by_id = [d for d in data.dossiers if d.id.casefold() == wanted]
    by_name = [d for d in data.dossiers
               if any(k.casefold() == wanted for k in (d.title, *d.aliases))]
    # Then a word a person would type for it: a tag, or a word of its title or an alias
    # (`iran` finds the Iran nuclear deal, not ITER, which is only spelled alike).
    by_word = [d for d in data.dossiers
               if wanted in {t.casefold() for t in d.tags}
               or any(wanted in _words(k) for k in (d.title, *d.aliases))]
    for found in (by_id, by_name, by_word):
        if len(found) == 1:
            return found[0]
        if found:
            raise _ambiguous(option, dossier_id, "dossier", [d.id for d in found])
    keys = [(k, d.id) for d in data.dossiers for k in (d.id, d.title, *d.aliases)]
    if option is not None:
        hint = _hint(suggest_by(dossier_id, keys))
        raise UsageError(f"{option}: no dossier with id {dossier_id!r}{hint}")
    hint = _hint(suggest_by(dossier_id, keys), "; `compartment list` shows the ids")
    raise CompartmentError(f"no dossier with id {dossier_id!r}{hint}")


def _words(text: str) -> set[str]:
    """The words of a title or alias, in lower case: letters and digits, hyphens kept."""
    return set(re.findall(r"[\w-]+", text.casefold()))


def _initials(name: str) -> str:
    """`United States` -> `us`: how a person abbreviates a name (`usa` is then close)."""
    return "".join(word[0] for word in name.split() if word[:1].isupper()).casefold()


def _actor_matches(data: Dataset, value: str, blocs: bool) -> list[str]:
    """The actor ids (or bloc) that `value` names: itself, else its id or bloc in any case,
    else the actors whose name it is, in any case."""
    if value in data.actors or (blocs and value in BLOCS):
        return [value]
    wanted = value.casefold().strip()
    ids = [a for a in data.actors if a.casefold() == wanted]
    ids += [b for b in BLOCS if blocs and b.casefold() == wanted and b not in ids]
    if ids:
        return ids
    return [a.id for a in data.actors.values() if a.name.casefold() == wanted]


def resolve_actor(data: Dataset, value: str, *, blocs: bool = True) -> str | None:
    """The one actor id or bloc that `value` names (see _actor_matches); None if not one."""
    found = _actor_matches(data, value, blocs)
    return found[0] if len(found) == 1 else None


def check_actors(
    data: Dataset, option: str, values: Sequence[str], *, blocs: bool = True
) -> list[str]:
    """`values` as actor ids (or blocs, with `blocs`): each may be an id in any case or an
    actor's name. A UsageError names the first that is none, suggesting ids close to it or
    to an actor's name or initials, or the first that names several."""
    out = []
    what = "actor or bloc" if blocs else "actor"
    for value in values:
        found = _actor_matches(data, value, blocs)
        if len(found) > 1:
            raise _ambiguous(option, value, "actor", found)
        if not found:
            keys = [(k, a.id) for a in data.actors.values()
                    for k in (a.id, a.name, _initials(a.name)) if k]
            keys += [(b, b) for b in (BLOCS if blocs else ())]
            hint = _hint(suggest_by(value, keys))
            raise UsageError(f"{option}: unknown {what} {value!r}{hint}")
        out.append(found[0])
    return out


def tags(data: Dataset) -> list[str]:
    """Every tag in the data, in order of first use."""
    return list(dict.fromkeys(t for d in data.dossiers for t in d.tags))


def check_tags(data: Dataset, values: Sequence[str]) -> list[str]:
    """`values` as the data's tags (case ignored); a UsageError names the first no dossier
    carries, with the closest tags: a typo should not look like an empty result."""
    known = {t.casefold(): t for t in tags(data)}
    out = []
    for value in values:
        tag = known.get(value.casefold().strip())
        if tag is None:
            hint = did_you_mean(value, list(known.values()))
            raise UsageError(f"--tag: no dossier has the tag {value!r}{hint}")
        out.append(tag)
    return out
