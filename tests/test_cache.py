"""The content-keyed cache: a warm load equals a cold one, and any doubt means a cold load."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import compartment
from compartment.data import dates
from compartment.data.vocab import BLOCS, DOMAINS, STATUSES
from compartment.store import cache, datafile
from compartment.store.datafile import load

SAMPLE = Path(__file__).parent / "sample.yaml"


@pytest.fixture
def data(tmp_path: Path, sample: Path) -> Path:
    path = tmp_path / "issues.yaml"
    path.write_bytes(sample.read_bytes())
    return path


def entries() -> list[Path]:
    return sorted(cache.cache_dir().glob(f"*{cache.SUFFIX}"))


def header(entry: Path) -> cache.Header:
    blob = entry.read_bytes()
    size = int.from_bytes(blob[:4], "big")
    return msgspec.msgpack.decode(blob[4 : 4 + size], type=cache.Header)


def rewrite(entry: Path, new_header: cache.Header, payload: object | None = None,
            secret: bytes | None = None) -> None:
    """Replace an entry's header (and, if given, its payload) as another run of compartment
    could have, with the user's cache key; or, given another `secret`, as a forger who knows
    the format and computes lengths and MACs but has not the key."""
    blob = entry.read_bytes()
    size = int.from_bytes(blob[:4], "big")
    body = blob[4 + size :] if payload is None else msgspec.msgpack.encode(payload)
    new_header = new_header._replace(length=len(body))
    key = cache.cache_key(create=False) if secret is None else secret
    head = msgspec.msgpack.encode(new_header._replace(mac=cache.mac(key, new_header, body)))
    entry.write_bytes(len(head).to_bytes(4, "big") + head + body)


def read(data: Path) -> object:
    return cache.read(data, data.read_bytes(), "x")


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
    assert warm.problems[0].location.path == ("actors", "lonely")


def test_content_change_with_same_mtime_and_size(data: Path) -> None:
    """The content is hashed on every read: a write that keeps the file's size and times
    (two writes through a memory map to one page keep even the change time) is seen."""
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


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: b"{not a cache",
        lambda blob: b"",
        lambda blob: blob[: len(blob) // 2],  # cut off while written by hand
        lambda blob: blob[:4] + b"\xc1" + blob[5:],  # a byte MessagePack never uses
        lambda blob: (10**6).to_bytes(4, "big") + blob[4:],  # an absurd header length
        lambda blob: blob[:-40] + bytes(40),
    ],
    ids=["garbage", "empty", "truncated", "bad-header", "header-length", "zeroed-tail"],
)
def test_corrupt_cache_is_ignored_and_rewritten(data: Path, damage: Callable[[bytes], bytes]) -> None:
    cold = load(data)
    (entry,) = entries()
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    again = load(data)
    assert again.dataset == cold.dataset
    assert again.problems == cold.problems
    assert header(entry).format == cache.FORMAT
    assert load(data).dataset == cold.dataset


def test_cache_of_another_version_is_ignored(data: Path) -> None:
    load(data)
    (entry,) = entries()
    stale = cache.Payload((), (), (), ())  # what a stale cache would wrongly serve
    rewrite(entry, header(entry)._replace(version="0.0.0-other"), stale)
    assert len(load(data).dataset.dossiers) == 2
    assert header(entry).version == compartment.__version__


def test_cache_of_another_format_is_ignored(data: Path) -> None:
    load(data)
    (entry,) = entries()
    rewrite(entry, header(entry)._replace(format=cache.FORMAT - 1), cache.Payload((), (), (), ()))
    assert len(load(data).dataset.dossiers) == 2


def test_entry_for_other_content_is_ignored(data: Path, tmp_path: Path) -> None:
    """An entry whose key is another content's digest is a miss."""
    load(data)
    (entry,) = entries()
    rewrite(entry, header(entry)._replace(key=cache.digest(b"other")),
            cache.Payload((), (), (), ()))
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


