"""Scale benchmark: compartment on 1k, 10k and 100k dossiers against the floor and other tools.

Run by hand (not part of the test suite), from an environment where compartment is
installed; the data files are generated on first use (benchmarks/generate.py) and reused:

    python benchmarks/scale.py                          # 1,000, 10,000 and 100,000 dossiers
    python benchmarks/scale.py --sizes 1000,10000       # skip 100k (its cold runs take minutes)
    python benchmarks/scale.py --sizes 10000 --runs 9

Runs default to 5 per measurement, 3 at 100k and above; --runs sets them all. Each line is the
median wall time of a fresh process, with the min-max, its ratio to the floor, and the peak
resident memory of the process (the largest over its runs, from wait4(2): the number GNU time
prints as %M).

The floor is what parsing the file costs at the least: `yaml.load(f, Loader=yaml.CSafeLoader)`
in a bare `python -c` with the collector paused (`gc.disable()`). "cold" runs pass --no-cache
(parse YAML, validate with pydantic, run the checks); "warm" runs read the content-keyed cache,
primed by untimed runs first, in a fresh $COMPARTMENT_CACHE_DIR; "warm, hashed" touches the
data file before each run, so that the cache is found by the file's digest, not its stamp.
For comparison, where installed: GNU recutils' `recsel` making the same selection over the
same records as a .rec file, and `hledger print` over the same events as a journal (one
transaction per event).

The reads of issue 19 (item 4), each also as a ratio to the cold validate of the same file
in the same run ("x validate"):

* "show ID (warm)": one dossier, the middle one of the file, from the warm cache.
* "list ..., first after one event added": a copy of the file, settled past the cache's racy
  window and primed by one untimed `validate` (so its entry carries the stamp a long-standing
  warm cache has), then one event appended to the middle dossier's events by a plain text
  edit written in place (as an editor or a merge would: not `event add`, which would
  refresh the cache itself), and the first `list` timed at once, the way a user runs it
  straight after the edit: the edited file is younger than the racy window.
* "list ..., first after git checkout": a throwaway repository under the temporary folder
  with two commits of the file, the second with the same one-event change; each run checks
  out the first, settles, primes with one `validate`, checks out the second and times the
  first `list` at once.

Each of those runs starts again from the primed previous version, so every timed run is the
first command after the change. With --rev REV, the package's sources at REV (`git archive`,
the checkout untouched) are run instead of the working tree, so a run is of one commit even
while the shared tree is being edited. --only runs the lines whose labels contain one of its
comma-separated parts (and the cold validate, which every ratio needs):

    python benchmarks/scale.py --sizes 10000 --only "first after,show" --rev HEAD
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # benchmarks/generate.py, next to this file

FLOOR_CODE = ("import gc, sys, yaml; gc.disable(); "
              "yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)")
FLOOR = "floor: CSafeLoader yaml.load, gc off"
LIST = ["list", "--status", "suspended"]
HASHED = "list --status suspended (warm, hashed)"
COLD = "validate (cold)"
WARM_LIST = "list --status suspended (warm)"
SHOW = "show ID (warm)"
AFTER_EDIT = "list ..., first after one event added"
AFTER_CHECKOUT = "list ..., first after git checkout"

SRC = Path(__file__).resolve().parents[1] / "src" / "compartment"

# The targets ("Speed at scale").
RATIO_TARGET = (10_000, 1.2)  # cold validate over the floor, at 10k
WARM_LIST_TARGETS = {10_000: 0.3, 100_000: 2.0}  # seconds
MEMORY_TARGET = (100_000, 1024)  # MiB, for every compartment command
# Issue 19's read targets: (line, size, seconds, peak MiB or None).
READ_TARGETS = (
    (WARM_LIST, 100_000, 0.3, 150),
    (WARM_LIST, 10_000, 0.15, None),
    (SHOW, 100_000, 0.2, None),
    (AFTER_EDIT, 100_000, 3.0, None),
    (AFTER_EDIT, 10_000, 0.5, None),
    (AFTER_CHECKOUT, 100_000, 3.0, None),
    (AFTER_CHECKOUT, 10_000, 0.5, None),
)
DOSSIER_ID = re.compile(rb"  - id: (\S+)\n")


def compartment_command() -> list[str]:
    script = Path(sys.executable).with_name("compartment")
    return [str(script)] if script.exists() else [sys.executable, "-m", "compartment"]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, int, int, bytes]:
    """Wall seconds, peak RSS in KiB, exit code and stderr of one run of `argv`."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        return elapsed, usage.ru_maxrss, proc.returncode, err.read()


