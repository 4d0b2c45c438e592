"""The benchmark's data generator writes data that passes `validate --strict`, deterministically."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from compartment.store.datafile import load

GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compartment_bench_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_data_has_no_problems(generate: ModuleType, tmp_path: Path) -> None:
    path = generate.ensure(20, path=tmp_path / "dossiers-20.yaml")
    result = load(path, use_cache=False)
    assert [str(p) for p in result.problems] == []  # no errors, and no warnings (--strict)
    data = result.dataset
    assert data is not None and len(data.dossiers) == 20
    assert all(3 <= len(d.events) <= 10 for d in data.dossiers)
    assert all(1 <= len(e.sources) <= 3 for d in data.dossiers for e in d.events)
    assert len({d.status for d in data.dossiers}) >= 4
    assert len({a.bloc for a in data.actors.values()}) == 4


def test_same_n_gives_the_same_bytes(generate: ModuleType, tmp_path: Path) -> None:
    first = generate.ensure(20, path=tmp_path / "a.yaml")
    second = generate.ensure(20, path=tmp_path / "b.yaml")
    assert first.read_bytes() == second.read_bytes()


def test_existing_file_is_kept_unless_forced(generate: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "dossiers-5.yaml"
    path.write_text("kept\n")
    generate.ensure(5, path=path)
    assert path.read_text() == "kept\n"
    generate.ensure(5, path=path, force=True)
    assert load(path, use_cache=False).problems == []


def test_rec_and_journal_hold_the_same_records(generate: ModuleType, tmp_path: Path) -> None:
    data = load(generate.ensure(20, path=tmp_path / "d.yaml"), use_cache=False).dataset
    assert data is not None
    rec = generate.ensure(20, "rec", tmp_path / "d.rec").read_text(encoding="utf-8")
    journal = generate.ensure(20, "journal", tmp_path / "d.journal").read_text(encoding="utf-8")
    dossier_part, event_part = rec.split("\n%rec: Event\n")
    suspended = sorted(d.id for d in data.dossiers if d.status == "suspended")
    ids = [line[4:] for line in dossier_part.splitlines() if line.startswith("id: ")]
    statuses = [line[8:] for line in dossier_part.splitlines() if line.startswith("status: ")]
    assert ids == [d.id for d in data.dossiers]
    assert sorted(i for i, s in zip(ids, statuses, strict=False) if s == "suspended") == suspended
    events = sum(len(d.events) for d in data.dossiers)
    assert event_part.count("\ndossier: ") == events
    assert journal.count("\n    dossiers:") == events
