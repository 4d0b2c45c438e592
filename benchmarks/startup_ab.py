"""Start-up of two installs of compartment, interleaved run by run, so both see the same load.

On a shared machine the floor of `startup.py` moves by a third between rounds; alternating
old and new, command by command, is the fair comparison of two versions:

    python benchmarks/startup_ab.py /path/to/old-venv /path/to/new-venv [--runs 25]

Each venv must have compartment installed (a wheel, as users get it) and the same data file
bundled or named with --data. Prints medians and the ratio new/old; warm commands read a
cache primed before timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from startup import COMMANDS  # the same commands as startup.py, beside this file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the venv of the old version")
    parser.add_argument("new", type=Path, help="the venv of the new version")
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--data", help="a data file both versions can read")
    parser.add_argument("--only", default="", help="only the commands whose label has this text")
    args = parser.parse_args()
    # pip byte-compiles a real install; without that every run would recompile.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    versions = {"old": args.old / "bin" / "compartment", "new": args.new / "bin" / "compartment"}
    caches = {name: tempfile.mkdtemp() for name in versions}
    base = ["--data", args.data] if args.data else []
    workdir = tempfile.mkdtemp()  # no data/issues.yaml above it: the bundled copy is used

    def once(name: str, argv: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run([str(versions[name]), *base, *argv], capture_output=True, cwd=workdir,
                       env={**env, "COMPARTMENT_CACHE_DIR": caches[name]})
        return time.perf_counter() - start

    for label, argv in COMMANDS:
        if args.only not in label:
            continue
        for name in versions:
            once(name, argv)  # prime the cache
        times: dict[str, list[float]] = {name: [] for name in versions}
        for i in range(args.runs):
            for name in ("old", "new") if i % 2 else ("new", "old"):
                times[name].append(once(name, argv))
        old, new = (statistics.median(times[n]) for n in ("old", "new"))
        print(f"{label:32} old {old * 1000:6.1f} ms   new {new * 1000:6.1f} ms   "
              f"new/old {new / old:.2f}")


if __name__ == "__main__":
    main()