def measure(argv: list[str], runs: int, env: dict[str, str],
            before: Callable[[], None] | None = None,
            codes: tuple[int, ...] = (0, 1)) -> tuple[list[float], int]:
    times, peak = [], 0
    for _ in range(runs):
        if before is not None:
            before()
        elapsed, rss, code, err = run_once(argv, env)
        if code not in codes:
            raise SystemExit(f"{' '.join(argv)} failed ({code}):\n{err.decode(errors='replace')}")
        times.append(elapsed)
        peak = max(peak, rss)
    return times, peak


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"python {platform.python_version()}, {os.cpu_count()} CPUs ({cpu}), "
            f"{mem:.0f} GiB RAM, {platform.system()} {platform.release()}")


def revision(rev: str | None = None) -> str:
    """The commit measured (read-only git calls), and whether src/ had uncommitted changes."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, check=False,
                                  cwd=SRC.parent.parent).stdout.strip()
        except OSError:
            return ""
    if rev is not None:
        short = git("rev-parse", "--short", rev)
        return f"compartment at {short} (its sources from git archive, not the working tree)"
    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "compartment (not a git checkout)"
    dirty = git("status", "--porcelain", "--", "src")
    return f"compartment at {head}{' with uncommitted changes in src/' if dirty else ''}"


def src_snapshot() -> dict[str, int]:
    """Modification times of the package's sources: an edit during a run mixes versions."""
    return {p.name: p.stat().st_mtime_ns for p in SRC.glob("*.py")} if SRC.is_dir() else {}


def loadavg() -> str:
    """The 1, 5 and 15-minute load averages: on a shared machine, how busy it was."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def tool_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""
    return out.splitlines()[0].strip() if out else ""


def sources_at(rev: str, into: Path) -> Path:
    """The package's sources at `rev`, unpacked from `git archive` (the checkout untouched)."""
    archive = into / "src.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", rev, "src"], cwd=SRC.parent.parent, stdout=out,
                       check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    archive.unlink()
    # Compiled now, so that no timed run pays for writing the bytecode.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(into / "src")], check=True)
    return into / "src"


def scan(path: Path) -> tuple[int, int, str]:
    """The numbers of dossiers and of events in a generated file, and its middle dossier's id.

    Read line by line: the benchmark process must stay small, because a child it starts
    inherits its peak resident size as the child's own starting peak (wait4 reports the
    larger of the two: a parent that held the 228 MB file made every command "use" as much).
    """
    ids = events = 0
    with path.open("rb") as fh:
        for line in fh:
            if line.startswith(b"      - date: "):
                events += 1
            elif DOSSIER_ID.match(line):
                ids += 1
    middle = ""
    with path.open("rb") as fh:
        seen = 0
        for line in fh:
            match = DOSSIER_ID.match(line)
            if match:
                if seen == ids // 2:
                    middle = match.group(1).decode()
                    break
                seen += 1
    return ids, events, middle


