"""segments.walk: after a change, the split and the digests found from the earlier index by
hashing unchanged runs of dossiers must be those of splitting and hashing the whole file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compartment.store import segments
from test_incremental import GENERATED, changed
from test_splice import texts


@pytest.fixture(autouse=True)
def small_groups() -> Iterator[None]:
    """Groups of two dossiers, so that small ledgers have several."""
    before, segments.GROUP = segments.GROUP, 2
    yield
    segments.GROUP = before


def whole(raw: bytes) -> tuple[segments.Split, list[bytes]] | None:
    found = segments.split(raw)
    if found is None:
        return None
    bounds = (*found.starts, found.end)
    return found, [segments.digest(raw[bounds[i] : bounds[i + 1]]) for i in range(len(bounds) - 1)]


def index_of(raw: bytes) -> segments.Segments:
    found = segments.split(raw)
    assert found is not None
    return segments.index(raw, found)


@pytest.mark.slow  # about 5 s: run by CI with -m slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_walking_equals_splitting_the_whole_file(data: st.DataObject) -> None:
    before = data.draw(st.just(GENERATED) | texts())
    if segments.split(before.encode()) is None:
        return
    index = index_of(before.encode())
    after = before
    for _ in range(data.draw(st.integers(1, 2))):
        after = data.draw(changed(after))
    raw = after.encode()
    walked = segments.walk(raw, index)
    expected = whole(raw)
    head_and_tail_kept = expected is not None and (
        raw[: index.head_size] == before.encode()[: index.head_size]
        and raw[len(raw) - index.tail_size :] == before.encode()[len(before) - index.tail_size :]
        and expected[0].starts[0] == index.head_size
    )
    if walked is None:
        assert not head_and_tail_kept
        return
    assert expected is not None
    assert (walked.found, walked.digests) == expected
    # The index it gives the new text is a full split's, but for the groups, which need
    # only cover the items, each with the digest of their text.
    new = segments.indexed(raw, walked, index, "", ())
    assert new._replace(groups=()) == index_of(raw)._replace(groups=())
    bounds, k = (*walked.found.starts, walked.found.end), 0
    for n, wanted in new.groups:
        assert n >= 1 and segments.group_digest(raw[bounds[k] : bounds[k + n]]) == wanted
        k += n
    assert k == len(walked.found.starts)


def test_an_event_appended_to_the_last_dossier_of_a_group_is_found() -> None:
    raw = GENERATED.encode()
    index = index_of(raw)
    found = segments.split(raw)
    assert found is not None and len(found.starts) >= 4
    # The second dossier ends the first group of two: a line added at its end lies after the
    # group's unchanged text, and must join that dossier, not start a run of its own.
    at = found.starts[2]
    raw2 = raw[:at] + b"    tags: [added]\n" + raw[at:]
    walked = segments.walk(raw2, index)
    assert walked is not None and (walked.found, walked.digests) == whole(raw2)
    assert walked.fresh == range(0, 2)  # the first group split again, no more


def test_an_unchanged_file_hashes_no_dossier_alone() -> None:
    raw = GENERATED.encode()
    walked = segments.walk(raw, index_of(raw))
    assert walked is not None and walked.fresh == range(0, 0)
    assert (walked.found, walked.digests) == whole(raw)


def test_one_changed_dossier_is_split_with_its_group_only() -> None:
    raw = GENERATED.encode()
    found = segments.split(raw)
    assert found is not None
    at = raw.index(b"summary:", found.starts[5])
    raw2 = raw[:at] + b"summary: Changed. " + raw[at + len(b"summary: ") :]
    walked = segments.walk(raw2, index_of(raw))
    assert walked is not None and walked.fresh == range(4, 6)
    assert (walked.found, walked.digests) == whole(raw2)
