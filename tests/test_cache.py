"""The content-keyed cache: a warm load equals a cold one, and any doubt means a cold load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compartment import cache
from compartment.loader import load


@pytest.fixture
def data(tmp_path: Path, sample: Path) -> Path:
    path = tmp_path / "issues.yaml"
    path.write_bytes(sample.read_bytes())
    return path


def entries() -> list[Path]:
    return sorted(cache.cache_dir().glob("*.json"))


def test_cold_then_warm_gives_the_same_dataset(data: Path) -> None:
    cold = load(data)
    assert len(entries()) == 1
    warm = load(data)
    assert warm.dataset == cold.dataset
    assert warm.problems == cold.problems


def test_warnings_survive_the_cache(data: Path) -> None:
    text = data.read_text().replace("actors:\n", "actors:\n  lonely:\n    name: Nobody\n    bloc: west\n", 1)
    data.write_text(text)
    cold = load(data, display="x.yaml")
    warm = load(data, display="x.yaml")
    assert [str(p) for p in warm.problems] == [str(p) for p in cold.problems]
    assert [str(p) for p in warm.problems] == ["x.yaml:3:3: actors.lonely: warning: actor 'lonely' is not used by any dossier"]


def test_content_change_with_same_mtime_and_size(data: Path) -> None:
    load(data)
    before = data.stat()
    text = data.read_text()
    changed = text.replace("expired", "exqired", 1)  # same size, different content
    assert len(changed) == len(text)
    data.write_text(changed)
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert data.stat().st_size == before.st_size and data.stat().st_mtime_ns == before.st_mtime_ns
    result = load(data)
    assert result.dataset is None
    assert any("exqired" in str(p) for p in result.errors)


def test_corrupt_cache_is_ignored_and_rewritten(data: Path) -> None:
    cold = load(data)
    (entry,) = entries()
    entry.write_text("{not json")
    assert load(data).dataset == cold.dataset
    assert json.loads(entry.read_text())["format"] == cache.FORMAT


def test_cache_of_another_version_is_ignored(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(data)
    (entry,) = entries()
    stored = json.loads(entry.read_text())
    stored["version"] = "0.0.0-other"
    stored["dossiers"] = []  # what a stale cache would wrongly serve
    entry.write_text(json.dumps(stored))
    assert len(load(data).dataset.dossiers) == 2


def test_errors_are_never_cached(data: Path) -> None:
    data.write_text(data.read_text().replace("status: expired\n", "status: nonsense\n", 1))
    assert load(data).errors
    assert entries() == []


def test_read_only_cache_directory_falls_back_silently(data: Path, tmp_path: Path, monkeypatch) -> None:
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o500)
    monkeypatch.setenv("COMPARTMENT_CACHE_DIR", str(locked / "sub"))
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a path under a file
            monkeypatch.setenv("COMPARTMENT_CACHE_DIR", str(data / "not-a-dir"))
        assert load(data).dataset is not None
        assert load(data).dataset is not None
    finally:
        locked.chmod(0o700)


def test_no_cache_option_neither_reads_nor_writes(run, data: Path) -> None:
    run("--data", str(data), "--no-cache", "list")
    assert entries() == []
    run("--data", str(data), "list")
    assert len(entries()) == 1


def test_cold_and_warm_output_identical(run, data: Path) -> None:
    for args in (["list"], ["show", "new-start"], ["export", "-f", "csv", "--events"], ["validate"]):
        cold = run("--data", str(data), "--no-cache", *args).stdout
        run("--data", str(data), *args)  # fills the cache
        warm = run("--data", str(data), *args).stdout
        assert warm == cold, args


def test_warm_run_imports_neither_yaml_nor_pydantic(data: Path, tmp_path: Path) -> None:
    env = {**os.environ, "COMPARTMENT_CACHE_DIR": str(tmp_path / "c"), "NO_COLOR": "1"}
    argv = [sys.executable, "-c", (
        "import sys; from compartment.cli import main; sys.argv = ['compartment', '--data', "
        f"{str(data)!r}, 'list', '--status', 'suspended']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', 'yaml' in sys.modules, 'pydantic' in sys.modules, file=sys.stderr)"
    )]
    first = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    assert "LOADED True True" in first.stderr  # cold: parsed and validated
    second = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    assert "LOADED False False" in second.stderr, second.stderr
    assert first.stdout == second.stdout


def test_records_and_models_have_the_same_fields() -> None:
    """dataset.py's records and models.py's validators describe one contract."""
    from compartment.dataset import Actor, Dossier, Event
    from compartment.models import ActorModel, DossierModel, EventModel

    assert set(Event._fields) == set(EventModel.model_fields)
    assert set(Dossier._fields) == set(DossierModel.model_fields)
    assert set(Actor._fields) - {"id"} == set(ActorModel.model_fields)


def test_digest_algorithm_follows_size() -> None:
    assert cache.digest(b"x" * 100).startswith("blake2b:")
    assert cache.digest(b"x" * (2 << 20)).startswith("sha256:")
    assert cache.digest(b"a") != cache.digest(b"b")