def write_one_event_added(source: Path, target: Path, dossier_id: str) -> None:
    """`source` copied to `target` with one event appended to the events of `dossier_id`
    (the last list of that dossier in generated files), by a text edit, line by line.

    The event has no status (the dossier's derived state stays), is dated after every
    generated date, and names an actor and a source the dossier already has, so the file
    stays clean: no new problem, no new warning.
    """
    head = f"  - id: {dossier_id}\n".encode()
    actor = source_url = None
    inside = done = False
    with source.open("rb") as src, target.open("wb") as out:
        for line in src:
            if inside and not done and DOSSIER_ID.match(line):
                assert actor is not None and source_url is not None
                out.write(b"      - date: 2025-12-31\n"
                          b"        actor: " + actor + b"\n"
                          b"        action: said so\n"
                          b"        summary: A benchmark event, appended by a text edit.\n"
                          b"        sources:\n"
                          b"          - " + source_url + b"\n")
                done = True
            if line == head:
                inside = True
            elif inside and not done:
                if actor is None and line.startswith(b"        actor: "):
                    actor = line.split(b": ", 1)[1].strip()
                if source_url is None and line.startswith(b"          - http"):
                    source_url = line[len(b"          - "):].strip()
            out.write(line)
    assert done, f"{dossier_id} is not followed by another dossier in {source}"