def run_main(cache_dir: Path, args: list[str], report: str) -> subprocess.CompletedProcess[str]:
    """The console script in a fresh interpreter, then `report` (a print to stderr)."""
    env = {**os.environ, "COMPARTMENT_CACHE_DIR": str(cache_dir), "NO_COLOR": "1"}
    code = (
        f"import gc, sys; from compartment.cli import main; sys.argv = ['compartment', *{args!r}]\n"
        f"try:\n    main()\nexcept SystemExit:\n    pass\n{report}"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)


@pytest.mark.parametrize("command", [["list", "--status", "suspended"], ["show", "NRC"]])
def test_warm_run_imports_neither_yaml_nor_pydantic(
    data: Path, tmp_path: Path, command: list[str]
) -> None:
    args = ["--data", str(data), *command]
    report = "print('LOADED', 'yaml' in sys.modules, 'pydantic' in sys.modules, file=sys.stderr)"
    first = run_main(tmp_path / "c", args, report)
    assert "LOADED True True" in first.stderr  # cold: parsed and validated
    second = run_main(tmp_path / "c", args, report)
    assert "LOADED False False" in second.stderr, second.stderr
    assert first.stdout == second.stdout


def test_records_and_models_have_the_same_fields() -> None:
    """dataset.py's records and models.py's validators describe one contract."""
    from compartment.data.dataset import Actor, Dossier, Event
    from compartment.data.models import ActorModel, DossierModel, EventModel

    assert set(Event._fields) == set(EventModel.model_fields)
    assert set(Dossier._fields) == set(DossierModel.model_fields)
    assert set(Actor._fields) - {"id"} == set(ActorModel.model_fields)


def test_the_digest_is_of_the_content() -> None:
    assert cache.digest(b"a") != cache.digest(b"b")
    assert cache.digest(b"x" * (2 << 20)) == cache.digest(b"x" * (2 << 20))


def test_a_file_changed_while_loading_is_cached_under_what_was_loaded(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry's key is the digest of the very bytes the dataset came from."""
    load(data)
    (entry,) = entries()
    original = data.read_text()
    data.write_text(original.replace("New START", "Second text", 1))  # a miss: hashed, then read
    third = original.replace("New START", "Third text", 1)
    real = datafile.read_bytes
    calls = []

    def read_then_edit(*args: object, **kwargs: object) -> bytes:
        raw = real(*args, **kwargs)
        if not calls:  # someone saves the file between the hash and the cold load
            data.write_text(third)
        calls.append(raw)
        return raw

    monkeypatch.setattr(datafile, "read_bytes", read_then_edit)
    result = load(data)
    # A miss loads the very bytes it hashed (read once): the entry describes them, not what
    # the file holds now, and the next load misses and loads the third text.
    assert len(calls) == 1 and calls[0] == original.replace("New START", "Second text", 1).encode()
    assert result.dataset.get("new-start").title == "Second text"
    assert header(entry).key == cache.digest(calls[0])
    monkeypatch.setattr(datafile, "read_bytes", real)
    assert load(data).dataset.get("new-start").title == "Third text"
    assert header(entry).key == cache.digest(third.encode())


def test_console_script_collects_garbage_again_after_loading(data: Path, tmp_path: Path) -> None:
    """main() pauses the collector for the load only: json's indenting encoder makes cyclic
    garbage on every call, and with the collector left off a 100k-row export grew by 128 MiB."""
    report = "print('GC', gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)"
    for _ in ("cold", "warm"):
        done = run_main(tmp_path / "c", ["--data", str(data), "list", "-f", "json"], report)
        assert "GC True True" in done.stderr, done.stderr


# -- an entry is only ever a regular file of ours, of bounded size, with valid content ------


def miss_then_rewritten(data: Path, entry: Path) -> None:
    """The load is right, and the entry is a good regular file again afterwards."""
    fresh = load(data, use_cache=False)
    assert load(data).dataset == fresh.dataset
    assert entry.is_file() and not entry.is_symlink()
    assert header(entry).format == cache.FORMAT
    assert read(data) is not None


def load_in_a_child(data: Path, cache_dir: Path) -> subprocess.CompletedProcess[str]:
    """Load in a fresh interpreter with a timeout and 1 GiB of address space: a hang or a
    runaway read fails the test instead of the machine."""
    code = (
        "import resource, sys; from pathlib import Path\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from compartment.store.datafile import load\n"
        "print(len(load(Path(sys.argv[1])).dataset.dossiers))\n"
    )
    env = {**os.environ, "COMPARTMENT_CACHE_DIR": str(cache_dir)}
    return subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True,
                          text=True, env=env, timeout=60, check=True)  # fmt: skip


posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and O_NOFOLLOW")


@posix_only
def test_an_entry_that_is_a_fifo_does_not_hang(data: Path) -> None:
    load(data)
    (entry,) = entries()
    entry.unlink()
    os.mkfifo(entry)
    done = load_in_a_child(data, cache.cache_dir())  # before: blocked in open() for ever
    assert done.stdout == "2\n"
    miss_then_rewritten(data, entry)


@posix_only
def test_an_entry_linked_to_dev_zero_is_refused(data: Path) -> None:
    load(data)
    (entry,) = entries()
    entry.unlink()
    entry.symlink_to("/dev/zero")
    done = load_in_a_child(data, cache.cache_dir())  # before: read until memory ran out
    assert done.stdout == "2\n"
    assert not entry.is_symlink()  # replaced by a file; /dev/zero itself is untouched
    miss_then_rewritten(data, entry)


@posix_only
def test_an_entry_that_is_a_symlink_is_refused(data: Path, tmp_path: Path) -> None:
    """Even a symlink to a valid entry: the cache never follows one."""
    load(data)
    (entry,) = entries()
    elsewhere = tmp_path / "valid-entry"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert read(data) is None
    entry.unlink()
    entry.write_bytes(elsewhere.read_bytes())  # the same bytes as a regular file: a hit
    assert read(data) is not None


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod needs root")
def test_an_entry_that_is_a_device_node_is_refused(data: Path) -> None:
    """A hard link or a node made in the folder is no symlink: fstat catches it."""
    import stat

    load(data)
    (entry,) = entries()
    entry.unlink()
    os.mknod(entry, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # a /dev/zero of our own
    done = load_in_a_child(data, cache.cache_dir())
    assert done.stdout == "2\n"
    miss_then_rewritten(data, entry)


def test_an_entry_larger_than_the_data_could_produce_is_refused(data: Path) -> None:
    load(data)
    (entry,) = entries()
    good = entry.read_bytes()
    limit = cache.size_limit(data.stat().st_size)
    entry.write_bytes(good + bytes(limit - len(good) + 1))  # never read, however long
    assert read(data) is None
    entry.write_bytes(good + b"\0")  # within the limit, but not the body the header describes
    assert read(data) is None
    miss_then_rewritten(data, entry)


def test_the_size_limit_holds_for_the_worst_growth(tmp_path: Path) -> None:
    """The most an entry grows against its file: unused actors with the longest ids, each a
    warning that repeats the id, in YAML's shortest form. SIZE_FACTOR is chosen above it."""
    long_id = lambda n: f"a{n:05d}-" + "x" * 73  # noqa: E731  (80 characters, the maximum)
    actors = ",".join(f"{long_id(n)}: {{name: x, bloc: west}}" for n in range(2000))
    text = (
        f"actors: {{{actors}, r: {{name: R, bloc: russia}}}}\n"
        "dossiers: [{id: d, title: T, domain: arctic, parties: [r], status: active,"
        " broken_off_by: null, summary: S, events: [{date: '2000', actor: r, action: a,"
        " status: active, summary: s, sources: [u]}]}]\n"
    )
    path = tmp_path / "grow.yaml"
    path.write_text(text, encoding="utf-8")
    result = load(path)
    assert not result.errors and len(result.warnings) == 2000
    (entry,) = entries()
    ratio = entry.stat().st_size / path.stat().st_size
    assert 3 < ratio < cache.SIZE_FACTOR  # measured 3.9: the factor of 8 leaves room
    assert load(path).warnings == result.warnings  # and it is a hit
    assert read(path)


# Forged or damaged entries: the read is either exactly the fresh load's or a miss.


def _forgeries(fresh: cache.Payload) -> dict[str, Callable[[st.DataObject], cache.Payload]]:
    d0, d1 = fresh.dossiers[0], fresh.dossiers[1]

    def event(data: st.DataObject, **change: object) -> cache.Payload:
        i = data.draw(st.integers(0, len(fresh.dossiers) - 1))
        d = fresh.dossiers[i]
        k = data.draw(st.integers(0, len(d.events) - 1))
        events = (*d.events[:k], d.events[k]._replace(**change), *d.events[k + 1 :])
        return dossier(i, events=events)

    def dossier(i: int, **change: object) -> cache.Payload:
        ds = list(fresh.dossiers)
        ds[i] = ds[i]._replace(**change)
        return fresh._replace(dossiers=tuple(ds))

    not_status = st.text(max_size=10).filter(lambda t: t not in STATUSES)
    not_date = st.text(max_size=12).filter(lambda t: dates.check(t) is not None)
    not_actor = st.text(max_size=10).filter(lambda t: t not in {a.id for a in fresh.actors})
    return {
        "unknown dossier status": lambda data: dossier(0, status=data.draw(not_status)),
        "unknown event status": lambda data: event(data, status=data.draw(not_status)),
        "unknown domain": lambda data: dossier(1, domain=data.draw(
            st.text(max_size=10).filter(lambda t: t not in DOMAINS))),
        "not a date": lambda data: event(data, date=data.draw(not_date)),
        "unknown event actor": lambda data: event(data, actor=data.draw(not_actor)),
        "unknown party": lambda data: dossier(0, parties=(data.draw(not_actor),)),
        "duplicate id": lambda data: dossier(1, id=d0.id),
        "no events": lambda data: dossier(data.draw(st.integers(0, 1)), events=()),
        "status not derived": lambda data: dossier(0, status=data.draw(
            st.sampled_from([s for s in STATUSES if s != d0.status]))),
        "breaker not derived": lambda data: dossier(1, broken_off_by=data.draw(
            st.sampled_from([a.id for a in fresh.actors if a.id != d1.broken_off_by]))),
        "duplicate actor": lambda data: fresh._replace(actors=(*fresh.actors, fresh.actors[0])),
        "unknown bloc": lambda data: fresh._replace(actors=(
            fresh.actors[0]._replace(bloc=data.draw(st.text(max_size=8).filter(
                lambda t: t not in BLOCS))), *fresh.actors[1:])),
    }


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_forged_and_damaged_entries_are_exact_or_a_miss(data: st.DataObject, tmp_path: Path) -> None:
    path = tmp_path / "forge" / "issues.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(SAMPLE.read_bytes())
    cold = load(path, use_cache=False)
    entry = cache.entry_path(path)
    entry.unlink(missing_ok=True)
    assert load(path).dataset == cold.dataset
    good = entry.read_bytes()
    blob = entry.read_bytes()
    fresh = msgspec.msgpack.decode(blob[4 + int.from_bytes(blob[:4], "big"):], type=cache.Payload)
    forgeries = _forgeries(fresh)
    kind = data.draw(st.sampled_from(["truncated", "bit flip", "bytes", *forgeries]))
    if kind == "truncated":
        entry.write_bytes(good[: data.draw(st.integers(0, len(good) - 1))])
    elif kind == "bit flip":
        blob = bytearray(good)
        for bit in data.draw(st.lists(st.integers(0, len(good) * 8 - 1), min_size=1, max_size=3)):
            blob[bit // 8] ^= 1 << (bit % 8)
        entry.write_bytes(bytes(blob))
    elif kind == "bytes":
        at = data.draw(st.integers(0, len(good) - 1))
        entry.write_bytes(good[:at] + data.draw(st.binary(min_size=1, max_size=16)) + good[at + 1 :])
    else:
        rewrite(entry, header(entry), forgeries[kind](data), secret=data.draw(
            st.binary(min_size=cache.KEY_SIZE, max_size=cache.KEY_SIZE)))
    hit = cache.read(path, path.read_bytes(), str(path))
    if hit is not None:  # only ever the truth
        assert hit[0] == cold.dataset and hit[1] == cold.warnings, kind
    again = load(path)  # and a command gets the fresh answer, never an error
    assert again.dataset == cold.dataset and again.problems == cold.problems
    if kind in forgeries or kind == "truncated":
        assert hit is None, kind


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_an_entry_another_user_owns_is_ignored(data: Path) -> None:
    """Whoever shares a cache folder could write an entry that says anything: only one of
    this user's own is read (the file is hashed and checked like any other)."""
    cold = load(data)
    (entry,) = entries()
    os.chown(entry, 12345, 12345)
    assert read(data) is None
    assert load(data).dataset == cold.dataset  # a miss: loaded afresh and stored again as ours
    assert entry.stat().st_uid == os.getuid()
    assert read(data) is not None


def test_an_edit_leaves_the_next_command_warm(run, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit stores the load of what it wrote: the next command reads the entry."""
    run("--data", str(data), "event", "add", "new-start", "--date", "2026-03-01", "--actor",
        "russia", "--action", "said so", "--summary", "Said so.", "--source", "https://tass.com/x")
    from compartment.data import loader

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(loader, "load_bytes", refuse)
    shown = run("--data", str(data), "show", "new-start").stdout
    assert "said so" in shown


def test_what_an_edit_stores_is_what_a_cold_load_of_its_file_gives(run, data: Path) -> None:
    """The dataset an edit stores for the next command must be the file's, order included
    (a new dossier goes where the canonical order puts it, an actor where the sorted
    registry does)."""
    base = ["--data", str(data)]
    run(*base, "actor", "add", "aaa", "--name", "A", "--bloc", "west")
    run(*base, "dossier", "add", "aaa-first", "--title", "First", "--domain", "arms-control",
        "--party", "aaa", "--summary", "S.", "--date", "2001", "--actor", "russia",
        "--action", "began", "--event-summary", "Began.", "--source", "https://tass.com/x",
        "--status", "active")
    run(*base, "dossier", "set", "new-start", "domain", "science")  # moves it last
    warm, cold = load(data), load(data, use_cache=False)
    assert [d.id for d in warm.dataset.dossiers] == [d.id for d in cold.dataset.dossiers]
    assert list(warm.dataset.actors) == list(cold.dataset.actors)
    assert warm.dataset == cold.dataset and warm.problems == cold.problems


def test_a_genuine_body_under_another_files_digest_is_a_miss(data: Path) -> None:
    assert load(data).dataset is not None
    (entry,) = entries()
    # The body of one ledger offered as another's: only the MAC, which covers the key, says.
    entry_header = header(entry)
    blob = entry.read_bytes()
    forged = msgspec.msgpack.encode(entry_header._replace(key=cache.digest(b"other content\n")))
    entry.write_bytes(len(forged).to_bytes(4, "big") + forged + blob[4 + int.from_bytes(blob[:4], "big"):])
    assert cache.read(data, b"other content\n", "x") is None


@pytest.mark.parametrize("spoil", ["readable by others", "cut short", "a symlink", "absent"])
def test_without_a_sound_cache_key_nothing_is_read_or_written(
    data: Path, tmp_path: Path, spoil: str
) -> None:
    assert load(data).dataset is not None and read(data)
    key = cache.cache_dir() / cache.KEY_NAME
    if spoil == "readable by others":
        key.chmod(0o644)
    elif spoil == "cut short":
        key.write_bytes(key.read_bytes()[:-1])
    elif spoil == "a symlink":
        (tmp_path / "elsewhere").write_bytes(key.read_bytes())
        (tmp_path / "elsewhere").chmod(0o600)
        key.unlink()
        key.symlink_to(tmp_path / "elsewhere")
    else:
        key.unlink()
        assert read(data) is None  # the entries of the lost key are misses
        assert load(data).dataset is not None and read(data)  # a new key, a new entry
        return
    assert read(data) is None
    (entry,) = entries()
    entry.unlink()
    assert load(data).dataset is not None  # a cold load, and no entry written
    assert entries() == []
