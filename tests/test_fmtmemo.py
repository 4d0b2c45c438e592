"""fmt --check's memo (fmtmemo.py): after a True verdict, the next check judges only the
dossiers whose text it has not seen, and must say what the whole-file check says."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from compartment.data import loader
from compartment.edit import fmt, fmtcheck
from compartment.store import fmtmemo, segments
from test_splice import ledgers

DATA = Path(__file__).resolve().parent.parent / "data" / "issues.yaml"


@contextmanager
def ledger_file(text: str) -> Iterator[Path]:
    """`text` in a data file of its own, with a cache folder of its own."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "issues.yaml"
        path.write_text(text, encoding="utf-8")
        with mock.patch.dict(os.environ, {"COMPARTMENT_CACHE_DIR": str(Path(folder) / "c")}):
            yield path


def verdict(text: str, path: Path) -> bool | None:
    """fmtmemo's verdict on `text` as the file at `path`; None if `text` has errors."""
    path.write_text(text, encoding="utf-8")
    result = loader.load_text(text, str(path))
    if result.dataset is None or result.errors:
        return None
    return fmtmemo.is_canonical(text, path, result.dataset)


def items(text: str) -> tuple[str, list[str], str]:
    raw = text.encode()
    found = segments.split(raw)
    assert found is not None and found.indent == fmtmemo.CANONICAL_INDENT
    pieces = [raw[a:b].decode() for a, b in map(found.span, range(len(found.starts)))]
    return raw[: found.starts[0]].decode(), pieces, raw[found.end :].decode()


