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
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
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

SRC = Path(__file__).resolve().parents[1] / "src" / "compartment"

# The targets ("Speed at scale").
RATIO_TARGET = (10_000, 1.2)  # cold validate over the floor, at 10k
WARM_LIST_TARGETS = {10_000: 0.3, 100_000: 2.0}  # seconds
MEMORY_TARGET = (100_000, 1024)  # MiB, for every compartment command


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
            before: Callable[[], None] | None = None) -> tuple[list[float], int]:
    times, peak = [], 0
    for _ in range(runs):
        if before is not None:
            before()
        elapsed, rss, code, err = run_once(argv, env)
        if code not in (0, 1):
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


def revision() -> str:
    """The commit measured (read-only git calls), and whether src/ had uncommitted changes."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, check=False,
                                  cwd=SRC.parent.parent).stdout.strip()
        except OSError:
            return ""
    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "compartment (not a git checkout)"
    dirty = git("status", "--porcelain", "--", "src")
    return f"compartment at {head}{' with uncommitted changes in src/' if dirty else ''}"


def src_snapshot() -> dict[str, int]:
    """Modification times of the package's sources: an edit during a run mixes versions."""
    return {p.name: p.stat().st_mtime_ns for p in SRC.glob("*.py")} if SRC.is_dir() else {}


def tool_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""
    return out.splitlines()[0].strip() if out else ""


def data_file(n: int, fmt: str = "yaml") -> Path:
    path = generate.default_path(n, fmt)
    if not path.exists():
        print(f"writing {path} ...", file=sys.stderr, flush=True)
    return generate.ensure(n, fmt, path)


def bench_size(n: int, runs: int, base: list[str], env: dict[str, str],
               results: dict[tuple[int, str], tuple[float, int]]) -> None:
    data = data_file(n)
    size = data.stat().st_size
    # read_bytes() reads up to the limit in one call, which allocates a buffer of the whole
    # limit: keep it just above the file rather than "unlimited".
    env = {**env, "COMPARTMENT_MAX_BYTES": str(size + (1 << 20))}
    rows: list[tuple[str, list[str]]] = [
        (FLOOR, [sys.executable, "-c", FLOOR_CODE, str(data)]),
        ("validate (cold)", [*base, "--no-cache", "--data", str(data), "validate"]),
        ("list --status suspended (cold)", [*base, "--no-cache", "--data", str(data), *LIST]),
        ("validate (warm)", [*base, "--data", str(data), "validate"]),
        ("list --status suspended (warm)", [*base, "--data", str(data), *LIST]),
        ("list --status suspended -f csv (warm)", [*base, "--data", str(data), *LIST, "-f", "csv"]),
        # The data file touched before each run: its stamp no longer matches, so the cache
        # entry is found by hashing the file's content (cache.py), as after a checkout.
        (HASHED, [*base, "--data", str(data), *LIST]),
    ]
    if shutil.which("recsel"):
        rec = data_file(n, "rec")
        rows.append(("recsel -e \"status = 'suspended'\"",
                     ["recsel", "-t", "Dossier", "-e", "status = 'suspended'",
                      "-p", "id,title,status", str(rec)]))
    if shutil.which("hledger"):
        journal = data_file(n, "journal")
        rows.append(("hledger print", ["hledger", "-f", str(journal), "print"]))

    events = sum(1 for line in data.open(encoding="utf-8") if line.startswith("      - date: "))
    print(f"\n{n:,} dossiers, {events:,} events: {data.name} {size / 1e6:.1f} MB; "
          f"{runs} runs each, medians (min-max)")
    print(f"{'':40} {'wall time, ms':>26} {'x floor':>8} {'peak MiB':>9}")
    floor_median = None
    primed = False
    for label, argv in rows:
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
        touch = (lambda: os.utime(data)) if label == HASHED else None
        times, peak = measure(argv, runs, env, touch)
        median = statistics.median(times)
        floor_median = floor_median or median
        results[(n, label)] = (median, peak)
        spread = f"({min(times) * 1000:.0f}-{max(times) * 1000:.0f})"
        print(f"{label:40} {median * 1000:9.0f} {spread:>16} {median / floor_median:8.2f} "
              f"{peak / 1024:9.0f}", flush=True)


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
    if (n, "validate (cold)") in results:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated numbers of dossiers (default: 1000,10000,100000)")
    parser.add_argument("--runs", type=int,
                        help="runs of each measurement (default: 5, or 3 at 100,000 and above)")
    args = parser.parse_args()
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: expected numbers such as 1000,10000, got {args.sizes!r}")
    if not sizes or min(sizes) < 1 or (args.runs is not None and args.runs < 1):
        parser.error("sizes and runs must be at least 1")

    cache = tempfile.mkdtemp(prefix="compartment-scale-")
    env = {**os.environ, "COMPARTMENT_CACHE_DIR": cache, "NO_COLOR": "1", "COLUMNS": "120"}
    env.pop("COMPARTMENT_DATA", None)
    base = compartment_command()
    print(machine())
    print(revision())
    before = src_snapshot()
    versions = (tool_version(["recsel", "--version"]), tool_version(["hledger", "--version"]))
    tools = [v for v in versions if v]
    print(f"compared with: {', '.join(tools) if tools else 'nothing (install recutils, hledger)'}")
    results: dict[tuple[int, str], tuple[float, int]] = {}
    try:
        for n in sizes:
            runs = args.runs or (3 if n >= 100_000 else 5)
            bench_size(n, runs, base, env, results)
        report_targets(results)
        changed = sorted(k for k, v in src_snapshot().items() if before.get(k) != v)
        if changed:
            print(f"\nwarning: src/compartment/{', '.join(changed)} changed during the run: "
                  "these figures mix versions; run again")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