def git_in(repo: Path, *args: str) -> str:
    """Run git in the throwaway repository (never in the project's checkout)."""
    return subprocess.run(
        ["git", "-c", "user.name=scale.py", "-c", "user.email=scale@example.invalid",
         "-c", "gc.auto=0", "-c", "commit.gpgsign=false", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout.strip()


def data_file(n: int, fmt: str = "yaml") -> Path:
    path = generate.default_path(n, fmt)
    if not path.exists():
        print(f"writing {path} ...", file=sys.stderr, flush=True)
    return generate.ensure(n, fmt, path)


def bench_size(n: int, runs: int, base: list[str], env: dict[str, str],
               results: dict[tuple[int, str], tuple[float, int]], work: Path,
               tools: bool = True, only: tuple[str, ...] = ()) -> None:
    data = data_file(n)
    size = data.stat().st_size
    dossiers, events, show_id = scan(data)
    # read_bytes() reads up to the limit in one call, which allocates a buffer of the whole
    # limit: keep it just above the file rather than "unlimited".
    env = {**env, "COMPARTMENT_MAX_BYTES": str(size + (1 << 20))}

    def wanted(label: str) -> bool:  # the cold validate always: every ratio is to it
        return not only or label == COLD or any(o in label for o in only)

    Row = tuple[str, list[str], Callable[[], None] | None]
    rows: list[Row] = [
        (FLOOR, [sys.executable, "-c", FLOOR_CODE, str(data)], None),
        (COLD, [*base, "--no-cache", "--data", str(data), "validate"], None),
        ("list --status suspended (cold)", [*base, "--no-cache", "--data", str(data), *LIST],
         None),
        ("validate (warm)", [*base, "--data", str(data), "validate"], None),
        (WARM_LIST, [*base, "--data", str(data), *LIST], None),
        ("list --status suspended -f csv (warm)", [*base, "--data", str(data), *LIST, "-f", "csv"],
         None),
        # The data file touched before each run: its stamp no longer matches, so the cache
        # entry is found by hashing the file's content (cache.py), as after a checkout.
        (HASHED, [*base, "--data", str(data), *LIST], lambda: os.utime(data)),
        (SHOW, [*base, "--data", str(data), "show", show_id], None),
    ]

    def prime(path: Path) -> None:
        """One untimed validate of `path`, once it is older than the racy window."""
        settle(path)
        _, _, code, err = run_once([*base, "--data", str(path), "validate"], env)
        if code != 0:
            raise SystemExit(f"priming {path} failed ({code}):\n{err.decode(errors='replace')}")

    # The first command after one event was added to one dossier by a text edit.
    edited = work / f"edited-{n}.yaml.new"
    if wanted(AFTER_EDIT) or wanted(AFTER_CHECKOUT):
        write_one_event_added(data, edited, show_id)
    copy = work / f"edited-{n}.yaml"

    def edit_after_prime() -> None:
        shutil.copyfile(data, copy)  # the previous version, primed
        prime(copy)
        shutil.copyfile(edited, copy)  # in place, as an editor saves; timed at once

    rows.append((AFTER_EDIT, [*base, "--data", str(copy), *LIST], edit_after_prime))

    # The first command after `git checkout` of a commit that changed one dossier.
    repo = work / f"repo-{n}"
    ledger = repo / "ledger.yaml"
    before_commit = after_commit = ""
    if wanted(AFTER_CHECKOUT):
        repo.mkdir()
        git_in(repo, "init", "-q")
        shutil.copyfile(data, ledger)
        git_in(repo, "add", "ledger.yaml")
        git_in(repo, "commit", "-q", "-m", "the generated ledger")
        before_commit = git_in(repo, "rev-parse", "HEAD")
        shutil.copyfile(edited, ledger)
        git_in(repo, "commit", "-q", "-a", "-m", "one event added to one dossier")
        after_commit = git_in(repo, "rev-parse", "HEAD")

    def checkout_after_prime() -> None:
        git_in(repo, "checkout", "-q", "--detach", before_commit)
        prime(ledger)
        git_in(repo, "checkout", "-q", "--detach", after_commit)

    rows.append((AFTER_CHECKOUT, [*base, "--data", str(ledger), *LIST], checkout_after_prime))

    if tools and shutil.which("recsel") and wanted("recsel"):
        rec = data_file(n, "rec")
        rows.append(("recsel -e \"status = 'suspended'\"",
                     ["recsel", "-t", "Dossier", "-e", "status = 'suspended'",
                      "-p", "id,title,status", str(rec)], None))
    if tools and shutil.which("hledger") and wanted("hledger"):
        journal = data_file(n, "journal")
        rows.append(("hledger print", ["hledger", "-f", str(journal), "print"], None))

    print(f"\n{dossiers:,} dossiers, {events:,} events: {data.name} {size / 1e6:.1f} MB; "
          f"{runs} runs each, medians (min-max); show {show_id}")
    print(f"{'':40} {'wall time, ms':>26} {'x floor':>8} {'x validate':>10} {'peak MiB':>9}")
    rows = [row for row in rows if wanted(row[0])]
    floor_median = cold_median = None
    primed = False
    for label, argv, before in rows:
        if "(warm" in label and not primed:
            # Untimed runs write the cache entry that the warm runs read, with the stamp that
            # spares them hashing the file: recorded only once the file is a few seconds old.
            settle(data)
            for _ in range(2):
                _, _, code, err = run_once([*base, "--data", str(data), "validate"], env)
                if code not in (0, 1):
                    raise SystemExit(
                        f"priming the cache failed ({code}):\n{err.decode(errors='replace')}")
            primed = True
        strict = (0,) if label in (AFTER_EDIT, AFTER_CHECKOUT, SHOW) else (0, 1)
        times, peak = measure(argv, runs, env, before, strict)
        median = statistics.median(times)
        if label == FLOOR:
            floor_median = median
        if label == COLD:
            cold_median = median
        results[(n, label)] = (median, peak)
        spread = f"({min(times) * 1000:.0f}-{max(times) * 1000:.0f})"
        cold = f"{median / cold_median:10.2f}" if cold_median else f"{'':10}"
        floor = f"{median / floor_median:8.2f}" if floor_median else f"{'':8}"
        print(f"{label:40} {median * 1000:9.0f} {spread:>16} {floor} {cold} {peak / 1024:9.0f}",
              flush=True)
    shutil.rmtree(repo, ignore_errors=True)
    copy.unlink(missing_ok=True)
    edited.unlink(missing_ok=True)


def settle(path: Path, seconds: float = 3.5) -> None:
    """Wait until `path` last changed `seconds` ago (cache.RACY_SECONDS is 3)."""
    info = path.stat()
    age = time.time() - max(info.st_mtime, info.st_ctime)
    if age < seconds:
        time.sleep(seconds - age)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report_targets(results: dict[tuple[int, str], tuple[float, int]]) -> None:
    lines = []
    n, limit = RATIO_TARGET
    if (n, "validate (cold)") in results and (n, FLOOR) in results:
        ratio = results[(n, "validate (cold)")][0] / results[(n, FLOOR)][0]
        lines.append(f"cold validate / floor at {n:,}: {ratio:.2f} (target <= {limit}): "
                     f"{verdict(ratio <= limit)}")
    for n, limit in WARM_LIST_TARGETS.items():
        if (n, "list --status suspended (warm)") in results:
            seconds = results[(n, "list --status suspended (warm)")][0]
            lines.append(f"warm list at {n:,}: {seconds:.2f} s (target <= {limit} s): "
                         f"{verdict(seconds <= limit)}")
    n, limit = MEMORY_TARGET
    peaks = {label: peak for (size, label), (_, peak) in results.items()
             if size == n and ("(cold" in label or "(warm" in label)}
    if peaks:
        label, peak = max(peaks.items(), key=lambda item: item[1])
        lines.append(f"peak memory at {n:,}: {peak / 1024:.0f} MiB, {label} "
                     f"(target <= {limit} MiB): {verdict(peak / 1024 <= limit)}")
    if lines:
        print("\ntargets")
        for line in lines:
            print(f"  {line}")
    reads = []
    for label, n, seconds, mib in READ_TARGETS:
        if (n, label) not in results:
            continue
        median, peak = results[(n, label)]
        cold = results[(n, COLD)][0]
        ok = median <= seconds and (mib is None or peak / 1024 <= mib)
        memory = f", peak {peak / 1024:.0f} MiB (<= {mib})" if mib is not None else ""
        reads.append(f"{label} at {n:,}: {median:.2f} s (<= {seconds} s){memory}, "
                     f"{median / cold:.3f} x cold validate ({cold:.2f} s): {verdict(ok)}")
    if reads:
        print("\nissue 19, reads")
        for line in reads:
            print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated numbers of dossiers (default: 1000,10000,100000)")
    parser.add_argument("--runs", type=int,
                        help="runs of each measurement (default: 5, or 3 at 100,000 and above)")
    parser.add_argument("--rev", help="run the package's sources at this commit (git archive) "
                        "instead of the working tree")
    parser.add_argument("--no-tools", action="store_true",
                        help="skip recsel and hledger (and writing their files)")
    parser.add_argument("--only", default="",
                        help="comma-separated parts of line labels to run, such as "
                        "'first after,show' (the cold validate always runs)")
    args = parser.parse_args()
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: expected numbers such as 1000,10000, got {args.sizes!r}")
    if not sizes or min(sizes) < 1 or (args.runs is not None and args.runs < 1):
        parser.error("sizes and runs must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="compartment-scale-"))
    cache = work / "cache"
    env = {**os.environ, "COMPARTMENT_CACHE_DIR": str(cache), "NO_COLOR": "1",
           "COLUMNS": "120"}
    env.pop("COMPARTMENT_DATA", None)
    if args.rev:
        env["PYTHONPATH"] = str(sources_at(args.rev, work))
    base = compartment_command()
    print(machine())
    print(revision(args.rev))
    print(f"load average at the start: {loadavg()}")
    before = src_snapshot()
    versions = (tool_version(["recsel", "--version"]), tool_version(["hledger", "--version"]))
    tools = [v for v in versions if v]
    if args.no_tools:
        tools = []
    print(f"compared with: {', '.join(tools) if tools else 'nothing (install recutils, hledger)'}")
    results: dict[tuple[int, str], tuple[float, int]] = {}
    try:
        for n in sizes:
            runs = args.runs or (3 if n >= 100_000 else 5)
            bench_size(n, runs, base, env, results, work, tools=not args.no_tools,
                       only=tuple(o.strip() for o in args.only.split(",") if o.strip()))
        report_targets(results)
        print(f"\nload average at the end: {loadavg()}")
        changed = sorted(k for k, v in src_snapshot().items() if before.get(k) != v)
        if changed and not args.rev:
            print(f"\nwarning: src/compartment/{', '.join(changed)} changed during the run: "
                  "these figures mix versions; run again")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