def mutate(text: str, data: st.DataObject) -> str:
    """One change that may or may not leave the layout canonical."""
    head, pieces, tail = items(text)
    kind = data.draw(st.sampled_from(
        ["blank", "space", "quote", "swap-lines", "swap-items", "middle-last", "no-blank",
         "word", "two-spaces", "head", "tail", "drop-last"]
    ))  # fmt: skip
    event(kind)
    if kind in ("head", "tail"):  # a trailing space, or a blank line, outside the dossiers
        lines = (head if kind == "head" else tail).split("\n")
        at = data.draw(st.integers(0, len(lines) - 2))
        lines[at] = lines[at] + " " if data.draw(st.booleans()) else "\n" + lines[at]
        head, tail = ("\n".join(lines), tail) if kind == "head" else (head, "\n".join(lines))
    elif kind == "swap-items" and len(pieces) > 1:
        i = data.draw(st.integers(0, len(pieces) - 2))
        pieces[i], pieces[i + 1] = pieces[i + 1], pieces[i]
    elif kind == "middle-last" and len(pieces) > 1:  # a text with its blank line goes last
        pieces.append(pieces.pop(data.draw(st.integers(0, len(pieces) - 2))))
    elif kind == "drop-last" and len(pieces) > 1:
        pieces.pop()
    elif kind == "no-blank":
        pieces = [p.rstrip("\n") + "\n" for p in pieces]
    else:
        i = data.draw(st.integers(0, len(pieces) - 1))
        lines = pieces[i].split("\n")
        at = data.draw(st.integers(0, len(lines) - 2))
        line = lines[at]
        if kind == "blank":
            lines.insert(at, "")
        elif kind == "space":
            lines[at] = line + " "
        elif kind == "quote" and ": " in line:
            key, _, value = line.partition(": ")
            lines[at] = f"{key}: '{value}'" if "'" not in value else line
        elif kind == "two-spaces":
            lines[at] = line.replace(": ", ":  ", 1)
        elif kind == "swap-lines" and at + 1 < len(lines) - 1:
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif kind == "word":
            lines[at] = line.replace("a", "b", 1)
        pieces[i] = "\n".join(lines)
    return head + "".join(pieces) + tail


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(), st.data())
def test_the_memo_verdict_equals_the_whole_file_verdict(raw: dict, data: st.DataObject) -> None:
    assume(len(raw["dossiers"]) > 1)
    text = fmt.canonical(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    if data.draw(st.booleans()):  # one blank line between dossiers, as the shipped file has
        head, pieces, tail = items(text)
        text = head + "\n".join(p.rstrip("\n") + "\n" for p in pieces) + tail
    with ledger_file(text) as path:
        first = verdict(text, path)
        assume(first)  # a clean, canonical ledger (the generator's order may be wrong)
        assert fmtmemo.read(path) is not None
        for _ in range(data.draw(st.integers(1, 3))):
            changed = mutate(text, data)
            quick = verdict(changed, path)
            if quick is None:
                continue
            event(f"memo verdict {quick}")
            assert quick == fmtcheck.is_canonical(changed)
            if quick:
                text = changed


def test_a_known_file_is_judged_without_the_whole_file_check(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8")
    with ledger_file(text) as path:
        assert verdict(text, path) is True
        whole = fmtcheck.is_canonical
        seen: list[int] = []

        def counted(small: str) -> bool:
            seen.append(small.count("\n  - id: "))
            return whole(small)

        with mock.patch.object(fmtcheck, "is_canonical", side_effect=AssertionError):
            assert verdict(text, path) is True  # every piece known: the order only
        one = text.replace("Moscow Treaty (SORT)", "Moscow  Treaty (SORT)", 1)  # still canonical
        assert one != text
        with mock.patch.object(fmtcheck, "is_canonical", side_effect=counted):
            assert verdict(one, path) is True
        assert seen == [2]  # the changed dossier and the last one, not all 51


def test_an_order_change_is_seen_without_reading_the_pieces() -> None:
    text = DATA.read_text(encoding="utf-8")
    with ledger_file(text) as path:
        assert verdict(text, path) is True
        head, pieces, tail = items(text)
        pieces[0], pieces[1] = pieces[1], pieces[0]
        swapped = head + "".join(pieces) + tail
        with mock.patch.object(fmtcheck, "is_canonical", side_effect=AssertionError):
            assert verdict(swapped, path) is False


def test_the_last_item_is_judged_in_its_place() -> None:
    """A text known in the middle (with its blank line) is not canonical last."""
    head, pieces, tail = items(DATA.read_text(encoding="utf-8"))
    text = head + "\n".join(p.rstrip("\n") + "\n" for p in pieces) + tail  # one blank line
    with ledger_file(text) as path:
        assert verdict(text, path) is True
        head, pieces, tail = items(text)
        shorter = head + "".join(pieces[:-1]) + tail  # the one before the last is now last
        assert fmtcheck.is_canonical(shorter) is False
        assert verdict(shorter, path) is False


@pytest.mark.parametrize("damage", ["truncate", "flip", "version", "symlink"])
def test_a_damaged_memo_is_no_memo(damage: str) -> None:
    text = DATA.read_text(encoding="utf-8")
    with ledger_file(text) as path:
        assert verdict(text, path) is True
        memo = fmtmemo.memo_path(path)
        blob = memo.read_bytes()
        if damage == "truncate":
            memo.write_bytes(blob[:-5])
        elif damage == "flip":
            memo.write_bytes(blob[:-3] + bytes([blob[-3] ^ 1]) + blob[-2:])
        elif damage == "version":
            with mock.patch("compartment.__version__", "0.0.0-other"):
                assert fmtmemo.read(path) is None
            return
        else:
            target = memo.with_name("elsewhere")
            memo.rename(target)
            memo.symlink_to(target)
        assert fmtmemo.read(path) is None


def test_only_a_data_file_gets_a_memo(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8")
    data = loader.load_text(text, "ours:issues.yaml").dataset
    assert data is not None
    with mock.patch.dict(os.environ, {"COMPARTMENT_CACHE_DIR": str(tmp_path / "c")}):
        assert fmtmemo.is_canonical(text, Path("ours:issues.yaml"), data) is True
    assert not (tmp_path / "c").exists()
