"""Start-up benchmark: each command against the floor of the stack, in the same run.

Run by hand (not part of the test suite), from an environment where compartment is
installed:

    python benchmarks/startup.py            # 15 runs of each, on the bundled data
    python benchmarks/startup.py --runs 30

The floor is what the CLI cannot avoid: `python -c "import typer, rich.console, rich.table"`.
Each command's ratio is its median wall time over the floor's median. "warm" runs read the
content-keyed cache; "cold" runs pass --no-cache (parse YAML, validate with pydantic).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = [sys.executable, "-c", "import typer, rich.console, rich.table"]

COMMANDS: list[tuple[str, list[str]]] = [
    ("--help", ["--help"]),
    ("list --status suspended (warm)", ["list", "--status", "suspended"]),
    ("list --status suspended (cold)", ["--no-cache", "list", "--status", "suspended"]),
    ("list --as-of 2022-02-23 (warm)", ["list", "--as-of", "2022-02-23"]),
    ("show new-start (warm)", ["show", "new-start"]),
    ("export --format csv (warm)", ["export", "--format", "csv"]),
    ("validate (warm)", ["validate"]),
    ("validate (cold)", ["--no-cache", "validate"]),
    ("timeline (warm)", ["timeline"]),
    ("stats --by bloc --per year (warm)", ["stats", "--by", "bloc", "--per", "year"]),
]


def compartment_command() -> list[str]:
    script = Path(sys.executable).with_name("compartment")
    return [str(script)] if script.exists() else [sys.executable, "-m", "compartment"]


def measure(argv: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr.decode()}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    cache = tempfile.mkdtemp(prefix="compartment-bench-")
    env = {**os.environ, "COMPARTMENT_CACHE_DIR": cache, "NO_COLOR": "1", "COLUMNS": "120"}
    env.pop("COMPARTMENT_DATA", None)
    # Measure what an installed compartment costs: pip byte-compiles an installed package,
    # so let an editable checkout write its .pyc files too (the warm-up run below does).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    base = compartment_command()
    try:
        subprocess.run([*base, "list"], stdout=subprocess.DEVNULL, env=env, check=True)  # warm up
        floor = measure(FLOOR, args.runs, env)
        floor_median = statistics.median(floor)
        print(f"python {sys.version.split()[0]}, {args.runs} runs each, medians (min-max)")
        print(f"{'floor: import typer, rich.console, rich.table':48} "
              f"{floor_median * 1000:7.1f} ms ({min(floor) * 1000:.0f}-{max(floor) * 1000:.0f})   1.00")
        for label, argv in COMMANDS:
            probe = subprocess.run([*base, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            if probe.returncode == 2:
                print(f"{label:48} (not available)")
                continue
            times = measure([*base, *argv], args.runs, env)
            median = statistics.median(times)
            print(f"{label:48} {median * 1000:7.1f} ms ({min(times) * 1000:.0f}-{max(times) * 1000:.0f})"
                  f"   {median / floor_median:.2f}")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
